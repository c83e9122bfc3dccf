"""Join applications: input checks, one pending application per person, the review deadline, and the review
workflow (approve, reject, forward, withdraw) with its refusals, history and notices."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from tests.members.conftest import NEWCOMER_PHONE, cadre, counts, join_values, luhn_ok, newcomer_id

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import add_working_days, deadline
from smartunion.core.errors import Conflict, Invalid
from smartunion.core.models import OutboxMessage, TransitionLog
from smartunion.core.validators import make_credit_code, make_id_number
from smartunion.core.workflow import TransitionError, TransitionForbidden, history
from smartunion.members.models import JoinApplication, MemberCard, Membership, MembershipChange, Person
from smartunion.members.services import (
    FORWARD_TARGET_REFUSED,
    JOIN_WORKFLOW,
    AlreadyMember,
    approve_join_application,
    forward_join_application,
    join_apply,
    membership_start,
    notify_overdue_join_applications,
    person_upsert,
    reject_join_application,
    review_days_for,
    withdraw_join_application,
)
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer, Organisation, Position

pytestmark = pytest.mark.django_db

K = Organisation.Kind
D = JoinApplication.Dispatch
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_CARD = "3701000000000014"  # 济南市总工会 (370100), sequence 1, Luhn digit 4


def nothing_written():
    return (JoinApplication.objects.count(), Person.objects.count(), Employer.objects.count(),
            OutboxMessage.objects.count())


def log_rows(application):
    return [(t.action, t.from_state, t.to_state) for t in history(JOIN_WORKFLOW, application)]


# Input checks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "message"), [
    ("name", "请填写姓名"),
    ("id_number", "请填写身份证号码"),
    ("phone", "请填写手机号码"),
    ("employer_name", "请填写工作单位"),
    ("work_region", "请填写工作地区"),
])
@pytest.mark.parametrize("blank", ["", "  ", None])
def test_each_required_field_has_its_message(tree, town, newcomer, field, message, blank):
    before = nothing_written()
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, **join_values(**{field: blank}))
    assert exc.value.fields == {field: message}
    assert nothing_written() == before


def test_every_missing_field_is_reported_at_once(tree, town, newcomer):
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, name="", id_number="", phone="", employer_name="", work_region="")
    assert exc.value.fields == {
        "name": "请填写姓名", "id_number": "请填写身份证号码", "phone": "请填写手机号码",
        "employer_name": "请填写工作单位", "work_region": "请填写工作地区",
    }


def test_bad_values_each_get_their_message_and_nothing_is_written(tree, town, newcomer):
    good_id = newcomer_id()
    bad_check = good_id[:-1] + ("1" if good_id[-1] != "1" else "2")
    code = make_credit_code("91370102MA0000005")
    bad_code = code[:-1] + ("1" if code[-1] != "1" else "2")
    before = nothing_written()
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, **join_values(id_number=bad_check, phone="1380000111", work_region="370199",
                                                     employer_credit_code=bad_code, ethnicity="99",
                                                     employment_form="77", name="李" * 51))
    assert exc.value.fields == {
        "id_number": "身份证号码校验位错误",
        "phone": "手机号码格式不正确，应为11位中国大陆手机号",
        "work_region": "工作地区应为县（区）或乡镇（街道）的行政区划代码",
        "employer_credit_code": "统一社会信用代码校验码错误",
        "ethnicity": "民族代码无效",
        "employment_form": "用工形式代码无效",
        "name": "姓名不能超过50个字",
    }
    assert nothing_written() == before


@pytest.mark.parametrize("code", ["370199", "370100", "370000", "37010200"])
def test_work_region_must_be_an_existing_county_or_township(tree, town, newcomer, code):
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, **join_values(work_region=code))
    assert exc.value.fields == {"work_region": "工作地区应为县（区）或乡镇（街道）的行政区划代码"}
    assert JoinApplication.objects.count() == 0


def test_unknown_fields_are_refused(tree, town, newcomer):
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, union="甲公司工会委员会", **join_values())
    assert exc.value.fields == {"union": "不支持的字段"}


def _born_years_ago(years: int) -> dt.date:
    today = dt.date.today()
    return dt.date(today.year - years, today.month, 1)


@pytest.mark.parametrize(("years", "message"), [
    (15, "申请人年龄为15周岁，不在劳动年龄范围内（16至65周岁）"),
    (66, "申请人年龄为66周岁，不在劳动年龄范围内（16至65周岁）"),
    (70, "申请人年龄为70周岁，不在劳动年龄范围内（16至65周岁）"),
])
def test_applicants_outside_working_age_are_refused(tree, town, newcomer, years, message):
    id_number = make_id_number("370102", _born_years_ago(years), 5)
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, **join_values(id_number=id_number))
    assert exc.value.fields == {"id_number": message}
    assert JoinApplication.objects.count() == 0


@pytest.mark.parametrize("years", [16, 65])
def test_the_working_age_bounds_are_included(tree, town, newcomer, years):
    _application, created = join_apply(by=newcomer,
                                      **join_values(id_number=make_id_number("370102", _born_years_ago(years), 6)))
    assert created is True


def test_an_active_member_gets_already_member_and_nothing_is_written(tree, personas, town):
    before = nothing_written()
    with pytest.raises(AlreadyMember) as exc:
        join_apply(by=personas.worker, **join_values(id_number=personas.worker.person.id_number,
                                                            phone="13900000001"))
    assert exc.value.messages == ["您已是“甲公司工会委员会”的会员，无需重复入会；如需变更所在工会，请申请会籍转移"]
    assert exc.value.code == "already_member"
    assert isinstance(exc.value, Conflict) and exc.value.status == 409
    assert exc.value.membership == Membership.objects.get(person=personas.worker.person)
    assert nothing_written() == before


def test_a_second_application_while_one_is_pending_returns_the_first(tree, town, newcomer):
    first, created = join_apply(by=newcomer, **join_values())
    second, created_again = join_apply(by=newcomer, **join_values(employer_name="济南乙商贸有限公司",
                                                                         phone="13800002222"))
    assert (created, created_again, second.pk) == (True, False, first.pk)
    assert (second.employer_name, second.phone) == ("济南新开张科技有限公司", NEWCOMER_PHONE)
    assert JoinApplication.objects.count() == 1


def test_after_a_rejection_the_worker_may_apply_again(tree, town, town_cadre, submit):
    first = submit()
    reject_join_application(first, by=town_cadre, reason="材料不全")
    second, created = join_apply(by=SYSTEM, **join_values())
    assert (created, second.pk != first.pk, second.status) == (True, True, "pending")


def test_the_application_keeps_what_was_submitted(tree, town, newcomer):
    application, _ = join_apply(by=newcomer, **join_values(
        name=" 李娜 ", phone="+86 138 0000 1111", employer_name=" 济南新开张科技有限公司 ", employment_form="01",
        education="21", address="历下区解放路1号"))
    application = JoinApplication.objects.get(pk=application.pk)
    assert (application.name, application.phone, application.employer_name, application.work_region_id,
            application.applicant, application.status, application.employment_form, application.address) == (
        "李娜", NEWCOMER_PHONE, "济南新开张科技有限公司", "370102001", newcomer, "pending", "01", "历下区解放路1号")


# The review deadline ---------------------------------------------------------------------------------------------


def test_the_deadline_is_the_end_of_the_third_working_day(tree, town, submit):
    application = submit()
    submitted = timezone.localtime(application.submitted_at)
    assert settings.JOIN_REVIEW_DAYS == 3
    assert application.deadline == deadline(submitted, 3)
    local = timezone.localtime(application.deadline)
    assert (local.date(), local.time()) == (add_working_days(submitted.date(), 3), dt.time(23, 59, 59))


@pytest.mark.parametrize(("submitted", "expected"), [
    # Friday → Wednesday: the weekend does not count.
    (dt.datetime(2025, 1, 3, 10, 0, tzinfo=SHANGHAI), dt.datetime(2025, 1, 8, 23, 59, 59, tzinfo=SHANGHAI)),
    # National Day: 1–8 October off, Saturday 11 October a make-up working day.
    (dt.datetime(2025, 9, 30, 16, 30, tzinfo=SHANGHAI), dt.datetime(2025, 10, 11, 23, 59, 59, tzinfo=SHANGHAI)),
])
def test_the_deadline_across_a_weekend_and_a_holiday(tree, town, submit, monkeypatch, submitted, expected):
    monkeypatch.setattr(timezone, "now", lambda: submitted)  # Django's clock: no time-freezing library is a dependency
    application = submit()
    assert (application.submitted_at, application.deadline) == (submitted, expected)


def test_review_days_come_from_the_nearest_federation_that_sets_them(tree, town, submit):
    assert review_days_for(tree.lixia_town) == 3
    org_services.org_update(tree.jinan, review_days=5, by=SYSTEM)
    assert [review_days_for(o) for o in (tree.lixia_town, tree.grassroots, tree.lixia, tree.shinan_town)] == [
        5, 5, 5, 3]
    application = submit()
    assert application.deadline == deadline(timezone.localtime(application.submitted_at), 5)
    org_services.org_update(tree.lixia, review_days=2, by=SYSTEM)
    assert review_days_for(tree.lixia_town) == 2


def test_a_frozen_friday_with_five_review_days(tree, town, submit, monkeypatch):
    Organisation.objects.filter(pk=tree.jinan.pk).update(review_days=5)
    # Django's clock (not the project's code): no time-freezing library is a dependency.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 1, 3, 10, 0, tzinfo=SHANGHAI))
    assert submit().deadline == dt.datetime(2025, 1, 10, 23, 59, 59, tzinfo=SHANGHAI)


# Approve ---------------------------------------------------------------------------------------------------------


def test_approval_at_a_township_union(tree, personas, town, town_cadre, newcomer, submit,
                                      django_capture_on_commit_callbacks):
    application = submit()
    before = counts(tree.lixia_town, tree.lixia, tree.jinan, tree.province)
    with django_capture_on_commit_callbacks(execute=True):
        membership = approve_join_application(application, by=town_cadre, note="材料齐全")

    application = JoinApplication.objects.get(pk=application.pk)
    assert (application.status, application.membership, application.decided_by) == ("approved", membership,
                                                                                     town_cadre)
    assert application.decided_at is not None
    membership = Membership.objects.get(pk=membership.pk)
    assert (membership.union, membership.union_path, membership.status, membership.provisional,
            membership.since) == (tree.lixia_town, tree.lixia_town.path, "active", True, dt.date.today())
    assert membership.card_number == FIRST_CARD
    assert (len(membership.card_number), membership.card_number.isdigit(), luhn_ok(membership.card_number)) \
        == (16, True, True)
    card = MemberCard.objects.get(person=membership.person)
    assert (card.card_number, card.version, card.issuer, card.status) == (FIRST_CARD, 1, tree.jinan, "active")

    person = membership.person
    assert (person.name, person.id_number, person.phone, person.sex, person.birth_date) == (
        "李娜", newcomer_id(), NEWCOMER_PHONE, "1", dt.date(1995, 6, 1))
    # The new employer is registered under the township union so that a later founding can move its members.
    employer = person.employer
    assert (employer.name, employer.region_id, employer.township_union, employer.covering_union) == (
        "济南新开张科技有限公司", "370102", tree.lixia_town, None)
    assert application.employer == employer

    assert list(MembershipChange.objects.filter(person=person).values_list(
        "change_type", "reason", "to_union", "from_union", "actor", "membership")) == [
        ("01", "0101", tree.lixia_town.pk, None, town_cadre.pk, membership.pk),
        ("08", "0801", tree.lixia_town.pk, None, town_cadre.pk, membership.pk),
    ]
    assert MembershipChange.objects.get(person=person, change_type="01").note == \
        "所在单位尚未建立工会，由“历下区解放路街道工会”受理，入会后挂靠该工会"

    newcomer.refresh_from_db()
    assert newcomer.person == person
    body = f"您已成为“历下区解放路街道工会”的会员，会员卡号{FIRST_CARD}。"
    inbox = OutboxMessage.objects.get(channel="inbox", user=newcomer)
    assert (inbox.subject, inbox.body, inbox.status) == ("入会申请已通过", body, "sent")
    sms = OutboxMessage.objects.get(channel="sms")
    assert (sms.recipient, sms.recipient_masked, sms.body, sms.status) == (
        NEWCOMER_PHONE, "138****1111", f"【智慧工会】{body}", "sent")

    after = counts(tree.lixia_town, tree.lixia, tree.jinan, tree.province)
    assert [(a[0] - b[0], a[1] - b[1]) for a, b in zip(after, before, strict=True)] == [
        (1, 1), (0, 1), (0, 1), (0, 1)]
    assert log_rows(application) == [("approve", "pending", "approved")]
    log = TransitionLog.objects.get(workflow="members.join_application", object_id=str(application.pk))
    assert (log.actor, log.note) == (town_cadre, "材料齐全")


def test_scan_to_join_approval_is_reason_0102_and_not_provisional(tree, personas, town, submit):
    Organisation.objects.filter(pk=tree.grassroots.pk).update(join_token="poster-jia-0001")
    application = submit(source_token="poster-jia-0001", employer_name="济南甲科技有限公司")
    membership = approve_join_application(application, by=personas.grassroots_cadre)
    assert (membership.union, membership.provisional) == (tree.grassroots, False)
    assert list(MembershipChange.objects.filter(membership=membership).values_list("change_type", "reason")) == [
        ("01", "0102")]
    assert membership.person.employer == tree.employer


def test_scan_to_join_with_a_new_employer_registers_it_under_the_scanned_union(tree, personas, town, submit):
    Organisation.objects.filter(pk=tree.grassroots.pk).update(join_token="poster-jia-0001")
    application = submit(source_token="poster-jia-0001", employer_name="济南甲科技第二分公司")
    membership = approve_join_application(application, by=personas.grassroots_cadre)
    employer = membership.person.employer
    # 历下区 has a single township union, so the new employer's township union is derived from its region.
    assert (employer.name, employer.covering_union, employer.township_union) == (
        "济南甲科技第二分公司", tree.grassroots, tree.lixia_town)


def test_a_poster_scanned_by_a_worker_of_another_city_registers_the_employer_where_it_is(tree, personas, town,
                                                                                          submit):
    """Qingdao's poster, a worker whose new employer is in Jinan: approved by Qingdao; the employer is registered
    in 历下区 without being tied to Qingdao's union, which the region rules would refuse."""
    Organisation.objects.filter(pk=tree.qd_grassroots.pk).update(join_token="poster-bing-0001")
    application = submit(source_token="poster-bing-0001", employer_name="济南新开张科技有限公司")
    membership = approve_join_application(application, by=personas.other_city_cadre)
    employer = membership.person.employer
    assert (membership.union, employer.name, employer.region_id) == (tree.qd_grassroots, "济南新开张科技有限公司",
                                                                     "370102")
    assert (employer.covering_union, employer.township_union) == (None, tree.lixia_town)


