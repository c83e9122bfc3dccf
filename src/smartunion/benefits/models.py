"""Benefits (惠工活动): activities an org publishes to an audience of its members, and what members do with them.

One Activity table holds every kind (sign-up, coupon grab, lottery, vote, survey): the columns a kind does not use
stay empty. The scarce things are counters on the activity row, taken by one conditional UPDATE and backed by a
unique constraint on the rows they stand for (coupons, sign-ups, entries, ballots), so that no race can oversell a
stock, overfill a venue or count a ballot twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from smartunion.core.pii import EncryptedTextField
from smartunion.members.models import Person
from smartunion.orgs.models import Organisation, OrgPathMixin


class Activity(OrgPathMixin):
    class Kind(models.TextChoices):
        SIGNUP = "signup", "报名活动"
        COUPON = "coupon", "领券"
        LOTTERY = "lottery", "抽奖"
        VOTE = "vote", "投票"
        SURVEY = "survey", "问卷调查"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "进行中"
        PAUSED = "paused", "已暂停"
        CLOSED = "closed", "已结束"

    class Results(models.TextChoices):
        LIVE = "live", "实时公布"
        AFTER_CLOSE = "after_close", "结束后公布"

    org = models.ForeignKey(Organisation, verbose_name="发布单位", on_delete=models.PROTECT, related_name="activities")
    org_path = models.CharField("发布单位路径", max_length=255, editable=False)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("活动说明", max_length=5000, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    per_member_limit = models.PositiveSmallIntegerField("每人限额", default=1)
    daily_limit = models.PositiveSmallIntegerField("每人每日限额", null=True, blank=True)
    # Audience rules over what the platform knows (benefits/audience.py documents the keys); {} = the whole subtree.
    audience = models.JSONField("参与对象规则", default=dict, blank=True)
    audience_size = models.PositiveIntegerField("参与对象人数", null=True, blank=True, editable=False)
    template = models.CharField("模板", max_length=30, blank=True)
    # Taking part at all (sign-ups, claims, entries, ballots, answers): once above zero the rules are frozen.
    participants = models.PositiveIntegerField("参与人次", default=0, editable=False)

    # Coupon grabs: the stock and how much of it is taken.
    stock = models.PositiveIntegerField("库存", null=True, blank=True)
    claimed = models.PositiveIntegerField("已领取", default=0, editable=False)
    face_value = models.CharField("券面", max_length=50, blank=True)
    valid_until = models.DateField("券有效期至", null=True, blank=True)
    terms = models.TextField("使用说明", max_length=2000, blank=True)
    merchants = models.ManyToManyField("benefits.Merchant", verbose_name="适用商户", blank=True,
                                       related_name="activities")

    # Sign-ups: places, how many are taken, and the code shown at the venue for check-in.
    capacity = models.PositiveIntegerField("名额", null=True, blank=True)
    taken = models.PositiveIntegerField("已报名", default=0, editable=False)
    checkin_code = models.CharField("签到码", max_length=12, blank=True, editable=False)

    # Votes and surveys.
    max_choices = models.PositiveSmallIntegerField("最多可选", default=1)
    results = models.CharField("结果公布", max_length=12, choices=Results.choices, default=Results.AFTER_CLOSE)
    anonymous = models.BooleanField("匿名问卷", default=False)

    # Lotteries: the commitment is published at creation, the seed only after the draw.
    seed = models.CharField("随机种子", max_length=64, blank=True, editable=False)
    commitment = models.CharField("种子承诺值（SHA-256）", max_length=64, blank=True, editable=False)
    entrants_hash = models.CharField("参与名单摘要（SHA-256）", max_length=64, blank=True, editable=False)
    entrants_published = models.JSONField("公示名单", default=list, blank=True, editable=False)
    drawn_at = models.DateTimeField("开奖时间", null=True, blank=True, editable=False)
    exclude_winners_of = models.ManyToManyField("self", verbose_name="排除以下活动的中奖者", blank=True,
                                                symmetrical=False, related_name="+")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间（实际）", null=True, blank=True)

    class Meta:
        verbose_name = "惠工活动"
        verbose_name_plural = "惠工活动"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__isnull=True) | Q(claimed__lte=F("stock")),
                                   name="activity_claimed_within_stock"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(taken__lte=F("capacity")),
                                   name="activity_taken_within_capacity"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(per_member_limit__gte=1), name="activity_limit_positive"),
        ]
        indexes = [
            models.Index(fields=["org_path", "id"], name="activity_scope_idx"),
            models.Index(fields=["status", "ends_at"], name="activity_status_ends_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def remaining(self) -> int | None:
        return None if self.stock is None else max(self.stock - self.claimed, 0)


class Merchant(OrgPathMixin):
    """A shop or service that accepts an org's coupons; its staff log in with merchant accounts."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        SUSPENDED = "suspended", "已停用"

    org = models.ForeignKey(Organisation, verbose_name="所属工会", on_delete=models.PROTECT, related_name="merchants")
    org_path = models.CharField("所属工会路径", max_length=255, editable=False, db_index=True)
    name = models.CharField("商户名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = EncryptedTextField("联系电话", blank=True, default="")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="商户账号", blank=True,
                                   related_name="merchants")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "商户"
        verbose_name_plural = "商户"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Coupon(models.Model):
    """One coupon a member claimed. (activity, person, sequence) is unique and the sequence runs from 1 to the
    per-member limit, so no race gives a member more than the limit; a daily limit adds (day, day sequence)."""

    class Status(models.TextChoices):
        ISSUED = "issued", "未使用"
        REDEEMED = "redeemed", "已核销"

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="coupons")
    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="coupons")
    sequence = models.PositiveSmallIntegerField("第几张")
    day = models.DateField("领取日期")
    day_sequence = models.PositiveSmallIntegerField("当日第几张")
    code = models.CharField("券码", max_length=16, unique=True)
    org_path = models.CharField("发布单位路径", max_length=255, editable=False)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ISSUED)
    idempotency_key = models.CharField("请求幂等键", max_length=64, blank=True)
    claimed_at = models.DateTimeField("领取时间")
    redeemed_at = models.DateTimeField("核销时间", null=True, blank=True)
    merchant = models.ForeignKey(Merchant, verbose_name="核销商户", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="redemptions")
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核销人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "优惠券"
        verbose_name_plural = "优惠券"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person", "sequence"], name="coupon_member_sequence_unique"),
            models.UniqueConstraint(fields=["activity", "person", "day", "day_sequence"],
                                    name="coupon_member_day_unique"),
            models.UniqueConstraint(fields=["person", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="coupon_idempotency_unique"),
        ]
        indexes = [
            models.Index(fields=["person", "-id"], name="coupon_person_idx"),
            models.Index(fields=["merchant", "redeemed_at"], name="coupon_redeemed_idx"),
            models.Index(fields=["org_path", "id"], name="coupon_scope_idx"),
        ]

    def __str__(self):
        return self.code


