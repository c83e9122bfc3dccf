"""Region containment of orgs and employers, the audited change of an org's region, employers registered by name
and region alone (derived township union, area path, scope), and the data migration that fills the new columns.

Township regions here are real 12-digit codes below 历下区 (370102) and 市南区 (370202).
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Invalid
from smartunion.core.models import AuditEvent
from smartunion.orgs import services
from smartunion.orgs.models import Employer, Organisation, Region
from smartunion.orgs.queries import visible_employers
from smartunion.orgs.regions import region_chain, region_within, regions_related

K = Organisation.Kind
OUTSIDE_JIA = {"region": "单位所在行政区划应在所属工会“甲公司工会委员会”所在的区域（历下区）内"}
INVALID = "提交的数据有误，请检查后重试"


def refusal(exc) -> tuple:
    return exc.status, exc.code, exc.message, exc.fields


def invalid(fields: dict) -> tuple:
    return 422, "invalid", INVALID, fields


@pytest.fixture
def townships(db):
    """Two townships of 历下区 and one of 市南区, as the registries code them."""
    return {
        code: Region.objects.create(code=code, name=name, level=Region.Level.TOWNSHIP, parent_id=code[:6])
        for code, name in (("370102002000", "泉城路街道"), ("370102003000", "大明湖街道"),
                           ("370202001000", "八大关街道"))
    }


def created_region_events(org):
    return list(AuditEvent.objects.filter(action="orgs.organisation.change_region", target_id=str(org.pk))
                .values_list("actor_id", "data"))


# The region chain


def test_region_chain_follows_the_parents(townships):
    assert region_chain("370102002000") == ("370102002000", "370102", "370100", "370000")
    assert region_within("370102002000", "370100") is True
    assert region_within("370102002000", "370200") is False
    assert regions_related("370102", "370102002000") is True
    assert regions_related("370102003000", "370102002000") is False


# Orgs: containment on create


def test_an_org_under_a_federation_must_lie_in_its_region(tree, personas):
    before = Organisation.objects.count()
    with pytest.raises(Invalid) as exc:
        services.org_create(parent=tree.jinan, kind=K.COUNTY, name="越界区总工会", region="370202",
                            by=personas.city_cadre)
    assert refusal(exc.value) == invalid({"region": "行政区划应在上级总工会“济南市总工会”的区域（济南市）内"})
    assert Organisation.objects.count() == before


def test_an_org_below_a_township_is_held_to_the_county_federation(tree, personas):
    with pytest.raises(Invalid) as exc:
        services.org_create(parent=tree.lixia_town, kind=K.GRASSROOTS, name="越界工会", region="370103",
                            by=personas.county_cadre)
    assert refusal(exc.value) == invalid({"region": "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"})


def test_a_township_union_outside_its_county_is_refused(tree, personas, townships):
    with pytest.raises(Invalid) as exc:
        services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="八大关街道工会", region="370202001000",
                            by=personas.county_cadre)
    assert refusal(exc.value) == invalid({"region": "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"})
    town = services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="泉城路街道工会", region="370102002000",
                               by=personas.county_cadre)
    assert town.region_id == "370102002000"


def test_the_federations_own_region_and_no_region_are_allowed(tree, personas):
    same = services.org_create(parent=tree.lixia_town, kind=K.GRASSROOTS, name="同区工会", region="370102",
                               by=personas.county_cadre)
    none = services.org_create(parent=tree.lixia_town, kind=K.GRASSROOTS, name="无区划工会", by=personas.county_cadre)
    assert (same.region_id, none.region_id) == ("370102", None)


# Orgs: a change of region


def test_a_cadre_cannot_move_their_own_org_to_another_region(tree, personas, townships):
    # 历下区总工会's own administrator: the org is theirs, its place on the map is their superior's.
    with pytest.raises(services.ScopeRefused) as exc:
        services.org_update(tree.lixia, region="370102002000", by=personas.county_cadre)
    message = "变更组织的行政区划须由上级组织的管理员办理"
    assert (exc.value.field, *refusal(exc.value)) == ("region", 403, "forbidden", message, {"region": message})
    tree.lixia.refresh_from_db()
    assert tree.lixia.region_id == "370102"
    assert created_region_events(tree.lixia) == []


def test_a_grassroots_chair_cannot_move_their_union(tree, personas):
    with pytest.raises(services.ScopeRefused):
        services.org_update(tree.grassroots, region="370202", by=personas.grassroots_cadre)
    assert Organisation.objects.get(pk=tree.grassroots.pk).region_id == "370102"


def test_the_manager_above_moves_an_org_and_it_is_audited_on_its_own(tree, personas, townships):
    services.org_update(tree.lixia_town, region="370102002000", address="泉城路1号", by=personas.county_cadre)

    tree.lixia_town.refresh_from_db()
    assert (tree.lixia_town.region_id, tree.lixia_town.address) == ("370102002000", "泉城路1号")
    assert created_region_events(tree.lixia_town) == [
        (personas.county_cadre.pk, {"old": "370102", "new": "370102002000"})]
    update = AuditEvent.objects.get(action="orgs.organisation.update", target_id=str(tree.lixia_town.pk))
    assert update.data == {"fields": ["address"]}


def test_the_same_region_again_is_no_change(tree, personas):
    services.org_update(tree.lixia, region="370102", name="历下区总工会", by=personas.county_cadre)
    assert created_region_events(tree.lixia) == []


def test_a_city_cadre_cannot_move_an_org_of_their_city_into_another_city(tree, personas, townships):
    # The exploit of issue 6: 济南's cadre moves 历下's township union onto a 市南区 township to receive its workers.
    for org, region in ((tree.lixia_town, "370202001000"), (tree.lixia, "370202"), (tree.grassroots, "370202")):
        with pytest.raises(Invalid) as exc:
            services.org_update(org, region=region, by=personas.city_cadre)
        assert exc.value.fields["region"].startswith("行政区划应在上级总工会“")
        assert Organisation.objects.get(pk=org.pk).region_id == "370102"


def test_a_federation_cannot_be_moved_away_from_its_subtree(tree, personas):
    with pytest.raises(Invalid) as exc:
        services.org_update(tree.jinan, region="370200", by=personas.province_admin)
    assert refusal(exc.value) == invalid({"region": "下级组织的行政区划不在新的行政区划内，不能变更"})
    with pytest.raises(Invalid) as exc:
        services.org_update(tree.jinan, region=None, by=personas.province_admin)
    assert refusal(exc.value) == invalid({"region": "总工会的行政区划不能清空"})


def test_a_township_union_keeps_its_employers_region(tree, personas, townships):
    # 乙 (370102) is attached to 解放路街道工会: a township of 历下区 is still related to it, 市南区's is not.
    services.org_update(tree.lixia_town, region="370102002000", by=personas.county_cadre)
    services.org_update(tree.lixia_town, region="370102", by=personas.county_cadre)
    employer = services.employer_create(name="济南庚商贸有限公司", region="370102002000", by=personas.county_cadre)
    assert employer.township_union is None  # 历下区 has no township union on 泉城路街道
    services.employer_update(employer, township_union=tree.lixia_town, by=personas.county_cadre)
    with pytest.raises(Invalid) as exc:
        services.org_update(tree.lixia_town, region="370102003000", by=personas.county_cadre)
    assert refusal(exc.value) == invalid({"region": "属地用人单位的行政区划与新的行政区划不符，不能变更"})


# Employers: registered by name and region alone


def test_name_and_region_alone_derive_the_township_union(tree, personas):
    employer = services.employer_create(name="济南丁科技有限公司", region="370102", by=personas.county_cadre)

    assert (employer.covering_union, employer.township_union, employer.credit_code) == (None, tree.lixia_town, None)
    assert (employer.county_code, employer.area_path, employer.normalized_name) == (
        "370102", tree.lixia_town.path, "丁科技")
    event = AuditEvent.objects.get(action="orgs.employer.create", target_id=str(employer.pk))
    assert (event.actor_id, event.org_id) == (personas.county_cadre.pk, tree.lixia_town.pk)


def test_a_township_region_derives_the_union_on_it(tree, personas, townships):
    quancheng = services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="泉城路街道工会",
                                    region="370102002000", by=SYSTEM)
    employer = services.employer_create(name="泉城路戊餐饮店", region="370102002000", by=personas.county_cadre)
    assert (employer.township_union, employer.area_path, employer.county_code) == (
        quancheng, quancheng.path, "370102")


def test_a_county_with_several_township_unions_leaves_it_to_the_county_federation(tree, personas, townships):
    quancheng = services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="泉城路街道工会",
                                    region="370102002000", by=SYSTEM)
    town_cadre = make_user("quancheng_cadre")
    services.position_grant(user=town_cadre, org=quancheng, role="administrator", by=SYSTEM)

    employer = services.employer_create(name="济南己物流有限公司", region="370102", by=personas.county_cadre)

    assert (employer.township_union, employer.area_path) == (None, tree.lixia.path)
    assert employer in visible_employers(personas.county_cadre)
    assert employer in visible_employers(personas.city_cadre)
    assert employer not in visible_employers(town_cadre)
    assert employer not in visible_employers(personas.other_city_cadre)
    with pytest.raises(services.ScopeRefused):
        services.employer_create(name="济南辛物流有限公司", region="370102", by=town_cadre)


def test_a_county_without_a_federation_falls_to_the_city(tree, personas):
    # 市中区 (370103) has no union yet: 济南市总工会 answers for its employers.
    employer = services.employer_create(name="济南壬机械有限公司", region="370103", by=personas.city_cadre)
    assert (employer.township_union, employer.area_path) == (None, tree.jinan.path)
    assert list(visible_employers(personas.county_cadre).filter(pk=employer.pk)) == []
    with pytest.raises(services.ScopeRefused) as exc:
        services.employer_create(name="济南癸机械有限公司", region="370103", by=personas.county_cadre)
    assert (exc.value.field, exc.value.fields) == (
        "region", {"region": "您无权在该区域登记单位，请选择您管辖范围内的行政区划或所属工会"})


@pytest.mark.parametrize(("who", "region"), [("city_cadre", "370202"), ("county_cadre", "370202"),
                                             ("other_city_cadre", "370102"), ("grassroots_cadre", "370102")])
def test_an_employer_under_a_region_out_of_scope_is_refused(tree, personas, who, region):
    before = Employer.objects.count()
    with pytest.raises(services.ScopeRefused) as exc:
        services.employer_create(name="越权物流有限公司", region=region, by=getattr(personas, who))
    assert str(exc.value) == "您无权在该区域登记单位，请选择您管辖范围内的行政区划或所属工会"
    assert Employer.objects.count() == before


def test_an_employer_must_lie_within_its_covering_unions_federation(tree, personas):
    with pytest.raises(Invalid) as exc:
        services.employer_create(name="青岛甲科技分公司", region="370202", covering_union=tree.grassroots,
                                 by=personas.county_cadre)
    assert refusal(exc.value) == invalid(OUTSIDE_JIA)
    with pytest.raises(Invalid) as exc:
        services.employer_update(tree.employer, region="370202", by=personas.province_admin)
    assert refusal(exc.value) == invalid(OUTSIDE_JIA)


def test_a_named_township_union_must_match_the_region(tree, personas, townships):
    with pytest.raises(Invalid) as exc:
        services.employer_create(name="八大关庚商店", region="370202001000", township_union=tree.lixia_town, by=SYSTEM)
    assert refusal(exc.value) == invalid(
        {"township_union": "属地乡镇（街道）工会“历下区解放路街道工会”不在单位所在的行政区划内"})


def test_a_new_region_derives_the_township_union_again(tree, personas, townships):
    quancheng = services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="泉城路街道工会",
                                    region="370102002000", by=SYSTEM)
    services.employer_update(tree.employer_without_union, region="370102002000", by=personas.county_cadre)
    moved = Employer.objects.get(pk=tree.employer_without_union.pk)
    assert (moved.township_union, moved.area_path, moved.county_code) == (quancheng, quancheng.path, "370102")
    event = AuditEvent.objects.get(action="orgs.employer.update", target_id=str(moved.pk))
    assert event.data == {"fields": ["region", "township_union"]}


def test_a_township_cadre_cannot_hand_an_employer_up_to_the_county(tree, personas):
    town_cadre = make_user("town_cadre")
    services.position_grant(user=town_cadre, org=tree.lixia_town, role="administrator", by=SYSTEM)
    services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="第二街道工会", region="370102", by=SYSTEM)
    with pytest.raises(services.ScopeRefused):
        # 历下区 now has two township unions, so clearing it would leave 乙 to the county federation.
        services.employer_update(tree.employer_without_union, township_union=None, by=town_cadre)
    assert Employer.objects.get(pk=tree.employer_without_union.pk).township_union == tree.lixia_town


def test_a_grassroots_chair_may_edit_the_employer_of_their_union(tree, personas):
    services.employer_update(tree.employer, address="甲公司3楼", by=personas.grassroots_cadre)
    assert Employer.objects.get(pk=tree.employer.pk).address == "甲公司3楼"


# Unions founded after their employers were registered


def test_a_new_township_union_takes_the_employers_of_its_township(tree, personas, townships):
    early = services.employer_create(name="泉城路早登记商店", region="370102002000", by=SYSTEM)
    assert (early.township_union, early.area_path) == (None, tree.lixia.path)

    quancheng = services.org_create(parent=tree.lixia, kind=K.TOWNSHIP, name="泉城路街道工会",
                                    region="370102002000", by=SYSTEM)

    early.refresh_from_db()
    assert (early.township_union, early.area_path) == (quancheng, quancheng.path)


def test_a_new_county_federation_takes_the_employers_of_its_county(tree, personas):
    early = services.employer_create(name="历城早登记商店", region="370112", by=SYSTEM)
    other = services.employer_create(name="市中早登记商店", region="370103", by=SYSTEM)
    assert (early.area_path, other.area_path) == (tree.jinan.path, tree.jinan.path)

    licheng = services.org_create(parent=tree.jinan, kind=K.COUNTY, name="历城区总工会", region="370112", by=SYSTEM)

    early.refresh_from_db()
    other.refresh_from_db()
    assert (early.area_path, other.area_path) == (licheng.path, tree.jinan.path)


# Scope is one local column


def test_visible_employers_joins_only_the_covering_union(tree, personas):
    sql = str(visible_employers(personas.county_cadre).values("pk").query)
    assert sql.count("JOIN") == 1
    assert '"orgs_employer"."area_path" >=' in sql


# The data migration


def test_the_data_migration_recomputes_names_counties_and_areas(tree, townships):
    fill = importlib.import_module("smartunion.orgs.migrations.0005_recompute_employer_names").fill
    town_employer = services.employer_create(name="濟南庚科技有限公司", region="370102002000", by=SYSTEM)
    Employer.objects.update(normalized_name="stale", county_code="", area_path="")

    fill(apps, None)

    rows = {e.pk: (e.normalized_name, e.county_code, e.area_path) for e in Employer.objects.all()}
    assert rows == {
        tree.employer.pk: ("甲科技", "370102", tree.lixia_town.path),
        tree.employer_without_union.pk: ("乙商贸", "370102", tree.lixia_town.path),
        tree.qd_employer.pk: ("丙物流", "370202", tree.shinan_town.path),
        town_employer.pk: ("庚科技", "370102", tree.lixia.path),
    }


def test_a_name_that_normalisation_lengthens_still_fits_its_column(tree):
    # each ㍿ is 株式会社 after NFKC
    employer = services.employer_create(name="甲" + "㍿" * 149, region="370102", by=SYSTEM)
    assert Employer.objects.get(pk=employer.pk).normalized_name == "甲" + "株式会社" * 37 + "株"