def test_approval_at_a_gig_joint_union_is_not_provisional(tree, personas, town, gig_joint, submit):
    application = submit(employment_form="12", gig_platform="美团", employer_name="美团外卖骑手")
    assert (application.union, application.dispatch_reason) == (gig_joint, D.GIG)
    membership = approve_join_application(application, by=personas.county_cadre)
    assert (membership.union, membership.provisional) == (gig_joint, False)
    assert (membership.person.employment_form, membership.person.gig_platform) == ("12", "美团")
    assert list(MembershipChange.objects.filter(membership=membership).values_list("change_type", "reason")) == [
        ("01", "0101")]


def test_card_numbers_follow_the_sequence_of_the_city_federation(tree, town, approved_member):
    first = approved_member(1)
    second = approved_member(2)
    assert (first.card_number, second.card_number) == (FIRST_CARD, "3701000000000022")
    assert luhn_ok(second.card_number)


def test_approving_twice_is_refused(tree, personas, town, town_cadre, submit):
    application = submit()
    approve_join_application(application, by=town_cadre)
    with pytest.raises(TransitionError) as exc:
        approve_join_application(application, by=personas.county_cadre)
    assert (exc.value.message, exc.value.code) == ("当前状态为“已通过”，不能执行“通过”", "invalid_transition")
    assert (Membership.objects.filter(union=tree.lixia_town).count(), MemberCard.objects.count()) == (1, 1)


