"""Sign-up activities: capacity, the waiting list promoted in order, check-in by card QR or venue code, refusals."""

import pytest
from tests.benefits.conftest import make_member, window

from smartunion.benefits import services
from smartunion.benefits.errors import NotEligible, NotOpen, TooManyAttempts
from smartunion.benefits.models import Activity, Signup
from smartunion.benefits.services.signups import (
    AlreadyCheckedIn,
    AlreadySignedUp,
    NotSignedUp,
    cancel_signup,
    check_in,
    sign_up,
    waiting_position,
)
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.models import AuditEvent, BehaviourEvent, OutboxMessage
from smartunion.members import card_tokens

pytestmark = pytest.mark.django_db


def signup_activity(org, *, by=SYSTEM, capacity=2, publish=True, **extra):
    activity = services.create_activity(by=by, org=org, kind="signup", title=extra.pop("title", "职工健步走"),
                                        capacity=capacity, place="泉城广场", **{**window(), **extra})
    return services.publish_activity(activity, by=by) if publish else activity


def fresh(activity):
    return Activity.objects.get(pk=activity.pk)


def statuses(activity):
    return list(Signup.objects.filter(activity=activity).order_by("id").values_list("id", "person_id", "status"))


def card_token_of(user):
    membership, card = card_tokens.member_card(user)
    return card_tokens.card_token(membership, card)


def test_places_are_taken_up_to_the_capacity_then_members_wait_in_order(tree, personas,
                                                                         django_capture_on_commit_callbacks):
    activity = signup_activity(tree.jinan, capacity=2)
    users = [personas.worker, make_member(tree.grassroots), make_member(tree.grassroots), make_member(tree.lixia_town)]
    with django_capture_on_commit_callbacks(execute=True):
        made = [sign_up(activity, by=u) for u in users]
    assert [s.status for s in made] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [waiting_position(s) for s in made] == [None, None, 1, 2]
    assert (fresh(activity).taken, fresh(activity).participants) == (2, 4)
    assert statuses(activity) == [(s.pk, u.person_id, s.status) for s, u in zip(made, users, strict=True)]
    assert list(AuditEvent.objects.filter(action="benefits.signup.create").order_by("id").values_list(
        "target_id", "org_id", "data")) == [(str(s.pk), tree.jinan.pk, {"signup_status": s.status}) for s in made]
    assert list(BehaviourEvent.objects.filter(kind="benefits.signup.create").order_by("id").values_list(
        "person_id", "target_id", "target_label", "org_path")) == [
        (u.person_id, str(activity.pk), "职工健步走", tree.jinan.path) for u in users]


def test_without_a_capacity_every_sign_up_is_confirmed(tree, personas):
    activity = signup_activity(tree.jinan, capacity=None)
    made = [sign_up(activity, by=make_member(tree.grassroots)).status for _ in range(3)]
    assert made == ["confirmed"] * 3
    assert (fresh(activity).capacity, fresh(activity).taken) == (None, 3)


def test_a_second_open_sign_up_is_refused_and_writes_nothing(tree, personas):
    activity = signup_activity(tree.jinan, capacity=1)
    first = sign_up(activity, by=personas.worker)
    with pytest.raises(AlreadySignedUp) as refused:
        sign_up(activity, by=personas.worker)
    assert (refused.value.code, refused.value.message, refused.value.status) == (
        "already_signed_up", "您已报名该活动，请勿重复报名", 409)
    waiting = sign_up(activity, by=make_member(tree.grassroots))
    with pytest.raises(AlreadySignedUp):  # a waiting sign-up is open too
        sign_up(activity, by=waiting.person.user)
    assert statuses(activity) == [(first.pk, personas.worker.person_id, "confirmed"),
                                  (waiting.pk, waiting.person_id, "waiting")]
    assert (fresh(activity).taken, fresh(activity).participants) == (1, 2)
    assert AuditEvent.objects.filter(action="benefits.signup.create").count() == 2


