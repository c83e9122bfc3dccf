"""Hardship files (困难职工档案), assistance programmes with multi-level review, and payments that are never
doubled.

- LivingStandard: the monthly per-capita minimum living standard (城乡低保) of a region for a year, in fen, kept by a
  federation covering the region. HardshipThreshold: the multiplier of that standard each hardship category may
  not exceed (a federation's table; assistance/thresholds.py documents the rule and its defaults).
- HardshipFile: one worker's file (workflow "assistance.hardship_file"); at most one open (not exited) file per
  person, a partial unique index. HardshipFileVersion: a snapshot of the file on every change.
- Programme: an org's assistance programme with its budget; committed_fen (approved amounts) never exceeds
  budget_fen (a CHECK constraint, and the final approval's conditional UPDATE).
- Application: a worker's application (workflow "assistance.application"); one open application per (programme,
  person). ApplicationDocument: the files it carries.
- Payment: the ledger; its idempotency key is unique, one live payment per application, and one person is never
  paid twice for the same purpose and year (unique (person, purpose, year) over payments that did not fail).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from smartunion.core.pii import EncryptedTextField
from smartunion.members.models import Person
from smartunion.orgs.models import Organisation, OrgPathMixin, Region


def mask_account(value: str | None) -> str:
    """6222********1234: a bank account number keeps its first and last four digits."""
    if not value:
        return ""
    value = value.replace(" ", "")
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


class Category(models.TextChoices):
    DEEP = "deep", "深度困难"
    RELATIVE = "relative", "相对困难"
    ACCIDENT = "accident", "意外致困"


class LivingStandard(OrgPathMixin):
    """城乡低保标准: the monthly minimum living standard per person of a region in a year, in fen."""

    org = models.ForeignKey(Organisation, verbose_name="维护单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("维护单位路径", max_length=255, editable=False, db_index=True)
    region = models.ForeignKey(Region, verbose_name="行政区划", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    monthly_fen = models.PositiveIntegerField("月人均最低生活保障标准（分）")
    note = models.CharField("说明", max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "最低生活保障标准"
        verbose_name_plural = "最低生活保障标准"
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="living_standard_region_year_unique"),
            models.CheckConstraint(condition=Q(monthly_fen__gt=0), name="living_standard_positive"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.year}年"


class HardshipThreshold(OrgPathMixin):
    """A federation's multiplier table: a file of `category` qualifies when its per-capita monthly income is at most
    `percent` % of the local living standard. The nearest federation above the file's union that set a row for the
    category decides; without one the defaults of assistance/thresholds.py apply."""

    org = models.ForeignKey(Organisation, verbose_name="设定单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("设定单位路径", max_length=255, editable=False, db_index=True)
    category = models.CharField("困难类别", max_length=10, choices=Category.choices)
    # None: no income threshold for this category (意外致困 is about the event, not the income).
    percent = models.PositiveSmallIntegerField("收入上限（低保标准的百分比）", null=True, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "困难认定收入标准"
        verbose_name_plural = "困难认定收入标准"
        constraints = [models.UniqueConstraint(fields=["org", "category"], name="threshold_org_category_unique")]

    def __str__(self):
        return f"{self.get_category_display()} {self.percent}%"


class HardshipFile(OrgPathMixin):
    ORG_PATHS = (("org_path", "union"),)

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PENDING_GRASSROOTS = "pending_grassroots", "待基层工会审核"
        PENDING_FEDERATION = "pending_federation", "待乡镇（街道）、县级工会审核"
        ACTIVE = "active", "在档"
        RETURNED = "returned", "已退回"
        EXITED = "exited", "已退档"

    class Cause(models.TextChoices):
        ILLNESS = "illness", "因病"
        DISABILITY = "disability", "因残"
        DISASTER = "disaster", "因灾"
        ACCIDENT = "accident", "因意外"
        EDUCATION = "education", "子女教育"
        UNEMPLOYMENT = "unemployment", "失业"
        LOW_INCOME = "low_income", "收入低"
        OTHER = "other", "其他"

    class Health(models.TextChoices):
        HEALTHY = "healthy", "健康"
        CHRONIC = "chronic", "慢性病"
        SERIOUS = "serious", "重大疾病"
        DISABLED = "disabled", "残疾"

    class Housing(models.TextChoices):
        OWNED = "owned", "自有住房"
        RENTED = "rented", "租房"
        BORROWED = "borrowed", "借住"
        NONE = "none", "无固定住所"

    class Contract(models.TextChoices):
        FIXED = "fixed", "固定期限"
        OPEN = "open", "无固定期限"
        TASK = "task", "以完成一定工作任务为期限"
        NONE = "none", "未签订劳动合同"

    class ExitReason(models.TextChoices):
        RECOVERED = "recovered", "已脱困"
        DECEASED = "deceased", "死亡"
        MOVED = "moved", "调离"
        OTHER = "other", "其他"

    OPEN_STATES = (Status.DRAFT, Status.PENDING_GRASSROOTS, Status.PENDING_FEDERATION, Status.ACTIVE,
                   Status.RETURNED)

    person = models.ForeignKey(Person, verbose_name="职工", on_delete=models.PROTECT, related_name="hardship_files")
    union = models.ForeignKey(Organisation, verbose_name="建档工会", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("建档工会路径", max_length=255, editable=False)
    region = models.ForeignKey(Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("困难类别", max_length=10, choices=Category.choices)
    causes = models.JSONField("致困原因", default=list, blank=True)
    health = models.CharField("健康状况", max_length=10, choices=Health.choices, default=Health.HEALTHY)
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    housing = models.CharField("住房情况", max_length=10, choices=Housing.choices, default=Housing.OWNED)
    # [{"relation": "子女", "age": 12, "health": "healthy", "income_fen": 0, "in_school": true}]
    household_members = models.JSONField("家庭成员", default=list, blank=True)
    household_size = models.PositiveSmallIntegerField("家庭人口")
    household_income_fen = models.PositiveBigIntegerField("家庭年收入（分）")
    per_capita_monthly_fen = models.PositiveIntegerField("家庭月人均收入（分）", editable=False)
    insurance = models.JSONField("参保情况", default=list, blank=True)
    labour_contract = models.CharField("劳动合同", max_length=10, choices=Contract.choices, default=Contract.FIXED)
    note = models.CharField("困难情况说明", max_length=500, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The threshold check as it was made at the last submission or re-verification.
    standard_fen = models.PositiveIntegerField("当地低保标准（分）", null=True, blank=True, editable=False)
    threshold_fen = models.PositiveIntegerField("认定收入上限（分）", null=True, blank=True, editable=False)
    checked_year = models.PositiveSmallIntegerField("核定年度", null=True, blank=True, editable=False)
    verified_at = models.DateTimeField("认定时间", null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="认定人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    next_verification_due = models.DateField("下次复核日期", null=True, blank=True)
    reminded_for = models.DateField("已提醒的复核日期", null=True, blank=True, editable=False)
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    exit_reason = models.CharField("退档原因", max_length=10, choices=ExitReason.choices, blank=True)
    exit_note = models.CharField("退档说明", max_length=200, blank=True)
    exited_at = models.DateTimeField("退档时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="建档人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "困难职工档案"
        verbose_name_plural = "困难职工档案"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=~Q(status="exited"),
                                    name="hardship_file_one_open_per_person"),
            models.CheckConstraint(condition=Q(household_size__gte=1), name="hardship_household_positive"),
        ]
        indexes = [
            models.Index(fields=["org_path", "id"], name="hardship_scope_idx"),
            models.Index(fields=["status", "next_verification_due"], name="hardship_due_idx"),
        ]

    def __str__(self):
        return f"困难档案 #{self.pk}"

    def save(self, *args, **kwargs):
        self.per_capita_monthly_fen = per_capita_monthly(self.household_income_fen, self.household_size)
        super().save(*args, **kwargs)

    @property
    def overdue(self) -> bool:
        return (self.status == self.Status.ACTIVE and self.next_verification_due is not None
                and self.next_verification_due < dt.date.today())

    def cause_labels(self) -> list[str]:
        labels = dict(self.Cause.choices)
        return [labels.get(c, c) for c in self.causes]


def per_capita_monthly(yearly_fen: int | None, size: int | None) -> int:
    """The household's monthly income per person, in fen, rounded down."""
    if not yearly_fen or not size:
        return 0
    return int(yearly_fen) // (12 * int(size))


