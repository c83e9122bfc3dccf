"""New media (新媒体宣传). So far: the deployment's sensitive-word list (敏感词库) and its allowed contexts, which
editorial/sensitive.py compiles into one Aho-Corasick automaton."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from smartunion.core.pii import EncryptedTextField
from smartunion.orgs.models import OrgPathMixin

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


class Article(OrgPathMixin):
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
    # Reads on the portal, added in batches by editorial/reads.py (never one write per view).
    read_count = models.PositiveIntegerField("门户阅读数", default=0, editable=False)
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


class Channel(OrgPathMixin):
    """One of an org's publishing channels (a WeChat official account, a Weibo account, the portal...)."""

    class Kind(models.TextChoices):
        PORTAL = "portal", "职工门户"
        WECHAT = "wechat", "微信公众号"
        WEIBO = "weibo", "微博"
        TOUTIAO = "toutiao", "头条号"
        DOUYIN = "douyin", "抖音"
        WEBSITE = "website", "网站"
        RECORDING = "recording", "演示渠道（只记录，不对外发布）"

    org = models.ForeignKey("orgs.Organisation", verbose_name="所属单位", on_delete=models.PROTECT,
                            related_name="channels")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    kind = models.CharField("平台", max_length=10, choices=Kind.choices)
    name = models.CharField("账号名称", max_length=50)
    account = models.CharField("账号标识", max_length=100, blank=True, help_text="公众号原始ID、微博UID、网站地址等")
    # Non-secret settings of the platform's API (app id, endpoint); the secret apart, encrypted.
    config = models.JSONField("接口配置", default=dict, blank=True)
    secret = EncryptedTextField("接口密钥", blank=True, default="")
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(USER, verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "发布渠道"
        verbose_name_plural = "发布渠道"
        ordering = ["org_path", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "kind", "name"], name="channel_unique_name")]
        indexes = [models.Index(fields=["org_path", "kind"], name="channel_scope_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"


class Publication(models.Model):
    """An article on one channel: its own status, attempts and the platform's answer. The idempotency key is made
    once with the row and sent with every attempt, so a retry never posts twice where the platform honours it (and
    the adapters resume a half-done post from what they stored, e.g. WeChat's draft media id)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        WITHDRAWN = "withdrawn", "已撤回"

    article = models.ForeignKey(Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="publications")
    channel = models.ForeignKey(Channel, verbose_name="渠道", on_delete=models.PROTECT, related_name="publications")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField("幂等键", max_length=64, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True)
    last_error = models.CharField("平台返回的错误", max_length=500, blank=True)
    # What the adapter keeps between attempts (e.g. the WeChat draft's media id) and the platform's ids.
    state = models.JSONField("发送进度", default=dict, blank=True)
    external_id = models.CharField("平台内容ID", max_length=100, blank=True)
    external_url = models.URLField("平台链接", max_length=300, blank=True)
    requested_by = models.ForeignKey(USER, verbose_name="发布人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "渠道发布"
        verbose_name_plural = "渠道发布"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["article", "channel"], name="publication_once_per_channel")]
        indexes = [
            models.Index(fields=["org_path", "status"], name="publication_scope_idx"),
            models.Index(fields=["next_attempt_at"], name="publication_retry_idx", condition=models.Q(status="failed")),
        ]

    def __str__(self):
        return f"{self.article_id} → {self.channel_id}"


class ChannelRecord(models.Model):
    """What the recording adapter "sent": the demo's and the tests' stand-in for a platform (one row per key and
    action, so a repeated call with the same key is answered from the row, never recorded twice)."""

    channel = models.ForeignKey(Channel, verbose_name="渠道", on_delete=models.CASCADE, related_name="records")
    action = models.CharField("动作", max_length=10)
    idempotency_key = models.CharField("幂等键", max_length=64)
    title = models.CharField("标题", max_length=100)
    payload = models.JSONField("内容", default=dict)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "演示渠道记录"
        verbose_name_plural = "演示渠道记录"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["idempotency_key", "action"], name="channel_record_once")]

    def __str__(self):
        return f"{self.action} {self.title}"


class PoolItem(OrgPathMixin):
    """An article in another org's pool: sent down the tree (下发) for the lower org to republish, or submitted up
    (报送) for the upper org to adopt (采用) into its own review chain or decline with a reason."""

    ORG_PATHS = (("to_path", "to_org"),)

    class Direction(models.TextChoices):
        DOWN = "down", "下发"
        UP = "up", "报送"

    class Status(models.TextChoices):
        WAITING = "waiting", "待处理"
        REPUBLISHED = "republished", "已转发"
        ADOPTED = "adopted", "已采用"
        DECLINED = "declined", "未采用"

    article = models.ForeignKey(Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="pool_items")
    direction = models.CharField("方向", max_length=5, choices=Direction.choices)
    from_org = models.ForeignKey("orgs.Organisation", verbose_name="发送单位", on_delete=models.PROTECT,
                                 related_name="+")
    to_org = models.ForeignKey("orgs.Organisation", verbose_name="接收单位", on_delete=models.PROTECT,
                               related_name="pool_items")
    to_path = models.CharField("接收单位路径", max_length=255, editable=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.WAITING)
    note = models.CharField("说明", max_length=200, blank=True)
    reason = models.CharField("未采用原因", max_length=200, blank=True)
    # The receiving org's own article made from it (a republication, or an adopted draft).
    copy = models.ForeignKey(Article, verbose_name="转发/采用稿件", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    sent_by = models.ForeignKey(USER, verbose_name="发送人", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    decided_by = models.ForeignKey(USER, verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "稿件库"
        verbose_name_plural = "稿件库"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "to_org", "direction"], name="pool_item_once"),
        ]
        indexes = [
            models.Index(fields=["to_path", "status"], name="pool_item_scope_idx"),
            models.Index(fields=["direction", "status", "decided_at"], name="pool_item_adoption_idx"),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.article_id} → {self.to_org_id}"


class ChannelMetric(models.Model):
    """One channel's figures for one day, from its adapter, an import of the platform's own export, or (the portal
    channel) the portal's read counter. The reach index and rankings are computed from these rows."""

    class Source(models.TextChoices):
        ADAPTER = "adapter", "平台接口"
        IMPORT = "import", "导入"
        PORTAL = "portal", "门户统计"

    channel = models.ForeignKey(Channel, verbose_name="渠道", on_delete=models.CASCADE, related_name="metrics")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    day = models.DateField("日期")
    articles = models.PositiveIntegerField("发文数", default=0)
    reads = models.PositiveIntegerField("阅读数", default=0)
    max_reads = models.PositiveIntegerField("单篇最高阅读数", default=0)
    likes = models.PositiveIntegerField("点赞数", default=0)
    shares = models.PositiveIntegerField("转发数", default=0)
    comments = models.PositiveIntegerField("评论数", default=0)
    followers = models.PositiveIntegerField("粉丝数", default=0)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.IMPORT)

    class Meta:
        verbose_name = "渠道数据"
        verbose_name_plural = "渠道数据"
        ordering = ["-day", "channel"]
        constraints = [models.UniqueConstraint(fields=["channel", "day"], name="channel_metric_once_a_day")]
        indexes = [models.Index(fields=["day", "org_path"], name="channel_metric_scope_idx")]

    def __str__(self):
        return f"{self.channel_id} {self.day}"


# Public-opinion watch (舆情监测): keyword rules per org over incoming items (portal comments, imported feeds, case
# descriptions), the hits they found, the feeds imported, and the portal's article comments (editorial/watch.py).


class WatchSource(models.TextChoices):
    """The kinds of incoming item a watch rule may read."""

    COMMENT = "comment", "文章评论"
    FEED = "feed", "订阅源"
    CASE = "case", "维权诉求"


class WatchRule(OrgPathMixin):
    """An org's keywords to watch for. It applies to the items of its org's whole subtree (an item belongs to an org
    path; every active rule whose org path is a prefix of it and that reads the item's kind matches)."""

    org = models.ForeignKey("orgs.Organisation", verbose_name="所属单位", on_delete=models.PROTECT,
                            related_name="watch_rules")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("规则名称", max_length=50)
    keywords = models.JSONField("监测关键词", default=list)
    exclusions = models.JSONField("排除词", default=list, blank=True,
                                  help_text="内容中含有任一排除词时，本规则不报告该条内容")
    sources = models.JSONField("监测范围", default=list)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(USER, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "监测规则"
        verbose_name_plural = "舆情监测规则"
        ordering = ["org_path", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="watch_rule_unique_name")]
        indexes = [models.Index(fields=["org_path", "active"], name="watch_rule_scope_idx")]

    def __str__(self):
        return self.name

    def sources_display(self) -> str:
        labels = dict(WatchSource.choices)
        return "、".join(labels.get(s, s) for s in self.sources)


class WatchHit(models.Model):
    """One keyword of a rule found in one incoming item, with where it stands in the item's original text. A scan
    of the same item again adds nothing (one row per rule, item and keyword)."""

    class Status(models.TextChoices):
        NEW = "new", "待处理"
        HANDLED = "handled", "已处理"

    rule = models.ForeignKey(WatchRule, verbose_name="监测规则", on_delete=models.CASCADE, related_name="hits")
    # The rule's org path (whose hit it is: the lists' scope); the item's own org path apart.
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    item_path = models.CharField("内容所属单位路径", max_length=255, default="", editable=False)
    source = models.CharField("来源", max_length=10, choices=WatchSource.choices)
    source_ref = models.CharField("来源编号", max_length=64)
    source_title = models.CharField("来源标题", max_length=200, blank=True)
    source_link = models.CharField("来源链接", max_length=500, blank=True)
    excerpt = models.CharField("内容摘录", max_length=300)
    keyword = models.CharField("命中关键词", max_length=50)
    start = models.PositiveIntegerField("起始位置")
    end = models.PositiveIntegerField("结束位置")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.NEW)
    handled_by = models.ForeignKey(USER, verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("处理说明", max_length=200, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        verbose_name = "舆情信息"
        verbose_name_plural = "舆情信息"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "source", "source_ref", "keyword"],
                                               name="watch_hit_once")]
        indexes = [models.Index(fields=["org_path", "-id"], name="watch_hit_scope_idx"),
                   # A scan asks which of an item's hits are kept already: by the item, whatever the planner makes
                   # of the rule ids (with one rule for the whole table SQLite scanned it, 2.8 ms at 16k hits).
                   models.Index(fields=["source", "source_ref"], name="watch_hit_item_idx"),
                   models.Index(fields=["status", "org_path"], name="watch_hit_status_idx")]

    def __str__(self):
        return f"{self.keyword} · {self.source_title}"


