"""Data platform (数据整合): government registries and their matching to the employer registry, roll-ups per org and
month, assessment from the roll-ups, member tags by rule, integrator access (API keys, webhooks; the OIDC provider's
own tables come from django-oauth-toolkit, `ClientProfile` adds what the platform needs about a client).

insight reads every lower app; nothing imports it but the surfaces. Rows a scoped list shows keep their org's path.
Amounts are integers (fen); figures are integers (counts) or thousandths (rates) as each figure's definition says.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from smartunion.core.pii import EncryptedTextField
from smartunion.orgs.models import Employer, Organisation, OrgPathMixin

USER = settings.AUTH_USER_MODEL


# Registries (政务数据) -----------------------------------------------------------------------------------------------


class RegistryKind(models.TextChoices):
    COMPANY = "company", "市场监管企业登记"
    TAX = "tax", "税务登记"
    INSURED = "insured", "社保参保"


class RegistryImport(OrgPathMixin):
    """One registry file imported in chunks in the background: progress, resumable from `position` (the number of
    data rows already committed), with its report (added, changed, unchanged, rejected)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        PAUSED = "paused", "已暂停"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    org = models.ForeignKey(Organisation, verbose_name="导入单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    kind = models.CharField("数据类型", max_length=10, choices=RegistryKind.choices)
    file = models.FileField("文件", upload_to="insight/registries/")
    original_name = models.CharField("原文件名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField("总行数", null=True, blank=True)
    position = models.PositiveIntegerField("已处理行数", default=0)
    added = models.PositiveIntegerField("新增", default=0)
    changed = models.PositiveIntegerField("变更", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    rejected = models.PositiveIntegerField("未采用", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="导入人", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进度", null=True, blank=True)

    class Meta:
        verbose_name = "政务数据导入"
        verbose_name_plural = "政务数据导入"
        indexes = [models.Index(fields=["org_path", "-created_at"], name="insight_import_scope_idx")]

    def __str__(self):
        return self.original_name


class RegistryReject(models.Model):
    """A row the import refused, with the reason (the first REJECTS_KEPT of a file; the count is on the import)."""

    registry_import = models.ForeignKey(RegistryImport, on_delete=models.CASCADE, related_name="rejects")
    row_number = models.PositiveIntegerField("行号")
    reason = models.CharField("原因", max_length=300)
    values = models.JSONField("原始内容", default=dict)

    class Meta:
        verbose_name = "未采用的行"
        verbose_name_plural = "未采用的行"
        ordering = ["row_number"]

    def __str__(self):
        return f"{self.row_number}: {self.reason}"


class CompanyRecord(models.Model):
    """One company as the registries know it. `record_key` is the credit code, or for a row without one "N:" and a
    digest of its normalised name and region. The tax and social-insurance figures are kept on the row (latest
    month); the months are in InsuredMonth."""

    class Status(models.TextChoices):
        ACTIVE = "active", "存续（在业）"
        REVOKED = "revoked", "吊销"
        CANCELLED = "cancelled", "注销"
        MOVED = "moved", "迁出"
        OTHER = "other", "其他"

    class MatchMethod(models.TextChoices):
        NONE = "", "未匹配"
        CREDIT_CODE = "credit_code", "信用代码一致"
        PROBABILISTIC = "probabilistic", "概率匹配"
        REVIEWED = "reviewed", "人工确认"

    record_key = models.CharField("记录键", max_length=64, unique=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, unique=True)
    name = models.CharField("企业名称", max_length=200)
    normalized_name = models.CharField("规范化名称", max_length=200, db_index=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    region_code = models.CharField("区划代码", max_length=12, blank=True, db_index=True)
    county_code = models.CharField("县（区）代码", max_length=6, blank=True)
    # The org responsible for the area (as Employer.area_path): the township union, else the nearest federation.
    area_path = models.CharField("属地组织路径", max_length=255, blank=True, default="", db_index=True)
    industry = models.CharField("行业", max_length=1, blank=True)
    status = models.CharField("登记状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    taxpayer_status = models.CharField("纳税人状态", max_length=30, blank=True)
    insured_count = models.PositiveIntegerField("参保人数（最近月份）", null=True, blank=True)
    insured_month = models.DateField("参保人数月份", null=True, blank=True)
    employer = models.ForeignKey(Employer, verbose_name="匹配的用人单位", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="registry_records")
    match_method = models.CharField("匹配方式", max_length=14, choices=MatchMethod.choices, blank=True, default="")
    match_score = models.FloatField("匹配概率", null=True, blank=True)
    digest = models.CharField("内容摘要", max_length=32, blank=True)  # what "unchanged" compares
    first_import = models.ForeignKey(RegistryImport, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "登记企业"
        verbose_name_plural = "登记企业"
        indexes = [
            models.Index(fields=["area_path", "status"], name="insight_company_scope_idx"),
            models.Index(fields=["county_code", "normalized_name"], name="insight_company_name_idx"),
            models.Index(fields=["-insured_count"], name="insight_unorganised_idx",
                         condition=Q(status="active")),
        ]

    def __str__(self):
        return self.name


class InsuredMonth(models.Model):
    """Insured headcount of a company in a month (the social-insurance registry, one row per company and month)."""

    company = models.ForeignKey(CompanyRecord, on_delete=models.CASCADE, related_name="insured_months")
    month = models.DateField("月份")  # the first day
    headcount = models.PositiveIntegerField("参保人数")

    class Meta:
        verbose_name = "参保人数"
        verbose_name_plural = "参保人数"
        constraints = [models.UniqueConstraint(fields=["company", "month"], name="insight_insured_month_unique")]

    def __str__(self):
        return f"{self.company_id} {self.month:%Y-%m}: {self.headcount}"


class MatchCandidate(models.Model):
    """A pair the probabilistic matching was unsure of (or a decision about one): a cadre accepts or rejects it, and
    the decision is remembered (a rejected pair is never proposed again; an accepted one links the record)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        ACCEPTED = "accepted", "已确认为同一单位"
        REJECTED = "rejected", "已确认非同一单位"

    record = models.ForeignKey(CompanyRecord, on_delete=models.CASCADE, related_name="candidates")
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="+")
    # The employer's area path, for the review queue's scope.
    area_path = models.CharField("属地组织路径", max_length=255, blank=True, default="")
    score = models.FloatField("匹配概率")
    features = models.JSONField("比对依据", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "待确认匹配"
        verbose_name_plural = "待确认匹配"
        constraints = [models.UniqueConstraint(fields=["record", "employer"], name="insight_candidate_unique")]
        indexes = [models.Index(fields=["area_path", "status"], name="insight_candidate_scope_idx")]

    def __str__(self):
        return f"{self.record_id} ~ {self.employer_id} ({self.score:.2f})"


class MatchRun(OrgPathMixin):
    """One matching run (exact then probabilistic), with its figures."""

    class Status(models.TextChoices):
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    exact = models.PositiveIntegerField("信用代码匹配", default=0)
    probable = models.PositiveIntegerField("概率匹配", default=0)
    to_review = models.PositiveIntegerField("待确认", default=0)
    unmatched = models.PositiveIntegerField("未匹配", default=0)
    seconds = models.FloatField("用时（秒）", null=True, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "匹配运行"
        verbose_name_plural = "匹配运行"

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}"


# Roll-ups (汇总) ---------------------------------------------------------------------------------------------------


class Figure(models.Model):
    """One figure of one org for one month: `own` counts the org's own rows, `subtree` the org and everything below
    (what dashboards read: one row per org, month and figure, never a GROUP BY over the raw tables). The keys and
    their definitions are in insight/figures.py."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("单位路径", max_length=255)
    parent = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               db_constraint=False)  # drill-down: the children's rows of a month in one read
    month = models.DateField("月份")  # the first day
    key = models.CharField("指标", max_length=40)
    own = models.BigIntegerField("本级", default=0)
    subtree = models.BigIntegerField("含下级", default=0)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "统计数据"
        verbose_name_plural = "统计数据"
        constraints = [models.UniqueConstraint(fields=["org", "month", "key"], name="insight_figure_unique")]
        indexes = [models.Index(fields=["parent", "month", "key"], name="insight_figure_children_idx")]

    def __str__(self):
        return f"{self.org_id} {self.month:%Y-%m} {self.key}={self.subtree}"


class RollupRun(models.Model):
    """One run of the roll-up job (daily, and on demand): what it covered and how long it took."""

    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    months = models.JSONField("月份", default=list)
    rows = models.PositiveIntegerField("写入行数", default=0)
    seconds = models.FloatField("用时（秒）", null=True, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)

    class Meta:
        verbose_name = "汇总运行"
        verbose_name_plural = "汇总运行"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}"


# Assessment (考核) -------------------------------------------------------------------------------------------------


class AssessmentScheme(OrgPathMixin):
    """An org's assessment of the orgs below it for a period: indicators as formulas over the roll-ups."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    org = models.ForeignKey(Organisation, verbose_name="考核单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("被考核层级", max_length=12, help_text="Organisation.Kind：city、county 等")
    period_start = models.DateField("考核期起")
    period_end = models.DateField("考核期止")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"

    def __str__(self):
        return self.name


class Indicator(models.Model):
    """One indicator of a scheme: `formula` over figure keys (insight/figures.py), a weight (points) and a target;
    the score is weight × min(value / target, 1) (or the inverse for a figure where lower is better)."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("指标名称", max_length=100)
    formula = models.CharField("计算公式", max_length=500)
    weight = models.DecimalField("分值", max_digits=6, decimal_places=2)
    target = models.DecimalField("目标值", max_digits=14, decimal_places=4)
    lower_is_better = models.BooleanField("越低越好", default=False)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class AssessmentScore(models.Model):
    """An org's computed value and score for one indicator (indicator null: the total, with the rank)."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("单位路径", max_length=255)
    value = models.DecimalField("指标值", max_digits=18, decimal_places=4, null=True, blank=True)
    score = models.DecimalField("得分", max_digits=8, decimal_places=2)
    rank = models.PositiveIntegerField("排名", null=True, blank=True)

    class Meta:
        verbose_name = "考核得分"
        verbose_name_plural = "考核得分"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator", "org"], name="insight_score_unique",
                                    condition=Q(indicator__isnull=False)),
            models.UniqueConstraint(fields=["scheme", "org"], name="insight_total_unique",
                                    condition=Q(indicator__isnull=True)),
        ]

    def __str__(self):
        return f"{self.scheme_id} {self.org_id} {self.score}"


# Member tags (画像标签) --------------------------------------------------------------------------------------------
# The tags themselves are members.MemberTag (benefits' audience rules read them; a lower app cannot import insight).


class TagRule(OrgPathMixin):
    """A rule that gives members a tag: conditions over the member data and the behaviour events (insight/tags.py
    defines the condition keys), within the org's subtree."""

    org = models.ForeignKey(Organisation, verbose_name="制定单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    tag = models.CharField("标签", max_length=20)
    description = models.CharField("说明", max_length=200, blank=True)
    conditions = models.JSONField("条件", default=dict)
    active = models.BooleanField("启用", default=True)
    computed_at = models.DateTimeField("最近计算", null=True, blank=True)
    members_tagged = models.PositiveIntegerField("命中人数", default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "标签规则"
        verbose_name_plural = "标签规则"
        constraints = [models.UniqueConstraint(fields=["org", "tag"], name="insight_tag_rule_unique")]

    def __str__(self):
        return self.tag


# Integrator access (开放接口) ---------------------------------------------------------------------------------------


class ClientProfile(OrgPathMixin):
    """What the platform knows about an OIDC client (oauth2_provider.Application): the org that registered it and
    the scopes it may ever ask for (a request beyond them is cut down to them)."""

    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE,
                                       related_name="profile")
    org = models.ForeignKey(Organisation, verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    allowed_scopes = models.JSONField("允许的范围", default=list)
    description = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "单点登录应用"
        verbose_name_plural = "单点登录应用"

    def __str__(self):
        return str(self.application)


class ApiKey(OrgPathMixin):
    """An integrator's key for one org: scopes, a rate limit, its use counted; only the digest is kept (the key is
    shown once)."""

    org = models.ForeignKey(Organisation, verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=12, unique=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    scopes = models.JSONField("权限范围", default=list)
    rate_per_minute = models.PositiveIntegerField("每分钟请求上限", default=60)
    active = models.BooleanField("有效", default=True)
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    uses = models.PositiveBigIntegerField("使用次数", default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"


class Webhook(OrgPathMixin):
    """An integrator's endpoint for events of an org's subtree; payloads signed with HMAC-SHA256 of `secret`."""

    org = models.ForeignKey(Organisation, verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("名称", max_length=100)
    url = models.URLField("接收地址", max_length=500)
    secret = EncryptedTextField("签名密钥")
    events = models.JSONField("订阅事件", default=list)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "事件推送"
        verbose_name_plural = "事件推送"

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one webhook: retried with backoff until delivered or given up; `event_id`
    is the idempotency key the receiver sees (and one event reaches a webhook once)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "已放弃"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField("事件", max_length=60)
    event_id = models.CharField("事件编号", max_length=64)
    payload = models.JSONField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    response_code = models.PositiveSmallIntegerField("响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        constraints = [models.UniqueConstraint(fields=["webhook", "event_id"], name="insight_delivery_unique")]
        indexes = [models.Index(fields=["next_attempt_at"], name="insight_delivery_due_idx",
                                condition=Q(status="pending"))]

    def __str__(self):
        return f"{self.event} → {self.webhook_id}"


class Watermark(models.Model):
    """How far a job has read an append-only table (e.g. the webhooks' reader of audit events): the last id."""

    name = models.CharField("名称", max_length=50, unique=True)
    last_id = models.BigIntegerField("最后编号", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "读取进度"
        verbose_name_plural = "读取进度"

    def __str__(self):
        return f"{self.name}: {self.last_id}"
