"""Models every app shares: the audit log, workflow history and the outbox of outgoing messages."""

from django.conf import settings
from django.db import models

from smartunion.core.pii import EncryptedTextField


class AppendOnlyError(Exception):
    """Audit and history rows are never changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("append-only rows cannot be updated")

    def delete(self):
        raise AppendOnlyError("append-only rows cannot be deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("append-only rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("append-only rows cannot be deleted")


class AuditEvent(AppendOnlyModel):
    """One write or one reveal of personal data: who, what, on what, in which org, from where."""

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    # DO_NOTHING: deleting an account must not UPDATE audit rows (the database refuses it on PostgreSQL);
    # the row keeps the id and actor_label.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.DO_NOTHING,
        related_name="+", db_constraint=False,
    )
    actor_label = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("操作", max_length=100, db_index=True)
    target_type = models.CharField("对象类型", max_length=100, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_label = models.CharField("对象", max_length=200, blank=True)
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name="所属组织", null=True, blank=True, on_delete=models.DO_NOTHING,
        related_name="+", db_constraint=False,
    )
    org_path = models.CharField("组织路径", max_length=255, blank=True, db_index=True)
    # A second org whose cadres must see the event too: the other end of a transfer, the union a join
    # application was forwarded from.
    also_org_path = models.CharField("相关组织路径", max_length=255, blank=True, db_index=True)
    data = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.target_label}"


class TransitionLog(AppendOnlyModel):
    """History row of a workflow transition (join applications, transfers, cases, org status...)."""

    created_at = models.DateTimeField("时间", auto_now_add=True)
    workflow = models.CharField("流程", max_length=100, db_index=True)
    object_id = models.CharField("对象编号", max_length=64)
    action = models.CharField("动作", max_length=50)
    from_state = models.CharField("原状态", max_length=30)
    to_state = models.CharField("新状态", max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False,
    )
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "流程记录"
        verbose_name_plural = "流程记录"
        ordering = ["id"]
        indexes = [models.Index(fields=["workflow", "object_id"], name="transition_object_idx")]

    def __str__(self):
        return f"{self.workflow}#{self.object_id} {self.from_state}→{self.to_state}"


class OutboxMessage(models.Model):
    """Every outgoing message (SMS, in-app, e-mail) is kept here, whatever the sender did with it."""

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        INBOX = "inbox", "站内信"
        EMAIL = "email", "电子邮件"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    recipient = EncryptedTextField("接收方")
    recipient_masked = models.CharField("接收方（脱敏）", max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    subject = models.CharField("标题", max_length=200, blank=True)
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    error = models.CharField("错误", max_length=200, blank=True)

    class Meta:
        verbose_name = "消息发件箱"
        verbose_name_plural = "消息发件箱"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient_masked}"


class HolidaySchedule(models.Model):
    """A year's official holiday schedule (the State Council notice) loaded by an operator.

    It takes precedence over the chinesecalendar package and over the estimate from statutory holidays
    (core.calendar). `holidays` lists every day off of the year's holidays (ISO dates, weekends inside a holiday
    included); `workdays` lists the make-up workdays that fall on weekends.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    holidays = models.JSONField("放假日期", default=list)
    workdays = models.JSONField("调休上班日期", default=list, blank=True)
    source = models.CharField("依据", max_length=200, blank=True,
                              help_text="如：国务院办公厅关于2027年部分节假日安排的通知")
    loaded_at = models.DateTimeField("导入时间", auto_now=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年节假日安排"


class BehaviourEvent(AppendOnlyModel):
    """One thing a member did (joined, took part, read, learned, asked for help): written in bulk by core.events.

    The data platform builds profiles and roll-ups from these rows; they are never used to rank members. No
    personal data in clear: the person is an id, the label names an object (a union, an activity), never a person.
    Rows are never changed; the retention purge (core.events.purge_expired) is the only thing that deletes them.
    """

    # A lazy reference without a constraint: core does not import members, and purging or keeping these rows never
    # touches the person's row. The (person, occurred_at) index below serves the person's own list.
    person = models.ForeignKey(
        "members.Person", verbose_name="职工", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
        db_index=False,
    )
    kind = models.CharField("行为", max_length=100)
    target_type = models.CharField("对象类型", max_length=100, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_label = models.CharField("对象", max_length=100, blank=True)
    # The org the event belongs to, for roll-ups per subtree (the materialised path of orgs.Organisation).
    org_path = models.CharField("组织路径", max_length=255, blank=True)
    occurred_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "行为记录"
        verbose_name_plural = "行为记录"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["person", "occurred_at"], name="behaviour_person_time_idx"),
            models.Index(fields=["kind", "occurred_at"], name="behaviour_kind_time_idx"),
            # The retention purge deletes by age across all kinds.
            models.Index(fields=["occurred_at"], name="behaviour_time_idx"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.kind} {self.target_label}"
