"""The audit actions of the benefits app as people read them (core.audit), with the words for their data."""

from smartunion.benefits.models import Activity
from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "benefits.activity.create": "创建惠工活动",
    "benefits.activity.update": "修改惠工活动",
    "benefits.activity.set_options": "设置投票选项",
    "benefits.activity.set_prizes": "设置抽奖奖项",
    "benefits.activity.set_questions": "设置问卷题目",
    # ACTIVITY_WORKFLOW's steps are benefits.activity.<step>
    "benefits.activity.publish": "发布惠工活动",
    "benefits.activity.pause": "暂停惠工活动",
    "benefits.activity.resume": "恢复惠工活动",
    "benefits.activity.close": "结束惠工活动",
})
register_data_labels({"kind": "活动类型", "commitment": "随机种子承诺值（SHA-256）"}, action="benefits.activity.create",
                     values={"kind": dict(Activity.Kind.choices)})
register_data_labels({"fields": "修改项"}, action="benefits.activity.update")
for _what in ("options", "prizes", "questions"):
    register_data_labels({"count": "数量"}, action=f"benefits.activity.set_{_what}")
