"""Incoming documents (收文): registration, the handling flow, circulation with read receipts, overdue flags.

INCOMING_WORKFLOW (core.workflow), each step audited as `documents.incoming.<action>`:

    registered 已登记 --propose 拟办 (clerk: chair/administrator, text)--> proposed 已拟办
    proposed --instruct 批办 (the org's chair, text)--> instructed 已批办
    instructed/handling --assign 承办 (chair/administrator: a department of the org, optionally a handler, a
        deadline N working days from now on the business calendar)--> handling 承办中
    handling --done 办结 (handler, department head or member, chair/administrator; result)--> done 已办结
    done --archive 归档 (chair/administrator)--> archived 已归档

A document that came by exchange is handled only once its delivery is signed for (签收); a returned one is closed
(done) by the return. Circulation (传阅) is independent of the state: readers are cadres holding a position in the
org or members of one of its departments; each gets one row (a reader twice is skipped) and an inbox notice;
opening or confirming sets read_at once. Overdue: due_at passed while instructed or handling (`is_overdue`,
`overdue_q`); the daily task documents.flag_overdue_incoming notices the handlers (or the department head, else the
org's administrators) of the items that became overdue since the previous run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.calendar import compute_deadline
from smartunion.core.errors import Forbidden, Invalid, StateError
from smartunion.core.notifications import notify_users
from smartunion.core.uploads import IMAGES_AND_PDF, MB, check_upload
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.documents import rules_exchange as rules
from smartunion.documents.models import (
    Attachment,
    Circulation,
    Delivery,
    Department,
    IncomingDocument,
    Secrecy,
    Urgency,
)
from smartunion.documents.services.exchange import administrators_of, give_serial
from smartunion.orgs.models import Organisation, Position

User = get_user_model()
S = IncomingDocument.Status
SCAN_MAX_BYTES = 20 * MB
MAX_TEXT = 500
MAX_DAYS = 60
OVERDUE_STATES = (S.INSTRUCTED, S.HANDLING)


def _text(value: str, *, field: str, label: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid.from_fields({field: f"请填写{label}"}, message=f"请填写{label}")
    if len(value) > limit:
        raise Invalid.from_fields({field: f"{label}最多{limit}个字"}, message=f"{label}最多{limit}个字")
    return value


def _signed_first(doc: IncomingDocument) -> None:
    if doc.delivery is not None and doc.delivery.status != Delivery.Status.SIGNED:
        raise StateError("请先签收该交换公文", code="not_signed")


def _propose(doc: IncomingDocument, step: Step) -> dict:
    _signed_first(doc)
    return {"proposal": _text(step.note, field="note", label="拟办意见"), "proposed_by": user_or_none(step.by)}


def _instruct(doc: IncomingDocument, step: Step) -> dict:
    return {"instruction": _text(step.note, field="note", label="批办意见"), "instructed_by": user_or_none(step.by)}


def _assign(doc: IncomingDocument, step: Step) -> dict:
    deadline = compute_deadline(timezone.localtime(), step.data["days"])
    return {"due_at": deadline.at, "due_estimated": deadline.estimated}


def _done(doc: IncomingDocument, step: Step) -> dict:
    return {"result": _text(step.note, field="note", label="办理结果"), "done_at": timezone.now()}


def _tell(users_of):
    def effect(doc: IncomingDocument, step: Step) -> None:
        users = [u for u in users_of(doc) if u is not None and u.pk != getattr(step.by, "pk", None)]
        if users:
            notify_users(users, subject=f"收文{INCOMING_WORKFLOW.action_label(step.action)}",
                         body=f"收文《{doc.title}》已{INCOMING_WORKFLOW.label(step.target).removeprefix('已')}，请处理。")
    return effect


def _chairs(doc: IncomingDocument) -> list:
    return list(User.objects.filter(positions__org_id=doc.org_id, positions__role=Position.Role.CHAIR,
                                    is_active=True).distinct())


def _handling_people(doc: IncomingDocument) -> list:
    if doc.handler_id:
        return [doc.handler]
    if doc.department is not None and doc.department.head_id:
        return [doc.department.head]
    return administrators_of([doc.org_id])


INCOMING_WORKFLOW = Workflow(
    name="documents.incoming", field="status", state_labels=dict(S.choices), org_of=lambda doc: doc.org,
    transitions=[
        Transition("propose", source=S.REGISTERED, target=S.PROPOSED, label="拟办", allowed=rules.can_propose,
                   apply=_propose, note_required=True, effects=(_tell(_chairs),)),
        Transition("instruct", source=S.PROPOSED, target=S.INSTRUCTED, label="批办", allowed=rules.can_instruct,
                   apply=_instruct, note_required=True),
        Transition("assign", source=(S.INSTRUCTED, S.HANDLING), target=S.HANDLING, label="承办",
                   allowed=rules.can_assign, apply=_assign, effects=(_tell(_handling_people),)),
        Transition("done", source=S.HANDLING, target=S.DONE, label="办结", allowed=rules.can_finish, apply=_done,
                   note_required=True),
        Transition("archive", source=S.DONE, target=S.ARCHIVED, label="归档", allowed=rules.can_archive),
    ],
)


# Registration -------------------------------------------------------------------------------------------------------


def register(*, org: Organisation, by, title: str, sender_name: str, original_number: str = "",
             received_on: dt.date | None = None, secrecy: str = "", urgency: str = "", body: str = "",
             scan=None) -> IncomingDocument:
    """Register a paper (or mailed) document by hand, with its scan (PDF or image, at most 20 MB); it takes the
    org's next 收文编号."""
    require_actor(by)
    if not rules.can_register(by, org):
        raise Forbidden("只有本单位的主席或管理员可以登记收文")
    errors: dict[str, str] = {}
    title = (title or "").strip()
    sender_name = (sender_name or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 200:
        errors["title"] = "标题最多200个字"
    if not sender_name:
        errors["sender_name"] = "请填写来文单位"
    elif len(sender_name) > 100:
        errors["sender_name"] = "来文单位最多100个字"
    if len(original_number or "") > 40:
        errors["original_number"] = "来文字号最多40个字"
    if secrecy not in Secrecy.values:
        errors["secrecy"] = "密级取值无效"
    if urgency not in Urgency.values:
        errors["urgency"] = "紧急程度取值无效"
    if received_on is not None and received_on > timezone.localdate():
        errors["received_on"] = "收文日期不能晚于今天"
    kind = None
    if scan is not None:
        try:
            kind = check_upload(scan, kinds=IMAGES_AND_PDF, max_bytes=SCAN_MAX_BYTES, noun="扫描件")
        except ValidationError as exc:
            errors["scan"] = exc.messages[0]
    if errors:
        raise Invalid.from_fields(errors, message=next(iter(errors.values())))
    with transaction.atomic():
        doc = IncomingDocument.objects.create(
            org=org, org_path=org.path, source=IncomingDocument.Source.MANUAL,
            sender_name=sender_name, original_number=(original_number or "").strip(), title=title,
            secrecy=secrecy, urgency=urgency, body=(body or "").strip(),
            received_on=received_on or timezone.localdate(), registered_by=user_or_none(by),
        )
        give_serial(doc)
        if scan is not None and kind is not None:
            digest = hashlib.sha256()
            scan.seek(0)
            for chunk in iter(lambda: scan.read(65536), b""):
                digest.update(chunk)
            scan.seek(0)
            size = scan.size if getattr(scan, "size", None) is not None else 0
            attachment = Attachment(incoming=doc, name=f"扫描件{kind.extension}", size=size,
                                    sha256=digest.hexdigest(), uploaded_by=user_or_none(by))
            attachment.file.save(f"scan{kind.extension}", scan, save=False)
            attachment.save()
        log_event("documents.incoming.register", actor=by, target=doc, org=org,
                  data={"sender_name": sender_name, "scan": scan is not None})
    return doc


# Flow steps ---------------------------------------------------------------------------------------------------------


def propose(doc: IncomingDocument, *, by, text: str) -> IncomingDocument:
    return transition(doc, "propose", workflow=INCOMING_WORKFLOW, by=by, note=text)


def instruct(doc: IncomingDocument, *, by, text: str) -> IncomingDocument:
    return transition(doc, "instruct", workflow=INCOMING_WORKFLOW, by=by, note=text)


def assign(doc: IncomingDocument, *, by, department: Department, days: int, handler=None) -> IncomingDocument:
    """承办: a department of the org (and optionally one of its people) with a deadline `days` working days on."""
    if department is None or department.org_id != doc.org_id or not department.active:
        raise Invalid.from_fields({"department": "请选择本单位的承办部门"}, message="请选择本单位的承办部门")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise Invalid.from_fields({"days": f"办理期限应为1至{MAX_DAYS}个工作日"},
                                  message=f"办理期限应为1至{MAX_DAYS}个工作日")
    if handler is not None and not (department.head_id == handler.pk
                                    or department.members.filter(pk=handler.pk).exists()):
        message = "承办人应为承办部门的负责人或成员"
        raise Invalid.from_fields({"handler": message}, message=message)
    data = {"department_id": department.pk, "handler_id": getattr(handler, "pk", None), "days": days}
    return transition(doc, "assign", workflow=INCOMING_WORKFLOW, by=by, data=data,
                      changes={"department": department, "handler": handler})


def finish(doc: IncomingDocument, *, by, result: str) -> IncomingDocument:
    return transition(doc, "done", workflow=INCOMING_WORKFLOW, by=by, note=result)


def archive(doc: IncomingDocument, *, by) -> IncomingDocument:
    return transition(doc, "archive", workflow=INCOMING_WORKFLOW, by=by)


# Circulation (传阅) -------------------------------------------------------------------------------------------------


def eligible_readers(org_id: int):
    """Cadres of the org: a position in it, or the head or a member of one of its departments."""
    heads = Department.objects.filter(org_id=org_id, head__isnull=False).values("head_id")
    return User.objects.filter(
        Q(positions__org_id=org_id) | Q(document_departments__org_id=org_id) | Q(pk__in=heads),
        is_active=True).distinct()


def circulate(doc: IncomingDocument, *, by, readers: Iterable) -> list[Circulation]:
    """Send the document to readers; a reader already on its list is skipped. Returns the new rows."""
    require_actor(by)
    if not rules.can_circulate(by, doc):
        raise Forbidden("只有本单位的主席或管理员可以发起传阅")
    wanted = {getattr(r, "pk", r) for r in readers}
    if not wanted:
        raise Invalid.from_fields({"readers": "请选择传阅人"}, message="请选择传阅人")
    allowed = list(eligible_readers(doc.org_id).filter(pk__in=wanted).order_by("id"))
    if len(allowed) != len(wanted):
        raise Invalid.from_fields({"readers": "传阅人应为本单位的干部"}, message="传阅人应为本单位的干部")
    with transaction.atomic():
        already = set(Circulation.objects.filter(document=doc, reader_id__in=wanted)
                      .values_list("reader_id", flat=True))
        new = [u for u in allowed if u.pk not in already]
        rows = Circulation.objects.bulk_create(
            [Circulation(document=doc, reader=u, sent_by=user_or_none(by)) for u in new])
        notify_users(new, subject="收文传阅", body=f"请阅收文《{doc.title}》（来文单位：{doc.sender_name}）。")
        log_event("documents.incoming.circulate", actor=by, target=doc, org=doc.org,
                  data={"readers": len(new), "skipped": len(wanted) - len(new)})
    return rows


def mark_read(doc: IncomingDocument, *, by, comment: str = "") -> Circulation:
    """The reader's receipt (阅知): the first time sets read_at; later visits change nothing."""
    require_actor(by)
    comment = (comment or "").strip()
    if len(comment) > 300:
        raise Invalid.from_fields({"comment": "阅知意见最多300个字"}, message="阅知意见最多300个字")
    with transaction.atomic():
        row = Circulation.objects.select_for_update().filter(document=doc, reader_id=getattr(by, "pk", None)).first()
        if row is None:
            raise Forbidden("该收文没有传阅给您")
        if row.read_at is not None:
            return row
        row.read_at = timezone.now()
        row.comment = comment
        row.save(update_fields=["read_at", "comment"])
        log_event("documents.circulation.read", actor=by, target=doc, org=doc.org)
    return row


# Overdue ------------------------------------------------------------------------------------------------------------


def overdue_q(now: dt.datetime | None = None) -> Q:
    return Q(status__in=OVERDUE_STATES, due_at__lt=now or timezone.now())


def is_overdue(doc: IncomingDocument, now: dt.datetime | None = None) -> bool:
    return doc.status in OVERDUE_STATES and doc.due_at is not None and doc.due_at < (now or timezone.now())


def flag_overdue(*, by, now: dt.datetime | None = None, since: dt.datetime | None = None) -> int:
    """Notice the people handling items that became overdue in (since, now] (default: the last day); returns the
    number of items."""
    require_actor(by)
    now = now or timezone.now()
    since = since or now - dt.timedelta(days=1)
    docs = list(IncomingDocument.objects.filter(overdue_q(now), due_at__gte=since)
                .select_related("handler", "department__head").order_by("id"))
    if not docs:
        return 0
    admins: dict[int, list] = {}
    missing = {d.org_id for d in docs if not d.handler_id and not (d.department and d.department.head_id)}
    for org_id in missing:
        admins[org_id] = administrators_of([org_id])
    with transaction.atomic():
        for doc in docs:
            people = ([doc.handler] if doc.handler_id else
                      [doc.department.head] if doc.department and doc.department.head_id else admins[doc.org_id])
            notify_users(people, subject="收文办理超期",
                         body=f"收文《{doc.title}》已超过办理期限（{timezone.localtime(doc.due_at):%Y-%m-%d}），请尽快办结。")
        log_event("documents.incoming.flag_overdue", actor=by, data={"count": len(docs)})
    return len(docs)
