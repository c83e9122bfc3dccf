"""Legal aid (法律援助): a worker's application, its review, a lawyer from the directory, progress notes, the outcome.

The workflow ("cases.legal_aid") is one table:

    submitted --accept--> accepted --assign--> assigned --close--> closed
    submitted --reject (reason required)--> rejected
    assigned  --assign--> assigned  (another lawyer)

The application is routed like a rights case: to the township union of the region where the dispute happened, else
the nearest federation of that region. Cadres of that org or above it (chairs, administrators, reviewers) handle it;
the lawyer comes from the directory of the org or an org above it, and must be in the directory (active). Amounts
are in fen.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.cases import behaviour  # noqa: F401  the kinds recorded below are declared there
from smartunion.cases.models import Attachment, Lawyer, LegalAidApplication, LegalAidNote
from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound
from smartunion.core.events import record
from smartunion.core.forms import check_text_fields
from smartunion.core.notifications import notify_user
from smartunion.core.validators import validate_mobile
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.orgs.models import Organisation, Position, Region, ancestor_paths
from smartunion.orgs.queries import in_scope
from smartunion.orgs.regions import derived_township_union, federation_for_region

# The kinds of dispute an application is about (the 12351 categories a legal-aid case can have).
DISPUTE_TYPES: dict[str, str] = {
    "wages": "拖欠工资",
    "contract": "劳动合同",
    "social_insurance": "社会保险",
    "work_injury": "工伤认定与赔偿",
    "overtime": "加班与休息休假",
    "dismissal": "解除劳动关系与经济补偿",
    "other": "其他劳动争议",
}
# Who handles applications: the org's (or an org above it's) chairs, administrators and reviewers.
HANDLING_ROLES = (Position.Role.CHAIR, Position.Role.ADMINISTRATOR, Position.Role.REVIEWER)
MAX_CLAIM_FEN = 100_000_000_000  # ¥1 billion: beyond it the figure is a typing error
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
# Images and PDF, recognised by their first bytes (the name and the browser's type are not trusted).
MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
HANDLE_ONLY = "只有受理单位或其上级工会的主席、管理员、审核员可以办理法律援助申请"
MANAGE_ONLY = "只有本单位或上级工会的主席、管理员可以管理援助律师库"


# Who may do what ------------------------------------------------------------------------------------------------

def can_handle(user, application: LegalAidApplication) -> bool:
    """Review, assign, note and close: a handling cadre of the receiving org or an org above it."""
    return is_system(user) or in_scope(user, application.org, roles=HANDLING_ROLES)


def can_manage_lawyers(user, org: Organisation | None) -> bool:
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)


def is_applicant(user, application: LegalAidApplication) -> bool:
    return (not is_system(user) and getattr(user, "pk", None) is not None
            and application.applicant_id == user.pk)


# Routing and checks ---------------------------------------------------------------------------------------------

def route(region: Region) -> Organisation:
    """The township union of the region, else the nearest federation of the region (county, city, ...)."""
    org = derived_township_union(region) or federation_for_region(region.code)
    if org is None:
        raise Invalid.from_fields({"region": "该地区暂无受理法律援助的工会，请选择纠纷发生的区县或街道"},
                                  code="no_org")
    return org


def region_of(value) -> Region:
    if isinstance(value, Region):
        return value
    code = str(value or "").strip()
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise Invalid.from_fields({"region": "请选择纠纷发生地（行政区划）"}, code="invalid_region")
    return region


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show, or None when they are not an image or a PDF we take."""
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_file(upload) -> str:
    """The upload's content type after checking its size and its first bytes; Invalid otherwise."""
    name = str(getattr(upload, "name", "") or "附件")[:200]
    if upload.size > MAX_FILE_BYTES:
        raise Invalid.from_fields({"files": f"“{name}”超过 10MB，请压缩后再上传"}, code="file_too_large")
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise Invalid.from_fields({"files": f"“{name}”不是图片或 PDF 文件"}, code="file_type")
    return content_type


def _attach(application: LegalAidApplication, upload, *, by) -> Attachment:
    content_type = check_file(upload)
    return Attachment.objects.create(legal_aid=application, file=upload,
                                     name=str(getattr(upload, "name", "") or "附件")[:200],
                                     content_type=content_type, size=upload.size, uploaded_by=user_or_none(by))


