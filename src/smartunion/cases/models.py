"""Rights cases (12351 维权), legal aid (法律援助) and counselling (心理咨询).

A rights case is one work order of the national 12351 template: five intake kinds, three deadline classes, one
handling org at a time (routed by the employer's union, then by region), a handler, replies and internal notes,
co-handling orgs, a first-response and a resolution deadline in working days on the business calendar (paused
while the worker is asked for more), escalation to the parent org when overdue, closing with a resolution code, the
worker's rating, reopening within a window, and a supervision (督办) flag.

Scoped lists filter one column (`org_path`, the handling org's path, rewritten on transfer). The statistics come
from `CaseStat`, a roll-up kept by the services in the same transaction as the change it counts, so a subtree's
figures are a sum over a few hundred rows, never a GROUP BY over the cases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from smartunion.core.pii import BlindIndexField, EncryptedTextField, mask_name, mask_phone
from smartunion.core.validators import validate_mobile
from smartunion.members.models import Person
from smartunion.orgs.models import Employer, Organisation, OrgPathMixin, Region

USER = settings.AUTH_USER_MODEL


class CaseClass(models.TextChoices):
    """The three deadline classes of the 12351 work order."""

    GENERAL = "general", "一般"
    DIFFICULT = "difficult", "难点"
    COMPLEX = "complex", "特别复杂"


class DeadlineRule(OrgPathMixin):
    """Working days allowed per deadline class; an org's own row overrides its ancestors' (the nearest wins), and
    with no row on the path the defaults of cases/deadlines.py apply. A federation changes its table here."""

    org = models.ForeignKey(Organisation, verbose_name="制定单位", on_delete=models.CASCADE,
                            related_name="case_deadline_rules")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    case_class = models.CharField("期限类别", max_length=10, choices=CaseClass.choices)
    first_response_days = models.PositiveSmallIntegerField("首次响应时限（工作日）")
    resolution_days = models.PositiveSmallIntegerField("办结时限（工作日）")
    updated_by = models.ForeignKey(USER, verbose_name="修改人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        ordering = ["org_path", "case_class"]
        constraints = [
            models.UniqueConstraint(fields=["org", "case_class"], name="case_deadline_rule_unique"),
            models.CheckConstraint(condition=Q(first_response_days__gte=1) & Q(resolution_days__gte=1)
                                   & Q(resolution_days__gte=F("first_response_days")),
                                   name="case_deadline_rule_sane"),
        ]

    def __str__(self):
        return f"{self.org} · {self.get_case_class_display()}"


class Case(OrgPathMixin):
    class Kind(models.TextChoices):
        CONSULT = "consult", "咨询"
        ASSISTANCE = "assistance", "帮扶"
        COMPLAINT = "complaint", "信访投诉"
        LEGAL_AID = "legal_aid", "法律援助"
        SUGGESTION = "suggestion", "建议"

    class Channel(models.TextChoices):
        PORTAL = "portal", "网上服务大厅"
        API = "api", "接口"
        HOTLINE = "hotline", "12351热线"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待受理"
        PROCESSING = "processing", "办理中"
        WAITING = "waiting", "待职工补充"
        CLOSED = "closed", "已办结"

    OPEN_STATES = (Status.SUBMITTED, Status.PROCESSING, Status.WAITING)

    class Resolution(models.TextChoices):
        RESOLVED = "resolved", "已解决"
        PARTLY = "partly", "部分解决"
        ANSWERED = "answered", "已解答"
        REFERRED = "referred", "已转相关部门"
        NOT_ACCEPTED = "not_accepted", "不予受理"
        WITHDRAWN = "withdrawn", "职工撤回"
        UNREACHABLE = "unreachable", "无法联系职工"

    number = models.CharField("工单编号", max_length=20, unique=True, editable=False)
    kind = models.CharField("诉求类型", max_length=12, choices=Kind.choices)
    case_class = models.CharField("期限类别", max_length=10, choices=CaseClass.choices, default=CaseClass.GENERAL)
    # Category codes from cases/categories.py (wages, contract, social_insurance, work_injury, ...).
    category = models.CharField("问题类别", max_length=20)
    subcategory = models.CharField("问题子类", max_length=30, blank=True)
    channel = models.CharField("来源渠道", max_length=10, choices=Channel.choices)

    # Who filed it: an account (portal, API), or nobody when a hotline operator took the call.
    filer = models.ForeignKey(USER, verbose_name="提交账号", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="filed_cases", db_index=False)  # case_filer_idx leads with it
    person = models.ForeignKey(Person, verbose_name="职工", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="cases")
    contact_name = models.CharField("联系人", max_length=50)
    phone = EncryptedTextField("联系电话")
    phone_index = BlindIndexField(source="phone", purpose="phone", normalizer=validate_mobile, null=True,
                                  blank=True)  # case_phone_idx (Meta: no LIKE twin on PostgreSQL)
    # The worker asked that the employer not learn who complained: outside the handling org the name is hidden.
    hide_identity = models.BooleanField("对单位保密身份", default=False)

    employer = models.ForeignKey(Employer, verbose_name="涉及单位（登记库）", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="cases")
    employer_name = models.CharField("涉及单位", max_length=150, blank=True)
    region = models.ForeignKey(Region, verbose_name="发生地", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=100, blank=True)
    description = models.TextField("诉求内容", max_length=5000)
    people_involved = models.PositiveIntegerField("涉及人数", default=1)
    amount_involved_fen = models.BigIntegerField("涉及金额（分）", null=True, blank=True)

    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    org = models.ForeignKey(Organisation, verbose_name="承办单位", on_delete=models.PROTECT, related_name="cases")
    org_path = models.CharField("承办单位路径", max_length=255, editable=False)
    routing_note = models.CharField("分派依据", max_length=200, blank=True)
    handler = models.ForeignKey(USER, verbose_name="承办人", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="handled_cases", db_index=False)  # case_handler_idx leads with it

    # Deadlines: stored, recomputed on every change (class, pause, resume, transfer, a holiday schedule loaded).
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    # The working days allowed, fixed when the class is set (cases/deadlines.py rule_days): a transfer keeps them, and
    # every recomputation (resume, a holiday schedule loaded) counts the same days again.
    first_response_days = models.PositiveSmallIntegerField("首次响应时限（工作日）", default=1)
    resolution_days = models.PositiveSmallIntegerField("办结时限（工作日）", default=7)
    # A reopened case's resolution clock starts again from the reopening.
    reopened_at = models.DateTimeField("最近重新办理时间", null=True, blank=True)
    first_response_due = models.DateTimeField("首次响应期限")
    first_response_due_estimated = models.BooleanField("首次响应期限按预估假期计算", default=False)
    first_responded_at = models.DateTimeField("首次响应时间", null=True, blank=True)
    resolution_due = models.DateTimeField("办结期限", db_index=True)
    resolution_due_estimated = models.BooleanField("办结期限按预估假期计算", default=False)
    # Pauses while waiting for the worker: the working days they took extend the resolution deadline.
    paused_at = models.DateTimeField("暂停时间", null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField("累计暂停（工作日）", default=0)
    # Escalation to the parent org when overdue (one per deadline, so running the job twice changes nothing).
    first_response_escalated_at = models.DateTimeField("首次响应超期上报时间", null=True, blank=True)
    resolution_escalated_at = models.DateTimeField("办结超期上报时间", null=True, blank=True)
    escalated_to = models.ForeignKey(Organisation, verbose_name="超期上报至", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="escalated_cases")

    # Supervision (督办).
    supervised = models.BooleanField("督办", default=False)
    supervised_by = models.ForeignKey(USER, verbose_name="督办人", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    supervised_at = models.DateTimeField("督办时间", null=True, blank=True)
    supervision_note = models.CharField("督办意见", max_length=500, blank=True)

    resolution = models.CharField("办理结果", max_length=15, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField("办结说明", max_length=2000, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_on_time = models.BooleanField("按期办结", null=True, blank=True)
    rating = models.PositiveSmallIntegerField("满意度评分", null=True, blank=True)
    rating_comment = models.CharField("评价内容", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重新办理次数", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "维权工单"
        verbose_name_plural = "维权工单"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="case_rating_1_to_5"),
            models.CheckConstraint(condition=Q(status="closed") | Q(closed_at__isnull=True),
                                   name="case_closed_at_only_when_closed"),
        ]
        indexes = [
            models.Index(fields=["org_path", "-id"], name="case_scope_idx"),
            # The handler's queue and the overdue job read open cases only.
            models.Index(fields=["org_path", "resolution_due"], name="case_open_due_idx",
                         condition=Q(status__in=["submitted", "processing", "waiting"])),
            # The open queue in deadline order: PostgreSQL otherwise walks the global resolution_due index through
            # every closed case before the first open one (3.3 s at 1M cases; 10 ms with this one).
            models.Index(fields=["resolution_due", "id"], name="case_open_by_due_idx",
                         condition=Q(status__in=["submitted", "processing", "waiting"])),
            models.Index(fields=["handler", "status"], name="case_handler_idx"),
            models.Index(fields=["filer", "-id"], name="case_filer_idx"),
            models.Index(fields=["org_path"], name="case_supervised_idx", condition=Q(supervised=True)),
            # A blind index is matched whole: a plain index, without the varchar_pattern_ops twin that db_index gives
            # a CharField on PostgreSQL. Every index is written on each filing (bench/README.md, issue 10).
            models.Index(fields=["phone_index"], name="case_phone_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_name(self) -> str:
        return mask_name(self.contact_name)


class CaseSequence(models.Model):
    """The last case number given on a day (WQ + yyyymmdd + 6 digits): one row per day, taken under a row lock."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "工单编号序列"
        verbose_name_plural = "工单编号序列"

    def __str__(self):
        return f"{self.day:%Y%m%d} {self.last}"


