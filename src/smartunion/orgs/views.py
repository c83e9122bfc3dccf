"""Regions as public reference data for the region cascader (core.widgets.RegionCascaderWidget): the children of a
region, and the chain above one. GB/T 2260 codes and township names are public; no log-in needed, cached by the
browser for an hour.

Each answer is one query: children from the index on `parent_id`, each with whether it has children of its own (an
EXISTS on the same index), so the cascader knows where to stop.
"""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef
from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from smartunion.orgs.models import Region
from smartunion.orgs.regions import region_chain

_CODE = re.compile(r"\d{6}(\d{3}){0,2}")
UTF8 = {"ensure_ascii": False}


def _bad_code() -> JsonResponse:
    return JsonResponse({"code": "invalid", "message": "行政区划代码应为6、9或12位数字"}, status=400,
                        json_dumps_params=UTF8)


@require_GET
@cache_control(public=True, max_age=3600)
def region_children(request):
    """GET ?parent=<code>: the regions directly below it (the provinces when empty), in code order."""
    parent = request.GET.get("parent", "").strip()
    if parent and not _CODE.fullmatch(parent):
        return _bad_code()
    rows = (Region.objects.filter(parent_id=parent) if parent else Region.objects.filter(parent__isnull=True))
    rows = rows.annotate(has_children=Exists(Region.objects.filter(parent_id=OuterRef("pk")))).order_by("code")
    items = [{"code": r.code, "name": r.name, "level": r.level, "has_children": r.has_children} for r in rows]
    return JsonResponse({"parent": parent, "items": items}, json_dumps_params=UTF8)


@require_GET
@cache_control(public=True, max_age=3600)
def region_path(request):
    """GET ?code=<code>: the region and every region above it, the province first (empty when unknown)."""
    code = request.GET.get("code", "").strip()
    if not _CODE.fullmatch(code):
        return _bad_code()
    codes = region_chain(code)
    names = {r.code: r for r in Region.objects.filter(code__in=codes)}
    chain = [{"code": c, "name": names[c].name, "level": names[c].level} for c in reversed(codes) if c in names]
    return JsonResponse({"code": code, "chain": chain}, json_dumps_params=UTF8)