def _clean_phone(phone: str, errors: dict[str, str], *, required: bool = True) -> str:
    phone = str(phone or "").strip()
    if not phone:
        if required:
            errors["phone"] = "请填写联系电话"
        return ""
    try:
        return validate_mobile(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
        return ""


def _number(application: LegalAidApplication) -> str:
    return f"FY{timezone.localtime(application.submitted_at):%Y%m%d}{application.pk:06d}"


# Applying -------------------------------------------------------------------------------------------------------

def apply_for_legal_aid(*, by, name: str, phone: str, employer_name: str, region, dispute_type: str,
                        dispute_summary: str, claim_amount_fen: int | None = None, files=()) -> LegalAidApplication:
    """A worker's application (portal, API): checked, routed to the org of the region, numbered FYyyyymmdd……."""
    require_actor(by)
    if is_system(by) or not getattr(by, "is_authenticated", False):
        raise Forbidden("请先登录后再申请法律援助")
    errors: dict[str, str] = {}
    values = {"name": str(name or "").strip(), "employer_name": str(employer_name or "").strip(),
              "dispute_summary": str(dispute_summary or "").strip()}
    if not values["name"]:
        errors["name"] = "请填写申请人姓名"
    if not values["employer_name"]:
        errors["employer_name"] = "请填写对方单位名称"
    if len(values["dispute_summary"]) < 10:
        errors["dispute_summary"] = "请用至少 10 个字说明争议的经过和您的请求"
    if dispute_type not in DISPUTE_TYPES:
        errors["dispute_type"] = "请选择争议类别"
    if claim_amount_fen is not None and not (0 <= claim_amount_fen <= MAX_CLAIM_FEN):
        errors["claim_amount"] = "请求金额应在 0 至 10 亿元之间"
    clean_phone = _clean_phone(phone, errors)
    check_text_fields(LegalAidApplication, values, errors)
    files = list(files or [])
    if len(files) > MAX_FILES:
        errors["files"] = f"最多上传 {MAX_FILES} 个附件"
    try:
        found = region_of(region)
    except Invalid as exc:
        errors.update(exc.fields)
        found = None
    if errors:
        raise Invalid.from_fields(errors)
    assert found is not None
    org = route(found)
    with transaction.atomic():
        application = LegalAidApplication.objects.create(
            number=f"T{uuid.uuid4().hex[:19]}", applicant=by, person_id=getattr(by, "person_id", None),
            phone=clean_phone, region=found, dispute_type=dispute_type, claim_amount_fen=claim_amount_fen,
            org=org, org_path=org.path, **values)
        application.number = _number(application)
        application.save(update_fields=["number"])
        for upload in files:
            _attach(application, upload, by=by)
        log_event("cases.legal_aid.apply", actor=by, target=application, org=org,
                  data={"dispute_type": dispute_type, "files": len(files)})
        record(getattr(by, "person_id", None), "cases.legal_aid.apply", target=application, org=org,
               label=org.name)
    return application


def add_attachment(application: LegalAidApplication, upload, *, by) -> Attachment:
    """One more file, by the applicant while the application is open."""
    require_actor(by)
    if not is_applicant(by, application):
        raise NotFound("申请不存在")
    if application.status in (LegalAidApplication.Status.CLOSED, LegalAidApplication.Status.REJECTED):
        raise Conflict("申请已办结，不能再上传材料", code="closed")
    with transaction.atomic():
        if application.attachments.count() >= MAX_FILES * 2:
            raise Conflict("附件数量已达上限", code="too_many_files")
        attachment = _attach(application, upload, by=by)
        log_event("cases.legal_aid.attach", actor=by, target=application, org=application.org,
                  data={"content_type": attachment.content_type, "size": attachment.size})
    return attachment


# The workflow ---------------------------------------------------------------------------------------------------

def _lawyer_for(application: LegalAidApplication, lawyer_id) -> Lawyer:
    """An active lawyer of the directory of the application's org or an org above it."""
    lawyer = Lawyer.objects.filter(pk=lawyer_id, active=True,
                                   org_path__in=ancestor_paths(application.org_path)).first() \
        if isinstance(lawyer_id, int) else None
    if lawyer is None:
        raise Invalid.from_fields({"lawyer": "请从本单位或上级工会的援助律师库中选择在库律师"}, code="invalid_lawyer")
    return lawyer


def _assign(application: LegalAidApplication, step: Step) -> dict[str, Any]:
    lawyer = _lawyer_for(application, step.data.get("lawyer_id"))
    if lawyer.pk == application.lawyer_id:
        raise Conflict("该律师已在承办本申请", code="same_lawyer")
    return {"lawyer": lawyer}


def _accept(application: LegalAidApplication, step: Step) -> dict[str, Any]:
    return {"reviewed_by": user_or_none(step.by), "review_note": step.note[:500]}


def _close(application: LegalAidApplication, step: Step) -> dict[str, Any]:
    outcome, recovered = step.data.get("outcome"), step.data.get("recovered_fen")
    errors = {}
    if outcome not in LegalAidApplication.Outcome.values:
        errors["outcome"] = "请选择结案方式：调解、仲裁、诉讼或撤回"
    if recovered is None and outcome != LegalAidApplication.Outcome.WITHDRAWN:
        errors["recovered"] = "请填写挽回金额（没有挽回填 0）"
    elif recovered is not None and (not isinstance(recovered, int) or not 0 <= recovered <= MAX_CLAIM_FEN):
        errors["recovered"] = "挽回金额应在 0 至 10 亿元之间"
    if errors:
        raise Invalid.from_fields(errors)
    return {"outcome": outcome, "recovered_fen": recovered if recovered is not None else 0,
            "closed_at": timezone.now()}


def _tell(subject: str, body):
    def effect(application: LegalAidApplication, step: Step) -> None:
        if application.applicant_id is not None:
            notify_user(application.applicant, subject=subject, body=body(application, step))
    return effect


WORKFLOW = Workflow(
    name="cases.legal_aid", field="status",
    state_labels=dict(LegalAidApplication.Status.choices),
    org_of=lambda application: application.org,
    transitions=[
        Transition("accept", source="submitted", target="accepted", label="受理", allowed=can_handle,
                   apply=_accept,
                   effects=(_tell("法律援助申请已受理", lambda a, s: f"您的法律援助申请 {a.number} 已受理，"
                                                             "工会将为您指派援助律师。"),)),
        Transition("reject", source="submitted", target="rejected", label="不予援助", allowed=can_handle,
                   note_required=True,
                   apply=lambda a, s: {"reviewed_by": user_or_none(s.by), "review_note": s.note[:500]},
                   effects=(_tell("法律援助申请未获受理", lambda a, s: f"您的法律援助申请 {a.number} 未获受理："
                                                              f"{s.note}。如有疑问可拨打 12351 咨询。"),)),
        Transition("assign", source=("accepted", "assigned"), target="assigned", label="指派律师",
                   allowed=can_handle, apply=_assign,
                   effects=(_tell("已为您指派援助律师", lambda a, s: f"法律援助申请 {a.number} 已指派"
                                                            f"{a.lawyer.firm}的{a.lawyer.name}律师承办，"
                                                            "律师将与您联系。"),)),
        Transition("close", source="assigned", target="closed", label="结案", allowed=can_handle, apply=_close,
                   effects=(_tell("法律援助已结案", lambda a, s: f"法律援助申请 {a.number} 已结案"
                                                         f"（{a.get_outcome_display()}）。"),)),
    ],
)


def accept_application(application: LegalAidApplication, *, by, note: str = "") -> LegalAidApplication:
    """受理: the application will get a lawyer."""
    return transition(application, "accept", workflow=WORKFLOW, by=by, note=note)


def reject_application(application: LegalAidApplication, *, by, reason: str) -> LegalAidApplication:
    """不予援助, with the reason the worker is told."""
    return transition(application, "reject", workflow=WORKFLOW, by=by, note=reason)


def assign_lawyer(application: LegalAidApplication, *, by, lawyer_id: int, note: str = "") -> LegalAidApplication:
    """指派律师 (or another one): an active lawyer of the directory of the org or an org above it."""
    return transition(application, "assign", workflow=WORKFLOW, by=by, note=note, data={"lawyer_id": lawyer_id})


def close_application(application: LegalAidApplication, *, by, outcome: str, recovered_fen: int | None,
                      note: str = "") -> LegalAidApplication:
    """结案 with the outcome and the amount recovered for the worker (fen, ≥ 0)."""
    return transition(application, "close", workflow=WORKFLOW, by=by, note=note,
                      data={"outcome": outcome, "recovered_fen": recovered_fen})


def add_note(application: LegalAidApplication, *, by, body: str) -> LegalAidNote:
    """A progress note (the worker sees it on their application)."""
    require_actor(by)
    if not can_handle(by, application):
        raise Forbidden(HANDLE_ONLY)
    body = str(body or "").strip()
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = "请填写进展情况"
    check_text_fields(LegalAidNote, {"body": body}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    if application.status in (LegalAidApplication.Status.REJECTED, LegalAidApplication.Status.CLOSED):
        raise Conflict("申请已办结，不能再添加进展", code="closed")
    with transaction.atomic():
        note = LegalAidNote.objects.create(application=application, author=user_or_none(by), body=body)
        log_event("cases.legal_aid.note", actor=by, target=application, org=application.org)
    return note


# The lawyer directory -------------------------------------------------------------------------------------------

LAWYER_FIELDS = ("name", "firm", "license_number", "phone", "specialties", "active")


def _clean_lawyer(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in LAWYER_FIELDS:
        if key not in values:
            continue
        cleaned[key] = bool(values[key]) if key == "active" else str(values[key] or "").strip()
    for key, message in (("name", "请填写律师姓名"), ("firm", "请填写律师事务所"),
                         ("license_number", "请填写执业证号")):
        if (creating or key in cleaned) and not cleaned.get(key):
            errors[key] = message
    number = cleaned.get("license_number", "")
    if number and not (number.isdigit() and len(number) == 17):
        errors["license_number"] = "执业证号应为 17 位数字"
    if "phone" in cleaned:
        cleaned["phone"] = _clean_phone(cleaned["phone"], errors, required=False)
    check_text_fields(Lawyer, {k: v for k, v in cleaned.items() if k not in ("phone", "active")}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def create_lawyer(*, by, org: Organisation, name: str, firm: str, license_number: str, phone: str = "",
                  specialties: str = "") -> Lawyer:
    """A lawyer in the org's directory (法律援助律师库)."""
    require_actor(by)
    if not can_manage_lawyers(by, org):
        raise Forbidden(MANAGE_ONLY)
    cleaned = _clean_lawyer({"name": name, "firm": firm, "license_number": license_number, "phone": phone,
                             "specialties": specialties}, creating=True)
    try:
        with transaction.atomic():
            lawyer = Lawyer.objects.create(org=org, org_path=org.path, **cleaned)
            log_event("cases.lawyer.create", actor=by, target=lawyer, org=org)
    except IntegrityError:
        raise Conflict("该执业证号的律师已在本单位律师库中", code="duplicate_lawyer",
                       fields={"license_number": "该执业证号已登记"}) from None
    return lawyer


def update_lawyer(lawyer: Lawyer, *, by, **values) -> Lawyer:
    """Change a lawyer's details, or take them out of the directory (active False) and back."""
    require_actor(by)
    if not can_manage_lawyers(by, lawyer.org):
        raise Forbidden(MANAGE_ONLY)
    unknown = {name: "不支持修改此项" for name in values if name not in LAWYER_FIELDS}
    if unknown:
        raise Invalid.from_fields(unknown)
    cleaned = _clean_lawyer(values, creating=False)
    try:
        with transaction.atomic():
            locked = Lawyer.objects.select_for_update().get(pk=lawyer.pk)
            changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
            for name in changed:
                setattr(locked, name, cleaned[name])
            if changed:
                locked.save(update_fields=changed)
                log_event("cases.lawyer.update", actor=by, target=locked, org=locked.org,
                          data={"fields": sorted(changed)})
    except IntegrityError:
        raise Conflict("该执业证号的律师已在本单位律师库中", code="duplicate_lawyer",
                       fields={"license_number": "该执业证号已登记"}) from None
    return locked


def yuan_to_fen(value) -> int | None:
    """"1234.5" -> 123450; None or "" -> None. Invalid for anything else (more than 2 decimals, negative)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid.from_fields({"claim_amount": "金额应为数字，最多两位小数"}) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise Invalid.from_fields({"claim_amount": "金额应为不小于 0 的数字，最多两位小数"})
    return int(amount * 100)


__all__ = ["DISPUTE_TYPES", "WORKFLOW", "accept_application", "add_attachment", "add_note", "apply_for_legal_aid",
           "assign_lawyer", "can_handle", "can_manage_lawyers", "close_application", "create_lawyer",
           "reject_application", "route", "update_lawyer", "yuan_to_fen"]
