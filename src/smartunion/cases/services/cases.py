"""Rights cases (12351): the case workflow and every write on a case.

One transition table (CASE_WORKFLOW, core.workflow) holds every step that changes a case; each is audited by the
workflow as `cases.case.<action>` and logged in TransitionLog. States: submitted (待受理) → processing (办理中) ⇄
waiting (待职工补充) → closed (已办结) → processing again by a reopening. Steps that keep the state (transfer, assign,
set_class, supervise, end_supervision, request_assist, rate) are rows of the same table from each state they are
allowed in. Messages that change nothing but the conversation (a reply while processing, an internal note, the
worker's message) are plain functions that write a CaseMessage and log their own audit event.

Decisions:
- The first response is the acceptance: `accept` (submitted → processing) records it; a reply to a submitted case
  accepts it first (the reply is the first response), a reply to an open accepted case is only a message.
- A pause asks the worker something (the note is shown to them as a reply); their message resumes the case, or a
  cadre resumes it; the working days the pause took extend the resolution deadline (cases/deadlines.py).
- Close only from processing, with a resolution code and a note; the worker (the filer account only) rates once,
  1-5, only when closed; reopens within CASES_REOPEN_DAYS (15 calendar days) of the close, with a note; the
  resolution clock then starts again from the reopening and the close is uncounted (cases/services/stats.py).
- A transfer moves the case to another org the cadre can see (an org out of scope answers as missing), rewrites
  org_path and the routing note, clears the handler, keeps the days and deadlines, and moves its statistics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from smartunion.cases import files as case_files
from smartunion.cases import rules
from smartunion.cases.deadlines import due_fields, rule_days
from smartunion.cases.deadlines import set_deadline_rule as set_deadline_rule
from smartunion.cases.errors import AlreadyRated, AssistExists, CaseClosed, OrgNotFound, ReopenWindowClosed
from smartunion.cases.models import Case, CaseAssist, CaseClass, CaseMessage
from smartunion.cases.services import stats
from smartunion.cases.services.intake import file_case as file_case
from smartunion.cases.services.intake import managers_of
from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.calendar import working_days_between
from smartunion.core.errors import Forbidden, Invalid, StateError
from smartunion.core.events import record
from smartunion.core.notifications import notify_user, notify_users
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import in_scope

S = Case.Status
OPEN = tuple(s.value for s in Case.OPEN_STATES)
MAX_BODY = 5000
MAX_NOTE = 500


def reopen_days() -> int:
    return int(getattr(settings, "CASES_REOPEN_DAYS", 15))


def _now() -> dt.datetime:
    return timezone.now()


def _org_of_actor(by, case: Case) -> Organisation | None:
    """The org a cadre's message is filed under: the handling org when they handle it, else None."""
    return case.org if rules.can_handle(by, case) else None


def _message(case: Case, kind: str, *, by, body: str, org: Organisation | None = None) -> CaseMessage:
    return CaseMessage.objects.create(case=case, kind=kind, author=user_or_none(by), org=org, body=body)


def _tell_worker(case: Case, subject: str, body: str) -> None:
    if case.filer_id is not None and case.filer is not None:
        notify_user(case.filer, subject=subject, body=body)


def _tell_handler(case: Case, subject: str, body: str) -> None:
    targets = [case.handler] if case.handler_id else managers_of(case.org)
    notify_users([user for user in targets if user is not None], subject=subject, body=body)


def _body(body: str, *, field: str = "body", label: str = "内容", limit: int = MAX_BODY) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid.from_fields({field: f"请填写{label}"}, message=f"请填写{label}")
    if len(body) > limit:
        raise Invalid.from_fields({field: f"{label}最多{limit}个字"}, message=f"{label}最多{limit}个字")
    return body


# Steps ------------------------------------------------------------------------------------------------------------


def _accept(case: Case, step: Step) -> dict:
    now = _now()
    changes: dict = {"first_responded_at": now}
    if case.handler_id is None and user_or_none(step.by) is not None:
        changes["handler"] = step.by
    stats.bump(case, responded=1, responded_on_time=int(now <= case.first_response_due))
    return changes


