"""The birthday benefit (生日福利): an org that enables it gives each member of its subtree one coupon in their
birthday month (the month of the birth date in their ID number), once a year.

`grant_birthdays` is the scheduled job (benefits.tasks.grant_birthdays, daily): for every enabled programme and every
month of the last twelve (this month and the eleven before it, across the new year) since the programme's creation
month whose BirthdayRun is not finished, it makes (or reuses) the month's coupon activity and grants one coupon per
eligible member in bulk. It is safe to run twice and at the same time: one run row per (programme, year, month) is a
unique constraint, and the coupons are inserted with ignore_conflicts on (activity, person, sequence=1), so nobody is
granted twice; a month missed while the platform was down is granted at the next run (catch-up), a December missed
entirely in January.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.benefits import audience as audiences
from smartunion.benefits import behaviour
from smartunion.benefits.models import Activity, BirthdayProgramme, BirthdayRun, Coupon
from smartunion.benefits.rules import can_manage
from smartunion.benefits.services.activities import create_activity, publish_activity
from smartunion.benefits.services.coupons import claim_day, new_code
from smartunion.core.actors import SYSTEM, require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid
from smartunion.members.models import Membership
from smartunion.orgs.models import Organisation

TEMPLATE = "birthday"
MAX_VALID_DAYS = 366
_CODE_RETRIES = 3


def configure_birthday(org: Organisation, *, by, enabled: bool = True, title: str = "生日慰问券",
                       face_value: str = "", terms: str = "", valid_days: int = 60) -> BirthdayProgramme:
    """Enable, change or disable the org's birthday benefit (a chair or administrator of the org or above)."""
    require_actor(by)
    if not can_manage(by, org):
        raise Forbidden("只有本工会或上级工会的主席、管理员可以设置生日福利")
    title, face_value, terms = (str(title or "").strip(), str(face_value or "").strip(), str(terms or "").strip())
    errors = {}
    if not title or len(title) > 100:
        errors["title"] = "请填写券名称（最多 100 个字）"
    if len(face_value) > 50:
        errors["face_value"] = "券面最多 50 个字"
    if len(terms) > 2000:
        errors["terms"] = "使用说明最多 2000 个字"
    if isinstance(valid_days, bool) or not isinstance(valid_days, int) or not 1 <= valid_days <= MAX_VALID_DAYS:
        errors["valid_days"] = f"有效天数应为 1 至 {MAX_VALID_DAYS} 之间的整数"
    if errors:
        raise Invalid.from_fields(errors)
    with transaction.atomic():
        programme, _ = BirthdayProgramme.objects.select_for_update().get_or_create(org=org)
        programme.enabled, programme.title, programme.face_value = bool(enabled), title, face_value
        programme.terms, programme.valid_days = terms, valid_days
        programme.save()
        log_event("benefits.birthday.configure", actor=by, target=programme, org=org,
                  data={"enabled": programme.enabled, "title": title, "valid_days": valid_days})
    return programme


CATCH_UP_MONTHS = 12  # this month and the eleven before it


