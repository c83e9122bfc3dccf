import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Invalid, StateError
from smartunion.core.validators import make_id_number
from smartunion.members.models import Membership, Person
from smartunion.members.services import membership_end, membership_start, person_upsert
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_sex_and_birth_date_come_from_the_id_number():
    person, created = person_upsert(name="刘敏", id_number=make_id_number("370102", dt.date(1992, 8, 15), 124),
                                    by=SYSTEM)
    assert created is True
    assert (person.sex, person.birth_date) == ("2", dt.date(1992, 8, 15))


def test_one_person_per_id_number():
    id_number = make_id_number("370102", dt.date(1980, 1, 2), 11)
    first, _ = person_upsert(name="孙杰", id_number=id_number, by=SYSTEM)
    second, created = person_upsert(name="孙杰", id_number=id_number, by=SYSTEM)
    assert (second.pk, created, Person.objects.count()) == (first.pk, False, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="冒名", id_number=id_number, sex="1", birth_date=dt.date(1980, 1, 2))


def test_bad_input_is_refused_with_every_reason_and_nothing_is_written():
    with pytest.raises(Invalid) as exc:
        person_upsert(name=" ", id_number="370102199002300011", phone="12345", ethnicity="99", by=SYSTEM)
    assert exc.value.fields == {
        "name": "请填写姓名",
        "id_number": "身份证号码中的出生日期无效",
        "phone": "手机号码格式不正确，应为11位中国大陆手机号",
        "ethnicity": "民族代码无效",
    }
    assert Person.objects.count() == 0


def test_database_allows_one_active_membership_per_person(tree):
    person, _ = person_upsert(name="周涛", id_number=make_id_number("370202", dt.date(1988, 4, 4), 31), by=SYSTEM)
    membership_start(person=person, union=tree.grassroots, card_number="M1", by=SYSTEM)
    with pytest.raises(Conflict) as exc:
        membership_start(person=person, union=tree.qd_grassroots, card_number="M2", by=SYSTEM)
    assert exc.value.messages == ["该职工已是在册会员，不能重复入会"]
    # Even bypassing the service, the database refuses a second active row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=person, union=tree.qd_grassroots, card_number="M3",
                                  since=dt.date(2026, 1, 1))
    assert Organisation.objects.get(pk=tree.qd_grassroots.pk).member_count == 0


def test_ending_a_membership_frees_the_person_and_updates_the_figures(tree):
    person, _ = person_upsert(name="吴娟", id_number=make_id_number("370102", dt.date(1979, 9, 9), 45), by=SYSTEM)
    first = membership_start(person=person, union=tree.grassroots, card_number="M10", by=SYSTEM)
    membership_end(first, status=Membership.Status.TRANSFERRED, reason="工作调动", by=SYSTEM)
    membership_start(person=person, union=tree.qd_grassroots, card_number="M11", by=SYSTEM)
    counts = dict(Organisation.objects.values_list("name", "subtree_member_count"))
    assert (counts["济南市总工会"], counts["青岛市总工会"], counts["山东省总工会"]) == (0, 1, 1)
    with pytest.raises(StateError):
        membership_end(first, by=SYSTEM)


def test_federations_take_no_members(tree):
    person, _ = person_upsert(name="郑勇", id_number=make_id_number("370102", dt.date(1985, 1, 1), 5), by=SYSTEM)
    with pytest.raises(Invalid) as exc:
        membership_start(person=person, union=tree.jinan, card_number="M20", by=SYSTEM)
    assert exc.value.fields == {"union": "会员只能加入基层工会、联合基层工会、乡镇（街道）工会或分工会"}
