"""Legal aid: applying (routing, checks, files), every allowed step of the workflow and forbidden ones, lawyers of
the org or above only, notes, the directory's rights."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.cases.counselling_rows import application, lawyer

from smartunion.cases.models import LegalAidApplication
from smartunion.cases.services import legal_aid
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage, TransitionLog
from smartunion.core.workflow import TransitionError, TransitionForbidden

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def test_an_application_is_routed_to_the_township_union_of_the_region_and_numbered(tree, personas):
    made = application(personas.worker, files=[SimpleUploadedFile("欠条.pdf", PDF, "application/pdf"),
                                               SimpleUploadedFile("x.png", PNG, "image/png")])
    made.refresh_from_db()
    assert (made.org_id, made.org_path, made.status, made.claim_amount_fen, made.phone) == (
        tree.lixia_town.pk, tree.lixia_town.path, "submitted", 1_250_000, "13900000001")
    assert made.number == f"FY{made.submitted_at.astimezone().strftime('%Y%m%d')}{made.pk:06d}"
    assert [(a.name, a.content_type, a.size) for a in made.attachments.all()] == [
        ("欠条.pdf", "application/pdf", len(PDF)), ("x.png", "image/png", len(PNG))]
    event = AuditEvent.objects.get(action="cases.legal_aid.apply")
    assert (event.org_id, event.data) == (tree.lixia_town.pk, {"dispute_type": "wages", "files": 2})


def test_a_region_with_no_township_union_goes_to_the_nearest_federation(tree, personas):
    assert application(personas.worker, region="370202").org_id in (tree.shinan_town.pk, tree.shinan.pk)
    assert application(personas.worker, region="370100").org_id == tree.jinan.pk


def test_a_file_that_is_not_an_image_or_pdf_is_refused_whatever_its_name(tree, personas):
    with pytest.raises(Invalid) as refused:
        application(personas.worker, files=[SimpleUploadedFile("a.pdf", b"MZ\x90\x00evil", "application/pdf")])
    assert refused.value.fields == {"files": "“a.pdf”不是图片或 PDF 文件"}
    assert LegalAidApplication.objects.count() == 0


def test_missing_fields_are_named_in_chinese(tree, personas):
    with pytest.raises(Invalid) as refused:
        legal_aid.apply_for_legal_aid(by=personas.worker, name="", phone="123", employer_name="", region="999999",
                                      dispute_type="x", dispute_summary="短", claim_amount_fen=-1)
    assert set(refused.value.fields) == {"name", "phone", "employer_name", "region", "dispute_type",
                                         "dispute_summary", "claim_amount"}


def test_yuan_to_fen():
    assert legal_aid.yuan_to_fen("1234.5") == 123450
    assert legal_aid.yuan_to_fen("0") == 0
    assert legal_aid.yuan_to_fen("") is None
    for bad in ("1.234", "-1", "abc", "NaN"):
        with pytest.raises(Invalid):
            legal_aid.yuan_to_fen(bad)


def test_accept_assign_reassign_and_close_each_step_audited_and_told(tree, personas):
    made = application(personas.worker)
    first, second = lawyer(tree.lixia_town, name="李律师"), lawyer(tree.jinan, name="王律师")
    made = legal_aid.accept_application(made, by=personas.county_cadre, note="材料齐全")
    assert (made.status, made.reviewed_by_id, made.review_note) == ("accepted", personas.county_cadre.pk, "材料齐全")
    made = legal_aid.assign_lawyer(made, by=personas.county_cadre, lawyer_id=first.pk)
    assert (made.status, made.lawyer_id) == ("assigned", first.pk)
    made = legal_aid.assign_lawyer(made, by=personas.city_cadre, lawyer_id=second.pk)  # a lawyer of an org above
    assert (made.status, made.lawyer_id) == ("assigned", second.pk)
    legal_aid.add_note(made, by=personas.county_cadre, body="已申请劳动仲裁，等待开庭。")
    made = legal_aid.close_application(made, by=personas.county_cadre, outcome="arbitration", recovered_fen=1_000_000)
    assert (made.status, made.outcome, made.recovered_fen, made.closed_at is not None) == (
        "closed", "arbitration", 1_000_000, True)
    assert list(TransitionLog.objects.filter(workflow="cases.legal_aid").values_list("action", "from_state",
                                                                                      "to_state")) == [
        ("accept", "submitted", "accepted"), ("assign", "accepted", "assigned"), ("assign", "assigned", "assigned"),
        ("close", "assigned", "closed")]
    assert list(AuditEvent.objects.filter(action__startswith="cases.legal_aid.").order_by("id")
                .values_list("action", flat=True)) == [
        "cases.legal_aid.apply", "cases.legal_aid.accept", "cases.legal_aid.assign", "cases.legal_aid.assign",
        "cases.legal_aid.note", "cases.legal_aid.close"]
    assert list(OutboxMessage.objects.filter(user=personas.worker).order_by("id").values_list("subject", flat=True)) \
        == ["法律援助申请已受理", "已为您指派援助律师", "已为您指派援助律师", "法律援助已结案"]


def test_reject_needs_a_reason_and_ends_the_application(tree, personas):
    made = application(personas.worker)
    with pytest.raises(TransitionError) as refused:
        legal_aid.reject_application(made, by=personas.county_cadre, reason="  ")
    assert refused.value.code == "note_required"
    made = legal_aid.reject_application(made, by=personas.county_cadre, reason="不属于劳动争议")
    assert (made.status, made.review_note) == ("rejected", "不属于劳动争议")
    with pytest.raises(TransitionError):  # nothing follows a rejection
        legal_aid.accept_application(made, by=personas.county_cadre)


def test_forbidden_steps(tree, personas):
    made = application(personas.worker)
    with pytest.raises(TransitionError):  # no lawyer before the application is accepted
        legal_aid.assign_lawyer(made, by=personas.county_cadre, lawyer_id=lawyer(tree.lixia_town).pk)
    with pytest.raises(TransitionError):  # no closing before a lawyer has it
        legal_aid.close_application(made, by=personas.county_cadre, outcome="mediated", recovered_fen=0)
    for outsider in (personas.other_city_cadre, personas.grassroots_cadre, personas.worker):
        with pytest.raises(TransitionForbidden):
            legal_aid.accept_application(made, by=outsider)
    made.refresh_from_db()
    assert made.status == "submitted"


def test_only_active_lawyers_of_the_org_or_above_may_be_assigned(tree, personas):
    made = legal_aid.accept_application(application(personas.worker), by=SYSTEM)
    for wrong in (lawyer(tree.qingdao).pk, lawyer(tree.grassroots).pk, lawyer(tree.jinan, active=False).pk, 99999):
        with pytest.raises(Invalid) as refused:
            legal_aid.assign_lawyer(made, by=personas.county_cadre, lawyer_id=wrong)
        assert refused.value.code == "invalid_lawyer"
    made.refresh_from_db()
    assert (made.status, made.lawyer_id) == ("accepted", None)


def test_closing_needs_an_outcome_and_a_non_negative_amount(tree, personas):
    made = legal_aid.accept_application(application(personas.worker), by=SYSTEM)
    made = legal_aid.assign_lawyer(made, by=SYSTEM, lawyer_id=lawyer(tree.lixia).pk)
    with pytest.raises(Invalid) as refused:
        legal_aid.close_application(made, by=SYSTEM, outcome="won", recovered_fen=-5)
    assert set(refused.value.fields) == {"outcome", "recovered"}
    made = legal_aid.close_application(made, by=SYSTEM, outcome="withdrawn", recovered_fen=None)
    assert (made.outcome, made.recovered_fen) == ("withdrawn", 0)


def test_notes_by_handlers_only_and_not_after_closing(tree, personas):
    made = application(personas.worker)
    with pytest.raises(Forbidden):
        legal_aid.add_note(made, by=personas.other_city_cadre, body="看一看")
    made = legal_aid.reject_application(made, by=SYSTEM, reason="重复申请")
    with pytest.raises(Conflict):
        legal_aid.add_note(made, by=personas.county_cadre, body="补记")


def test_lawyer_directory_rights_and_duplicates(tree, personas):
    made = legal_aid.create_lawyer(by=personas.city_cadre, org=tree.jinan, name="赵律师", firm="泉城律所",
                                   license_number="13701201010000001", phone="138 0000 2222")
    assert (made.org_path, made.phone) == (tree.jinan.path, "13800002222")
    with pytest.raises(Conflict):
        legal_aid.create_lawyer(by=personas.city_cadre, org=tree.jinan, name="赵律师", firm="泉城律所",
                                license_number="13701201010000001")
    with pytest.raises(Forbidden):
        legal_aid.create_lawyer(by=personas.other_city_cadre, org=tree.jinan, name="钱律师", firm="所",
                                license_number="13701201010000002")
    with pytest.raises(Invalid) as refused:
        legal_aid.create_lawyer(by=personas.city_cadre, org=tree.jinan, name="钱律师", firm="所",
                                license_number="12345")
    assert refused.value.fields == {"license_number": "执业证号应为 17 位数字"}
    made = legal_aid.update_lawyer(made, by=personas.province_admin, active=False)
    assert made.active is False
    assert AuditEvent.objects.get(action="cases.lawyer.update").data == {"fields": ["active"]}
