"""Dispatch (members/dispatch.py): each of the six rules, in order, with the exact union, reason and note."""

from __future__ import annotations

import pytest
from tests.members.conftest import join_values

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Invalid
from smartunion.core.validators import make_credit_code
from smartunion.members.dispatch import dispatch
from smartunion.members.models import JoinApplication, Person
from smartunion.members.services import join_apply
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Employer, Organisation, Region

pytestmark = pytest.mark.django_db

K = Organisation.Kind
D = JoinApplication.Dispatch
TOWNSHIP_NOTE = "所在单位尚未建立工会，由“历下区解放路街道工会”受理，入会后挂靠该工会"
COUNTY_NOTE = "所在地区暂无乡镇（街道）工会，由“历下区总工会”受理"
COUNTY_LEVEL_NOTE = "工作地区只填到县（区），由“历下区总工会”受理并转交所在乡镇（街道）工会"
JOINT_CODE = make_credit_code("91370102MA0000002")


def region(code: str) -> Region:
    return Region.objects.get(pk=code)


def outcome(result):
    return result.union.name, result.reason, result.note


@pytest.fixture
def street_joint(tree):
    """解放路街道联合工会 covers the small shop 济南戊便利店 (no gig coverage)."""
    joint = org_services.org_create(parent=tree.lixia_town, kind=K.JOINT, name="解放路街道联合工会", region="370102",
                                    by=SYSTEM)
    shop = org_services.employer_create(name="济南戊便利店", region="370102", credit_code=JOINT_CODE,
                                        covering_union=joint, township_union=tree.lixia_town, by=SYSTEM)
    return joint, shop


@pytest.fixture
def abc(tree):
    """An employer whose name has ASCII letters and brackets, covered by its own union."""
    union = org_services.org_create(parent=tree.lixia_town, kind=K.GRASSROOTS, name="ABC软件公司工会",
                                    region="370102", by=SYSTEM)
    employer = org_services.employer_create(name="济南ABC（历下）软件有限公司", region="370102",
                                            covering_union=union, township_union=tree.lixia_town, by=SYSTEM)
    return union, employer


# Rule 1: scan-to-join -------------------------------------------------------------------------------------------


def test_scan_to_join_goes_to_the_union_of_the_poster_before_any_other_rule(tree, town, street_joint, submit):
    Organisation.objects.filter(pk=tree.grassroots.pk).update(join_token="poster-jia-0001")
    # The credit code would send it to 解放路街道联合工会 (rule 2): the QR code wins.
    application = submit(source_token="poster-jia-0001", employer_credit_code=JOINT_CODE)
    assert (application.union.name, application.dispatch_reason, application.dispatch_note) == (
        "甲公司工会委员会", D.SCAN, "通过“甲公司工会委员会”的入会二维码申请，由该工会受理")
    assert (application.source_union_id, application.union_path) == (tree.grassroots.pk, tree.grassroots.path)
    assert application.candidates == []


@pytest.mark.parametrize("token", ["no-such-token", "poster-suspended"])
def test_an_unknown_or_suspended_poster_is_refused_and_nothing_is_written(tree, personas, town, submit, token):
    Organisation.objects.filter(pk=tree.grassroots.pk).update(join_token="poster-suspended")
    org_services.org_change_status(tree.grassroots, "suspend", by=personas.county_cadre, note="整顿")
    with pytest.raises(Invalid) as exc:
        submit(source_token=token)
    assert exc.value.fields == {"source_token": "入会二维码无效或已停用，请向工会索取新的二维码"}
    assert JoinApplication.objects.count() == 0


# Rule 2: credit code ---------------------------------------------------------------------------------------------


def test_credit_code_of_an_employer_with_its_own_union(tree, town):
    result = dispatch(work_region=town, employer_name="随便写的名称", employer_credit_code=tree.employer.credit_code)
    assert outcome(result) == ("甲公司工会委员会", D.CREDIT_CODE,
                               "统一社会信用代码与“济南甲科技有限公司”一致，由其所属工会“甲公司工会委员会”受理")
    assert (result.employer, result.candidates) == (tree.employer, [])