def _pause(case: Case, step: Step) -> dict:
    _message(case, CaseMessage.Kind.REPLY, by=step.by, body=step.note, org=case.org)
    return {"paused_at": _now()}


def _resume(case: Case, step: Step) -> dict:
    now = _now()
    paused_at = case.paused_at or now
    days = working_days_between(timezone.localtime(paused_at).date(), timezone.localtime(now).date())
    case.paused_working_days += days
    case.paused_at = None
    return _unescalate(case, {"paused_at": None, "paused_working_days": case.paused_working_days,
                              **due_fields(case)}, now)


def _unescalate(case: Case, changes: dict, now: dt.datetime) -> dict:
    """A deadline moved into the future is a new deadline: its escalation is cleared (it may escalate again)."""
    if case.resolution_escalated_at is not None and changes["resolution_due"] >= now:
        changes["resolution_escalated_at"] = None
    if case.first_response_escalated_at is not None and changes.get("first_response_due", now) > now:
        changes["first_response_escalated_at"] = None
    return changes


def _close(case: Case, step: Step) -> dict:
    now = _now()
    on_time = now <= case.resolution_due
    stats.bump(case, closed=1, closed_on_time=int(on_time))
    CaseAssist.objects.filter(case=case, status=CaseAssist.Status.OPEN).update(status=CaseAssist.Status.CANCELLED)
    return {"closed_at": now, "closed_on_time": on_time, "resolution": step.data["resolution"],
            "resolution_note": step.note}


def _rate(case: Case, step: Step) -> dict:
    if case.rating is not None:
        raise AlreadyRated()
    rating = step.data["rating"]
    stats.bump(case, rated=1, rating_sum=rating, satisfied=int(rating >= 4))
    return {"rating": rating, "rated_at": _now()}


def _reopen(case: Case, step: Step) -> dict:
    now = _now()
    if case.closed_at is None or now > case.closed_at + dt.timedelta(days=reopen_days()):
        raise ReopenWindowClosed(f"办结已超过{reopen_days()}天，不能重新办理；如有新的问题请重新提交诉求")
    stats.bump(case, closed=-1, closed_on_time=-int(bool(case.closed_on_time)))
    _message(case, CaseMessage.Kind.WORKER, by=step.by, body=step.note)
    case.reopened_at = now
    case.paused_working_days = 0
    return {"reopen_count": case.reopen_count + 1, "reopened_at": now, "paused_working_days": 0,
            "closed_at": None, "closed_on_time": None, "resolution": "", "resolution_escalated_at": None,
            **due_fields(case)}


def _transfer(case: Case, step: Step) -> dict:
    target = Organisation.objects.get(pk=step.data["org_id"])
    old = case.org
    stats.move(case, old_org=old, new_org=target)
    CaseAssist.objects.filter(case=case, org=target, status=CaseAssist.Status.OPEN).update(
        status=CaseAssist.Status.CANCELLED)
    note = f"由“{old.name}”转办：{step.note}"
    return {"org": target, "org_path": target.path, "handler": None, "routing_note": note[:200]}


def _assign(case: Case, step: Step) -> dict:
    from django.contrib.auth import get_user_model

    return {"handler": get_user_model().objects.get(pk=step.data["handler_id"])}


def _set_class(case: Case, step: Step) -> dict:
    case_class = step.data["case_class"]
    first_days, resolution_days = rule_days(case.org, case_class)
    case.case_class, case.first_response_days, case.resolution_days = case_class, first_days, resolution_days
    return _unescalate(case, {"case_class": case_class, "first_response_days": first_days,
                              "resolution_days": resolution_days, **due_fields(case)}, _now())


def _supervise(case: Case, step: Step) -> dict:
    return {"supervised": True, "supervised_by": user_or_none(step.by), "supervised_at": _now(),
            "supervision_note": step.note[:500]}


def _end_supervision(case: Case, step: Step) -> dict:
    if not case.supervised:
        raise StateError("该工单未被督办", code="not_supervised")
    return {"supervised": False}


def _request_assist(case: Case, step: Step) -> dict:
    org = Organisation.objects.get(pk=step.data["org_id"])
    if CaseAssist.objects.filter(case=case, org=org, status=CaseAssist.Status.OPEN).exists():
        raise AssistExists()
    CaseAssist.objects.create(case=case, org=org, org_path=org.path, request_note=step.note[:500],
                              requested_by=user_or_none(step.by))
    return {}


