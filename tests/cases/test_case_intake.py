"""Filing a case: routing (credit code, name, township, county, nearest federation, none), hide-identity routing,
validation with Chinese messages per field, attachments by their bytes, case numbers, the hotline channel."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.cases.case_rows import new_case
from tests.cases.conftest import at

from smartunion.cases import files as case_files
from smartunion.cases.models import Attachment, Case, CaseStat
from smartunion.cases.routing import route
from smartunion.cases.services.intake import next_number
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Region

PDF = b"%PDF-1.7\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 30
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 30
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20


def test_the_employer_found_by_credit_code_routes_to_its_union(tree, personas):
    case = new_case(personas.worker, employer_name="随便写的名字", employer_credit_code=tree.employer.credit_code)
    assert (case.org_id, case.employer_id) == (tree.grassroots.pk, tree.employer.pk)
    assert case.routing_note == "统一社会信用代码与登记单位“济南甲科技有限公司”一致，由其所属工会“甲公司工会委员会”办理"


def test_the_employer_found_by_name_in_the_county_routes_to_its_union(tree, personas):
    case = new_case(personas.worker, employer_name="济南甲科技有限公司")
    assert (case.org_id, case.employer_id) == (tree.grassroots.pk, tree.employer.pk)
    assert case.routing_note.startswith("单位名称与登记单位“济南甲科技有限公司”一致")


def test_an_employer_without_union_goes_to_the_township_union(tree, personas):
    case = new_case(personas.worker, employer_name="济南乙商贸有限公司")
    assert (case.org_id, case.employer_id) == (tree.lixia_town.pk, tree.employer_without_union.pk)
    assert case.routing_note == "按发生地由“历下区解放路街道工会”办理"


def test_hiding_identity_skips_the_employers_own_union(tree, personas):
    case = new_case(personas.worker, employer_name="济南甲科技有限公司", hide_identity=True)
    assert (case.org_id, case.employer_id, case.hide_identity) == (tree.lixia_town.pk, tree.employer.pk, True)
    assert case.routing_note == "职工要求对单位保密身份，按发生地由“历下区解放路街道工会”办理"


def test_no_township_union_goes_to_the_county_then_up_the_chain(tree, personas):
    Region.objects.get_or_create(code="370103", defaults={"name": "市中区", "level": "county",
                                                           "parent_id": "370100"})
    county = org_services.org_create(parent=tree.jinan, kind=Organisation.Kind.COUNTY, name="市中区总工会",
                                     region="370103", by=SYSTEM)
    org, note, employer = route(Region.objects.get(pk="370103"), "某某公司")
    assert (org, note, employer) == (county, "发生地暂无乡镇（街道）工会，由“市中区总工会”办理", None)
    Region.objects.get_or_create(code="370104", defaults={"name": "槐荫区", "level": "county",
                                                           "parent_id": "370100"})
    org, note, _ = route(Region.objects.get(pk="370104"), "")
    assert (org, note) == (tree.jinan, "发生地暂无县级工会，由“济南市总工会”办理")


def test_a_region_without_any_org_is_refused(tree, personas):
    Region.objects.get_or_create(code="110000", defaults={"name": "北京市", "level": "province"})
    with pytest.raises(Invalid) as refused:
        new_case(personas.worker, region="110000")
    assert refused.value.fields == {"region": "该地区暂无受理维权诉求的工会组织，请拨打12351职工服务热线"}
    assert Case.objects.count() == 0


def test_every_field_is_checked_with_a_chinese_message(tree, personas):
    with pytest.raises(Invalid) as refused:
        new_case(personas.worker, kind="praise", category="wages", subcategory="annual_leave", description="太短",
                 phone="12345", region="999999", people_involved=0, amount_involved_fen=-5,
                 employer_credit_code="123", title="标" * 101)
    assert refused.value.fields == {
        "kind": "诉求类型应为咨询、帮扶、信访投诉、法律援助或建议",
        "subcategory": "问题子类不属于“工资报酬”，请重新选择",
        "description": "请详细描述您遇到的问题（至少10个字）",
        "title": "标题最多100个字",
        "employer_credit_code": refused.value.fields["employer_credit_code"],
        "phone": "手机号码格式不正确，应为11位中国大陆手机号",
        "people_involved": "涉及人数应为1到100000之间的整数",
        "amount_involved_fen": "涉及金额应为不小于0的金额",
        "region": "发生地的区划代码不存在",
    }
    assert "信用代码" in refused.value.fields["employer_credit_code"]
    with pytest.raises(Invalid) as refused:
        new_case(personas.worker, category="lottery")
    assert refused.value.fields == {"category": "问题类别不存在，请从列表中选择"}


def test_a_portal_filing_is_the_workers_own_and_tells_them_and_the_org(tree, personas, clock, town_handler):
    clock.set(at(2026, 11, 2, 9, 30))
    case = new_case(personas.worker, contact_name="")
    assert (case.filer_id, case.person_id, case.contact_name, case.channel) == (
        personas.worker.pk, personas.worker.person_id, "worker", "portal")
    assert case.phone == "13900000001" and case.masked_phone != case.phone
    assert case.number == "WQ20261102000001"
    assert new_case(personas.outsider).number == "WQ20261102000002"
    clock.set(at(2026, 11, 3, 0, 0, 1))
    assert new_case(personas.outsider).number == "WQ20261103000001"
    assert list(OutboxMessage.objects.filter(user=town_handler).values_list("body", flat=True).order_by("id")) == [
        "新的维权工单WQ20261102000001待受理。", "新的维权工单WQ20261102000002待受理。",
        "新的维权工单WQ20261103000001待受理。"]
    event = AuditEvent.objects.filter(action="cases.case.file").first()
    assert event.data == {"channel": "portal", "kind": "complaint", "attachments": 0}
    row = CaseStat.objects.get(month="2026-11-01")
    assert (row.org_id, row.kind, row.category, row.received) == (tree.lixia_town.pk, "complaint", "wages", 3)


def test_a_hotline_call_is_filed_by_a_cadre_for_the_caller(tree, personas):
    with pytest.raises(Invalid) as refused:
        new_case(personas.city_cadre, channel="hotline", contact_name="")
    assert refused.value.fields == {"contact_name": "请填写联系人姓名"}
    case = new_case(personas.city_cadre, channel="hotline", contact_name="李强", phone="13700000002")
    assert (case.filer_id, case.person_id, case.contact_name, case.channel) == (None, None, "李强", "hotline")
    with pytest.raises(Forbidden):
        new_case(personas.worker, channel="hotline", contact_name="李强")


def test_attachments_are_recognised_by_their_bytes(tree, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = new_case(personas.worker, attachments=[
        SimpleUploadedFile("合同.pdf", PDF), SimpleUploadedFile("工资条.png", PNG),
        SimpleUploadedFile("photo.JPG", JPEG), SimpleUploadedFile("x.webp", WEBP)])
    assert list(Attachment.objects.filter(case=case).values_list("name", "content_type").order_by("id")) == [
        ("合同.pdf", "application/pdf"), ("工资条.png", "image/png"), ("photo.JPG", "image/jpeg"),
        ("x.webp", "image/webp")]
    stored = Attachment.objects.filter(case=case).first().file.name
    assert stored.startswith("cases/") and stored.endswith(".pdf") and "合同" not in stored
    with pytest.raises(Invalid) as refused:
        new_case(personas.worker, attachments=[SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00\x03"),
                                               SimpleUploadedFile("空.png", b"")])
    assert refused.value.fields == {
        "attachments": "“病毒.pdf”不是允许的文件类型（只能上传 JPG、PNG、WebP 图片或 PDF 文件）；“空.png”是空文件"}
    with pytest.raises(Invalid) as refused:
        new_case(personas.worker, attachments=[SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(10)])
    assert refused.value.fields == {"attachments": "最多上传9个附件"}
    big = SimpleUploadedFile("大.pdf", PDF + b"\x00" * case_files.MAX_BYTES)
    with pytest.raises(Invalid) as refused:
        new_case(personas.worker, attachments=[big])
    assert refused.value.fields == {"attachments": "“大.pdf”超过10MB"}
    assert Case.objects.count() == 1


def test_numbers_follow_the_day_in_beijing(db, clock):
    assert next_number(at(2026, 12, 31, 23, 59)) == "WQ20261231000001"
    assert next_number(at(2027, 1, 1, 0, 0)) == "WQ20270101000001"
    assert next_number(at(2026, 12, 31, 23, 59, 59)) == "WQ20261231000002"


def test_the_number_is_taken_last_and_a_failed_filing_gives_it_back(tree, personas, clock, monkeypatch):
    """The day's counter row stays locked until the commit, so the number is taken after the case, its roll-up and
    its files are written (under a provisional number nobody sees); the audit event and the messages name the
    real number, and a filing that fails after taking it gives it back."""
    from smartunion.cases.services import intake

    clock.set(at(2026, 11, 2, 9, 30))
    first = new_case(personas.worker)
    assert first.number == "WQ20261102000001"
    assert AuditEvent.objects.get(action="cases.case.file").target_label == "WQ20261102000001"
    seen = []
    real = intake._number

    def number_then_fail(case, now):
        seen.append(Case.objects.filter(pk=case.pk).values_list("number", flat=True).get())
        real(case, now)
        raise RuntimeError("the watch's database went away")

    monkeypatch.setattr(intake, "_number", number_then_fail)
    with pytest.raises(RuntimeError):
        new_case(personas.outsider)
    assert seen[0].startswith(intake.PROVISIONAL) and len(seen[0]) == 20
    monkeypatch.setattr(intake, "_number", real)
    assert new_case(personas.outsider).number == "WQ20261102000002"  # the failed one's number, given back
    assert not Case.objects.filter(number__startswith=intake.PROVISIONAL).exists()
    assert list(Case.objects.order_by("id").values_list("number", flat=True)) == [
        "WQ20261102000001", "WQ20261102000002"]