def test_credit_code_wins_even_when_the_work_region_is_elsewhere(tree, town):
    result = dispatch(work_region=region("370202"), employer_name="青岛丙物流有限公司",
                      employer_credit_code=tree.employer.credit_code)
    assert (result.union, result.reason) == (tree.grassroots, D.CREDIT_CODE)


def test_credit_code_of_an_employer_covered_by_a_joint_union(tree, town, street_joint):
    _joint, shop = street_joint
    result = dispatch(work_region=town, employer_name="戊便利店", employer_credit_code=JOINT_CODE)
    assert outcome(result) == ("解放路街道联合工会", D.CREDIT_CODE,
                               "统一社会信用代码与“济南戊便利店”一致，由其所属工会“解放路街道联合工会”受理")
    assert result.employer == shop


def test_join_apply_stores_the_dispatch(tree, town, street_joint, submit):
    joint, shop = street_joint
    application = submit(employer_name="戊便利店", employer_credit_code=JOINT_CODE)
    assert (application.union, application.union_path, application.employer, application.dispatch_reason) == (
        joint, joint.path, shop, D.CREDIT_CODE)
    assert application.dispatch_note == "统一社会信用代码与“济南戊便利店”一致，由其所属工会“解放路街道联合工会”受理"


# Rule 3: normalised name in the county --------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "济南ABC（历下）软件有限公司",        # as registered
    "济南ＡＢＣ(历下)软件有限公司",       # full-width letters, half-width brackets
    "济南 ABC （历下） 软件 有限责任公司",  # spaces, another company form
    "　济南ＡＢＣ（历下）软件股份有限公司　",  # ideographic spaces, 股份有限公司
    "济南ABC(历下)软件",                  # no company form at all
])
def test_name_match_ignores_width_brackets_spaces_and_company_form(town, abc, name):
    _union, employer = abc
    result = dispatch(work_region=town, employer_name=name)
    assert outcome(result) == (
        "ABC软件公司工会", D.NAME, "单位名称与“济南ABC（历下）软件有限公司”一致，由其所属工会“ABC软件公司工会”受理")
    assert result.employer == employer


def test_name_match_also_works_from_the_county_level_region(tree, town, abc):
    result = dispatch(work_region=region("370102"), employer_name="济南ＡＢＣ（历下）软件有限责任公司")
    assert (result.union.name, result.reason) == ("ABC软件公司工会", D.NAME)


def test_a_different_name_does_not_match(tree, town, abc):
    result = dispatch(work_region=town, employer_name="济南ABC（历下）软件开发有限公司")
    assert (result.union, result.reason, result.employer) == (tree.lixia_town, D.TOWNSHIP, None)


def test_name_match_is_limited_to_the_work_regions_county(tree, town, abc):
    # Same name, but the worker works in 市南区: 历下区's employer is not theirs.
    result = dispatch(work_region=region("370202"), employer_name="济南ABC（历下）软件有限公司")
    assert (result.union.name, result.reason, result.employer) == ("市南区八大湖街道工会", D.TOWNSHIP, None)
    assert result.note == "所在单位尚未建立工会，由“市南区八大湖街道工会”受理，入会后挂靠该工会"


def test_an_unknown_credit_code_falls_back_to_the_name(town, abc):
    union, employer = abc
    result = dispatch(work_region=town, employer_name="济南ABC（历下）软件有限公司",
                      employer_credit_code=make_credit_code("91370102MA0000009"))
    assert (result.union, result.reason, result.employer) == (union, D.NAME, employer)


def test_an_ambiguous_name_goes_to_the_township_union_with_the_candidates(tree, town):
    first = org_services.employer_create(name="济南丁餐饮有限公司", region="370102", township_union=tree.lixia_town,
                                         by=SYSTEM)
    union = org_services.org_create(parent=tree.lixia_town, kind=K.GRASSROOTS, name="丁餐饮工会", region="370102",
                                    by=SYSTEM)
    second = org_services.employer_create(name="济南丁餐饮有限责任公司", region="370102", covering_union=union,
                                          township_union=tree.lixia_town, by=SYSTEM)
    result = dispatch(work_region=town, employer_name="济南丁餐饮股份有限公司")
    assert outcome(result) == (
        "历下区解放路街道工会", D.AMBIGUOUS, "单位名称匹配到2家单位，由“历下区解放路街道工会”核实后受理")
    assert result.employer is None
    assert result.candidates == [
        {"id": first.pk, "name": "济南丁餐饮有限公司", "union_id": None, "union_name": ""},
        {"id": second.pk, "name": "济南丁餐饮有限责任公司", "union_id": union.pk, "union_name": "丁餐饮工会"},
    ]


