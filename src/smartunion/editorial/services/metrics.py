"""Channel figures in: one day from an adapter or a person, or the platform's own export imported as rows.

`fetch_channel_metrics` asks every active channel whose adapter offers `fetch_metrics` (WeChat, Weibo) for one
day's figures and saves them with source "adapter". A day already imported from the platform's own export is kept
as imported: the export is the account's complete figures (the APIs lack some: Weibo's reads, WeChat's likes), and a
person's import wins over the nightly job. A channel whose platform fails is reported and the others carry on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from smartunion.core.actors import is_system, require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.xlsx import parse_date
from smartunion.editorial.channels import ChannelError, adapter_for
from smartunion.editorial.models import Channel, ChannelMetric
from smartunion.orgs.queries import in_scope

FIGURES = ("articles", "reads", "max_reads", "likes", "shares", "comments", "followers")
# The platforms' own column names for the same figures (公众号后台, 微博, 头条号 exports), first match wins.
COLUMNS = {
    "day": ("日期", "时间", "统计日期"),
    "articles": ("发文数", "发布数", "群发篇数", "发文量"),
    "reads": ("阅读数", "阅读量", "阅读次数", "展现量"),
    "max_reads": ("单篇最高阅读数", "最高阅读数"),
    "likes": ("点赞数", "点赞量", "赞"),
    "shares": ("转发数", "分享数", "分享次数", "转发量"),
    "comments": ("评论数", "评论量", "留言数"),
    "followers": ("粉丝数", "总用户数", "累积关注人数", "粉丝量"),
}
MAX_IMPORT_ROWS = 3660


def _may(by, channel: Channel) -> None:
    require_actor(by)
    if not is_system(by) and not in_scope(by, channel.org):
        raise Forbidden("只能维护本单位及下级单位渠道的数据")


def _number(value, name: str, errors: list[str]) -> int:
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    if text in ("", "-"):
        return 0
    if text.endswith("万") and text[:-1].replace(".", "", 1).isdigit():
        return int(float(text[:-1]) * 10000)
    try:
        number = float(text)
    except ValueError:
        errors.append(f"{name}“{text}”不是数字")
        return 0
    if number < 0 or number != int(number):
        errors.append(f"{name}应为非负整数")
        return 0
    return int(number)


def record_day(channel: Channel, *, by, day: dt.date, source: str = ChannelMetric.Source.ADAPTER,
               **figures) -> ChannelMetric:
    """Set one day's figures of a channel (a later report of the same day replaces the earlier one)."""
    _may(by, channel)
    errors: list[str] = []
    labels = {f.name: str(f.verbose_name) for f in ChannelMetric._meta.fields}
    values = {name: _number(figures.get(name, 0), labels[name], errors) for name in FIGURES}
    if errors:
        raise Invalid("；".join(errors))
    metric, _ = ChannelMetric.objects.update_or_create(
        channel=channel, day=day, defaults={**values, "org_path": channel.org_path, "source": source})
    return metric


@dataclass
class MetricImport:
    saved: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def import_rows(channel: Channel, rows: Iterable[list], *, by) -> MetricImport:
    """Rows of a platform export, the first being its header (matched by COLUMNS). Bad lines are reported and
    skipped; the good ones are saved (a day already recorded is replaced)."""
    _may(by, channel)
    rows = iter(rows)
    header = [str(c or "").strip() for c in next(rows, [])]
    positions = {}
    for name, names in COLUMNS.items():
        for index, title in enumerate(header):
            if title in names:
                positions[name] = index
                break
    if "day" not in positions or "reads" not in positions:
        raise Invalid("表头应包含“日期”和“阅读数”列（可选：发文数、点赞数、转发数、评论数、粉丝数、单篇最高阅读数）")
    report = MetricImport()
    good: list[tuple[dt.date, dict]] = []
    labels = {f.name: str(f.verbose_name) for f in ChannelMetric._meta.fields}
    for line, row in enumerate(rows, start=2):
        if line > MAX_IMPORT_ROWS + 1:
            report.rejected.append((line, f"一次最多导入 {MAX_IMPORT_ROWS} 天"))
            break
        cells = list(row) + [None] * (len(header) - len(row))
        if not any(str(c or "").strip() for c in cells):
            continue
        raw = cells[positions["day"]]
        day = raw.date() if isinstance(raw, dt.datetime) else raw if isinstance(raw, dt.date) else parse_date(
            raw, digits_are_serial=True)
        errors: list[str] = [] if day else ["日期无法识别"]
        values = {name: _number(cells[positions[name]], labels[name], errors) if name in positions else 0
                  for name in FIGURES}
        if errors or day is None:
            report.rejected.append((line, "；".join(errors)))
            continue
        good.append((day, values))
    with transaction.atomic():
        for day, values in good:
            ChannelMetric.objects.update_or_create(channel=channel, day=day, defaults={
                **values, "org_path": channel.org_path, "source": ChannelMetric.Source.IMPORT})
        report.saved = len(good)
        log_event("editorial.channel.import_metrics", actor=by, target=channel, org=channel.org,
                  data={"saved": report.saved, "rejected": len(report.rejected)})
    return report


logger = logging.getLogger(__name__)


@dataclass
class MetricFetch:
    saved: int = 0  # days written (new, or changed since the last fetch)
    unchanged: int = 0  # the platform reported what was saved already
    kept_imported: int = 0  # days imported from an export, left as they are
    failed: list[tuple[str, str]] = field(default_factory=list)  # (channel, the platform's message)


def fetch_channel_metrics(*, day: dt.date, by, channels: Iterable[Channel] | None = None) -> MetricFetch:
    """One day's figures of every active channel whose adapter can fetch them (or of the given channels): safe to
    run twice (the second run finds the same figures and changes nothing)."""
    require_actor(by)
    if not is_system(by):
        raise Forbidden("只有系统任务可以从平台接口批量获取渠道数据")
    report = MetricFetch()
    chosen = channels if channels is not None else Channel.objects.filter(active=True).order_by("id")
    for channel in chosen:
        fetch = getattr(adapter_for(channel.kind), "fetch_metrics", None)
        if fetch is None:
            continue
        existing = ChannelMetric.objects.filter(channel=channel, day=day).first()
        if existing is not None and existing.source == ChannelMetric.Source.IMPORT:
            report.kept_imported += 1
            continue
        try:
            figures = fetch(channel, day)
        except ChannelError as exc:
            report.failed.append((channel.name, exc.message))
            logger.warning("channel %s: figures of %s not fetched: %s", channel.pk, day, exc.message)
            continue
        if figures is None:
            continue
        values = {name: max(0, int(getattr(figures, name, 0) or 0)) for name in FIGURES}
        if existing is not None and existing.source == ChannelMetric.Source.ADAPTER and all(
                getattr(existing, name) == value for name, value in values.items()):
            report.unchanged += 1
            continue
        with transaction.atomic():
            metric, created = ChannelMetric.objects.get_or_create(channel=channel, day=day, defaults={
                **values, "org_path": channel.org_path, "source": ChannelMetric.Source.ADAPTER})
            if not created:
                if metric.source == ChannelMetric.Source.IMPORT:  # imported while we were asking the platform
                    report.kept_imported += 1
                    continue
                ChannelMetric.objects.filter(pk=metric.pk).update(**values, source=ChannelMetric.Source.ADAPTER)
        report.saved += 1
    return report
