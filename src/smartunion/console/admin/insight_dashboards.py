"""Console pages of the data platform: dashboards (数据看板) and the big screen (大屏).

/console/insight/dashboard/ opens on the cadre's top org (?org=<id> for an org of their scope; any other answers
404): the headline figures of a month, 12-month trend charts, a schematic map of the children coloured by a chosen
figure (tiles laid out by region code — no map tiles, nothing from the network), and the table of the children with
every figure, each child a link one level down (province → city → county → township → grassroots). Every table
shown exports as .xlsx (?export=children|trend). /console/insight/screen/ is the same org for a wall display: dark,
large type, reloading itself every REFRESH_SECONDS.

Everything is read from the roll-ups (insight.queries.dashboards): a fixed number of queries whatever the number of
children. Charts: Chart.js as the console theme ships it (unfold/js/chart/chart.js), driven by
console/insight_dash.js from data-* attributes (the CSP forbids inline scripts).

The pages hang on a read-only ModelAdmin of insight.Figure (its list redirects to the dashboard), so the console's
PAGE_RULES entry "insight.figure" decides who may open them.
"""

from __future__ import annotations

import json
import math

from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from unfold.admin import ModelAdmin

from smartunion.console.excel import workbook_response
from smartunion.console.site import console_site
from smartunion.core.audit import log_event
from smartunion.core.errors import NotFound
from smartunion.insight.figures import BY_KEY, RATE_BY_KEY, format_value, label, last_months, month_of
from smartunion.insight.models import Figure
from smartunion.insight.queries import dashboards as q

REFRESH_SECONDS = 60
MAP_MAX_TILES = 400
EXPORT_MAX_CHILDREN = 20_000
PALETTE = ["#fde0d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"]
EMPTY = "#eceff3"
# Schematic positions (column, row) of the demo province's cities (山东, by the first four digits of the region
# code): roughly where they lie, so the tiles read like the province. Other trees fall back to a grid by code.
CITY_GRID = {
    "3714": (1, 0), "3716": (2, 0), "3705": (3, 0), "3706": (5, 0), "3710": (6, 0),
    "3715": (0, 1), "3701": (1, 1), "3703": (2, 1), "3707": (3, 1), "3702": (5, 1),
    "3717": (0, 2), "3709": (1, 2), "3708": (0, 3), "3713": (3, 2), "3711": (4, 2), "3704": (2, 3),
    "3712": (2, 2),
}
CHARTS = [
    ("会员", ["members", "gig_members"]),
    ("会员变动", ["joins", "transfers_in", "transfers_out"]),
    ("普惠服务", ["participations", "coupons_claimed", "coupons_redeemed"]),
    ("维权服务", ["cases_received", "cases_closed", "cases_closed_on_time"]),
]


def _cell(key: str, value) -> str:
    return format_value(key, value)


def _excel_value(key: str, value):
    """A figure as an Excel cell: counts as numbers, money in yuan, rates as their shown text."""
    if key in RATE_BY_KEY:
        return format_value(key, value)
    if BY_KEY[key].money:
        return round((value or 0) / 100, 2)
    return value or 0


def _columns(keys):
    return [{"key": k, "label": label(k), "unit": "元" if k in BY_KEY and BY_KEY[k].money else "",
             "definition": (BY_KEY[k].definition if k in BY_KEY else RATE_BY_KEY[k].definition)} for k in keys]


