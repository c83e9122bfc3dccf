"""The org tree (materialised path), regions, employers and cadre positions.

Path: each org's path is its ancestors' paths plus its own id as an 8-digit segment ("00000001" "00000002" ...).
A subtree is the half-open range [path, next(path)) on the indexed column, which both SQLite and PostgreSQL
answer from an ordinary B-tree index (a LIKE 'prefix%' would need a special operator class on PostgreSQL and a
pragma on SQLite). Digits only, so collation cannot reorder it.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from smartunion.core import codes
from smartunion.core.pii import EncryptedTextField

SEGMENT = 8


def segment(pk: int) -> str:
    return f"{pk:0{SEGMENT}d}"


def path_upper_bound(path: str) -> str:
    """The smallest path greater than every path in the subtree of `path`."""
    return str(int(path) + 1).zfill(len(path))


def subtree_q(path: str, field: str = "path") -> Q:
    return Q(**{f"{field}__gte": path, f"{field}__lt": path_upper_bound(path)})


def ancestor_paths(path: str) -> list[str]:
    """The paths of every ancestor (and the org itself), root first."""
    return [path[: i + SEGMENT] for i in range(0, len(path), SEGMENT)]


class Region(models.Model):
    """A GB/T 2260 region (province, city, county) or a township below it."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "地级"
        COUNTY = "county", "县级"
        TOWNSHIP = "township", "乡级"

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class Organisation(models.Model):
    """A union or federation in the tree, from the national federation down to branches."""

    class Kind(models.TextChoices):
        NATIONAL = "national", "全国总工会"
        PROVINCE = "province", "省总工会"
        CITY = "city", "市总工会"
        COUNTY = "county", "县（区）总工会"
        INDUSTRY = "industry", "产业工会"
        TOWNSHIP = "township", "乡镇（街道）工会"
        GRASSROOTS = "grassroots", "基层工会"
        JOINT = "joint", "联合基层工会"
        BRANCH = "branch", "分工会"

    FEDERATION_KINDS = (Kind.NATIONAL, Kind.PROVINCE, Kind.CITY, Kind.COUNTY)
    # Unions that take members in (a federation has no members of its own).
    MEMBER_KINDS = (Kind.TOWNSHIP, Kind.GRASSROOTS, Kind.JOINT, Kind.BRANCH, Kind.INDUSTRY)

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        SUSPENDED = "suspended", "暂停"
        DISSOLVED = "dissolved", "已撤销"

    name = models.CharField("名称", max_length=100, db_index=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    parent = models.ForeignKey("self", verbose_name="上级组织", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级", editable=False)
    region = models.ForeignKey(Region, verbose_name="行政区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = EncryptedTextField("联系电话", blank=True, default="")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Scan-to-join: the token printed in the union's QR poster (/join/?u=<token>).
    join_token = models.CharField("扫码入会令牌", max_length=32, unique=True, null=True, blank=True, editable=False)
    # A joint union set up for gig workers lists the employment forms and platforms it takes in.
    serves_employment_forms = models.JSONField("面向的用工形式", default=list, blank=True,
                                               help_text="新就业形态联合工会面向的用工形式代码，如 [\"12\"]")
    serves_platforms = models.JSONField("面向的平台", default=list, blank=True,
                                        help_text="新就业形态联合工会面向的平台名称，如 [\"美团\"]")
    # A federation may set its own review deadline for join applications (working days).
    review_days = models.PositiveSmallIntegerField("入会审核时限（工作日）", null=True, blank=True)
    # Maintained figures: active members of this org, and of its whole subtree.
    member_count = models.PositiveIntegerField("会员数", default=0, editable=False)
    subtree_member_count = models.PositiveIntegerField("下辖会员总数", default=0, editable=False)
    # Of those, members whose employment form is a gig worker's (新就业形态): kept with every membership that starts or
    # ends, and recounted nightly (a person's employment form may change while they stay a member).
    gig_member_count = models.PositiveIntegerField("新就业形态会员数", default=0, editable=False)
    subtree_gig_member_count = models.PositiveIntegerField("下辖新就业形态会员总数", default=0, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "工会组织"
        verbose_name_plural = "工会组织"
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "region"], name="org_kind_region_idx")]

    def __str__(self):
        return self.name

    @property
    def is_federation(self) -> bool:
        return self.kind in self.FEDERATION_KINDS

    def subtree(self):
        return Organisation.objects.filter(subtree_q(self.path))

    def ancestors(self):
        """Ancestors root first, without the org itself."""
        return Organisation.objects.filter(path__in=ancestor_paths(self.path)[:-1]).order_by("depth")


class Employer(models.Model):
    """A workplace. It may have its own grassroots union, be covered by a joint union, or have none.

    Registries hold employers by name, region and credit code alone; the township union is then derived from the
    region (services.employer_create), and `area_path` keeps the org responsible for the area so that scope is one
    indexed column rather than a join.
    """

    class Size(models.TextChoices):
        MICRO = "micro", "微型（10人以下）"
        SMALL = "small", "小型（10-99人）"
        MEDIUM = "medium", "中型（100-999人）"
        LARGE = "large", "大型（1000人以上）"

    name = models.CharField("单位名称", max_length=150)
    # core.text.normalize_employer_name(name, region=region): the key dispatch and imports match on, per county.
    normalized_name = models.CharField("规范化名称", max_length=150, editable=False)
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, unique=True)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    # The first six digits of the region: a township-registered employer and a county-level application meet here.
    county_code = models.CharField("所在县（区）代码", max_length=6, editable=False, default="")
    industry = models.CharField("行业", max_length=1, choices=codes.choices("industry"), blank=True)
    size = models.CharField("规模", max_length=10, choices=Size.choices, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    covering_union = models.ForeignKey(
        Organisation, verbose_name="所属工会", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="covered_employers",
        help_text="单位自己的基层工会，或覆盖它的联合基层工会；未建会则为空",
    )
    # The township union responsible for the employer's area (where its workers go while it has no union).
    township_union = models.ForeignKey(
        Organisation, verbose_name="属地乡镇（街道）工会", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="area_employers",
    )
    # The path of the township union, or (when there is none) of the nearest federation of the region; "" when no
    # org covers the area yet. Cadres of that org and above see the employer.
    area_path = models.CharField("属地组织路径", max_length=255, editable=False, default="", db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "用人单位"
        verbose_name_plural = "用人单位"
        ordering = ["id"]
        indexes = [models.Index(fields=["county_code", "normalized_name"], name="employer_county_name_idx")]

    def __str__(self):
        return self.name

    @property
    def has_union(self) -> bool:
        return self.covering_union_id is not None



class OrgPathMixin(models.Model):
    """A row filed under an org keeps the org's path (`org_path`, copied at save when not set yet), so that scoped
    lists filter one column; rows move with their org only through services. A model whose path comes from another
    org (a delivery's recipient, a hardship file's union) names its (path field, org field) pairs in ORG_PATHS."""

    ORG_PATHS: ClassVar[tuple[tuple[str, str], ...]] = (("org_path", "org"),)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        for path_field, org_field in self.ORG_PATHS:
            if getattr(self, f"{org_field}_id", None) and not getattr(self, path_field):
                setattr(self, path_field, getattr(self, org_field).path)
        super().save(*args, **kwargs)


class Position(models.Model):
    """A cadre's role in one org; a person may hold several."""

    class Role(models.TextChoices):
        CHAIR = "chair", "主席"
        ADMINISTRATOR = "administrator", "管理员"
        REVIEWER = "reviewer", "审核员"
        EDITOR = "editor", "编辑"
        AUDITOR = "auditor", "审计员"
        # The editorial review chain (新媒体 初审 / 终审 / 签发), each step by its own role in the org or above.
        FIRST_REVIEWER = "first_reviewer", "初审员"
        FINAL_REVIEWER = "final_reviewer", "终审员"
        SIGNER = "signer", "签发人"

    # Roles that may create and change orgs and employers in their subtree.
    MANAGING_ROLES = (Role.CHAIR, Role.ADMINISTRATOR)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE,
                             related_name="positions")
    org = models.ForeignKey(Organisation, verbose_name="组织", on_delete=models.CASCADE, related_name="positions")
    role = models.CharField("职务", max_length=15, choices=Role.choices)
    since = models.DateField("任职日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "干部职务"
        verbose_name_plural = "干部职务"
        constraints = [models.UniqueConstraint(fields=["user", "org", "role"], name="position_unique_role")]

    def __str__(self):
        return f"{self.org.name} · {self.get_role_display()}"
