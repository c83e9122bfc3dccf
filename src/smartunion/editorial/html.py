"""The article body: HTML from the editor, sanitised to a small set of tags (nh3, the Rust ammonia sanitiser), and its
plain text (for the sensitive-word check, search and the revision diff).

Images are the deployment's own uploads only: an <img> is kept when its src lies under settings.MEDIA_URL (the
images the editor uploaded, editorial/services/articles.py `store_body_image`); any other src (another site, data:,
javascript:) removes the image. The editor (Trix) wraps an image in <figure> with its caption in <figcaption> and
its own description in data-trix-* attributes (kept, checked the same way, so the editor can open the body again
with the images as images)."""

from __future__ import annotations

import html
import json
import re

import nh3
from django.conf import settings

TAGS = {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "del", "blockquote", "ul", "ol", "li",
        "a", "img", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "hr", "span", "div", "pre"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"},
              "figure": {"class", "data-trix-attachment", "data-trix-content-type", "data-trix-attributes"},
              "figcaption": {"class"}}
# Links: the web and this site only (no javascript:, no data: URLs). Images: this site's uploads only (below).
URL_SCHEMES = {"http", "https", "mailto"}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
# What the editor says about an attachment (data-trix-attachment), and about its caption (data-trix-attributes).
_ATTACHMENT_KEYS = {"contentType": str, "filename": str, "filesize": int, "width": int, "height": int, "url": str,
                    "href": str}
_ATTACHMENT_ATTRIBUTES = {"caption": str, "presentation": str}
_CLASSES = {"figure": re.compile(r"attachment(--[a-z0-9]+)?"), "figcaption": re.compile(r"attachment__caption")}
_MEDIA_PATH = re.compile(r"[A-Za-z0-9_\-./]+")
_QUOTED_TAG = r'(?:\s+[^\s"\'<>/=]+(?:="[^"]*")?)*\s*/?>'  # nh3's output: every attribute value in double quotes
_IMG = re.compile(r"<img" + _QUOTED_TAG)
_SRC = re.compile(r'\ssrc="')
_EMPTY = re.compile(r"<(a|figure)" + _QUOTED_TAG + r"</\1>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|div|tr|figure|figcaption|pre)>|<br\s*/?>|<hr\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def is_own_media(url: str) -> bool:
    """A URL of one of the deployment's uploads: under MEDIA_URL, a plain path (no "..", query or odd characters)."""
    media = settings.MEDIA_URL
    if not media or not url.startswith(media):
        return False
    rest = url[len(media):]
    return bool(rest) and bool(_MEDIA_PATH.fullmatch(rest)) and ".." not in rest and "//" not in rest


def _json_object(value: str) -> dict | None:
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _filtered(data: dict, allowed: dict) -> dict:
    return {key: data[key] for key, kind in allowed.items()
            if key in data and isinstance(data[key], kind) and not isinstance(data[key], bool)}


def _attribute(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: None drops the attribute."""
    if element == "img" and attribute == "src":
        return value if is_own_media(value) else None
    if element == "figure" and attribute == "data-trix-attachment":
        data = _json_object(value)
        if data is None or not is_own_media(str(data.get("url", ""))):
            return None
        if "href" in data and not is_own_media(str(data["href"])):
            return None
        if data.get("contentType") not in IMAGE_TYPES:
            return None
        return json.dumps(_filtered(data, _ATTACHMENT_KEYS), ensure_ascii=False, separators=(",", ":"))
    if element == "figure" and attribute == "data-trix-content-type":
        return value if value in IMAGE_TYPES else None
    if element == "figure" and attribute == "data-trix-attributes":
        data = _json_object(value)
        described = _filtered(data, _ATTACHMENT_ATTRIBUTES) if data is not None else {}
        return json.dumps(described, ensure_ascii=False, separators=(",", ":")) if described else None
    if attribute == "class" and element in _CLASSES:
        pattern = _CLASSES[element]
        return " ".join(name for name in value.split() if pattern.fullmatch(name)) or None
    return value


def _drop_sourceless_images(body: str) -> str:
    return _IMG.sub(lambda m: m.group(0) if _SRC.search(m.group(0)) else "", body)


def _nh3(body: str) -> str:
    return nh3.clean(body, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_attribute, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer")


def clean(body: str) -> str:
    """The body with only the allowed tags, attributes and URL schemes, images only from this deployment's uploads;
    links get rel="noopener noreferrer". An image whose src was dropped goes, with the link or figure it leaves
    empty; the result is sanitised once more, so the removal can never let anything through."""
    first = _nh3(body or "")
    trimmed = _drop_sourceless_images(first)
    if trimmed == first:
        return first
    return _nh3(_EMPTY.sub("", _EMPTY.sub("", trimmed)))


def text_of(body: str) -> str:
    """The readable text of a (clean) body: one line per paragraph, entities decoded."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", body or ""))
    return _BLANK_LINES.sub("\n", html.unescape(text)).strip()

