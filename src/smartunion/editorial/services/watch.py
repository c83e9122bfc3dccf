"""Public-opinion watch (舆情监测): keeping an org's keyword rules, handling the hits they found, and the feeds an
org imports (fetched from an RSS 2.0 or Atom address, or uploaded as a file), whose new entries are scanned.

Who may: the org's writing desk (chairs, administrators, editors: editorial.watch.KEEPING_ROLES) in the org or above.

Feeds are parsed with the standard library's ElementTree (defusedxml is not installed): a document with a DOCTYPE or
an entity declaration is refused before it is parsed, so no entity is ever expanded (and the bundled expat refuses
amplification attacks anyway); UTF-16 documents, where that check could not see the declaration, are refused too.
A fetch goes only to public addresses (not loopback, private or link-local ones, redirects included) unless
settings.EDITORIAL_FEEDS_ALLOW_PRIVATE is set (the tests' local server), with a timeout and a size cap.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import ipaddress
import re
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET  # guarded: DOCTYPE and entity declarations refused before parsing
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from smartunion.core.actors import is_system, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.editorial import sensitive, watch
from smartunion.editorial.models import FeedItem, FeedSource, WatchHit, WatchRule, WatchSource
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import in_scope

MAX_NAME = 50
MAX_KEYWORD = 50
MAX_KEYWORDS = 200
MAX_NOTE = 200
FETCH_TIMEOUT = 10.0
MAX_FEED_BYTES = 2 * 1024 * 1024
MAX_FEED_ITEMS = 500
MAX_SUMMARY = 5000
_SPLIT = re.compile(r"[\n\r,，、;；]+")


def may_keep(user, org: Organisation | None) -> bool:
    return is_system(user) or in_scope(user, org, roles=watch.KEEPING_ROLES)


def _check(by, org: Organisation | None) -> None:
    require_actor(by)
    if not may_keep(by, org):
        raise Forbidden("只有本单位或上级单位的编辑、管理员和主席可以管理舆情监测")


# Rules ---------------------------------------------------------------------------------------------------------


def _words(value, *, label: str, required: bool) -> tuple[list[str], str]:
    """A list of words from a list or from text split at line breaks, commas and 、; (words, error)."""
    items = value if isinstance(value, list | tuple) else _SPLIT.split(str(value or ""))
    words: list[str] = []
    keys: set[str] = set()
    for item in items:
        word = str(item or "").strip()
        if not word:
            continue
        key = sensitive.normalize(word)
        if len(word) > MAX_KEYWORD:
            return [], f"{label}“{word[:10]}…”过长（每个最多 {MAX_KEYWORD} 个字）"
        if not key:
            return [], f"{label}“{word}”只由空格、标点或符号组成"
        if key in keys:
            continue
        keys.add(key)
        words.append(word)
    if len(words) > MAX_KEYWORDS:
        return [], f"{label}最多 {MAX_KEYWORDS} 个"
    if required and not words:
        return [], f"请填写{label}（每行一个，或用逗号、顿号分隔）"
    return words, ""


def _clean_rule(*, name, keywords, exclusions, sources) -> dict:
    errors: dict[str, str] = {}
    name = str(name or "").strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = f"请填写规则名称（最多 {MAX_NAME} 个字）"
    keywords, error = _words(keywords, label="监测关键词", required=True)
    if error:
        errors["keywords"] = error
    exclusions, error = _words(exclusions, label="排除词", required=False)
    if error:
        errors["exclusions"] = error
    sources = [str(s) for s in (sources or [])]
    if not sources or any(s not in WatchSource.values for s in sources):
        errors["sources"] = "请选择监测范围：" + "、".join(WatchSource.labels)
    if errors:
        raise Invalid.from_fields(errors)
    return {"name": name, "keywords": keywords, "exclusions": exclusions,
            "sources": [s for s in WatchSource.values if s in sources]}


def add_rule(*, by, org: Organisation, name, keywords, sources, exclusions=()) -> WatchRule:
    _check(by, org)
    values = _clean_rule(name=name, keywords=keywords, exclusions=exclusions, sources=sources)
    try:
        with transaction.atomic():
            rule = WatchRule.objects.create(org=org, created_by=user_or_none(by), **values)
            log_event("editorial.watch_rule.create", actor=by, target=rule,
                      data={"name": rule.name, "keywords": rule.keywords, "sources": rule.sources})
    except IntegrityError:
        raise Conflict(f"本单位已有名为“{values['name']}”的监测规则", code="duplicate_rule",
                       fields={"name": "本单位已有同名规则"}) from None
    watch.rules_changed()
    return rule


def update_rule(rule: WatchRule, *, by, **fields) -> WatchRule:
    """Change a rule's name, keywords, exclusions, sources or active flag (switched off, never deleted, so the hits
    it found stay readable)."""
    _check(by, rule.org)
    unknown = set(fields) - {"name", "keywords", "exclusions", "sources", "active"}
    if unknown:
        raise Invalid(f"不能修改：{'、'.join(sorted(unknown))}")
    current = {"name": rule.name, "keywords": rule.keywords, "exclusions": rule.exclusions, "sources": rule.sources}
    values = _clean_rule(**{**current, **{k: v for k, v in fields.items() if k != "active"}})
    changes: dict = {k: values[k] for k in current if values[k] != current[k]}
    if "active" in fields and bool(fields["active"]) != rule.active:
        changes["active"] = bool(fields["active"])
    if not changes:
        return rule
    try:
        with transaction.atomic():
            locked = WatchRule.objects.select_for_update().get(pk=rule.pk)
            for name, value in changes.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*changes, "updated_at"])
            log_event("editorial.watch_rule.update", actor=by, target=locked, data={"name": locked.name, **changes})
    except IntegrityError:
        raise Conflict(f"本单位已有名为“{values['name']}”的监测规则", code="duplicate_rule",
                       fields={"name": "本单位已有同名规则"}) from None
    watch.rules_changed()
    return locked


def handle_hit(hit: WatchHit, *, by, note: str = "") -> WatchHit:
    """Mark a hit handled (已处理) with what was done."""
    _check(by, hit.rule.org)
    note = str(note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid.from_fields({"note": f"处理说明不能超过 {MAX_NOTE} 个字"})
    with transaction.atomic():
        locked = WatchHit.objects.select_for_update().get(pk=hit.pk)
        if locked.status == WatchHit.Status.HANDLED:
            raise StateError("该条舆情信息已处理", code="already_handled")
        locked.status = WatchHit.Status.HANDLED
        locked.handled_by = user_or_none(by)
        locked.handled_at = timezone.now()
        locked.note = note
        locked.save(update_fields=["status", "handled_by", "handled_at", "note"])
        log_event("editorial.watch_hit.handle", actor=by, target=locked, org=hit.rule.org,
                  data={"keyword": locked.keyword, "source": locked.source, "note": note})
    return locked


# Feeds ---------------------------------------------------------------------------------------------------------


class FeedError(Exception):
    """A feed that could not be read (the Chinese message says why)."""


@dataclass(frozen=True)
class ParsedItem:
    guid: str
    title: str
    link: str
    summary: str
    published: dt.datetime | None


@dataclass
class FeedReport:
    read: int = 0  # entries in the document
    new: int = 0  # entries not seen before, now kept
    hits: int = 0  # watch hits found in the new entries
    items: list[FeedItem] = field(default_factory=list)


def register_feed(*, by, org: Organisation, name, url="") -> FeedSource:
    _check(by, org)
    name, url = str(name or "").strip(), str(url or "").strip()
    errors = {}
    if not name or len(name) > MAX_NAME:
        errors["name"] = f"请填写名称（最多 {MAX_NAME} 个字）"
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname or len(url) > 500):
        errors["url"] = "订阅地址应为 http:// 或 https:// 开头的网址（最多 500 个字符）"
    if errors:
        raise Invalid.from_fields(errors)
    try:
        with transaction.atomic():
            source = FeedSource.objects.create(org=org, name=name, url=url, created_by=user_or_none(by))
            log_event("editorial.feed_source.create", actor=by, target=source, data={"name": name, "url": url})
    except IntegrityError:
        raise Conflict(f"本单位已有名为“{name}”的订阅源", code="duplicate_feed",
                       fields={"name": "本单位已有同名订阅源"}) from None
    return source


_ATOM = "{http://www.w3.org/2005/Atom}"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def _plain(value: str | None, limit: int) -> str:
    text = html.unescape(strip_tags(value or ""))
    return _SPACE.sub(" ", text).strip()[:limit]


def _guid(*candidates: str) -> str:
    for candidate in candidates:
        candidate = (candidate or "").strip()
        if candidate:
            if len(candidate) > 255:
                return "sha256:" + hashlib.sha256(candidate.encode()).hexdigest()
            return candidate
    return ""


def _rss_date(value: str | None) -> dt.datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime((value or "").strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def _iso_date(value: str | None) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def parse_feed(data: bytes) -> list[ParsedItem]:
    """The entries of an RSS 2.0 or Atom 1.0 document, in document order. FeedError for anything else."""
    if not data or not data.strip():
        raise FeedError("订阅内容为空")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        raise FeedError("不支持 UTF-16 编码的订阅内容，请使用 UTF-8")
    if _DECLARATION.search(data):
        raise FeedError("订阅内容含有 DOCTYPE 或实体声明，为安全起见不予解析")
    try:
        root = ET.fromstring(data)  # noqa: S314  see the module docstring: no DOCTYPE, no entities
    except ET.ParseError:
        raise FeedError("订阅内容不是有效的 XML") from None
    items: list[ParsedItem] = []
    if root.tag == "rss":
        channel = root.find("channel")
        for node in (channel.findall("item") if channel is not None else [])[:MAX_FEED_ITEMS]:
            title = _plain(node.findtext("title"), 300)
            link = watch.safe_link(node.findtext("link") or "")[:500]
            summary = _plain(node.findtext("description"), MAX_SUMMARY)
            guid = _guid(node.findtext("guid") or "", link,
                         hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest() if title or summary else "")
            if guid:
                published = _rss_date(node.findtext("pubDate"))
                items.append(ParsedItem(guid, title or "（无标题）", link, summary, published))
    elif root.tag == f"{_ATOM}feed":
        for node in root.findall(f"{_ATOM}entry")[:MAX_FEED_ITEMS]:
            title = _plain(node.findtext(f"{_ATOM}title"), 300)
            links = node.findall(f"{_ATOM}link")
            chosen = next((n for n in links if n.get("rel", "alternate") == "alternate"), links[0] if links else None)
            link = watch.safe_link(chosen.get("href", "") if chosen is not None else "")[:500]
            summary = _plain(node.findtext(f"{_ATOM}summary") or node.findtext(f"{_ATOM}content"), MAX_SUMMARY)
            guid = _guid(node.findtext(f"{_ATOM}id") or "", link)
            published = _iso_date(node.findtext(f"{_ATOM}published") or node.findtext(f"{_ATOM}updated"))
            if guid:
                items.append(ParsedItem(guid, title or "（无标题）", link, summary, published))
    else:
        raise FeedError("不支持的订阅格式（仅支持 RSS 2.0 和 Atom）")
    return items


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError("订阅地址应以 http:// 或 https:// 开头")
    if getattr(settings, "EDITORIAL_FEEDS_ALLOW_PRIVATE", False):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or None)}
    except (socket.gaierror, UnicodeError):
        raise FeedError(f"无法解析订阅地址的域名：{parts.hostname}") from None
    for address in addresses:
        if not ipaddress.ip_address(str(address).split("%")[0]).is_global:
            raise FeedError("订阅地址指向内网或本机地址，不能抓取")


def download(url: str) -> bytes:
    """The document at `url` (http or https, public addresses only, FETCH_TIMEOUT, at most MAX_FEED_BYTES)."""
    _check_address(url)
    opener = urllib.request.build_opener(_CheckedRedirects)
    request = urllib.request.Request(url, headers={  # noqa: S310  the scheme was checked: http or https
        "User-Agent": "SmartUnion-Feed/1.0",
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"})
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT) as response:
            data = response.read(MAX_FEED_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FeedError(f"订阅地址返回错误：HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FeedError(f"无法连接订阅地址（{str(reason)[:100]}）") from None
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"订阅内容过大（上限 {MAX_FEED_BYTES // (1024 * 1024)}MB）")
    return data


def _store(source: FeedSource, parsed: Iterable[ParsedItem]) -> FeedReport:
    """Keep the entries not seen before (by guid) and scan them."""
    parsed = list(parsed)
    report = FeedReport(read=len(parsed))
    with transaction.atomic():
        FeedSource.objects.select_for_update().filter(pk=source.pk).first()
        known = set(FeedItem.objects.filter(source=source, guid__in=[p.guid for p in parsed])
                    .values_list("guid", flat=True))
        new: list[FeedItem] = []
        for item in parsed:
            if item.guid in known:
                continue
            known.add(item.guid)
            new.append(FeedItem(source=source, guid=item.guid, title=item.title, link=item.link,
                                summary=item.summary, published=item.published))
        report.items = FeedItem.objects.bulk_create(new)
        report.new = len(new)
        FeedSource.objects.filter(pk=source.pk).update(last_fetched_at=timezone.now(), last_error="")
    for kept in report.items:
        report.hits += len(watch.scan(WatchSource.FEED, kept.pk, kept.title, f"{kept.title}\n{kept.summary}",
                                      source.org_path, kept.link))
    return report


def _failed(source: FeedSource, message: str) -> Invalid:
    FeedSource.objects.filter(pk=source.pk).update(last_fetched_at=timezone.now(), last_error=message[:300])
    return Invalid(f"订阅源“{source.name}”读取失败：{message}", code="feed_failed")


def _logged(source: FeedSource, by, report: FeedReport, how: str) -> None:
    if not is_system(by):
        log_event("editorial.feed_source.fetch", actor=by, target=source,
                  data={"how": how, "read": report.read, "new": report.new, "hits": report.hits})


def fetch_feed(source: FeedSource, *, by) -> FeedReport:
    """Fetch the source's address now; the failure is kept on the source (上次抓取错误) and refused."""
    _check(by, source.org)
    if not source.url:
        raise Invalid("该订阅源没有填写订阅地址，请上传文件导入", code="no_url")
    try:
        parsed = parse_feed(download(source.url))
    except FeedError as exc:
        raise _failed(source, str(exc)) from None
    report = _store(source, parsed)
    _logged(source, by, report, "fetch")
    return report


def import_feed_file(source: FeedSource, data: bytes, *, by) -> FeedReport:
    """An RSS or Atom document uploaded by the cadre (e.g. saved from a site the server cannot reach)."""
    _check(by, source.org)
    if len(data) > MAX_FEED_BYTES:
        raise Invalid(f"文件过大（上限 {MAX_FEED_BYTES // (1024 * 1024)}MB）", code="feed_failed")
    try:
        parsed = parse_feed(data)
    except FeedError as exc:
        raise Invalid(f"文件无法导入：{exc}", code="feed_failed") from None
    report = _store(source, parsed)
    _logged(source, by, report, "upload")
    return report


def fetch_due(*, by) -> dict[str, int]:
    """Every active source with an address (the scheduled job): a failing one is recorded and skipped."""
    require_actor(by)
    totals = {"sources": 0, "new": 0, "hits": 0, "failed": 0}
    for source in FeedSource.objects.filter(active=True).exclude(url="").select_related("org").order_by("id"):
        totals["sources"] += 1
        try:
            report = fetch_feed(source, by=by)
        except Invalid:
            totals["failed"] += 1
            continue
        totals["new"] += report.new
        totals["hits"] += report.hits
    return totals
