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