@pytest.mark.parametrize("label", ["不通过", "撤回", "转交"])
def test_nothing_but_history_after_approval(tree, town, town_cadre, newcomer, submit, label):
    application = submit()
    approve_join_application(application, by=town_cadre)
    application = JoinApplication.objects.get(pk=application.pk)
    with pytest.raises(TransitionError) as exc:
        if label == "不通过":
            reject_join_application(application, by=town_cadre, reason="重复")
        elif label == "撤回":
            withdraw_join_application(application, by=newcomer)
        else:
            forward_join_application(application, by=town_cadre, to=tree.grassroots)
    assert exc.value.message == f"当前状态为“已通过”，不能执行“{label}”"
    assert log_rows(application) == [("approve", "pending", "approved")]


def test_a_cadre_outside_the_scope_may_not_approve(tree, personas, town, submit):
    application = submit()
    for outsider in (personas.other_city_cadre, personas.grassroots_cadre, personas.outsider, AnonymousUser(),
                     SYSTEM):
        with pytest.raises(TransitionForbidden) as exc:
            approve_join_application(application, by=outsider)
        assert (exc.value.message, exc.value.code) == ("您没有执行此操作的权限", "forbidden")
    assert (JoinApplication.objects.get(pk=application.pk).status, Membership.objects.count(),
            Person.objects.count(), MemberCard.objects.count()) == ("pending", 1, 1, 0)
    assert log_rows(application) == []


