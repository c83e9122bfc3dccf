"""City subsites (城市分站) of the worker portal: each federation sets what its workers see on the portal home.

Named "subsite", not "channel": 渠道 (channel) is the new-media outlet an article is published to (docs/glossary.md).
"""

from django.db import models

from smartunion.orgs.models import Organisation


class Subsite(models.Model):
    """A federation's subsite of the worker portal: name, banner, notices, order of the service grid."""

    org = models.OneToOneField(Organisation, verbose_name="所属总工会", on_delete=models.CASCADE,
                               related_name="subsite")
    name = models.CharField("分站名称", max_length=50)
    banner_title = models.CharField("横幅标题", max_length=100, blank=True)
    banner_text = models.CharField("横幅说明", max_length=200, blank=True)
    service_order = models.JSONField("服务排序", default=list, blank=True,
                                     help_text="服务代码的顺序，例如 [\"directory\", \"notices\", \"me\"]")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "城市分站"
        verbose_name_plural = "城市分站"

    def __str__(self):
        return self.name


class Notice(models.Model):
    """A short notice on a subsite's home page."""

    subsite = models.ForeignKey(Subsite, verbose_name="城市分站", on_delete=models.CASCADE, related_name="notices")
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文", blank=True)
    published_at = models.DateTimeField("发布时间")
    pinned = models.BooleanField("置顶", default=False)

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"
        ordering = ["-pinned", "-published_at"]

    def __str__(self):
        return self.title
