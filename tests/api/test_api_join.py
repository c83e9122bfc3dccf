"""The membership API paths integrators depend on (issue 3), end to end through HTTP."""

import datetime as dt

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_id_number
from smartunion.members.cards import luhn_valid
from smartunion.members.models import JoinApplication, Membership, Transfer
from smartunion.members.services import membership_start, person_upsert
from smartunion.orgs.models import Organisation, Region

pytestmark = pytest.mark.django_db

NEWCOMER_ID = make_id_number("370102", dt.date(1995, 5, 5), 77)


@pytest.fixture
def town_region(tree):
    region = Region.objects.create(code="370102001", name="解放路街道", level="township", parent_id="370102")
    tree.lixia_town.region = region
    tree.lixia_town.save(update_fields=["region"])
    return region


@pytest.fixture
def newcomer(tree):
    from tests.conftest import make_user

    from smartunion.accounts.models import User

    return make_user("newcomer", kind=User.Kind.WORKER, phone="13900000002")


def apply(client, **overrides):
    body = {"name": "李娜", "id_number": NEWCOMER_ID, "phone": "13900000002",
            "employer_name": "济南新开张科技有限公司", "work_region": "370102001", **overrides}
    return client.post("/api/v1/join-applications", body, content_type="application/json")


def test_apply_is_dispatched_at_once_and_returned_with_the_reason(api, personas, town_region, newcomer):
    response = apply(api(newcomer))
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["dispatched_to"]["name"], body["dispatch_reason"]) == (
        "pending", "历下区解放路街道工会", "township")
    assert body["dispatch_note"] == "所在单位尚未建立工会，由“历下区解放路街道工会”受理，入会后挂靠该工会"
    again = apply(api(newcomer))
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert JoinApplication.objects.count() == 1


def test_credit_code_goes_to_the_employers_union(api, personas, town_region, newcomer, tree):
    response = apply(api(newcomer), employer_name="随便写的名字", employer_credit_code=tree.employer.credit_code)
    body = response.json()
    assert (body["dispatched_to"]["name"], body["dispatch_reason"]) == ("甲公司工会委员会", "credit_code")


def test_active_member_is_told_so_and_offered_a_transfer(api, personas, town_region):
    worker_id = personas.worker.person.id_number
    response = apply(api(personas.worker), id_number=worker_id, phone="13900000001")
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert response.json()["message"] == (
        "您已是“甲公司工会委员会”的会员，无需重复入会；如需变更所在工会，请申请会籍转移")
    assert response.json()["fields"]["transfer"] == "/api/v1/transfers"


def test_bad_input_is_422_with_chinese_fields(api, personas, town_region, newcomer):
    response = apply(api(newcomer), id_number="370102199505050771", phone="123", work_region="370100")
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "id_number": "身份证号码校验位错误", "phone": "手机号码格式不正确，应为11位中国大陆手机号",
        "work_region": "工作地区应为县（区）或乡镇（街道）的行政区划代码"}
    assert JoinApplication.objects.count() == 0


