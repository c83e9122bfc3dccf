"""People and memberships: one Person per real human, at most one active membership each."""

from django.db import models
from django.db.models import Q

from smartunion.core import codes
from smartunion.core.pii import BlindIndexField, EncryptedTextField, mask_id_number, mask_name, mask_phone
from smartunion.core.validators import normalize_id_number, validate_mobile
from smartunion.orgs.models import Employer, Organisation


class Person(models.Model):
    """A real human, unique by the blind index of the ID number; sex and birth date come from the ID number."""

    name = models.CharField("姓名", max_length=50, db_index=True)  # 查找人员 looks people up by whole name
    id_number = EncryptedTextField("身份证号码")
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", normalizer=normalize_id_number,
                                      unique=True)
    sex = models.CharField("性别", max_length=1, choices=codes.choices("sex"))
    birth_date = models.DateField("出生日期")
    phone = EncryptedTextField("手机号码", blank=True, default="")
    phone_index = BlindIndexField(source="phone", purpose="phone", normalizer=validate_mobile, null=True,
                                  blank=True, db_index=True)
    address = EncryptedTextField("住址", blank=True, default="")
    ethnicity = models.CharField("民族", max_length=2, choices=codes.choices("ethnicity"), blank=True)
    education = models.CharField("学历", max_length=2, choices=codes.choices("education"), blank=True)
    political_status = models.CharField("政治面貌", max_length=2, choices=codes.choices("political_status"),
                                        blank=True)
    employment_form = models.CharField("用工形式", max_length=2, choices=codes.choices("employment_form"),
                                       blank=True)
    gig_platform = models.CharField("服务平台", max_length=50, blank=True)
    employer = models.ForeignKey(Employer, verbose_name="工作单位", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="people")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "职工"
        verbose_name_plural = "职工"
        ordering = ["id"]

    def __str__(self):
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Membership(models.Model):
    """A person's membership of one union. The database allows one active membership per person."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        TRANSFERRED = "transferred", "已转出"
        ENDED = "ended", "已终止"

    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="memberships")
    union = models.ForeignKey(Organisation, verbose_name="所在工会", on_delete=models.PROTECT,
                              related_name="memberships")
    # The member's card number; it stays the same across transfers, so it is unique among active memberships.
    card_number = models.CharField("会员卡号", max_length=32, db_index=True)
    since = models.DateField("入会日期")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField("终止日期", null=True, blank=True)
    # A provisional attachment: held by a township union while the employer has no union of its own.
    provisional = models.BooleanField("挂靠", default=False)
    # The union's path, copied at insert (orgs do not move), so scoped member lists filter and order on one table.
    union_path = models.CharField("工会路径", max_length=255, editable=False, default="")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "会籍"
        verbose_name_plural = "会籍"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="active"),
                                    name="membership_one_active_per_person"),
            models.UniqueConstraint(fields=["card_number"], condition=Q(status="active"),
                                    name="membership_active_number_unique"),
        ]
        indexes = [
            models.Index(fields=["union", "status"], name="membership_union_status_idx"),
            models.Index(fields=["union_path", "id"], name="membership_scope_idx"),
            # The workbench's "new this month": one month of memberships, whatever the size of the subtree.
            models.Index(fields=["since", "union_path"], name="membership_since_idx"),
        ]

    def __str__(self):
        return f"{self.card_number} {self.person}"


class MembershipChange(models.Model):
    """One line of a member's history: joined, transferred out or in, attached, moved back... (GB-style codes)."""

    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="changes")
    membership = models.ForeignKey(Membership, verbose_name="会籍", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="changes")
    change_type = models.CharField("变动类型", max_length=2, choices=codes.choices("membership_change_type"))
    reason = models.CharField("变动原因", max_length=4, choices=codes.choices("membership_change_reason"), blank=True)
    from_union = models.ForeignKey(Organisation, verbose_name="原工会", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    to_union = models.ForeignKey(Organisation, verbose_name="新工会", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey("accounts.User", verbose_name="经办人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "会籍变动记录"
        verbose_name_plural = "会籍变动记录"
        ordering = ["id"]

    def __str__(self):
        return f"{self.person} {self.get_change_type_display()}"


class CardSequence(models.Model):
    """The last sequence number an issuing federation used for card numbers (row-locked when allocating)."""

    org = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="card_sequence")
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "会员卡号序列"
        verbose_name_plural = "会员卡号序列"

    def __str__(self):
        return f"{self.org} {self.last}"


class MemberCard(models.Model):
    """The e-member card. The number never changes for a person; a lost card is revoked and reissued as the next
    version of the same number, so an old QR stops working while the member keeps their number."""

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        REVOKED = "revoked", "已作废"

    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="cards")
    card_number = models.CharField("会员卡号", max_length=20, db_index=True)
    version = models.PositiveSmallIntegerField("补办次数", default=1)
    issuer = models.ForeignKey(Organisation, verbose_name="发证总工会", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    issued_at = models.DateTimeField("发证时间", auto_now_add=True)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoke_reason = models.CharField("作废原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "电子会员证"
        verbose_name_plural = "电子会员证"
        constraints = [
            models.UniqueConstraint(fields=["card_number", "version"], name="card_number_version_unique"),
            models.UniqueConstraint(fields=["person"], condition=Q(status="active"), name="card_one_active_per_person"),
        ]

    def __str__(self):
        return f"{self.card_number}（第{self.version}版）"


class JoinApplication(models.Model):
    """A worker's request to join, dispatched at once to the union that must review it."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    class Dispatch(models.TextChoices):
        SCAN = "scan", "扫码入会"
        CREDIT_CODE = "credit_code", "统一社会信用代码匹配"
        NAME = "name", "单位名称匹配"
        AMBIGUOUS = "ambiguous", "单位名称匹配到多家单位"
        GIG = "gig", "新就业形态联合工会"
        TOWNSHIP = "township", "单位未建会，挂靠乡镇（街道）工会"
        COUNTY = "county", "所在地无乡镇（街道）工会，由县级总工会受理"
        FORWARDED = "forwarded", "转交"

    applicant = models.ForeignKey("accounts.User", verbose_name="申请账号", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="join_applications")
    # A cadre filing on a worker's behalf (console or API) is recorded here; the applicant account stays empty.
    submitted_by = models.ForeignKey("accounts.User", verbose_name="代为申请的经办人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedTextField("身份证号码")
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", normalizer=normalize_id_number,
                                      db_index=True)
    phone = EncryptedTextField("手机号码")
    employer_name = models.CharField("工作单位", max_length=150)
    employer_credit_code = models.CharField("单位统一社会信用代码", max_length=18, blank=True)
    work_region = models.ForeignKey("orgs.Region", verbose_name="工作地区", on_delete=models.PROTECT,
                                    related_name="+")
    employment_form = models.CharField("用工形式", max_length=2, choices=codes.choices("employment_form"),
                                       blank=True)
    gig_platform = models.CharField("服务平台", max_length=50, blank=True)
    education = models.CharField("学历", max_length=2, choices=codes.choices("education"), blank=True)
    political_status = models.CharField("政治面貌", max_length=2, choices=codes.choices("political_status"),
                                        blank=True)
    ethnicity = models.CharField("民族", max_length=2, choices=codes.choices("ethnicity"), blank=True)
    address = EncryptedTextField("住址", blank=True, default="")
    source_union = models.ForeignKey(Organisation, verbose_name="扫码来源工会", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # Dispatch: where it went, why, and the candidates when the employer name matched more than one employer.
    employer = models.ForeignKey(Employer, verbose_name="匹配到的单位", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="join_applications")
    union = models.ForeignKey(Organisation, verbose_name="受理工会", on_delete=models.PROTECT,
                              related_name="join_applications")
    union_path = models.CharField("受理工会路径", max_length=255, db_index=True, editable=False)
    dispatch_reason = models.CharField("分派依据", max_length=12, choices=Dispatch.choices)
    dispatch_note = models.CharField("分派说明", max_length=300)
    candidates = models.JSONField("候选单位", default=list, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    deadline = models.DateTimeField("审核期限")
    # The deadline ran into a year whose official holiday schedule is not known: computed from the statutory
    # holidays alone (see core.calendar), so it may move when the year's schedule is loaded.
    deadline_estimated = models.BooleanField("期限按预估假期计算", default=False)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", verbose_name="审核人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    reject_reason = models.CharField("未通过原因", max_length=200, blank=True)
    overdue_notified_at = models.DateTimeField("超期提醒时间", null=True, blank=True)
    membership = models.ForeignKey(Membership, verbose_name="会籍", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "入会申请"
        verbose_name_plural = "入会申请"
        ordering = ["-id"]
        constraints = [
            # One pending application per person: a second submission returns the first.
            models.UniqueConstraint(fields=["id_number_index"], condition=Q(status="pending"),
                                    name="join_one_pending_per_person"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="join_status_deadline_idx")]

    def __str__(self):
        return f"{mask_name(self.name)}的入会申请"


class Transfer(models.Model):
    """A member moves to another union: the old union releases (or its deadline passes), the new one accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", "待转出"
        APPROVED = "approved", "接收方已同意"
        RELEASED = "released", "待接收"
        COMPLETED = "completed", "已完成"
        REJECTED = "rejected", "接收方未同意"
        CANCELLED = "cancelled", "已撤回"

    membership = models.ForeignKey(Membership, verbose_name="原会籍", on_delete=models.PROTECT,
                                   related_name="transfers")
    person = models.ForeignKey(Person, verbose_name="会员", on_delete=models.PROTECT, related_name="transfers")
    from_union = models.ForeignKey(Organisation, verbose_name="转出工会", on_delete=models.PROTECT, related_name="+")
    from_path = models.CharField(max_length=255, db_index=True, editable=False)
    to_union = models.ForeignKey(Organisation, verbose_name="转入工会", on_delete=models.PROTECT, related_name="+")
    to_path = models.CharField(max_length=255, db_index=True, editable=False)
    to_employer_name = models.CharField("新工作单位", max_length=150, blank=True)
    to_employer = models.ForeignKey(Employer, verbose_name="新单位", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    dispatch_reason = models.CharField("分派依据", max_length=12, choices=JoinApplication.Dispatch.choices)
    dispatch_note = models.CharField("分派说明", max_length=300)
    reason = models.CharField("转会原因", max_length=4, choices=codes.choices("membership_change_reason"),
                              blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey("accounts.User", verbose_name="申请人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    release_deadline = models.DateTimeField("转出期限")
    release_deadline_estimated = models.BooleanField("期限按预估假期计算", default=False)
    released_at = models.DateTimeField("转出时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    reject_reason = models.CharField("未同意原因", max_length=200, blank=True)
    new_membership = models.ForeignKey(Membership, verbose_name="新会籍", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    # Room for the national shape: a transfer to another province's deployment names it here.
    remote_deployment = models.CharField("跨省转入平台", max_length=100, blank=True)

    class Meta:
        verbose_name = "会籍转移"
        verbose_name_plural = "会籍转移"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["membership"],
                                    condition=Q(status__in=["pending", "approved", "released"]),
                                    name="transfer_one_open_per_membership"),
        ]

    def __str__(self):
        return f"{self.person} {self.from_union} → {self.to_union}"


class RosterImport(models.Model):
    """A union's roster upload: validated in a dry run, then committed, as background work with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        VALIDATING = "validating", "校验中"
        VALIDATED = "validated", "已校验，待确认"
        COMMITTING = "committing", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    union = models.ForeignKey(Organisation, verbose_name="工会", on_delete=models.PROTECT, related_name="+")
    union_path = models.CharField(max_length=255, db_index=True, editable=False)
    file = models.FileField("文件", upload_to="roster/%Y/%m/")
    file_name = models.CharField("文件名", max_length=200)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    processed = models.PositiveIntegerField("已处理", default=0)
    to_create = models.PositiveIntegerField("新增", default=0)
    to_update = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("无变化", default=0)
    rejected = models.PositiveIntegerField("出错", default=0)
    conflicts = models.PositiveIntegerField("冲突", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    message = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey("accounts.User", verbose_name="上传人", null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Written by the running job every few seconds; a job in a running state whose heartbeat is stale died.
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        verbose_name = "会员名册导入"
        verbose_name_plural = "会员名册导入"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 0


class MemberTag(models.Model):
    """A tag a member has (新业态, 青年, 困难职工, 活跃 ...), given by a rule of the data platform (insight.TagRule,
    recomputed by its job) and kept here, beside the person, so that benefits' audience rules can read it. The member
    sees their own tags and may object: an objected tag is kept (so the job does not give it again) but no rule uses
    it. Tags never leave the deployment with the member's identity."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField("标签", max_length=20)
    rule_id = models.PositiveIntegerField("规则编号", null=True, blank=True)  # insight.TagRule, not a constraint
    reason = models.CharField("依据", max_length=200, blank=True)
    computed_at = models.DateTimeField("计算时间", auto_now=True)
    objected = models.BooleanField("本人有异议", default=False)
    objection = models.CharField("异议说明", max_length=200, blank=True)
    objected_at = models.DateTimeField("提出异议时间", null=True, blank=True)

    class Meta:
        verbose_name = "会员标签"
        verbose_name_plural = "会员标签"
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="member_tag_unique")]
        indexes = [models.Index(fields=["tag"], name="member_tag_idx", condition=Q(objected=False))]

    def __str__(self):
        return self.tag
