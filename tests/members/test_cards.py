"""Member card numbers (region + sequence + Luhn) and the card's life: issue, revoke, reissue."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Invalid, StateError
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_id_number
from smartunion.members.cards import (
    LatestCard,
    active_card,
    allocate_numbers,
    card_number,
    issue_card,
    issue_cards,
    issuer_for,
    luhn_check_digit,
    luhn_valid,
    next_card,
    reissue_card,
    revoke_card,
)
from smartunion.members.models import CardSequence, MemberCard, Membership
from smartunion.members.services import person_upsert


@pytest.fixture
def worker_person(personas):
    return personas.worker.person


# Numbers ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("digits", "check"), [
    ("7992739871", "3"),  # the textbook example
    ("370100000000001", "4"),
    ("370100000000002", "2"),
    ("0", "0"),
])
def test_luhn_check_digit(digits, check):
    assert luhn_check_digit(digits) == check


def test_luhn_valid():
    assert luhn_valid("79927398713") is True
    assert luhn_valid("79927398710") is False
    assert luhn_valid("3701000000000014") is True
    assert luhn_valid("3701000000000015") is False
    assert luhn_valid("37010000000000a4") is False
    assert luhn_valid("4") is False


def test_card_number_is_region_sequence_and_check_digit():
    assert card_number("370100", 1) == "3701000000000014"
    assert card_number("370100", 2) == "3701000000000022"
    assert card_number("370200", 999_999_999) == "370200999999999" + luhn_check_digit("370200999999999")
    assert len(card_number("370100", 123)) == 16


@pytest.mark.parametrize(("region", "sequence"), [
    ("37010", 1), ("3701000", 1), ("37010A", 1), ("370100", 0), ("370100", 1_000_000_000), ("370100", -1),
])
def test_card_number_refuses_bad_input(region, sequence):
    with pytest.raises(ValueError):
        card_number(region, sequence)


def test_issuer_is_the_city_federation_above_the_union(tree):
    assert issuer_for(tree.grassroots) == tree.jinan
    assert issuer_for(tree.qd_grassroots) == tree.qingdao
    assert issuer_for(tree.jinan) == tree.jinan


def test_allocate_numbers_is_consecutive_per_issuer_and_never_reuses(tree):
    assert allocate_numbers(tree.jinan, 3) == [card_number("370100", n) for n in (1, 2, 3)]
    assert allocate_numbers(tree.jinan, 2) == [card_number("370100", n) for n in (4, 5)]
    # Another issuer has its own sequence.
    assert allocate_numbers(tree.qingdao, 1) == ["3702000000000013"]
    assert allocate_numbers(tree.jinan, 1) == [card_number("370100", 6)]
    assert CardSequence.objects.get(org=tree.jinan).last == 6
    assert CardSequence.objects.get(org=tree.qingdao).last == 1


# Issue, revoke, reissue ---------------------------------------------------------------------------------------------


def test_issue_card_gives_a_new_number_once_and_then_returns_the_active_card(tree, worker_person):
    card = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    assert (card.card_number, card.version, card.status, card.issuer_id) == (
        "3701000000000014", 1, "active", tree.jinan.pk)
    again = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    assert again.pk == card.pk
    assert MemberCard.objects.count() == 1
    assert CardSequence.objects.get(org=tree.jinan).last == 1
    event = AuditEvent.objects.get(action="members.card.issue")
    # The fixture's membership carries a number from before the card format: it takes the card's, so the member
    # sees one number on the card page, in 我的 and in the console.
    assert (event.target_id, event.data, event.org_id) == (
        str(card.pk), {"version": 1, "renumbered_from": "370102000000001"}, tree.grassroots.pk)
    assert Membership.objects.get(person=worker_person, status="active").card_number == "3701000000000014"


def test_a_card_takes_the_number_the_membership_already_has(tree, worker_person):
    Membership.objects.filter(person=worker_person).update(card_number=card_number("370100", 42))
    card = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    assert (card.card_number, card.issuer) == (card_number("370100", 42), tree.jinan)
    assert not CardSequence.objects.filter(org=tree.jinan).exists()  # nothing allocated
    assert AuditEvent.objects.get(action="members.card.issue").data == {"version": 1}


def test_reissue_keeps_the_number_bumps_the_version_and_revokes_the_old_card(tree, worker_person, personas):
    old = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    new = reissue_card(old, by=personas.worker)
    assert (new.card_number, new.version, new.status) == ("3701000000000014", 2, "active")
    old.refresh_from_db()
    assert (old.status, old.revoke_reason) == ("revoked", "挂失补办")
    assert old.revoked_at is not None
    assert active_card(worker_person).pk == new.pk
    assert str(new) == "3701000000000014（第2版）"
    # No new number was used.
    assert CardSequence.objects.get(org=tree.jinan).last == 1
    actions = list(AuditEvent.objects.filter(action__startswith="members.card.").order_by("id")
                   .values_list("action", "actor__username", "data"))
    assert actions == [
        ("members.card.issue", None, {"version": 1, "renumbered_from": "370102000000001"}),
        ("members.card.revoke", "worker", {"reason": "挂失补办"}),
        ("members.card.reissue", "worker", {"previous_version": 1}),
    ]


def test_reissuing_twice_counts_up(tree, worker_person):
    first = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    second = reissue_card(first, by=SYSTEM)
    third = reissue_card(second, by=SYSTEM)
    assert [(c.version, c.status) for c in MemberCard.objects.order_by("version")] == [
        (1, "revoked"), (2, "revoked"), (3, "active")]
    assert third.card_number == first.card_number


def test_revoke_needs_a_reason_and_happens_once(tree, worker_person):
    card = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    with pytest.raises(Invalid) as exc:
        revoke_card(card, reason="  ", by=SYSTEM)
    assert (exc.value.code, exc.value.messages) == ("reason_required", ["请填写作废原因"])
    revoke_card(card, reason="手机丢失", by=SYSTEM)
    with pytest.raises(StateError) as exc:
        revoke_card(card, reason="手机丢失", by=SYSTEM)
    assert (exc.value.code, exc.value.messages) == ("already_revoked", ["该会员证已作废"])
    assert active_card(worker_person) is None


def test_issue_after_a_revocation_reactivates_the_same_number_as_the_next_version(tree, worker_person):
    card = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    revoke_card(card, reason="会籍终止", by=SYSTEM)
    again = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    assert (again.card_number, again.version, again.status) == (card.card_number, 2, "active")
    assert CardSequence.objects.get(org=tree.jinan).last == 1


# One rule for issuing, one card at a time or in bulk ---------------------------------------------------------------


def test_next_card_keeps_a_persons_number():
    fresh = iter([("3701000000000014", 9)])

    assert next_card(None, new_card=lambda: next(fresh)) == ("3701000000000014", 1, 9)
    assert next_card(LatestCard("3701000000000022", 2, 9, active=True), new_card=lambda: next(fresh)) is None
    assert next_card(LatestCard("3701000000000022", 2, 9, active=False), new_card=lambda: next(fresh)) == (
        "3701000000000022", 3, 9)


def test_bulk_issuing_follows_the_same_rule(tree, personas, worker_person):
    revoked = issue_card(worker_person, union=tree.grassroots, by=SYSTEM)
    revoke_card(revoked, reason="测试", by=SYSTEM)
    newcomer, _ = person_upsert(name="李娜", id_number=make_id_number("370102", dt.date(1990, 1, 1), 2), by=SYSTEM)
    issuer = issuer_for(tree.grassroots)
    fresh = iter(allocate_numbers(issuer, 1))

    numbers = issue_cards([(worker_person.pk, LatestCard(revoked.card_number, 1, issuer.pk, active=False)),
                           (newcomer.pk, None)], new_card=lambda: (next(fresh), issuer.pk),
                          issued_at=connection.ops.adapt_datetimefield_value(timezone.now()))

    assert numbers == {worker_person.pk: revoked.card_number, newcomer.pk: card_number("370100", 2)}
    assert sorted(MemberCard.objects.filter(status="active").values_list("person", "card_number", "version")) == [
        (worker_person.pk, revoked.card_number, 2), (newcomer.pk, card_number("370100", 2), 1)]
