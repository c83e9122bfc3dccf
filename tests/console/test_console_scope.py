"""Every console list shows exactly the persona's subtree; anything else behaves like a missing id."""

import pytest
from django.urls import reverse

ALL_ORGS = ["山东省总工会", "济南市总工会", "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会",
            "青岛市总工会", "市南区总工会", "市南区八大湖街道工会", "丙公司工会委员会"]
JINAN_ORGS = ["济南市总工会", "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]
QINGDAO_ORGS = ["青岛市总工会", "市南区总工会", "市南区八大湖街道工会", "丙公司工会委员会"]

ORGS = {
    "province_admin": ALL_ORGS,
    "city_cadre": JINAN_ORGS,
    "other_city_cadre": QINGDAO_ORGS,
    "county_cadre": ["历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"],
    "grassroots_cadre": ["甲公司工会委员会"],
}
EMPLOYERS = {
    "province_admin": ["济南甲科技有限公司", "济南乙商贸有限公司", "青岛丙物流有限公司"],
    "city_cadre": ["济南甲科技有限公司", "济南乙商贸有限公司"],
    "other_city_cadre": ["青岛丙物流有限公司"],
    "county_cadre": ["济南甲科技有限公司", "济南乙商贸有限公司"],
    # 乙 has no union; its township union is above the grassroots cadre.
    "grassroots_cadre": ["济南甲科技有限公司"],
}
POSITIONS = {
    "province_admin": {"province_admin", "city_cadre", "other_city_cadre", "county_cadre", "grassroots_cadre"},
    "city_cadre": {"city_cadre", "county_cadre", "grassroots_cadre"},
    "other_city_cadre": {"other_city_cadre"},
    "county_cadre": {"county_cadre", "grassroots_cadre"},
    # A grassroots union's chair does not open the positions page at all (tests/console/test_menus.py).
}
MEMBERSHIPS = {
    "province_admin": {"370102000000001", "370202000000001"},
    "city_cadre": {"370102000000001"},
    "other_city_cadre": {"370202000000001"},
    "county_cadre": {"370102000000001"},
    "grassroots_cadre": {"370102000000001"},
}
PERSONS = {  # masked names
    "province_admin": {"张*", "李*"},
    "city_cadre": {"张*"},
    "other_city_cadre": {"李*"},
    "county_cadre": {"张*"},
    "grassroots_cadre": {"张*"},
}

_JINAN_EVENTS = {
    ("orgs.organisation.create", "甲公司工会委员会"),
    ("orgs.employer.create", "济南甲科技有限公司"),
    ("members.membership.start", "370102000000001 张*"),
    ("orgs.position.grant", "甲公司工会委员会 · 主席"),
}
_COUNTY_EVENTS = _JINAN_EVENTS | {
    ("orgs.organisation.create", "历下区总工会"),
    ("orgs.organisation.create", "历下区解放路街道工会"),
    ("orgs.employer.create", "济南乙商贸有限公司"),
    ("orgs.position.grant", "历下区总工会 · 管理员"),
}
_CITY_EVENTS = _COUNTY_EVENTS | {
    ("orgs.organisation.create", "济南市总工会"),
    ("orgs.position.grant", "济南市总工会 · 管理员"),
}
_QINGDAO_EVENTS = {
    ("orgs.organisation.create", "青岛市总工会"),
    ("orgs.organisation.create", "市南区总工会"),
    ("orgs.organisation.create", "市南区八大湖街道工会"),
    ("orgs.organisation.create", "丙公司工会委员会"),
    ("orgs.employer.create", "青岛丙物流有限公司"),
    ("members.membership.start", "370202000000001 李*"),
    ("orgs.position.grant", "青岛市总工会 · 管理员"),
}
AUDIT = {
    # Events without an org (members.person.create) and the national federation's creation are nobody's.
    "province_admin": _CITY_EVENTS | _QINGDAO_EVENTS | {
        ("orgs.organisation.create", "山东省总工会"),
        ("orgs.position.grant", "山东省总工会 · 管理员"),
    },
    "city_cadre": _CITY_EVENTS,
    "other_city_cadre": _QINGDAO_EVENTS,
    "county_cadre": _COUNTY_EVENTS,
    "grassroots_cadre": _JINAN_EVENTS,
}
PERSONAS = list(ORGS)


def changelist(client, name, query=""):
    response = client.get(reverse(f"console:{name}_changelist") + query)
    assert response.status_code == 200
    return response.context["cl"]


@pytest.mark.parametrize("who", PERSONAS)
def test_organisation_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "orgs_organisation")
    assert [o.name for o in cl.result_list] == ORGS[who]
    assert [o.name for o in cl.queryset] == ORGS[who]


@pytest.mark.parametrize("who", PERSONAS)
def test_employer_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "orgs_employer")
    assert [e.name for e in cl.result_list] == EMPLOYERS[who]