def test_an_editor_may_not_review_but_a_reviewer_may(tree, town, submit):
    editor = cadre("town_editor", tree.lixia_town, Position.Role.EDITOR)
    reviewer = cadre("town_reviewer", tree.lixia_town, Position.Role.REVIEWER)
    application = submit()
    with pytest.raises(TransitionForbidden):
        approve_join_application(application, by=editor)
    assert approve_join_application(application, by=reviewer).union == tree.lixia_town


def test_a_federation_does_not_approve_members_itself(tree, personas, second_town, submit):
    application = submit(work_region="370102")
    assert (application.union, application.dispatch_reason) == (tree.lixia, D.COUNTY)
    before = nothing_written()
    with pytest.raises(TransitionError) as exc:
        approve_join_application(application, by=personas.county_cadre)
    assert (exc.value.message, exc.value.code) == (
        "总工会不直接发展会员，请先转交给乡镇（街道）工会或基层工会", "forward_first")
    assert nothing_written() == before
    assert (JoinApplication.objects.get(pk=application.pk).status, MemberCard.objects.count()) == ("pending", 0)
    assert log_rows(application) == []


def test_a_person_who_became_a_member_meanwhile_is_not_approved_twice(tree, town, town_cadre, submit):
    application = submit()
    person, _ = person_upsert(name="李娜", id_number=newcomer_id(), by=SYSTEM)
    membership_start(person=person, union=tree.grassroots, card_number="M-ROSTER-1", by=SYSTEM)
    with pytest.raises(TransitionError) as exc:
        approve_join_application(application, by=town_cadre)
    assert (exc.value.message, exc.value.code) == ("该职工已是在册会员，不能重复入会", "already_member")
    assert (JoinApplication.objects.get(pk=application.pk).status, MemberCard.objects.count(),
            Membership.objects.filter(person=person).count()) == ("pending", 0, 1)