class Signup(models.Model):
    """A member's place at a sign-up activity, or their place in its waiting list (promoted in id order)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "已报名"
        WAITING = "waiting", "候补中"
        CANCELLED = "cancelled", "已取消"

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="signups")
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    promoted_at = models.DateTimeField("候补转正时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签到核验人", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], condition=~Q(status="cancelled"),
                                    name="signup_one_open_per_member"),
        ]
        indexes = [models.Index(fields=["activity", "status", "id"], name="signup_queue_idx")]

    def __str__(self):
        return f"{self.activity_id}:{self.person_id}:{self.status}"


class PrizeTier(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="prizes")
    rank = models.PositiveSmallIntegerField("等级")
    name = models.CharField("奖项", max_length=50)
    count = models.PositiveIntegerField("名额")

    class Meta:
        verbose_name = "奖项"
        verbose_name_plural = "奖项"
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["activity", "rank"], name="prize_rank_unique")]

    def __str__(self):
        return self.name


class LotteryEntry(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="lottery_entries")
    card_number = models.CharField("会员卡号", max_length=32)
    created_at = models.DateTimeField("参与时间", auto_now_add=True)
    prize = models.ForeignKey(PrizeTier, verbose_name="中奖奖项", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="winners")

    class Meta:
        verbose_name = "抽奖登记"
        verbose_name_plural = "抽奖登记"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="lottery_one_entry_per_member")]

    def __str__(self):
        return f"{self.activity_id}:{self.card_number}"


class VoteOption(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField("序号")
    text = models.CharField("选项", max_length=100)
    image = models.ImageField("图片", upload_to="benefits/options/%Y/%m/", blank=True)
    votes = models.PositiveIntegerField("票数", default=0, editable=False)

    class Meta:
        verbose_name = "投票选项"
        verbose_name_plural = "投票选项"
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["activity", "position"], name="vote_option_position_unique")]

    def __str__(self):
        return self.text

    @property
    def image_url(self) -> str:
        """Where the option's picture is served (benefits/views.py), or "" without one."""
        from django.urls import reverse

        return reverse("benefits_option_image", args=[self.pk]) if self.image else ""


