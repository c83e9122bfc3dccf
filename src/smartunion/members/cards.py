"""Member card numbers and the card's life: issue, revoke, reissue.

Card number rule (16 digits): the issuing federation's 6-digit GB/T 2260 region code, a 9-digit sequence kept per
issuing federation, and a Luhn check digit over the first 15 digits. The issuing federation is the city federation
above the member's union (the province federation where there is no city level). Numbers are never reused: the
sequence only moves forward, and a lost card is reissued as a new version of the same number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.core.bulk import insert_rows
from smartunion.core.errors import Invalid, StateError
from smartunion.members.models import CardSequence, MemberCard, Membership, Person
from smartunion.members.queries import active_membership
from smartunion.orgs.models import Organisation, ancestor_paths

SEQUENCE_DIGITS = 9


def luhn_check_digit(digits: str) -> str:
    """The Luhn digit that makes `digits + check` valid (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # every second digit from the right, starting next to the check digit
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]


def card_number(region_code: str, sequence: int) -> str:
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("region code must be 6 digits")
    if not 0 < sequence < 10**SEQUENCE_DIGITS:
        raise ValueError("sequence out of range")
    body = f"{region_code}{sequence:0{SEQUENCE_DIGITS}d}"
    return body + luhn_check_digit(body)


def issuer_for(union: Organisation) -> Organisation:
    """The city federation above the union, else the province federation, else the nearest federation."""
    chain = list(Organisation.objects.filter(path__in=ancestor_paths(union.path)).order_by("-depth"))
    for kind in (Organisation.Kind.CITY, Organisation.Kind.PROVINCE):
        for org in chain:
            if org.kind == kind and org.region_id:
                return org
    for org in chain:
        if org.is_federation and org.region_id:
            return org
    raise StateError("该工会上级没有设置行政区划的总工会，无法发放会员证", code="card_unavailable")


def allocate_numbers(issuer: Organisation, count: int) -> list[str]:
    """Reserve `count` consecutive card numbers for the issuer (one locked row per issuing federation)."""
    with transaction.atomic():
        sequence, _ = CardSequence.objects.select_for_update().get_or_create(org=issuer)
        first = sequence.last + 1
        sequence.last += count
        sequence.save(update_fields=["last"])
    region = issuer.region_id[:6]
    return [card_number(region, n) for n in range(first, first + count)]


def active_card(person: Person) -> MemberCard | None:
    return MemberCard.objects.filter(person=person, status=MemberCard.Status.ACTIVE).first()


def is_card_number(number: str) -> bool:
    """A number in the card format: 6-digit region, 9-digit sequence, Luhn check digit."""
    return len(number or "") == 6 + SEQUENCE_DIGITS + 1 and luhn_valid(number)


class LatestCard(NamedTuple):
    """A person's latest card version: its number, version and issuer, and whether the person holds an active
    card (this version or an earlier one)."""

    card_number: str
    version: int
    issuer_id: int
    active: bool


def next_card(latest: LatestCard | None, *, new_card: Callable[[], tuple[str, int]]) -> tuple[str, int, int] | None:
    """The card issuing gives a person, as (number, version, issuer id): None while they hold an active card; their
    old number again as its next version; else `new_card()`'s (number, issuer id) as version 1. Numbers are never
    reused for someone else and never change for a person. The one rule of issue_card and issue_cards."""
    if latest is None:
        number, issuer_id = new_card()
        return number, 1, issuer_id
    if latest.active:
        return None
    return latest.card_number, latest.version + 1, latest.issuer_id


