"""Creating activities and moving them through their life: draft → published → paused ↔ published → closed.

A draft is edited freely; once published, an activity's rules (audience, limits, stock, capacity, window, options)
may still change only while nobody has taken part. Every write is audited; the lifecycle steps go through
ACTIVITY_WORKFLOW (core.workflow), so each is one locked transition with its history row and audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from smartunion.benefits import audience as audiences
from smartunion.benefits import coupon_store
from smartunion.benefits.models import Activity, PrizeTier, Question, VoteOption
from smartunion.benefits.rules import can_draft, can_manage, can_manage_activity
from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid, StateError
from smartunion.core.forms import check_text_fields
from smartunion.core.workflow import Step, Transition, Workflow, transition
from smartunion.orgs.models import Organisation

# What a publisher may set, by kind (besides the common fields).
COMMON = ("title", "description", "place", "starts_at", "ends_at", "per_member_limit", "daily_limit", "audience",
          "template")
BY_KIND: dict[str, tuple[str, ...]] = {
    Activity.Kind.COUPON: ("stock", "face_value", "valid_until", "terms"),
    Activity.Kind.SIGNUP: ("capacity",),
    Activity.Kind.LOTTERY: (),
    Activity.Kind.VOTE: ("max_choices", "results"),
    Activity.Kind.SURVEY: ("anonymous", "results"),
}
# Changing these once someone took part would change what they took part in.
RULE_FIELDS = ("starts_at", "per_member_limit", "daily_limit", "audience", "stock", "valid_until", "capacity",
               "max_choices", "anonymous")
MAX_STOCK = 10_000_000
MAX_LIMIT = 100


def _positive(value: Any, label: str, *, high: int, allow_none: bool = False) -> tuple[int | None, str | None]:
    if value in (None, ""):
        return (None, None) if allow_none else (None, f"请填写{label}")
    if isinstance(value, bool):
        return None, f"{label}应为正整数"
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None, f"{label}应为正整数"
    if not 1 <= number <= high:
        return None, f"{label}应为 1 至 {high} 之间的整数"
    return number, None


def _clean(kind: str, values: dict[str, Any], *, current: Activity | None = None) -> dict[str, Any]:
    """Validate the fields of one kind; Invalid with every bad field's message at once."""
    allowed = set(COMMON) | set(BY_KIND[kind])
    errors: dict[str, str] = {name: "该类型活动不支持此项" for name in values if name not in allowed}
    cleaned: dict[str, Any] = {k: v for k, v in values.items() if k in allowed}
    for name, label in (("title", "标题"),):
        if name in cleaned or current is None:
            text = str(cleaned.get(name) or "").strip()
            if not text:
                errors[name] = f"请填写{label}"
            cleaned[name] = text
    for name in ("description", "place", "face_value", "terms", "template"):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
    for name, label in (("starts_at", "开始时间"), ("ends_at", "结束时间")):
        if name in cleaned or current is None:
            value = cleaned.get(name)
            if not isinstance(value, dt.datetime):
                errors[name] = f"请填写{label}"
            elif timezone.is_naive(value):
                cleaned[name] = timezone.make_aware(value)
    starts = cleaned.get("starts_at", getattr(current, "starts_at", None))
    ends = cleaned.get("ends_at", getattr(current, "ends_at", None))
    if isinstance(starts, dt.datetime) and isinstance(ends, dt.datetime) and ends <= starts:
        errors["ends_at"] = "结束时间应晚于开始时间"
    for name, label, high, optional in (("per_member_limit", "每人限额", MAX_LIMIT, True),
                                        ("daily_limit", "每人每日限额", MAX_LIMIT, True),
                                        ("stock", "库存", MAX_STOCK, False), ("capacity", "名额", MAX_STOCK, True),
                                        ("max_choices", "最多可选项数", MAX_LIMIT, True)):
        if name in cleaned or (current is None and name in BY_KIND[kind] and not optional):
            number, error = _positive(cleaned.get(name), label, high=high, allow_none=optional)
            if error:
                errors[name] = error
            elif number is None and name in ("per_member_limit", "max_choices"):
                cleaned.pop(name)
            else:
                cleaned[name] = number
    limit = cleaned.get("per_member_limit", getattr(current, "per_member_limit", 1))
    daily = cleaned.get("daily_limit", getattr(current, "daily_limit", None))
    if daily and limit and daily > limit and "daily_limit" not in errors:
        errors["daily_limit"] = "每人每日限额不能大于每人限额"
    if kind == Activity.Kind.COUPON:
        valid_until = cleaned.get("valid_until", getattr(current, "valid_until", None))
        if "valid_until" in cleaned or current is None:
            if not isinstance(valid_until, dt.date) or isinstance(valid_until, dt.datetime):
                errors["valid_until"] = "请填写券有效期"
        if (isinstance(valid_until, dt.date) and isinstance(ends, dt.datetime) and "valid_until" not in errors
                and valid_until < timezone.localtime(ends).date()):
            errors["valid_until"] = "券有效期不能早于活动结束日期"
    if "results" in cleaned and cleaned["results"] not in Activity.Results.values:
        errors["results"] = "结果公布方式不正确"
    if "anonymous" in cleaned:
        cleaned["anonymous"] = bool(cleaned["anonymous"])
    if "audience" in cleaned:
        try:
            cleaned["audience"] = audiences.clean_rules(cleaned["audience"])
        except Invalid as exc:
            errors.update(exc.fields)
    check_text_fields(Activity, {k: v for k, v in cleaned.items() if isinstance(v, str)}, errors)
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def create_activity(*, by, org: Organisation, kind: str, **values) -> Activity:
    """A new activity as a draft. Lotteries get their seed and publish its SHA-256 commitment at once."""
    require_actor(by)
    if kind not in Activity.Kind.values:
        raise Invalid.from_fields({"kind": "活动类型应为 signup、coupon、lottery、vote 或 survey 之一"})
    if not can_draft(by, org):
        raise Forbidden("只有本工会或上级工会的主席、管理员、编辑可以创建活动")
    cleaned = _clean(kind, values)
    activity = Activity(org=org, org_path=org.path, kind=kind, created_by=user_or_none(by), **cleaned)
    if kind == Activity.Kind.LOTTERY:
        activity.seed = secrets.token_hex(32)
        activity.commitment = hashlib.sha256(activity.seed.encode("ascii")).hexdigest()
    if kind == Activity.Kind.SIGNUP:
        activity.checkin_code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        activity.save()
        log_event("benefits.activity.create", actor=by, target=activity, org=org,
                  data={"kind": kind, "commitment": activity.commitment} if activity.commitment else {"kind": kind})
    return activity


