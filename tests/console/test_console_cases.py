"""Console pages of the rights cases (12351 维权工单): the queue's scope, the case page and its forms (reply, note,
pause, close behind its confirmation), 404 out of scope, bulk assignment, the masked export, the hotline form, the
statistics page and the deadline table, and the queue's fixed query count."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from tests.console.conftest import flash
from tests.console.test_console_query_counts import show, shown
from tests.rows import assert_queries

from smartunion.cases.models import Case, CaseMessage, DeadlineRule
from smartunion.cases.services import cases as services
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden
from smartunion.core.models import AuditEvent

pytestmark = pytest.mark.django_db

QUEUE = reverse("console:cases_case_changelist")


def file(*, by=SYSTEM, employer="济南甲科技有限公司", region="370102", name="张伟", phone="13900000001",
         hide=False, kind="complaint", category="wages", channel="portal", **extra):
    return services.file_case(by=by, kind=kind, category=category, subcategory=extra.pop("subcategory", "arrears"),
                              description="公司拖欠两个月工资，多次催讨没有结果。", region=region, contact_name=name,
                              phone=phone, employer_name=employer, hide_identity=hide, channel=channel, **extra)


def jinan_case(**extra):
    return file(**extra)  # routed to 甲公司工会委员会 (the employer's union), in 济南


def qingdao_case(**extra):
    return file(employer="青岛丙物流有限公司", region="370202", name="李娜", phone="13700000002", **extra)


def xlsx(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def detail(case):
    return reverse("console:cases_case_detail", args=[case.pk])


def act(case, name):
    return reverse("console:cases_case_act", args=[case.pk, name])


def numbers(response) -> list[str]:
    return [case.number for case in response.context["cl"].result_list]


def test_routing_puts_the_cases_where_the_scope_tests_expect(tree, personas):
    assert [jinan_case().org, qingdao_case().org] == [tree.grassroots, tree.qd_grassroots]


def test_the_queue_shows_each_cadre_the_cases_of_their_subtree_only(tree, personas, console):
    ours, theirs = jinan_case(), qingdao_case()
    town = file(employer="济南乙商贸有限公司", name="王芳", phone="13900000003")  # no union: its township's
    assert town.org == tree.lixia_town

    seen = {who: numbers(console(getattr(personas, who)).get(QUEUE)) for who in
            ("province_admin", "city_cadre", "other_city_cadre", "grassroots_cadre")}
    assert seen == {"province_admin": [town.number, theirs.number, ours.number],
                    "city_cadre": [town.number, ours.number],
                    "other_city_cadre": [theirs.number],
                    "grassroots_cadre": [ours.number]}


def test_a_case_out_of_scope_is_not_found(tree, personas, console):
    case = jinan_case()
    client = console(personas.other_city_cadre)
    assert client.get(detail(case)).status_code == 404
    assert client.post(act(case, "reply"), {"reply-body": "越权答复"}).status_code == 404
    assert CaseMessage.objects.count() == 0
    assert console(personas.grassroots_cadre).get(detail(case)).status_code == 200


def test_the_queue_masks_names_and_hides_a_hidden_identity_outside_the_handling_chain(tree, personas, console):
    shown_case = jinan_case(name="张伟")
    hidden = jinan_case(name="刘洋", hide=True, phone="13900000004")
    page = console(personas.city_cadre).get(QUEUE).content.decode()
    # The city federation is above the handling org: it reads the names.
    assert "张伟" in page and "刘洋" in page
    services.request_assist(shown_case, by=personas.province_admin, org=tree.qingdao, note="请协助联系职工")
    services.request_assist(hidden, by=personas.province_admin, org=tree.qingdao, note="请协助联系职工")
    response = console(personas.other_city_cadre).get(QUEUE)
    page = response.content.decode()
    assert sorted(numbers(response)) == sorted([shown_case.number, hidden.number])
    assert "张*" in page and "匿名职工" in page and "张伟" not in page and "刘洋" not in page


def test_reply_pause_and_close_through_the_case_page(tree, personas, console):
    case = jinan_case()
    client = console(personas.city_cadre)
    page = client.get(detail(case))
    assert page.status_code == 200
    assert [a["name"] for a in page.context["acts"]] == [
        "accept", "reply", "note", "assign", "transfer", "set_class", "request_assist", "supervise"]

    response = client.post(act(case, "reply"), {"reply-body": "已联系单位核实，三个工作日内答复。"})
    assert (response.status_code, response["Location"]) == (302, detail(case))
    case.refresh_from_db()
    assert (case.status, case.handler) == ("processing", personas.city_cadre)
    client.post(act(case, "note"), {"note-body": "单位电话无人接听"})
    page = client.get(detail(case)).content.decode()
    assert "内部备注（职工不可见）" in page and "单位电话无人接听" in page

    # A refusal shows on the form: the pause needs the question.
    response = client.post(act(case, "pause"), {"pause-note": ""})
    assert response.status_code == 200
    assert response.context["acts"][[a["name"] for a in response.context["acts"]].index("pause")][
        "form"].errors == {"note": ["这个字段是必填项。"]}
    client.post(act(case, "pause"), {"pause-note": "请上传工资条照片"})
    case.refresh_from_db()
    assert case.status == "waiting"
    client.post(act(case, "resume"), {"resume-note": ""})
    case.refresh_from_db()
    assert case.status == "processing"

    # Closing asks first, then closes.
    data = {"close-resolution": "resolved", "close-note": "单位已补发工资"}
    confirm = client.post(act(case, "close"), data)
    assert confirm.status_code == 200
    assert "办理结果：已解决" in confirm.content.decode()
    case.refresh_from_db()
    assert case.status == "processing"
    response = client.post(act(case, "close"), {**data, "confirmed": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.resolution, case.resolution_note) == ("closed", "resolved", "单位已补发工资")
    assert flash(client.get(detail(case))) == ["已办结"]
    assert [m.kind for m in case.messages.order_by("id")] == ["reply", "note", "reply"]


def test_a_refused_step_shows_its_chinese_message(tree, personas, console):
    case = jinan_case()
    client = console(personas.grassroots_cadre)  # the handling org itself: it may not supervise
    response = client.post(act(case, "supervise"), {"supervise-note": "加快办理"}, follow=True)
    assert response.status_code == 200
    assert flash(response) == [Forbidden().message]
    case.refresh_from_db()
    assert case.supervised is False


def test_bulk_assign_asks_for_the_handler_then_assigns_every_selected_case(tree, personas, console):
    first, second = jinan_case(), jinan_case(name="王芳")
    other = qingdao_case()
    client = console(personas.city_cadre)
    data = {"action": "assign_selected", "_selected_action": [first.pk, second.pk]}
    page = client.post(QUEUE, data)
    assert page.status_code == 200
    assert list(page.context["form"].fields["handler"].queryset) == sorted(
        [personas.city_cadre, personas.county_cadre, personas.grassroots_cadre], key=lambda u: u.display_name)
    response = client.post(QUEUE, {**data, "handler": personas.county_cadre.pk})
    assert response.status_code == 302
    assert flash(client.get(response["Location"])) == ["已将 2 件工单分派给county_cadre"]
    assert [c.handler for c in Case.objects.order_by("id")] == [personas.county_cadre, personas.county_cadre,
                                                                  None]
    assert other.pk not in [first.pk, second.pk]



def test_the_choosers_tell_same_names_apart_and_can_be_searched(tree, personas, console):
    case = jinan_case()
    client = console(personas.city_cadre)
    page = client.get(detail(case))
    text = page.content.decode()
    assert "console/select_search.js" in text
    assign = next(a["form"] for a in page.context["acts"] if a["name"] == "assign")
    labels = [label for value, label in assign.fields["handler"].choices if value]
    assert labels == ["city_cadre · 济南市总工会管理员", "county_cadre · 历下区总工会管理员",
                      "grassroots_cadre · 甲公司工会委员会主席"]
    assert assign.fields["handler"].widget.attrs["data-searchable"] == "输入姓名、账号或单位筛选"
    transfer = next(a["form"] for a in page.context["acts"] if a["name"] == "transfer")
    orgs = [label for value, label in transfer.fields["org"].choices if value]
    assert "历下区总工会（济南市总工会）" in orgs and "历下区解放路街道工会（历下区总工会）" in orgs
    assert transfer.fields["org"].widget.attrs["data-searchable"] == "输入工会名称筛选"

def test_the_export_is_masked(tree, personas, console, excel):
    services.request_assist(jinan_case(name="张伟"), by=personas.province_admin, org=tree.qingdao, note="协助")
    response = console(personas.other_city_cadre).get(reverse("console:cases_case_export_current"))
    assert response.status_code == 200
    table = xlsx(response)
    header = table[3]
    assert list(header) == ["工单编号", "诉求类型", "问题类别", "联系人", "承办单位", "承办人", "状态", "首次响应",
                            "办结期限", "督办"]
    assert table[4][1:7] == ("信访投诉", "工资报酬·拖欠工资", "张*", "甲公司工会委员会", "未分派", "待受理")
    assert AuditEvent.objects.filter(action="console.list.export").count() == 1


def test_the_hotline_form_files_a_case_for_the_caller(tree, personas, console):
    client = console(personas.city_cadre)
    page = client.get(reverse("console:cases_case_hotline"))
    assert page.status_code == 200
    response = client.post(reverse("console:cases_case_hotline"), {
        "contact_name": "李建国", "phone": "13700000123", "kind": "complaint", "category": "work_injury",
        "subcategory": "recognition", "employer_name": "济南甲科技有限公司", "region": "370102",
        "description": "来电人在车间受伤，单位不给申报工伤。", "people_involved": "1"})
    case = Case.objects.get()
    assert (response.status_code, response["Location"]) == (302, detail(case))
    assert (case.channel, case.filer, case.contact_name, case.phone, case.org) == (
        "hotline", None, "李建国", "13700000123", tree.grassroots)
    refused = client.post(reverse("console:cases_case_hotline"), {
        "contact_name": "李建国", "phone": "123", "kind": "complaint", "category": "wages", "region": "370102",
        "description": "太短", "people_involved": "1"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["phone"] and refused.context["form"].errors["description"] == [
        "请详细描述您遇到的问题（至少10个字）"]


def test_the_statistics_page_counts_the_subtree(tree, personas, console, excel):
    closed = jinan_case()
    services.reply(closed, by=personas.city_cadre, body="已答复")
    services.close(closed, by=personas.city_cadre, resolution="resolved", note="已解决")
    jinan_case(kind="consult", category="contract", subcategory="unsigned")
    qingdao_case()
    client = console(personas.city_cadre)
    page = client.get(reverse("console:cases_case_stats"))
    assert page.status_code == 200
    tables = {t["key"]: dict(t["rows"]) for t in page.context["tables"]}
    wanted = ("受理量（件）", "在办（件）", "已办结（件）", "按期办结率（已办结的）", "已首次响应（件）")
    assert {k: tables["summary"][k] for k in wanted} == {"受理量（件）": 2, "在办（件）": 1, "已办结（件）": 1,
                                                         "按期办结率（已办结的）": "100.0%", "已首次响应（件）": 1}
    assert (tables["by_kind"]["信访投诉"], tables["by_kind"]["咨询"]) == (1, 1)
    assert (tables["by_category"]["工资报酬"], tables["by_category"]["劳动合同"]) == (1, 1)
    assert len(page.context["charts"]) == 3
    export = client.get(reverse("console:cases_case_stats") + f"?org={tree.jinan.pk}&export=1")
    assert ("总体情况", "受理量（件）", 2) in excel.rows(export)
    assert ("总体情况", "按期办结率（已办结的）", 1) in excel.rows(export)  # a number, shown as a percentage
    from openpyxl import load_workbook as _load

    sheet = _load(io.BytesIO(export.content)).active
    rate = next(row[2] for row in sheet.iter_rows(min_row=2) if row[1].value == "按期办结率（已办结的）")
    assert (rate.value, rate.number_format) == (1, "0.0%")
    # Another city's org is not offered, and asking for it shows the cadre's own top org.
    other = client.get(reverse("console:cases_case_stats") + f"?org={tree.qingdao.pk}")
    assert other.context["org"] == tree.jinan


def test_managers_edit_the_deadline_table(tree, personas, console):
    client = console(personas.city_cadre)
    edit = reverse("console:cases_deadlinerule_edit")
    response = client.post(edit, {"org": tree.jinan.pk, "case_class": "general", "first_response_days": "2",
                                  "resolution_days": "10"})
    assert response.status_code == 302
    rule = DeadlineRule.objects.get()
    assert (rule.org, rule.first_response_days, rule.resolution_days) == (tree.jinan, 2, 10)
    assert client.get(edit).context["current"] == [("一般", 2, 10, "济南市总工会"), ("难点", 2, 15, "全国默认"),
                                                   ("特别复杂", 3, 30, "全国默认")]
    refused = client.post(edit, {"org": tree.qingdao.pk, "case_class": "general", "first_response_days": "2",
                                 "resolution_days": "10"})
    assert refused.context["form"].errors == {"org": ["请选择您管理的单位"]}
    listing = console(personas.grassroots_cadre).get(reverse("console:cases_deadlinerule_changelist"))
    assert list(listing.context["cl"].result_list) == []  # 济南's row lies above the chair's union


def test_the_workbench_counts_the_cases_waiting(tree, personas, console):
    jinan_case()
    answered = jinan_case()
    services.reply(answered, by=personas.city_cadre, body="已答复")
    qingdao_case()
    page = console(personas.city_cadre).get(reverse("console:index"))
    counts = {item.queue.key: item.count for group in page.context["queue_groups"] for item in group.items
              if item.queue.key.startswith("cases.case.")}
    assert counts == {"cases.case.submitted": 1, "cases.case.overdue": 0, "cases.case.supervised": 0}
    links = {item.queue.key: item.url for group in page.context["queue_groups"] for item in group.items
             if item.queue.key.startswith("cases.case.")}
    client = console(personas.city_cadre)
    assert [len(numbers(client.get(links[key]))) for key in sorted(links)] == [0, 1, 0]


def test_the_queue_costs_the_same_for_one_case_as_for_three(tree, personas, console):
    client = console(personas.city_cadre)
    jinan_case()
    one = show(client, QUEUE)
    jinan_case(name="王芳")
    jinan_case(name="刘洋", hide=True)
    three = show(client, QUEUE)
    assert [len(shown(one)), len(shown(three))] == [1, 3]
    # The list page's own (6), the federations' kinds of a city cadre (1), the sidebar's rules of other modules'
    # pages (5 as of console/site.py at 643c02c: the editorial menus), the co-handled cases read first
    # (cases.queries.cases.visible_cases), the org filter's choices.
    assert_queries(8, one, three)


def test_a_transfer_asks_first_and_offers_only_orgs_in_scope(tree, personas, console):
    case = jinan_case()
    client = console(personas.city_cadre)
    refused = client.post(act(case, "transfer"), {"transfer-org": tree.qingdao.pk, "transfer-note": "转青岛"})
    assert refused.status_code == 200
    form = next(a["form"] for a in refused.context["acts"] if a["name"] == "transfer")
    assert form.errors == {"org": ["请选择管辖范围内的工会"]}
    data = {"transfer-org": tree.lixia.pk, "transfer-note": "涉及多家单位，由区总工会统一办理"}
    confirm = client.post(act(case, "transfer"), data)
    assert "转至：历下区总工会" in confirm.content.decode()
    case.refresh_from_db()
    assert case.org == tree.grassroots
    client.post(act(case, "transfer"), {**data, "confirmed": "1"})
    case.refresh_from_db()
    assert (case.org, case.org_path, case.handler) == (tree.lixia, tree.lixia.path, None)
    services.assign(case, by=personas.city_cadre, handler=personas.county_cadre)
    # The record names where it went and to whom (the states alone read 待受理 → 待受理).
    steps = [(row["label"], row["body"]) for row in client.get(detail(case)).context["timeline"]
             if row["kind"] == "step"]
    assert steps == [("转办", "由甲公司工会委员会转至历下区总工会：涉及多家单位，由区总工会统一办理"),
                     ("分派承办人", f"分派给{personas.county_cadre.display_name or 'county_cadre'}")]
    # The chair of the union it left no longer sees it.
    assert console(personas.grassroots_cadre).get(detail(case)).status_code == 404


def test_attachments_are_served_only_through_a_case_in_scope(tree, personas, console, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    case = jinan_case(attachments=[SimpleUploadedFile("欠薪证明.png", png, content_type="image/png")])
    attachment = case.attachments.get()
    url = reverse("console:cases_case_attachment", args=[case.pk, attachment.pk])
    response = console(personas.city_cadre).get(url)
    assert (response.status_code, b"".join(response.streaming_content)) == (200, png)
    assert AuditEvent.objects.filter(action="cases.attachment.download").count() == 1
    assert console(personas.other_city_cadre).get(url).status_code == 404
    other = qingdao_case()
    assert console(personas.other_city_cadre).get(
        reverse("console:cases_case_attachment", args=[other.pk, attachment.pk])).status_code == 404


def test_the_supervised_list_and_my_cases(tree, personas, console):
    supervised, mine, other = jinan_case(), jinan_case(name="王芳"), jinan_case(name="刘洋")
    services.supervise(supervised, by=personas.province_admin, note="涉及人数多，请加快办理")
    services.assign(mine, by=personas.city_cadre, handler=personas.city_cadre)
    client = console(personas.city_cadre)
    response = client.get(reverse("console:cases_case_supervised"))
    assert (response.status_code, response["Location"]) == (302, QUEUE + "?supervised__exact=1")
    assert numbers(client.get(response["Location"])) == [supervised.number]
    assert numbers(client.get(QUEUE + "?mine=1")) == [mine.number]
    assert numbers(client.get(QUEUE + f"?org={tree.qingdao.pk}")) == []
    assert sorted(numbers(client.get(QUEUE + f"?org={tree.lixia.pk}"))) == sorted(
        [supervised.number, mine.number, other.number])
    page = client.get(detail(supervised)).content.decode()
    assert "涉及人数多，请加快办理" in page


def test_the_handling_chain_reveals_the_phone_with_a_reason_and_it_is_audited(tree, personas, console):
    case = jinan_case(phone="13900000007")
    url = reverse("console:cases_case_reveal", args=[case.pk])
    client = console(personas.city_cadre)
    assert "139****0007" in client.get(detail(case)).content.decode()
    asked = client.get(url).content.decode()
    assert "13900000007" not in asked
    assert "13900000007" not in client.post(url, {"reason": ""}).content.decode()
    shown_page = client.post(url, {"reason": "电话回访职工"}).content.decode()
    assert "13900000007" in shown_page
    event = AuditEvent.objects.get(action="cases.case.reveal_phone")
    assert (event.actor, event.data) == (personas.city_cadre, {"reason": "电话回访职工"})
    # A co-handling org reads the case but not the phone; another city does not find it at all.
    services.request_assist(case, by=personas.province_admin, org=tree.qingdao, note="协助")
    assert console(personas.other_city_cadre).get(url).status_code == 403
    assert "查看完整号码" not in console(personas.other_city_cadre).get(detail(case)).content.decode()
    assert console(personas.other_city_cadre).get(reverse("console:cases_case_reveal", args=[
        qingdao_case().pk + 1000])).status_code == 404