def test_a_freed_place_goes_to_the_earliest_waiting_member_who_is_told(tree, personas):
    activity = signup_activity(tree.jinan, capacity=1)
    a, b, c = personas.worker, make_member(tree.grassroots), make_member(tree.grassroots)
    sa, sb, sc = (sign_up(activity, by=u) for u in (a, b, c))
    assert [sa.status, sb.status, sc.status] == ["confirmed", "waiting", "waiting"]

    cancelled = cancel_signup(activity, by=a)
    assert (cancelled.pk, cancelled.status, cancelled.cancelled_at is not None) == (sa.pk, "cancelled", True)
    assert statuses(activity) == [(sa.pk, a.person_id, "cancelled"), (sb.pk, b.person_id, "confirmed"),
                                  (sc.pk, c.person_id, "waiting")]
    assert Signup.objects.get(pk=sb.pk).promoted_at is not None
    assert waiting_position(Signup.objects.get(pk=sc.pk)) == 1
    assert fresh(activity).taken == 1
    assert list(OutboxMessage.objects.filter(user=b).values_list("subject", "body")) == [(
        "候补报名已转为正式报名",
        "有会员取消报名，您在“职工健步走”的候补报名已转为正式报名，请按时参加。如不能参加，请在活动页面取消报名，把名额让给其他会员。")]
    assert list(AuditEvent.objects.filter(action__in=("benefits.signup.cancel", "benefits.signup.promote"))
                .order_by("id").values_list("action", "target_id", "actor_id")) == [
        ("benefits.signup.cancel", str(sa.pk), a.pk), ("benefits.signup.promote", str(sb.pk), a.pk)]

    cancel_signup(activity, by=b)  # the next in line
    assert statuses(activity)[1:] == [(sb.pk, b.person_id, "cancelled"), (sc.pk, c.person_id, "confirmed")]
    assert fresh(activity).taken == 1
    cancel_signup(activity, by=c)  # nobody waits: the place is given back
    assert fresh(activity).taken == 0
    assert OutboxMessage.objects.filter(user=a).count() == 0


def test_cancelling_a_waiting_place_promotes_nobody_and_a_member_may_sign_up_again(tree, personas):
    activity = signup_activity(tree.jinan, capacity=1)
    first = sign_up(activity, by=make_member(tree.grassroots))
    waiting = sign_up(activity, by=personas.worker)
    cancel_signup(activity, by=personas.worker)
    assert statuses(activity) == [(first.pk, first.person_id, "confirmed"),
                                  (waiting.pk, personas.worker.person_id, "cancelled")]
    assert fresh(activity).taken == 1
    again = sign_up(activity, by=personas.worker)
    assert (again.pk > waiting.pk, again.status, waiting_position(again)) == (True, "waiting", 1)


def test_cancel_refusals(tree, personas):
    activity = signup_activity(tree.jinan)
    with pytest.raises(NotSignedUp) as refused:
        cancel_signup(activity, by=personas.worker)
    assert (refused.value.code, refused.value.message) == ("not_signed_up", "您尚未报名该活动")
    sign_up(activity, by=personas.worker)
    check_in(activity, by=personas.worker, code=activity.checkin_code)
    with pytest.raises(Conflict) as refused:
        cancel_signup(activity, by=personas.worker)
    assert (refused.value.code, refused.value.message) == ("already_checked_in", "已签到，不能取消报名")
    other = signup_activity(tree.jinan, title="观影")
    sign_up(other, by=personas.worker)
    services.close_activity(other, by=SYSTEM)
    with pytest.raises(NotOpen) as refused:
        cancel_signup(fresh(other), by=personas.worker)
    assert refused.value.message == "活动已结束，不能取消报名"
    assert Signup.objects.filter(status="cancelled").count() == 0


def test_the_organiser_checks_a_member_in_by_scanning_the_card_once(tree, personas):
    activity = signup_activity(tree.jinan)
    signup = sign_up(activity, by=personas.worker)
    token = card_token_of(personas.worker)
    done = check_in(activity, by=personas.city_cadre, card_token=token)
    assert (done.pk, done.checked_in_by_id, done.checked_in_at is not None) == (signup.pk, personas.city_cadre.pk,
                                                                                True)
    with pytest.raises(AlreadyCheckedIn) as refused:
        check_in(activity, by=personas.city_cadre, card_token=token)
    assert (refused.value.code, refused.value.message, refused.value.status) == (
        "already_checked_in", "已签到，无需重复签到", 409)
    with pytest.raises(AlreadyCheckedIn):  # the member's own code after the scan: the same refusal
        check_in(activity, by=personas.worker, code=activity.checkin_code)
    assert list(AuditEvent.objects.filter(action="benefits.signup.checkin").values_list(
        "actor_id", "target_id", "data")) == [(personas.city_cadre.pk, str(signup.pk), {"checkin_method": "card"})]


