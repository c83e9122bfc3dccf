"""Tag rules in the console and the API: create with validation on the form, run behind a confirmation, counts per
rule (never a list of persons), scope; a member's own tags through the API (another's is 404); query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests.benefits.conftest import make_member
from tests.rows import assert_queries, measure

from smartunion.core.actors import SYSTEM
from smartunion.insight.models import TagRule
from smartunion.insight.services import tags as services
from smartunion.members.models import MemberTag

pytestmark = pytest.mark.django_db


def test_create_run_and_counts_in_the_console(tree, personas, console):
    make_member(tree.grassroots, name="青年甲", birth=dt.date(2000, 1, 1))
    make_member(tree.grassroots, name="青年乙", birth=dt.date(2001, 1, 1))
    make_member(tree.grassroots, name="年长丙", birth=dt.date(1960, 1, 1))
    client = console(personas.city_cadre)
    create = reverse("console:insight_tag_create")
    form = client.get(create).content.decode()
    assert "济南市总工会" in form and "外卖配送员" in form and "惠工活动（全部）" in form
    refused = client.post(create, {"org": tree.jinan.pk, "tag": "青年", "age_min": "40", "age_max": "30",
                                   "active": "on"})
    assert "最大年龄不能小于最小年龄" in refused.content.decode() and not TagRule.objects.exists()
    refused = client.post(create, {"org": tree.jinan.pk, "tag": "青年", "active": "on"})
    assert "请至少设置一个条件" in refused.content.decode()
    done = client.post(create, {"org": tree.jinan.pk, "tag": "青年", "description": "18至35周岁会员",
                                "age_min": "18", "age_max": "35", "active": "on"})
    assert done.status_code == 302
    rule = TagRule.objects.get()
    assert (rule.conditions, rule.created_by) == ({"age_min": 18, "age_max": 35}, personas.city_cadre)
    run = reverse("console:insight_tag_run", args=[rule.pk])
    assert "重新计算“青年”标签吗" in client.get(run).content.decode()
    result = client.post(run, follow=True).content.decode()
    assert "已计算“青年”：新增2人，移除0人，现有2人" in result
    MemberTag.objects.filter(person__name="青年乙").update(objected=True, objection="不对")
    detail = client.get(reverse("console:insight_tag_detail", args=[rule.pk])).content.decode()
    assert '<dd id="tag-count">2</dd>' in detail and '<dd id="tag-objected">1</dd>' in detail
    assert "18至35周岁" in detail
    listing = client.get(reverse("console:insight_tagrule_changelist")).content.decode()
    for page in (detail, listing, result):
        assert "青年甲" not in page and "青年乙" not in page  # counts only, never persons
    exported = client.get(reverse("console:insight_tagrule_export_current"))
    sheet = load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["青年", "济南市总工会", "18至35周岁会员", "是", 2, 1] in [row[:6] for row in cells]
    assert not any("青年甲" in str(value) for row in cells for value in row)
    edit = reverse("console:insight_tag_edit", args=[rule.pk])
    assert 'value="35"' in client.get(edit).content.decode()
    assert client.post(edit, {"org": tree.jinan.pk, "tag": "青年", "age_max": "30", "active": "on"}).status_code == 302
    rule.refresh_from_db()
    assert rule.conditions == {"age_max": 30}


def test_console_scope(tree, personas, console):
    rule = services.create_rule(org=tree.jinan, tag="青年", conditions={"age_max": 35}, by=SYSTEM)
    other = console(personas.other_city_cadre)
    assert other.get(reverse("console:insight_tag_detail", args=[rule.pk])).status_code == 404
    assert other.post(reverse("console:insight_tag_run", args=[rule.pk])).status_code == 404
    assert "青年" not in other.get(reverse("console:insight_tagrule_changelist")).content.decode()
    county = console(personas.county_cadre)  # below the rule's org: not in scope
    assert county.get(reverse("console:insight_tag_detail", args=[rule.pk])).status_code == 404
    province = console(personas.province_admin)
    assert province.get(reverse("console:insight_tag_detail", args=[rule.pk])).status_code == 200


def test_api_rules_and_my_tags(tree, personas, api):
    rule = services.create_rule(org=tree.jinan, tag="青年", conditions={"age_max": 40}, by=SYSTEM)
    services.run_rule(rule, by=SYSTEM)
    rules = api(personas.city_cadre).get("/api/v1/tag-rules").json()
    assert [(r["tag"], r["members_tagged"], r["objected"], r["conditions_label"]) for r in rules["items"]] == [
        ("青年", 1, 0, ["40周岁及以下"])]
    assert api(personas.other_city_cadre).get("/api/v1/tag-rules").json()["items"] == []
    worker = api(personas.worker)
    mine = worker.get("/api/v1/me/tags").json()
    assert [(t["tag"], t["reason"], t["objected"]) for t in mine] == [
        ("青年", "40周岁及以下（济南市总工会标签规则）", False)]
    tag_id = mine[0]["id"]
    assert worker.post(f"/api/v1/me/tags/{tag_id}/object", {"note": ""},
                       content_type="application/json").status_code == 422
    objected = worker.post(f"/api/v1/me/tags/{tag_id}/object", {"note": "不准确"}, content_type="application/json")
    assert (objected.status_code, objected.json()["objected"], objected.json()["objection"]) == (200, True, "不准确")
    assert worker.post(f"/api/v1/me/tags/{tag_id}/object", {"note": "再次"},
                       content_type="application/json").status_code == 409
    assert api(personas.city_cadre).get("/api/v1/tag-rules").json()["items"][0]["objected"] == 1
    assert api(personas.city_cadre).post(f"/api/v1/me/tags/{tag_id}/withdraw").status_code == 404
    assert worker.post(f"/api/v1/me/tags/{tag_id}/withdraw").json()["objected"] is False


def test_query_counts_of_the_lists(tree, personas, console, api):
    client = console(personas.city_cadre)
    bearer = api(personas.city_cadre)
    changelist = reverse("console:insight_tagrule_changelist")
    make_member(tree.grassroots, birth=dt.date(2000, 1, 1))

    def pages():
        client.get(changelist)
        bearer.get("/api/v1/tag-rules")
        return measure(lambda: client.get(changelist)), measure(lambda: bearer.get("/api/v1/tag-rules"))

    def add(tag):
        services.run_rule(services.create_rule(org=tree.jinan, tag=tag, conditions={"age_max": 40}, by=SYSTEM),
                          by=SYSTEM)

    add("青年")
    console_one, api_one = pages()
    add("活跃")
    add("新业态")
    console_three, api_three = pages()
    assert_queries(6, console_one, console_three)
    assert_queries(4, api_one, api_three)
