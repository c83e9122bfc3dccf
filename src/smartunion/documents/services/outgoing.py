"""Outgoing documents (发文): drafting with every element of GB/T 9704-2012, versions with an optimistic lock and a
line diff, attachments, and the flow OUTGOING_WORKFLOW:

    拟稿 draft ──submit──▶ 核稿 checking ──check──────────────▶ 签发 signing ──sign──▶ 编号 numbering
       ▲  │                   │  └──send_countersign──▶ 会签 countersign ──countersign_complete──┘ (all agreed)
       │  └─cancel─▶ 作废      │                             │
       ├────── return ◀───────┘ (with a reason)              └──countersign_refuse──▶ draft (one refusal)
       └────── return ◀────── signing (with a reason)
    numbering ──number──▶ 用印 sealing ──seal──▶ 分发 distribution ──archive──▶ 归档 archived

Decisions:
- Only a draft's text changes. Each save names the revision it started from (`base_revision`); a save from an older
  revision is refused (Conflict, code stale_revision) so that no one's edit is silently lost. Every save that changes
  something is a new DocumentVersion (title and body); any two compare line by line (`diff`).
- 核稿 chooses the countersigning parties (departments of the org and/or other orgs): without any the document goes
  straight to 签发. One Countersign row per party per round. An answer is kept as given; one refusal ends the round
  and sends the document back to its drafter with the reason in `return_reason` (the agreements of that round stay,
  the parties that had not answered yet are marked 已撤销); resubmitting and checking again opens a new round. When
  every party of the round has agreed the document goes on to 签发.
- 签发 records the signer and the signer's name, and sets 成文日期 to the day when it was left empty.
- 编号 takes the rule's next sequence of the current year (Asia/Shanghai) by one UPDATE ... RETURNING on
  NumberSequence inside the step's transaction: two numberings never get the same sequence, and a numbering that
  rolls back gives its sequence back. The number reads 鲁工发〔2026〕12号 (full-width 〔〕).
- 用印 sets 印发机关 (the org's name) and 印发日期 (today) where they are empty; from 分发 the exchange part sends it.
- Attachments: PDF and images (core.uploads), and also Word/Excel (.docx, .xlsx) and OFD files, recognised by their
  content (a ZIP with word/document.xml, xl/workbook.xml or OFD.xml), never by their name; up to 20 MB each and
  20 per document; added and removed while the document is a draft.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.diff import line_diff
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.notifications import notify_users
from smartunion.core.sequences import take_next
from smartunion.core.uploads import IMAGES_AND_PDF, MB, check_upload, size_text
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.documents import rules_outgoing as rules
from smartunion.documents.models import (
    Attachment,
    Countersign,
    Department,
    DocumentVersion,
    NumberingRule,
    NumberSequence,
    OutgoingDocument,
    Secrecy,
    Urgency,
)
from smartunion.orgs.models import Organisation, Position

S = OutgoingDocument.Status
CS = Countersign.Status
MAX_BODY = 50_000
MAX_REASON = 300
MAX_ATTACHMENTS = 20
ATTACHMENT_MAX_BYTES = 20 * MB
LIMITS = {"title": 200, "issuer_mark": 50, "secrecy_period": 20, "main_recipients": 500, "cc": 500,
          "printer": 100, "body": MAX_BODY}
LABELS = {"kind": "文种", "title": "标题", "issuer_mark": "发文机关标志", "copy_number": "份号", "secrecy": "密级",
          "secrecy_period": "保密期限", "urgency": "紧急程度", "rule": "发文字号规则", "main_recipients": "主送机关",
          "body": "正文", "cc": "抄送机关", "written_on": "成文日期", "printer": "印发机关", "printed_on": "印发日期"}
TEXT_FIELDS = ("title", "issuer_mark", "copy_number", "secrecy_period", "main_recipients", "body", "cc", "printer")
FIELDS = tuple(LABELS)
_PREFIX = re.compile(r"^[^\s〔〕\[\]()（）]{1,20}$")


def format_number(prefix: str, year: int, seq: int) -> str:
    """鲁工发〔2026〕12号."""
    return f"{prefix}〔{year}〕{seq}号"


# Elements ---------------------------------------------------------------------------------------------------------


def _text(value) -> str:
    return str(value or "").strip()


def _date(value, name: str, errors: dict) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = f"{LABELS[name]}格式不正确（应为 2026-01-31）"
        return None


def _rule(value, org: Organisation, errors: dict) -> NumberingRule | None:
    if value in (None, ""):
        return None
    rule = value if isinstance(value, NumberingRule) else NumberingRule.objects.filter(pk=value).first() \
        if str(value).isdigit() else None
    if rule is None or rule.org_id != org.pk:
        errors["rule"] = "发文字号规则不存在或不属于发文机关"
        return None
    if not rule.active:
        errors["rule"] = f"发文字号规则“{rule.prefix}”已停用"
        return None
    return rule


def clean_elements(values: dict, *, org: Organisation) -> dict:
    """The document's elements from the given values (every key optional except the title): Invalid naming each
    wrong field, or the cleaned values."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown elements: {sorted(unknown)}")
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for name in TEXT_FIELDS:
        if name in values:
            cleaned[name] = _text(values[name]) if name != "body" else str(values[name] or "").strip("\n")
            limit = LIMITS.get(name)
            if limit and len(cleaned[name]) > limit:
                errors[name] = f"{LABELS[name]}最多{limit}个字"
    if "title" in values and not cleaned.get("title"):
        errors["title"] = "请填写标题"
    if "issuer_mark" in values and not cleaned.get("issuer_mark"):
        cleaned["issuer_mark"] = f"{org.name}文件"
    copy_number = cleaned.get("copy_number", "")
    if copy_number and not (copy_number.isascii() and copy_number.isdigit() and len(copy_number) <= 6):
        errors["copy_number"] = "份号应为1到6位阿拉伯数字"
    if "kind" in values:
        cleaned["kind"] = _text(values["kind"]) or OutgoingDocument.Kind.NOTICE
        if cleaned["kind"] not in OutgoingDocument.Kind.values:
            errors["kind"] = "请选择文种"
    if "secrecy" in values:
        cleaned["secrecy"] = _text(values["secrecy"])
        if cleaned["secrecy"] not in Secrecy.values:
            errors["secrecy"] = "密级不正确"
    if "urgency" in values:
        cleaned["urgency"] = _text(values["urgency"])
        if cleaned["urgency"] not in Urgency.values:
            errors["urgency"] = "紧急程度不正确"
    if cleaned.get("secrecy_period") and not cleaned.get("secrecy"):
        errors["secrecy_period"] = "未标密级的公文不能填写保密期限"
    for name in ("written_on", "printed_on"):
        if name in values:
            cleaned[name] = _date(values[name], name, errors)
    if "rule" in values:
        cleaned["rule"] = _rule(values["rule"], org, errors)
    if errors:
        first = next(iter(errors.values()))
        raise Invalid.from_fields(errors, message=first if len(errors) == 1 else "提交的数据有误，请检查后重试")
    return cleaned


