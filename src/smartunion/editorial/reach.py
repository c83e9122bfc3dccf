"""Reach of the orgs' channels: the reach index (传播力指数) of a channel over a period, and the ranking of every
channel under an org by it, per month and level (docs/editorial-reach.md states the formula).

The index follows the structure of the WCI (V14.2) that the public new-media rankings use, on the figures every
platform's export has per day (reads, likes, shares, comments; no "headline" figures):

    part(x) = 0.70·ln(reads_x + 1) + 0.09·ln(10·comments_x + 1) + 0.06·ln(10·likes_x + 1) + 0.15·ln(10·shares_x + 1)
    O = part(per day)            the whole period's figures divided by its days d
    A = part(per article)        divided by the articles n (0 when nothing was posted)
    P = 0.70·ln(max_reads + 1)   the best single article's reads (the other peak figures are not exported)
    index = (0.7·O + 0.2·A + 0.1·P)² × 12

Rankings read ChannelMetric rows with one grouped query over the month (channel, org, level) and compute the index
in Python per channel: a month of a province's channels is a few thousand rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Max, Sum

from smartunion.editorial.models import Channel, ChannelMetric
from smartunion.orgs.models import Organisation, subtree_q

WEIGHTS = {"reads": 0.70, "comments": 0.09, "likes": 0.06, "shares": 0.15}


@dataclass(frozen=True)
class Figures:
    days: int
    articles: int
    reads: int
    likes: int
    shares: int
    comments: int
    max_reads: int
    followers: int = 0


def _part(reads: float, comments: float, likes: float, shares: float) -> float:
    return (WEIGHTS["reads"] * math.log(reads + 1) + WEIGHTS["comments"] * math.log(10 * comments + 1)
            + WEIGHTS["likes"] * math.log(10 * likes + 1) + WEIGHTS["shares"] * math.log(10 * shares + 1))


def reach_index(f: Figures) -> float:
    """The index of one channel over a period (see the module docstring); 0 for a period without figures."""
    if f.days <= 0:
        return 0.0
    overall = _part(f.reads / f.days, f.comments / f.days, f.likes / f.days, f.shares / f.days)
    per_article = (_part(f.reads / f.articles, f.comments / f.articles, f.likes / f.articles,
                         f.shares / f.articles) if f.articles else 0.0)
    peak = WEIGHTS["reads"] * math.log(f.max_reads + 1)
    return round((0.7 * overall + 0.2 * per_article + 0.1 * peak) ** 2 * 12, 2)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def ranking(root: Organisation, *, year: int, month: int, kind: str | None = None,
            org_kind: str | None = None) -> list[dict]:
    """Every channel of root's subtree (optionally of one platform, and of orgs of one level) by reach index for
    the month, best first, with the figures behind it."""
    first, last = month_bounds(year, month)
    days = (last - first).days + 1
    rows = ChannelMetric.objects.filter(day__gte=first, day__lte=last).filter(subtree_q(root.path, "org_path"))
    if kind:
        rows = rows.filter(channel__kind=kind)
    if org_kind:
        rows = rows.filter(channel__org__kind=org_kind)
    grouped = (rows.values("channel_id", "channel__name", "channel__kind", "channel__org__name")
               .annotate(n_days=Count("id"), articles=Sum("articles"), reads=Sum("reads"), likes=Sum("likes"),
                         shares=Sum("shares"), comments=Sum("comments"), max_reads=Max("max_reads"),
                         followers=Max("followers")))
    kinds = dict(Channel.Kind.choices)
    result: list[dict] = []
    for row in grouped:
        figures = Figures(days=days, articles=row["articles"] or 0, reads=row["reads"] or 0,
                          likes=row["likes"] or 0, shares=row["shares"] or 0, comments=row["comments"] or 0,
                          max_reads=row["max_reads"] or 0, followers=row["followers"] or 0)
        result.append({"channel_id": row["channel_id"], "channel": row["channel__name"],
                       "kind": kinds.get(row["channel__kind"], row["channel__kind"]), "org": row["channel__org__name"],
                       "index": reach_index(figures), "reads": figures.reads, "articles": figures.articles,
                       "likes": figures.likes, "shares": figures.shares, "comments": figures.comments,
                       "followers": figures.followers, "days_reported": row["n_days"]})
    result.sort(key=lambda r: (-r["index"], -r["reads"], r["channel"]))
    for rank, entry in enumerate(result, start=1):
        entry["rank"] = rank
    return result