def test_only_the_organisers_scan_and_only_valid_cards(tree, personas):
    activity = signup_activity(tree.jinan)
    sign_up(activity, by=personas.worker)
    token = card_token_of(personas.worker)
    for outsider in (personas.other_city_cadre, personas.grassroots_cadre, personas.worker):
        with pytest.raises(Forbidden) as refused:
            check_in(activity, by=outsider, card_token=token)
        assert refused.value.message == "只有活动发布单位（或上级工会）的主席、管理员可以扫码签到"
    with pytest.raises(Invalid) as refused:
        check_in(activity, by=personas.city_cadre, card_token="not-a-token")
    assert (refused.value.code, refused.value.fields) == ("invalid_card", {"card_token": "二维码格式无效"})
    stranger = make_member(tree.grassroots)  # a valid card, but no sign-up
    with pytest.raises(NotSignedUp) as refused:
        check_in(activity, by=personas.city_cadre, card_token=card_token_of(stranger))
    assert refused.value.message == "该会员未报名本活动"
    with pytest.raises(Invalid) as refused:
        check_in(activity, by=personas.city_cadre)
    assert refused.value.fields == {"card_token": "请扫描会员证二维码，或输入现场签到码（二选一）"}
    assert Signup.objects.filter(checked_in_at__isnull=False).count() == 0


def test_a_member_checks_in_with_the_venue_code_only_with_a_confirmed_place(tree, personas):
    activity = signup_activity(tree.jinan, capacity=1)
    mine = sign_up(activity, by=personas.worker)
    waiting_user = make_member(tree.grassroots)
    sign_up(activity, by=waiting_user)
    with pytest.raises(Invalid) as refused:
        check_in(activity, by=personas.worker, code="000000" if activity.checkin_code != "000000" else "111111")
    assert (refused.value.code, refused.value.fields) == ("wrong_code", {"code": "签到码不正确"})
    done = check_in(activity, by=personas.worker, code=f" {activity.checkin_code} ")
    assert (done.pk, done.checked_in_by_id) == (mine.pk, personas.worker.pk)
    with pytest.raises(Conflict) as refused:
        check_in(activity, by=waiting_user, code=activity.checkin_code)
    assert (refused.value.code, refused.value.message) == (
        "not_confirmed", "候补名单中的报名不能签到，转为正式报名后才能签到")
    with pytest.raises(NotSignedUp) as refused:
        check_in(activity, by=make_member(tree.grassroots), code=activity.checkin_code)
    assert refused.value.message == "您尚未报名该活动"
    assert list(Signup.objects.filter(checked_in_at__isnull=False).values_list("pk", flat=True)) == [mine.pk]


def test_guessing_the_venue_code_stops_after_ten_tries(tree, personas, settings):
    activity = signup_activity(tree.jinan, capacity=1)
    sign_up(activity, by=personas.worker)
    wrong = "000000" if activity.checkin_code != "000000" else "111111"
    for _ in range(10):
        with pytest.raises(Invalid):
            check_in(activity, by=personas.worker, code=wrong)
    with pytest.raises(TooManyAttempts) as refused:  # the right code too, until the window ends
        check_in(activity, by=personas.worker, code=activity.checkin_code)
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        429, "too_many_requests", "签到码尝试次数过多，请稍后再试")
    assert Signup.objects.get().checked_in_at is None


def test_who_may_sign_up(tree, personas):
    activity = signup_activity(tree.jinan)
    with pytest.raises(NotEligible) as refused:
        sign_up(activity, by=make_member(tree.qd_grassroots))
    assert (refused.value.code, refused.value.status) == ("not_eligible", 403)
    with pytest.raises(NotEligible) as refused:
        sign_up(activity, by=personas.outsider)
    assert refused.value.message == "本活动仅限工会会员参加，请先申请入会"
    draft = signup_activity(tree.jinan, publish=False)
    with pytest.raises(NotOpen) as refused:
        sign_up(draft, by=personas.worker)
    assert refused.value.message == "活动尚未发布"
    services.pause_activity(activity, by=SYSTEM)
    with pytest.raises(NotOpen) as refused:
        sign_up(fresh(activity), by=personas.worker)
    assert refused.value.message == "活动已暂停，请稍后再试"
    assert Signup.objects.count() == 0
    assert fresh(activity).participants == 0