# Drafts and versions ---------------------------------------------------------------------------------------------


def _version(document: OutgoingDocument, by) -> DocumentVersion:
    return DocumentVersion.objects.create(document=document, number=document.revision, title=document.title,
                                          body=document.body, saved_by=user_or_none(by))


def create_document(*, by, org: Organisation, **values) -> OutgoingDocument:
    """A new draft of `org` (version 1). `values`: the elements (FIELDS); the title is required."""
    require_actor(by)
    if org is None or not rules.may_draft(by, org):
        raise Forbidden("只有本单位或上级单位的干部可以为该单位拟稿")
    values.setdefault("title", "")
    values.setdefault("issuer_mark", "")
    cleaned = clean_elements(values, org=org)
    with transaction.atomic():
        document = OutgoingDocument.objects.create(org=org, created_by=user_or_none(by), **cleaned)
        _version(document, by)
        log_event("documents.outgoing.create", actor=by, target=document, org=org,
                  data={"title": document.title})
    return document


def save_document(document: OutgoingDocument, *, by, base_revision: int, **values) -> OutgoingDocument:
    """Save the draft as a new version. `base_revision` is the revision the editor started from: when someone saved
    since, the save is refused (Conflict, code stale_revision) and nothing changes. Saving nothing new keeps the
    revision."""
    require_actor(by)
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("org").get(pk=document.pk)
        if locked.status != S.DRAFT:
            raise Conflict(f"公文当前为“{locked.get_status_display()}”，只有拟稿中的公文可以修改",
                           code="not_editable")
        if not rules.may_edit(by, locked):
            raise Forbidden("只有拟稿人或本单位及上级单位的干部可以修改该公文")
        if int(base_revision) != locked.revision:
            raise Conflict(f"该公文已被他人修改为第 {locked.revision} 版（您编辑的是第 {base_revision} 版），"
                           "请查看最新版本和差异后再保存", code="stale_revision",
                           details={"revision": locked.revision})
        cleaned = clean_elements(values, org=locked.org)
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, cleaned[name])
        locked.revision += 1
        locked.save()
        _version(locked, by)
        log_event("documents.outgoing.save", actor=by, target=locked, org=locked.org,
                  data={"revision": locked.revision, "changed": changed})
    return locked


