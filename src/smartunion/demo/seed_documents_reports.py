"""Demo information reports (信息报送) in the demo province, through the reports services (issue 12).

Called by demo/seeding.py after the org tree and the accounts:

    from smartunion.demo.seed_documents_reports import build_reports
    build_reports(progress=progress)

What it makes, over the current year (decision dates spread from 1 January to today, so every period has figures):
- the scoring table for the year: the province's row per level (市级 1, 省级 3, 报送全总 10) and 济南's own 市级 row
  (2 points), which wins for 济南's counties;
- from every county of 济南 to 济南市总工会: two items adopted at 市级; every third county a third adoption, the
  next one a declined item with its reason; the first county (历下区) also one waiting in 济南's inbox and one it
  withdrew;
- from every city to the province: one item adopted at 省级; by turns one reported on to the national federation
  (报送全总), one declined, one more 省级; 青岛 one waiting;
- 济南 forwards (转报) two of 历下区's adopted items to the province: one adopted at 省级, one waiting.
Each step is taken by a cadre of the acting org when the demo has one (jinan, lixia, admin ...), else by the system.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.documents import rules_reports as rules
from smartunion.documents.models import InfoReport
from smartunion.documents.services import reports as services
from smartunion.orgs.models import Organisation, Position

L = InfoReport.Level
K = Organisation.Kind

COUNTY_ITEMS = [
    ("news", "{name}开展“夏送清凉”慰问一线职工",
     "{name}组织工会干部深入建筑工地、环卫站点，为高温下作业的职工送去防暑降温物品。"),
    ("practice", "{name}推行“工会+调解”化解劳动争议",
     "{name}在各街道设立劳动争议调解工作室，今年以来调解成功率达到九成。"),
    ("news", "{name}举办职工技能竞赛", "{name}举办焊工、电工等五个工种的职工技能竞赛，三百余名职工参加。"),
    ("issue", "关于新就业形态劳动者入会难的建议", "平台企业用工分散，建议由市总工会统一协调平台企业建立联合工会。"),
    ("news", "{name}职工书屋建设情况", "{name}新建职工书屋十处，配备图书两万余册。"),
]
CITY_ITEMS = [
    ("practice", "{name}“互联网+普惠”服务经验", "{name}依托职工门户发放普惠券，全年惠及会员二十余万人次。"),
    ("news", "{name}启动“工会进万家”送温暖活动", "{name}在全市范围内开展送温暖活动，覆盖困难职工和新就业形态劳动者。"),
    ("issue", "关于完善户外劳动者服务站点的建议", "建议统一站点标识和服务标准，并纳入城市公共服务设施规划。"),
    ("practice", "{name}产业工人队伍建设改革做法", "{name}推动企业建立技能等级与薪酬挂钩机制。"),
]
DECLINE_REASON = "内容与已采用信息重复"


def _actor(org: Organisation):
    """A demo cadre with a reporting role in exactly this org, else the system."""
    position = (Position.objects.filter(org=org, role__in=rules.REPORT_ROLES, user__is_active=True)
                .select_related("user").order_by("id").first())
    return position.user if position is not None else SYSTEM


def _when(n: int) -> dt.datetime:
    """A decision time this year, spread by `n`, never after now."""
    now = timezone.localtime()
    start = now.replace(month=1, day=1, hour=9, minute=0, second=0, microsecond=0)
    days = (now - start).days
    moment = start + dt.timedelta(days=(n * 37) % (days + 1), hours=n % 8)
    return min(moment, now)


class _Builder:
    def __init__(self):
        self.n = 0
        self.counts = {"adopted": 0, "declined": 0, "submitted": 0, "withdrawn": 0}

    def submit(self, org, template, name) -> InfoReport:
        self.n += 1
        category, title, body = template
        report = services.submit_report(org=org, category=category, title=title.format(name=name),
                                        body=body.format(name=name), by=_actor(org))
        when = _when(self.n) - dt.timedelta(days=2)
        InfoReport.objects.filter(pk=report.pk).update(submitted_at=max(when, _when(0) - dt.timedelta(days=1)))
        return report

    def decide(self, report: InfoReport, level: str | None) -> InfoReport:
        by = _actor(report.to_org)
        if level is None:
            report = services.decline_report(report, reason=DECLINE_REASON, by=by)
            self.counts["declined"] += 1
        else:
            report = services.adopt_report(report, level=level, by=by)
            self.counts["adopted"] += 1
        InfoReport.objects.filter(pk=report.pk).update(decided_at=_when(self.n))
        return report


def build_reports(*, progress) -> dict:
    progress("正在生成信息报送演示数据……")
    year = timezone.localdate().year
    province = Organisation.objects.get(kind=K.PROVINCE)
    jinan = Organisation.objects.get(kind=K.CITY, region_id="370100")
    for level, points in ((L.CITY, 1), (L.PROVINCE, 3), (L.NATIONAL, 10)):
        services.set_score(org=province, year=year, level=level, points=points, by=_actor(province))
    services.set_score(org=jinan, year=year, level=L.CITY, points=2, by=_actor(jinan))
    build = _Builder()

    counties = list(Organisation.objects.filter(parent=jinan, kind=K.COUNTY, status="active").order_by("path"))
    forwardable: list[InfoReport] = []
    for i, county in enumerate(counties):
        name = county.name.removesuffix("总工会")
        for k in range(2):
            report = build.decide(build.submit(county, COUNTY_ITEMS[(i + k) % len(COUNTY_ITEMS)], name), L.CITY)
            if i == 0:
                forwardable.append(report)
        if i % 3 == 0:
            build.decide(build.submit(county, COUNTY_ITEMS[(i + 2) % len(COUNTY_ITEMS)], name), L.CITY)
        elif i % 3 == 1:
            build.decide(build.submit(county, COUNTY_ITEMS[3], name), None)
        if i == 0:
            build.submit(county, COUNTY_ITEMS[4], name)
            build.counts["submitted"] += 1
            services.withdraw_report(build.submit(county, COUNTY_ITEMS[3], name), by=_actor(county))
            build.counts["withdrawn"] += 1

    cities = list(Organisation.objects.filter(parent=province, kind=K.CITY, status="active").order_by("path"))
    for j, city in enumerate(cities):
        name = city.name.removesuffix("总工会")
        build.decide(build.submit(city, CITY_ITEMS[j % len(CITY_ITEMS)], name), L.PROVINCE)
        turn = j % 4
        if turn == 0:
            build.decide(build.submit(city, CITY_ITEMS[(j + 1) % len(CITY_ITEMS)], name), L.NATIONAL)
        elif turn == 1:
            build.decide(build.submit(city, CITY_ITEMS[2], name), None)
        elif turn == 2:
            build.decide(build.submit(city, CITY_ITEMS[(j + 3) % len(CITY_ITEMS)], name), L.PROVINCE)
        if city.region_id == "370200":
            build.submit(city, CITY_ITEMS[1], name)
            build.counts["submitted"] += 1

    for index, original in enumerate(forwardable[:2]):
        copy = services.forward_report(original, by=_actor(jinan))
        if index == 0:
            build.n += 1
            build.decide(copy, L.PROVINCE)
        else:
            build.counts["submitted"] += 1

    total = InfoReport.objects.count()
    progress(f"信息报送：{total} 条（采用 {build.counts['adopted']}、未采用 {build.counts['declined']}、"
             f"待处理 {build.counts['submitted']}、撤回 {build.counts['withdrawn']}）")
    return {"reports": total, **build.counts}
