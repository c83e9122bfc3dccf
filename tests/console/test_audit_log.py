"""The console's audit log as people read it: actions by their Chinese labels (the code kept beside them and as the
filter's value), data in words, times as YYYY-MM-DD HH:MM; filters by time range, operator, action and org (with its
subtree); an export of what is filtered, naming the exporter and the time, itself audited; both ends of a transfer
see its events."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.members.models import Membership
from smartunion.members.services import transfer_request
from smartunion.members.services.transfers import transfer_release
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db

LIST = "/console/core/auditevent/"


def rows(response) -> list[dict[str, str]]:
    """The list's rows as {column: text}."""
    cl = response.context["cl"]
    admin = cl.model_admin
    return [{"action": admin.action_name(obj), "code": obj.action, "when": re.sub(r"<[^>]+>", "", admin.when(obj)),
             "operator": admin.operator(obj), "target": admin.target(obj), "orgs": admin.orgs(obj),
             "details": admin.details(obj)} for obj in cl.result_list]


def actions(response) -> list[str]:
    return [row["code"] for row in rows(response)]


@pytest.fixture
def moved(tree, personas):
    """张伟 (济南, 甲公司) asks to move to 青岛's 丙公司 and 济南 releases him: both ends' events."""
    membership = Membership.objects.get(person=personas.worker.person)
    transfer = transfer_request(membership=membership, by=personas.worker, to_union=tree.qd_grassroots)
    return transfer_release(transfer, by=personas.city_cadre, note="同意转出")


def test_actions_show_as_labels_with_their_codes_and_data_in_words(tree, personas, console, moved):
    org_services.position_grant(user=personas.county_cadre, org=tree.lixia_town, role=Position.Role.REVIEWER,
                                by=personas.city_cadre)
    response = console(personas.city_cadre).get(LIST)
    assert response.status_code == 200
    shown = rows(response)
    grant, release, request = shown[0], shown[1], shown[2]
    assert grant == {
        "action": "任命干部职务", "code": "orgs.position.grant", "when": grant["when"],
        "operator": "city_cadre", "target": "干部职务：历下区解放路街道工会 · 审核员", "orgs": "历下区解放路街道工会",
        "details": f"账号编号：{personas.county_cadre.pk}；职务：审核员"}
    assert release["action"] == "同意转出会员"
    assert release["details"] == "原状态：待转出；新状态：待接收；说明：同意转出"
    assert release["orgs"] == "甲公司工会委员会、丙公司工会委员会"
    assert request["action"] == "申请会籍转移"
    assert request["operator"] == "worker"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", grant["when"])
    assert grant["when"] <= f"{timezone.localtime():%Y-%m-%d %H:%M}"
    page = response.content.decode()
    assert "任命干部职务" in page and "orgs.position.grant" in page
    assert "\\u" not in page and '{"' not in page and "&quot;from&quot;" not in page


def test_the_detail_page_lists_the_data(tree, personas, console, moved):
    event = AuditEvent.objects.get(action="members.transfer.release")
    page = console(personas.city_cadre).get(reverse("console:core_auditevent_change", args=[event.pk]))
    text = re.sub(r"<[^>]+>", "", page.content.decode())
    assert "原状态：待转出" in text and "新状态：待接收" in text and "说明：同意转出" in text
    assert "同意转出会员" in text and "members.transfer.release" in text
    assert "\\u" not in text and '"from"' not in text


def test_both_ends_of_a_transfer_see_its_events(tree, personas, console, moved):
    both = {"members.transfer.request", "members.transfer.release"}
    for cadre in (personas.city_cadre, personas.other_city_cadre, personas.grassroots_cadre):
        assert both <= set(actions(console(cadre).get(LIST))), cadre.username
    # 青岛's cadre sees the transfer's events, and of 济南 nothing else.
    seen = rows(console(personas.other_city_cadre).get(LIST))
    assert {row["orgs"] for row in seen if "甲公司工会委员会" in row["orgs"]} == {"甲公司工会委员会、丙公司工会委员会"}


