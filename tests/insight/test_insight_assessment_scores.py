"""Assessment: scores computed from Figure rows (flows summed, stocks at the period's end), exact values, ties,
zero targets, the 2023 rule, drafts and publishing, scope, the job after a roll-up, and constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.insight.models import AssessmentScheme, AssessmentScore, Figure
from smartunion.insight.queries import assessment as queries
from smartunion.insight.services import assessment as services
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation

D = Decimal
K = Organisation.Kind
pytestmark = pytest.mark.django_db


def figure(org, month, key, subtree):
    Figure.objects.create(org=org, org_path=org.path, parent=org.parent, month=dt.date(2025, month, 1), key=key,
                          own=0, subtree=subtree)


def scheme_of(org, level=K.CITY, **kwargs):
    return services.create_scheme(org=org, name=kwargs.pop("name", "2025年一季度考核"), level=level,
                                  period_start=dt.date(2025, 1, 5), period_end=dt.date(2025, 3, 20), by=SYSTEM)


def indicator(scheme, name, formula, weight, target, lower=False):
    return services.add_indicator(scheme, name=name, formula=formula, weight=weight, target=target,
                                  lower_is_better=lower, by=SYSTEM)


@pytest.fixture
def figures(tree):
    for month, n in ((1, 10), (2, 20), (3, 30)):
        figure(tree.jinan, month, "joins", n)
    figure(tree.qingdao, 1, "joins", 15)
    figure(tree.qingdao, 2, "joins", 15)
    figure(tree.jinan, 2, "members", 900)
    figure(tree.jinan, 3, "members", 1000)
    figure(tree.qingdao, 3, "members", 500)
    figure(tree.jinan, 3, "cases_closed", 10)
    figure(tree.jinan, 3, "cases_closed_on_time", 9)
    figure(tree.qingdao, 1, "transfers_out", 2)
    figure(tree.jinan, 4, "joins", 1000)  # outside the period
    figure(tree.lixia, 1, "joins", 999)  # a county: not of the level
    return tree


def _table(scheme):
    return [(r["rank"], r["org"], r["total"], [(c["value"], c["score"]) for c in r["cells"]])
            for r in queries.ranking(scheme)]


def test_scores_from_the_roll_ups(figures):
    scheme = scheme_of(figures.province)
    assert (scheme.period_start, scheme.period_end) == (dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    indicator(scheme, "新入会", "joins", "40", "50")
    indicator(scheme, "入会千分比", "joins / members * 1000", "30", "80")
    indicator(scheme, "按期办结率", "rate(cases_closed_on_time, cases_closed) * 100", "30", "90")
    indicator(scheme, "转出", "transfers_out", "10", "0", lower=True)
    assert services.compute_scheme(scheme, by=SYSTEM) == {"orgs": 2, "indicators": 4}
    assert _table(scheme) == [
        (1, "济南市总工会", D("102.50"), [(D("60.0000"), D("40.00")), (D("60.0000"), D("22.50")),
                                    (D("90.0000"), D("30.00")), (D("0.0000"), D("10.00"))]),
        (2, "青岛市总工会", D("46.50"), [(D("30.0000"), D("24.00")), (D("60.0000"), D("22.50")),
                                   (None, D("0.00")), (D("2.0000"), D("0.00"))]),
    ]
    assert AssessmentScore.objects.filter(scheme=scheme).count() == 10
    # Recomputing replaces the rows (a late figure of the period counts).
    figure(figures.qingdao, 3, "joins", 40)
    services.compute_scheme(scheme, by=SYSTEM)
    assert [(r["rank"], r["org"], r["total"]) for r in queries.ranking(scheme)] == [
        (1, "济南市总工会", D("102.50")), (2, "青岛市总工会", D("70.00"))]
    assert AssessmentScore.objects.filter(scheme=scheme).count() == 10


def test_explicit_aggregates(figures):
    scheme = scheme_of(figures.province)
    indicator(scheme, "会员月均", "avg(members)", "10", "1000")
    indicator(scheme, "会员合计", "sum(members)", "10", "1000")
    indicator(scheme, "期末新入会", "last(joins)", "10", "30")
    services.compute_scheme(scheme, by=SYSTEM)
    assert _table(scheme) == [
        (1, "济南市总工会", D("26.33"), [(D("633.3333"), D("6.33")), (D("1900.0000"), D("10.00")),
                                   (D("30.0000"), D("10.00"))]),
        (2, "青岛市总工会", D("6.67"), [(D("166.6667"), D("1.67")), (D("500.0000"), D("5.00")),
                                  (D("0.0000"), D("0.00"))]),
    ]


def test_ties_share_a_rank(figures):
    org_services.org_create(parent=figures.province, kind=K.CITY, name="烟台市总工会", by=SYSTEM)
    scheme = scheme_of(figures.province)
    indicator(scheme, "新入会", "joins", "10", "20")
    services.compute_scheme(scheme, by=SYSTEM)
    assert [(r["rank"], r["org"], r["total"]) for r in queries.ranking(scheme)] == [
        (1, "济南市总工会", D("10.00")), (1, "青岛市总工会", D("10.00")), (3, "烟台市总工会", D("0.00"))]


def test_score_rules():
    def score(value, weight, target, lower=False):
        return services.score_of(None if value is None else D(value), weight=D(weight), target=D(target),
                                 lower_is_better=lower)

    assert score("60", "30", "80") == D("22.50")
    assert score("1", "10", "3") == D("3.33")
    assert score("200", "10", "100") == D("10.00")  # capped at the weight
    assert score("-5", "10", "100") == D("0.00")
    assert score(None, "10", "100") == D("0.00")
    assert score("8", "10", "5", lower=True) == D("6.25")
    assert score("5", "10", "5", lower=True) == D("10.00")
    assert score("0", "10", "0", lower=True) == D("10.00")
    assert score("1", "10", "0", lower=True) == D("0.00")
    assert services.rank([("b", 2, D(5)), ("a", 1, D(5)), ("c", 3, D(7)), ("d", 4, D(1))]) == {3: 1, 1: 2, 2: 2,
                                                                                               4: 4}


def test_a_zero_target_is_refused_when_higher_is_better(tree):
    scheme = scheme_of(tree.province)
    with pytest.raises(Invalid) as caught:
        indicator(scheme, "新入会", "joins", "10", "0")
    assert caught.value.fields == {"target": "目标值为0时所有单位都得满分；越高越好的指标目标值应大于0"}


@pytest.mark.parametrize(("name", "formula", "word"), [
    ("每日签到率", "joins", "签到"),
    ("打卡人数", "members", "打卡"),
    ("人均在线时长", "members", "在线时长"),
    ("会员登录次数", "members", "登录次数"),
    ("工会App下载量", "members", "下载量"),
    ("新入会", "app_downloads", "download"),
    ("新入会", "checkin_count / members", "checkin"),
    ("新入会", "online_minutes", "online"),
])
def test_forbidden_indicators_are_refused_citing_the_rule(tree, name, formula, word):
    scheme = scheme_of(tree.province)
    with pytest.raises(Invalid) as caught:
        indicator(scheme, name, formula, "10", "1")
    assert caught.value.code == "forbidden_indicator"
    assert caught.value.message == (
        "根据2023年整治“指尖上的形式主义”、为基层减负的规定，考核不得以强制签到打卡、在线时长、登录次数或应用下载安装量"
        f"作为指标（指标中含“{word}”）")
    assert not scheme.indicators.exists()


def test_invalid_indicator_fields(tree):
    scheme = scheme_of(tree.province)
    with pytest.raises(Invalid) as caught:
        indicator(scheme, "", "joins +", "0", "-1")
    assert caught.value.fields == {
        "name": "请填写指标名称", "formula": "公式第 8 个字符处：公式不完整，结尾缺少数字、指标或“)”",
        "weight": "分值应为大于0、不超过1000的数，最多两位小数", "target": "目标值应为不小于0的数，最多四位小数"}


def test_levels_periods_and_who_defines(tree, personas):
    with pytest.raises(Invalid) as caught:
        services.create_scheme(org=tree.jinan, name="考核", level=K.CITY, period_start=dt.date(2025, 1, 1),
                               period_end=dt.date(2025, 1, 1), by=SYSTEM)
    assert caught.value.fields == {"level": "济南市总工会可考核的层级：县（区）总工会"}
    with pytest.raises(Invalid) as caught:
        services.create_scheme(org=tree.province, name="考核", level=K.CITY, period_start=dt.date(2025, 3, 1),
                               period_end=dt.date(2025, 1, 1), by=SYSTEM)
    assert caught.value.fields == {"period_end": "考核期止不能早于考核期起"}
    with pytest.raises(Forbidden):
        services.create_scheme(
            org=tree.province, name="考核", level=K.CITY, period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 1, 1), by=personas.city_cadre)
    with pytest.raises(Forbidden):
        services.create_scheme(org=tree.grassroots, name="考核", level=K.COUNTY, period_start=dt.date(2025, 1, 1),
                               period_end=dt.date(2025, 1, 1), by=personas.grassroots_cadre)
    city_scheme = services.create_scheme(org=tree.jinan, name="县区考核", level=K.COUNTY,
                                         period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31),
                                         by=personas.city_cadre)
    assert services.scheme_months(city_scheme)[-1] == dt.date(2025, 12, 1)
    with pytest.raises(Forbidden):
        services.compute_scheme(city_scheme, by=personas.other_city_cadre)


def test_published_schemes_keep_their_indicators(figures):
    scheme = scheme_of(figures.province)
    item = indicator(scheme, "新入会", "joins", "10", "20")
    services.publish_scheme(scheme, by=SYSTEM)
    scheme.refresh_from_db()
    assert scheme.status == AssessmentScheme.Status.PUBLISHED and scheme.computed_at is not None
    with pytest.raises(StateError):
        indicator(scheme, "转入", "transfers_in", "10", "20")
    with pytest.raises(StateError):
        services.remove_indicator(item, by=SYSTEM)
    services.compute_scheme(scheme, by=SYSTEM)  # still recomputed


def test_publishing_needs_an_indicator(tree):
    with pytest.raises(Invalid, match="方案还没有考核指标"):
        services.publish_scheme(scheme_of(tree.province), by=SYSTEM)


def test_scope_of_schemes_and_scores(figures, personas):
    province_scheme = scheme_of(figures.province)
    indicator(province_scheme, "新入会", "joins", "10", "20")
    city_scheme = services.create_scheme(org=figures.jinan, name="县区考核", level=K.COUNTY,
                                         period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 3, 1),
                                         by=SYSTEM)
    indicator(city_scheme, "新入会", "joins", "10", "20")

    def seen(user):
        return sorted(s.name for s in queries.visible_schemes(user))

    # Drafts: the scheme's org and the orgs above it.
    assert seen(personas.province_admin) == ["2025年一季度考核", "县区考核"]
    assert seen(personas.city_cadre) == ["县区考核"]
    assert seen(personas.other_city_cadre) == []
    assert seen(personas.county_cadre) == []
    # Published: also every cadre inside the scheme's subtree; never another city's scheme.
    services.publish_scheme(province_scheme, by=SYSTEM)
    services.publish_scheme(city_scheme, by=SYSTEM)
    assert seen(personas.city_cadre) == ["2025年一季度考核", "县区考核"]
    assert seen(personas.other_city_cadre) == ["2025年一季度考核"]
    assert seen(personas.county_cadre) == ["2025年一季度考核", "县区考核"]
    assert seen(personas.grassroots_cadre) == ["2025年一季度考核", "县区考核"]
    assert seen(personas.worker) == []
    with pytest.raises(NotFound):
        queries.scheme_for(personas.other_city_cadre, city_scheme.pk)


def test_the_job_after_a_roll_up(figures):
    scheme = scheme_of(figures.province)
    indicator(scheme, "新入会", "joins", "10", "20")
    scheme_of(figures.province, name="没有指标")
    assert services.recompute_after_rollup(months=[dt.date(2025, 6, 1)], by=SYSTEM) == 0
    assert services.recompute_after_rollup(months=[dt.date(2025, 3, 1), dt.date(2025, 4, 1)], by=SYSTEM) == 1
    assert AssessmentScore.objects.filter(scheme=scheme, indicator__isnull=True).count() == 2
    assert services.recompute_after_rollup(by=SYSTEM) == 1


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_orgs(figures):
    scheme = scheme_of(figures.province)
    indicator(scheme, "新入会", "joins", "10", "20")
    indicator(scheme, "会员", "members", "10", "20")
    compute = _queries(lambda: services.compute_scheme(scheme, by=SYSTEM))
    read = _queries(lambda: queries.ranking(scheme))
    for n in range(3):
        org_services.org_create(parent=figures.province, kind=K.CITY, name=f"新市{n}总工会", by=SYSTEM)
    assert _queries(lambda: services.compute_scheme(scheme, by=SYSTEM)) == compute
    assert _queries(lambda: queries.ranking(scheme)) == read == 3
    assert len(queries.ranking(scheme)) == 5
