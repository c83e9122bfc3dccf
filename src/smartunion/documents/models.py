"""Office (自动化办公): outgoing documents (发文) with their countersigns (会签) and numbering, incoming documents
(收文) with circulation (传阅), exchange between orgs (公文交换), information reports (信息报送) with their scoring,
approvals (移动审批) defined as data, and meetings with rooms, notices, sign-in and action items.

Every row that a scoped list shows keeps the path of its org (`org_path`, copied at save) so that the list filters
one table. Rules the database can enforce are constraints: one number per (rule, year, sequence), one delivery per
(exchange, org), one open request per (form, applicant, subject), a room's half-hour slots held once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from smartunion.orgs.models import Organisation, OrgPathMixin

USER = settings.AUTH_USER_MODEL


class Department(OrgPathMixin):
    """A department (处室/部门) of an org: it takes on incoming documents (承办) and joins sign-offs (会签)."""

    org = models.ForeignKey(Organisation, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("部门名称", max_length=50)
    head = models.ForeignKey(USER, verbose_name="负责人", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    members = models.ManyToManyField(USER, verbose_name="成员", blank=True, related_name="document_departments")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="document_department_unique")]

    def __str__(self):
        return self.name


# Outgoing documents (发文) ----------------------------------------------------------------------------------------


class Secrecy(models.TextChoices):
    NONE = "", "无"
    SECRET = "secret", "秘密"
    CONFIDENTIAL = "confidential", "机密"
    TOP_SECRET = "top_secret", "绝密"


class Urgency(models.TextChoices):
    NONE = "", "无"
    URGENT = "urgent", "加急"
    EXTRA_URGENT = "extra_urgent", "特急"


class NumberingRule(OrgPathMixin):
    """How an org numbers its documents: 鲁工发〔2026〕12号 is prefix 鲁工发, the year, the year's sequence."""

    org = models.ForeignKey(Organisation, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("名称", max_length=50, help_text="如：发文、函、通知")
    prefix = models.CharField("机关代字", max_length=20, help_text="如：鲁工发")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "发文字号规则"
        verbose_name_plural = "发文字号规则"
        constraints = [models.UniqueConstraint(fields=["org", "prefix"], name="document_numbering_prefix_unique")]

    def __str__(self):
        return self.prefix


class NumberSequence(models.Model):
    """The last number a rule gave in a year; taken by one conditional UPDATE ... RETURNING."""

    rule = models.ForeignKey(NumberingRule, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "year"], name="document_sequence_unique")]

    def __str__(self):
        return f"{self.rule_id} {self.year}: {self.last}"