def test_an_ambiguous_name_is_not_taken_by_the_gig_rule(tree, town, gig_joint):
    for name in ("济南丁餐饮有限公司", "济南丁餐饮有限责任公司"):
        org_services.employer_create(name=name, region="370102", township_union=tree.lixia_town, by=SYSTEM)
    result = dispatch(work_region=town, employer_name="济南丁餐饮", employment_form="12")
    assert (result.union, result.reason, len(result.candidates)) == (tree.lixia_town, D.AMBIGUOUS, 2)


# Rule 4: gig workers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("form", "platform"), [("12", ""), ("", "美团"), ("01", "美团"), ("12", "饿了么")])
def test_a_gig_worker_goes_to_the_joint_union_for_their_form_or_platform(town, gig_joint, form, platform):
    result = dispatch(work_region=town, employer_name="个人", employment_form=form, gig_platform=platform)
    assert outcome(result) == ("历下区新就业形态联合工会", D.GIG, "新就业形态劳动者，由“历下区新就业形态联合工会”受理")


@pytest.mark.parametrize(("form", "platform"), [("13", ""), ("13", "滴滴出行"), ("01", "")])
def test_a_worker_the_joint_union_does_not_serve_goes_to_the_township_union(tree, town, gig_joint, street_joint,
                                                                            form, platform):
    # 解放路街道联合工会 (street_joint) serves no gig form: it is never chosen by rule 4.
    result = dispatch(work_region=town, employer_name="个人", employment_form=form, gig_platform=platform)
    assert outcome(result) == ("历下区解放路街道工会", D.TOWNSHIP, TOWNSHIP_NOTE)


def test_a_gig_worker_in_a_county_without_a_gig_union_goes_to_the_township_union(tree, town, gig_joint):
    result = dispatch(work_region=region("370202"), employer_name="个人", employment_form="12",
                      gig_platform="美团")
    assert (result.union.name, result.reason) == ("市南区八大湖街道工会", D.TOWNSHIP)


def test_a_gig_union_under_the_township_union_is_found_too(tree, town):
    joint = org_services.org_create(parent=tree.lixia_town, kind=K.JOINT, name="解放路快递员联合工会",
                                    region="370102", by=SYSTEM)
    Organisation.objects.filter(pk=joint.pk).update(serves_employment_forms=["11"])
    result = dispatch(work_region=town, employer_name="某快递网点", employment_form="11")
    assert (result.union.name, result.reason) == ("解放路快递员联合工会", D.GIG)


def test_a_gig_worker_named_employer_is_kept_on_the_result(tree, town, gig_joint):
    result = dispatch(work_region=town, employer_name="济南乙商贸有限公司", employment_form="12")
    assert (result.union, result.reason, result.employer) == (gig_joint, D.GIG, tree.employer_without_union)


# Rule 5: the township union -------------------------------------------------------------------------------------


def test_otherwise_the_township_union_of_a_township_region(tree, town):
    result = dispatch(work_region=town, employer_name="济南新开张科技有限公司")
    assert outcome(result) == ("历下区解放路街道工会", D.TOWNSHIP, TOWNSHIP_NOTE)
    assert (result.employer, result.candidates) == (None, [])


def test_a_known_employer_without_a_union_is_attached_to_the_township_union(tree, town):
    result = dispatch(work_region=town, employer_name="济南乙商贸有限责任公司")
    assert outcome(result) == ("历下区解放路街道工会", D.TOWNSHIP, TOWNSHIP_NOTE)
    assert result.employer == tree.employer_without_union


def test_a_county_region_with_one_township_union_uses_it(tree, town):
    result = dispatch(work_region=region("370102"), employer_name="济南新开张科技有限公司")
    assert outcome(result) == ("历下区解放路街道工会", D.TOWNSHIP, TOWNSHIP_NOTE)