def diff(older: DocumentVersion, newer: DocumentVersion) -> list[tuple[str, str]]:
    """The changes between two versions, line by line: ("equal" | "delete" | "insert", line); the title first when
    it changed."""
    return line_diff(older.title, newer.title, older.body, newer.body)


def versions_diff(document: OutgoingDocument, older: int, newer: int) -> list[tuple[str, str]]:
    found = {v.number: v for v in document.versions.filter(number__in=[older, newer])}
    if older not in found or newer not in found:
        raise Invalid.from_fields({"version": "版本不存在"}, message="版本不存在")
    return diff(found[older], found[newer])


# Attachments -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str


OFFICE_KINDS = {
    "word/document.xml": FileKind(".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/workbook.xml": FileKind(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "OFD.xml": FileKind(".ofd", "application/ofd"),
}
ALLOWED_TEXT = "只能上传 PDF、OFD、Word（.docx）、Excel（.xlsx）文件或 JPG、PNG、GIF、WebP 图片"


def check_attachment(file) -> FileKind:
    """The kind of an uploaded attachment by its content, or Invalid with the Chinese reason."""
    try:
        found = check_upload(file, kinds=IMAGES_AND_PDF, max_bytes=ATTACHMENT_MAX_BYTES, noun="附件")
        return FileKind(found.extension, found.content_type)
    except ValidationError as exc:
        if exc.code != "wrong_type":
            raise Invalid.from_fields({"file": exc.messages[0]}, message=exc.messages[0],
                                      code="bad_file") from exc
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    finally:
        file.seek(0)
    for marker, kind in OFFICE_KINDS.items():
        if marker in names:
            return kind
    raise Invalid.from_fields({"file": ALLOWED_TEXT}, message=ALLOWED_TEXT, code="bad_file")


def _draft_for_files(document: OutgoingDocument, by) -> OutgoingDocument:
    locked = OutgoingDocument.objects.select_for_update().select_related("org").get(pk=document.pk)
    if locked.status != S.DRAFT:
        raise Conflict("只有拟稿中的公文可以增删附件", code="not_editable")
    if not rules.may_edit(by, locked):
        raise Forbidden("只有拟稿人或本单位及上级单位的干部可以修改该公文")
    return locked


def add_attachment(document: OutgoingDocument, *, by, file, name: str = "") -> Attachment:
    """Attach one file to a draft (see the module's note for the formats)."""
    require_actor(by)
    kind = check_attachment(file)
    name = (_text(name) or _text(getattr(file, "name", "")) or f"附件{kind.extension}")[:200]
    digest = hashlib.sha256()
    for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
        digest.update(chunk)
    file.seek(0)
    with transaction.atomic():
        locked = _draft_for_files(document, by)
        count = locked.attachments.count()
        if count >= MAX_ATTACHMENTS:
            raise Invalid.from_fields({"file": f"每份公文最多{MAX_ATTACHMENTS}个附件"},
                                      message=f"每份公文最多{MAX_ATTACHMENTS}个附件")
        attachment = Attachment(outgoing=locked, name=name, size=file.size, sha256=digest.hexdigest(),
                                position=count + 1, uploaded_by=user_or_none(by))
        attachment.file.save(f"{uuid.uuid4().hex}{kind.extension}", file, save=False)
        attachment.save()
        log_event("documents.outgoing.attach", actor=by, target=locked, org=locked.org,
                  data={"name": name, "size": attachment.size})
    return attachment


def remove_attachment(attachment: Attachment, *, by) -> None:
    require_actor(by)
    with transaction.atomic():
        if attachment.outgoing is None:
            raise Invalid("附件不属于发文")
        locked = _draft_for_files(attachment.outgoing, by)
        name = attachment.name
        attachment.file.delete(save=False)
        attachment.delete()
        for position, row in enumerate(locked.attachments.order_by("position", "id"), start=1):
            if row.position != position:
                Attachment.objects.filter(pk=row.pk).update(position=position)
        log_event("documents.outgoing.detach", actor=by, target=locked, org=locked.org, data={"name": name})


def content_type_of(attachment: Attachment) -> str:
    stored = attachment.file.name or ""
    extension = "." + stored.rsplit(".", 1)[-1].lower() if "." in stored else ""
    for kind in OFFICE_KINDS.values():
        if kind.extension == extension:
            return kind.content_type
    from smartunion.core.uploads import BY_EXTENSION

    found = BY_EXTENSION.get(extension)
    return found.content_type if found else "application/octet-stream"


# Numbering --------------------------------------------------------------------------------------------------------


def next_number(rule: NumberingRule, year: int) -> int:
    """The rule's next sequence of the year (core.sequences: the row stays locked until the caller's transaction
    ends, so two numberings never share a sequence)."""
    return take_next(NumberSequence, rule=rule, year=year)


# Steps ------------------------------------------------------------------------------------------------------------


def _users_with(org_id: int, roles: Iterable[str]) -> list:
    return [p.user for p in Position.objects.select_related("user").filter(
        org_id=org_id, role__in=tuple(roles), user__is_active=True)]


def _tell(users, document: OutgoingDocument, subject: str, body: str) -> None:
    notify_users([u for u in dict.fromkeys(users) if u is not None], subject=subject, body=body)


def _drafter(document: OutgoingDocument) -> list:
    return [document.created_by] if document.created_by_id else []


def _submit(document: OutgoingDocument, step: Step) -> dict:
    if not document.title:
        raise Invalid.from_fields({"title": "请填写标题"}, message="请填写标题")
    if not document.body.strip():
        raise Invalid.from_fields({"body": "请填写正文"}, message="正文为空，不能送核稿")
    return {"return_reason": ""}


def _submitted(document: OutgoingDocument, step: Step) -> None:
    _tell(_users_with(document.org_id, rules.CHECK_ROLES), document, "待核稿公文",
          f"公文“{document.title}”已送核稿，请审核。")


def _returned(document: OutgoingDocument, step: Step) -> dict:
    return {"return_reason": step.note[:MAX_REASON]}


def _tell_returned(document: OutgoingDocument, step: Step) -> None:
    _tell(_drafter(document), document, "公文被退回", f"公文“{document.title}”被退回：{step.note}")


def _checked(document: OutgoingDocument, step: Step) -> None:
    _tell(_users_with(document.org_id, rules.SIGN_ROLES), document, "待签发公文",
          f"公文“{document.title}”已核稿，请签发。")


def _open_round(document: OutgoingDocument, step: Step) -> dict:
    next_round = rules.current_round(document) + 1
    for department_id in step.data.get("department_ids", []):
        Countersign.objects.create(document=document, round=next_round, department_id=department_id)
    for org_id in step.data.get("org_ids", []):
        Countersign.objects.create(document=document, round=next_round, org_id=org_id)
    return {}


def _round_opened(document: OutgoingDocument, step: Step) -> None:
    users: list = []
    for department in Department.objects.filter(pk__in=step.data.get("department_ids", [])).select_related("head"):
        users += [department.head, *department.members.filter(is_active=True)]
    for org_id in step.data.get("org_ids", []):
        users += _users_with(org_id, rules.ORG_COUNTERSIGN_ROLES)
    _tell(users, document, "待会签公文", f"{document.org.name}请您会签公文“{document.title}”。")


def _refused(document: OutgoingDocument, step: Step) -> dict:
    Countersign.objects.filter(document=document, round=rules.current_round(document), status=CS.PENDING).update(
        status=CS.CANCELLED)
    return {"return_reason": step.note[:MAX_REASON]}


def _sign(document: OutgoingDocument, step: Step) -> dict:
    by = user_or_none(step.by)
    name = (getattr(by, "display_name", "") or str(by)) if by is not None else "系统"
    changes: dict = {"signer": by, "signer_name": name[:50]}
    if document.written_on is None:
        changes["written_on"] = timezone.localdate()
    return changes


def _signed(document: OutgoingDocument, step: Step) -> None:
    _tell(_users_with(document.org_id, rules.CLERK_ROLES), document, "待编号公文",
          f"公文“{document.title}”已由{document.signer_name}签发，请编号、用印。")


def _number(document: OutgoingDocument, step: Step) -> dict:
    rule_id = step.data.get("rule_id") or document.rule_id
    rule = NumberingRule.objects.filter(pk=rule_id, org_id=document.org_id).first() if rule_id else None
    if rule is None:
        raise Invalid.from_fields({"rule": "请先选择发文字号规则"}, message="请先选择发文字号规则")
    if not rule.active:
        raise Invalid.from_fields({"rule": f"发文字号规则“{rule.prefix}”已停用"},
                                  message=f"发文字号规则“{rule.prefix}”已停用")
    year = timezone.localdate().year
    seq = next_number(rule, year)
    number = format_number(rule.prefix, year, seq)
    step.data["number"] = number
    return {"rule": rule, "number_year": year, "number_seq": seq, "number": number}


def _seal(document: OutgoingDocument, step: Step) -> dict:
    changes: dict = {}
    if not document.printer:
        changes["printer"] = document.org.name[:100]
    if document.printed_on is None:
        changes["printed_on"] = timezone.localdate()
    return changes


def _allowed_countersign(user, document) -> bool:
    return rules.may_countersign(user, document)


OUTGOING_WORKFLOW = Workflow(
    name="documents.outgoing", field="status", state_labels=dict(S.choices),
    org_of=lambda document: document.org,
    transitions=[
        Transition("submit", source=S.DRAFT, target=S.CHECKING, label="送核稿", allowed=rules.may_edit,
                   apply=_submit, effects=(_submitted,)),
        Transition("cancel", source=S.DRAFT, target=S.CANCELLED, label="作废", allowed=rules.may_edit),
        Transition("check", source=S.CHECKING, target=S.SIGNING, label="核稿通过", allowed=rules.may_check,
                   effects=(_checked,)),
        Transition("send_countersign", source=S.CHECKING, target=S.COUNTERSIGN, label="核稿并送会签",
                   allowed=rules.may_check, apply=_open_round, effects=(_round_opened,)),
        Transition("countersign_complete", source=S.COUNTERSIGN, target=S.SIGNING, label="会签完成",
                   allowed=_allowed_countersign, effects=(_checked,)),
        Transition("countersign_refuse", source=S.COUNTERSIGN, target=S.DRAFT, label="会签不同意",
                   allowed=_allowed_countersign, apply=_refused, effects=(_tell_returned,), note_required=True),
        Transition("return", source=S.CHECKING, target=S.DRAFT, label="退回", allowed=rules.may_check,
                   apply=_returned, effects=(_tell_returned,), note_required=True),
        Transition("return", source=S.SIGNING, target=S.DRAFT, label="退回", allowed=rules.may_sign,
                   apply=_returned, effects=(_tell_returned,), note_required=True),
        Transition("sign", source=S.SIGNING, target=S.NUMBERING, label="签发", allowed=rules.may_sign,
                   apply=_sign, effects=(_signed,)),
        Transition("number", source=S.NUMBERING, target=S.SEALING, label="编号", allowed=rules.may_clerk,
                   apply=_number),
        Transition("seal", source=S.SEALING, target=S.DISTRIBUTION, label="用印", allowed=rules.may_clerk,
                   apply=_seal),
        Transition("archive", source=S.DISTRIBUTION, target=S.ARCHIVED, label="归档", allowed=rules.may_clerk),
    ],
)
# Steps a person takes through their own service (the countersign panel), not as a plain button.
INTERNAL_ACTIONS = ("countersign_complete", "countersign_refuse", "send_countersign")


def _step(document, action: str, *, by, note: str = "", data: dict | None = None) -> OutgoingDocument:
    return transition(document, action, workflow=OUTGOING_WORKFLOW, by=by, note=note, data=data)


def _reason(note: str, label: str = "原因") -> str:
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise Invalid.from_fields({"note": f"{label}最多{MAX_REASON}个字"}, message=f"{label}最多{MAX_REASON}个字")
    return note


def submit(document: OutgoingDocument, *, by) -> OutgoingDocument:
    """拟稿 → 核稿 (also a returned document, again)."""
    return _step(document, "submit", by=by)


def cancel(document: OutgoingDocument, *, by, note: str = "") -> OutgoingDocument:
    """作废 a draft."""
    return _step(document, "cancel", by=by, note=_reason(note))


def check(document: OutgoingDocument, *, by, departments: Iterable = (), orgs: Iterable = (),
          note: str = "") -> OutgoingDocument:
    """核稿: pass it to 签发, or (with parties) to 会签 by the chosen departments of its org and/or other orgs."""
    require_actor(by)
    note = _reason(note, "核稿意见")
    department_ids = sorted({getattr(d, "pk", d) for d in departments})
    org_ids = sorted({getattr(o, "pk", o) for o in orgs})
    if not department_ids and not org_ids:
        return _step(document, "check", by=by, note=note)
    found = list(Department.objects.filter(pk__in=department_ids))
    errors = {}
    if len(found) != len(department_ids) or any(d.org_id != document.org_id or not d.active for d in found):
        errors["departments"] = "会签部门应为发文机关的在用部门"
    active = set(Organisation.objects.filter(pk__in=org_ids, status=Organisation.Status.ACTIVE)
                 .values_list("pk", flat=True))
    if len(active) != len(org_ids):
        errors["orgs"] = "会签单位不存在或已撤销"
    elif document.org_id in active:
        errors["orgs"] = "会签单位不能是发文机关本身（本单位请选择部门）"
    if errors:
        raise Invalid.from_fields(errors, message=next(iter(errors.values())))
    return _step(document, "send_countersign", by=by, note=note,
                 data={"department_ids": department_ids, "org_ids": org_ids})


def countersign(document: OutgoingDocument, *, by, agree: bool, note: str = "",
                party: Countersign | None = None) -> Countersign:
    """One party's answer in the current round (the user's own row, or `party` when they answer for several).
    A refusal needs its reason and sends the document back to draft; the last agreement sends it to 签发."""
    require_actor(by)
    note = _reason(note, "会签意见")
    if not agree and not note:
        raise Invalid.from_fields({"note": "请填写不同意的理由"}, message="请填写不同意的理由")
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("org").get(pk=document.pk)
        if locked.status != S.COUNTERSIGN:
            raise StateError(f"公文当前为“{locked.get_status_display()}”，不在会签中", code="not_countersigning")
        round_ = rules.current_round(locked)
        pending = list(locked.countersigns.select_related("department", "org").filter(round=round_,
                                                                                     status=CS.PENDING))
        if party is not None:
            pending = [row for row in pending if row.pk == party.pk]
        mine = [row for row in pending if rules.may_answer(by, row)]
        if not mine:
            if party is None and not pending:
                raise StateError("本轮会签已全部答复", code="not_countersigning")
            raise Forbidden("您不是该公文本轮的会签部门或单位人员，或已经答复")
        if party is None and len(mine) > 1 and not is_system(by):
            mine = mine[:1]
        row = mine[0]
        row.status = CS.AGREED if agree else CS.REFUSED
        row.note = note
        row.decided_by = user_or_none(by)
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "note", "decided_by", "decided_at"])
        party_name = party_label(row)
        log_event("documents.countersign.agree" if agree else "documents.countersign.refuse", actor=by,
                  target=locked, org=locked.org, also_org=row.org if row.org_id else None,
                  data={"round": round_, "party": party_name, "note": note})
        if not agree:
            _step(locked, "countersign_refuse", by=by, note=f"{party_name}不同意：{note}")
        elif not locked.countersigns.filter(round=round_, status=CS.PENDING).exists():
            _step(locked, "countersign_complete", by=by)
    return row