def test_review_queue_approve_and_my_membership(api, personas, town_region, newcomer):
    application_id = apply(api(newcomer)).json()["id"]
    county = api(personas.county_cadre)
    queue = county.get("/api/v1/join-applications?status=pending").json()
    assert [a["id"] for a in queue["items"]] == [application_id] and queue["count"] == 1
    assert queue["items"][0]["name"] == "李*" and queue["items"][0]["id_number"].startswith("3701")
    assert api(personas.other_city_cadre).get("/api/v1/join-applications?status=pending").json()["count"] == 0
    assert api(personas.other_city_cadre).post(f"/api/v1/join-applications/{application_id}/approve").status_code \
        == 404
    approved = county.post(f"/api/v1/join-applications/{application_id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    number = approved.json()["card_number"]
    assert len(number) == 16 and number.startswith("370100") and luhn_valid(number)
    twice = county.post(f"/api/v1/join-applications/{application_id}/approve")
    assert (twice.status_code, twice.json()["message"]) == (409, "当前状态为“已通过”，不能执行“通过”")
    assert Membership.objects.filter(card_number=number).count() == 1
    mine = api(newcomer).get("/api/v1/me/membership").json()
    assert mine["member"] is True
    ours = mine["membership"]
    assert (ours["card_number"], ours["union"]["name"], ours["provisional"]) == (number, "历下区解放路街道工会", True)
    assert [(h["type"], h["reason"]) for h in mine["history"]] == [("入会", "网上申请入会"), ("挂靠", "单位未建会")]


def test_reject_needs_a_reason_shown_to_the_worker(api, personas, town_region, newcomer):
    application_id = apply(api(newcomer)).json()["id"]
    county = api(personas.county_cadre)
    missing = county.post(f"/api/v1/join-applications/{application_id}/reject", {"reason": " "},
                          content_type="application/json")
    assert (missing.status_code, missing.json()["fields"]) == (422, {"reason": "请填写原因"})
    done = county.post(f"/api/v1/join-applications/{application_id}/reject", {"reason": "身份信息与单位不符"},
                       content_type="application/json")
    assert done.json()["status"] == "rejected"
    seen = api(newcomer).get(f"/api/v1/join-applications/{application_id}").json()
    assert (seen["status_label"], seen["reject_reason"]) == ("未通过", "身份信息与单位不符")


def test_forward_to_a_union_in_scope(api, personas, town_region, newcomer, tree):
    application_id = apply(api(newcomer)).json()["id"]
    response = api(personas.county_cadre).post(f"/api/v1/join-applications/{application_id}/forward",
                                               {"to": tree.grassroots.pk, "note": "实为甲公司员工"},
                                               content_type="application/json")
    body = response.json()
    assert (body["dispatched_to"]["name"], body["dispatch_reason"]) == ("甲公司工会委员会", "forwarded")
    assert body["dispatch_note"] == "由“历下区解放路街道工会”转交“甲公司工会委员会”：实为甲公司员工"
    refused = api(personas.county_cadre).post(f"/api/v1/join-applications/{application_id}/forward",
                                              {"to": tree.qd_grassroots.pk}, content_type="application/json")
    assert (refused.status_code, refused.json()) == (422, {
        "code": "invalid", "message": "提交的数据有误，请检查后重试",
        "fields": {"to": "目标工会不存在或不能转交：只能转交给您管辖范围内的工会，或退回所在地乡镇（街道）工会"}})


def test_transfer_release_then_accept_keeps_the_number(api, personas, tree):
    worker = api(personas.worker)
    created = worker.post("/api/v1/transfers", {"to_union_id": None, "employer_name": "青岛丙物流有限公司",
                                                "work_region": "370202"}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert (body["from_union"]["name"], body["to_union"]["name"], body["status"]) == (
        "甲公司工会委员会", "丙公司工会委员会", "pending")
    transfer_id = body["id"]
    early = api(personas.other_city_cadre).post(f"/api/v1/transfers/{transfer_id}/accept")
    assert (early.status_code, early.json()["message"]) == (409, "当前状态为“待转出”，不能执行“接收”")
    assert api(personas.county_cadre).post(f"/api/v1/transfers/{transfer_id}/release").json()["status"] == "released"
    done = api(personas.other_city_cadre).post(f"/api/v1/transfers/{transfer_id}/accept").json()
    assert done["status"] == "completed"
    active = Membership.objects.get(person=personas.worker.person, status="active")
    assert (active.union_id, active.card_number) == (tree.qd_grassroots.pk, "370102000000001")
    history = api(personas.worker).get("/api/v1/me/membership").json()["history"]
    assert [h["type"] for h in history] == ["转出", "转入"]


# One account, one real person (issue 6) ---------------------------------------------------------------------------

IDENTITY_OTHER_PERSON = ("您的账号已实名绑定本人身份，只能为本人申请入会，不能使用他人的身份证号码申请。"
                         "如需为他人申请入会，请由本人使用自己的账号申请，或请所在单位、乡镇（街道）工会的工会干部代为申请")


def other_id(sequence: int) -> str:
    return make_id_number("370102", dt.date(1990, 1, 1), sequence)


def test_one_worker_account_cannot_file_under_three_id_numbers(api, personas, town_region, newcomer):
    client = api(newcomer)
    assert apply(client).status_code == 201
    for sequence in (1, 2):
        refused = apply(client, id_number=other_id(sequence), name="王强")
        assert (refused.status_code, refused.json()) == (409, {
            "code": "identity_mismatch", "message": IDENTITY_OTHER_PERSON,
            "fields": {"id_number": IDENTITY_OTHER_PERSON}})
    assert JoinApplication.objects.count() == 1


def test_an_id_number_bound_to_another_account_is_refused(api, personas, town_region, newcomer):
    assert apply(api(newcomer)).status_code == 201
    refused = apply(api(personas.outsider), phone="13900000009")
    assert (refused.status_code, refused.json()["code"]) == (409, "identity_mismatch")
    assert refused.json()["message"].startswith("该身份证号码已与其他账号绑定")
    assert JoinApplication.objects.count() == 1


def test_a_member_account_gets_already_member_whatever_id_number_it_sends(api, personas, town_region):
    for id_number in (other_id(3), "not-an-id-number"):
        response = apply(api(personas.worker), id_number=id_number)
        assert response.status_code == 409
        assert response.json()["code"] == "already_member"
        assert response.json()["fields"] == {"membership_id": str(personas.worker.person.memberships.get().pk),
                                             "union": "甲公司工会委员会", "transfer": "/api/v1/transfers"}
    assert JoinApplication.objects.count() == 0


def test_a_cadre_applies_on_behalf(api, personas, town_region, tree):
    response = apply(api(personas.county_cadre), on_behalf=True)
    assert response.status_code == 201
    body = response.json()
    assert (body["on_behalf"], body["submitted_by"], body["name"], body["dispatched_to"]["name"]) == (
        True, {"id": personas.county_cadre.pk, "name": "county_cadre"}, "李娜", "历下区解放路街道工会")
    application = JoinApplication.objects.get()
    assert (application.applicant, application.submitted_by) == (None, personas.county_cadre)
    event = AuditEvent.objects.get(target_type="members.joinapplication")
    assert (event.action, event.actor) == ("members.join_application.submit_on_behalf", personas.county_cadre)
    assert personas.county_cadre.__class__.objects.get(pk=personas.county_cadre.pk).real_name_index is None
    # The queue and the detail show who filed it.
    queued = api(personas.county_cadre).get("/api/v1/join-applications").json()["items"][0]
    assert (queued["on_behalf"], queued["submitted_by"]["name"]) == (True, "county_cadre")
    # A worker's own application says so too.
    own = apply(api(personas.outsider), id_number=other_id(4), phone="13900000009").json()
    assert (own["on_behalf"], own["submitted_by"]) == (False, None)


def test_a_non_cadre_may_not_apply_on_behalf(api, personas, town_region, newcomer):
    for user in (newcomer, personas.worker):
        response = apply(api(user), on_behalf=True)
        assert (response.status_code, response.json()) == (403, {
            "code": "forbidden", "message": "只有工会干部（审核员、主席或管理员）可以代为申请入会", "fields": {}})
    assert JoinApplication.objects.count() == 0
    assert newcomer.__class__.objects.get(pk=newcomer.pk).real_name_index is None


def test_on_behalf_for_someone_already_pending_elsewhere_shows_nothing_of_it(api, personas, town_region, newcomer):
    apply(api(newcomer))
    outside = apply(api(personas.other_city_cadre), on_behalf=True, name="随便")
    assert (outside.status_code, outside.json()) == (409, {
        "code": "already_pending", "message": "该职工已有一份正在审核的入会申请，无需重复提交，请等待受理工会审核",
        "fields": {}})
    inside = apply(api(personas.county_cadre), on_behalf=True)
    assert (inside.status_code, inside.json()["name"], inside.json()["on_behalf"]) == (200, "李*", False)


# No existence oracle: a missing target and one out of scope answer byte for byte alike ----------------------------


def test_forward_to_a_missing_or_an_out_of_scope_org_is_the_same_answer(api, personas, town_region, newcomer, tree):
    application_id = apply(api(newcomer)).json()["id"]
    county = api(personas.county_cadre)
    missing_id = Organisation.objects.order_by("-pk").first().pk + 1000

    def forward(to):
        return county.post(f"/api/v1/join-applications/{application_id}/forward", {"to": to},
                           content_type="application/json")

    missing = forward(missing_id)
    assert (missing.status_code, missing.json()) == (422, {
        "code": "invalid", "message": "提交的数据有误，请检查后重试",
        "fields": {"to": "目标工会不存在或不能转交：只能转交给您管辖范围内的工会，或退回所在地乡镇（街道）工会"}})
    for out_of_scope in (tree.qd_grassroots, tree.shinan_town, tree.qingdao, tree.jinan, tree.national):
        response = forward(out_of_scope.pk)
        assert (response.status_code, response.content) == (missing.status_code, missing.content), out_of_scope
    assert JoinApplication.objects.get(pk=application_id).union == tree.lixia_town


def test_transfer_to_a_missing_or_an_out_of_scope_union_is_the_same_answer(api, personas, tree, qd_member_id):
    member_id = personas.worker.person.memberships.get().pk
    county = api(personas.county_cadre)
    missing_org = Organisation.objects.order_by("-pk").first().pk + 1000

    def transfer(**body):
        return county.post("/api/v1/transfers", body, content_type="application/json")

    missing = transfer(membership_id=member_id, to_union_id=missing_org)
    assert (missing.status_code, missing.json()) == (422, {
        "code": "invalid", "message": "提交的数据有误，请检查后重试", "fields": {"to_union_id": "组织不存在"}})
    outside = transfer(membership_id=member_id, to_union_id=tree.qd_grassroots.pk)
    assert (outside.status_code, outside.content) == (missing.status_code, missing.content)

    no_membership = transfer(membership_id=qd_member_id + 1000, to_union_id=tree.lixia_town.pk)
    assert (no_membership.status_code, no_membership.json()) == (404, {
        "code": "not_member", "message": "没有可转移的会籍", "fields": {}})
    other_scope = transfer(membership_id=qd_member_id, to_union_id=tree.lixia_town.pk)
    assert (other_scope.status_code, other_scope.content) == (no_membership.status_code, no_membership.content)
    assert Transfer.objects.count() == 0


@pytest.fixture
def qd_member_id(tree, personas):
    """The membership of a member of 丙公司工会委员会 (青岛): outside every 济南 cadre's scope."""
    person, _ = person_upsert(name="李娜", id_number=make_id_number("370202", dt.date(1988, 11, 20), 246),
                              phone="13700000002", employer=tree.qd_employer, by=SYSTEM)
    return membership_start(person=person, union=tree.qd_grassroots, card_number="370202000000001", by=SYSTEM).pk


def test_on_behalf_for_a_member_names_the_union_only_within_the_cadres_scope(api, personas, town_region):
    worker_id = personas.worker.person.id_number
    member_id = str(personas.worker.person.memberships.get().pk)
    inside = apply(api(personas.county_cadre), on_behalf=True, id_number=worker_id, name="张伟")
    assert (inside.status_code, inside.json()) == (409, {
        "code": "already_member", "message": "该职工已是在册会员，无需重复入会；如需变更所在工会，请办理会籍转移",
        "fields": {"transfer": "/api/v1/transfers", "membership_id": member_id, "union": "甲公司工会委员会"}})
    outside = apply(api(personas.other_city_cadre), on_behalf=True, id_number=worker_id, name="张伟")
    assert (outside.status_code, outside.json()) == (409, {
        "code": "already_member", "message": "该职工已是在册会员，无需重复入会；如需变更所在工会，请办理会籍转移",
        "fields": {"transfer": "/api/v1/transfers"}})
    assert JoinApplication.objects.count() == 0
