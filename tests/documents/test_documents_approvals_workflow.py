"""The approval workflow: submit with the chain resolved now (conditional steps by amount), agree, approve,
reject, return and resubmit, add-signer, withdraw, the duplicate refusal; every step audited and noticed."""

from __future__ import annotations

import pytest
from tests.documents.approvals_rows import expense_data, leave_data, make_office

from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage
from smartunion.core.workflow import TransitionError, TransitionForbidden
from smartunion.documents.models import ApprovalForm, ApprovalRequest, ApprovalStep
from smartunion.documents.services import approvals as services
from smartunion.orgs.models import Position


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


def chain(request) -> list[tuple[int, str, str, str]]:
    return [(s.position, s.label, s.approver.username, s.status)
            for s in ApprovalStep.objects.filter(request=request).select_related("approver").order_by("position")]


def inbox(user) -> list[str]:
    return list(OutboxMessage.objects.filter(user=user).order_by("id").values_list("subject", flat=True))


def actions(request) -> list[str]:
    return list(AuditEvent.objects.filter(target_id=str(request.pk), action__startswith="documents.approval_request")
                .order_by("id").values_list("action", flat=True))


def test_leave_goes_through_administrator_then_chair(tree, office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    assert (request.status, request.org_id, request.title, request.current_step) == (
        "pending", tree.jinan.pk, "李干事的请假申请", 1)
    assert request.data == {"kind": "事假", "start": "2026-12-01 09:00", "end": "2026-12-02 17:00", "days": 2,
                            "reason": "家中有事"}
    assert chain(request) == [(1, "办公室审核", "city_cadre", "pending"), (2, "主席审批", "jn_chair", "waiting")]
    assert inbox(office.admin) == ["待您审批：李干事的请假申请"]
    with pytest.raises(TransitionForbidden):
        services.approve(request, by=office.chair)  # not their turn yet
    request = services.approve(request, by=office.admin, note="情况属实")
    assert (request.status, request.current_step) == ("pending", 2)
    assert inbox(office.chair) == ["待您审批：李干事的请假申请"]
    request = services.approve(request, by=office.chair)
    assert request.status == "approved" and request.finished_at is not None
    assert chain(request) == [(1, "办公室审核", "city_cadre", "approved"), (2, "主席审批", "jn_chair", "approved")]
    assert ApprovalStep.objects.get(request=request, position=1).note == "情况属实"
    assert inbox(office.staff) == ["审批通过：李干事的请假申请"]
    assert actions(request) == ["documents.approval_request.submit", "documents.approval_request.agree",
                                "documents.approval_request.approve"]
    with pytest.raises(TransitionError) as caught:  # the forbidden one: nothing follows an approval
        services.reject(request, by=office.chair, reason="再想想")
    assert caught.value.message == "当前状态为“已通过”，不能执行“不同意”"


def test_expense_below_the_threshold_skips_the_chair(office):
    below = services.submit_request(form=office.forms["expense"], data=expense_data("4999.00"), by=office.staff)
    assert below.amount_fen == 499900 and below.title == "李干事的报销申请（4,999.00元）"
    assert chain(below) == [(1, "财务审核", "city_cadre", "pending"), (2, "主席审批", "jn_chair", "skipped")]
    assert ApprovalStep.objects.get(request=below, position=2).note == "金额未达5,000.00元，跳过"
    assert services.approve(below, by=office.admin).status == "approved"

    at = services.submit_request(form=office.forms["expense"], data=expense_data("5,000.00"), by=office.staff)
    assert chain(at) == [(1, "财务审核", "city_cadre", "pending"), (2, "主席审批", "jn_chair", "waiting")]
    assert services.approve(at, by=office.admin).status == "pending"
    assert services.approve(at, by=office.chair).status == "approved"


def test_purchase_above_fifty_thousand_goes_to_the_parent_chair(office):
    request = services.submit_request(form=office.forms["purchase"], by=office.staff, data={
        "item": "会议室投影仪", "quantity": "2", "amount": "50000", "reason": "旧设备损坏"})
    assert chain(request) == [(1, "办公室审核", "city_cadre", "pending"), (2, "主席审批", "jn_chair", "waiting"),
                              (3, "上级主席审批", "sd_chair", "waiting")]


def test_a_chain_without_anyone_is_refused(tree, office):
    Position.objects.filter(org=tree.jinan, role="chair").delete()
    with pytest.raises(Invalid) as caught:
        services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    assert caught.value.message == ("审批环节“主席审批”找不到审批人（济南市总工会没有主席），"
                                    "请联系本单位管理员完善审批流程")
    assert ApprovalRequest.objects.count() == 0
    # the administrator applying for a vehicle: the only step is themself
    with pytest.raises(Invalid) as caught:
        services.submit_request(form=office.forms["vehicle"], by=office.admin, data={
            "destination": "章丘", "start": "2026-12-01 08:00", "end": "2026-12-01 18:00", "passengers": 3,
            "reason": "调研"})
    assert caught.value.message == "该审批流程中除您本人外没有审批人，请联系本单位管理员完善审批流程"


def test_the_applicants_own_step_is_skipped(office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.admin)
    assert chain(request) == [(1, "办公室审核", "city_cadre", "skipped"), (2, "主席审批", "jn_chair", "pending")]
    assert request.current_step == 2


def test_reject_needs_a_reason_and_tells_the_applicant(office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    with pytest.raises(TransitionError) as caught:
        services.reject(request, by=office.admin, reason=" ")
    assert caught.value.message == "请填写原因"
    request = services.reject(request, by=office.admin, reason="年底工作忙")
    assert request.status == "rejected" and request.finished_at is not None
    assert chain(request) == [(1, "办公室审核", "city_cadre", "rejected")]  # the chair's step never came
    assert inbox(office.staff)[-1] == "审批未通过：李干事的请假申请"


def test_return_and_resubmit_restart_the_chain(office):
    request = services.submit_request(form=office.forms["expense"], data=expense_data("4999.00"), by=office.staff)
    with pytest.raises(TransitionError):
        services.resubmit(request, by=office.staff, data=expense_data("5000"))  # only once returned
    request = services.return_to_applicant(request, by=office.admin, reason="缺少发票")
    assert (request.status, request.current_step) == ("returned", 0)
    assert inbox(office.staff)[-1] == "申请被退回：李干事的报销申请（4,999.00元）"
    with pytest.raises(TransitionForbidden):
        services.resubmit(request, by=office.admin, data=expense_data("5000"))
    with pytest.raises(Invalid) as caught:
        services.resubmit(request, by=office.staff, data=expense_data("abc"))
    assert caught.value.fields == {"amount": "报销金额金额应为以元计、最多两位小数的数字，如 1234.56"}
    request = services.resubmit(request, by=office.staff, data=expense_data("5200.00", invoices="4"))
    assert (request.status, request.amount_fen, request.data["invoices"], request.current_step) == (
        "pending", 520000, 4, 3)
    assert request.title == "李干事的报销申请（5,200.00元）"
    assert chain(request) == [(1, "财务审核", "city_cadre", "returned"), (2, "主席审批", "jn_chair", "skipped"),
                              (3, "财务审核", "city_cadre", "pending"), (4, "主席审批", "jn_chair", "waiting")]
    assert actions(request)[-2:] == ["documents.approval_request.return", "documents.approval_request.resubmit"]


def test_add_signer_after_and_before(office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    with pytest.raises(TransitionForbidden):
        services.add_signer(request, by=office.chair, user_id=office.colleague.pk)
    with pytest.raises(Invalid) as caught:
        services.add_signer(request, by=office.admin, user_id=office.staff.pk)
    assert caught.value.message == "不能加签申请人或您本人"
    with pytest.raises(Invalid) as caught:
        services.add_signer(request, by=office.admin, user_id=office.chair.pk)
    assert caught.value.message == "王主席已在审批流程中"
    request = services.add_signer(request, by=office.admin, user_id=office.colleague.pk, position="after")
    assert chain(request) == [(1, "办公室审核", "city_cadre", "pending"),
                              (2, "加签（city_cadre邀请）", "jn_colleague", "waiting"),
                              (3, "主席审批", "jn_chair", "waiting")]
    request = services.approve(request, by=office.admin)
    assert request.current_step == 2 and inbox(office.colleague) == ["待您审批：李干事的请假申请"]
    # the added signer adds the province chair before themself: the province chair decides first, then hands back
    request = services.add_signer(request, by=office.colleague, user_id=office.province_chair.pk, position="before")
    assert chain(request) == [(1, "办公室审核", "city_cadre", "approved"),
                              (2, "加签（赵干事邀请）", "sd_chair", "pending"),
                              (3, "加签（city_cadre邀请）", "jn_colleague", "waiting"),
                              (4, "主席审批", "jn_chair", "waiting")]
    assert ApprovalStep.objects.get(request=request, position=3).added_by == office.admin
    for approver in (office.province_chair, office.colleague, office.chair):
        request = services.approve(request, by=approver)
    assert request.status == "approved"
    assert actions(request).count("documents.approval_request.add_signer") == 2


def test_add_signer_refuses_someone_from_another_city(personas, office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    with pytest.raises(Invalid) as caught:
        services.add_signer(request, by=office.admin, user_id=personas.other_city_cadre.pk)
    assert caught.value.fields == {"user_id": "只能加签本单位或上级单位的工作人员"}


def test_withdraw_by_the_applicant_while_open(office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    with pytest.raises(TransitionForbidden):
        services.withdraw(request, by=office.admin)
    request = services.withdraw(request, by=office.staff, note="行程取消")
    assert request.status == "withdrawn"
    assert chain(request) == [(1, "办公室审核", "city_cadre", "skipped")]
    assert inbox(office.admin)[-1] == "申请已撤回：李干事的请假申请"
    with pytest.raises(TransitionError):
        services.withdraw(request, by=office.staff)


def test_duplicate_open_requests_are_refused_and_a_finished_one_does_not_block(office):
    first = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    with pytest.raises(Conflict) as caught:
        services.submit_request(form=office.forms["leave"], data=leave_data(reason="另一个说法"), by=office.staff)
    assert (caught.value.message, caught.value.code) == ("您已有一个相同事项的审批正在办理", "duplicate_request")
    # another period is another thing; another applicant is another request
    services.submit_request(form=office.forms["leave"], data=leave_data(start="2026-12-05 09:00",
                                                                        end="2026-12-05 17:00"), by=office.staff)
    services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.colleague)
    services.return_to_applicant(first, by=office.admin, reason="请补充")
    with pytest.raises(Conflict):  # returned is still open
        services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    services.withdraw(first, by=office.staff)
    again = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    assert again.status == "pending" and again.subject_key == first.subject_key


def test_a_form_of_another_city_cannot_be_used(tree, personas, office):
    services.install_standard_forms(tree.qingdao, by=personas.other_city_cadre)
    qingdao_leave = ApprovalForm.objects.get(org=tree.qingdao, code="leave")
    with pytest.raises(Forbidden) as caught:
        services.submit_request(form=qingdao_leave, data=leave_data(), by=office.staff)
    assert caught.value.message == "该审批表单不适用于您所在的单位"
