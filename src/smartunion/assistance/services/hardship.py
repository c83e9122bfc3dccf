"""Hardship files (困难职工档案): create and edit, then the workflow "assistance.hardship_file":

    draft ─submit→ pending_grassroots ─forward→ pending_federation ─verify→ active ─reverify→ active (yearly)
                   └──────return (with reason)──────┴──────────→ returned ─submit→ …
    any open state ─exit (with reason: 已脱困, 死亡, 调离, 其他)→ exited

Submitting and re-verifying run the threshold check (assistance/thresholds.py) against the living standard of the
file's region for the current year; a file that does not qualify is refused with the figures. Verification sets
the next re-verification one year on; the daily task reminds the union's reviewers 30 days ahead
(remind_reverification, safe to run twice: one reminder per due date) and the console flags overdue files.

Every change (creation, edit, each step) writes a HardshipFileVersion with the whole file as it then was, so the
history is kept and readable. One open file per person is a partial unique index (hardship_file_one_open_per_person).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.assistance import thresholds
from smartunion.assistance.models import Category, HardshipFile, HardshipFileVersion
from smartunion.assistance.rules import (
    REVIEW_ROLES,
    may_review_as_federation,
    may_review_as_grassroots,
    may_work_on_files,
)
from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.notifications import notify_user
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.orgs.models import Organisation, Position

S = HardshipFile.Status
EDITABLE = (S.DRAFT, S.RETURNED, S.ACTIVE)
FIELDS = ("region", "category", "causes", "health", "disability_grade", "housing", "household_members",
          "household_size", "household_income_fen", "insurance", "labour_contract", "note")
INSURANCE = {"medical": "医疗保险", "pension": "养老保险", "unemployment": "失业保险", "injury": "工伤保险",
             "maternity": "生育保险", "mutual": "职工医疗互助"}
REMIND_DAYS_AHEAD = 30
MAX_MEMBERS = 20


class OpenFileExists(Conflict):
    default_code = "open_file_exists"

    def __init__(self, message: str = "该职工已有未退档的困难档案，请在原档案上修改或复核", **kwargs):
        super().__init__(message, **kwargs)


def snapshot(f: HardshipFile) -> dict:
    return {
        "status": f.status, "region": f.region_id, "category": f.category, "causes": list(f.causes),
        "health": f.health, "disability_grade": f.disability_grade, "housing": f.housing,
        "household_members": list(f.household_members), "household_size": f.household_size,
        "household_income_fen": f.household_income_fen, "per_capita_monthly_fen": f.per_capita_monthly_fen,
        "insurance": list(f.insurance), "labour_contract": f.labour_contract, "note": f.note,
        "standard_fen": f.standard_fen, "threshold_fen": f.threshold_fen,
        "next_verification_due": f.next_verification_due.isoformat() if f.next_verification_due else None,
        "return_reason": f.return_reason, "exit_reason": f.exit_reason, "exit_note": f.exit_note,
    }


def _version(f: HardshipFile, action: str, by) -> None:
    HardshipFileVersion.objects.create(file=f, version=f.version, action=action, snapshot=snapshot(f),
                                       actor=user_or_none(by))


def clean_values(values: dict) -> dict:
    """Check the file's fields (the form and the API send the same keys); returns the cleaned values."""
    errors: dict[str, str] = {}
    out = dict(values)
    if "category" in out and out["category"] not in Category.values:
        errors["category"] = "困难类别应为 deep（深度困难）、relative（相对困难）或 accident（意外致困）"
    causes = out.get("causes", [])
    if not isinstance(causes, list) or any(c not in HardshipFile.Cause.values for c in causes):
        errors["causes"] = "致困原因取值无效"
    else:
        out["causes"] = list(dict.fromkeys(causes))
    for name, choices in (("health", HardshipFile.Health), ("housing", HardshipFile.Housing),
                          ("labour_contract", HardshipFile.Contract)):
        if name in out and out[name] not in choices.values:
            errors[name] = "取值无效"
    grade = out.get("disability_grade")
    if grade is not None and grade not in (1, 2, 3, 4):
        errors["disability_grade"] = "残疾等级应为 1 至 4 级"
    size = out.get("household_size")
    if "household_size" in out and (not isinstance(size, int) or not 1 <= size <= 30):
        errors["household_size"] = "家庭人口应为 1 至 30 人"
    income = out.get("household_income_fen")
    if "household_income_fen" in out and (not isinstance(income, int) or income < 0 or income > 10**11):
        errors["household_income_fen"] = "家庭年收入应为非负整数（分）"
    members = out.get("household_members", [])
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        errors["household_members"] = f"家庭成员最多 {MAX_MEMBERS} 人"
    else:
        cleaned = []
        for m in members:
            if not isinstance(m, dict) or not str(m.get("relation", "")).strip():
                errors["household_members"] = "每位家庭成员须填写与本人关系"
                break
            cleaned.append({"relation": str(m["relation"])[:10], "age": _int(m.get("age")),
                            "health": str(m.get("health", ""))[:20], "income_fen": _int(m.get("income_fen")) or 0,
                            "in_school": bool(m.get("in_school", False))})
        out["household_members"] = cleaned
    insurance = out.get("insurance", [])
    if not isinstance(insurance, list) or any(i not in INSURANCE for i in insurance):
        errors["insurance"] = "参保情况取值无效"
    if errors:
        raise Invalid.from_fields(errors)
    return out


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def create_file(*, by, person, union: Organisation, category: str, household_size: int,
                household_income_fen: int, region=None, **values) -> HardshipFile:
    """A draft file for a person of the union (one open file per person)."""
    require_actor(by)
    if not may_work_on_files(by, union):
        raise Forbidden("只有该工会或上级工会的主席、管理员、审核员可以建立困难档案")
    if union.kind in Organisation.FEDERATION_KINDS:
        raise Invalid.from_fields({"union": "困难档案应建在职工所在的基层工会"})
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise Invalid(f"未知的档案字段：{'、'.join(sorted(unknown))}")
    values = clean_values({**values, "category": category, "household_size": household_size,
                           "household_income_fen": household_income_fen})
    region_id = getattr(region, "pk", region) or union.region_id
    if not region_id:
        raise Invalid.from_fields({"region": "请选择所在地区"})
    try:
        with transaction.atomic():
            f = HardshipFile.objects.create(person=person, union=union, region_id=region_id,
                                            created_by=user_or_none(by), **values)
            _version(f, "create", by)
            log_event("assistance.hardship_file.create", actor=by, target=f, org=union,
                      data={"category": f.category})
    except IntegrityError:
        if HardshipFile.objects.filter(person=person).exclude(status=S.EXITED).exists():
            raise OpenFileExists() from None
        raise
    return f