# Effects (inside the transaction: outbox rows, behaviour events) ----------------------------------------------------


def _accepted(case: Case, step: Step) -> None:
    _tell_worker(case, "维权诉求已受理", f"您的工单{case.number}已由{case.org.name}受理办理。")


def _paused(case: Case, step: Step) -> None:
    _tell_worker(case, "请补充维权诉求材料", f"工单{case.number}需要您补充情况：{step.note}")


def _closed(case: Case, step: Step) -> None:
    _tell_worker(case, "维权诉求已办结", f"您的工单{case.number}已办结，欢迎对办理情况进行评价。")


def _rated(case: Case, step: Step) -> None:
    record(case.person_id, "cases.case.rate", target=case, org=case.org, label=Case.Kind(case.kind).label)


def _reopened(case: Case, step: Step) -> None:
    _tell_handler(case, "维权工单重新办理", f"职工申请重新办理工单{case.number}。")


def _transferred(case: Case, step: Step) -> None:
    notify_users(managers_of(case.org), subject="转办的维权工单", body=f"维权工单{case.number}已转由本单位办理。")


def _assigned(case: Case, step: Step) -> None:
    if case.handler is not None and case.handler.pk != getattr(step.by, "pk", None):
        notify_user(case.handler, subject="分派给您的维权工单", body=f"维权工单{case.number}已分派给您办理。")


def _supervised(case: Case, step: Step) -> None:
    _tell_handler(case, "维权工单被督办", f"维权工单{case.number}已被督办：{step.note}")


def _assist_requested(case: Case, step: Step) -> None:
    org = Organisation.objects.get(pk=step.data["org_id"])
    notify_users(managers_of(org), subject="协办请求", body=f"{case.org.name}请本单位协办维权工单{case.number}。")


def _each_open(action: str, label: str, **kwargs) -> list[Transition]:
    return [Transition(action, source=state, target=state, label=label, **kwargs) for state in OPEN]


CASE_WORKFLOW = Workflow(
    name="cases.case", field="status", state_labels=dict(Case.Status.choices),
    org_of=lambda case: case.org,
    transitions=[
        Transition("accept", source=S.SUBMITTED, target=S.PROCESSING, label="受理", allowed=rules.can_handle,
                   apply=_accept, effects=(_accepted,)),
        Transition("pause", source=S.PROCESSING, target=S.WAITING, label="请职工补充", allowed=rules.can_handle,
                   apply=_pause, effects=(_paused,), note_required=True),
        Transition("resume", source=S.WAITING, target=S.PROCESSING, label="恢复办理",
                   allowed=rules.can_handle_or_filer, apply=_resume),
        Transition("close", source=S.PROCESSING, target=S.CLOSED, label="办结", allowed=rules.can_handle,
                   apply=_close, effects=(_closed,), note_required=True),
        Transition("rate", source=S.CLOSED, target=S.CLOSED, label="评价", allowed=rules.is_filer, apply=_rate,
                   effects=(_rated,)),
        Transition("reopen", source=S.CLOSED, target=S.PROCESSING, label="重新办理", allowed=rules.is_filer,
                   apply=_reopen, effects=(_reopened,), note_required=True),
        *_each_open("transfer", "转办", allowed=rules.can_handle, apply=_transfer, effects=(_transferred,),
                    note_required=True),
        *_each_open("assign", "分派承办人", allowed=rules.can_handle, apply=_assign, effects=(_assigned,)),
        *_each_open("set_class", "调整期限类别", allowed=rules.can_handle, apply=_set_class),
        *_each_open("supervise", "督办", allowed=rules.can_supervise, apply=_supervise, effects=(_supervised,),
                    note_required=True),
        *_each_open("end_supervision", "解除督办", allowed=rules.can_supervise, apply=_end_supervision),
        *_each_open("request_assist", "发起协办", allowed=rules.can_handle, apply=_request_assist,
                    effects=(_assist_requested,), note_required=True),
    ],
)


