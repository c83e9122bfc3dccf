"""Installable portal: the web app manifest (named after the visitor's subsite), its icons (PNG drawn here, no image
file to ship or fetch) and the service worker, served from the root so that its scope is the whole portal.

The service worker (templates/portal/sw.js) keeps the shell (stylesheet, scripts, icons, the offline page) and the
last card page, home and 我的 a signed-in worker opened, so that on a weak signal they still open; the card page then
says that its QR needs the network for a fresh token (static/portal/card.js). Log-out empties the pages it kept.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from smartunion.portal.subsite import brand

THEME = "#c8161d"
BACKGROUND = "#f5f5f7"
ICON_SIZES = (192, 512)
# What the service worker keeps at install: the shell every page needs.
SHELL_STATIC = ("portal/app.css", "portal/app.js", "portal/card.js")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=len(ICON_SIZES))
def icon_png(size: int) -> bytes:
    """The app icon: the character 工 drawn as three white bars on the theme's red, full bleed (a maskable icon:
    the glyph stays inside the central safe zone)."""
    red, white = bytes(_rgb(THEME)), b"\xff\xff\xff"
    bars = [(0.30, 0.70, 0.28, 0.36), (0.455, 0.545, 0.36, 0.64), (0.24, 0.76, 0.64, 0.72)]  # x0, x1, y0, y1
    rows = []
    for y in range(size):
        fy = (y + 0.5) / size
        spans = [(round(x0 * size), round(x1 * size)) for x0, x1, y0, y1 in bars if y0 <= fy < y1]
        row = bytearray(red * size)
        for start, end in spans:
            row[start * 3:end * 3] = white * (end - start)
        rows.append(b"\x00" + bytes(row))  # filter type 0 per scanline
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


@require_GET
@cache_control(max_age=86400, public=True)
def icon(request, size: int):
    if size not in ICON_SIZES:
        raise Http404
    return HttpResponse(icon_png(size), content_type="image/png")


def manifest_data(request) -> dict:
    name = brand(request)
    return {
        "name": name,
        "short_name": name,
        "description": f"{name}：入会、会籍、电子会员证等工会服务",
        "lang": "zh-CN",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [{"src": reverse("portal:icon", args=[size]), "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": "any maskable"} for size in ICON_SIZES],
    }


@require_GET
@cache_control(max_age=300, private=True)
def manifest(request):
    body = json.dumps(manifest_data(request), ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type="application/manifest+json; charset=utf-8")


@lru_cache(maxsize=1)
def shell_version() -> str:
    """Changes whenever a file of the shell changes, so that a new service worker replaces the old cache."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    digest.update(json.dumps(ICON_SIZES).encode())
    return digest.hexdigest()[:12]


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    shell = [static(name) for name in SHELL_STATIC]
    shell += [reverse("portal:icon", args=[size]) for size in ICON_SIZES] + [reverse("portal:offline")]
    response = render(request, "portal/sw.js", {
        "version": shell_version(), "shell": json.dumps(shell),
        "pages": json.dumps([reverse("portal:home"), reverse("portal:me"), reverse("portal:card")]),
        "static_prefix": json.dumps(static("")), "logout": json.dumps(reverse("portal:logout")),
        "offline": json.dumps(reverse("portal:offline")),
    }, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    """What the service worker shows for a page it has not kept when there is no network."""
    return render(request, "portal/offline.html")
