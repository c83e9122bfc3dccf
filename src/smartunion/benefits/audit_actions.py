"""The audit actions of the benefits app as people read them (core.audit), with the words for their data."""

from smartunion.benefits.models import Activity
from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "benefits.activity.create": "创建惠工活动",
    "benefits.activity.update": "修改惠工活动",
    "benefits.activity.set_options": "设置投票选项",
    "benefits.activity.set_option_image": "设置投票选项图片",
    "benefits.activity.set_prizes": "设置抽奖奖项",
    "benefits.activity.set_questions": "设置问卷题目",
    # ACTIVITY_WORKFLOW's steps are benefits.activity.<step>
    "benefits.activity.publish": "发布惠工活动",
    "benefits.activity.pause": "暂停惠工活动",
    "benefits.activity.resume": "恢复惠工活动",
    "benefits.activity.close": "结束惠工活动",
    "benefits.survey.export": "导出问卷答卷",
    "benefits.redemption.export": "导出商户核销统计",
    # Coupons and merchants (services/coupons.py, services/merchants.py)
    "benefits.coupon.claim": "领取优惠券",
    "benefits.coupon.redeem": "核销优惠券",
    "benefits.coupon.persist": "写入已领取的优惠券（Redis 补记）",
    "benefits.merchant.create": "登记商户",
    "benefits.merchant.update": "修改商户",
    "benefits.merchant.add_account": "开通商户账号",
    # Sign-ups, votes and surveys (services/signups.py, services/polls.py)
    "benefits.signup.create": "活动报名",
    "benefits.signup.cancel": "取消活动报名",
    "benefits.signup.promote": "候补转为正式报名",
    "benefits.signup.checkin": "活动签到",
    # A ballot or a survey answer is its own row (Ballot, Response) plus a behaviour event: no audit row per member.
    # Lotteries and targeted benefits (services/lottery.py, services/birthday.py)
    "benefits.lottery.enter": "参与抽奖",
    "benefits.lottery.draw": "开奖",
    "benefits.lottery.set_exclusions": "设置不重复中奖的活动",
    "benefits.birthday.configure": "设置生日福利",
    "benefits.birthday.grant": "发放生日福利",
})
register_data_labels({"kind": "活动类型", "commitment": "随机种子承诺值（SHA-256）"}, action="benefits.activity.create",
                     values={"kind": dict(Activity.Kind.choices)})
register_data_labels({"fields": "修改项"}, action="benefits.activity.update")
register_data_labels({"signup_status": "报名结果"}, action="benefits.signup.create",
                     values={"signup_status": {"confirmed": "已报名", "waiting": "候补中"}})
register_data_labels({"checkin_method": "签到方式"}, action="benefits.signup.checkin",
                     values={"checkin_method": {"card": "扫会员证二维码", "code": "现场签到码"}})
for _what in ("options", "prizes", "questions"):
    register_data_labels({"count": "数量"}, action=f"benefits.activity.set_{_what}")
register_data_labels({"commitment": "随机种子承诺值（SHA-256）", "seed": "随机种子",
                      "entrants_hash": "参与名单摘要（SHA-256）", "entrants": "参与抽奖人数",
                      "excluded": "因已在其他活动中奖而排除的人数", "winners": "中奖人数"},
                     action="benefits.lottery.draw")
register_data_labels({"activities": "排除其中奖者的活动"}, action="benefits.lottery.set_exclusions")
register_data_labels({"enabled": "启用", "title": "券名称", "valid_days": "有效天数"},
                     action="benefits.birthday.configure")
register_data_labels({"year": "年", "month": "月", "granted": "发放张数"}, action="benefits.birthday.grant")
register_data_labels({"merchant": "核销商户", "activity": "活动"}, action="benefits.coupon.redeem")
register_data_labels({"count": "张数"}, action="benefits.coupon.persist")
register_data_labels({"fields": "修改项"}, action="benefits.merchant.update")
register_data_labels({"username": "用户名"}, action="benefits.merchant.add_account")
