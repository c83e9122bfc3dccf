import pytest
from django.core.management import call_command

from smartunion.accounts.models import User
from smartunion.benefits.models import Activity, Response, Signup
from smartunion.benefits.services.lottery import verify
from smartunion.core.actors import SYSTEM
from smartunion.members.card_tokens import member_card
from smartunion.members.cards import card_number, is_card_number
from smartunion.members.models import CardSequence, Membership, Person
from smartunion.orgs.models import Employer, Organisation
from smartunion.orgs.queries import visible_orgs

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Organisation.objects.order_by("pk").values_list("name", "kind", "path")[:400]),
        list(Person.objects.order_by("pk").values_list("name", "birth_date", "employment_form")),
        list(Membership.objects.order_by("pk").values_list("card_number", "union__name")),
    )


def test_seed_builds_the_province_with_its_real_cities_and_demo_accounts(capsys):
    call_command("seed", "--members", "40", "--seed", "7")
    out = capsys.readouterr().out
    province = Organisation.objects.get(kind="province")
    assert province.name == "山东省总工会"
    cities = set(Organisation.objects.filter(kind="city").values_list("region_id", "name"))
    assert len(cities) == 16 and ("370100", "济南市总工会") in cities and ("371700", "菏泽市总工会") in cities
    assert Organisation.objects.filter(kind="county").count() == 136
    assert Organisation.objects.get(kind="county", region_id="370102").name == "历下区总工会"
    assert set(User.objects.filter(username__in=["admin", "jinan", "qingdao", "lixia", "worker", "newcomer"])
               .values_list("username", flat=True)) == {"admin", "jinan", "qingdao", "lixia", "worker", "newcomer"}
    assert "演示账号（密码均为 smartunion-demo）" in out and "会员：40/40（100%）" in out
    # 40 synthetic members + the demo worker + the six members taking part in the demo activities, all counted in
    # the maintained figure.
    assert Organisation.objects.get(pk=province.pk).subtree_member_count == 47
    # Employers of all three kinds: own union, joint union, none.
    kinds = {e.covering_union.kind if e.covering_union else None for e in Employer.objects.select_related(
        "covering_union")}
    assert kinds == {"grassroots", "joint", None}
    assert Person.objects.filter(employment_form__in=["11", "12", "13", "14", "15", "16"]).exists()
    jinan = User.objects.get(username="jinan")
    assert set(visible_orgs(jinan).filter(kind="city").values_list("name", flat=True)) == {"济南市总工会"}
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.person_id is None and newcomer.check_password("smartunion-demo")
    worker = User.objects.get(username="worker")
    membership = Membership.objects.get(person=worker.person, status="active")
    assert membership.union.kind == "grassroots" and membership.union.region_id == "370102"
    # One card number: every membership carries a number in the card format of its city's federation, the
    # sequences continue after them, and the worker's card shows the membership's number.
    numbers = list(Membership.objects.values_list("card_number", "union__path"))
    assert len(numbers) == 47 and all(is_card_number(n) for n, _ in numbers)
    jinan_org = Organisation.objects.get(kind="city", region_id="370100")
    issued_in_jinan = [n for n, path in numbers if path.startswith(jinan_org.path)]
    assert sorted(issued_in_jinan)[-1] == card_number("370100", CardSequence.objects.get(org=jinan_org).last)
    assert member_card(worker)[1].card_number == membership.card_number
    # 惠工活动 of every kind in 济南, and the merchant account.
    activities = {a.kind: a for a in Activity.objects.filter(org=jinan_org)}
    assert {k: a.status for k, a in activities.items()} == {
        "coupon": "published", "lottery": "closed", "vote": "published", "survey": "published",
        "signup": "published"}
    assert (activities["coupon"].claimed, activities["coupon"].stock) == (3, 500)
    assert activities["lottery"].drawn_at is not None and len(activities["lottery"].entrants_published) == 7
    assert verify(activities["lottery"]).ok
    assert Response.objects.filter(activity=activities["survey"]).count() == 3
    assert sorted(Signup.objects.filter(activity=activities["signup"]).values_list("status", flat=True)) == [
        "confirmed", "confirmed", "confirmed", "waiting", "waiting"]
    merchant = User.objects.get(username="merchant")
    assert (merchant.kind, merchant.check_password("smartunion-demo")) == ("merchant", True)
    assert "merchant" in out


class _Rollback(Exception):
    pass


def seeded_snapshot(seed: int):
    """Seed inside a savepoint, take a snapshot, roll the savepoint back."""
    from django.db import transaction

    try:
        with transaction.atomic():
            call_command("seed", "--members", "25", "--seed", str(seed), stdout=open("/dev/null", "w"))
            result = snapshot()
            raise _Rollback
    except _Rollback:
        return result


def test_seed_is_deterministic_for_a_seed():
    first, second, other = seeded_snapshot(11), seeded_snapshot(11), seeded_snapshot(12)
    assert [row[:2] for row in first[0]] == [row[:2] for row in second[0]]
    assert first[1] == second[1] and len(first[1]) == 32  # 25 members, the worker, six demo participants
    assert [u for _, u in first[2]] == [u for _, u in second[2]]
    assert first[1] != other[1]


def test_seed_refuses_to_run_twice():
    from django.core.management.base import CommandError

    call_command("seed", "--members", "0", stdout=open("/dev/null", "w"))
    with pytest.raises(CommandError, match="演示数据已存在"):
        call_command("seed", "--members", "0")


def test_rows_created_after_the_seed_get_fresh_ids():
    """The seeder assigns ids itself; the database's own sequences must have moved past them (PostgreSQL)."""
    import datetime as dt

    from smartunion.core.validators import make_id_number
    from smartunion.members.services import membership_start, person_upsert
    from smartunion.orgs import services

    call_command("seed", "--members", "30", stdout=open("/dev/null", "w"))
    town = Organisation.objects.filter(kind="township").first()
    union = services.org_create(parent=town, kind="grassroots", name="新建工会", by=SYSTEM)
    person, created = person_upsert(name="新人", id_number=make_id_number("370102", dt.date(1999, 9, 9), 999),
                                    by=SYSTEM)
    membership = membership_start(person=person, union=union, card_number="X-1", by=SYSTEM)
    assert created is True
    assert union.pk > Organisation.objects.exclude(pk=union.pk).order_by("-pk").first().pk
    assert person.pk == Person.objects.order_by("-pk").first().pk
    assert membership.pk == Membership.objects.order_by("-pk").first().pk