def has_participants(activity: Activity) -> bool:
    """Someone took part: the counter, or for a coupon grab in the Redis shape the claims Redis granted and the
    persister has not written yet (benefits/coupon_store.py)."""
    return activity.participants > 0 or coupon_store.granted(activity) > 0


def create_activity_with_parts(*, by, org: Organisation, kind: str, options: list[str] | None = None,
                               prizes: list[dict] | None = None, questions: list[dict] | None = None,
                               **values) -> Activity:
    """create_activity and the parts given (a vote's options, a lottery's prizes, a survey's questions) in one
    transaction: a refused part leaves no half-made draft (the console's form and POST /api/v1/activities)."""
    with transaction.atomic():
        activity = create_activity(by=by, org=org, kind=kind, **values)
        if options is not None:
            set_options(activity, options, by=by)
        if prizes is not None:
            set_prizes(activity, prizes, by=by)
        if questions is not None:
            set_questions(activity, questions, by=by)
    return activity


def update_activity(activity: Activity, *, by, **values) -> Activity:
    """Change a draft freely; a published or paused one only in its wording once someone has taken part."""
    require_actor(by)
    if not can_draft(by, activity.org):
        raise Forbidden("只有本工会或上级工会的主席、管理员、编辑可以修改活动")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.status == Activity.Status.CLOSED:
            raise StateError("活动已结束，不能再修改", code="closed")
        cleaned = _clean(locked.kind, values, current=locked)
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        frozen = [name for name in changed if name in RULE_FIELDS]
        if frozen and has_participants(locked):
            raise StateError("已有会员参与，不能再修改活动规则（参与对象、时间、限额、库存、名额等）",
                             code="rules_frozen", fields={name: "已有会员参与，不能修改" for name in frozen})
        if locked.status != Activity.Status.DRAFT and not can_manage(by, locked.org):
            raise Forbidden("活动发布后，只有主席或管理员可以修改")
        if "stock" in cleaned and cleaned["stock"] is not None and cleaned["stock"] < locked.claimed:
            raise Invalid.from_fields({"stock": f"库存不能少于已领取的 {locked.claimed} 张"})
        for name in changed:
            setattr(locked, name, cleaned[name])
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            log_event("benefits.activity.update", actor=by, target=locked, org=locked.org,
                      data={"fields": sorted(changed)})
    return locked


