"""Lotteries anyone can check (docs/lottery.md is the reference; docs/verify_lottery.py reimplements the check with
the Python standard library alone).

What is published when:

- at creation, the commitment: SHA-256 of a secret seed (services.activities.create_activity makes both);
- at the draw, the canonical entrant list (one line per eligible entry: its ticket number and the member's masked
  card number) with its SHA-256, the winners, and the seed itself.

The ticket number of an entry is its id (LotteryEntry.pk): unique, fixed at entry, shown to the member when they
enter, and carrying nothing about the person. The list and its hash are computed over the published lines (not the
full card numbers), so that anyone can recompute the hash and the winners from the published data alone; masked card
numbers may collide, tickets never do, and a member finds their own line by their ticket.

Winners follow from the seed, the list's hash and the list by a partial Fisher–Yates shuffle driven by SHA-256 with
rejection sampling (select_winners; byte-exact definition in docs/lottery.md), prize tiers filled in rank order, one
prize per entry and so per member (one entry per member and lottery, a unique constraint).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from smartunion.benefits import behaviour
from smartunion.benefits.errors import NotOpen
from smartunion.benefits.models import Activity, LotteryEntry, PrizeTier
from smartunion.benefits.rules import can_manage
from smartunion.benefits.services.activities import close_activity
from smartunion.benefits.services.participation import admit, count_participant
from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.notifications import notify_user
from smartunion.members.card_tokens import mask_card_number

ALGORITHM = "smartunion-lottery-1"
_SPACE = 1 << 256


# The algorithm (pure functions; docs/verify_lottery.py has its own copy, byte for byte the same) ---------------

def entrant_line(ticket: int, card_number: str) -> str:
    """One line of the published list: the ticket number in decimal, one space, the masked card number."""
    return f"{ticket} {mask_card_number(card_number)}"


def list_hash(lines: list[str]) -> str:
    """SHA-256 (lower-case hex) of the lines joined by "\\n" (no trailing newline), encoded as UTF-8."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def commitment_of(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def uniform_index(seed: str, entrants_hash: str, draw: int, size: int) -> int:
    """A number in [0, size) for draw number `draw`: the big-endian integer of SHA-256("<seed>:<hash>:<draw>:<try>")
    with try = 0, 1, ... until it falls below the largest multiple of `size` under 2**256 (no modulo bias)."""
    if size < 1:
        raise ValueError("size must be positive")
    limit = _SPACE - _SPACE % size
    attempt = 0
    while True:
        digest = hashlib.sha256(f"{seed}:{entrants_hash}:{draw}:{attempt}".encode("ascii")).digest()
        number = int.from_bytes(digest, "big")
        if number < limit:
            return number % size
        attempt += 1


def select_winners(seed: str, entrants_hash: str, size: int, counts: list[int]) -> list[list[int]]:
    """The positions (0-based, in the published list) of each tier's winners, tiers in rank order.

    Partial Fisher–Yates: positions = [0 .. size-1]; for draw i = 0, 1, ... while i < min(sum(counts), size):
    j = i + uniform_index(seed, hash, i, size - i), swap positions[i] and positions[j]; positions[i] is the i-th
    winner. The first counts[0] winners get the first tier, the next counts[1] the second, and so on; when there
    are fewer entrants than prizes the lower tiers stay (partly) empty."""
    positions = list(range(size))
    total = min(sum(counts), size)
    for i in range(total):
        j = i + uniform_index(seed, entrants_hash, i, size - i)
        positions[i], positions[j] = positions[j], positions[i]
    tiers, start = [], 0
    for count in counts:
        end = min(start + count, total)
        tiers.append(positions[start:end])
        start = end
    return tiers


# Entering ---------------------------------------------------------------------------------------------------------

def enter_lottery(activity: Activity, *, by) -> LotteryEntry:
    """The member enters the lottery, once (the unique constraint: 409 already_entered on a second try).

    The entry keeps the member's card number; its id is the ticket number published in the entrant list. No audit
    row is written per entry (the entries themselves are the record, and the draw's audit event carries the hash of
    the list); a behaviour event is."""
    member = admit(activity, by, kind=Activity.Kind.LOTTERY)
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = LotteryEntry.objects.create(activity=activity, person=member.person,
                                                    card_number=member.membership.card_number)
        except IntegrityError:
            raise Conflict("您已参与过本次抽奖，每人限参与一次", code="already_entered") from None
        # The UPDATE takes the activity row's lock, so a draw running now either waits for this entry or has
        # already closed the activity, which the re-read below sees (read committed: a new snapshot).
        count_participant(activity)
        status, drawn_at = Activity.objects.filter(pk=activity.pk).values_list("status", "drawn_at").get()
        if status != Activity.Status.PUBLISHED or drawn_at is not None:
            raise NotOpen("抽奖已结束，不能再参与")
        behaviour.took_part(member.person, "benefits.lottery.enter", activity)
    return entry


