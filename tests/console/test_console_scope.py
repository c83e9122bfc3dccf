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
    "grassroots_cadre": {"grassroots_cadre"},
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


@pytest.mark.parametrize("who", PERSONAS)
def test_position_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "orgs_position")
    assert {p.user.username for p in cl.result_list} == POSITIONS[who]
    assert len(cl.result_list) == len(POSITIONS[who])


@pytest.mark.parametrize("who", PERSONAS)
def test_membership_changelist(who, personas, qd_member, console):
    cl = changelist(console(getattr(personas, who)), "members_membership")
    assert {m.member_number for m in cl.result_list} == MEMBERSHIPS[who]
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
        "members_membership": (Membership.objects.get(member_number="370102000000001"),
                               Membership.objects.get(member_number="370202000000001"), "会籍"),
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