def party_label(row: Countersign) -> str:
    if row.department is not None:
        return row.department.name
    return row.org.name if row.org is not None else ""


def return_document(document: OutgoingDocument, *, by, note: str) -> OutgoingDocument:
    """Send back to the drafter from 核稿 or 签发, with a reason."""
    return _step(document, "return", by=by, note=_reason(note, "退回原因"))


def sign(document: OutgoingDocument, *, by, note: str = "") -> OutgoingDocument:
    return _step(document, "sign", by=by, note=_reason(note, "签发意见"))


def number(document: OutgoingDocument, *, by, rule: NumberingRule | None = None) -> OutgoingDocument:
    """编号: the rule's next number of the year (the document's rule unless another of its org is given)."""
    data = {"rule_id": rule.pk} if rule is not None else {}
    return _step(document, "number", by=by, data=data)


def seal(document: OutgoingDocument, *, by) -> OutgoingDocument:
    return _step(document, "seal", by=by)


def distribute(document: OutgoingDocument, *, by) -> OutgoingDocument:
    """用印 done → 分发 is the same step as seal (the document is ready to be sent); kept as a name for the API."""
    return seal(document, by=by)


def archive(document: OutgoingDocument, *, by) -> OutgoingDocument:
    return _step(document, "archive", by=by)