def _map_tiles(kids: list[q.OrgFigures], key: str, *, link) -> dict:
    """Tiles of the children (x, y, fill, name, value, link) for the SVG, coloured by `key` in five classes of its
    maximum, and the legend."""
    shown = kids[:MAP_MAX_TILES]
    # City-level codes only (3701 of 370100): a county's code starts with its city's digits too.
    codes = [(k.org.region_id or "")[:4] if _is_city_code(k.org.region_id) else "" for k in shown]
    use_grid = bool(shown) and all(c in CITY_GRID for c in codes) and len(set(codes)) == len(codes)
    values = [k.get(key) or 0 for k in shown]
    top = max(values) if values else 0
    cols = max(1, math.ceil(math.sqrt(len(shown) * 1.6))) if not use_grid else 7
    size, gap = 112, 8
    tiles = []
    for i, (kid, value) in enumerate(zip(shown, values, strict=True)):
        col, row = CITY_GRID[codes[i]] if use_grid else (i % cols, i // cols)
        klass = 0 if not value or not top else min(4, int(5 * value / top - 1e-9))
        fill = PALETTE[klass] if value else EMPTY
        tiles.append({"x": col * (size + gap), "y": row * (size + gap), "w": size, "h": size, "fill": fill,
                      "dark": value and klass >= 3, "name": _tile_name(kid.org), "full_name": kid.org.name,
                      "value": _cell(key, value),
                      "url": link(kid.org), "id": kid.org.pk})
    rows = 1 + max((t["y"] for t in tiles), default=0) // (size + gap)
    width = (max((t["x"] for t in tiles), default=0) + size) if tiles else size
    legend = []
    if top:
        for i, colour in enumerate(PALETTE):
            low, high = top * i / 5, top * (i + 1) / 5
            legend.append({"fill": colour, "text": f"{_cell(key, int(low))}—{_cell(key, int(high))}"})
    return {"tiles": tiles, "width": width, "height": rows * (size + gap), "legend": legend,
            "cut": max(0, len(kids) - len(shown)), "empty": EMPTY}


def _tile_name(org) -> str:
    """A federation's tile is named by its region (历下区), any other org by its own name."""
    return org.region.name if org.is_federation and org.region_id else org.name


def _is_city_code(code: str | None) -> bool:
    return bool(code) and len(code) == 6 and code.endswith("00") and not code.endswith("0000")


def _chart_data(months, series, keys, *, dark=False) -> str:
    colours = ["#c0392b", "#2563eb", "#16a34a", "#d97706"]
    return json.dumps({
        "labels": [f"{m:%Y-%m}" for m in months],
        "datasets": [{"label": label(k), "data": [series[m].get(k) or 0 for m in months], "color": colours[i]}
                     for i, k in enumerate(keys)],
        "dark": dark,
    }, ensure_ascii=False)


class FigureAdmin(ModelAdmin):
    """insight.Figure: no list of its own (the rows are the job's); the pages below read them."""

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("console:insight_dashboard"))

    # The pages -------------------------------------------------------------------------------------------------

    def _org(self, request):
        try:
            return q.dashboard_org(request.user, request.GET.get("org"))
        except NotFound:
            raise Http404(q.NOT_FOUND) from None

    def dashboard_view(self, request):
        org = self._org(request)
        today = timezone.localdate()
        month = min(q.parse_month(request.GET.get("month"), default=month_of(today)), month_of(today))
        key = request.GET.get("key") if request.GET.get("key") in q.MAP_KEYS else "members"
        search = (request.GET.get("q") or "").strip()[:50]
        try:
            page = max(1, int(request.GET.get("p") or 1))
        except ValueError:
            page = 1
        export = request.GET.get("export")
        months, series = q.trend(org, until=month)
        if export == "trend":
            return self._export_trend(request, org, months, series)
        if export == "children":
            kids, _ = q.children(org, month, search=search, page_size=EXPORT_MAX_CHILDREN)
            return self._export_children(request, org, month, kids, search)
        kids, total = q.children(org, month, search=search, page=page)
        base = {"month": f"{month:%Y-%m}", "key": key}

        def link(target, **extra):
            return "?" + urlencode({"org": target.pk, **base, **extra})

        current = series[month]
        live = month == month_of(today)
        headline = [{"key": "members", "label": "会员总数" + ("（实时）" if live else "（月末）"),
                     "value": _cell("members", org.subtree_member_count if live else current.get("members"))},
                    {"key": "gig_members", "label": "新就业形态会员" + ("（实时）" if live else "（月末）"),
                     "value": _cell("gig_members",
                                    org.subtree_gig_member_count if live else current.get("gig_members"))}]
        headline += [{"key": k, "label": label(k) + ("（元）" if k in BY_KEY and BY_KEY[k].money else ""),
                      "value": _cell(k, current.get(k))} for k in q.HEADLINE_KEYS]
        pages = max(1, math.ceil(total / q.CHILDREN_PAGE))
        context = {
            **console_site.each_context(request),
            "title": f"数据看板：{org.name}",
            "org": org, "crumbs": [(o, link(o)) for o in q.breadcrumbs(request.user, org)],
            "month": month, "month_value": f"{month:%Y-%m}",
            "month_options": [(f"{m:%Y-%m}", f"{m.year}年{m.month}月", m == month)
                              for m in reversed(last_months(24, until=today))],
            "key": key, "search": search, "live": live,
            "headline": headline,
            "map_keys": [{"key": k, "label": label(k), "selected": k == key} for k in q.MAP_KEYS],
            "map": _map_tiles(kids, key, link=link), "map_label": label(key),
            "columns": _columns(q.TABLE_KEYS),
            "rows": [{"org": k.org, "url": link(k.org), "cells": [_cell(c, k.get(c)) for c in q.TABLE_KEYS]}
                     for k in kids],
            "total": total, "page": page, "pages": pages,
            "prev_url": link(org, p=page - 1, q=search) if page > 1 else "",
            "next_url": link(org, p=page + 1, q=search) if page < pages else "",
            "charts": [(title, _chart_data(months, series, keys)) for title, keys in CHARTS],
            "trend_columns": _columns(q.TABLE_KEYS),
            "trend_rows": [{"month": m, "cells": [_cell(c, series[m].get(c)) for c in q.TABLE_KEYS]}
                           for m in months],
            "export_children": link(org, export="children", q=search),
            "export_trend": link(org, export="trend"),
            "screen_url": reverse("console:insight_screen") + f"?org={org.pk}&key={key}",
            "run": q.last_run(),
        }
        return TemplateResponse(request, "console/insight_dashboard.html", context)

    def screen_view(self, request):
        org = self._org(request)
        today = timezone.localdate()
        month = month_of(today)
        key = request.GET.get("key") if request.GET.get("key") in q.MAP_KEYS else "members"
        months, series = q.trend(org, until=month)
        kids, _ = q.children(org, month)
        current = series[month]

        def link(target):
            return "?" + urlencode({"org": target.pk, "key": key})

        headline = [("会员总数", _cell("members", org.subtree_member_count)),
                    ("新就业形态会员", _cell("gig_members", org.subtree_gig_member_count))]
        headline += [(label(k) + ("（元）" if k in BY_KEY and BY_KEY[k].money else ""), _cell(k, current.get(k)))
                     for k in ("joins", "participations", "cases_received", "cases_on_time_rate",
                               "satisfaction_avg", "assistance_paid_fen")]
        ranking = sorted(kids, key=lambda k: -(k.get(key) or 0))[:10]
        context = {
            "title": f"{org.name}数据大屏", "org": org, "month": month, "refresh": REFRESH_SECONDS,
            "headline": headline, "map": _map_tiles(kids, key, link=link), "map_label": label(key),
            "charts": [(title, _chart_data(months, series, keys, dark=True)) for title, keys in CHARTS[:2]],
            "ranking": [(k.org.name, _cell(key, k.get(key))) for k in ranking], "now": timezone.localtime(),
            "dashboard_url": reverse("console:insight_dashboard") + f"?org={org.pk}",
        }
        return TemplateResponse(request, "console/insight_screen.html", context)

    # Exports ---------------------------------------------------------------------------------------------------

    def _export_children(self, request, org, month, kids, search):
        headers = ["单位", "类型", "行政区划"] + [c["label"] + (f"（{c['unit']}）" if c["unit"] else "")
                                             for c in _columns(q.TABLE_KEYS)]
        rows = [[k.org.name, k.org.get_kind_display(), k.org.region.name if k.org.region_id else ""]
                + [_excel_value(c, k.get(c)) for c in q.TABLE_KEYS] for k in kids]
        log_event("insight.dashboard.export", actor=request.user, target=org, org=org,
                  data={"table": "children", "month": f"{month:%Y-%m}", "rows": len(rows), "search": search})
        return workbook_response(f"{org.name}下级单位统计{month:%Y年%m月}.xlsx", headers, rows, title="下级单位")

    def _export_trend(self, request, org, months, series):
        headers = ["月份"] + [c["label"] + (f"（{c['unit']}）" if c["unit"] else "") for c in _columns(q.TABLE_KEYS)]
        rows = [[f"{m:%Y-%m}"] + [_excel_value(c, series[m].get(c)) for c in q.TABLE_KEYS] for m in months]
        log_event("insight.dashboard.export", actor=request.user, target=org, org=org,
                  data={"table": "trend", "month": f"{months[-1]:%Y-%m}", "rows": len(rows), "search": ""})
        return workbook_response(f"{org.name}近12个月统计.xlsx", headers, rows, title="月度趋势")


console_site.register(Figure, FigureAdmin)
_figures = FigureAdmin(Figure, console_site)  # the two pages' views, on an instance of the registered class
console_site.register_page("insight/dashboard/", _figures.dashboard_view, name="insight_dashboard")
console_site.register_page("insight/screen/", _figures.screen_view, name="insight_screen")