class FeedSource(OrgPathMixin):
    """An RSS 2.0 or Atom feed an org imports (fetched from its address, or uploaded as a file)."""

    org = models.ForeignKey("orgs.Organisation", verbose_name="所属单位", on_delete=models.PROTECT,
                            related_name="feed_sources")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    name = models.CharField("名称", max_length=50)
    url = models.URLField("订阅地址", max_length=500, blank=True, help_text="RSS 2.0 或 Atom 地址；只上传文件时可不填")
    active = models.BooleanField("定时抓取", default=True)
    last_fetched_at = models.DateTimeField("上次抓取时间", null=True, blank=True)
    last_error = models.CharField("上次抓取错误", max_length=300, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "订阅源"
        verbose_name_plural = "舆情订阅源"
        ordering = ["org_path", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="feed_source_unique_name")]
        indexes = [models.Index(fields=["org_path"], name="feed_source_scope_idx")]

    def __str__(self):
        return self.name


class FeedItem(models.Model):
    """One entry of a feed, kept once per guid (the entry's id, else its link)."""

    source = models.ForeignKey(FeedSource, verbose_name="订阅源", on_delete=models.CASCADE, related_name="items")
    guid = models.CharField("条目标识", max_length=255)
    title = models.CharField("标题", max_length=300)
    link = models.CharField("链接", max_length=500, blank=True)
    summary = models.TextField("摘要", blank=True)
    published = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "订阅条目"
        verbose_name_plural = "订阅条目"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["source", "guid"], name="feed_item_once")]

    def __str__(self):
        return self.title


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """The comments the portal shows, oldest first (article.comments.visible in the article's template)."""
        return self.filter(status=ArticleComment.Status.VISIBLE).select_related("author").order_by("id")


