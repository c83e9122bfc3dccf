import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.models import AuditEvent
from smartunion.members.models import Membership
from smartunion.orgs import services
from smartunion.orgs.models import Organisation, ancestor_paths, path_upper_bound, subtree_q
from smartunion.orgs.queries import subtree_member_count


def test_paths_are_fixed_width_segments_of_the_ancestry(tree):
    assert tree.national.path == f"{tree.national.pk:08d}"
    assert tree.grassroots.path == "".join(f"{o.pk:08d}" for o in
                                           (tree.national, tree.province, tree.jinan, tree.lixia, tree.lixia_town,
                                            tree.grassroots))
    assert tree.grassroots.depth == 5
    assert [o.name for o in tree.grassroots.ancestors()] == [
        "中华全国总工会", "山东省总工会", "济南市总工会", "历下区总工会", "历下区解放路街道工会"]


def test_upper_bound_carries_into_the_previous_digit():
    assert path_upper_bound("0000000100000009") == "0000000100000010"
    assert path_upper_bound("00000099") == "00000100"
    assert ancestor_paths("0000000100000002") == ["00000001", "0000000100000002"]


def test_subtree_is_exactly_the_descendants(tree):
    names = set(Organisation.objects.filter(subtree_q(tree.jinan.path)).values_list("name", flat=True))
    assert names == {"济南市总工会", "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"}


def test_subtree_query_is_a_range_on_the_path_column(tree):
    sql = str(Organisation.objects.filter(subtree_q(tree.jinan.path)).query)
    assert '"path" >=' in sql and '"path" <' in sql and "LIKE" not in sql


def test_kind_rules_refuse_a_grassroots_union_under_a_branch(tree):
    branch = services.org_create(parent=tree.grassroots, kind=Organisation.Kind.BRANCH, name="第一分会", by=SYSTEM)
    with pytest.raises(Invalid) as exc:
        services.org_create(parent=branch, kind=Organisation.Kind.GRASSROOTS, name="错误的工会", by=SYSTEM)
    assert (exc.value.code, exc.value.message, exc.value.fields) == (
        "invalid", "提交的数据有误，请检查后重试", {"kind": "“分工会”下不能设立“基层工会”"})


def test_invalid_credit_code_changes_nothing(tree):
    before = Organisation.objects.count()
    with pytest.raises(Invalid) as exc:
        services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS, name="某工会",
                            credit_code="91370102MA00000010", by=SYSTEM)
    assert exc.value.fields == {"credit_code": "统一社会信用代码校验码错误"}
    assert Organisation.objects.count() == before


def test_create_leaves_an_audit_event_with_the_org(tree, personas):
    org = services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS, name="新工会",
                              by=personas.county_cadre)
    event = AuditEvent.objects.filter(action="orgs.organisation.create", target_id=str(org.pk)).get()
    assert (event.actor_id, event.org_id, event.org_path) == (personas.county_cadre.pk, org.pk, org.path)


def test_cadre_cannot_create_outside_their_subtree(tree, personas):
    with pytest.raises(Forbidden) as exc:
        services.org_create(parent=tree.shinan_town, kind=Organisation.Kind.GRASSROOTS, name="越权",
                            by=personas.city_cadre)
    assert (exc.value.status, exc.value.code, exc.value.message, exc.value.fields) == (
        403, "forbidden", "您无权在该组织下新建组织", {})
    assert not Organisation.objects.filter(name="越权").exists()


@pytest.mark.parametrize("write", [
    lambda tree: services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS, name="无名", by=None),
    lambda tree: services.org_update(tree.grassroots, name="改名", by=None),
    lambda tree: services.employer_create(name="济南无名有限公司", region="370102", by=None),
    lambda tree: services.employer_update(tree.employer, address="无名路", by=None),
    lambda tree: services.org_join_token(tree.grassroots, by=None),
    lambda tree: services.org_change_status(tree.qd_grassroots, "suspend", by=None, note="无名"),
], ids=["org_create", "org_update", "employer_create", "employer_update", "org_join_token", "org_change_status"])
def test_a_write_without_a_named_actor_is_refused_not_let_through(tree, write):
    before = AuditEvent.objects.count()
    with pytest.raises(TypeError):
        write(tree)
    assert AuditEvent.objects.count() == before


