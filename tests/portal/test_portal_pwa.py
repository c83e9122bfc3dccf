"""The installable portal: web app manifest (named after the channel), icons drawn as PNG, the service worker served
from the root, the offline page."""

from __future__ import annotations

import json
import struct
import zlib

import pytest
from tests.conftest import console_client

from smartunion.portal import pwa


def test_manifest_names_the_channel_and_has_what_an_install_needs(client, subsites):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    manifest = json.loads(response.content)
    assert manifest == {
        "name": "齐鲁工会", "short_name": "齐鲁工会", "description": "齐鲁工会：入会、会籍、电子会员证等工会服务",
        "lang": "zh-CN", "id": "/", "start_url": "/", "scope": "/", "display": "standalone", "orientation": "portrait",
        "theme_color": "#c8161d", "background_color": "#f5f5f7",
        "icons": [
            {"src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
            {"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }


def test_a_jinan_worker_installs_the_city_channel(subsites, personas):
    manifest = json.loads(console_client(personas.worker).get("/manifest.webmanifest").content)
    assert (manifest["name"], manifest["short_name"]) == ("泉城工会", "泉城工会")


def test_without_any_subsite_the_platform_name(client, db):
    assert json.loads(client.get("/manifest.webmanifest").content)["name"] == "智慧工会"


def png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    return width, height, zlib.decompress(chunks[b"IDAT"])


@pytest.mark.parametrize("size", [192, 512])
def test_icons_are_pngs_of_their_size(client, db, size):
    response = client.get(f"/icons/icon-{size}.png")
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    width, height, raw = png_size_and_pixels(response.content)
    assert (width, height, len(raw)) == (size, size, size * (size * 3 + 1))
    row = raw[(size // 2) * (size * 3 + 1) + 1:][:size * 3]  # the middle row: red, the white stem of 工, red
    assert row[:3] == b"\xc8\x16\x1d" and row[size // 2 * 3:size // 2 * 3 + 3] == b"\xff\xff\xff"


def test_other_icon_sizes_are_not_found(client, db):
    assert client.get("/icons/icon-64.png").status_code == 404


def test_service_worker_is_served_from_the_root_with_the_shell_to_keep(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    text = response.content.decode()
    assert f'var VERSION = "{pwa.shell_version()}";' in text
    assert ('var SHELL = ["/static/portal/app.css", "/static/portal/app.js", "/static/portal/card.js", '
            '"/icons/icon-192.png", "/icons/icon-512.png", "/offline/"];') in text
    assert 'var PAGES = ["/", "/me/", "/me/card/"];' in text
    assert 'var LOGOUT = "/logout/";' in text


def test_every_page_links_the_manifest_and_loads_app_js(client, db):
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<script src="/static/portal/app.js" defer></script>' in html


def test_offline_page(client, db):
    html = client.get("/offline/").content.decode()
    assert "<h1>网络不可用</h1>" in html
    assert "会员证二维码需要联网获取新的核验码" in html


def test_the_card_page_carries_the_offline_notice_for_card_js(personas):
    html = console_client(personas.worker).get("/me/card/").content.decode()
    assert ('<p id="card-qr-offline" class="offline" role="status" hidden>当前没有网络：二维码需要联网获取新的核验码'
            '才能使用，联网后自动刷新。</p>') in html