def update_file(f: HardshipFile, *, by, **values) -> HardshipFile:
    """Change the file's fields (a draft, a returned file, or an active one between verifications)."""
    require_actor(by)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise Invalid(f"未知的档案字段：{'、'.join(sorted(unknown))}")
    values = clean_values(values)
    with transaction.atomic():
        locked = HardshipFile.objects.select_for_update().get(pk=f.pk)
        if not may_work_on_files(by, locked.union):
            raise Forbidden("只有该工会或上级工会的主席、管理员、审核员可以修改困难档案")
        if locked.status not in EDITABLE:
            raise StateError(f"档案状态为“{locked.get_status_display()}”，不能修改")
        changed = []
        for name, value in values.items():
            attr = "region_id" if name == "region" else name
            value = getattr(value, "pk", value)
            if getattr(locked, attr) != value:
                setattr(locked, attr, value)
                changed.append(name)
        if not changed:
            return locked
        locked.version += 1
        locked.save()
        _version(locked, "update", by)
        log_event("assistance.hardship_file.update", actor=by, target=locked, org=locked.union,
                  data={"fields": changed})
    return locked


def _check(locked: HardshipFile, today: dt.date) -> dict:
    result = thresholds.check(category=locked.category, region_code=locked.region_id, year=today.year,
                              union_path=locked.org_path, per_capita_fen=locked.per_capita_monthly_fen)
    thresholds.require(result, locked.category)
    return {"standard_fen": result.standard_fen, "threshold_fen": result.threshold_fen, "checked_year": today.year}


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _bump(locked: HardshipFile) -> dict:
    return {"version": locked.version + 1}


def _submit(locked: HardshipFile, step: Step) -> dict:
    return {**_check(locked, timezone.localdate()), **_bump(locked), "return_reason": ""}


def _forward(locked, step):
    return _bump(locked)


def _verify(locked: HardshipFile, step: Step) -> dict:
    now = timezone.now()
    return {**_bump(locked), "verified_at": now, "verified_by": user_or_none(step.by),
            "next_verification_due": _next_year(timezone.localdate(now))}


def _reverify(locked: HardshipFile, step: Step) -> dict:
    return {**_check(locked, timezone.localdate()), **_verify(locked, step)}


def _return(locked: HardshipFile, step: Step) -> dict:
    return {**_bump(locked), "return_reason": step.note[:200]}


def _exit(locked: HardshipFile, step: Step) -> dict:
    reason = step.data.get("exit_reason", "")
    if reason not in HardshipFile.ExitReason.values:
        raise Invalid.from_fields({"exit_reason": "请选择退档原因：已脱困、死亡、调离或其他"},
                                  message="请选择退档原因")
    return {**_bump(locked), "exit_reason": reason, "exit_note": step.note[:200], "exited_at": timezone.now(),
            "next_verification_due": None}