# Exclusions -------------------------------------------------------------------------------------------------------

def set_exclusions(activity: Activity, others: list[Activity], *, by) -> list[Activity]:
    """Winners of these other lotteries cannot win this one ("no double benefit"). Set while nobody has entered;
    the caller passes activities the actor may see (the API reads them through the cadre's scope)."""
    require_actor(by)
    if activity.kind != Activity.Kind.LOTTERY:
        raise Invalid.from_fields({"activity_ids": "只有抽奖活动可以设置排除名单"})
    if not can_manage(by, activity.org):
        raise Forbidden("只有本工会或上级工会的主席、管理员可以设置抽奖规则")
    errors = {}
    for other in others:
        if other.kind != Activity.Kind.LOTTERY:
            errors["activity_ids"] = f"“{other.title}”不是抽奖活动"
        elif other.pk == activity.pk:
            errors["activity_ids"] = "不能排除本活动自身"
    if errors:
        raise Invalid.from_fields(errors)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.participants > 0 or locked.drawn_at is not None or locked.status == Activity.Status.CLOSED:
            raise StateError("已有会员参与或活动已结束，不能再修改排除名单", code="rules_frozen")
        locked.exclude_winners_of.set(others)
        log_event("benefits.lottery.set_exclusions", actor=by, target=locked, org=locked.org,
                  data={"activities": sorted(o.pk for o in others)})
    return others


# Drawing ----------------------------------------------------------------------------------------------------------

def _eligible_entries(activity: Activity) -> tuple[list[LotteryEntry], int]:
    """The entries that take part in the draw, in ticket order, and how many were left out because their member
    already won one of the activities named in exclude_winners_of (as drawn so far)."""
    entries = list(LotteryEntry.objects.filter(activity=activity).select_related("person__user").order_by("pk"))
    excluded_people = set(LotteryEntry.objects.filter(
        activity__in=activity.exclude_winners_of.all(), prize__isnull=False).values_list("person_id", flat=True))
    eligible = [e for e in entries if e.person_id not in excluded_people]
    return eligible, len(entries) - len(eligible)


def draw(activity: Activity, *, by) -> Activity:
    """Draw the winners of a lottery, once; a cadre who manages its org, or SYSTEM.

    The lottery must be over: closed already, or published/paused with its end time passed (then the draw closes it
    first through close_activity, its own workflow step). Drawing before the end would cut entries short, so an
    activity still running is refused (409 not_closed): close it first if that is what you mean.

    In one transaction: freeze the entrant list (eligible entries in ticket order), publish it with its hash, pick
    the winners from the committed seed, store each winner's tier, stamp drawn_at (from then on the seed is shown),
    tell the winners in their inbox, record their behaviour event and audit the draw with the hashes."""
    require_actor(by)
    if activity.kind != Activity.Kind.LOTTERY:
        raise Invalid.from_fields({"kind": "只有抽奖活动可以开奖"})
    if not can_manage(by, activity.org):
        raise Forbidden("只有本工会或上级工会的主席、管理员可以开奖")
    if activity.drawn_at is not None:
        raise StateError("本次抽奖已开奖", code="already_drawn")
    if activity.status == Activity.Status.DRAFT:
        raise StateError("活动尚未发布，不能开奖", code="not_closed")
    if activity.status in (Activity.Status.PUBLISHED, Activity.Status.PAUSED):
        if timezone.now() < activity.ends_at:
            raise StateError("抽奖尚未结束，请先结束活动再开奖", code="not_closed")
        activity = close_activity(activity, by=by, note="抽奖时间已到，开奖前结束活动")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
        if locked.drawn_at is not None:
            raise StateError("本次抽奖已开奖", code="already_drawn")
        if locked.status != Activity.Status.CLOSED:
            raise StateError("抽奖尚未结束，请先结束活动再开奖", code="not_closed")
        entries, excluded = _eligible_entries(locked)
        lines = [entrant_line(e.pk, e.card_number) for e in entries]
        entrants_hash = list_hash(lines)
        tiers = list(PrizeTier.objects.filter(activity=locked).order_by("rank"))
        picks = select_winners(locked.seed, entrants_hash, len(lines), [t.count for t in tiers])
        winners: list[tuple[LotteryEntry, PrizeTier]] = []
        for tier, positions in zip(tiers, picks, strict=True):
            chosen = [entries[p] for p in positions]
            LotteryEntry.objects.filter(pk__in=[e.pk for e in chosen]).update(prize=tier)
            winners += [(e, tier) for e in chosen]
        locked.entrants_published = lines
        locked.entrants_hash = entrants_hash
        locked.drawn_at = timezone.now()
        locked.save(update_fields=["entrants_published", "entrants_hash", "drawn_at", "updated_at"])
        for entry, tier in winners:
            behaviour.took_part(entry.person, "benefits.lottery.win", locked)
            user = getattr(entry.person, "user", None)
            if user is not None:
                notify_user(user, subject="恭喜您中奖了", body=(
                    f"您参与的“{locked.title}”已开奖，您的抽奖号 {entry.pk} 获得“{tier.name}”。"
                    "领奖方式请留意发布单位的通知。"))
        log_event("benefits.lottery.draw", actor=by, target=locked, org=locked.org, data={
            "commitment": locked.commitment, "seed": locked.seed, "entrants_hash": entrants_hash,
            "entrants": len(lines), "excluded": excluded, "winners": len(winners)})
    return locked