def set_options(activity: Activity, options: list[str], *, by) -> list[VoteOption]:
    """A vote's options (text; images are added on the option): replaced as a whole while nobody has voted."""
    require_actor(by)
    if activity.kind != Activity.Kind.VOTE:
        raise Invalid.from_fields({"options": "只有投票活动有选项"})
    texts = [str(o or "").strip() for o in options]
    errors = {f"options.{i}": "请填写选项内容" for i, t in enumerate(texts) if not t}
    errors.update({f"options.{i}": "选项最多 100 个字" for i, t in enumerate(texts) if len(t) > 100})
    if len(texts) < 2:
        errors["options"] = "投票至少需要两个选项"
    if len(set(texts)) != len(texts):
        errors["options"] = "选项不能重复"
    if errors:
        raise Invalid.from_fields(errors)
    return _replace_children(activity, by=by, model=VoteOption, rows=[
        VoteOption(activity=activity, position=i + 1, text=t) for i, t in enumerate(texts)], what="options")


IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
IMAGE_MAX_BYTES = 2 * 1024 * 1024
_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def set_option_image(option: VoteOption, *, by, upload) -> VoteOption:
    """A vote option's picture (JPEG, PNG or WebP up to 2 MB, checked by decoding it), until the vote closes."""
    from django.core.files.base import ContentFile
    from PIL import Image, UnidentifiedImageError

    require_actor(by)
    activity = option.activity
    if not can_draft(by, activity.org):
        raise Forbidden("只有本工会或上级工会的主席、管理员、编辑可以修改活动")
    if activity.status == Activity.Status.CLOSED:
        raise StateError("活动已结束，不能再修改", code="closed")
    if upload is None or upload.size > IMAGE_MAX_BYTES:
        raise Invalid.from_fields({"image": "请上传不超过 2MB 的图片"})
    content = upload.read()
    try:
        with Image.open(io.BytesIO(content)) as picture:
            kind = _IMAGE_FORMATS.get(picture.format or "")
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind is None:
        raise Invalid.from_fields({"image": "图片应为 JPG、PNG 或 WebP 格式"})
    with transaction.atomic():
        option.image.save(f"option-{option.pk}.{kind}", ContentFile(content), save=True)
        log_event("benefits.activity.set_option_image", actor=by, target=activity, org=activity.org,
                  data={"option": option.text})
    return option


def set_prizes(activity: Activity, prizes: list[dict], *, by) -> list[PrizeTier]:
    """A lottery's prize tiers in order (first prize first): [{"name": "一等奖", "count": 1}, ...]."""
    require_actor(by)
    if activity.kind != Activity.Kind.LOTTERY:
        raise Invalid.from_fields({"prizes": "只有抽奖活动有奖项"})
    errors: dict[str, str] = {}
    rows = []
    for i, prize in enumerate(prizes):
        name = str((prize or {}).get("name") or "").strip()
        count, error = _positive((prize or {}).get("count"), "名额", high=MAX_STOCK)
        if not name or len(name) > 50:
            errors[f"prizes.{i}.name"] = "请填写奖项名称（最多 50 个字）"
        if error:
            errors[f"prizes.{i}.count"] = error
        rows.append(PrizeTier(activity=activity, rank=i + 1, name=name, count=count or 0))
    if not prizes:
        errors["prizes"] = "请至少设置一个奖项"
    if errors:
        raise Invalid.from_fields(errors)
    return _replace_children(activity, by=by, model=PrizeTier, rows=rows, what="prizes")


