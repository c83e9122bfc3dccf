"""The approvals console pages (phone pages): start, the generated form with the service's messages, 待我审批 with
its buttons and confirmations, the detail, the definition page; scope; query counts that do not grow with rows;
the workbench queue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.conftest import console_client
from tests.documents.approvals_rows import expense_data, leave_data, make_office
from tests.rows import assert_queries, measure

from smartunion.console.workbench import waiting_for
from smartunion.documents.models import ApprovalForm, ApprovalRequest
from smartunion.documents.services import approvals as services


@pytest.fixture
def office(tree, personas):
    return make_office(tree, personas)


def url(name, *args):
    return reverse(f"console:documents_approvalrequest_{name}", args=args)


def test_start_submit_and_the_form_errors(tree, office):
    client = console_client(office.staff)
    page = client.get(url("start")).content.decode()
    assert page.count('class="appr-card"') == 6 and "报销" in page
    new = url("new", office.forms["expense"].pk, tree.jinan.pk)
    page = client.get(new).content.decode()
    assert "审批流程：财务审核（本单位管理员） → 主席审批（本单位主席，5,000.00元及以上）" in page
    response = client.post(new, {**expense_data("12.345"), "description": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "报销金额金额应为以元计、最多两位小数的数字，如 1234.56" in page and "请填写费用说明" in page
    assert ApprovalRequest.objects.count() == 0
    response = client.post(new, expense_data("5200"))
    created = ApprovalRequest.objects.get()
    assert response.status_code == 302 and response.url == url("detail", created.pk)
    assert created.amount_fen == 520000
    again = client.post(new, expense_data("5200")).content.decode()
    assert "您已有一个相同事项的审批正在办理" in again
    # a form of another city is not found
    other = ApprovalForm.objects.create(org=tree.qingdao, code="x", name="X", fields=[], steps=[])
    assert client.get(url("new", other.pk, tree.jinan.pk)).status_code == 404


def test_waiting_buttons_confirmations_and_reasons(office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    admin = console_client(office.admin)
    waiting = admin.get(url("waiting")).content.decode()
    assert "李干事的请假申请" in waiting
    detail = admin.get(url("detail", request.pk)).content.decode()
    for button in ("同意", "不同意", "退回申请人", "加签"):
        assert f'">{button}</a>' in detail
    assert "撤回申请" not in detail
    confirm = admin.get(url("act", request.pk, "reject")).content.decode()
    assert "确定要不同意吗？" in confirm
    refused = admin.post(url("act", request.pk, "reject"), {"note": ""}).content.decode()
    assert "这个字段是必填项。" in refused
    assert ApprovalRequest.objects.get(pk=request.pk).status == "pending"
    add = admin.post(url("act", request.pk, "add_signer"), {"user_id": office.colleague.pk, "position": "after",
                                                            "note": ""})
    assert add.status_code == 302
    assert admin.post(url("act", request.pk, "approve"), {"note": "同意"}).status_code == 302
    colleague = console_client(office.colleague)
    assert colleague.post(url("act", request.pk, "return"), {"note": "请写明事由"}).status_code == 302
    assert ApprovalRequest.objects.get(pk=request.pk).status == "returned"
    staff = console_client(office.staff)
    page = staff.get(url("resubmit", request.pk)).content.decode()
    assert 'value="2026-12-01T09:00"' in page
    assert staff.post(url("resubmit", request.pk), leave_data(reason="家中老人就医")).status_code == 302
    assert ApprovalRequest.objects.get(pk=request.pk).data["reason"] == "家中老人就医"
    # an approver whose turn it is not: the act is refused with a message, nothing changes
    chair = console_client(office.chair)
    response = chair.post(url("act", request.pk, "approve"), {"note": ""})
    assert response.status_code == 302 and ApprovalRequest.objects.get(pk=request.pk).current_step == 3


def test_scope_of_the_pages(personas, office):
    request = services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    outsider = console_client(personas.other_city_cadre)
    assert outsider.get(url("detail", request.pk)).status_code == 404
    assert outsider.get(url("act", request.pk, "approve")).status_code == 404
    assert "李干事" not in outsider.get(url("waiting")).content.decode()
    assert "李干事" not in outsider.get(reverse("console:documents_approvalrequest_changelist")).content.decode()
    province = console_client(personas.province_admin)
    assert "李干事的请假申请" in province.get(reverse("console:documents_approvalrequest_changelist")).content.decode()


def test_list_pages_cost_the_same_with_one_and_three_rows(office):
    admin = console_client(office.admin)
    staff = console_client(office.staff)
    services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    for client, name in ((admin, "waiting"), (staff, "mine")):
        client.get(url(name))
    one = [measure(lambda c=c, n=n: c.get(url(n))) for c, n in ((admin, "waiting"), (staff, "mine"))]
    for day in ("03", "04"):
        services.submit_request(form=office.forms["leave"], by=office.staff,
                                data=leave_data(start=f"2026-12-{day} 09:00", end=f"2026-12-{day} 17:00"))
    three = [measure(lambda c=c, n=n: c.get(url(n))) for c, n in ((admin, "waiting"), (staff, "mine"))]
    assert admin.get(url("waiting")).content.decode().count("李干事的请假申请") == 3
    assert_queries(one[0].count, three[0])
    assert_queries(one[1].count, three[1])
    assert one[0].count <= 12


def test_workbench_queue_counts_what_waits_for_me(office):
    services.submit_request(form=office.forms["leave"], data=leave_data(), by=office.staff)
    services.submit_request(form=office.forms["expense"], data=expense_data("100"), by=office.colleague)
    counts = {item.queue.key: item.count for group in waiting_for(office.admin) for item in group.items}
    assert counts["documents.approval.waiting"] == 2
    counts = {item.queue.key: item.count for group in waiting_for(office.chair) for item in group.items}
    assert counts["documents.approval.waiting"] == 0


def rows(prefix: str, *filled: dict, blank: int = 1) -> dict:
    """A formset's POST: the filled rows, then `blank` untouched ones (as the page sends its spare rows)."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(filled) + blank), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    spare = {"field": {"type": "text"}, "step": {"approver": "chair"}}[prefix]
    for i, row in enumerate([*filled, *[spare] * blank]):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def test_definition_page_builds_the_form_from_rows(tree, office):
    admin = console_client(office.admin)
    new = reverse("console:documents_approvalform_new")
    head = {"org": tree.jinan.pk, "code": "gift", "name": "慰问品", "active": "on"}
    page = admin.get(new).content.decode()
    assert 'id="approval-field-rows"' in page and 'id="approval-step-rows"' in page and "添加一行" in page
    # Nothing filled in: both tables ask for a row; a choice without options and a named approver without an
    # account are refused on their rows; an unknown account is named.
    page = admin.post(new, {**head, **rows("field"), **rows("step")}).content.decode()
    assert "请至少填写一个表单字段" in page and "请至少填写一个审批环节" in page
    page = admin.post(new, {**head, **rows("field", {"label": "物品", "type": "choice"}),
                            **rows("step", {"label": "指定审批", "approver": "users"})}).content.decode()
    assert "选项字段请填写选项，用逗号或顿号分隔" in page and "请填写审批人的账号" in page
    page = admin.post(new, {**head, **rows("field", {"label": "金额", "type": "amount", "required": "on"}),
                            **rows("step", {"label": "指定审批", "approver": "users", "users": "nobody_here"})
                            }).content.decode()
    assert "第1个环节：没有这些账号：nobody_here" in page
    # The service's own checks still speak: an amount condition on a form without an amount field.
    page = admin.post(new, {**head, **rows("field", {"label": "事由", "type": "text"}),
                            **rows("step", {"label": "主席审批", "approver": "chair", "min_amount": "100"})
                            }).content.decode()
    assert "第1个环节设置了金额条件（min_amount_fen），但表单没有金额字段" in page
    assert not ApprovalForm.objects.filter(org=tree.jinan, code="gift").exists()
    response = admin.post(new, {**head, "subject_fields": "物品", **rows(
        "field", {"label": "物品", "type": "choice", "choices": "米、面，油", "required": "on"},
        {"label": "金额", "name": "amount", "type": "amount"}), **rows(
        "step", {"label": "主席审批", "approver": "chair"},
        {"label": "上级审批", "approver": "parent:chair", "min_amount": "5000.50"},
        {"label": "财务复核", "approver": "users", "users": f"{office.staff.username}，{office.colleague.username}"},
        {"label": "办公室", "approver": "department_head", "department": "办公室"})})
    assert response.status_code == 302
    form = ApprovalForm.objects.get(org=tree.jinan, code="gift")
    assert form.fields == [
        {"name": "f1", "label": "物品", "type": "choice", "required": True, "choices": ["米", "面", "油"]},
        {"name": "amount", "label": "金额", "type": "amount", "required": False}]
    assert form.steps == [
        {"label": "主席审批", "role": "chair"},
        {"label": "上级审批", "role": "parent:chair", "min_amount_fen": 500050},
        {"label": "财务复核", "user_ids": [office.staff.pk, office.colleague.pk]},
        {"label": "办公室", "department_head": "办公室"}]
    assert form.subject_fields == ["f1"]
    # Editing shows the rows as saved (accounts by name, the amount in yuan).
    url = reverse("console:documents_approvalform_define", args=[form.pk])
    page = admin.get(url).content.decode()
    assert 'value="物品"' in page and 'value="米、面、油"' in page and 'value="5000.50"' in page
    assert f'value="{office.staff.username}, {office.colleague.username}"' in page
    assert console_client(office.staff).get(url).status_code in (403, 404)
    install = admin.post(reverse("console:documents_approvalform_install"), {"org": tree.jinan.pk})
    assert install.status_code == 302
    assert ApprovalForm.objects.filter(org=tree.jinan).count() == 7
