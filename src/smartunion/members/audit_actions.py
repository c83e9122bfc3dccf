"""The audit actions of the members app as people read them (core.audit), with the words for their data."""

from smartunion.core.audit import register_actions, register_data_labels
from smartunion.members.models import JoinApplication
from smartunion.members.search import KIND_LABELS

register_actions({
    # People and memberships
    "members.person.create": "登记职工实名信息",
    "members.person.reveal": "查看完整个人信息",
    "members.person.search": "按证件号码或手机号码查找人员",
    "members.membership.start": "会籍开始",
    "members.membership.end": "会籍终止",
    "members.membership.reattach": "挂靠会员转回本单位工会",
    # Join applications (JOIN_WORKFLOW's steps are members.join_application.<step>)
    "members.join_application.submit": "提交入会申请",
    "members.join_application.submit_on_behalf": "代为提交入会申请",
    "members.join_application.approve": "审批通过入会申请",
    "members.join_application.reject": "审批不通过入会申请",
    "members.join_application.forward": "转交入会申请",
    "members.join_application.withdraw": "撤回入会申请",
    "members.join_application.overdue": "入会申请超期提醒",
    "members.join_application.recompute_deadline": "重新计算入会审核期限",
    # Transfers (TRANSFER_WORKFLOW)
    "members.transfer.request": "申请会籍转移",
    "members.transfer.approve": "同意接收转入会员",
    "members.transfer.release": "同意转出会员",
    "members.transfer.release_and_complete": "同意转出并完成转移",  # an older name of the release after approval
    "members.transfer.accept": "接收转入会员",
    "members.transfer.reject": "不同意接收转入会员",
    "members.transfer.cancel": "撤回会籍转移申请",
    "members.transfer.recompute_deadline": "重新计算转出期限",
    # Member cards
    "members.card.issue": "发放电子会员证",
    "members.card.revoke": "作废电子会员证",
    "members.card.reissue": "补办电子会员证",
    # Roster import and export
    "members.roster.upload": "上传会员名册",
    "members.roster.revalidate": "重新校验会员名册",
    "members.roster.commit_batch": "写入一批名册数据",
    "members.roster.commit": "完成会员名册导入",
    "members.roster.resume": "继续中断的名册导入",
    "members.roster.stale": "名册任务中断（超时）",
    "members.roster.export": "导出会员名册（脱敏）",
    "members.roster.export_full": "导出会员名册（完整）",
})
register_data_labels({
    "dispatch_reason": "分派依据", "real_name_bound": "已实名绑定账号", "renumbered_from": "原会员卡号",
    "to_create": "新增", "to_update": "更新", "unchanged": "无变化", "conflicts": "冲突", "rejected": "出错",
    "by": "查找方式", "results": "结果数", "where": "页面",
}, values={
    "dispatch_reason": dict(JoinApplication.Dispatch.choices),
    "by": KIND_LABELS,
    "where": {"console.people_search": "管理后台·查找人员", "console.person_list": "管理后台·职工实名信息",
              "console.membership_list": "管理后台·会籍"},
})
register_data_labels({"to": "转交至组织编号"}, action="members.join_application.forward")
register_data_labels({"to": "转入工会编号"}, action="members.transfer.request")
for _action in ("members.join_application.recompute_deadline", "members.transfer.recompute_deadline"):
    register_data_labels({"from": "原期限", "to": "新期限"}, action=_action)
register_data_labels({"fields": "查看的信息"}, action="members.person.reveal")
