"""导出当前结果: every console list exports the rows of its current filters, search and order as .xlsx, masked as the
list masks them, naming the exporting account and the time; the unmasked export is for those who manage the rows,
with a reason; both audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from tests import rows

from smartunion.console.site import console_site
from smartunion.core.models import AuditEvent
from smartunion.orgs.models import Position

JOIN_LIST = "/console/members/joinapplication/"
MEMBERSHIPS = "/console/members/membership/"
HEADER_ROW = 3  # title, who and when, filters; then the column headers


def sheet(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content))
    return [trimmed(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def trimmed(row) -> tuple:
    """A row without the empty cells openpyxl pads it with up to the widest row."""
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return tuple(row)


def exported_at(line: str) -> dt.datetime:
    stamp = line.rsplit("导出时间：", 1)[1]
    return dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M")


def test_the_export_of_a_filtered_list_holds_exactly_its_rows_masked_and_is_audited(tree, personas, console):
    overdue = rows.applications(tree, 2, overdue=True)
    rows.applications(tree, 2, start=2)  # within their deadline: filtered out
    rows.applications(tree, 1, start=4, union=tree.qd_grassroots, overdue=True)  # 青岛: out of scope
    client = console(personas.city_cadre)

    listed = client.get(JOIN_LIST + "?overdue=1")
    export_url = reverse("console:members_joinapplication_export_current") + "?overdue=1"
    assert f'href="{export_url}"' in listed.content.decode()

    before = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    found = sheet(client.get(export_url))
    after = timezone.localtime().replace(tzinfo=None)
    title, who, filters, header, *data = found
    assert title == ("入会申请（脱敏）",)
    assert who[0].startswith("导出人：city_cadre　导出时间：")
    assert before <= exported_at(who[0]) <= after
    assert filters == ("筛选条件：是否超期：已超期",)
    assert header == ("申请人", "工作单位", "受理工会", "分派依据", "提交时间", "审核期限", "状态")
    deadline = [timezone.localtime(a.deadline).strftime("%Y-%m-%d") + "（已超期）" for a in overdue]
    assert [row[:4] + row[5:] for row in data] == [
        ("申***", "某单位", "历下区解放路街道工会", "单位未建会，挂靠乡镇（街道）工会", deadline[0], "待审核"),
        ("申***", "某单位", "历下区解放路街道工会", "单位未建会，挂靠乡镇（街道）工会", deadline[1], "待审核"),
    ]
    assert all(isinstance(row[4], dt.datetime) for row in data)  # a real date, shown as YYYY-MM-DD HH:MM

    event = AuditEvent.objects.get(action="console.list.export")
    assert (event.actor, event.org, event.data) == (personas.city_cadre, tree.jinan, {
        "list": "members.joinapplication", "count": 2, "filters": ["是否超期：已超期"], "masked": True})


def test_the_export_follows_the_search_and_the_order_of_the_list(tree, personas, console):
    made = rows.members(tree, 3)
    client = console(personas.county_cadre)
    found = sheet(client.get(reverse("console:members_membership_export_current") + "?o=-1"))
    assert found[2] == ("筛选条件：无（全部可见记录）",)
    assert found[HEADER_ROW] == ("会员卡号", "姓名", "所在工会", "入会日期", "状态", "挂靠")
    assert found[HEADER_ROW + 1:] == [
        *((m.card_number, "会**", "甲公司工会委员会", dt.datetime.combine(m.since, dt.time()), "正常", "否")
          for m in reversed(made)),
        ("370102000000001", "张*", "甲公司工会委员会", dt.datetime(2020, 5, 1), "正常", "否")]

    searched = sheet(client.get(reverse("console:members_membership_export_current") + "?q=370102000000001"))
    assert [row[:2] for row in searched[HEADER_ROW + 1:]] == [("370102000000001", "张*")]


def test_the_unmasked_export_asks_a_reason_holds_only_the_rows_the_cadre_manages_and_is_audited(tree, personas,
                                                                                               console):
    from tests.conftest import make_user

    from smartunion.core.actors import SYSTEM
    from smartunion.orgs import services as org_services

    # Reviews 历下区 (sees its township union's applications), chairs 甲公司工会委员会 (manages only that union).
    cadre = make_user("chair_and_reviewer", display_name="王主席")
    org_services.position_grant(user=cadre, org=tree.lixia, role=Position.Role.REVIEWER, by=SYSTEM)
    org_services.position_grant(user=cadre, org=tree.grassroots, role=Position.Role.CHAIR, by=SYSTEM)
    rows.applications(tree, 2)  # 历下区解放路街道工会: seen, not managed
    mine = rows.applications(tree, 1, start=2, union=tree.grassroots)[0]
    client = console(cadre)
    full_url = reverse("console:members_joinapplication_export_current_full") + "?status__exact=pending"
    assert f'href="{full_url}"' in client.get(JOIN_LIST + "?status__exact=pending").content.decode()

    confirm = client.get(full_url)
    assert confirm.status_code == 200
    assert (confirm.context["count"], confirm.context["clear_columns"], confirm.context["filters"]) == (
        1, ["申请人"], ["状态：待审核"])
    refused = client.post(full_url, {"reason": "  "})
    assert refused.context["error"] == "请填写导出原因"
    assert not AuditEvent.objects.filter(action__startswith="console.list.").exists()

    found = sheet(client.post(full_url, {"reason": "核对入会名单"}))
    assert found[0] == ("入会申请（完整）",)
    assert found[1][0].startswith("导出人：王主席（chair_and_reviewer）　导出时间：")
    assert found[2:4] == [("筛选条件：状态：待审核",),
                          ("导出原因：核对入会名单。完整信息仅限工作使用，请妥善保管，不得外传",)]
    assert [row[:3] for row in found[5:]] == [(mine.name, "某单位", "甲公司工会委员会")]
    event = AuditEvent.objects.get(action="console.list.export_full")
    assert (event.actor, event.data) == (cadre, {"list": "members.joinapplication", "count": 1, "masked": False,
                                                  "filters": ["状态：待审核"], "reason": "核对入会名单"})


def test_a_cadre_who_manages_nothing_has_no_unmasked_export(tree, personas, console):
    reviewer = rows.cadres(tree, 1)[0]
    rows.applications(tree, 1, union=tree.grassroots)
    client = console(reviewer)
    page = client.get(JOIN_LIST).content.decode()
    assert 'id="export-current"' in page and 'id="export-current-full"' not in page
    assert client.get(reverse("console:members_joinapplication_export_current_full")).status_code == 403
    assert client.post(reverse("console:members_joinapplication_export_current_full"),
                       {"reason": "想看"}).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="console.list.").exists()


def test_a_list_without_personal_data_in_clear_offers_only_the_masked_export(tree, personas, console):
    page = console(personas.province_admin).get("/console/subsites/subsite/").content.decode()
    assert 'id="export-current"' in page and 'id="export-current-full"' not in page


def test_too_many_rows_are_refused_with_a_message_on_the_list(tree, personas, console, settings, messages_of):
    settings.CONSOLE_EXPORT_MAX_ROWS = 2
    rows.members(tree, 2)  # and 张伟: three memberships in 济南
    url = reverse("console:members_membership_export_current") + "?status__exact=active"
    response = console(personas.city_cadre).get(url, follow=True)
    assert response.redirect_chain == [(MEMBERSHIPS + "?status__exact=active", 302)]
    assert messages_of(response) == ["当前结果超过单次导出上限 2 条，请先通过筛选或搜索缩小范围后再导出"
                                     "（导出整个辖区的会员名册请使用“名册导入导出”中的“导出会员名册”）"]
    assert not AuditEvent.objects.filter(action__startswith="console.list.").exists()


def test_a_wrong_filter_sends_the_cadre_back_to_the_list(tree, personas, console, messages_of):
    response = console(personas.city_cadre).get(reverse("console:members_membership_export_current") + "?nosuch=1",
                                                follow=True)
    assert response.redirect_chain[0] == (MEMBERSHIPS, 302)
    assert "筛选条件有误，请重新筛选后再导出" in messages_of(response)


def scoped_lists():
    from smartunion.console.admin.base import ScopedAdmin

    return sorted(f"{model._meta.app_label}_{model._meta.model_name}" for model, model_admin in
                  console_site._registry.items() if isinstance(model_admin, ScopedAdmin))


@pytest.mark.parametrize("name", scoped_lists())
def test_every_console_list_exports_its_current_results(tree, personas, console, name):
    client = console(personas.province_admin)
    page = client.get(reverse(f"console:{name}_changelist"))
    export_url = reverse(f"console:{name}_export_current")
    assert page.status_code == 200
    assert f'href="{export_url}"' in page.content.decode()
    found = sheet(client.get(export_url))
    assert found[1][0].startswith("导出人：province_admin　导出时间：")
    assert AuditEvent.objects.filter(action="console.list.export", data__list=name.replace("_", ".", 1)).count() == 1


def test_people_are_exported_masked_as_the_list_shows_them_and_in_clear_only_unmasked(tree, personas, console):
    client = console(personas.city_cadre)
    masked = sheet(client.get(reverse("console:members_person_export_current")))
    assert masked[HEADER_ROW][:3] == ("姓名", "身份证号码", "手机号码")
    id_number = personas.worker.person.id_number
    shown = id_number[:4] + "**********" + id_number[-4:]
    assert [row[:3] for row in masked[HEADER_ROW + 1:]] == [("张*", shown, "139****0001")]
    assert shown in client.get("/console/members/person/").content.decode()  # as the list shows it

    clear = sheet(client.post(reverse("console:members_person_export_current_full"), {"reason": "核对"}))
    assert [row[:3] for row in clear[HEADER_ROW + 2:]] == [
        ("张伟", personas.worker.person.id_number, "13900000001")]


def test_a_phone_or_id_number_in_an_export_url_is_not_searched_nor_written_anywhere(tree, personas, console):
    # The lists never make such a URL (console/search-guard.js sends full numbers to 查找人员 by POST); one typed by
    # hand is turned away like the list's own search (tests/console/test_search_guard.py).
    client = console(personas.city_cadre)
    response = client.get(reverse("console:members_membership_export_current") + "?q=13900000001")
    assert (response.status_code, response["Location"]) == (302, reverse("console:members_membership_changelist"))
    assert not AuditEvent.objects.filter(action="console.list.export").exists()
    assert "13900000001" not in str(list(AuditEvent.objects.values_list("data", flat=True)))