class OutgoingDocument(OrgPathMixin):
    """发文: the elements of GB/T 9704-2012 and the flow 拟稿 → 核稿 → 会签 → 签发 → 编号 → 用印 → 分发 → 归档."""

    class Status(models.TextChoices):
        DRAFT = "draft", "拟稿"
        CHECKING = "checking", "核稿"
        COUNTERSIGN = "countersign", "会签"
        SIGNING = "signing", "签发"
        NUMBERING = "numbering", "编号"
        SEALING = "sealing", "用印"
        DISTRIBUTION = "distribution", "分发"
        ARCHIVED = "archived", "归档"
        CANCELLED = "cancelled", "作废"

    class Kind(models.TextChoices):
        NOTICE = "notice", "通知"
        DECISION = "decision", "决定"
        OPINION = "opinion", "意见"
        REPORT = "report", "报告"
        REQUEST = "request", "请示"
        REPLY = "reply", "批复"
        LETTER = "letter", "函"
        CIRCULAR = "circular", "通报"
        MINUTES = "minutes", "纪要"

    org = models.ForeignKey(Organisation, verbose_name="发文机关", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    kind = models.CharField("文种", max_length=10, choices=Kind.choices, default=Kind.NOTICE)
    title = models.CharField("标题", max_length=200)
    issuer_mark = models.CharField("发文机关标志", max_length=50, help_text="版头红色字样，如：山东省总工会文件")
    copy_number = models.CharField("份号", max_length=6, blank=True)
    secrecy = models.CharField("密级", max_length=12, choices=Secrecy.choices, blank=True, default=Secrecy.NONE)
    secrecy_period = models.CharField("保密期限", max_length=20, blank=True)
    urgency = models.CharField("紧急程度", max_length=12, choices=Urgency.choices, blank=True, default=Urgency.NONE)
    rule = models.ForeignKey(NumberingRule, verbose_name="发文字号规则", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    number_year = models.PositiveSmallIntegerField("字号年份", null=True, blank=True, editable=False)
    number_seq = models.PositiveIntegerField("字号序号", null=True, blank=True, editable=False)
    number = models.CharField("发文字号", max_length=40, blank=True, editable=False)
    signer = models.ForeignKey(USER, verbose_name="签发人", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    signer_name = models.CharField("签发人姓名", max_length=50, blank=True)
    main_recipients = models.CharField("主送机关", max_length=500, blank=True)
    body = models.TextField("正文", blank=True)
    cc = models.CharField("抄送机关", max_length=500, blank=True)
    written_on = models.DateField("成文日期", null=True, blank=True)
    printer = models.CharField("印发机关", max_length=100, blank=True)
    printed_on = models.DateField("印发日期", null=True, blank=True)
    status = models.CharField("状态", max_length=15, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField("版本号", default=1, editable=False)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    pdf = models.FileField("版式文件", upload_to="documents/pdf/%Y/%m/", blank=True)
    created_by = models.ForeignKey(USER, verbose_name="拟稿人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "发文"
        verbose_name_plural = "发文"
        constraints = [
            models.UniqueConstraint(fields=["rule", "number_year", "number_seq"], name="document_number_unique",
                                    condition=Q(number_seq__isnull=False)),
        ]
        indexes = [models.Index(fields=["org_path", "status"], name="document_out_scope_idx")]

    def __str__(self):
        return self.number or self.title


class DocumentVersion(models.Model):
    """Every save of an outgoing document's text: any two can be compared."""

    document = models.ForeignKey(OutgoingDocument, verbose_name="发文", on_delete=models.CASCADE,
                                 related_name="versions")
    number = models.PositiveIntegerField("版本号")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    saved_by = models.ForeignKey(USER, verbose_name="保存人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    saved_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "发文版本"
        verbose_name_plural = "发文版本"
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")]

    def __str__(self):
        return f"{self.document_id} v{self.number}"


class Countersign(models.Model):
    """会签 (countersign): one department or org asked to agree in one round; a refusal sends the document back with
    its reason, and every answer of every round is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", "待会签"
        AGREED = "agreed", "同意"
        REFUSED = "refused", "不同意"
        CANCELLED = "cancelled", "已撤销"

    document = models.ForeignKey(OutgoingDocument, verbose_name="发文", on_delete=models.CASCADE,
                                 related_name="countersigns")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    department = models.ForeignKey(Department, verbose_name="会签部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Organisation, verbose_name="会签单位", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField("意见", max_length=300, blank=True)
    decided_by = models.ForeignKey(USER, verbose_name="会签人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField("会签时间", null=True, blank=True)

    class Meta:
        verbose_name = "会签"
        verbose_name_plural = "会签"
        constraints = [
            models.CheckConstraint(condition=Q(department__isnull=False) | Q(org__isnull=False),
                                   name="document_countersign_has_party"),
        ]

    def __str__(self):
        return f"{self.document_id} 第{self.round}轮 {self.get_status_display()}"


class Attachment(models.Model):
    """A file of an outgoing or incoming document (附件, or the scan of a paper document registered by hand)."""

    outgoing = models.ForeignKey(OutgoingDocument, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="attachments")
    incoming = models.ForeignKey("IncomingDocument", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="attachments")
    file = models.FileField("文件", upload_to="documents/files/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    sha256 = models.CharField("校验值", max_length=64, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=1)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        constraints = [
            models.CheckConstraint(condition=Q(outgoing__isnull=False) | Q(incoming__isnull=False),
                                   name="document_attachment_has_document"),
        ]

    def __str__(self):
        return self.name


# Exchange between orgs (公文交换) -----------------------------------------------------------------------------------


class Exchange(OrgPathMixin):
    """One sending of a released document to many orgs. `envelope` is the message itself (documents/exchange.py,
    format smartunion.exchange/1), the same a later province-to-province exchange carries."""

    document = models.ForeignKey(OutgoingDocument, verbose_name="发文", on_delete=models.PROTECT,
                                 related_name="exchanges")
    org = models.ForeignKey(Organisation, verbose_name="发送单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    envelope = models.JSONField("交换报文", default=dict)
    sent_by = models.ForeignKey(USER, verbose_name="发送人", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    sign_due_at = models.DateTimeField("签收期限", null=True, blank=True)

    class Meta:
        verbose_name = "公文交换"
        verbose_name_plural = "公文交换"

    def __str__(self):
        return f"{self.document} → {self.sent_at:%Y-%m-%d}"


class Delivery(OrgPathMixin):
    """One receiving org of an exchange: delivered (it has an incoming document), signed for or returned."""

    ORG_PATHS = (("to_path", "to_org"),)

    class Status(models.TextChoices):
        DELIVERED = "delivered", "待签收"
        SIGNED = "signed", "已签收"
        RETURNED = "returned", "已退回"

    exchange = models.ForeignKey(Exchange, verbose_name="交换", on_delete=models.CASCADE, related_name="deliveries")
    to_org = models.ForeignKey(Organisation, verbose_name="接收单位", on_delete=models.PROTECT, related_name="+")
    to_path = models.CharField("接收单位路径", max_length=255, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DELIVERED)
    decided_by = models.ForeignKey(USER, verbose_name="签收/退回人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("签收/退回时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    urged_count = models.PositiveSmallIntegerField("催办次数", default=0)
    last_urged_at = models.DateTimeField("最近催办", null=True, blank=True)

    class Meta:
        verbose_name = "交换送达"
        verbose_name_plural = "交换送达"
        constraints = [models.UniqueConstraint(fields=["exchange", "to_org"], name="document_delivery_unique")]
        indexes = [models.Index(fields=["to_path", "status"], name="document_delivery_scope_idx")]

    def __str__(self):
        return f"{self.exchange_id} → {self.to_org_id} {self.get_status_display()}"


# Incoming documents (收文) -----------------------------------------------------------------------------------------


class IncomingDocument(OrgPathMixin):
    """收文: registered from an exchange or by hand (with a scan); 拟办 → 批办 → 承办 (a department, a deadline on
    the business calendar) → 办结 → 归档; circulated (传阅) with read receipts."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记"
        PROPOSED = "proposed", "已拟办"
        INSTRUCTED = "instructed", "已批办"
        HANDLING = "handling", "承办中"
        DONE = "done", "已办结"
        ARCHIVED = "archived", "已归档"

    class Source(models.TextChoices):
        EXCHANGE = "exchange", "公文交换"
        MANUAL = "manual", "手工登记"

    org = models.ForeignKey(Organisation, verbose_name="收文单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    delivery = models.OneToOneField(Delivery, verbose_name="交换送达", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="incoming")
    serial = models.CharField("收文编号", max_length=30, blank=True, editable=False,
                              help_text="收〔年份〕序号号：登记或签收时按本单位当年顺序自动编号")
    serial_year = models.PositiveSmallIntegerField("收文编号年份", null=True, blank=True, editable=False)
    serial_seq = models.PositiveIntegerField("收文编号序号", null=True, blank=True, editable=False)
    sender_name = models.CharField("来文单位", max_length=100)
    original_number = models.CharField("来文字号", max_length=40, blank=True)
    title = models.CharField("标题", max_length=200)
    secrecy = models.CharField("密级", max_length=12, choices=Secrecy.choices, blank=True, default=Secrecy.NONE)
    urgency = models.CharField("紧急程度", max_length=12, choices=Urgency.choices, blank=True, default=Urgency.NONE)
    body = models.TextField("正文", blank=True)
    received_on = models.DateField("收文日期")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    proposal = models.CharField("拟办意见", max_length=500, blank=True)
    proposed_by = models.ForeignKey(USER, verbose_name="拟办人", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    instruction = models.CharField("批办意见", max_length=500, blank=True)
    instructed_by = models.ForeignKey(USER, verbose_name="批办领导", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey(Department, verbose_name="承办部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(USER, verbose_name="承办人", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    due_estimated = models.BooleanField("期限按预估假期计算", default=False)
    result = models.CharField("办理结果", max_length=500, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    registered_by = models.ForeignKey(USER, verbose_name="登记人", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "收文"
        verbose_name_plural = "收文"
        constraints = [
            models.UniqueConstraint(fields=["org", "serial_year", "serial_seq"], name="document_in_serial_unique",
                                    condition=Q(serial_seq__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["org_path", "status"], name="document_in_scope_idx"),
            models.Index(fields=["due_at"], name="document_in_due_idx",
                         condition=Q(status__in=["instructed", "handling"])),
        ]

    def __str__(self):
        return self.title


class IncomingSequence(models.Model):
    """The last 收文编号 an org gave in a year (core.sequences)."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="document_in_sequence_unique")]

    def __str__(self):
        return f"{self.org_id} {self.year}: {self.last}"


class Circulation(models.Model):
    """传阅: an incoming document sent to a reader; read_at is the read receipt."""

    document = models.ForeignKey(IncomingDocument, verbose_name="收文", on_delete=models.CASCADE,
                                 related_name="circulations")
    reader = models.ForeignKey(USER, verbose_name="传阅人", on_delete=models.CASCADE, related_name="+")
    sent_by = models.ForeignKey(USER, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    sent_at = models.DateTimeField("传阅时间", auto_now_add=True)
    read_at = models.DateTimeField("阅知时间", null=True, blank=True)
    comment = models.CharField("阅知意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "传阅"
        verbose_name_plural = "传阅"
        constraints = [models.UniqueConstraint(fields=["document", "reader"], name="document_circulation_unique")]
        indexes = [models.Index(fields=["reader", "read_at"], name="document_circ_reader_idx")]

    def __str__(self):
        return f"{self.document_id} → {self.reader_id}"


# Information reports (信息报送) -------------------------------------------------------------------------------------


class InfoReport(OrgPathMixin):
    """An information item a lower org submits to the org above, adopted at a level or declined."""

    ORG_PATHS = (("org_path", "org"), ("to_path", "to_org"))

    class Category(models.TextChoices):
        NEWS = "news", "工作动态"
        PRACTICE = "practice", "经验做法"
        ISSUE = "issue", "问题建议"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待处理"
        ADOPTED = "adopted", "已采用"
        DECLINED = "declined", "未采用"
        WITHDRAWN = "withdrawn", "已撤回"

    class Level(models.TextChoices):
        CITY = "city", "市级采用"
        PROVINCE = "province", "省级采用"
        NATIONAL = "national", "报送全总"

    org = models.ForeignKey(Organisation, verbose_name="报送单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    to_org = models.ForeignKey(Organisation, verbose_name="报送至", on_delete=models.PROTECT, related_name="+")
    to_path = models.CharField("接收单位路径", max_length=255, editable=False)
    category = models.CharField("类别", max_length=10, choices=Category.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    level = models.CharField("采用级别", max_length=10, choices=Level.choices, blank=True)
    reason = models.CharField("未采用原因", max_length=300, blank=True)
    submitted_by = models.ForeignKey(USER, verbose_name="报送人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)
    decided_by = models.ForeignKey(USER, verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "信息报送"
        verbose_name_plural = "信息报送"
        indexes = [
            models.Index(fields=["to_path", "status"], name="document_report_inbox_idx"),
            models.Index(fields=["org_path", "submitted_at"], name="document_report_scope_idx"),
        ]

    def __str__(self):
        return self.title


class ReportScore(OrgPathMixin):
    """The points an adoption at a level is worth in a year, set by a federation for its subtree (the nearest
    federation's row wins)."""

    org = models.ForeignKey(Organisation, verbose_name="设置单位", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("采用级别", max_length=10, choices=InfoReport.Level.choices)
    points = models.DecimalField("分值", max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = "信息采用计分"
        verbose_name_plural = "信息采用计分"
        constraints = [models.UniqueConstraint(fields=["org", "year", "level"], name="document_report_score_unique")]

    def __str__(self):
        return f"{self.year} {self.get_level_display()} {self.points}"


# Approvals (移动审批) ----------------------------------------------------------------------------------------------


class ApprovalForm(OrgPathMixin):
    """A kind of request defined as data: its fields and its chain of steps (documents/approvals.py says the
    shapes). Applies to the org and its subtree."""

    org = models.ForeignKey(Organisation, verbose_name="所属单位", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    code = models.SlugField("代码", max_length=30, help_text="如：leave、trip、expense、seal、vehicle、purchase")
    name = models.CharField("名称", max_length=50)
    fields = models.JSONField("表单字段", default=list)
    steps = models.JSONField("审批环节", default=list)
    subject_fields = models.JSONField("查重字段", default=list, blank=True,
                                      help_text="这些字段相同的未结申请只能有一个")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "审批表单"
        verbose_name_plural = "审批表单"
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="document_form_code_unique")]

    def __str__(self):
        return self.name


class ApprovalRequest(OrgPathMixin):
    class Status(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"
        RETURNED = "returned", "已退回"
        WITHDRAWN = "withdrawn", "已撤回"

    OPEN_STATES = (Status.PENDING, Status.RETURNED)

    form = models.ForeignKey(ApprovalForm, verbose_name="表单", on_delete=models.PROTECT, related_name="requests")
    org = models.ForeignKey(Organisation, verbose_name="申请单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    applicant = models.ForeignKey(USER, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=200)
    data = models.JSONField("表单内容", default=dict)
    amount_fen = models.BigIntegerField("金额（分）", null=True, blank=True)
    subject_key = models.CharField("查重键", max_length=64, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    current_step = models.PositiveSmallIntegerField("当前环节", default=0)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "审批申请"
        verbose_name_plural = "审批申请"
        constraints = [
            models.UniqueConstraint(fields=["form", "applicant", "subject_key"], name="document_request_one_open",
                                    condition=Q(status__in=["pending", "returned"])),
        ]
        indexes = [models.Index(fields=["org_path", "status"], name="document_request_scope_idx")]

    def __str__(self):
        return self.title


class ApprovalStep(models.Model):
    """One approver's turn in a request: made from the form's chain when the request is submitted (steps whose
    amount condition does not hold are skipped), or added on the way (加签)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "未到"
        PENDING = "pending", "待审批"
        APPROVED = "approved", "同意"
        REJECTED = "rejected", "不同意"
        RETURNED = "returned", "退回"
        SKIPPED = "skipped", "跳过"

    request = models.ForeignKey(ApprovalRequest, verbose_name="申请", on_delete=models.CASCADE,
                                related_name="approval_steps")
    position = models.PositiveSmallIntegerField("顺序")
    label = models.CharField("环节", max_length=50)
    approver = models.ForeignKey(USER, verbose_name="审批人", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.WAITING)
    added_by = models.ForeignKey(USER, verbose_name="加签人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    note = models.CharField("意见", max_length=300, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "审批环节"
        verbose_name_plural = "审批环节"
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["approver", "status"], name="document_step_approver_idx")]

    def __str__(self):
        return f"{self.request_id} {self.position} {self.label}"


# Meetings (会议管理) -----------------------------------------------------------------------------------------------


class Room(OrgPathMixin):
    org = models.ForeignKey(Organisation, verbose_name="所属单位", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("会议室", max_length=50)
    location = models.CharField("位置", max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField("容纳人数", default=10)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "会议室"
        verbose_name_plural = "会议室"
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="document_room_unique")]

    def __str__(self):
        return self.name


class Meeting(OrgPathMixin):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "已安排"
        CANCELLED = "cancelled", "已取消"
        FINISHED = "finished", "已结束"

    org = models.ForeignKey(Organisation, verbose_name="主办单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    title = models.CharField("会议名称", max_length=200)
    agenda = models.TextField("议程", blank=True)
    room = models.ForeignKey(Room, verbose_name="会议室", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="meetings")
    place = models.CharField("地点", max_length=100, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    reply_due_at = models.DateTimeField("回执截止", null=True, blank=True)
    checkin_secret = models.CharField("签到码密钥", max_length=64, editable=False, blank=True)
    organiser = models.ForeignKey(USER, verbose_name="组织人", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        indexes = [models.Index(fields=["org_path", "starts_at"], name="document_meeting_scope_idx")]

    def __str__(self):
        return self.title


class RoomSlot(models.Model):
    """A room's half hour held by a meeting: the unique (room, start) is what makes two bookings of one room at
    one time impossible, on SQLite and PostgreSQL alike, under any concurrency."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "start"], name="document_room_slot_unique")]

    def __str__(self):
        return f"{self.room_id} {self.start:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """A meeting notice to a person (or to an org, answered by one of its cadres) with the receipt (回执)."""

    class Reply(models.TextChoices):
        PENDING = "pending", "未回执"
        ATTEND = "attend", "参加"
        DELEGATE = "delegate", "委派他人参加"
        ABSENT = "absent", "请假"

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(USER, verbose_name="参会人", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    org = models.ForeignKey(Organisation, verbose_name="参会单位", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="+")
    reply = models.CharField("回执", max_length=10, choices=Reply.choices, default=Reply.PENDING)
    delegate_name = models.CharField("委派人员", max_length=50, blank=True)
    reason = models.CharField("请假事由", max_length=200, blank=True)
    replied_by = models.ForeignKey(USER, verbose_name="回执人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    replied_at = models.DateTimeField("回执时间", null=True, blank=True)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)

    class Meta:
        verbose_name = "会议通知"
        verbose_name_plural = "会议通知"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="document_invitation_user_unique",
                                    condition=Q(user__isnull=False)),
            models.UniqueConstraint(fields=["meeting", "org"], name="document_invitation_org_unique",
                                    condition=Q(org__isnull=False)),
            models.CheckConstraint(condition=Q(user__isnull=False) | Q(org__isnull=False),
                                   name="document_invitation_has_invitee"),
        ]

    def __str__(self):
        return f"{self.meeting_id} {self.user_id or self.org_id} {self.get_reply_display()}"


class Minutes(models.Model):
    meeting = models.OneToOneField(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="minutes")
    body = models.TextField("纪要")
    file = models.FileField("附件", upload_to="documents/minutes/%Y/%m/", blank=True)
    written_by = models.ForeignKey(USER, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    written_at = models.DateTimeField("记录时间", auto_now=True)

    class Meta:
        verbose_name = "会议纪要"
        verbose_name_plural = "会议纪要"

    def __str__(self):
        return f"{self.meeting}纪要"


class ActionItem(OrgPathMixin):
    """A task a meeting decided: an owner, a due date, tracked until done."""

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        DONE = "done", "已完成"

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="action_items")
    org = models.ForeignKey(Organisation, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    title = models.CharField("事项", max_length=200)
    owner = models.ForeignKey(USER, verbose_name="责任人", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("完成期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    result = models.CharField("完成情况", max_length=300, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "会议督办事项"
        verbose_name_plural = "会议督办事项"
        indexes = [models.Index(fields=["owner", "status"], name="document_action_owner_idx")]

    def __str__(self):
        return self.title