class CaseMessage(models.Model):
    """A line of the case's conversation: a reply the worker sees, an internal note they do not, or the worker's
    own message (a reply to a question, a comment)."""

    class Kind(models.TextChoices):
        REPLY = "reply", "答复职工"
        NOTE = "note", "内部备注"
        WORKER = "worker", "职工留言"
        SYSTEM = "system", "系统记录"

    case = models.ForeignKey(Case, verbose_name="工单", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    author = models.ForeignKey(USER, verbose_name="填写人", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    org = models.ForeignKey(Organisation, verbose_name="所在单位", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    body = models.TextField("内容", max_length=5000)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "工单记录"
        verbose_name_plural = "工单记录"
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"], name="case_message_idx")]

    def __str__(self):
        return f"{self.case_id} · {self.get_kind_display()}"


class CaseAssist(OrgPathMixin):
    """Co-handling (协办): another org asked to help with the case; it sees the case while the request is open."""

    class Status(models.TextChoices):
        OPEN = "open", "协办中"
        DONE = "done", "已反馈"
        CANCELLED = "cancelled", "已撤销"

    case = models.ForeignKey(Case, verbose_name="工单", on_delete=models.CASCADE, related_name="assists")
    org = models.ForeignKey(Organisation, verbose_name="协办单位", on_delete=models.PROTECT,
                            related_name="case_assists")
    org_path = models.CharField("协办单位路径", max_length=255, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    request_note = models.CharField("协办事项", max_length=500)
    reply = models.TextField("协办反馈", max_length=2000, blank=True)
    requested_by = models.ForeignKey(USER, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    done_at = models.DateTimeField("反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = "协办"
        verbose_name_plural = "协办"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "org"], condition=Q(status="open"), name="case_assist_one_open"),
        ]
        indexes = [models.Index(fields=["org_path", "status"], name="case_assist_scope_idx")]

    def __str__(self):
        return f"{self.case_id} · {self.org_id}"


class CaseCounters(models.Model):
    """The counters of the case roll-ups (cases/services/stats.py says what each change adds)."""

    received = models.PositiveIntegerField("受理量", default=0)
    responded = models.PositiveIntegerField("已首次响应", default=0)
    responded_on_time = models.PositiveIntegerField("按期首次响应", default=0)
    closed = models.PositiveIntegerField("已办结", default=0)
    closed_on_time = models.PositiveIntegerField("按期办结", default=0)
    rated = models.PositiveIntegerField("已评价", default=0)
    rating_sum = models.PositiveIntegerField("评分合计", default=0)
    satisfied = models.PositiveIntegerField("满意（4-5分）", default=0)

    class Meta:
        abstract = True


class CaseStat(CaseCounters):
    """Roll-up of cases per handling org, month of submission, kind and category, kept by the services in the
    transaction of each change (an org's own cases)."""

    org = models.ForeignKey(Organisation, verbose_name="承办单位", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("承办单位路径", max_length=255)
    month = models.DateField("月份")  # the first day of the month the case was submitted in
    kind = models.CharField("诉求类型", max_length=12, choices=Case.Kind.choices)
    category = models.CharField("问题类别", max_length=20)

    class Meta:
        verbose_name = "工单统计"
        verbose_name_plural = "工单统计"
        constraints = [
            models.UniqueConstraint(fields=["org", "month", "kind", "category"], name="case_stat_unique"),
        ]
        indexes = [models.Index(fields=["org_path", "month"], name="case_stat_scope_idx")]

    def __str__(self):
        return f"{self.org_id} {self.month:%Y-%m} {self.kind} {self.category}"


class Attachment(models.Model):
    """A file given with a case or a legal-aid application (images and PDF, type- and size-checked by
    cases/files.py); served only through the scoped views, never from a public URL."""

    case = models.ForeignKey(Case, verbose_name="工单", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="attachments")
    legal_aid = models.ForeignKey("cases.LegalAidApplication", verbose_name="法律援助申请", null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="cases/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(USER, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False) & Q(legal_aid__isnull=True))
                | (Q(case__isnull=True) & Q(legal_aid__isnull=False)),
                name="attachment_one_owner"),
        ]

    def __str__(self):
        return self.name


# Legal aid -------------------------------------------------------------------------------------------------------


class Lawyer(OrgPathMixin):
    """A lawyer in an org's directory (法律援助律师库), assignable to that org's and its subtree's applications."""

    org = models.ForeignKey(Organisation, verbose_name="所属单位", on_delete=models.PROTECT, related_name="lawyers")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("姓名", max_length=50)
    firm = models.CharField("律师事务所", max_length=100)
    license_number = models.CharField("执业证号", max_length=20)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    specialties = models.CharField("擅长领域", max_length=200, blank=True)
    active = models.BooleanField("在库", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "援助律师"
        verbose_name_plural = "援助律师"
        ordering = ["org_path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "license_number"], name="lawyer_unique_per_org"),
        ]

    def __str__(self):
        return f"{self.name}（{self.firm}）"


class LegalAidApplication(OrgPathMixin):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审查"
        ACCEPTED = "accepted", "已受理"
        REJECTED = "rejected", "不予援助"
        ASSIGNED = "assigned", "律师承办中"
        CLOSED = "closed", "已结案"

    class Outcome(models.TextChoices):
        MEDIATED = "mediated", "调解结案"
        ARBITRATION = "arbitration", "仲裁结案"
        LITIGATION = "litigation", "诉讼结案"
        WITHDRAWN = "withdrawn", "撤回申请"

    number = models.CharField("申请编号", max_length=20, unique=True, editable=False)
    applicant = models.ForeignKey(USER, verbose_name="申请账号", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="legal_aid_applications")
    person = models.ForeignKey(Person, verbose_name="职工", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    case = models.ForeignKey(Case, verbose_name="来源工单", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="legal_aid_applications")
    name = models.CharField("申请人", max_length=50)
    phone = EncryptedTextField("联系电话")
    employer_name = models.CharField("对方单位", max_length=150)
    region = models.ForeignKey(Region, verbose_name="发生地", on_delete=models.PROTECT, related_name="+")
    dispute_type = models.CharField("争议类别", max_length=20)
    dispute_summary = models.TextField("争议概要", max_length=5000)
    claim_amount_fen = models.BigIntegerField("请求金额（分）", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    org = models.ForeignKey(Organisation, verbose_name="受理单位", on_delete=models.PROTECT,
                            related_name="legal_aid_applications")
    org_path = models.CharField("受理单位路径", max_length=255, editable=False)
    reviewed_by = models.ForeignKey(USER, verbose_name="审查人", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    review_note = models.CharField("审查意见", max_length=500, blank=True)
    lawyer = models.ForeignKey(Lawyer, verbose_name="承办律师", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="applications")
    outcome = models.CharField("结案方式", max_length=12, choices=Outcome.choices, blank=True)
    recovered_fen = models.BigIntegerField("挽回金额（分）", null=True, blank=True)
    submitted_at = models.DateTimeField("申请时间", auto_now_add=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)

    class Meta:
        verbose_name = "法律援助申请"
        verbose_name_plural = "法律援助申请"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(recovered_fen__isnull=True) | Q(recovered_fen__gte=0),
                                   name="legal_aid_recovered_not_negative"),
        ]
        indexes = [models.Index(fields=["org_path", "-id"], name="legal_aid_scope_idx")]

    def __str__(self):
        return self.number


class LegalAidNote(models.Model):
    """A progress note on a legal-aid application (by the reviewing cadre or the lawyer's liaison)."""

    application = models.ForeignKey(LegalAidApplication, verbose_name="申请", on_delete=models.CASCADE,
                                    related_name="notes")
    author = models.ForeignKey(USER, verbose_name="填写人", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    body = models.TextField("进展", max_length=2000)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "援助进展"
        verbose_name_plural = "援助进展"
        ordering = ["id"]

    def __str__(self):
        return f"{self.application_id} · {self.created_at:%Y-%m-%d}"


# Counselling -----------------------------------------------------------------------------------------------------


class Counsellor(OrgPathMixin):
    """A counsellor of an org: the account that alone reads the session notes of their bookings."""

    org = models.ForeignKey(Organisation, verbose_name="所属单位", on_delete=models.PROTECT,
                            related_name="counsellors")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    user = models.OneToOneField(USER, verbose_name="咨询师账号", on_delete=models.PROTECT, related_name="counsellor")
    display_name = models.CharField("称呼", max_length=50)
    qualification = models.CharField("资质", max_length=100, blank=True)
    introduction = models.TextField("简介", max_length=1000, blank=True)
    active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "心理咨询师"
        verbose_name_plural = "心理咨询师"
        ordering = ["org_path", "id"]

    def __str__(self):
        return self.display_name


class WeeklySchedule(models.Model):
    """A counsellor's recurring hours: on `weekday` from `start` to `end`, cut into slots of `slot_minutes`."""

    class Mode(models.TextChoices):
        ONLINE = "online", "线上视频"
        PHONE = "phone", "电话"
        IN_PERSON = "in_person", "面谈"

    counsellor = models.ForeignKey(Counsellor, verbose_name="咨询师", on_delete=models.CASCADE,
                                   related_name="schedules")
    weekday = models.PositiveSmallIntegerField("星期", choices=[(i, f"星期{'一二三四五六日'[i]}") for i in range(7)])
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    slot_minutes = models.PositiveSmallIntegerField("每次时长（分钟）", default=50)
    mode = models.CharField("方式", max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    place = models.CharField("地点", max_length=200, blank=True)

    class Meta:
        verbose_name = "排班"
        verbose_name_plural = "排班"
        ordering = ["counsellor", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="schedule_end_after_start"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=15), name="schedule_slot_at_least_15"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Slot(models.Model):
    """One bookable time of a counsellor, made from the weekly schedule on working days (or by hand)."""

    counsellor = models.ForeignKey(Counsellor, verbose_name="咨询师", on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    mode = models.CharField("方式", max_length=10, choices=WeeklySchedule.Mode.choices,
                            default=WeeklySchedule.Mode.ONLINE)
    place = models.CharField("地点", max_length=200, blank=True)
    # Taken by one conditional UPDATE; the unique index on active bookings backs it.
    booked = models.BooleanField("已预约", default=False)
    withdrawn = models.BooleanField("已停约", default=False)

    class Meta:
        verbose_name = "咨询时段"
        verbose_name_plural = "咨询时段"
        ordering = ["starts_at", "counsellor"]
        constraints = [
            models.UniqueConstraint(fields=["counsellor", "starts_at"], name="slot_unique_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="slot_open_idx",
                                condition=Q(booked=False, withdrawn=False))]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CANCELLED = "cancelled", "已取消"
        DONE = "done", "已完成"
        NO_SHOW = "no_show", "未到"

    slot = models.ForeignKey(Slot, verbose_name="时段", on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(USER, verbose_name="预约账号", on_delete=models.PROTECT,
                             related_name="counselling_bookings")
    nickname = models.CharField("称呼（可用昵称）", max_length=30)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    topic = models.CharField("想咨询的方面", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField("预约时间", auto_now_add=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "咨询预约"
        verbose_name_plural = "咨询预约"
        ordering = ["-id"]
        constraints = [
            # Two people can never hold the same slot.
            models.UniqueConstraint(fields=["slot"], condition=Q(status__in=["booked", "done", "no_show"]),
                                    name="booking_one_per_slot"),
        ]
        indexes = [models.Index(fields=["user", "-id"], name="booking_user_idx")]

    def __str__(self):
        return f"{self.slot_id} · {self.get_status_display()}"


class SessionNote(models.Model):
    """The counsellor's notes of a session, encrypted; read and written only by that booking's counsellor."""

    booking = models.OneToOneField(Booking, verbose_name="预约", on_delete=models.CASCADE, related_name="note")
    body = EncryptedTextField("咨询记录")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "咨询记录"
        verbose_name_plural = "咨询记录"

    def __str__(self):
        return f"咨询记录 {self.booking_id}"


class CaseSubtreeStat(CaseCounters):
    """The same counters summed over an org's whole subtree (its own cases and those of every org below it), per
    month of submission, kind and category. Each change is added to the handling org's row and to each ancestor's
    in one statement, so a subtree's statistics read the rows of one org (at most months x kinds x categories),
    however the cases spread below it."""

    org = models.ForeignKey(Organisation, verbose_name="单位（含下级）", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    kind = models.CharField("诉求类型", max_length=12, choices=Case.Kind.choices)
    category = models.CharField("问题类别", max_length=20)

    class Meta:
        verbose_name = "工单统计（含下级）"
        verbose_name_plural = "工单统计（含下级）"
        constraints = [
            models.UniqueConstraint(fields=["org", "month", "kind", "category"], name="case_subtree_stat_unique"),
        ]

    def __str__(self):
        return f"{self.org_id}+ {self.month:%Y-%m} {self.kind} {self.category}"
