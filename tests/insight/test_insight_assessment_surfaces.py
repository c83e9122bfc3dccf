"""Assessment in the console and the API: schemes list and page, indicators added (the 2023 rule refused on the
form), compute and publish behind confirmations, the ranking and its Excel export, scope (404 out of it), and the
query counts of the lists with 1 and 3 rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests.rows import assert_queries, measure

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.insight.models import AssessmentScheme, Figure, Indicator
from smartunion.insight.services import assessment as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db
K = Organisation.Kind


def figure(org, month, key, subtree):
    Figure.objects.create(org=org, org_path=org.path, parent=org.parent, month=dt.date(2025, month, 1), key=key,
                          subtree=subtree)


def scheme_of(org, *, name="2025年一季度考核", level=K.CITY, indicators=True, publish=False):
    scheme = services.create_scheme(org=org, name=name, level=level, period_start=dt.date(2025, 1, 1),
                                    period_end=dt.date(2025, 3, 1), by=SYSTEM)
    if indicators:
        services.add_indicator(scheme, name="新入会", formula="joins", weight="60", target="100", by=SYSTEM)
        services.add_indicator(scheme, name="会员规模", formula="members", weight="40", target="1000", by=SYSTEM)
    if publish:
        services.publish_scheme(scheme, by=SYSTEM)
    return scheme


@pytest.fixture
def data(tree):
    figure(tree.jinan, 1, "joins", 50)
    figure(tree.jinan, 3, "members", 800)
    figure(tree.qingdao, 2, "joins", 120)
    figure(tree.qingdao, 3, "members", 400)
    return tree


def test_create_a_scheme_add_indicators_compute_publish(data, personas, console):
    client = console(personas.province_admin)
    form = client.get(reverse("console:insight_assess_create")).content.decode()
    assert "山东省总工会" in form and "市总工会" in form
    done = client.post(reverse("console:insight_assess_create"), {
        "org": data.province.pk, "name": "2025年一季度考核", "level": "city", "period_start": "2025-01-10",
        "period_end": "2025-03-31"})
    assert done.status_code == 302
    scheme = AssessmentScheme.objects.get()
    assert (scheme.period_start, scheme.period_end, scheme.created_by) == (
        dt.date(2025, 1, 1), dt.date(2025, 3, 1), personas.province_admin)
    add = reverse("console:insight_assess_indicator_add", args=[scheme.pk])
    page = client.get(add).content.decode()
    assert "joins 新入会（期内合计）" in page and "members 会员数（期末值）" in page
    refused = client.post(add, {"name": "每日打卡率", "formula": "members", "weight": "10", "target": "1"})
    assert "整治“指尖上的形式主义”" in refused.content.decode() and not Indicator.objects.exists()
    refused = client.post(add, {"name": "新入会", "formula": "joins +", "weight": "10", "target": "1"})
    assert "公式第 8 个字符处：公式不完整" in refused.content.decode()
    assert client.post(add, {"name": "新入会", "formula": "joins", "weight": "60", "target": "100"}).status_code == 302
    assert client.post(add, {"name": "会员规模", "formula": "members", "weight": "40",
                             "target": "1000"}).status_code == 302
    indicator = Indicator.objects.get(name="会员规模")
    edit = client.get(reverse("console:insight_assess_indicator_edit", args=[scheme.pk, indicator.pk]))
    assert 'value="1000"' in edit.content.decode()
    step = reverse("console:insight_assess_step", args=[scheme.pk, "compute"])
    assert "重新计算" in client.get(step).content.decode()
    assert client.post(step).status_code == 302
    detail = client.get(reverse("console:insight_assess_detail", args=[scheme.pk])).content.decode()
    ranking = detail[detail.index('id="assess-ranking"'):]
    assert ranking.index("青岛市总工会") < ranking.index("济南市总工会")
    assert "<strong>76.00</strong>" in ranking and "<strong>62.00</strong>" in ranking
    assert client.post(reverse("console:insight_assess_step", args=[scheme.pk, "publish"])).status_code == 302
    scheme.refresh_from_db()
    assert scheme.status == "published"
    assert client.get(reverse("console:insight_assess_indicator_add", args=[scheme.pk])).status_code == 404
    export = client.get(reverse("console:insight_assess_export", args=[scheme.pk]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "名次")
    assert rows[header] == ["名次", "单位", "总分", "新入会（指标值）", "新入会（得分）", "会员规模（指标值）",
                            "会员规模（得分）"]
    assert rows[header + 1] == [1, "青岛市总工会", 76, 120, 60, 400, 16]
    assert rows[header + 2] == [2, "济南市总工会", 62, 50, 30, 800, 32]
    assert AuditEvent.objects.filter(action="insight.assessment_scheme.export").count() == 1
    listing = client.get(reverse("console:insight_assessmentscheme_export_current"))
    sheet = load_workbook(io.BytesIO(b"".join(listing.streaming_content))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["2025年一季度考核", "山东省总工会", "市总工会", "2025年1月至2025年3月", "已发布"] in [
        row[:5] for row in cells]


def test_remove_an_indicator_behind_a_confirmation(data, personas, console):
    scheme = scheme_of(data.province)
    indicator = scheme.indicators.first()
    client = console(personas.province_admin)
    url = reverse("console:insight_assess_indicator_remove", args=[scheme.pk, indicator.pk])
    assert "确定删除考核指标“新入会”吗？" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert list(scheme.indicators.values_list("name", flat=True)) == ["会员规模"]


def test_console_scope(data, personas, console):
    draft = scheme_of(data.province)
    city = console(personas.city_cadre)
    assert city.get(reverse("console:insight_assess_detail", args=[draft.pk])).status_code == 404
    assert "2025年一季度考核" not in city.get(reverse("console:insight_assessmentscheme_changelist")).content.decode()
    services.publish_scheme(draft, by=SYSTEM)
    page = city.get(reverse("console:insight_assess_detail", args=[draft.pk])).content.decode()
    assert "青岛市总工会" in page and "计算得分" not in page  # read, never define
    assert city.post(reverse("console:insight_assess_step", args=[draft.pk, "compute"])).status_code == 404
    assert city.get(reverse("console:insight_assess_export", args=[draft.pk])).status_code == 200
    county_scheme = scheme_of(data.jinan, name="县区考核", level=K.COUNTY)
    other = console(personas.other_city_cadre)
    assert other.get(reverse("console:insight_assess_detail", args=[county_scheme.pk])).status_code == 404


def test_api_schemes_and_scores(data, personas, api):
    scheme = scheme_of(data.province, publish=True)
    scheme_of(data.province, name="草稿方案")
    listing = api(personas.city_cadre).get("/api/v1/assessment/schemes").json()
    assert [s["name"] for s in listing["items"]] == ["2025年一季度考核"]
    assert listing["items"][0]["period_label"] == "2025年1月至2025年3月"
    assert len(api(personas.province_admin).get("/api/v1/assessment/schemes").json()["items"]) == 2
    detail = api(personas.city_cadre).get(f"/api/v1/assessment/schemes/{scheme.pk}").json()
    assert [(i["name"], i["formula"], i["weight"], i["target"]) for i in detail["indicators"]] == [
        ("新入会", "joins", "60.00", "100.0000"), ("会员规模", "members", "40.00", "1000.0000")]
    scores = api(personas.city_cadre).get(f"/api/v1/assessment/schemes/{scheme.pk}/scores").json()
    assert scores["count"] == 2
    assert [(r["rank"], r["org"]["name"], r["total"], [(c["value"], c["score"]) for c in r["indicators"]])
            for r in scores["items"]] == [
        (1, "青岛市总工会", "76.00", [("120.0000", "60.00"), ("400.0000", "16.00")]),
        (2, "济南市总工会", "62.00", [("50.0000", "30.00"), ("800.0000", "32.00")])]
    draft = AssessmentScheme.objects.get(name="草稿方案")
    assert api(personas.city_cadre).get(f"/api/v1/assessment/schemes/{draft.pk}").status_code == 404
    assert api(personas.city_cadre).get(f"/api/v1/assessment/schemes/{draft.pk}/scores").status_code == 404
    assert api(personas.province_admin).get("/api/v1/assessment/schemes?status=nope").status_code == 422


def test_query_counts_of_the_lists(data, personas, console, api):
    client = console(personas.province_admin)
    bearer = api(personas.province_admin)
    changelist = reverse("console:insight_assessmentscheme_changelist")

    def pages():
        client.get(changelist)
        bearer.get("/api/v1/assessment/schemes")
        return (measure(lambda: client.get(changelist)), measure(lambda: bearer.get("/api/v1/assessment/schemes")))

    scheme = scheme_of(data.province, name="方案0", publish=True)
    console_one, api_one = pages()
    for n in (1, 2):
        scheme_of(data.province, name=f"方案{n}", publish=True)
    console_three, api_three = pages()
    assert_queries(7, console_one, console_three)
    assert_queries(3, api_one, api_three)
    detail = reverse("console:insight_assess_detail", args=[scheme.pk])
    scores = f"/api/v1/assessment/schemes/{scheme.pk}/scores"
    client.get(detail)
    bearer.get(scores)
    detail_two, scores_two = measure(lambda: client.get(detail)), measure(lambda: bearer.get(scores))
    for n in range(3):
        org_services.org_create(parent=data.province, kind=K.CITY, name=f"新市{n}总工会", by=SYSTEM)
    services.compute_scheme(scheme, by=SYSTEM)
    assert_queries(9, detail_two, measure(lambda: client.get(detail)))
    assert_queries(6, scores_two, measure(lambda: bearer.get(scores)))
