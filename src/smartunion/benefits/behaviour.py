"""What the benefits module records in a member's footprint (core.events): the kinds, and one helper the services
call inside their transaction (written in bulk after the commit, never on the hot path's critical section)."""

from __future__ import annotations

from smartunion.core.events import record, register_kinds

KINDS = {
    "benefits.coupon.claim": "领取优惠券",
    "benefits.coupon.redeem": "使用优惠券",
    "benefits.signup.create": "报名活动",
    "benefits.signup.cancel": "取消报名",
    "benefits.signup.checkin": "活动签到",
    "benefits.lottery.enter": "参与抽奖",
    "benefits.lottery.win": "抽奖中奖",
    "benefits.vote.cast": "参与投票",
    "benefits.survey.answer": "填写问卷",
    "benefits.birthday.grant": "获得生日福利",
}
register_kinds(KINDS)


def took_part(person, kind: str, activity) -> None:
    """Record one act of taking part in an activity, filed under the publishing org, labelled with its title."""
    record(person, kind, target=activity, org=activity.org, label=activity.title)