class HardshipFileVersion(models.Model):
    """The file as it was after one change (created, edited, submitted, reviewed, re-verified, exited)."""

    file = models.ForeignKey(HardshipFile, verbose_name="档案", on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    action = models.CharField("变更", max_length=30)
    snapshot = models.JSONField("档案内容")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "困难档案历史版本"
        verbose_name_plural = "困难档案历史版本"
        ordering = ["file", "version"]
        constraints = [models.UniqueConstraint(fields=["file", "version"], name="hardship_version_unique")]

    def __str__(self):
        return f"v{self.version}"


class Purpose(models.TextChoices):
    """What the money is for: one person gets one aid of a purpose in a year, across programmes and levels."""
    EDUCATION = "education", "助学"
    MEDICAL = "medical", "医疗救助"
    WINTER = "winter", "送温暖（生活救助）"
    ACCIDENT = "accident", "意外致困救助"
    EMPLOYMENT = "employment", "就业创业帮扶"
    OTHER = "other", "其他帮扶"


class Programme(OrgPathMixin):
    class Kind(models.TextChoices):
        MEDICAL = "medical", "医疗互助"
        EDUCATION = "education", "助学"
        WINTER = "winter", "送温暖"
        GOLDEN_AUTUMN = "golden_autumn", "金秋助学"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        OPEN = "open", "受理中"
        CLOSED = "closed", "已结束"

    class Level(models.TextChoices):
        GRASSROOTS = "grassroots", "基层工会"
        TOWNSHIP = "township", "乡镇（街道）工会"
        COUNTY = "county", "县（区）总工会"
        CITY = "city", "市总工会"
        PROVINCE = "province", "省总工会"

    org = models.ForeignKey(Organisation, verbose_name="主办单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("主办单位路径", max_length=255, editable=False)
    name = models.CharField("项目名称", max_length=100)
    kind = models.CharField("项目类型", max_length=15, choices=Kind.choices)
    purpose = models.CharField("资金用途", max_length=30, choices=Purpose.choices,
                               help_text="同一用途、同一年度，每人只能获得一次帮扶（跨项目、跨层级）")
    year = models.PositiveSmallIntegerField("年度")
    description = models.TextField("项目说明", max_length=2000, blank=True)
    budget_fen = models.PositiveBigIntegerField("预算（分）")
    committed_fen = models.PositiveBigIntegerField("已批准金额（分）", default=0, editable=False)
    paid_fen = models.PositiveBigIntegerField("已支付金额（分）", default=0, editable=False)
    eligibility = models.JSONField("申请条件", default=dict, blank=True)
    required_documents = models.JSONField("所需材料", default=list, blank=True)
    amount_rule = models.JSONField("金额规则")
    opens_on = models.DateField("受理开始日期")
    closes_on = models.DateField("受理截止日期")
    review_chain = models.JSONField("审核层级")
    notice_days = models.PositiveSmallIntegerField("公示天数", default=5)
    objection_contact = models.CharField("异议受理联系方式", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "帮扶项目"
        verbose_name_plural = "帮扶项目"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(committed_fen__lte=F("budget_fen")),
                                   name="programme_committed_within_budget"),
            models.CheckConstraint(condition=Q(paid_fen__lte=F("committed_fen")),
                                   name="programme_paid_within_committed"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="programme_period_ordered"),
        ]
        indexes = [models.Index(fields=["org_path", "id"], name="programme_scope_idx")]

    def __str__(self):
        return self.name

    @property
    def remaining_fen(self) -> int:
        return max(self.budget_fen - self.committed_fen, 0)

    @property
    def committed_percent(self) -> float:
        return round(100 * self.committed_fen / self.budget_fen, 1) if self.budget_fen else 0.0


class Application(OrgPathMixin):
    ORG_PATHS = (("org_path", "union"),)

    class Status(models.TextChoices):
        PENDING = "pending", "审核中"
        APPROVED = "approved", "已批准"
        NOTICE = "notice", "公示中"
        PAID = "paid", "已发放"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    OPEN_STATES = (Status.PENDING, Status.APPROVED, Status.NOTICE)

    programme = models.ForeignKey(Programme, verbose_name="帮扶项目", on_delete=models.PROTECT,
                                  related_name="applications")
    person = models.ForeignKey(Person, verbose_name="申请人", on_delete=models.PROTECT,
                               related_name="assistance_applications")
    union = models.ForeignKey(Organisation, verbose_name="所在工会", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("所在工会路径", max_length=255, editable=False)
    hardship_file = models.ForeignKey(HardshipFile, verbose_name="困难档案", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="applications")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    on_behalf = models.BooleanField("干部代为申请", default=False)
    reason = models.CharField("申请理由", max_length=500, blank=True)
    amount_fen = models.PositiveIntegerField("申请金额（分）")
    bank_name = models.CharField("开户银行", max_length=50)
    bank_account = EncryptedTextField("银行账号")
    account_holder = models.CharField("账户户名", max_length=50)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    # The reviewing orgs, one per level of the programme's chain (fixed at submission), and where it stands.
    chain = models.JSONField("各级审核单位", default=list, editable=False)
    level = models.PositiveSmallIntegerField("当前审核层级", default=0)
    reviewing_org = models.ForeignKey(Organisation, verbose_name="当前审核单位", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("批准时间", null=True, blank=True)
    reject_reason = models.CharField("未通过原因", max_length=200, blank=True)
    notice_starts_on = models.DateField("公示开始日期", null=True, blank=True)
    notice_ends_on = models.DateField("公示截止日期", null=True, blank=True)
    objection = models.CharField("公示异议", max_length=500, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "帮扶申请"
        verbose_name_plural = "帮扶申请"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"],
                                    condition=Q(status__in=["pending", "approved", "notice"]),
                                    name="application_one_open_per_programme"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="application_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["org_path", "id"], name="application_scope_idx"),
            models.Index(fields=["reviewing_org", "status"], name="application_queue_idx"),
            models.Index(fields=["programme", "status"], name="application_programme_idx"),
        ]

    def __str__(self):
        return f"帮扶申请 #{self.pk}"

    @property
    def masked_account(self) -> str:
        return mask_account(self.bank_account)

    def level_label(self) -> str:
        chain = self.programme.review_chain or []
        if self.status != self.Status.PENDING or self.level >= len(chain):
            return ""
        return dict(Programme.Level.choices).get(chain[self.level], chain[self.level])


def document_path(instance, filename: str) -> str:
    return f"assistance/{instance.application_id}/{filename}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, verbose_name="申请", on_delete=models.CASCADE,
                                    related_name="documents")
    name = models.CharField("材料名称", max_length=50)
    file = models.FileField("文件", upload_to=document_path)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待发放"
        PAID = "paid", "已发放"
        FAILED = "failed", "发放失败"

    application = models.ForeignKey(Application, verbose_name="帮扶申请", on_delete=models.PROTECT,
                                    related_name="payments")
    programme = models.ForeignKey(Programme, verbose_name="帮扶项目", on_delete=models.PROTECT,
                                  related_name="payments")
    person = models.ForeignKey(Person, verbose_name="收款人", on_delete=models.PROTECT,
                               related_name="assistance_payments")
    org_path = models.CharField("主办单位路径", max_length=255, editable=False)
    purpose = models.CharField("资金用途", max_length=30, choices=Purpose.choices)
    year = models.PositiveSmallIntegerField("年度")
    amount_fen = models.PositiveIntegerField("金额（分）")
    idempotency_key = models.CharField("发放请求编号", max_length=64, unique=True,
                                       help_text="重复提交同一编号不会重复发放")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    settled_at = models.DateTimeField("到账或失败时间", null=True, blank=True)

    class Meta:
        verbose_name = "帮扶资金发放"
        verbose_name_plural = "帮扶资金发放"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "purpose", "year"], condition=~Q(status="failed"),
                                    name="payment_once_per_purpose_year"),
            models.UniqueConstraint(fields=["application"], condition=~Q(status="failed"),
                                    name="payment_one_live_per_application"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["org_path", "id"], name="payment_scope_idx")]

    def __str__(self):
        return f"发放 #{self.pk}"