# Rule 6: the county federation ----------------------------------------------------------------------------------


def test_a_county_region_with_several_township_unions_goes_to_the_county_federation(tree, second_town):
    result = dispatch(work_region=region("370102"), employer_name="济南新开张科技有限公司")
    assert outcome(result) == ("历下区总工会", D.COUNTY, COUNTY_LEVEL_NOTE)
    assert (result.employer, result.candidates) == (None, [])


def test_a_county_region_with_several_township_unions_still_uses_the_employers_township_union(tree, second_town):
    result = dispatch(work_region=region("370102"), employer_name="济南乙商贸有限公司")
    assert (result.union, result.reason, result.employer) == (
        tree.lixia_town, D.TOWNSHIP, tree.employer_without_union)


def test_an_ambiguous_name_in_a_county_region_with_several_township_unions(tree, second_town):
    first = org_services.employer_create(name="济南丁餐饮有限公司", region="370102", township_union=second_town,
                                         by=SYSTEM)
    second = org_services.employer_create(name="济南丁餐饮有限责任公司", region="370102", township_union=second_town,
                                          by=SYSTEM)
    result = dispatch(work_region=region("370102"), employer_name="济南丁餐饮")
    assert outcome(result) == ("历下区总工会", D.COUNTY, COUNTY_LEVEL_NOTE)
    assert [c["id"] for c in result.candidates] == [first.pk, second.pk]


def test_a_county_region_without_any_township_union_goes_to_the_county_federation(tree):
    org_services.org_create(parent=tree.jinan, kind=K.COUNTY, name="历城区总工会", region="370112", by=SYSTEM)
    result = dispatch(work_region=region("370112"), employer_name="济南新开张科技有限公司")
    assert outcome(result) == ("历城区总工会", D.COUNTY, "所在地区暂无乡镇（街道）工会，由“历城区总工会”受理")


def test_a_township_region_without_a_township_union_goes_to_the_county_federation(tree, town):
    empty = Region.objects.create(code="370102003", name="大明湖街道", level=Region.Level.TOWNSHIP, parent_id="370102")
    result = dispatch(work_region=empty, employer_name="济南新开张科技有限公司")
    assert outcome(result) == ("历下区总工会", D.COUNTY, COUNTY_NOTE)


def test_a_region_without_any_union_is_refused_and_join_apply_writes_nothing(tree, town, newcomer):
    with pytest.raises(Invalid) as exc:
        dispatch(work_region=region("370103"), employer_name="济南新开张科技有限公司")
    assert exc.value.fields == {"work_region": "该地区暂未开通网上入会，请联系当地总工会"}
    with pytest.raises(Invalid) as exc:
        join_apply(by=newcomer, **join_values(work_region="370103"))
    assert exc.value.fields == {"work_region": "该地区暂未开通网上入会，请联系当地总工会"}
    assert (JoinApplication.objects.count(), Person.objects.count()) == (0, 0)


# Suspended unions fall through -----------------------------------------------------------------------------------


def test_an_employer_whose_union_is_suspended_falls_through_to_the_township_union(tree, personas, town):
    org_services.org_change_status(tree.grassroots, "suspend", by=personas.county_cadre, note="整顿")
    by_code = dispatch(work_region=town, employer_name="x", employer_credit_code=tree.employer.credit_code)
    by_name = dispatch(work_region=town, employer_name="济南甲科技股份有限公司")
    for result in (by_code, by_name):
        assert outcome(result) == ("历下区解放路街道工会", D.TOWNSHIP, TOWNSHIP_NOTE)
        assert result.employer == tree.employer


def test_a_suspended_union_falls_through_to_the_gig_rule(tree, personas, town, gig_joint):
    org_services.org_change_status(tree.grassroots, "suspend", by=personas.county_cadre, note="整顿")
    result = dispatch(work_region=town, employer_name="x", employer_credit_code=tree.employer.credit_code,
                      employment_form="12")
    assert (result.union, result.reason, result.employer) == (gig_joint, D.GIG, tree.employer)


