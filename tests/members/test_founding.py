"""Founding: when an employer whose workers are attached to the township union sets up its own union, the
attached members move into it in one action, keeping their member numbers."""

from __future__ import annotations

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, StateError
from smartunion.core.models import OutboxMessage
from smartunion.members.models import Membership, MembershipChange
from smartunion.members.services import approve_join_application, reattach_members
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer, Organisation

pytestmark = pytest.mark.django_db

K = Organisation.Kind


@pytest.fixture
def attached(tree, town, town_cadre, submit, approved_member):
    """Two workers of 济南丁餐饮有限公司 (the first applied with an account) and one of 济南戊商贸有限公司, all
    attached to the township union."""
    first = approve_join_application(submit(1, employer_name="济南丁餐饮有限公司", name="李娜"), by=town_cadre)
    second = approved_member(2, employer_name="济南丁餐饮有限责任公司", name="赵敏")
    other = approved_member(3, employer_name="济南戊商贸有限公司", name="钱进")
    employer = Employer.objects.get(name="济南丁餐饮有限公司")
    assert [m.person.employer for m in (first, second)] == [employer, employer]
    assert [(m.union, m.provisional) for m in (first, second, other)] == [(tree.lixia_town, True)] * 3
    return employer, first, second, other


@pytest.fixture
def founded(tree, attached):
    """济南丁餐饮 sets up its own union."""
    employer = attached[0]
    union = org_services.org_create(parent=tree.lixia_town, kind=K.GRASSROOTS, name="丁餐饮公司工会委员会",
                                    region="370102", by=SYSTEM)
    org_services.employer_update(employer, covering_union=union, by=SYSTEM)
    return union


def test_attached_members_follow_their_employer_into_its_new_union(tree, town_cadre, attached, founded, newcomer,
                                                                   django_capture_on_commit_callbacks):
    employer, first, second, other = attached
    town_before = Organisation.objects.get(pk=tree.lixia_town.pk)
    assert (town_before.member_count, founded.member_count) == (3, 0)

    with django_capture_on_commit_callbacks(execute=True):
        moved = reattach_members(employer=employer, by=town_cadre)
    assert moved == 2

    for old in (first, second):
        old = Membership.objects.get(pk=old.pk)
        assert (old.status, old.union) == ("transferred", tree.lixia_town)
        new = Membership.objects.get(person=old.person, status="active")
        assert (new.union, new.union_path, new.card_number, new.provisional) == (
            founded, founded.path, old.card_number, False)
        assert list(MembershipChange.objects.filter(person=old.person).values_list(
            "change_type", "reason", "from_union", "to_union", "membership", "actor", "note")) == [
            ("01", "0101", None, tree.lixia_town.pk, old.pk, town_cadre.pk,
             "所在单位尚未建立工会，由“历下区解放路街道工会”受理，入会后挂靠该工会"),
            ("08", "0801", None, tree.lixia_town.pk, old.pk, town_cadre.pk, ""),
            ("09", "0901", tree.lixia_town.pk, founded.pk, new.pk, town_cadre.pk,
             "“济南丁餐饮有限公司”建会，会籍由挂靠工会转入本单位工会"),
        ]
    untouched = Membership.objects.get(pk=other.pk)
    assert (untouched.status, untouched.union, untouched.provisional) == ("active", tree.lixia_town, True)
    assert not MembershipChange.objects.filter(person=other.person, change_type="09").exists()

    town_after = Organisation.objects.get(pk=tree.lixia_town.pk)
    union_after = Organisation.objects.get(pk=founded.pk)
    assert (town_after.member_count, union_after.member_count, union_after.subtree_member_count) == (1, 2, 2)
    assert town_after.subtree_member_count == town_before.subtree_member_count  # the new union is below it

    # The first worker applied with an account: they are told where their membership went.
    notice = OutboxMessage.objects.get(user=newcomer, subject="会籍已转入本单位工会")
    assert notice.body == "您所在单位已建立工会，您的会籍已转入“丁餐饮公司工会委员会”。"

    assert reattach_members(employer=employer, by=town_cadre) == 0
    assert Membership.objects.filter(union=founded, status="active").count() == 2


def test_the_new_union_may_run_it_too(tree, attached, founded, personas):
    employer = attached[0]
    assert reattach_members(employer=employer, by=personas.county_cadre) == 2


def test_a_cadre_of_neither_union_may_not(tree, personas, attached, founded):
    with pytest.raises(Forbidden) as exc:
        reattach_members(employer=attached[0], by=personas.other_city_cadre)
    assert str(exc.value) == "您无权办理这些会员的转移"
    assert Membership.objects.filter(union=founded).count() == 0


def test_an_employer_without_a_union_is_refused(tree, town_cadre, attached):
    with pytest.raises(StateError) as exc:
        reattach_members(employer=attached[0], by=town_cadre)
    assert exc.value.messages == ["该单位尚未建立工会或被联合工会覆盖"]


def test_a_joint_union_covering_the_employer_takes_them_in(tree, town_cadre, attached):
    employer = attached[0]
    joint = org_services.org_create(parent=tree.lixia_town, kind=K.JOINT, name="解放路餐饮联合工会", region="370102",
                                    by=SYSTEM)
    org_services.employer_update(employer, covering_union=joint, by=SYSTEM)
    assert reattach_members(employer=employer, by=town_cadre) == 2
    assert Membership.objects.filter(union=joint, status="active", provisional=False).count() == 2


def test_members_of_an_ordinary_union_are_not_moved(tree, personas, town_cadre):
    # 张伟 is a member of 甲公司工会委员会 (not attached): a "founding" for 济南甲科技 moves nobody.
    assert reattach_members(employer=tree.employer, by=town_cadre) == 0
    assert Membership.objects.get(person=personas.worker.person, status="active").union == tree.grassroots
