"""Audit labels of the office platform's approvals part (core.audit.register_actions)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "documents.approval_form.create": "新建审批表单",
    "documents.approval_form.change": "修改审批表单",
    "documents.approval_form.install": "安装标准审批表单",
    "documents.approval_request.submit": "提交审批申请",
    "documents.approval_request.agree": "同意审批申请（转下一审批人）",
    "documents.approval_request.approve": "审批通过",
    "documents.approval_request.reject": "审批不同意",
    "documents.approval_request.return": "退回审批申请",
    "documents.approval_request.add_signer": "审批加签",
    "documents.approval_request.withdraw": "撤回审批申请",
    "documents.approval_request.resubmit": "重新提交审批申请",
})
register_data_labels({"form": "审批表单", "amount_fen": "金额（分）", "steps": "审批流程", "forms": "表单"},
                     action="documents.approval_request.submit")
register_data_labels({"forms": "表单"}, action="documents.approval_form.install")
register_data_labels({"code": "代码", "name": "名称"}, action="documents.approval_form.create")
register_data_labels({"code": "代码", "name": "名称"}, action="documents.approval_form.change")
register_data_labels({"user_id": "加签人编号", "position": "加签位置"}, action="documents.approval_request.add_signer",
                     values={"position": {"after": "之后", "before": "之前"}})
register_data_labels({"amount_fen": "金额（分）"}, action="documents.approval_request.resubmit")