def _versioned(action):
    def effect(locked: HardshipFile, step: Step) -> None:
        _version(locked, action, step.by)
    return effect


def _may_return(user, f):
    if f.status == S.PENDING_GRASSROOTS:
        return may_review_as_grassroots(user, f)
    return may_review_as_federation(user, f)


def _may_keep(user, f):
    return may_work_on_files(user, f.union)


HARDSHIP_WORKFLOW = Workflow(
    name="assistance.hardship_file", field="status", state_labels=dict(S.choices),
    org_of=lambda f: f.union,
    transitions=[
        Transition("submit", source=(S.DRAFT, S.RETURNED), target=S.PENDING_GRASSROOTS, label="提交审核",
                   allowed=_may_keep, apply=_submit, effects=(_versioned("submit"),)),
        Transition("forward", source=S.PENDING_GRASSROOTS, target=S.PENDING_FEDERATION, label="基层工会审核通过",
                   allowed=may_review_as_grassroots, apply=_forward, effects=(_versioned("forward"),)),
        Transition("verify", source=S.PENDING_FEDERATION, target=S.ACTIVE, label="认定为困难职工",
                   allowed=may_review_as_federation, apply=_verify, effects=(_versioned("verify"),)),
        Transition("return", source=(S.PENDING_GRASSROOTS, S.PENDING_FEDERATION), target=S.RETURNED, label="退回",
                   allowed=_may_return, apply=_return, note_required=True, effects=(_versioned("return"),)),
        Transition("reverify", source=S.ACTIVE, target=S.ACTIVE, label="年度复核", allowed=_may_keep,
                   apply=_reverify, effects=(_versioned("reverify"),)),
        Transition("exit", source=(S.DRAFT, S.RETURNED, S.ACTIVE, S.PENDING_GRASSROOTS, S.PENDING_FEDERATION),
                   target=S.EXITED, label="退档", allowed=_may_keep, apply=_exit, effects=(_versioned("exit"),)),
    ],
)


def submit_file(f, *, by, note=""):
    return transition(f, "submit", workflow=HARDSHIP_WORKFLOW, by=by, note=note)


def forward_file(f, *, by, note=""):
    return transition(f, "forward", workflow=HARDSHIP_WORKFLOW, by=by, note=note)


def verify_file(f, *, by, note=""):
    return transition(f, "verify", workflow=HARDSHIP_WORKFLOW, by=by, note=note)


def return_file(f, *, by, note=""):
    return transition(f, "return", workflow=HARDSHIP_WORKFLOW, by=by, note=note)


def reverify_file(f, *, by, note=""):
    return transition(f, "reverify", workflow=HARDSHIP_WORKFLOW, by=by, note=note)


def exit_file(f, *, by, reason: str, note: str = ""):
    return transition(f, "exit", workflow=HARDSHIP_WORKFLOW, by=by, note=note, data={"exit_reason": reason})


STEPS = {"submit": submit_file, "forward": forward_file, "verify": verify_file, "return": return_file,
         "reverify": reverify_file}


def remind_reverification(*, by, today: dt.date | None = None, days_ahead: int = REMIND_DAYS_AHEAD) -> int:
    """Tell the reviewers of each active file's union that its yearly re-verification is due within `days_ahead`
    days (or overdue). One reminder per due date: running twice reminds nobody twice. Returns the files reminded."""
    require_actor(by)
    today = today or timezone.localdate()
    due = (HardshipFile.objects.filter(status=S.ACTIVE, next_verification_due__lte=today + dt.timedelta(days_ahead))
           .select_related("union").order_by("id"))
    reminded = 0
    for f in due.iterator(chunk_size=500):
        if f.next_verification_due is None or f.reminded_for == f.next_verification_due:
            continue
        with transaction.atomic():
            took = HardshipFile.objects.filter(pk=f.pk, status=S.ACTIVE,
                                               next_verification_due=f.next_verification_due).exclude(
                reminded_for=f.next_verification_due).update(reminded_for=f.next_verification_due)
            if not took:
                continue
            overdue = f.next_verification_due < today
            subject = "困难职工档案复核已逾期" if overdue else "困难职工档案即将到期复核"
            body = (f"{f.union.name}的困难职工档案 #{f.pk} 应于 {f.next_verification_due:%Y年%-m月%-d日} 前完成年度复核"
                    f"{'，现已逾期' if overdue else ''}，请登录管理后台办理。")
            users = {p.user_id: p.user for p in Position.objects.filter(org=f.union, role__in=REVIEW_ROLES)
                     .select_related("user") if p.user.is_active}
            for user in users.values():
                notify_user(user, subject=subject, body=body)
            log_event("assistance.hardship_file.remind", actor=by, target=f, org=f.union,
                      data={"due": f.next_verification_due.isoformat(), "overdue": overdue})
            reminded += 1
    return reminded