def test_a_suspended_gig_union_is_skipped(tree, personas, town, gig_joint):
    org_services.org_change_status(gig_joint, "suspend", by=personas.county_cadre, note="整顿")
    result = dispatch(work_region=town, employer_name="个人", employment_form="12")
    assert (result.union, result.reason) == (tree.lixia_town, D.TOWNSHIP)


def test_a_suspended_township_union_falls_through_to_the_county_federation(tree, personas, town):
    org_services.org_change_status(tree.lixia_town, "suspend", by=personas.county_cadre, note="整顿")
    result = dispatch(work_region=town, employer_name="济南新开张科技有限公司")
    assert outcome(result) == ("历下区总工会", D.COUNTY, COUNTY_NOTE)


def test_employers_are_matched_by_their_stored_normalised_name(tree, town, abc):
    _union, employer = abc
    assert Employer.objects.get(pk=employer.pk).normalized_name == "ABC软件"


# Names as people write them, and townships against counties (issue 6) -----------------------------------------


@pytest.fixture
def township_employer(tree, town):
    """甲科技's sister firm registered by the registry at the township level (解放路街道), with its own union."""
    union = org_services.org_create(parent=tree.lixia_town, kind=K.GRASSROOTS, name="庚科技工会", region="370102",
                                    by=SYSTEM)
    employer = org_services.employer_create(name="济南庚科技有限公司", region=town.code, covering_union=union,
                                            by=SYSTEM)
    return union, employer


@pytest.mark.parametrize("name", [
    "济南庚科技有限公司", "山东省济南市庚科技有限公司", "濟南庚科技有限公司", "庚科技（济南）有限公司",
    "庚 科技 有限 公司", "庚科技股份有限公司", "山东济南历下庚科技", "【历下】庚科技有限责任公司",
])
@pytest.mark.parametrize("work_region", ["370102001", "370102"])
def test_a_township_registered_employer_is_found_however_the_name_and_region_are_written(
        township_employer, name, work_region):
    union, employer = township_employer
    result = dispatch(work_region=region(work_region), employer_name=name)
    assert (result.union, result.reason, result.employer) == (union, D.NAME, employer)


@pytest.mark.parametrize("name", ["ＡＢＣ软件有限公司", "abc软件", "山东ＡＢＣ（历下）軟件有限公司"])
def test_full_width_letters_case_and_traditional_characters(town, abc, name):
    union, employer = abc
    result = dispatch(work_region=town, employer_name=name)
    assert (result.union, result.reason, result.employer) == (union, D.NAME, employer)


def test_a_county_registered_employer_is_found_from_a_township_application(tree, town):
    # 乙 is registered at 历下区 (county level); the worker gives the township 解放路街道.
    result = dispatch(work_region=town, employer_name="濟南乙商貿有限公司")
    assert (result.union, result.reason, result.employer) == (tree.lixia_town, D.TOWNSHIP,
                                                              tree.employer_without_union)


def test_an_employer_in_another_county_is_not_matched_by_its_name(tree, town, township_employer):
    result = dispatch(work_region=region("370202"), employer_name="济南庚科技有限公司")
    assert (result.union.name, result.reason, result.employer) == ("市南区八大湖街道工会", D.TOWNSHIP, None)


def test_a_township_registered_employer_without_a_union_is_attached_to_its_township_union(tree, town, second_town):
    shop = org_services.employer_create(name="济南辛便利店", region=town.code, by=SYSTEM)
    assert shop.township_union == tree.lixia_town
    # From the county level (two township unions in 历下区) the employer's own township union still receives it.
    result = dispatch(work_region=region("370102"), employer_name="辛便利店")
    assert (result.union, result.reason, result.employer) == (tree.lixia_town, D.TOWNSHIP, shop)


def test_name_matching_uses_the_county_and_name_index(tree, town):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        dispatch(work_region=town, employer_name="济南新开张科技有限公司")
    sql = next(q["sql"] for q in queries.captured_queries if '"normalized_name" =' in q["sql"])
    assert '"orgs_employer"."county_code" = \'370102\'' in sql
    assert '"orgs_employer"."normalized_name" = \'新开张科技\'' in sql