def months_due(programme: BirthdayProgramme, today: dt.date) -> list[tuple[int, int]]:
    """(year, month) of the months the programme covers up to this month: the last twelve, none before its creation
    month, oldest first."""
    created = timezone.localtime(programme.created_at).date()
    first = max(created.year * 12 + created.month - 1, today.year * 12 + today.month - CATCH_UP_MONTHS)
    return [(index // 12, index % 12 + 1) for index in range(first, today.year * 12 + today.month)]


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _month_activity(programme: BirthdayProgramme, year: int, month: int, size: int, today: dt.date, *,
                    by) -> BirthdayRun | None:
    """The month's run with its published coupon activity, made now; None when another job made it meanwhile."""
    # Valid for valid_days from the grant (a `today` given in the past, as in tests, counts from the real date).
    valid_until = max(today, timezone.localdate()) + dt.timedelta(days=programme.valid_days)
    try:
        with transaction.atomic():
            activity = create_activity(
                by=by, org=programme.org, kind=Activity.Kind.COUPON, template=TEMPLATE,
                title=f"{programme.title}（{year}年{month}月）"[:100], face_value=programme.face_value,
                terms=programme.terms, description=f"{month}月出生的会员生日福利，由系统在生日月份自动发放。",
                stock=max(size, 1), per_member_limit=1, valid_until=valid_until,
                starts_at=timezone.now(), ends_at=_end_of(valid_until), audience={"birth_months": [month]})
            activity.merchants.set(programme.merchants.all())
            run = BirthdayRun.objects.create(programme=programme, year=year, month=month, activity=activity)
            publish_activity(activity, by=by, note="生日福利自动发放")
    except IntegrityError:  # the same month made by a job running at the same time
        return None
    return run


def _grant_month(programme: BirthdayProgramme, year: int, month: int, today: dt.date, *, by) -> int:
    """Grant one month of one programme; the number of coupons granted now (0 when all were granted before)."""
    rules = {"birth_months": [month]}
    people = sorted(set(Membership.objects.filter(audiences.audience_q(programme.org, rules, today=today))
                        .values_list("person_id", flat=True)))
    run = BirthdayRun.objects.filter(programme=programme, year=year, month=month).select_related("activity").first()
    if run is None:
        run = _month_activity(programme, year, month, len(people), today, by=by)
        if run is None:
            return 0
    if run.finished_at is not None:
        return 0
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("org").get(pk=run.activity_id)
        if BirthdayRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists():
            return 0  # another job finished it while this one waited for the lock
        already = set(Coupon.objects.filter(activity=activity, sequence=1).values_list("person_id", flat=True))
        wanted = [p for p in people if p not in already]
        now = timezone.now()
        missing = wanted
        for _ in range(_CODE_RETRIES):  # ignore_conflicts also drops a (very unlikely) clash of codes: retry those
            Coupon.objects.bulk_create([
                Coupon(activity=activity, person_id=person_id, sequence=1, day=claim_day(now), day_sequence=1,
                       code=new_code(), org_path=activity.org_path, valid_until=activity.valid_until,
                       claimed_at=now) for person_id in missing], ignore_conflicts=True)
            have = set(Coupon.objects.filter(activity=activity, sequence=1, person_id__in=missing)
                       .values_list("person_id", flat=True))
            missing = [p for p in missing if p not in have]
            if not missing:
                break
        count = Coupon.objects.filter(activity=activity).count()
        activity.stock = max(activity.stock or 0, count, 1)
        activity.claimed = activity.participants = count
        activity.save(update_fields=["stock", "claimed", "participants", "updated_at"])
        granted = len(wanted) - len(missing)
        left_out = set(missing)
        for person_id in (p for p in wanted if p not in left_out):
            behaviour.took_part(person_id, "benefits.birthday.grant", activity)
        BirthdayRun.objects.filter(pk=run.pk).update(granted=count, finished_at=now)
        log_event("benefits.birthday.grant", actor=by, target=activity, org=activity.org,
                  data={"year": year, "month": month, "granted": granted})
    return granted


def grant_birthdays(*, by=SYSTEM, today: dt.date | None = None) -> int:
    """The scheduled job: every enabled programme's due months not yet finished. Returns the coupons granted."""
    require_actor(by)
    today = today or timezone.localdate()
    total = 0
    for programme in BirthdayProgramme.objects.filter(enabled=True).select_related("org").order_by("pk"):
        due = months_due(programme, today)
        if not due:
            continue
        finished = set(BirthdayRun.objects.filter(programme=programme, year__gte=due[0][0], finished_at__isnull=False)
                       .values_list("year", "month"))
        for year, month in due:
            if (year, month) not in finished:
                total += _grant_month(programme, year, month, today, by=by)
    return total

