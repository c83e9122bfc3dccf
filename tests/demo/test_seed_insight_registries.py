"""The demo registries (demo/seed_insight_registries.py) on the test tree plus ten employers of 历下区: exact
counts of what was imported and matched, some candidates pending, unorganised companies listed."""

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_credit_code
from smartunion.demo.seed_insight_registries import build_registries
from smartunion.insight.models import CompanyRecord, MatchCandidate, RegistryImport
from smartunion.insight.queries.registries import closed_with_union, unorganised
from smartunion.orgs import services as org_services

pytestmark = pytest.mark.django_db

WORDS = ["华信", "鲁能", "齐鲁", "泉城", "舜耕", "历山", "千佛", "趵突", "大明", "芙蓉"]


def test_the_demo_registries(tree, personas):
    for n, word in enumerate(WORDS):
        org_services.employer_create(
            name=f"济南{word}科技有限公司", region="370102", address=f"历下区{word}路{n + 1}号", by=SYSTEM,
            credit_code=make_credit_code(f"91370102MA{n + 100:07d}"),
            covering_union=tree.grassroots if n % 2 else None)
    messages = []
    made = build_registries(progress=messages.append)
    assert made == {"companies": 16, "tax": 11, "insured": 11, "exact": 7, "probable": 4, "to_review": 1,
                    "unmatched": 5, "unorganised": 10}
    assert messages[-1] == ("政务数据：登记企业 16 家（信用代码匹配 7、概率匹配 4、待确认 1、未匹配 5），"
                            "未建会企业 10 家")
    assert list(RegistryImport.objects.values_list("status", flat=True)) == ["done", "done", "done"]
    assert CompanyRecord.objects.count() == 16
    assert [c.record.name for c in MatchCandidate.objects.filter(status="pending")] == ["济南历山科技发展有限公司"]
    assert unorganised(personas.province_admin).count() == 10
    assert unorganised(personas.province_admin).first().insured_count is not None
    assert closed_with_union(personas.province_admin).count() == 0
