"""The reads of the benefits app that several places share, always scoped."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.benefits import audience
from smartunion.benefits.models import Activity, Coupon, Merchant, Signup
from smartunion.benefits.services.participation import Member
from smartunion.core.cache import ttl_cache
from smartunion.members.models import Membership, Person
from smartunion.orgs.models import ancestor_paths
from smartunion.orgs.queries import scoped

SHANGHAI = ZoneInfo("Asia/Shanghai")


ACTIVITY_CACHE_SECONDS = 2


@ttl_cache(ACTIVITY_CACHE_SECONDS, maxsize=1_000)
def activity_snapshot(activity_id: int) -> Activity | None:
    """A published, paused or closed activity with its org, as this process read it in the last
    ACTIVITY_CACHE_SECONDS: for a coupon grab's hot path, where every claim would otherwise read the same row. What
    must be exact is decided elsewhere (the conditional UPDATE in the database, the claim script in Redis); a pause
    or a close reaches the Redis grab within these seconds. Read-only: never save it."""
    return (Activity.objects.select_related("org").exclude(status=Activity.Status.DRAFT)
            .filter(pk=activity_id).first())


# The token, its active account, the person and the person's active membership (at most one), in one statement.
# Written out rather than built by the ORM: building this four-table query cost more than running it, on the path
# every claim of a grab takes (bench/coupon_grab.py).
_MEMBER_OF_BEARER_SQL = """
SELECT u.id, u.username, u.display_name, u.kind, u.is_staff, u.is_superuser, u.person_id,
       p.name, p.sex, p.birth_date, p.employment_form, p.gig_platform,
       m.id, m.union_id, m.union_path, m.card_number, m.since
FROM accounts_apitoken t
JOIN accounts_user u ON u.id = t.user_id
LEFT JOIN members_person p ON p.id = u.person_id
LEFT JOIN members_membership m ON m.person_id = p.id AND m.status = %s
WHERE t.digest = %s AND t.expires_at > %s AND u.is_active = %s
"""


def member_for_token(digest: str) -> tuple[User, Member | None] | None:
    """The account of an API token (by its digest, unexpired, active account) and its person's active membership,
    in ONE query: a coupon grab's hot path, where every claim is another member. None for no such token; (user,
    None) for an account that is no member. The objects carry the columns the claim needs (the user's other
    columns load on first use)."""
    with connection.cursor() as cursor:
        cursor.execute(_MEMBER_OF_BEARER_SQL, [Membership.Status.ACTIVE, digest,
                                           connection.ops.adapt_datetimefield_value(timezone.now()), True])
        row = cursor.fetchone()
    if row is None:
        return None
    user = User.from_db(connection.alias, USER_COLUMNS, [row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]),
                                                         row[6], True])
    if row[6] is None or row[12] is None:
        return user, None
    birth = row[9] if isinstance(row[9], dt.date) else dt.date.fromisoformat(row[9])
    since = row[16] if isinstance(row[16], dt.date) else dt.date.fromisoformat(row[16])
    person = Person.from_db(connection.alias, PERSON_COLUMNS, [row[6], row[7], row[8], birth, row[10], row[11]])
    membership = Membership(pk=row[12], person=person, union_id=row[13], union_path=row[14], card_number=row[15],
                            since=since, status=Membership.Status.ACTIVE)
    user.person = person
    return user, Member(user=user, person=person, membership=membership)


USER_COLUMNS = ["id", "username", "display_name", "kind", "is_staff", "is_superuser", "person_id", "is_active"]
PERSON_COLUMNS = ["id", "name", "sex", "birth_date", "employment_form", "gig_platform"]


def managed_activities(user) -> QuerySet[Activity]:
    """Activities of the cadre's subtree (any state), newest first."""
    return scoped(Activity.objects.select_related("org"), user, field="org_path").order_by("-id")


def visible_merchants(user) -> QuerySet[Merchant]:
    return scoped(Merchant.objects.select_related("org"), user, field="org_path")


def issued_coupons(user) -> QuerySet[Coupon]:
    """Coupons of the activities in the cadre's subtree (the redemption log reads these)."""
    return scoped(Coupon.objects.select_related("activity", "merchant"), user, field="org_path")


def open_activities_for(membership: Membership, person: Person, *, kind: str | None = None,
                        now: dt.datetime | None = None) -> list[Activity]:
    """Published (or paused) activities the member may take part in, newest first: published by their union or
    any org above it, still running, with the member inside the audience. The candidates are the few activities of
    the member's chain of orgs; the audience rules are checked in Python (no query per activity)."""
    now = now or timezone.now()
    candidates = Activity.objects.filter(
        org_path__in=ancestor_paths(membership.union_path),
        status__in=(Activity.Status.PUBLISHED, Activity.Status.PAUSED), ends_at__gt=now,
    ).select_related("org").order_by("-id")
    if kind:
        candidates = candidates.filter(kind=kind)
    return [a for a in candidates
            if audience.ineligible_reason(a.org_path, a.audience, membership, person, today=now.date()) is None]


def my_coupons(person: Person | int) -> QuerySet[Coupon]:
    """A member's coupons, newest first, with their activities (the person, or only its id)."""
    return Coupon.objects.filter(person=person).select_related("activity").order_by("-id")


def activity_signups(activity: Activity, *, status: str | None = None) -> QuerySet[Signup]:
    """An activity's sign-ups in the order they came (the waiting list's order); the caller found the activity in
    the cadre's scope (managed_activities)."""
    queryset = Signup.objects.filter(activity=activity).select_related("person").order_by("id")
    return queryset.filter(status=status) if status else queryset


def redemption_log(user) -> QuerySet[Coupon]:
    """Redeemed coupons of the cadre's subtree, latest first (the console's redemption log)."""
    return (issued_coupons(user).filter(status=Coupon.Status.REDEEMED).select_related("redeemed_by")
            .order_by("-redeemed_at", "-id"))


def redemption_totals(merchants, *, since: dt.date | None = None, until: dt.date | None = None) -> list[dict]:
    """Redemptions per merchant and per day (Asia/Shanghai days), in ONE grouped query, ordered by merchant then
    day: [{"merchant_id", "merchant", "day", "count"}]. `merchants`: a Merchant, or a queryset of them (e.g.
    visible_merchants(user)); `since`/`until`: days included at both ends."""
    day = TruncDate("redeemed_at", tzinfo=SHANGHAI)
    rows = Coupon.objects.filter(status=Coupon.Status.REDEEMED)
    if isinstance(merchants, Merchant):
        rows = rows.filter(merchant=merchants)
    else:
        rows = rows.filter(merchant__in=merchants)
    rows = rows.annotate(redeemed_on=day)
    if since is not None:
        rows = rows.filter(redeemed_on__gte=since)
    if until is not None:
        rows = rows.filter(redeemed_on__lte=until)
    grouped = (rows.order_by().values("merchant_id", "redeemed_on")
               .annotate(merchant_name=F("merchant__name"), n=Count("id")).order_by("merchant_id", "redeemed_on"))
    return [{"merchant_id": r["merchant_id"], "merchant": r["merchant_name"], "day": r["redeemed_on"],
             "count": r["n"]} for r in grouped]