# Ambiguous employer: the reviewer picks a candidate --------------------------------------------------------------


@pytest.fixture
def ambiguous(tree, town, submit):
    first = org_services.employer_create(name="济南丁餐饮有限公司", region="370102", township_union=tree.lixia_town,
                                         by=SYSTEM)
    second = org_services.employer_create(name="济南丁餐饮有限责任公司", region="370102",
                                          township_union=tree.lixia_town, by=SYSTEM)
    application = submit(employer_name="济南丁餐饮")
    assert (application.dispatch_reason, application.union, [c["id"] for c in application.candidates]) == (
        D.AMBIGUOUS, tree.lixia_town, [first.pk, second.pk])
    return application, first, second


def test_an_ambiguous_application_is_approved_with_the_chosen_candidate(tree, town_cadre, ambiguous):
    application, _first, second = ambiguous
    membership = approve_join_application(application, by=town_cadre, employer_id=second.pk)
    assert (membership.person.employer, membership.union) == (second, tree.lixia_town)
    assert JoinApplication.objects.get(pk=application.pk).employer == second


def test_an_ambiguous_application_refuses_a_non_candidate(tree, town_cadre, ambiguous):
    application, _first, _second = ambiguous
    for employer_id in (tree.employer.pk, 999_999):
        with pytest.raises(TransitionError) as exc:
            approve_join_application(application, by=town_cadre, employer_id=employer_id)
        assert (exc.value.message, exc.value.code) == ("请从候选单位中选择", "bad_candidate")
    assert (JoinApplication.objects.get(pk=application.pk).status, Person.objects.count()) == ("pending", 0)


