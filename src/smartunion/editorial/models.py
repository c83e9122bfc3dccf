"""New media (新媒体宣传). So far: the deployment's sensitive-word list (敏感词库) and its allowed contexts, which
editorial/sensitive.py compiles into one Aho-Corasick automaton."""

from __future__ import annotations

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


class SensitiveWord(models.Model):
    class Category(models.TextChoices):
        POLITICAL = "political", "政治有害"
        PORNOGRAPHY = "pornography", "色情低俗"
        VIOLENCE = "violence", "暴恐"
        ILLEGAL = "illegal", "违法违规"
        ABUSE = "abuse", "辱骂"
        ADVERTISING = "advertising", "广告营销"
        WORDING = "wording", "不规范表述"
        OTHER = "other", "其他"

    class Level(models.TextChoices):
        BLOCK = "block", "禁用（不能保存和送审）"
        WARN = "warn", "提示（可修改或确认后继续）"

    word = models.CharField("敏感词", max_length=50)
    # editorial.sensitive.normalize(word): the key the matcher uses; one row per key.
    normalized = models.CharField("规范化形式", max_length=50, unique=True, editable=False)
    category = models.CharField("类别", max_length=15, choices=Category.choices)
    level = models.CharField("级别", max_length=5, choices=Level.choices, default=Level.WARN)
    # For WORDING words: the wording to use instead (e.g. 农民工 -> 进城务工人员); shown with the hit.
    suggestion = models.CharField("建议改为", max_length=50, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(USER, verbose_name="添加人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("添加时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "敏感词"
        verbose_name_plural = "敏感词库"
        ordering = ["normalized"]

    def __str__(self):
        return self.word


class AllowedContext(models.Model):
    """A false positive allowed in context: the word is not reported where it stands inside this phrase (e.g. the
    word 法轮 inside 法轮功 is a hit, but a word 党 inside 党委 may be allowed)."""

    word = models.ForeignKey(SensitiveWord, verbose_name="敏感词", on_delete=models.CASCADE, related_name="allowed")
    context = models.CharField("允许的上下文", max_length=100)
    normalized = models.CharField("规范化形式", max_length=100, editable=False)
    created_by = models.ForeignKey(USER, verbose_name="添加人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "允许的上下文"
        verbose_name_plural = "允许的上下文"
        ordering = ["word", "normalized"]
        constraints = [models.UniqueConstraint(fields=["word", "normalized"], name="allowed_context_unique")]

    def __str__(self):
        return self.context


class Article(models.Model):
    """An article of an org's new-media desk, through its review chain (editorial/services/articles.py)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        FIRST_REVIEW = "first_review", "待初审"
        FINAL_REVIEW = "final_review", "待终审"
        SIGN_OFF = "sign_off", "待签发"
        SCHEDULED = "scheduled", "待发布"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"
        EXPIRED = "expired", "已下线"

    class Origin(models.TextChoices):
        ORIGINAL = "original", "原创"
        REPRINT = "reprint", "转载"

    org = models.ForeignKey("orgs.Organisation", verbose_name="发布单位", on_delete=models.PROTECT,
                            related_name="articles")
    org_path = models.CharField("发布单位路径", max_length=255, editable=False)
    title = models.CharField("标题", max_length=100)
    summary = models.CharField("摘要", max_length=300, blank=True)
    cover = models.ImageField("封面图", upload_to="editorial/covers/%Y/%m/", blank=True)
    # Sanitised HTML (editorial/html.py); `body_text` is its text, for the sensitive-word check, search and diffs.
    body = models.TextField("正文")
    body_text = models.TextField("正文文本", editable=False, default="")
    author = models.CharField("作者", max_length=50, blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    origin = models.CharField("来源类型", max_length=10, choices=Origin.choices, default=Origin.ORIGINAL)
    source = models.CharField("来源", max_length=100, blank=True, help_text="转载时必填：原作者或原发布单位")
    source_url = models.URLField("原文链接", max_length=300, blank=True)
    status = models.CharField("状态", max_length=15, choices=Status.choices, default=Status.DRAFT)
    # Optimistic locking: every save raises it; a save based on an older number is refused, not overwritten.
    revision = models.PositiveIntegerField("版本号", default=1, editable=False)
    go_live_at = models.DateTimeField("定时发布时间", null=True, blank=True)
    expires_at = models.DateTimeField("下线时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(USER, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(go_live_at__isnull=True)
                | models.Q(expires_at__gt=models.F("go_live_at")), name="article_expires_after_go_live"),
        ]
        indexes = [
            models.Index(fields=["org_path", "-id"], name="article_scope_idx"),
            models.Index(fields=["status", "go_live_at"], name="article_schedule_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.org_id and not self.org_path:
            self.org_path = self.org.path
        super().save(*args, **kwargs)


class ArticleRevision(models.Model):
    """Each saved version of an article (the first save is revision 1), for the history and diffs."""

    article = models.ForeignKey(Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField("版本号")
    title = models.CharField("标题", max_length=100)
    summary = models.CharField("摘要", max_length=300, blank=True)
    body = models.TextField("正文")
    body_text = models.TextField("正文文本", default="")
    saved_by = models.ForeignKey(USER, verbose_name="保存人", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    saved_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "稿件版本"
        verbose_name_plural = "稿件版本"
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_revision_unique")]

    def __str__(self):
        return f"{self.article_id} v{self.number}"
