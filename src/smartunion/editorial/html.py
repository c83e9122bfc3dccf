"""The article body: HTML from the editor, sanitised to a small set of tags (nh3, the Rust ammonia sanitiser), and its
plain text (for the sensitive-word check, search and the revision diff)."""

from __future__ import annotations

import html
import re

import nh3

TAGS = {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "del", "blockquote", "ul", "ol", "li",
        "a", "img", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "hr", "span", "div", "pre"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}}
# Links and images: the web and this site only (no javascript:, no data: URLs).
URL_SCHEMES = {"http", "https", "mailto"}
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|div|tr|figure|figcaption|pre)>|<br\s*/?>|<hr\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean(body: str) -> str:
    """The body with only the allowed tags, attributes and URL schemes; links get rel="noopener noreferrer"."""
    return nh3.clean(body or "", tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer")


def text_of(body: str) -> str:
    """The readable text of a (clean) body: one line per paragraph, entities decoded."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", body or ""))
    return _BLANK_LINES.sub("\n", html.unescape(text)).strip()
