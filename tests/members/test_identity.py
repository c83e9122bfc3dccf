"""One account, one real person (issue 6): an account is bound to the ID number of its first application or
approval; another ID number from that account, or that ID number from another account, is identity_mismatch; an
account whose person is a member gets already_member whatever it sends; filing for someone else is a cadre act."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.conftest import make_user
from tests.members.conftest import cadre, join_values, newcomer_id

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.models import AuditEvent
from smartunion.core.pii import blind_index
from smartunion.members.models import JoinApplication, Membership, Person
from smartunion.members.services import (
    IDENTITY_OTHER_PERSON,
    IDENTITY_TAKEN,
    AlreadyMember,
    IdentityMismatch,
    approve_join_application,
    join_apply,
    reject_join_application,
)
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db


def index_of(sequence: int) -> str:
    return blind_index(newcomer_id(sequence), purpose="id_number")


def binding(user) -> tuple[str | None, bool]:
    user = User.objects.get(pk=user.pk)
    return user.real_name_index, user.real_name_bound_at is not None


def test_the_messages():
    assert IDENTITY_OTHER_PERSON == (
        "您的账号已实名绑定本人身份，只能为本人申请入会，不能使用他人的身份证号码申请。"
        "如需为他人申请入会，请由本人使用自己的账号申请，或请所在单位、乡镇（街道）工会的工会干部代为申请")
    assert IDENTITY_TAKEN == ("该身份证号码已与其他账号绑定，请使用绑定的账号登录后申请；"
                              "如需为他人申请入会，请由工会干部代为申请。如有疑问，请联系所在地工会核实")


# The exploit of the issue ----------------------------------------------------------------------------------------


def test_one_account_cannot_file_under_three_id_numbers(tree, town, newcomer):
    assert binding(newcomer) == (None, False)
    first, created = join_apply(by=newcomer, **join_values(1))
    assert (created, first.applicant, binding(newcomer)) == (True, newcomer, (index_of(1), True))
    for sequence in (2, 3):
        with pytest.raises(IdentityMismatch) as exc:
            join_apply(by=newcomer, **join_values(sequence, name="王强"))
        assert (exc.value.messages, exc.value.code) == ([IDENTITY_OTHER_PERSON], "identity_mismatch")
        assert isinstance(exc.value, Conflict) and exc.value.fields == {"id_number": IDENTITY_OTHER_PERSON}
    assert list(JoinApplication.objects.values_list("pk", flat=True)) == [first.pk]
    assert binding(newcomer) == (index_of(1), True)
    submitted = AuditEvent.objects.get(action="members.join_application.submit")
    assert (submitted.actor, submitted.data) == (newcomer, {"dispatch_reason": "township", "real_name_bound": True})


def test_the_same_id_number_again_returns_the_pending_application(tree, town, newcomer):
    first, _ = join_apply(by=newcomer, **join_values(1))
    again, created = join_apply(by=newcomer, **join_values(1))
    assert (again.pk, created, binding(newcomer)) == (first.pk, False, (index_of(1), True))


def test_after_a_rejection_the_bound_account_applies_again_only_for_itself(tree, town, town_cadre, newcomer):
    first, _ = join_apply(by=newcomer, **join_values(1))
    reject_join_application(first, by=town_cadre, reason="材料不全")
    with pytest.raises(IdentityMismatch):
        join_apply(by=newcomer, **join_values(2))
    second, created = join_apply(by=newcomer, **join_values(1))
    assert (created, second.pk != first.pk) == (True, True)


def test_a_refused_input_does_not_bind(tree, town, newcomer):
    with pytest.raises(Invalid):
        join_apply(by=newcomer, **join_values(1, phone="123"))
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, **join_values(1, work_region="370203"))
    assert exc.value.fields == {"work_region": "该地区暂未开通网上入会，请联系当地总工会"}
    assert binding(newcomer) == (None, False)
    _application, created = join_apply(by=newcomer, **join_values(2))
    assert (created, binding(newcomer)) == (True, (index_of(2), True))


def test_an_id_number_bound_to_one_account_is_refused_from_another(tree, town, newcomer):
    join_apply(by=newcomer, **join_values(1))
    other = make_user("other_worker", kind=User.Kind.WORKER, phone="13800002222")
    with pytest.raises(IdentityMismatch) as exc:
        join_apply(by=other, **join_values(1, phone="13800002222"))
    assert (exc.value.messages, exc.value.code) == ([IDENTITY_TAKEN], "identity_mismatch")
    assert (JoinApplication.objects.count(), binding(other)) == (1, (None, False))
    # The other account is still free to apply for its own person.
    assert join_apply(by=other, **join_values(2, phone="13800002222"))[1] is True


def test_an_id_number_held_as_another_accounts_person_is_refused(tree, town):
    # An account approved before binding existed: a person, no real_name_index. Its ID number is taken.
    person = Person.objects.create(name="李娜", id_number=newcomer_id(1), sex="2", birth_date=dt.date(1995, 6, 1))
    make_user("old_account", kind=User.Kind.WORKER, phone="13800003333", person=person)
    newcomer = make_user("newcomer2", kind=User.Kind.WORKER, phone="13800004444")
    with pytest.raises(IdentityMismatch) as exc:
        join_apply(by=newcomer, **join_values(1))
    assert exc.value.messages == [IDENTITY_TAKEN]
    assert binding(newcomer) == (None, False)


# Accounts with a person from before binding existed -------------------------------------------------------------


def test_an_account_with_a_person_is_bound_to_that_person(tree, town, personas):
    # A former member (membership ended) whose account has its person but no real_name_index.
    worker = personas.worker
    Membership.objects.filter(person=worker.person).update(status="ended")
    assert binding(worker) == (None, False)
    with pytest.raises(IdentityMismatch) as exc:
        join_apply(by=worker, **join_values(1, phone="13900000001"))
    assert exc.value.messages == [IDENTITY_OTHER_PERSON]
    application, created = join_apply(by=worker, **join_values(
        name="张伟", id_number=worker.person.id_number, phone="13900000001"))
    assert (created, application.applicant) == (True, worker)
    # The binding is written now, from the person: the unique constraint covers it from here on.
    assert binding(worker) == (worker.person.id_number_index, True)


# already_member, whatever ID number ------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [
    pytest.param({"id_number": newcomer_id(5)}, id="another-id-number"),
    pytest.param({"id_number": "12345"}, id="a-bad-id-number"),
    pytest.param({"name": "", "phone": ""}, id="missing-fields"),
])
def test_a_member_account_gets_already_member_whatever_it_sends(tree, town, personas, values):
    with pytest.raises(AlreadyMember) as exc:
        join_apply(by=personas.worker, **join_values(5, **values))
    assert (exc.value.code, exc.value.membership) == ("already_member",
                                                      Membership.objects.get(person=personas.worker.person))
    assert exc.value.messages == ["您已是“甲公司工会委员会”的会员，无需重复入会；如需变更所在工会，请申请会籍转移"]
    assert (JoinApplication.objects.count(), binding(personas.worker)) == (0, (None, False))


def test_a_bound_account_whose_person_became_a_member_gets_already_member(tree, town, town_cadre, newcomer):
    # Bound at its application, but made a member through an application filed on its behalf.
    mine, _ = join_apply(by=newcomer, **join_values(1))
    reject_join_application(mine, by=town_cadre, reason="请到工会现场办理")
    filed, _ = join_apply(on_behalf=True, by=town_cadre, **join_values(1))
    membership = approve_join_application(filed, by=town_cadre)
    newcomer.refresh_from_db()
    assert newcomer.person == membership.person  # approval links the account bound to that ID number
    with pytest.raises(AlreadyMember) as exc:
        join_apply(by=newcomer, **join_values(7))
    assert exc.value.membership == membership


# Approval binds ---------------------------------------------------------------------------------------------------


def test_approval_binds_an_account_that_applied_before_binding_existed(tree, town, town_cadre, newcomer):
    application, _ = join_apply(by=SYSTEM, **join_values(1))
    JoinApplication.objects.filter(pk=application.pk).update(applicant=newcomer)
    membership = approve_join_application(application, by=town_cadre)
    newcomer.refresh_from_db()
    assert (newcomer.person, newcomer.real_name_index) == (membership.person, index_of(1))
    assert newcomer.real_name_bound_at is not None
    with pytest.raises(AlreadyMember):
        join_apply(by=newcomer, **join_values(2))


def test_approval_does_not_link_an_account_bound_to_someone_else(tree, town, town_cadre, newcomer):
    join_apply(by=newcomer, **join_values(2))
    application, _ = join_apply(by=SYSTEM, **join_values(1))
    JoinApplication.objects.filter(pk=application.pk).update(applicant=newcomer)  # filed before binding existed
    membership = approve_join_application(application, by=town_cadre)
    newcomer.refresh_from_db()
    assert (membership.status, newcomer.person, newcomer.real_name_index) == ("active", None, index_of(2))


def test_approval_does_not_link_a_person_held_by_another_account(tree, town, town_cadre, newcomer):
    application, _ = join_apply(by=SYSTEM, **join_values(1))
    JoinApplication.objects.filter(pk=application.pk).update(applicant=newcomer)
    holder = make_user("holder", kind=User.Kind.WORKER, phone="13800005555")
    User.objects.filter(pk=holder.pk).update(real_name_index=index_of(1))
    membership = approve_join_application(application, by=town_cadre)
    newcomer.refresh_from_db()
    holder.refresh_from_db()
    assert (newcomer.person, newcomer.real_name_index) == (None, None)
    assert (holder.person, membership.status) == (None, "active")


# On behalf: a cadre act -------------------------------------------------------------------------------------------


def test_a_cadre_files_on_behalf(tree, town, town_cadre, newcomer):
    application, created = join_apply(on_behalf=True, by=town_cadre, **join_values(1))
    application = JoinApplication.objects.get(pk=application.pk)
    assert (created, application.applicant, application.submitted_by, application.union) == (
        True, None, town_cadre, tree.lixia_town)
    event = AuditEvent.objects.get(target_type="members.joinapplication")
    assert (event.action, event.actor, event.org, event.data) == (
        "members.join_application.submit_on_behalf", town_cadre, tree.lixia_town, {"dispatch_reason": "township"})
    assert binding(town_cadre) == (None, False)
    # Nobody's account is bound by it: the worker may later apply under that ID number from their own account.
    mine, created = join_apply(by=newcomer, **join_values(1))
    assert (mine.pk, created, binding(newcomer)) == (application.pk, False, (index_of(1), True))
    assert AuditEvent.objects.filter(action="accounts.user.bind_real_name", actor=newcomer).count() == 1


def test_a_cadre_files_for_several_people(tree, town, town_cadre):
    for sequence in (1, 2, 3):
        assert join_apply(on_behalf=True, by=town_cadre, **join_values(sequence))[1] is True
    assert JoinApplication.objects.filter(submitted_by=town_cadre, applicant=None).count() == 3


@pytest.mark.parametrize("who", ["worker", "outsider", "editor", "auditor"])
def test_only_a_reviewer_chair_or_administrator_files_on_behalf(tree, town, personas, who):
    user = {"worker": personas.worker, "outsider": personas.outsider,
            "editor": cadre("town_editor", tree.lixia_town, Position.Role.EDITOR),
            "auditor": cadre("town_auditor", tree.lixia_town, Position.Role.AUDITOR)}[who]
    with pytest.raises(Forbidden) as exc:
        join_apply(on_behalf=True, by=user, **join_values(1))
    assert str(exc.value) == "只有工会干部（审核员、主席或管理员）可以代为申请入会"
    assert (JoinApplication.objects.count(), AuditEvent.objects.filter(
        action__startswith="members.join_application").count()) == (0, 0)


def test_a_reviewer_may_file_on_behalf(tree, town):
    reviewer = cadre("town_reviewer", tree.lixia_town, Position.Role.REVIEWER)
    assert join_apply(on_behalf=True, by=reviewer, **join_values(1))[0].submitted_by == reviewer


def test_a_cadres_own_application_binds_the_cadre(tree, town, town_cadre):
    application, _ = join_apply(by=town_cadre, **join_values(1))
    assert (application.applicant, application.submitted_by, binding(town_cadre)) == (
        town_cadre, None, (index_of(1), True))
    with pytest.raises(IdentityMismatch):
        join_apply(by=town_cadre, **join_values(2))
    # Filing for others stays open to the cadre, and does not touch the binding.
    assert join_apply(on_behalf=True, by=town_cadre, **join_values(2))[1] is True
    assert binding(town_cadre) == (index_of(1), True)


def test_the_binding_survives_a_switch_to_the_sm_suite_and_rotation(tree, town, settings, tmp_path):
    """The binding is a blind index like any other: rotate-keys recomputes it from the encrypted ID number, so
    after a switch of suite the bound account is still refused another person and still finds its own."""
    from django.core.management import call_command

    account = make_user("bound_worker", kind=User.Kind.WORKER, phone="13911112222")
    join_apply(by=account, **join_values(1))
    settings.PII_SUITE = "sm"
    call_command("rotate_keys", stdout=open(tmp_path / "out.txt", "w"))
    account = User.objects.get(pk=account.pk)
    assert account.real_name_id_number == newcomer_id(1)
    assert account.real_name_index == index_of(1)  # now the SM3 index of the same number
    with pytest.raises(IdentityMismatch) as refused:
        join_apply(by=account, **join_values(2))
    assert refused.value.messages == [IDENTITY_OTHER_PERSON]
    again, created = join_apply(by=account, **join_values(1))
    assert created is False and again.id_number == newcomer_id(1)
