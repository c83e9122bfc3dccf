"""Roll-ups equal the raw counts after every kind of change (join approval, transfer, coupon claim and redemption,
case filed, closed and rated), including after a re-run of the job; figures that went back to 0 lose their row."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.benefits.conftest import coupon_activity, make_member
from tests.cases.case_rows import new_case
from tests.conftest import make_user
from tests.members.conftest import cadre, join_values, town  # noqa: F401  (town: a fixture)

from smartunion.benefits.models import Activity
from smartunion.benefits.services.coupons import claim_coupon, redeem_coupon
from smartunion.cases.services import cases as case_services
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.insight.figures import KEYS, last_months, month_of, previous_month
from smartunion.insight.models import Figure, RollupRun
from smartunion.insight.queries import dashboards as q
from smartunion.insight.services.rollups import rollup, rollup_recent
from smartunion.members.models import Membership
from smartunion.members.services import (
    approve_join_application,
    join_apply,
    transfer_accept,
    transfer_release,
    transfer_request,
)
from smartunion.orgs.models import Organisation, Position

pytestmark = pytest.mark.django_db


def this_month() -> dt.date:
    return month_of(dt.date.today())


def fig(org, key, month=None) -> tuple[int, int]:
    row = Figure.objects.filter(org=org, key=key, month=month or this_month()).values_list("own", "subtree").first()
    return tuple(row) if row else (0, 0)


def snapshot() -> set[tuple]:
    return set(Figure.objects.values_list("org_id", "org_path", "parent_id", "month", "key", "own", "subtree"))


def live_members_agree() -> None:
    """The current month's member figures equal the maintained counters of every org (and so the raw count)."""
    for org in Organisation.objects.all():
        active = Membership.objects.filter(status="active", union_path__gte=org.path,
                                           union_path__lt=str(int(org.path) + 1).zfill(len(org.path))).count()
        assert fig(org, "members")[1] == org.subtree_member_count == active, org.name


def test_a_member_is_counted_up_the_tree_and_a_rerun_writes_the_same_rows(tree, personas):
    run = rollup_recent(by=SYSTEM)
    assert run.months == [m.isoformat() for m in last_months(2)]
    assert run.error == "" and run.finished_at is not None
    assert fig(tree.grassroots, "members") == (1, 1)
    assert [fig(o, "members")[1] for o in (tree.lixia_town, tree.lixia, tree.jinan, tree.province,
                                            tree.national)] == [1, 1, 1, 1, 1]
    assert fig(tree.qingdao, "members") == (0, 0)
    # The previous month from the raw memberships (the member joined in 2020).
    assert fig(tree.jinan, "members", previous_month(this_month())) == (0, 1)
    row = Figure.objects.get(org=tree.jinan, key="members", month=this_month())
    assert (row.org_path, row.parent_id) == (tree.jinan.path, tree.province.pk)
    before = snapshot()
    assert run.rows == len(before) == 2 * 6  # members of 6 orgs (the member's line) in each of 2 months
    rollup_recent(by=SYSTEM)
    assert snapshot() == before
    assert RollupRun.objects.count() == 2
    assert AuditEvent.objects.filter(action="insight.rollup.run").count() == 2
    live_members_agree()


def test_join_approval(tree, personas, town):  # noqa: F811
    reviewer = cadre("town_reviewer", tree.lixia_town)
    rollup(months=[this_month()], by=SYSTEM)
    application, _ = join_apply(by=SYSTEM, **join_values())
    assert fig(tree.lixia_town, "joins") == (0, 0)  # nothing moves before the job runs
    approve_join_application(application, by=reviewer)
    rollup(months=[this_month()], by=SYSTEM)
    assert fig(tree.lixia_town, "joins") == (1, 1)
    assert fig(tree.lixia_town, "members") == (1, 2)
    assert [fig(o, "joins")[1] for o in (tree.lixia, tree.jinan, tree.province)] == [1, 1, 1]
    assert [fig(o, "members")[1] for o in (tree.jinan, tree.qingdao, tree.province)] == [2, 0, 2]
    live_members_agree()
    before = snapshot()
    rollup(months=[this_month()], by=SYSTEM)
    assert snapshot() == before