def _step(case: Case, action: str, *, by, note: str = "", data: dict | None = None,
          changes: dict | None = None) -> Case:
    return transition(case, action, workflow=CASE_WORKFLOW, by=by, note=note, data=data, changes=changes)


# Services ---------------------------------------------------------------------------------------------------------


def accept(case: Case, *, by) -> Case:
    """Accept a submitted case (the first response); the accepting cadre becomes its handler if none."""
    return _step(case, "accept", by=by)


def reply(case: Case, *, by, body: str) -> CaseMessage:
    """A reply the worker reads. On a submitted case it accepts it first (the reply is the first response)."""
    require_actor(by)
    body = _body(body, label="答复内容")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == S.SUBMITTED:
            locked = _step(locked, "accept", by=by)
        elif locked.status == S.CLOSED:
            raise CaseClosed("工单已办结，不能再答复")
        elif not rules.can_handle(by, locked):
            raise Forbidden()
        message = _message(locked, CaseMessage.Kind.REPLY, by=by, body=body, org=locked.org)
        log_event("cases.case.reply", actor=by, target=locked, org=locked.org)
        _tell_worker(locked, "维权诉求有新答复", f"您的工单{locked.number}有新的答复。")
    return message


def add_note(case: Case, *, by, body: str) -> CaseMessage:
    """An internal note (the worker never reads it): handlers, and cadres of an org co-handling it."""
    require_actor(by)
    body = _body(body, label="备注内容")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        org = _org_of_actor(by, locked)
        if org is None:
            assist = _open_assist_of(by, locked)
            if assist is None:
                raise Forbidden()
            org = assist.org
        message = _message(locked, CaseMessage.Kind.NOTE, by=by, body=body, org=org)
        log_event("cases.case.note", actor=by, target=locked, org=locked.org,
                  also_org=org if org.pk != locked.org_id else None)
    return message


def _open_assist_of(by, case: Case) -> CaseAssist | None:
    for assist in CaseAssist.objects.select_related("org").filter(case=case, status=CaseAssist.Status.OPEN):
        if rules.can_assist(by, assist):
            return assist
    return None


def worker_message(case: Case, *, by, body: str, files=()) -> CaseMessage:
    """The worker's message, with the files they add to it (checked first: a bad file refuses the whole message);
    it resumes a case waiting for them."""
    require_actor(by)
    body = _body(body, label="留言内容")
    checked = case_files.check_files(files) if files else []
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if not rules.is_filer(by, locked):
            raise Forbidden("只有提交诉求的职工本人可以留言")
        if locked.status == S.CLOSED:
            raise CaseClosed()
        if locked.status == S.WAITING:
            locked = _step(locked, "resume", by=by, note="职工已补充")
        else:
            log_event("cases.case.worker_message", actor=by, target=locked, org=locked.org)
        message = _message(locked, CaseMessage.Kind.WORKER, by=by, body=body)
        if checked:
            _store_files(locked, checked, by=by)
        _tell_handler(locked, "职工留言", f"维权工单{locked.number}有职工新留言。")
    return message


def _handler_ok(case: Case, handler) -> None:
    if handler is None or not rules.may_be_handler(handler, case):
        raise Invalid.from_fields({"handler_id": "承办人不存在，或不在承办单位及其上级单位任职"},
                                  message="承办人不存在，或不在承办单位及其上级单位任职")


def assign(case: Case, *, by, handler) -> Case:
    """Set the handler: an account with a handling role in the case's org or above."""
    require_actor(by)
    _handler_ok(case, handler)
    return _step(case, "assign", by=by, data={"handler_id": handler.pk})


def bulk_assign(cases: Iterable[Case], *, by, handler) -> int:
    """Assign each open case to the handler, all or nothing; closed cases are skipped. Returns how many."""
    require_actor(by)
    count = 0
    with transaction.atomic():
        for case in cases:
            if case.status not in OPEN:
                continue
            assign(case, by=by, handler=handler)
            count += 1
    return count


def _visible_target(by, org: Organisation | None) -> bool:
    return (org is not None and org.status == Organisation.Status.ACTIVE
            and (is_system(by) or in_scope(by, org)))