def test_position_grant_and_revoke_need_a_named_actor(tree, personas):
    position = personas.county_cadre.positions.get()
    with pytest.raises(TypeError):
        services.position_grant(user=personas.outsider, org=tree.lixia, role="administrator", by=None)
    with pytest.raises(TypeError):
        services.position_revoke(position, by=None)
    assert list(personas.outsider.positions.all()) == []


def test_only_the_platform_or_an_operator_creates_a_root(tree, personas):
    with pytest.raises(Invalid) as exc:
        services.org_create(parent=None, kind=Organisation.Kind.NATIONAL, name="第二个根", by=personas.province_admin)
    assert exc.value.fields == {"parent": "请选择上级组织"}


def test_member_counts_are_maintained_up_the_tree(tree, personas):
    # personas made one member in the grassroots union.
    tree_orgs = {o.pk: o for o in Organisation.objects.all()}
    assert tree_orgs[tree.grassroots.pk].member_count == 1
    assert [tree_orgs[o.pk].subtree_member_count for o in
            (tree.national, tree.province, tree.jinan, tree.lixia, tree.lixia_town, tree.grassroots)] == [1] * 6
    assert tree_orgs[tree.qingdao.pk].subtree_member_count == 0
    assert subtree_member_count(tree.jinan) == 1


def test_recount_rebuilds_the_figures(tree, personas):
    Organisation.objects.update(member_count=0, subtree_member_count=0)
    assert services.recount_members(Membership.objects.filter(status=Membership.Status.ACTIVE)) == (
        Organisation.objects.count())
    assert subtree_member_count(tree.province) == 1
    assert Organisation.objects.get(pk=tree.grassroots.pk).member_count == 1


def test_org_status_workflow(tree, personas):
    from smartunion.core.models import TransitionLog
    from smartunion.core.workflow import TransitionError, TransitionForbidden

    org = services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS, name="待暂停工会", by=SYSTEM)
    with pytest.raises(TransitionError) as exc:
        services.org_change_status(org, "suspend", by=personas.county_cadre)
    assert exc.value.message == "请填写原因"
    suspended = services.org_change_status(org, "suspend", by=personas.county_cadre, note="换届")
    assert suspended.status == "suspended"
    resumed = services.org_change_status(suspended, "resume", by=personas.county_cadre)
    assert resumed.status == "active"
    with pytest.raises(TransitionError) as exc:
        services.org_change_status(resumed, "resume", by=personas.county_cadre)
    assert exc.value.message == "当前状态为“正常”，不能执行“恢复”"
    with pytest.raises(TransitionForbidden):
        services.org_change_status(resumed, "suspend", by=personas.other_city_cadre, note="越权")
    dissolved = services.org_change_status(resumed, "dissolve", by=personas.county_cadre, note="企业注销")
    assert dissolved.status == "dissolved"
    log = list(TransitionLog.objects.filter(object_id=str(org.pk)).values_list("action", "from_state", "to_state"))
    assert log == [("suspend", "active", "suspended"), ("resume", "suspended", "active"),
                   ("dissolve", "active", "dissolved")]
    assert AuditEvent.objects.filter(action="orgs.organisation.status.dissolve", target_id=str(org.pk)).count() == 1


def test_an_org_with_members_cannot_be_dissolved(tree, personas):
    with pytest.raises(Conflict) as exc:
        services.org_change_status(tree.grassroots, "dissolve", by=personas.county_cadre, note="x")
    assert (exc.value.status, exc.value.code, exc.value.message) == (
        409, "has_members", "该组织还有会员，请先办理会员转出后再撤销")


def test_an_org_with_live_children_cannot_be_dissolved(tree, personas):
    with pytest.raises(Conflict) as exc:
        services.org_change_status(tree.lixia_town, "dissolve", by=personas.county_cadre, note="x")
    assert (exc.value.status, exc.value.code, exc.value.message) == (
        409, "has_children", "该组织还有下级组织，不能撤销")
    assert Organisation.objects.get(pk=tree.lixia_town.pk).status == "active"