def test_the_action_filter_narrows_the_list_and_offers_labels(tree, personas, console, moved):
    client = console(personas.city_cadre)
    response = client.get(LIST + "?action=members.transfer.release")
    assert actions(response) == ["members.transfer.release"]
    page = response.content.decode()
    assert '<option value="members.transfer.release" selected>同意转出会员</option>' in page
    assert '<option value="orgs.position.grant">任命干部职务</option>' in page


def test_the_time_range_is_in_whole_local_days(tree, personas, console, moved):
    client = console(personas.city_cadre)
    today = timezone.localdate()
    everything = actions(client.get(LIST))
    assert actions(client.get(LIST + f"?created_at_from={today}&created_at_to={today}")) == everything
    assert actions(client.get(LIST + f"?created_at_from={today + dt.timedelta(days=1)}")) == []
    assert actions(client.get(LIST + f"?created_at_to={today - dt.timedelta(days=1)}")) == []


def test_the_operator_filter_takes_the_account_or_its_name(tree, personas, console, moved):
    client = console(personas.city_cadre)
    assert actions(client.get(LIST + "?actor=worker")) == ["members.transfer.request"]
    personas.city_cadre.display_name = "王主任"
    personas.city_cadre.save(update_fields=["display_name"])
    response = client.get(LIST + "?actor=王主任")
    assert actions(response) == ["members.transfer.release"]
    assert rows(response)[0]["operator"] == "王主任（city_cadre）"
    assert "系统" in {row["operator"] for row in rows(client.get(LIST + "?actor=系统"))}


def test_the_org_filter_takes_its_subtree_and_only_orgs_in_scope(tree, personas, console, moved):
    province = console(personas.province_admin)
    shown = rows(province.get(LIST + f"?org__id__exact={tree.shinan.pk}"))
    # 市南's own orgs, 丙公司's employer, and the transfer into 丙公司 (filed in 济南, naming 丙公司 as its other end).
    assert {row["orgs"] for row in shown} == {"市南区总工会", "市南区八大湖街道工会", "丙公司工会委员会",
                                             "甲公司工会委员会、丙公司工会委员会"}
    assert {"members.transfer.request", "members.transfer.release"} <= {row["code"] for row in shown}
    # An org out of the cadre's scope is no org: nothing listed, and its name is not on the page.
    response = console(personas.city_cadre).get(LIST + f"?org__id__exact={tree.shinan.pk}")
    assert actions(response) == []
    assert "市南区总工会" not in response.content.decode()


def test_the_export_is_what_is_filtered_with_the_exporter_and_time(tree, personas, console, moved):
    client = console(personas.city_cadre)
    url = reverse("console:core_auditevent_export_current") + "?action=members.transfer.release"
    response = client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    sheet = [tuple(cell for cell in row if cell is not None) if index < 3 else row for index, row in enumerate(sheet)]
    assert sheet[0] == ("审计日志（脱敏）",)
    assert re.fullmatch(r"导出人：city_cadre　导出时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}", sheet[1][0])
    assert sheet[2] == ("筛选条件：操作：同意转出会员",)
    assert sheet[3] == ("时间", "操作人", "操作", "操作", "对象", "所属组织", "详情", "IP 地址")
    assert len(sheet) == 5
    row = sheet[4]
    assert row[1:7] == ("city_cadre", "同意转出会员", "members.transfer.release", row[4],
                        "甲公司工会委员会、丙公司工会委员会", "原状态：待转出；新状态：待接收；说明：同意转出")
    assert isinstance(row[0], dt.datetime)
    exported = AuditEvent.objects.filter(action="console.list.export").get()
    assert exported.data["list"] == "core.auditevent"
    assert exported.data["count"] == 1
    assert exported.data["filters"] == ["操作：同意转出会员"]


def test_a_reviewer_has_no_audit_log(tree, personas, console):
    from tests.conftest import make_user

    reviewer = make_user("reviewer")
    org_services.position_grant(user=reviewer, org=tree.lixia, role=Position.Role.REVIEWER, by=SYSTEM)
    assert console(reviewer).get(LIST).status_code == 403