@pytest.mark.parametrize("who", sorted(POSITIONS))
def test_position_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "orgs_position")
    assert {p.user.username for p in cl.result_list} == POSITIONS[who]
    assert len(cl.result_list) == len(POSITIONS[who])


@pytest.mark.parametrize("who", PERSONAS)
def test_membership_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "members_membership")
    assert {m.card_number for m in cl.result_list} == MEMBERSHIPS[who]
    assert len(cl.result_list) == len(MEMBERSHIPS[who])


@pytest.mark.parametrize("who", PERSONAS)
def test_person_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "members_person")
    assert {str(p) for p in cl.result_list} == PERSONS[who]
    assert len(cl.result_list) == len(PERSONS[who])


@pytest.mark.parametrize("who", PERSONAS)
def test_audit_event_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "core_auditevent")
    events = [(e.action, e.target_label) for e in cl.queryset]
    assert set(events) == AUDIT[who]
    assert len(events) == len(AUDIT[who])


# Change pages: out of scope is answered exactly like a missing id.


def _objects(tree, personas, qd_member):
    """(admin, in-scope object for city_cadre, out-of-scope object for city_cadre)."""
    from smartunion.core.models import AuditEvent
    from smartunion.members.models import Membership

    return {
        "orgs_organisation": (tree.lixia, tree.qingdao, "工会组织"),
        "orgs_employer": (tree.employer, tree.qd_employer, "用人单位"),
        "orgs_position": (personas.county_cadre.positions.get(), personas.other_city_cadre.positions.get(),
                          "干部职务"),
        "members_membership": (Membership.objects.get(card_number="370102000000001"),
                               Membership.objects.get(card_number="370202000000001"), "会籍"),
        "members_person": (personas.worker.person, qd_member, "职工"),
        "core_auditevent": (AuditEvent.objects.get(action="orgs.organisation.create", target_label="历下区总工会"),
                            AuditEvent.objects.get(action="orgs.organisation.create", target_label="青岛市总工会"),
                            "审计日志"),
    }


ADMINS = ["orgs_organisation", "orgs_employer", "orgs_position", "members_membership", "members_person",
          "core_auditevent"]


@pytest.mark.parametrize("name", ADMINS)
def test_in_scope_change_page_opens(name, tree, personas, qd_member, console):
    inside, _, _ = _objects(tree, personas, qd_member)[name]
    response = console(personas.city_cadre).get(reverse(f"console:{name}_change", args=[inside.pk]))
    assert response.status_code == 200
    assert response.context["original"].pk == inside.pk


@pytest.mark.parametrize("name", ADMINS)
def test_out_of_scope_change_page_is_indistinguishable_from_a_missing_id(name, tree, personas, qd_member, console,
                                                                         messages_of):
    _, outside, label = _objects(tree, personas, qd_member)[name]
    client = console(personas.city_cadre)
    missing = 987654
    hidden = client.get(reverse(f"console:{name}_change", args=[outside.pk]), follow=True)
    absent = client.get(reverse(f"console:{name}_change", args=[missing]), follow=True)
    assert hidden.redirect_chain == absent.redirect_chain == [("/console/", 302)]
    assert hidden.status_code == absent.status_code == 200
    assert messages_of(hidden) == [f"ID 为“{outside.pk}”的 {label} 不存在。可能已经被删除了？"]
    assert messages_of(absent) == [f"ID 为“{missing}”的 {label} 不存在。可能已经被删除了？"]
    assert str(outside) not in hidden.content.decode()


@pytest.mark.parametrize("name", ADMINS)
@pytest.mark.parametrize("who", ["worker", "outsider"])
def test_workers_are_sent_to_the_console_login(name, who, personas, console):
    url = reverse(f"console:{name}_changelist")
    response = console(getattr(personas, who)).get(url)
    assert (response.status_code, response.url) == (302, f"/console/login/?next={url}")


def test_worker_cannot_open_the_console_index(personas, console):
    response = console(personas.worker).get("/console/")
    assert (response.status_code, response.url) == (302, "/console/login/?next=/console/")


# Regions: a cadre cannot widen their scope by editing an org's or an employer's region (issue 6)


@pytest.fixture
def township_regions(db):
    from smartunion.orgs.models import Region

    for code, name in (("370102002000", "泉城路街道"), ("370202001000", "八大关街道")):
        Region.objects.create(code=code, name=name, level=Region.Level.TOWNSHIP, parent_id=code[:6])


