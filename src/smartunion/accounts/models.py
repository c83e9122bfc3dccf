"""Accounts: one identity for cadres (username + password, optional TOTP) and workers (phone + password)."""

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.db import models
from django.db.models import Q

from smartunion.core.pii import BlindIndexField, EncryptedTextField, mask_phone
from smartunion.core.validators import normalize_id_number, validate_mobile


class AccountManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Cadres have a username; workers may have only a phone."""

    class Kind(models.TextChoices):
        CADRE = "cadre", "工会干部"
        WORKER = "worker", "职工"
        MERCHANT = "merchant", "商户"

    username = models.CharField("用户名", max_length=150, unique=True, null=True, blank=True)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    kind = models.CharField("账号类型", max_length=10, choices=Kind.choices, default=Kind.WORKER)
    phone = EncryptedTextField("手机号码", blank=True, default="")
    phone_index = BlindIndexField(source="phone", normalizer=validate_mobile, null=True, blank=True)
    person = models.OneToOneField(
        "members.Person", verbose_name="实名信息", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="user",
    )
    is_staff = models.BooleanField("可登录管理后台", default=False)
    is_active = models.BooleanField("启用", default=True)
    date_joined = models.DateTimeField("注册时间", auto_now_add=True)
    totp_secret = EncryptedTextField("动态口令密钥", blank=True, default="")
    totp_enabled = models.BooleanField("启用动态口令", default=False)
    totp_pending = EncryptedTextField("待确认的动态口令密钥", blank=True, default="")
    # Real-name binding (实名): the blind index of the ID number this account first applied or was approved
    # under. One account, one real person: applying under another ID number from this account is refused.
    # The ID number is kept encrypted beside its index so that rotate-keys (and a switch to the SM suite, whose
    # index differs) can recompute the binding like every other blind index.
    real_name_id_number = EncryptedTextField("实名身份证号码", blank=True, default="", editable=False)
    real_name_index = BlindIndexField("实名绑定", source="real_name_id_number", purpose="id_number",
                                      normalizer=normalize_id_number, null=True, blank=True)
    real_name_bound_at = models.DateTimeField("实名绑定时间", null=True, blank=True, editable=False)
    # Consent (PIPL art. 13-14) to the user agreement and privacy policy, given before the account was created: the
    # version of the texts agreed to and when. Cadre accounts, made by an administrator, carry none.
    consent_version = models.CharField("同意的协议版本", max_length=20, blank=True, default="", editable=False)
    consented_at = models.DateTimeField("同意协议时间", null=True, blank=True, editable=False)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        constraints = [
            models.UniqueConstraint(fields=["phone_index"], condition=Q(phone_index__isnull=False),
                                    name="account_unique_phone"),
            models.CheckConstraint(condition=Q(username__isnull=False) | Q(phone_index__isnull=False),
                                   name="account_has_login"),
            # One real person, one account: an ID number binds at most one account.
            models.UniqueConstraint(fields=["real_name_index"], condition=Q(real_name_index__isnull=False),
                                    name="account_unique_real_name"),
        ]

    def __str__(self):
        return self.display_name or self.username or mask_phone(self.phone)

    def get_username(self):
        return self.username or mask_phone(self.phone)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ApiToken(models.Model):
    """A bearer token for /api/v1; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.user} 的接口令牌（{self.expires_at:%Y-%m-%d %H:%M} 到期）"


class SmsCode(models.Model):
    """A one-time verification code sent by SMS; only its hash is kept."""

    class Purpose(models.TextChoices):
        REGISTER = "register", "注册"
        LOGIN = "login", "登录"
        RESET = "reset", "重置密码"
        UNLOCK = "unlock", "解除登录锁定"

    phone_index = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Where the request for the code came from: per-IP sending limits count these.
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [models.Index(fields=["ip", "created_at"], name="smscode_ip_time_idx"),
                   models.Index(fields=["created_at"], name="smscode_time_idx")]

    def __str__(self):
        return f"{self.get_purpose_display()}验证码 #{self.pk}"