class Ballot(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="ballots")
    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="ballots")
    options = models.ManyToManyField(VoteOption, verbose_name="所选选项", related_name="ballots")
    cast_at = models.DateTimeField("投票时间", auto_now_add=True)

    class Meta:
        verbose_name = "选票"
        verbose_name_plural = "选票"
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="ballot_one_per_member")]

    def __str__(self):
        return f"{self.activity_id}:{self.pk}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选"
        MULTIPLE = "multiple", "多选"
        TEXT = "text", "填空"
        RATING = "rating", "评分"

    activity = models.ForeignKey(Activity, verbose_name="问卷", on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField("序号")
    kind = models.CharField("题型", max_length=10, choices=Kind.choices)
    text = models.CharField("题目", max_length=300)
    choices = models.JSONField("选项", default=list, blank=True)
    required = models.BooleanField("必答", default=True)
    # Skip logic on one earlier answer: ask this question only when question `show_if_position` was answered with
    # one of `show_if_values` (a choice text, or a rating as text).
    show_if_position = models.PositiveSmallIntegerField("显示条件：题号", null=True, blank=True)
    show_if_values = models.JSONField("显示条件：答案", default=list, blank=True)

    class Meta:
        verbose_name = "问卷题目"
        verbose_name_plural = "问卷题目"
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["activity", "position"], name="question_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.text}"


class Response(models.Model):
    """One filled-in survey. An anonymous survey's response has no person: who answered is kept apart in
    Participation (so each member answers once) without a link to what they answered. Nothing joins the two: the
    response's key is random (not a sequence in step with Participation's ids) and an anonymous response keeps only
    the day it came in, as Participation does."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    activity = models.ForeignKey(Activity, verbose_name="问卷", on_delete=models.PROTECT, related_name="responses")
    person = models.ForeignKey(Person, verbose_name="会员", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="survey_responses")
    answers = models.JSONField("答案", default=dict)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = "问卷答卷"
        verbose_name_plural = "问卷答卷"
        ordering = ["submitted_at"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], condition=Q(person__isnull=False),
                                               name="response_one_per_member")]

    def __str__(self):
        return f"{self.activity_id}:{self.pk}"


class Participation(models.Model):
    """Who took part in an anonymous survey (one row per member and survey), kept apart from the answers; only the
    day is kept, like the anonymous response's."""

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateField("参与日期", auto_now_add=True)

    class Meta:
        verbose_name = "参与记录"
        verbose_name_plural = "参与记录"
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="participation_unique")]

    def __str__(self):
        return f"{self.activity_id}:{self.person_id}"


class BirthdayProgramme(models.Model):
    """An org's birthday benefit: each member of its subtree gets one coupon in their birthday month, once a year.
    The monthly job makes the month's coupon activity from these fields and grants the coupons."""

    org = models.OneToOneField(Organisation, verbose_name="工会", on_delete=models.CASCADE,
                               related_name="birthday_programme")
    enabled = models.BooleanField("启用", default=True)
    title = models.CharField("券名称", max_length=100, default="生日慰问券")
    face_value = models.CharField("券面", max_length=50, blank=True)
    terms = models.TextField("使用说明", max_length=2000, blank=True)
    valid_days = models.PositiveSmallIntegerField("有效天数", default=60)
    merchants = models.ManyToManyField(Merchant, verbose_name="适用商户", blank=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "生日福利"
        verbose_name_plural = "生日福利"

    def __str__(self):
        return f"{self.org_id}:{self.title}"


class BirthdayRun(models.Model):
    """One month's grant of one programme: the activity holding its coupons, and when the grant finished."""

    programme = models.ForeignKey(BirthdayProgramme, on_delete=models.CASCADE, related_name="runs")
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    activity = models.OneToOneField(Activity, on_delete=models.PROTECT, related_name="birthday_run")
    granted = models.PositiveIntegerField("发放张数", default=0)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "生日福利发放"
        verbose_name_plural = "生日福利发放"
        constraints = [models.UniqueConstraint(fields=["programme", "year", "month"], name="birthday_run_unique")]

    def __str__(self):
        return f"{self.programme_id}:{self.year}-{self.month:02d}"


__all__ = [
    "Activity", "Ballot", "BirthdayProgramme", "BirthdayRun", "Coupon", "LotteryEntry", "Merchant",
    "Participation", "PrizeTier", "Question", "Response", "Signup", "VoteOption",
]
