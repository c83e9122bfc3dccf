"""我要维权 in the worker portal: file a case (the page after it names the number, the routed union and the due
date), see it in 我的维权 and on 我的, answer the handler's question (the reply resumes the case), read the close-out
without the internal notes, rate it once; another worker's case is not found."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests import rows
from tests.rows import assert_queries

from smartunion.cases.models import Attachment, Case
from smartunion.cases.services import cases as services

pytestmark = pytest.mark.django_db

NEW = reverse("portal:case_new")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def logged_in(client, user):
    client.force_login(user, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    return client


def form(**extra):
    return {"kind": "complaint", "category": "wages", "subcategory": "arrears", "employer_name": "济南甲科技有限公司",
            "region": "370102", "description": "公司已经两个月没发工资了，找人事也没有结果。", "contact_name": "张伟",
            "phone": "13900000001", **extra}


def test_the_form_is_prefilled_from_the_account(tree, personas, client):
    page = logged_in(client, personas.worker).get(NEW)
    assert page.status_code == 200
    assert page.context["form"]["phone"].value() == "13900000001"
    assert page.context["form"]["contact_name"].value() == "张伟"


def test_a_worker_files_a_case_and_sees_where_it_went(tree, personas, client):
    logged_in(client, personas.worker)
    photo = SimpleUploadedFile("工资条.png", PNG, content_type="image/png")
    response = client.post(NEW, {**form(hide_identity="on"), "attachments": [photo]})
    case = Case.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("portal:case_filed", args=[case.pk]))
    assert (case.filer, case.channel, case.hide_identity, case.kind, case.subcategory) == (
        personas.worker, "portal", True, "complaint", "arrears")
    assert Attachment.objects.filter(case=case).count() == 1
    page = client.get(response["Location"])
    text = page.content.decode()
    assert case.number in text and case.org.name in text
    assert f"{case.resolution_due:%Y}年" in text

    listing = client.get(reverse("portal:my_cases"))
    assert [row["case"] for row in listing.context["rows"]] == [case]
    me = client.get(reverse("portal:me"))
    assert me.context["rights"][0] == {"kind": "维权", "title": "信访投诉 · 工资报酬", "status": "待受理",
                                       "url": reverse("portal:case", args=[case.pk]), "key": f"case-{case.pk}"}
    attachment = case.attachments.get()
    download = client.get(reverse("portal:case_attachment", args=[case.pk, attachment.pk]))
    assert (download.status_code, b"".join(download.streaming_content)) == (200, PNG)


def test_a_refused_filing_keeps_the_input_and_says_why(tree, personas, client):
    logged_in(client, personas.worker)
    response = client.post(NEW, form(description="太短了", phone="123"))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["description"] == ["请详细描述您遇到的问题（至少10个字）"]
    assert "phone" in errors
    assert Case.objects.count() == 0


def test_the_worker_answers_the_question_reads_the_result_and_rates(tree, personas, client):
    logged_in(client, personas.worker)
    client.post(NEW, form())
    case = Case.objects.get()
    handler = personas.city_cadre
    services.reply(case, by=handler, body="已受理，正在核实。")
    services.add_note(case, by=handler, body="内部：单位负责人拒接电话")
    services.pause(case, by=handler, note="请补充欠薪的月份和金额。")

    page = client.get(reverse("portal:case", args=[case.pk]))
    text = page.content.decode()
    assert "已受理，正在核实。" in text and "请补充欠薪的月份和金额。" in text
    assert "单位负责人拒接电话" not in text
    assert "工作人员请您补充情况" in text

    response = client.post(reverse("portal:case_message", args=[case.pk]), {"body": "9月和10月，每月6000元。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "processing"

    services.close(case, by=handler, resolution="resolved", note="单位已补发全部工资。")
    page = client.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert "办理结果：已解决" in page and "单位已补发全部工资。" in page and 'id="case-rate"' in page

    refused = client.post(reverse("portal:case_rate", args=[case.pk]), {"rating": "9"})
    assert refused.status_code == 422
    response = client.post(reverse("portal:case_rate", args=[case.pk]), {"rating": "5", "comment": "很及时"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.rating, case.rating_comment) == (5, "很及时")
    again = client.post(reverse("portal:case_rate", args=[case.pk]), {"rating": "4"})
    assert again.status_code == 422
    assert again.context["rate_form"].non_field_errors() == ["您已评价过该工单"]
    page = client.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert 'id="case-rated"' in page and 'id="case-rate"' not in page

    response = client.post(reverse("portal:case_reopen", args=[case.pk]), {"note": "工资只补了一个月。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("processing", 1)


def test_another_workers_case_is_not_found(tree, personas, client):
    logged_in(client, personas.worker)
    client.post(NEW, form())
    case = Case.objects.get()
    client.logout()
    logged_in(client, personas.outsider)
    for name in ("case", "case_filed"):
        assert client.get(reverse(f"portal:{name}", args=[case.pk])).status_code == 404
    assert client.post(reverse("portal:case_message", args=[case.pk]), {"body": "冒充留言"}).status_code == 404
    assert client.post(reverse("portal:case_rate", args=[case.pk]), {"rating": "1"}).status_code == 404
    assert list(client.get(reverse("portal:my_cases")).context["rows"]) == []
    assert case.messages.count() == 0


def test_the_pages_ask_for_a_log_in(tree, client):
    response = client.get(NEW)
    assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("portal:login"))


def show(client, url):
    client.get(url)
    measured = rows.measure(lambda: client.get(url))
    assert measured.result.status_code == 200
    return measured


def test_my_cases_and_me_cost_the_same_for_one_case_as_for_three(tree, personas, client):
    logged_in(client, personas.worker)
    client.post(NEW, form())
    case = Case.objects.get()
    services.reply(case, by=personas.city_cadre, body="已受理。")
    one = [show(client, reverse(name)) for name in ("portal:my_cases", "portal:me")]
    one_case = show(client, reverse("portal:case", args=[case.pk]))
    client.post(NEW, form(category="contract", subcategory="unsigned"))
    client.post(NEW, form(kind="consult", category="hours", subcategory="overtime"))
    services.reply(case, by=personas.city_cadre, body="正在核实。")
    services.add_note(case, by=personas.city_cadre, body="内部备注")
    three = [show(client, reverse(name)) for name in ("portal:my_cases", "portal:me")]
    three_lines = show(client, reverse("portal:case", args=[case.pk]))
    assert [len(three[0].result.context["rows"]), len(three[1].result.context["rights"])] == [3, 3]
    # 我的维权: session, user, the count and the page of cases (with their org), and what every portal page reads
    # (the membership for the tab bar, the subsite for the brand: 3; with no city subsite above the member, the
    # top subsite is remembered per process: 2 here).
    assert_queries(6, one[0], three[0])
    # 我的: its own reads plus one per kind of filing (cases, legal aid, counselling; assistance by person).
    assert_queries(one[1].count, three[1])
    # The case: session, user, the case, the lines the worker reads (with their org), its files, and the
    # portal's own (two, as above).
    assert_queries(7, one_case, three_lines)


def test_the_worker_gives_the_people_and_the_amount_involved_and_reads_them_back(tree, personas, client):
    logged_in(client, personas.worker)
    response = client.post(NEW, form(people_involved="12", amount_yuan="86400.50"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.people_involved, case.amount_involved_fen) == (12, 8_640_050)
    text = client.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert "<dt>涉及人数</dt><dd>12人</dd>" in text and "<dt>涉及金额</dt><dd>86400.50元</dd>" in text


def test_people_and_amount_left_empty_mean_one_person_and_no_amount(tree, personas, client):
    logged_in(client, personas.worker)
    client.post(NEW, form(people_involved="", amount_yuan=""))
    assert Case.objects.values_list("people_involved", "amount_involved_fen").get() == (1, None)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("people_involved", "0", "涉及人数至少为1人"),
    ("people_involved", "3.5", "涉及人数请填写整数"),
    ("amount_yuan", "-1", "涉及金额不能为负数"),
    ("amount_yuan", "12.345", "涉及金额最多两位小数"),
    ("amount_yuan", "十万", "涉及金额请填写数字，如 12000 或 12000.50"),
])
def test_a_wrong_number_is_refused_with_its_reason_and_files_nothing(tree, personas, client, field, value, message):
    logged_in(client, personas.worker)
    response = client.post(NEW, form(**{field: value}))
    assert response.status_code == 422
    assert response.context["form"].errors[field] == [message]
    assert response.context["form"]["description"].value() == form()["description"]  # the input is kept
    assert Case.objects.count() == 0


def test_the_worker_sends_the_documents_asked_for_with_the_reply(tree, personas, client):
    logged_in(client, personas.worker)
    client.post(NEW, form())
    case = Case.objects.get()
    services.reply(case, by=personas.city_cadre, body="已受理。")
    services.pause(case, by=personas.city_cadre, note="请上传工资条。")
    page = client.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and "补充材料（选填" in page
    photo = SimpleUploadedFile("十月工资条.png", PNG, content_type="image/png")
    response = client.post(reverse("portal:case_message", args=[case.pk]),
                           {"body": "工资条已上传。", "attachments": [photo]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "processing"
    assert list(case.attachments.values_list("name", flat=True)) == ["十月工资条.png"]
    assert list(case.messages.filter(kind="worker").values_list("body", flat=True)) == ["工资条已上传。"]


def test_a_reply_with_a_file_that_is_not_allowed_is_refused_whole(tree, personas, client):
    logged_in(client, personas.worker)
    client.post(NEW, form())
    case = Case.objects.get()
    services.reply(case, by=personas.city_cadre, body="已受理。")
    services.pause(case, by=personas.city_cadre, note="请上传工资条。")
    bad = SimpleUploadedFile("工资条.exe", b"MZ\x90\x00 not a picture", content_type="image/png")
    response = client.post(reverse("portal:case_message", args=[case.pk]), {"body": "见附件。", "attachments": [bad]})
    assert response.status_code == 422
    assert "“工资条.exe”不是允许的文件类型" in response.context["message_form"].errors["attachments"][0]
    assert response.context["message_form"]["body"].value() == "见附件。"
    case.refresh_from_db()
    assert (case.status, case.attachments.count(), case.messages.filter(kind="worker").count()) == ("waiting", 0, 0)