def steps_for(document: OutgoingDocument, user) -> list[Transition]:
    """The buttons a user has on a document (the countersign answers are a panel of their own)."""
    return [t for t in OUTGOING_WORKFLOW.available(document, user) if t.action not in INTERNAL_ACTIONS]


# Numbering rules and departments ---------------------------------------------------------------------------------


def create_rule(*, by, org: Organisation, name: str, prefix: str) -> NumberingRule:
    require_actor(by)
    if not rules.may_manage_office(by, org):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以设置发文字号规则")
    name, prefix = _text(name), _text(prefix)
    errors = {}
    if not name or len(name) > 50:
        errors["name"] = "请填写名称（最多50个字）"
    if not _PREFIX.match(prefix):
        errors["prefix"] = "机关代字应为1到20个字，不含空格和括号，如：鲁工发"
    if errors:
        raise Invalid.from_fields(errors, message=next(iter(errors.values())))
    if NumberingRule.objects.filter(org=org, prefix=prefix).exists():
        raise Conflict(f"本单位已有机关代字“{prefix}”的发文字号规则", code="prefix_taken",
                       fields={"prefix": "机关代字已被本单位使用"})
    with transaction.atomic():
        rule = NumberingRule.objects.create(org=org, name=name, prefix=prefix)
        log_event("documents.numbering_rule.create", actor=by, target=rule, org=org,
                  data={"name": name, "prefix": prefix})
    return rule