def set_questions(activity: Activity, questions: list[dict], *, by) -> list[Question]:
    """A survey's questions in order: {"kind", "text", "choices", "required", "show_if": {"position", "values"}}."""
    require_actor(by)
    if activity.kind != Activity.Kind.SURVEY:
        raise Invalid.from_fields({"questions": "只有问卷调查有题目"})
    errors: dict[str, str] = {}
    rows: list[Question] = []
    for i, raw in enumerate(questions):
        raw = raw if isinstance(raw, dict) else {}
        where = f"questions.{i}"
        kind, text = raw.get("kind"), str(raw.get("text") or "").strip()
        choices = raw.get("choices") or []
        if kind not in Question.Kind.values:
            errors[f"{where}.kind"] = "题型应为 single、multiple、text 或 rating"
        if not text or len(text) > 300:
            errors[f"{where}.text"] = "请填写题目（最多 300 个字）"
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            if (not isinstance(choices, list) or len(choices) < 2 or len(set(map(str, choices))) != len(choices)
                    or not all(isinstance(c, str) and 0 < len(c.strip()) <= 100 for c in choices)):
                errors[f"{where}.choices"] = "选择题至少需要两个不重复的选项（每项最多 100 个字）"
        elif choices:
            errors[f"{where}.choices"] = "只有选择题有选项"
        show_if = raw.get("show_if") or {}
        position = values = None
        if show_if:
            position = show_if.get("position") if isinstance(show_if, dict) else None
            values = show_if.get("values") if isinstance(show_if, dict) else None
            earlier = rows[position - 1] if isinstance(position, int) and 1 <= position <= len(rows) else None
            if earlier is None:
                errors[f"{where}.show_if"] = "显示条件只能引用前面的题目"
            elif earlier.kind == Question.Kind.TEXT:
                errors[f"{where}.show_if"] = "显示条件不能引用填空题"
            elif not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                errors[f"{where}.show_if"] = "请填写触发显示的答案"
        rows.append(Question(activity=activity, position=i + 1, kind=kind or "", text=text,
                             choices=[c.strip() for c in choices] if isinstance(choices, list) and all(
                                 isinstance(c, str) for c in choices) else [],
                             required=bool(raw.get("required", True)),
                             show_if_position=position, show_if_values=values or []))
    if not questions:
        errors["questions"] = "问卷至少需要一道题目"
    if errors:
        raise Invalid.from_fields(errors)
    return _replace_children(activity, by=by, model=Question, rows=rows, what="questions")


def _replace_children(activity: Activity, *, by, model, rows: list, what: str) -> list:
    if not can_draft(by, activity.org):
        raise Forbidden("只有本工会或上级工会的主席、管理员、编辑可以修改活动")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.status == Activity.Status.CLOSED or locked.participants > 0:
            raise StateError("已有会员参与或活动已结束，不能再修改", code="rules_frozen")
        model.objects.filter(activity=locked).delete()
        created = model.objects.bulk_create(rows)
        log_event(f"benefits.activity.set_{what}", actor=by, target=locked, org=locked.org,
                  data={"count": len(rows)})
    return created


# The lifecycle -------------------------------------------------------------------------------------------------

def _check_complete(activity: Activity, step: Step) -> dict:
    """What publishing needs beyond the fields: a vote's options, a lottery's prizes, a survey's questions; and
    the audience size the publisher saw."""
    if activity.kind == Activity.Kind.VOTE and activity.options.count() < 2:
        raise StateError("投票至少需要两个选项才能发布", code="incomplete")
    if activity.kind == Activity.Kind.LOTTERY and not activity.prizes.exists():
        raise StateError("请先设置奖项再发布", code="incomplete")
    if activity.kind == Activity.Kind.SURVEY and not activity.questions.exists():
        raise StateError("问卷至少需要一道题目才能发布", code="incomplete")
    if activity.ends_at <= timezone.now():
        raise StateError("活动结束时间已过，请修改后再发布", code="incomplete")
    changes: dict[str, Any] = {"audience_size": audiences.audience_size(activity.org, activity.audience)}
    if activity.published_at is None:
        changes["published_at"] = timezone.now()
    return changes


def _stamp_closed(activity: Activity, step: Step) -> dict:
    return {"closed_at": timezone.now()}


ACTIVITY_WORKFLOW = Workflow(
    name="benefits.activity", field="status",
    state_labels=dict(Activity.Status.choices),
    org_of=lambda activity: activity.org,
    transitions=[
        Transition("publish", source="draft", target="published", label="发布", allowed=can_manage_activity,
                   apply=_check_complete),
        Transition("pause", source="published", target="paused", label="暂停", allowed=can_manage_activity),
        Transition("resume", source="paused", target="published", label="恢复", allowed=can_manage_activity),
        Transition("close", source=("published", "paused"), target="closed", label="结束",
                   allowed=can_manage_activity, apply=_stamp_closed),
    ],
)


def publish_activity(activity: Activity, *, by, note: str = "") -> Activity:
    return transition(activity, "publish", workflow=ACTIVITY_WORKFLOW, by=by, note=note)


def pause_activity(activity: Activity, *, by, note: str = "") -> Activity:
    return transition(activity, "pause", workflow=ACTIVITY_WORKFLOW, by=by, note=note)


def resume_activity(activity: Activity, *, by, note: str = "") -> Activity:
    return transition(activity, "resume", workflow=ACTIVITY_WORKFLOW, by=by, note=note)


def close_activity(activity: Activity, *, by, note: str = "") -> Activity:
    return transition(activity, "close", workflow=ACTIVITY_WORKFLOW, by=by, note=note)