# Reject ----------------------------------------------------------------------------------------------------------


def test_reject_requires_a_reason_which_is_stored_and_sent(tree, town, town_cadre, newcomer, submit,
                                                           django_capture_on_commit_callbacks):
    application = submit()
    for blank in ("", "   "):
        with pytest.raises(TransitionError) as exc:
            reject_join_application(application, by=town_cadre, reason=blank)
        assert (exc.value.message, exc.value.code) == ("请填写原因", "note_required")
    assert log_rows(application) == []
    with django_capture_on_commit_callbacks(execute=True):
        reject_join_application(application, by=town_cadre, reason=" 身份信息与单位不符 ")
    application = JoinApplication.objects.get(pk=application.pk)
    assert (application.status, application.reject_reason, application.decided_by, application.membership) == (
        "rejected", "身份信息与单位不符", town_cadre, None)
    assert application.decided_at is not None
    inbox = OutboxMessage.objects.get(channel="inbox", user=newcomer)
    assert (inbox.subject, inbox.body) == ("入会申请未通过", "您的入会申请未通过，原因：身份信息与单位不符")
    assert OutboxMessage.objects.get(channel="sms").body == "【智慧工会】您的入会申请未通过，原因：身份信息与单位不符"
    assert log_rows(application) == [("reject", "pending", "rejected")]
    assert TransitionLog.objects.get(action="reject").note == "身份信息与单位不符"
    assert (Membership.objects.count(), Person.objects.count()) == (0, 0)


def test_an_outsider_may_not_reject(tree, personas, town, submit):
    application = submit()
    with pytest.raises(TransitionForbidden):
        reject_join_application(application, by=personas.other_city_cadre, reason="不符合")


# Forward ---------------------------------------------------------------------------------------------------------


def test_forward_to_a_union_in_scope(tree, personas, town, town_cadre, submit, django_capture_on_commit_callbacks):
    application = submit()
    JoinApplication.objects.filter(pk=application.pk).update(
        deadline=dt.datetime(2025, 1, 2, 23, 59, 59, tzinfo=SHANGHAI), overdue_notified_at=timezone.now())
    Organisation.objects.filter(pk=tree.jinan.pk).update(review_days=5)
    start = timezone.localtime()
    with django_capture_on_commit_callbacks(execute=True):
        forward_join_application(application, by=town_cadre, to=tree.grassroots, note="单位已建会")
    end = timezone.localtime()
    application = JoinApplication.objects.get(pk=application.pk)
    text = "由“历下区解放路街道工会”转交“甲公司工会委员会”：单位已建会"
    assert (application.union, application.union_path, application.status, application.dispatch_reason,
            application.dispatch_note, application.overdue_notified_at) == (
        tree.grassroots, tree.grassroots.path, "pending", D.FORWARDED, text, None)
    assert application.deadline in {deadline(start, 5), deadline(end, 5)}
    assert log_rows(application) == [("forward", "pending", "pending")]
    assert TransitionLog.objects.get(action="forward").note == "单位已建会"
    # The receiving union's cadres and the applicant hear of it.
    cadre_msg = OutboxMessage.objects.get(channel="inbox", user=personas.grassroots_cadre)
    assert (cadre_msg.subject, cadre_msg.body) == ("转交的入会申请", f"李*的入会申请：{text}")
    assert OutboxMessage.objects.get(channel="sms").body == f"【智慧工会】您的入会申请{text}，请耐心等待审核。"
    # The new union reviews it now.
    assert approve_join_application(application, by=personas.grassroots_cadre).union == tree.grassroots


