"""Demo government registries (政务数据) over the demo province, imported and matched through the services.

Called by demo/seeding.py after the org tree and the employers:

    from smartunion.demo.seed_insight_registries import build_registries
    build_registries(progress=progress)

What it makes (deterministic, from the province's employers in id order, at most MAX_EMPLOYERS of them):
- a market-regulation file (CSV, GBK as the exchange often hands it out) with one company per employer, varied by
  the employer's place in the list (i % 10): 0–5 with the employer's credit code (a covered employer every 13th
  closed: 注销, so 注销仍在册工会 has rows), 6 without a code under the same name, 7 without a code under a
  width/company-form variant of the name, 8 without a code renamed, its address written a little differently (a
  pending candidate), 9 not in the registry at all; plus one company for every third employer that the employer
  registry does not know (unorganised, with 5–184 insured);
- a tax file (every company with a credit code; every 7th 非正常) and a social-insurance file for last month
  (every company with a code);
- one matching run over the province: exact, probabilistic links, some candidates pending for review.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_credit_code
from smartunion.insight import registry_formats as formats
from smartunion.insight.models import CompanyRecord, MatchCandidate
from smartunion.insight.queries.registries import ACTIVE
from smartunion.insight.services import matching, registries
from smartunion.orgs.models import Employer, Organisation, subtree_q

MAX_EMPLOYERS = 600
NEW_WORDS = ["鲁创", "齐航", "泰和", "岱宗", "泉润", "海岳", "沂蒙", "黄河", "运河", "琴岛"]
NEW_TRADES = ["商贸有限公司", "物流有限公司", "餐饮管理有限公司", "电子科技有限公司", "建筑工程有限公司"]


def _variant(name: str) -> str:
    """The same company as another clerk typed it: a full-width space and 有限责任公司 for 有限公司."""
    return f"{name[:2]}\u3000{name[2:]}".replace("有限公司", "有限责任公司")


def _renamed(name: str) -> str:
    return name.replace("有限公司", "发展有限公司", 1) if name.endswith("有限公司") else name + "发展有限公司"


def build_registries(*, progress) -> dict:
    progress("正在生成政务数据演示数据……")
    province = Organisation.objects.get(kind=Organisation.Kind.PROVINCE)
    employers = list(Employer.objects.filter(subtree_q(province.path, "area_path")).order_by("pk")
                     .values_list("pk", "name", "credit_code", "region_id", "address", "covering_union_id",
                                  "industry")[:MAX_EMPLOYERS])
    companies, coded = [], []
    for i, (_pk, name, credit, region, address, covered, industry) in enumerate(employers):
        v = i % 10
        if v == 9:
            continue
        status = "注销" if covered and i % 13 == 5 else "存续"
        founded = dt.date(2000 + i % 24, 1 + i % 12, 1 + i % 28).isoformat()
        if v <= 5 and credit:
            row_name, code = name, credit
        elif v == 7:
            row_name, code = _variant(name), ""
        elif v == 8:
            row_name, code = _renamed(name), ""
            address = f"{address}院" if address else address  # the registry's spelling of the same place
        else:
            row_name, code = name, ""
        companies.append([code, row_name, "", address, region, industry or "", status, founded])
        if code:
            coded.append((code, 10 + (i * 29) % 400))
    counties = sorted({row[4][:6] for row in companies}) or ["370102"]
    for i in range(len(employers) // 3):
        county = counties[i % len(counties)]
        code = make_credit_code(f"91{county}MB{i:07d}"[:17])
        name = f"{NEW_WORDS[i % len(NEW_WORDS)]}{'甲乙丙丁戊己庚辛壬癸'[i // len(NEW_WORDS) % 10]}{i}号" \
               f"{NEW_TRADES[i % len(NEW_TRADES)]}"
        companies.append([code, name, "", "", county, "", "存续", "2021-06-01"])
        coded.append((code, 5 + (i * 53) % 180))
    today = timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    files = [
        ("company", "市场监管企业登记.csv", formats.sample_csv("company", companies, encoding="gbk")),
        ("tax", "税务登记.csv", formats.sample_csv("tax", [[code, "非正常" if n % 7 == 0 else "正常"]
                                                        for n, (code, _) in enumerate(coded)])),
        ("insured", "社保参保.csv", formats.sample_csv("insured", [[code, month, headcount]
                                                             for code, headcount in coded])),
    ]
    made = {}
    for kind, file_name, content in files:
        job = registries.create_import(org=province, kind=kind, upload=SimpleUploadedFile(file_name, content),
                                       by=SYSTEM, background=False)
        job.refresh_from_db()
        made[kind] = job.added
    run = matching.start_run(org=province, by=SYSTEM, background=False)
    unorganised = CompanyRecord.objects.filter(subtree_q(province.path, "area_path"), status=ACTIVE).filter(
        employer__covering_union__isnull=True).count()
    result = {"companies": made["company"], "tax": len(coded), "insured": made["insured"], "exact": run.exact,
              "probable": run.probable, "to_review": MatchCandidate.objects.filter(status="pending").count(),
              "unmatched": run.unmatched, "unorganised": unorganised}
    progress(f"政务数据：登记企业 {result['companies']} 家（信用代码匹配 {run.exact}、概率匹配 {run.probable}、"
             f"待确认 {result['to_review']}、未匹配 {run.unmatched}），未建会企业 {unorganised} 家")
    return result