def change_form_data(client, org) -> dict:
    """What the change form would post back unchanged."""
    response = client.get(reverse("console:orgs_organisation_change", args=[org.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {"_save": "1"}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    return data


def post_change(client, org, **changes):
    data = {**change_form_data(client, org), **changes}
    return client.post(reverse("console:orgs_organisation_change", args=[org.pk]), data, follow=True)


@pytest.mark.parametrize(("who", "target", "region", "message"), [
    ("city_cadre", "lixia_town", "370202", "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"),
    ("city_cadre", "lixia", "370202", "行政区划应在上级总工会“济南市总工会”的区域（济南市）内"),
    ("county_cadre", "lixia_town", "370202001000", "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"),
    ("province_admin", "jinan", "370200", "下级组织的行政区划不在新的行政区划内，不能变更"),
])
def test_region_edits_across_cities_are_refused(who, target, region, message, tree, personas, township_regions,
                                                console):
    from smartunion.orgs.models import Organisation

    org = getattr(tree, target)
    response = post_change(console(getattr(personas, who)), org, region=region)
    form = response.context["adminform"].form  # drawn again with the cadre's input and the refusal on its field
    assert (form.errors["region"], form["region"].value()) == ([message], region)
    assert Organisation.objects.get(pk=org.pk).region_id == org.region_id


def test_the_orgs_own_admin_sees_its_region_read_only_and_cannot_change_it(tree, personas, console):
    from smartunion.orgs.models import Organisation

    client = console(personas.county_cadre)
    data = change_form_data(client, tree.lixia)
    assert "region" not in data
    response = client.post(reverse("console:orgs_organisation_change", args=[tree.lixia.pk]),
                           {**data, "region": "370112"}, follow=True)
    assert response.status_code == 200
    assert Organisation.objects.get(pk=tree.lixia.pk).region_id == "370102"
    assert "region" in change_form_data(client, tree.lixia_town)  # 解放路街道工会 is below them: theirs to move


def test_the_manager_above_changes_the_region_and_it_is_audited(tree, personas, township_regions, console):
    from smartunion.core.models import AuditEvent
    from smartunion.orgs.models import Organisation

    post_change(console(personas.county_cadre), tree.lixia_town, region="370102002000")
    assert Organisation.objects.get(pk=tree.lixia_town.pk).region_id == "370102002000"
    event = AuditEvent.objects.get(action="orgs.organisation.change_region")
    assert (event.actor_id, event.target_id, event.data) == (
        personas.county_cadre.pk, str(tree.lixia_town.pk), {"old": "370102", "new": "370102002000"})


@pytest.mark.parametrize(("who", "parent", "kind", "region"), [
    ("city_cadre", "jinan", "county", "370202"),
    ("county_cadre", "lixia", "township", "370202001000"),
    ("other_city_cadre", "shinan_town", "grassroots", "370102"),
])
def test_creating_an_org_under_another_citys_region_is_refused(who, parent, kind, region, tree, personas,
                                                               township_regions, console):
    from smartunion.orgs.models import Organisation

    before = Organisation.objects.count()
    response = console(getattr(personas, who)).post(
        reverse("console:orgs_organisation_add"),
        {"name": "越界工会", "kind": kind, "parent": getattr(tree, parent).pk, "region": region, "_save": "1"},
        follow=True)
    assert response.context["adminform"].form.errors["region"][0].startswith("行政区划应在上级总工会“")
    assert Organisation.objects.count() == before


@pytest.mark.parametrize(("who", "region"), [("city_cadre", "370202"), ("county_cadre", "370103"),
                                             ("other_city_cadre", "370102")])
def test_creating_an_employer_under_another_citys_region_is_refused(who, region, tree, personas, console,
                                                                    refusals_of):
    from smartunion.orgs.models import Employer

    response = console(getattr(personas, who)).post(
        reverse("console:orgs_employer_add"), {"name": "越权物流有限公司", "region": region, "_save": "1"})
    assert response.status_code == 200  # a message on the form, not a 403 page
    assert refusals_of(response) == ["您无权在该区域登记单位，请选择您管辖范围内的行政区划或所属工会"]
    assert Employer.objects.count() == 3


def test_an_employer_is_registered_by_name_and_region_alone(tree, personas, console):
    from smartunion.orgs.models import Employer

    response = console(personas.county_cadre).post(
        reverse("console:orgs_employer_add"), {"name": "济南丁科技有限公司", "region": "370102", "_save": "1"})
    assert response.status_code == 302
    created = Employer.objects.get(name="济南丁科技有限公司")
    assert (created.covering_union, created.township_union) == (None, tree.lixia_town)


# No existence oracle in the console: ids and names out of scope answer exactly like missing ones


AUTOCOMPLETES = [("organisation", "parent"), ("employer", "covering_union"), ("employer", "township_union")]


@pytest.mark.parametrize(("model", "field"), AUTOCOMPLETES)
@pytest.mark.parametrize(("hidden", "absent"), [
    ("市南区八大湖街道工会", "市南区不存在的街道工会"), ("丙公司", "丁公司"), ("370202", "370299"),
    ("370202000", "370299000"),
])
def test_autocomplete_of_orgs_out_of_scope_is_empty_like_missing_ones(model, field, hidden, absent, personas,
                                                                      console):
    client = console(personas.city_cadre)
    url = f"/console/autocomplete/?app_label=orgs&model_name={model}&field_name={field}&term="
    shown, missing = client.get(url + hidden), client.get(url + absent)
    assert (shown.status_code, shown.content) == (200, missing.content)
    assert shown.json()["results"] == []


@pytest.mark.parametrize("field", ["covering_union", "township_union"])
def test_employer_form_union_ids_out_of_scope_read_like_missing_ones(field, tree, personas, console):
    from smartunion.orgs.models import Employer

    client = console(personas.county_cadre)
    url = reverse("console:orgs_employer_add")
    body = {"name": "济南丁科技有限公司", "region": "370102", "_save": "1"}
    hidden_id = (tree.qd_grassroots if field == "covering_union" else tree.shinan_town).pk
    hidden = client.post(url, {**body, field: hidden_id})
    missing = client.post(url, {**body, field: 987654})
    assert hidden.status_code == missing.status_code == 200
    assert hidden.context["adminform"].form.errors == missing.context["adminform"].form.errors == {
        field: ["选择一个有效的选项： 该选择不在可用的选项中。"]}
    assert tree.qd_grassroots.name not in hidden.content.decode()
    assert Employer.objects.count() == 3


def test_org_form_parent_out_of_scope_reads_like_a_missing_one(tree, personas, console):
    client = console(personas.county_cadre)
    url = reverse("console:orgs_organisation_add")
    body = {"name": "越权工会", "kind": "grassroots", "_save": "1"}
    hidden = client.post(url, {**body, "parent": tree.shinan_town.pk})
    missing = client.post(url, {**body, "parent": 987654})
    assert hidden.context["adminform"].form.errors == missing.context["adminform"].form.errors


def test_children_filter_of_an_org_out_of_scope_reads_like_a_missing_one(tree, personas, console):
    client = console(personas.county_cadre)
    hidden = changelist(client, "orgs_organisation", f"?parent__id__exact={tree.shinan_town.pk}")
    missing = changelist(client, "orgs_organisation", "?parent__id__exact=987654")
    assert list(hidden.result_list) == list(missing.result_list) == []


# Edits in scope are kept (the admin form writes onto the object before the service sees it)


def test_an_org_edit_in_scope_is_saved_and_audited(tree, personas, console):
    from smartunion.core.models import AuditEvent
    from smartunion.orgs.models import Organisation

    post_change(console(personas.county_cadre), tree.lixia_town, name="解放路街道总工会", address="解放路1号")
    saved = Organisation.objects.get(pk=tree.lixia_town.pk)
    assert (saved.name, saved.address) == ("解放路街道总工会", "解放路1号")
    assert AuditEvent.objects.get(action="orgs.organisation.update").data == {"fields": ["address", "name"]}


def test_an_employer_edit_in_scope_is_saved_and_audited(tree, personas, console):
    from smartunion.core.models import AuditEvent
    from smartunion.orgs.models import Employer

    client = console(personas.county_cadre)
    url = reverse("console:orgs_employer_change", args=[tree.employer.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = client.post(url, {**data, "name": "濟南甲科技股份有限公司", "address": "解放路3号", "_save": "1"})
    assert response.status_code == 302
    saved = Employer.objects.get(pk=tree.employer.pk)
    assert (saved.name, saved.normalized_name, saved.address) == ("濟南甲科技股份有限公司", "甲科技", "解放路3号")
    assert AuditEvent.objects.get(action="orgs.employer.update").data == {"fields": ["address", "name"]}


# The audit log: both ends of a transfer see its events.


@pytest.mark.parametrize("who", ["city_cadre", "other_city_cadre", "province_admin"])
def test_both_ends_of_a_transfer_see_its_events_in_the_audit_log(who, tree, personas, console):
    """Filed under the old union (济南) and naming the new one (青岛) as its second org: 青岛's cadres see it too."""
    from smartunion.members.services import transfer_approve, transfer_request

    transfer = transfer_request(membership=personas.worker.person.memberships.get(status="active"),
                                by=personas.worker, to_union=tree.qd_grassroots)
    transfer_approve(transfer, by=personas.other_city_cadre)
    cl = changelist(console(getattr(personas, who)), "core_auditevent", "?q=members.transfer")
    assert [(e.action, e.org, e.also_org_path) for e in cl.queryset] == [
        ("members.transfer.approve", tree.grassroots, tree.qd_grassroots.path),
        ("members.transfer.request", tree.grassroots, tree.qd_grassroots.path),
    ]