def test_transfer_moves_the_member_and_the_old_rows_go(tree, personas):
    qd_chair = cadre("qd_chair", tree.qd_grassroots, Position.Role.CHAIR)
    rollup_recent(by=SYSTEM)
    assert fig(tree.jinan, "members") == (0, 1)
    membership = Membership.objects.get(person=personas.worker.person, status="active")
    transfer = transfer_request(membership=membership, by=personas.worker, employer_name="青岛丙物流有限公司",
                                work_region="370202")
    transfer = transfer_release(transfer, by=personas.grassroots_cadre)
    transfer_accept(transfer, by=qd_chair)
    rollup_recent(by=SYSTEM)
    assert fig(tree.grassroots, "transfers_out") == (1, 1)
    assert fig(tree.jinan, "transfers_out") == (0, 1)
    assert fig(tree.qd_grassroots, "transfers_in") == (1, 1)
    assert [fig(o, "transfers_in")[1] for o in (tree.qingdao, tree.province, tree.jinan)] == [1, 1, 0]
    assert [fig(o, "transfers_out")[1] for o in (tree.province, tree.qingdao)] == [1, 0]
    # 济南 has no member left: its row of this month is gone (reads 0); 青岛 and the province count one.
    assert not Figure.objects.filter(org=tree.jinan, key="members", month=this_month()).exists()
    assert [fig(o, "members")[1] for o in (tree.jinan, tree.qingdao, tree.province)] == [0, 1, 1]
    # Last month is history: the member was in 济南 at its end.
    last = previous_month(this_month())
    assert [fig(o, "members", last)[1] for o in (tree.jinan, tree.qingdao)] == [1, 0]
    live_members_agree()
    before = snapshot()
    rollup_recent(by=SYSTEM)
    assert snapshot() == before


def test_coupon_claim_and_redemption(tree, personas):
    activity = coupon_activity(tree.jinan, stock=5)
    members = [make_member(tree.grassroots) for _ in range(3)]
    activity = Activity.objects.select_related("org").get(pk=activity.pk)
    coupons = [claim_coupon(activity, by=m) for m in members]
    rollup(months=[this_month()], by=SYSTEM)
    assert fig(tree.jinan, "activities") == (1, 1)
    assert fig(tree.jinan, "coupons_claimed") == (3, 3)
    assert fig(tree.jinan, "participations") == (3, 3)
    assert fig(tree.jinan, "coupons_redeemed") == (0, 0)
    assert fig(tree.province, "coupons_claimed") == (0, 3)
    redeem_coupon(coupons[0].code, by=personas.city_cadre)
    redeem_coupon(coupons[2].code, by=personas.city_cadre)
    rollup(months=[this_month()], by=SYSTEM)
    assert fig(tree.jinan, "coupons_redeemed") == (2, 2)
    assert fig(tree.national, "coupons_redeemed") == (0, 2)
    assert q.subtree_figures(tree.province, this_month())["redemption_rate"] == 667  # 2/3 in thousandths
    assert fig(tree.grassroots, "members") == (4, 4)
    live_members_agree()
    before = snapshot()
    rollup(months=[this_month()], by=SYSTEM)
    assert snapshot() == before


def test_case_filed_closed_and_rated(tree, personas):
    handler = make_user("handler")
    from smartunion.orgs import services as org_services
    org_services.position_grant(user=handler, org=tree.lixia_town, role=Position.Role.REVIEWER, by=SYSTEM)
    first = new_case(personas.worker)
    new_case(personas.worker, kind="consult", description="请问工会会员有哪些普惠服务，怎样领取？谢谢")
    assert first.org_id == tree.lixia_town.pk
    rollup(months=[this_month()], by=SYSTEM)
    assert fig(tree.lixia_town, "cases_received") == (2, 2)
    assert fig(tree.lixia_town, "cases_complaint") == (1, 1)
    assert fig(tree.jinan, "cases_consult") == (0, 1)
    assert fig(tree.jinan, "cases_closed") == (0, 0)
    case = case_services.accept(first, by=handler)
    case = case_services.close(case, by=handler, resolution="resolved", note="经协调，公司已补发工资。")
    case_services.rate(case, by=personas.worker, rating=4, comment="满意")
    rollup(months=[this_month()], by=SYSTEM)
    assert [fig(tree.province, k)[1] for k in ("cases_received", "cases_closed", "cases_closed_on_time",
                                                "satisfaction_sum", "satisfaction_count")] == [2, 1, 1, 4, 1]
    values = q.subtree_figures(tree.jinan, this_month())
    assert (values["cases_on_time_rate"], values["satisfaction_avg"]) == (1000, 40)
    assert q.subtree_figures(tree.qingdao, this_month())["cases_on_time_rate"] is None
    before = snapshot()
    rollup(months=[this_month()], by=SYSTEM)
    assert snapshot() == before


def test_every_key_is_computed_and_a_failure_is_recorded(tree, personas, monkeypatch):
    from smartunion.insight import figures

    run = rollup(months=[this_month()], by=SYSTEM)
    assert {k for k in Figure.objects.values_list("key", flat=True)} == {"members"}
    assert len(KEYS) == len(set(KEYS)) == 26

    def broken(month):
        raise RuntimeError("坏了")

    monkeypatch.setattr(figures, "FIGURES", [figures.FigureDef("joins", "新入会", "人", figures.FLOW, "", broken)])
    from smartunion.insight.services import rollups
    monkeypatch.setattr(rollups, "FIGURES", figures.FIGURES)
    with pytest.raises(RuntimeError):
        rollup(months=[this_month()], by=SYSTEM)
    failed = RollupRun.objects.exclude(pk=run.pk).get()
    assert failed.error == "RuntimeError: 坏了" and failed.finished_at is not None
    assert Figure.objects.filter(key="members").count() == 6  # the failed run changed nothing
