"""Audit labels of the office platform's outgoing part (core.audit.register_actions)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "documents.outgoing.create": "拟稿（新建发文）",
    "documents.outgoing.save": "保存发文稿",
    "documents.outgoing.attach": "上传发文附件",
    "documents.outgoing.detach": "删除发文附件",
    "documents.outgoing.submit": "发文送核稿",
    "documents.outgoing.cancel": "作废发文",
    "documents.outgoing.check": "发文核稿通过",
    "documents.outgoing.send_countersign": "发文核稿并送会签",
    "documents.outgoing.countersign_complete": "发文会签完成",
    "documents.outgoing.countersign_refuse": "发文会签不同意退回",
    "documents.outgoing.return": "退回发文",
    "documents.outgoing.sign": "签发公文",
    "documents.outgoing.number": "发文编号",
    "documents.outgoing.seal": "发文用印",
    "documents.outgoing.archive": "发文归档",
    "documents.outgoing.render_pdf": "生成发文版式文件（PDF）",
    "documents.countersign.agree": "会签同意",
    "documents.countersign.refuse": "会签不同意",
    "documents.numbering_rule.create": "新建发文字号规则",
    "documents.numbering_rule.activate": "启用发文字号规则",
    "documents.numbering_rule.deactivate": "停用发文字号规则",
    "documents.department.create": "新建部门",
    "documents.department.update": "修改部门",
})
register_data_labels({"title": "标题"}, action="documents.outgoing.create")
register_data_labels({"revision": "版本号", "changed": "修改的要素"}, action="documents.outgoing.save")
register_data_labels({"name": "文件名", "size": "大小（字节）"}, action="documents.outgoing.attach")
register_data_labels({"name": "文件名"}, action="documents.outgoing.detach")
register_data_labels({"department_ids": "会签部门", "org_ids": "会签单位"},
                     action="documents.outgoing.send_countersign")
register_data_labels({"pages": "页数", "bytes": "文件大小（字节）"}, action="documents.outgoing.render_pdf")
register_data_labels({"rule_id": "发文字号规则", "number": "发文字号"}, action="documents.outgoing.number")
for _verb in ("agree", "refuse"):
    register_data_labels({"round": "轮次", "party": "会签方", "note": "意见"}, action=f"documents.countersign.{_verb}")
for _verb in ("create", "activate", "deactivate"):
    register_data_labels({"name": "名称", "prefix": "机关代字"}, action=f"documents.numbering_rule.{_verb}")
for _verb in ("create", "update"):
    register_data_labels({"name": "部门名称", "members": "成员数", "active": "启用"},
                         action=f"documents.department.{_verb}")