def test_forward_without_a_note(tree, personas, town, submit):
    application = submit()
    forward_join_application(application, by=personas.county_cadre, to=tree.grassroots)
    note = JoinApplication.objects.get(pk=application.pk).dispatch_note
    assert note == "由“历下区解放路街道工会”转交“甲公司工会委员会”"


def test_forward_outside_the_scope_is_refused(tree, personas, town, town_cadre, submit):
    application = submit()
    with pytest.raises(Invalid) as exc:
        forward_join_application(application, by=town_cadre, to=tree.qd_grassroots)
    assert exc.value.fields == {"to": FORWARD_TARGET_REFUSED}
    assert FORWARD_TARGET_REFUSED == ("目标工会不存在或不能转交："
                                      "只能转交给您管辖范围内的工会，或退回所在地乡镇（街道）工会")
    application = JoinApplication.objects.get(pk=application.pk)
    assert (application.union, application.dispatch_reason) == (tree.lixia_town, D.TOWNSHIP)
    assert log_rows(application) == []


def test_forward_back_to_the_township_union_is_allowed_outside_the_scope(tree, personas, town, submit):
    application = submit(employer_name="随便", employer_credit_code=tree.employer.credit_code)
    assert application.union == tree.grassroots
    # The grassroots chair manages only 甲公司工会委员会, yet may send it back to the township union.
    forward_join_application(application, by=personas.grassroots_cadre, to=tree.lixia_town, note="非本单位职工")
    application = JoinApplication.objects.get(pk=application.pk)
    assert (application.union, application.dispatch_reason, application.dispatch_note) == (
        tree.lixia_town, D.FORWARDED, "由“甲公司工会委员会”转交“历下区解放路街道工会”：非本单位职工")


def test_forward_from_a_county_federation_to_a_township_union_then_approve(tree, personas, second_town, submit):
    application = submit(work_region="370102")
    forward_join_application(application, by=personas.county_cadre, to=second_town)
    membership = approve_join_application(application, by=personas.county_cadre)
    assert (membership.union, membership.provisional) == (second_town, True)
    assert log_rows(application) == [("forward", "pending", "pending"), ("approve", "pending", "approved")]


def test_forward_to_the_same_union_or_a_suspended_one_is_refused(tree, personas, town, submit):
    application = submit()
    with pytest.raises(Invalid) as exc:
        forward_join_application(application, by=personas.county_cadre, to=tree.lixia_town)
    assert exc.value.fields == {"to": "申请已在该工会"}
    org_services.org_change_status(tree.grassroots, "suspend", by=personas.county_cadre, note="整顿")
    tree.grassroots.refresh_from_db()
    with pytest.raises(Invalid) as exc:
        forward_join_application(application, by=personas.county_cadre, to=tree.grassroots)
    assert exc.value.fields == {"to": "目标工会不是正常状态"}


# Withdraw --------------------------------------------------------------------------------------------------------


def test_only_the_applicant_may_withdraw(tree, personas, town, town_cadre, newcomer, submit):
    application = submit()
    for other in (town_cadre, personas.outsider, personas.worker, AnonymousUser(), SYSTEM):
        with pytest.raises(TransitionForbidden):
            withdraw_join_application(application, by=other)
    withdrawn = withdraw_join_application(application, by=newcomer)
    assert withdrawn.status == "withdrawn"
    assert log_rows(application) == [("withdraw", "pending", "withdrawn")]
    with pytest.raises(TransitionError) as exc:
        approve_join_application(application, by=town_cadre)
    assert exc.value.message == "当前状态为“已撤回”，不能执行“通过”"


def test_an_anonymous_caller_may_not_withdraw_an_anonymous_application(tree, town, submit):
    application = submit(applicant=None)
    with pytest.raises(TransitionForbidden):
        withdraw_join_application(application, by=AnonymousUser())
    assert JoinApplication.objects.get(pk=application.pk).status == "pending"


# History ---------------------------------------------------------------------------------------------------------