def transfer(case: Case, *, by, org: Organisation, note: str) -> Case:
    """Transfer to another org the cadre can see (out of scope answers exactly as missing)."""
    require_actor(by)
    note = (note or "").strip()
    if not _visible_target(by, org):
        raise OrgNotFound()
    if org.pk == case.org_id:
        raise Invalid.from_fields({"org_id": "工单已由该单位办理"}, message="工单已由该单位办理")
    if len(note) > MAX_NOTE:
        raise Invalid.from_fields({"note": f"转办说明最多{MAX_NOTE}个字"})
    return _step(case, "transfer", by=by, note=note, data={"org_id": org.pk, "from_org_id": case.org_id})


def pause(case: Case, *, by, note: str) -> Case:
    """Ask the worker for more (the note is shown to them); the resolution clock stops."""
    note = (note or "").strip()
    if len(note) > MAX_BODY:
        raise Invalid.from_fields({"note": f"内容最多{MAX_BODY}个字"})
    return _step(case, "pause", by=by, note=note)


def resume(case: Case, *, by, note: str = "") -> Case:
    return _step(case, "resume", by=by, note=(note or "")[:MAX_NOTE])


def close(case: Case, *, by, resolution: str, note: str) -> Case:
    if resolution not in Case.Resolution.values:
        raise Invalid.from_fields({"resolution": "请选择办理结果"}, message="请选择办理结果")
    note = (note or "").strip()
    if len(note) > 2000:
        raise Invalid.from_fields({"note": "办结说明最多2000个字"})
    return _step(case, "close", by=by, note=note, data={"resolution": resolution})


def rate(case: Case, *, by, rating: int, comment: str = "") -> Case:
    """The filer rates a closed case once, 1-5 (4 and 5 count as satisfied)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid.from_fields({"rating": "评分应为1到5分"}, message="评分应为1到5分")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise Invalid.from_fields({"comment": "评价内容最多500个字"})
    return _step(case, "rate", by=by, data={"rating": rating}, changes={"rating_comment": comment})


def reopen(case: Case, *, by, note: str) -> Case:
    """The filer reopens a closed case within CASES_REOPEN_DAYS calendar days of its close."""
    note = (note or "").strip()
    if len(note) > MAX_BODY:
        raise Invalid.from_fields({"note": f"内容最多{MAX_BODY}个字"})
    return _step(case, "reopen", by=by, note=note)


def set_class(case: Case, *, by, case_class: str, note: str = "") -> Case:
    """Change the deadline class; the days come from the handling org's table and the deadlines are recomputed."""
    if case_class not in CaseClass.values:
        raise Invalid.from_fields({"case_class": "期限类别应为一般、难点或特别复杂"})
    return _step(case, "set_class", by=by, note=(note or "")[:MAX_NOTE], data={"case_class": case_class})


def supervise(case: Case, *, by, note: str) -> Case:
    """督办: by a cadre of an org above the handling org."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid.from_fields({"note": f"督办意见最多{MAX_NOTE}个字"})
    return _step(case, "supervise", by=by, note=note)


def end_supervision(case: Case, *, by) -> Case:
    return _step(case, "end_supervision", by=by)


def request_assist(case: Case, *, by, org: Organisation, note: str) -> CaseAssist:
    """Ask another org the cadre can see to co-handle (协办); its cadres see the case while the request is open."""
    require_actor(by)
    note = (note or "").strip()
    if not _visible_target(by, org):
        raise OrgNotFound()
    if org.pk == case.org_id:
        raise Invalid.from_fields({"org_id": "承办单位不能协办自己的工单"}, message="承办单位不能协办自己的工单")
    if len(note) > MAX_NOTE:
        raise Invalid.from_fields({"note": f"协办事项最多{MAX_NOTE}个字"})
    _step(case, "request_assist", by=by, note=note, data={"org_id": org.pk})
    return CaseAssist.objects.filter(case=case, org=org, status=CaseAssist.Status.OPEN).get()


def answer_assist(assist: CaseAssist, *, by, reply: str) -> CaseAssist:
    """The assisting org's answer; the request is done and the answer becomes an internal note of the case."""
    require_actor(by)
    reply = _body(reply, field="reply", label="协办反馈", limit=2000)
    with transaction.atomic():
        locked = CaseAssist.objects.select_for_update().select_related("org", "case__org").get(pk=assist.pk)
        if not rules.can_assist(by, locked):
            raise Forbidden()
        if locked.status != CaseAssist.Status.OPEN:
            raise StateError("该协办请求已结束", code="assist_closed")
        locked.status, locked.reply, locked.done_at = CaseAssist.Status.DONE, reply, _now()
        locked.save(update_fields=["status", "reply", "done_at"])
        _message(locked.case, CaseMessage.Kind.NOTE, by=by, body=f"协办反馈：{reply}", org=locked.org)
        log_event("cases.case_assist.answer", actor=by, target=locked, org=locked.org, also_org=locked.case.org,
                  data={"case": locked.case.number})
        _tell_handler(locked.case, "协办反馈", f"{locked.org.name}已反馈维权工单{locked.case.number}的协办事项。")
    return locked