class ArticleComment(models.Model):
    """A worker's comment on a published article in the portal. A comment with a warn-level sensitive word is held
    for an editor; editors show or hide any comment."""

    class Status(models.TextChoices):
        VISIBLE = "visible", "已显示"
        HELD = "held", "待审核"
        HIDDEN = "hidden", "已隐藏"

    article = models.ForeignKey(Article, verbose_name="文章", on_delete=models.CASCADE, related_name="comments")
    org_path = models.CharField("单位路径", max_length=255, editable=False)
    author = models.ForeignKey(USER, verbose_name="评论人", on_delete=models.CASCADE, related_name="+")
    text = models.TextField("评论内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VISIBLE)
    # The warn-level words that held it, for the editor ("第3字“农民工”（不规范表述，提示）").
    flags = models.JSONField("提示词", default=list, blank=True)
    moderated_by = models.ForeignKey(USER, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    moderated_at = models.DateTimeField("审核时间", null=True, blank=True)
    created_at = models.DateTimeField("评论时间", auto_now_add=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = "文章评论"
        verbose_name_plural = "文章评论"
        ordering = ["-id"]
        indexes = [models.Index(fields=["article", "status"], name="comment_article_idx"),
                   models.Index(fields=["org_path", "status"], name="comment_scope_idx")]

    def __str__(self):
        return self.text[:30]

    def save(self, *args, **kwargs):
        if self.article_id and not self.org_path:
            self.org_path = self.article.org_path
        super().save(*args, **kwargs)

    @property
    def author_label(self) -> str:
        """The name the portal shows: the first character and stars (张**), never the full name or phone."""
        name = (getattr(self.author, "display_name", "") or "").strip()
        return f"{name[0]}**" if name and not name[0].isdigit() else "职工"