def issue_card(person: Person, *, union: Organisation, by) -> MemberCard:
    """The person's card: the active one if they have it, else a card with their membership's number (one number
    everywhere), or their old number re-activated as a new version, or a new number. A membership still carrying a
    number from before the card format (an early import) takes the new card's number, so the member sees one."""
    require_actor(by)
    existing = active_card(person)
    if existing is not None:
        return existing
    previous = MemberCard.objects.filter(person=person).order_by("-version").first()
    latest = None if previous is None else LatestCard(previous.card_number, previous.version, previous.issuer_id,
                                                      False)
    data: dict = {}

    def new_card() -> tuple[str, int]:
        issuer = issuer_for(union)
        membership = active_membership(person, related=())
        if membership is not None and is_card_number(membership.card_number):
            return membership.card_number, issuer.pk
        number = allocate_numbers(issuer, 1)[0]
        if membership is not None:
            Membership.objects.filter(pk=membership.pk).update(card_number=number)
            data["renumbered_from"] = membership.card_number
        return number, issuer.pk

    with transaction.atomic():
        issued = next_card(latest, new_card=new_card)
        if issued is None:  # cannot happen: an active card was looked for above
            raise RuntimeError("issue_card: the person holds an active card")
        number, version, issuer_id = issued
        card = MemberCard.objects.create(person=person, card_number=number, version=version, issuer_id=issuer_id)
        log_event("members.card.issue", actor=by, target=card, org=union, data={"version": card.version, **data})
    return card


CARD_COLUMNS = ("person", "card_number", "version", "issuer", "status", "issued_at", "revoke_reason")


def issue_cards(people: Iterable[tuple[int, LatestCard | None]], *, new_card: Callable[[], tuple[str, int]],
                issued_at) -> dict[int, str]:
    """issue_card for a bulk load (the roster import): each person's card number by the same rule (next_card),
    the new card rows inserted in one statement (core.bulk; `issued_at` as the database stores it). For people
    who are not members yet; the caller writes their memberships with these numbers and audits the load."""
    numbers: dict[int, str] = {}
    rows = []
    for person_id, latest in people:
        issued = next_card(latest, new_card=new_card)
        if issued is None:  # an active card: its number is the membership's
            numbers[person_id] = latest.card_number if latest is not None else ""
            continue
        number, version, issuer_id = issued
        numbers[person_id] = number
        rows.append((person_id, number, version, issuer_id, MemberCard.Status.ACTIVE.value, issued_at, ""))
    insert_rows(MemberCard, CARD_COLUMNS, rows)
    return numbers


def revoke_card(card: MemberCard, *, by, reason: str) -> MemberCard:
    """Make a card (and every QR it produced) invalid, e.g. when a phone with the card is lost."""
    require_actor(by)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("请填写作废原因", code="reason_required", fields={"reason": "请填写作废原因"})
    with transaction.atomic():
        locked = MemberCard.objects.select_for_update().get(pk=card.pk)
        if locked.status != MemberCard.Status.ACTIVE:
            raise StateError("该会员证已作废", code="already_revoked")
        locked.status = MemberCard.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason[:100]
        locked.save(update_fields=["status", "revoked_at", "revoke_reason"])
        log_event("members.card.revoke", actor=by, target=locked, org=_union_of(locked.person),
                  data={"reason": locked.revoke_reason})
    return locked


def reissue_card(card: MemberCard, *, by, reason: str = "挂失补办") -> MemberCard:
    """Lost card: revoke this version and issue the next version of the same number."""
    require_actor(by)
    with transaction.atomic():
        if card.status == MemberCard.Status.ACTIVE:
            revoke_card(card, by=by, reason=reason)
        elif MemberCard.objects.filter(person=card.person, status=MemberCard.Status.ACTIVE).exists():
            raise StateError("该会员已有有效的会员证", code="already_active")
        latest = MemberCard.objects.filter(card_number=card.card_number).order_by("-version").values_list(
            "version", flat=True).first()
        new = MemberCard.objects.create(person=card.person, card_number=card.card_number, version=latest + 1,
                                        issuer=card.issuer)
        log_event("members.card.reissue", actor=by, target=new, org=_union_of(card.person),
                  data={"previous_version": card.version})
    return new


def _union_of(person: Person) -> Organisation | None:
    """Where a card event is filed in the audit log: the member's current union."""
    membership = active_membership(person)
    return membership.union if membership else None