def set_rule_active(rule: NumberingRule, *, by, active: bool) -> NumberingRule:
    require_actor(by)
    if not rules.may_manage_office(by, rule.org):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以设置发文字号规则")
    if rule.active == active:
        return rule
    rule.active = active
    rule.save(update_fields=["active"])
    log_event("documents.numbering_rule.activate" if active else "documents.numbering_rule.deactivate",
              actor=by, target=rule, org=rule.org, data={"prefix": rule.prefix})
    return rule


def _department_people(head, members: Iterable, errors: dict) -> list:
    people = [m for m in members if m is not None]
    for user in [head, *people]:
        if user is not None and (not user.is_active or user.kind != "cadre"):
            errors["members"] = f"{user}不是在用的干部账号"
    return people


def save_department(*, by, org: Organisation | None = None, department: Department | None = None, name: str,
                    head=None, members: Iterable = (), active: bool = True) -> Department:
    """Create a department of `org`, or change `department` (its name, head, members, in use or not)."""
    require_actor(by)
    owner = department.org if department is not None else org
    if owner is None or not rules.may_manage_office(by, owner):
        raise Forbidden("只有本单位或上级单位的主席、管理员可以管理部门")
    name = _text(name)
    errors: dict[str, str] = {}
    if not name or len(name) > 50:
        errors["name"] = "请填写部门名称（最多50个字）"
    people = _department_people(head, members, errors)
    if errors:
        raise Invalid.from_fields(errors, message=next(iter(errors.values())))
    taken = Department.objects.filter(org=owner, name=name)
    if department is not None:
        taken = taken.exclude(pk=department.pk)
    if taken.exists():
        raise Conflict(f"本单位已有“{name}”", code="department_taken", fields={"name": "本单位已有同名部门"})
    with transaction.atomic():
        created = department is None
        if department is None:
            department = Department.objects.create(org=owner, name=name, head=head, active=active)
        else:
            department.name, department.head, department.active = name, head, active
            department.save(update_fields=["name", "head", "active"])
        department.members.set(people)
        log_event("documents.department.create" if created else "documents.department.update", actor=by,
                  target=department, org=owner, data={"name": name, "members": len(people), "active": active})
    return department


def size_limit_text() -> str:
    return size_text(ATTACHMENT_MAX_BYTES)