def test_every_transition_leaves_a_log_row_with_its_states(tree, personas, town, town_cadre, newcomer, submit):
    first = submit()
    forward_join_application(first, by=town_cadre, to=tree.grassroots)
    reject_join_application(first, by=personas.grassroots_cadre, reason="非本单位职工")
    second = submit()
    withdraw_join_application(second, by=newcomer)
    third = submit()
    approve_join_application(third, by=town_cadre)
    rows = list(TransitionLog.objects.filter(workflow="members.join_application").values_list(
        "object_id", "action", "from_state", "to_state", "actor"))
    assert rows == [
        (str(first.pk), "forward", "pending", "pending", town_cadre.pk),
        (str(first.pk), "reject", "pending", "rejected", personas.grassroots_cadre.pk),
        (str(second.pk), "withdraw", "pending", "withdrawn", newcomer.pk),
        (str(third.pk), "approve", "pending", "approved", town_cadre.pk),
    ]


# Overdue ---------------------------------------------------------------------------------------------------------


def test_an_overdue_application_is_flagged_once_to_the_parent_org(tree, personas, town, town_cadre, submit,
                                                                  django_capture_on_commit_callbacks):
    late = submit(1)
    on_time = submit(2, applicant=None)
    JoinApplication.objects.filter(pk=late.pk).update(deadline=dt.datetime(2025, 1, 2, 23, 59, 59, tzinfo=SHANGHAI))
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_overdue_join_applications(by=SYSTEM) == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue_notified_at is not None
    assert on_time.overdue_notified_at is None
    message = OutboxMessage.objects.get(subject="入会申请审核超期")
    assert (message.channel, message.user, message.body) == (
        "inbox", personas.county_cadre,
        "“历下区解放路街道工会”的李*的入会申请已超过审核期限（2025-01-02），请督促办理。")
    assert not OutboxMessage.objects.filter(subject="入会申请审核超期", user=town_cadre).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_overdue_join_applications(by=SYSTEM) == 0
    assert OutboxMessage.objects.filter(subject="入会申请审核超期").count() == 1


def test_decided_applications_are_never_overdue(tree, town, town_cadre, submit):
    application = submit()
    approve_join_application(application, by=town_cadre)
    JoinApplication.objects.filter(pk=application.pk).update(
        deadline=dt.datetime(2025, 1, 2, 23, 59, 59, tzinfo=SHANGHAI))
    assert notify_overdue_join_applications(by=SYSTEM) == 0


def test_an_account_of_another_person_is_not_relinked_at_approval(tree, personas, town, town_cadre, submit):
    # An application filed for someone else before accounts were bound (the applicant set directly here): the
    # membership is made, but the account keeps its own person and does not carry the new member's card.
    other, _ = person_upsert(name="王强", id_number=make_id_number("370102", dt.date(1985, 1, 1), 9), by=SYSTEM)
    helper = User.objects.create(username="helper", kind=User.Kind.WORKER, person=other)
    application = submit(applicant=None)
    JoinApplication.objects.filter(pk=application.pk).update(applicant=helper)
    membership = approve_join_application(application, by=town_cadre)
    helper.refresh_from_db()
    assert (helper.person, helper.real_name_index, membership.person.name) == (other, None, "李娜")


def test_a_step_without_a_named_actor_is_refused_not_unchecked(tree, town, submit):
    """by=None used to mean "the system, skip the check"; now a write must name its actor (a user, or SYSTEM)."""
    application = submit()
    with pytest.raises(TypeError) as exc:
        approve_join_application(application, by=None)
    assert str(exc.value) == "by= is required: pass the acting user, or smartunion.core.actors.SYSTEM for a job"
    assert (JoinApplication.objects.get(pk=application.pk).status, log_rows(application)) == ("pending", [])


def test_notices_are_written_with_the_step_and_delivered_after_commit(tree, town, town_cadre, submit,
                                                                     django_capture_on_commit_callbacks):
    application = submit()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve_join_application(application, by=town_cadre)
        # The outbox rows exist inside the approval's transaction: a rollback would take them too.
        assert list(OutboxMessage.objects.values_list("channel", "status")) == [("sms", "pending"),
                                                                                 ("inbox", "sent")]
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert OutboxMessage.objects.get(channel="sms").status == "sent"  # delivered once committed


def test_a_failed_approval_leaves_no_notice(tree, town, town_cadre, submit):
    application = submit(employer_name="济南甲科技有限公司")
    with pytest.raises(TransitionError):
        approve_join_application(application, by=town_cadre, employer_id=999_999)  # not a candidate
    assert OutboxMessage.objects.count() == 0