def add_attachments(case: Case, *, by, files) -> list:
    """More files for an open case, by its filer or a handler (cases/files.py checks them)."""
    require_actor(by)
    if not (rules.is_filer(by, case) or rules.can_handle(by, case)):
        raise Forbidden()
    if case.status == S.CLOSED:
        raise CaseClosed()
    checked = case_files.check_files(files)
    if not checked:
        raise Invalid.from_fields({"attachments": "请选择要上传的文件"}, message="请选择要上传的文件")
    with transaction.atomic():
        return _store_files(case, checked, by=by)


def _store_files(case: Case, checked: list, *, by) -> list:
    """Checked files kept for the case within the per-case limit, audited (inside the caller's transaction)."""
    limit = case_files.MAX_FILES * 2
    if case.attachments.count() + len(checked) > limit:
        raise Invalid.from_fields({"attachments": f"每个工单最多{limit}个附件"}, message=f"每个工单最多{limit}个附件")
    saved = case_files.store(checked, by=by, case=case)
    log_event("cases.case.attach", actor=by, target=case, org=case.org, data={"attachments": len(saved)})
    return saved


# Escalation -------------------------------------------------------------------------------------------------------


def escalate_overdue(*, by, now: dt.datetime | None = None) -> int:
    """Mark every deadline passed without escalation as escalated to the handling org's parent, tell its
    handling cadres, audit it. Once per deadline: a second run changes nothing. Waiting cases (the clock is
    stopped) are not escalated for their resolution. Returns how many deadlines were escalated."""
    require_actor(by)
    now = now or _now()
    first = (Case.objects.filter(status=S.SUBMITTED, first_responded_at__isnull=True, first_response_due__lt=now,
                                 first_response_escalated_at__isnull=True)
             .values_list("pk", flat=True).order_by("pk"))
    resolution = (Case.objects.filter(status__in=[S.SUBMITTED, S.PROCESSING], resolution_due__lt=now,
                                      resolution_escalated_at__isnull=True)
                  .values_list("pk", flat=True).order_by("pk"))
    count = 0
    for field, ids, label in (("first_response_escalated_at", list(first), "首次响应"),
                              ("resolution_escalated_at", list(resolution), "办结")):
        for pk in ids:
            count += _escalate_one(pk, field=field, label=label, by=by, now=now)
    return count


def _escalate_one(pk: int, *, field: str, label: str, by, now: dt.datetime) -> int:
    with transaction.atomic():
        case = (Case.objects.select_for_update(of=("self",)).select_related("org__parent")
                .filter(pk=pk, **{f"{field}__isnull": True}).first())
        if case is None:
            return 0
        parent = case.org.parent
        setattr(case, field, now)
        case.escalated_to = parent
        case.save(update_fields=[field, "escalated_to"])
        target = parent.name if parent is not None else "上级"
        _message(case, CaseMessage.Kind.SYSTEM, by=by, body=f"{label}已超期，已上报{target}")
        log_event("cases.case.escalate", actor=by, target=case, org=case.org, also_org=parent,
                  data={"deadline": "first_response" if field.startswith("first") else "resolution",
                        "escalated_to": target})
        notify_users(managers_of(parent), subject="维权工单超期上报",
                     body=f"{case.org.name}办理的维权工单{case.number}{label}已超期，请督促办理。")
    return 1
