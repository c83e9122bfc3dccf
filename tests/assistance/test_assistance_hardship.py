"""Hardship files: every step of the workflow, a forbidden one, the threshold check, versions, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.assistance.conftest import STANDARD_FEN, active_file, file_values, make_member

from smartunion.assistance import thresholds
from smartunion.assistance.errors import NoStandard, ThresholdNotMet
from smartunion.assistance.models import HardshipFile, HardshipFileVersion
from smartunion.assistance.services import hardship, programmes
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage, TransitionLog
from smartunion.core.workflow import TransitionError, TransitionForbidden

S = HardshipFile.Status


@pytest.fixture
def standard(tree):
    year = timezone.localdate().year
    return programmes.set_living_standard(by=SYSTEM, org=tree.jinan, region="370100", year=year,
                                          monthly_fen=STANDARD_FEN)


@pytest.fixture
def town_reviewer(tree):
    from tests.conftest import make_user

    from smartunion.orgs import services as org_services
    from smartunion.orgs.models import Position

    user = make_user("town_reviewer")
    org_services.position_grant(user=user, org=tree.lixia_town, role=Position.Role.REVIEWER, by=SYSTEM)
    return user


def new_file(personas, tree, **extra):
    return hardship.create_file(by=personas.grassroots_cadre, person=personas.worker.person, union=tree.grassroots,
                                **file_values(**extra))


def test_every_allowed_step_from_draft_to_active_then_reverify_and_exit(tree, personas, standard, town_reviewer):
    f = new_file(personas, tree)
    assert (f.status, f.per_capita_monthly_fen, f.version, f.region_id) == (S.DRAFT, 83_333, 1, "370102")
    f = hardship.submit_file(f, by=personas.grassroots_cadre)
    assert (f.status, f.standard_fen, f.threshold_fen) == (S.PENDING_GRASSROOTS, 100_000, 100_000)
    f = hardship.forward_file(f, by=personas.grassroots_cadre)
    assert f.status == S.PENDING_FEDERATION
    f = hardship.verify_file(f, by=town_reviewer)
    today = timezone.localdate()
    assert f.status == S.ACTIVE
    assert f.verified_by == town_reviewer
    assert f.next_verification_due == today.replace(year=today.year + 1) if (today.month, today.day) != (2, 29) \
        else dt.date(today.year + 1, 2, 28)
    f = hardship.reverify_file(f, by=personas.grassroots_cadre)
    assert f.status == S.ACTIVE
    f = hardship.exit_file(f, by=personas.grassroots_cadre, reason="recovered", note="再就业后收入稳定")
    assert (f.status, f.exit_reason, f.exit_note, f.next_verification_due) == (S.EXITED, "recovered",
                                                                               "再就业后收入稳定", None)
    versions = list(HardshipFileVersion.objects.filter(file=f).values_list("version", "action", "snapshot__status"))
    assert versions == [(1, "create", "draft"), (2, "submit", "pending_grassroots"),
                        (3, "forward", "pending_federation"), (4, "verify", "active"), (5, "reverify", "active"),
                        (6, "exit", "exited")]
    assert list(TransitionLog.objects.filter(workflow="assistance.hardship_file").values_list("action", flat=True)) \
        == ["submit", "forward", "verify", "reverify", "exit"]
    assert AuditEvent.objects.filter(action="assistance.hardship_file.verify", org=tree.grassroots).count() == 1


def test_return_with_reason_from_each_review_step_then_resubmit(tree, personas, standard, town_reviewer):
    f = hardship.submit_file(new_file(personas, tree), by=personas.grassroots_cadre)
    with pytest.raises(TransitionError) as caught:
        hardship.return_file(f, by=personas.grassroots_cadre, note="")
    assert caught.value.code == "note_required"
    f = hardship.return_file(f, by=personas.grassroots_cadre, note="缺少收入证明")
    assert (f.status, f.return_reason) == (S.RETURNED, "缺少收入证明")
    f = hardship.submit_file(f, by=personas.grassroots_cadre)
    f = hardship.forward_file(f, by=personas.grassroots_cadre)
    f = hardship.return_file(f, by=town_reviewer, note="家庭人口与户籍不符")
    assert (f.status, f.return_reason) == (S.RETURNED, "家庭人口与户籍不符")
    f = hardship.update_file(f, by=personas.grassroots_cadre, household_size=4)
    assert (f.household_size, f.per_capita_monthly_fen, f.version) == (4, 62_500, 7)
    assert hardship.submit_file(f, by=personas.grassroots_cadre).return_reason == ""


def test_forbidden_steps(tree, personas, standard, town_reviewer):
    f = new_file(personas, tree)
    with pytest.raises(TransitionError):  # a draft is not verified straight away
        hardship.verify_file(f, by=town_reviewer)
    f = hardship.submit_file(f, by=personas.grassroots_cadre)
    with pytest.raises(TransitionForbidden):  # the federation step is not the grassroots union's
        hardship.forward_file(f, by=personas.county_cadre)
    f = hardship.forward_file(f, by=personas.grassroots_cadre)
    with pytest.raises(TransitionForbidden):
        hardship.verify_file(f, by=personas.grassroots_cadre)
    with pytest.raises(TransitionForbidden):
        hardship.verify_file(f, by=personas.other_city_cadre)
    assert HardshipFile.objects.get(pk=f.pk).status == S.PENDING_FEDERATION
    with pytest.raises(Forbidden):
        hardship.create_file(by=personas.other_city_cadre, person=personas.worker.person, union=tree.grassroots,
                             **file_values())


def test_county_cadre_reviews_the_federation_step(tree, personas, standard):
    f = hardship.forward_file(hardship.submit_file(new_file(personas, tree), by=personas.grassroots_cadre),
                              by=personas.grassroots_cadre)
    assert hardship.verify_file(f, by=personas.county_cadre).status == S.ACTIVE


def test_threshold_check_deep_at_most_the_standard_relative_at_most_one_and_a_half(tree, personas, standard):
    # 3 people, 36,000.12 元 a year: 1000.00 元 a month per person, exactly the standard.
    f = new_file(personas, tree, household_income_fen=3_600_012)
    assert f.per_capita_monthly_fen == 100_000
    assert hardship.submit_file(f, by=personas.grassroots_cadre).threshold_fen == 100_000
    hardship.exit_file(f, by=SYSTEM, reason="other")
    f = new_file(personas, tree, household_income_fen=3_600_036)  # 1000.01 元
    with pytest.raises(ThresholdNotMet) as caught:
        hardship.submit_file(f, by=personas.grassroots_cadre)
    assert caught.value.message == ("家庭月人均收入 1000.01 元，高于深度困难的认定上限 1000.00 元"
                                    "（当地低保标准 1000.00 元），不符合深度困难认定条件")
    f = hardship.update_file(f, by=personas.grassroots_cadre, category="relative")
    assert hardship.submit_file(f, by=personas.grassroots_cadre).threshold_fen == 150_000
    hardship.exit_file(f, by=SYSTEM, reason="other")
    f = new_file(personas, tree, category="relative", household_income_fen=5_400_036)  # 1500.01 元
    with pytest.raises(ThresholdNotMet):
        hardship.submit_file(f, by=personas.grassroots_cadre)
    # 意外致困 has no income threshold.
    f = hardship.update_file(f, by=personas.grassroots_cadre, category="accident")
    assert hardship.submit_file(f, by=personas.grassroots_cadre).threshold_fen is None


def test_the_multiplier_table_is_data_a_federation_changes(tree, personas, standard):
    programmes.set_threshold(by=personas.city_cadre, org=tree.jinan, category="relative", percent=120)
    f = new_file(personas, tree, category="relative", household_income_fen=4_320_036)  # 1200.01 元
    with pytest.raises(ThresholdNotMet):
        hardship.submit_file(f, by=personas.grassroots_cadre)
    # A county below sets its own row: the nearest one decides.
    programmes.set_threshold(by=personas.county_cadre, org=tree.lixia, category="relative", percent=130)
    assert hardship.submit_file(f, by=personas.grassroots_cadre).threshold_fen == 130_000
    assert thresholds.percent_for("relative", tree.qd_grassroots.path) == 150  # 青岛 keeps the default


def test_without_a_living_standard_submission_is_refused(tree, personas):
    f = new_file(personas, tree)
    with pytest.raises(NoStandard) as caught:
        hardship.submit_file(f, by=personas.grassroots_cadre)
    assert caught.value.fields == {"region": "该地区尚未设置最低生活保障标准"}


def test_a_county_standard_overrides_the_city_one(tree, personas, standard):
    programmes.set_living_standard(by=personas.county_cadre, org=tree.lixia, region="370102",
                                   year=timezone.localdate().year, monthly_fen=80_000)
    with pytest.raises(ThresholdNotMet):
        hardship.submit_file(new_file(personas, tree), by=personas.grassroots_cadre)  # 833.33 > 800.00


def test_living_standard_only_by_a_federation_covering_the_region(tree, personas):
    with pytest.raises(Invalid) as caught:
        programmes.set_living_standard(by=personas.province_admin, org=tree.qingdao, region="370100", year=2026,
                                       monthly_fen=1)
    assert caught.value.fields == {"region": "青岛市总工会只能维护本辖区的最低生活保障标准"}
    with pytest.raises(Forbidden):
        programmes.set_living_standard(by=personas.other_city_cadre, org=tree.jinan, region="370100", year=2026,
                                       monthly_fen=1)
    with pytest.raises(Invalid):
        programmes.set_living_standard(by=personas.grassroots_cadre, org=tree.grassroots, region="370102",
                                       year=2026, monthly_fen=1)


def test_one_open_file_per_person(tree, personas, standard):
    new_file(personas, tree)
    with pytest.raises(hardship.OpenFileExists):
        new_file(personas, tree)
    f = HardshipFile.objects.get()
    hardship.exit_file(f, by=SYSTEM, reason="moved")
    assert new_file(personas, tree).status == S.DRAFT  # after an exit a new file may open


def test_exit_requires_a_reason(tree, personas, standard):
    f = new_file(personas, tree)
    with pytest.raises(Invalid) as caught:
        hardship.exit_file(f, by=personas.grassroots_cadre, reason="")
    assert caught.value.fields == {"exit_reason": "请选择退档原因：已脱困、死亡、调离或其他"}
    assert HardshipFile.objects.get(pk=f.pk).status == S.DRAFT


def test_reminders_ahead_of_the_due_date_once_and_overdue_flag(tree, personas, standard):
    member = make_member(tree.grassroots)
    f = active_file(member.person, tree.grassroots)
    due = f.next_verification_due
    assert hardship.remind_reverification(by=SYSTEM, today=due - dt.timedelta(days=31)) == 0
    assert hardship.remind_reverification(by=SYSTEM, today=due - dt.timedelta(days=30)) == 1
    assert hardship.remind_reverification(by=SYSTEM, today=due - dt.timedelta(days=1)) == 0  # once per due date
    messages = list(OutboxMessage.objects.filter(subject="困难职工档案即将到期复核").values_list("user__username",
                                                                                        flat=True))
    assert messages == ["grassroots_cadre"]
    assert AuditEvent.objects.filter(action="assistance.hardship_file.remind").count() == 1
    HardshipFile.objects.filter(pk=f.pk).update(next_verification_due=dt.date.today() - dt.timedelta(days=1))
    assert HardshipFile.objects.get(pk=f.pk).overdue is True
    assert hardship.remind_reverification(by=SYSTEM) == 1
    assert OutboxMessage.objects.filter(subject="困难职工档案复核已逾期").count() == 1
    f = hardship.reverify_file(HardshipFile.objects.get(pk=f.pk), by=personas.grassroots_cadre)
    assert f.overdue is False


def test_the_daily_task_reminds_through_the_service(tree, personas, standard):
    from smartunion.assistance.tasks import remind_reverification

    f = active_file(make_member(tree.grassroots).person, tree.grassroots)
    HardshipFile.objects.filter(pk=f.pk).update(next_verification_due=dt.date.today() + dt.timedelta(days=10))
    assert remind_reverification.delay().get() == 1
    assert remind_reverification.delay().get() == 0  # safe to run twice