# What is published, and checking it -------------------------------------------------------------------------------

def publication(activity: Activity) -> dict:
    """The published data of a lottery (GET /api/v1/activities/{id}/draw, verify-lottery, docs/verify_lottery.py):
    the commitment always; the list, its hash, the seed and the winners once drawn."""
    drawn = activity.drawn_at is not None
    tiers = list(PrizeTier.objects.filter(activity=activity).order_by("rank"))
    data: dict = {
        "activity_id": activity.pk, "title": activity.title, "status": activity.status, "algorithm": ALGORITHM,
        "commitment": activity.commitment,
        "prizes": [{"rank": t.rank, "name": t.name, "count": t.count} for t in tiers],
        "excluded_activities": sorted(activity.exclude_winners_of.values_list("pk", flat=True)),
        "drawn_at": activity.drawn_at, "entrants_hash": None, "entrant_count": None, "entrants": None,
        "seed": None, "winners": None,
    }
    if drawn:
        lines = list(activity.entrants_published)
        by_ticket = {line.split(" ", 1)[0]: line for line in lines}
        names = {t.pk: t for t in tiers}
        rows = (LotteryEntry.objects.filter(activity=activity, prize__isnull=False)
                .order_by("prize__rank", "pk").values_list("pk", "prize_id"))
        data.update(entrants_hash=activity.entrants_hash, entrant_count=len(lines), entrants=lines,
                    seed=activity.seed, winners=[
                        {"rank": names[prize].rank, "prize": names[prize].name, "ticket": pk,
                         "entrant": by_ticket.get(str(pk), "")} for pk, prize in rows])
    return data


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def expected_winners(seed: str, lines: list[str], counts: list[int]) -> list[list[str]]:
    """Each tier's winning lines (in draw order) recomputed from the published data."""
    picks = select_winners(seed, list_hash(lines), len(lines), counts)
    return [[lines[p] for p in positions] for positions in picks]


def verify(activity: Activity) -> Verification:
    """Recompute everything from the stored published data and report what differs (Chinese sentences):
    the seed against the commitment, the published list against its hash and against the entries in the database,
    and the winners recomputed from seed + list against the prizes stored on the entries."""
    result = Verification()
    if activity.drawn_at is None:
        result.problems.append("尚未开奖，没有可核验的开奖数据")
        return result
    if commitment_of(activity.seed) != activity.commitment:
        result.problems.append("随机种子与创建活动时公布的承诺值不符")
    lines = list(activity.entrants_published)
    if list_hash(lines) != activity.entrants_hash:
        result.problems.append("公示名单与公布的名单摘要不符")
    entries, _ = _eligible_entries(activity)
    if [entrant_line(e.pk, e.card_number) for e in entries] != lines:
        result.problems.append("公示名单与数据库中的抽奖登记不一致")
    tiers = list(PrizeTier.objects.filter(activity=activity).order_by("rank"))
    expected = expected_winners(activity.seed, lines, [t.count for t in tiers])
    stored = dict(LotteryEntry.objects.filter(activity=activity, prize__isnull=False).values_list("pk", "prize_id"))
    for tier, tier_lines in zip(tiers, expected, strict=True):
        want = sorted(int(line.split(" ", 1)[0]) for line in tier_lines)
        got = sorted(pk for pk, prize in stored.items() if prize == tier.pk)
        if want != got:
            result.problems.append(
                f"“{tier.name}”的中奖抽奖号应为 {want or '无'}，实际为 {got or '无'}")
    return result
