"""People and memberships: one Person per real human, at most one active membership each."""

from django.db import models
from django.db.models import Q

from smartunion.core import codes
from smartunion.core.pii import BlindIndexField, EncryptedTextField, mask_id_number, mask_name, mask_phone
from smartunion.core.validators import normalize_id_number, validate_mobile
from smartunion.orgs.models import Employer, Organisation


class Person(models.Model):
    """A real human, unique by the blind index of the ID number; sex and birth date come from the ID number."""

    name = models.CharField("姓名", max_length=50)
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
    member_number = models.CharField("会员编号", max_length=32, unique=True)
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
        ]
        indexes = [
            models.Index(fields=["union", "status"], name="membership_union_status_idx"),
            models.Index(fields=["union_path", "id"], name="membership_scope_idx"),
        ]

    def __str__(self):
        return f"{self.member_number} {self.person}"
