"""Public-opinion watch (舆情监测): each org's keyword rules read the items that come in below it (portal comments,
imported feed entries, case descriptions) and report every keyword found, with its place in the original text.

Which rules read an item: an item belongs to an org path (the article's org for a comment, the feed's org for a feed
entry, the handling org for a case). Every active rule whose org path is a prefix of the item's path (the item's own
org and every org above it) and whose sources include the item's kind reads it. So the province's rules watch the
whole province, a city's rules its city, and a city never sees what another city's items say.

Matching reuses the sensitive-word check's normaliser and automaton (editorial/sensitive.py): a keyword is found
however it is written (full width, traditional characters, spaces or symbols inserted between its characters) and
positions are mapped back to the original text. A rule's exclusion words silence the rule for a whole item: an item
containing any of them (normalised the same way) gives that rule no hit.

One automaton per set of rule-holding orgs above an item (all the orgs under a city without rules of their own share
the city's), cached per process and rebuilt when the rules change (this process at once, the others within
VERSION_TTL seconds, as the word list's matcher).

Hits are kept once per (rule, kind, item, keyword): the keyword's first place in the item. Scanning an item again
(an edited comment, a feed fetched twice) adds only what is new. The editors of each rule's org get one inbox
message per rule and scan that found something new, never one per hit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max

from smartunion.core import hotsql
from smartunion.core.cache import ttl_cache
from smartunion.core.notifications import Recipient, inbox_message, send_inbox
from smartunion.editorial import sensitive
from smartunion.editorial.models import WatchHit, WatchRule, WatchSource
from smartunion.editorial.rules import WRITING_ROLES
from smartunion.orgs.models import Position, ancestor_paths

VERSION_TTL = 10.0
EXCERPT_CHARS = 30  # characters of the original text kept on each side of a hit
MAX_CACHED_MATCHERS = 2000
# Who keeps an org's rules, reads its hits, moderates its comments and imports its feeds: its writing desk (chairs,
# administrators and editors) in the org or above.
KEEPING_ROLES = WRITING_ROLES
R = Position.Role


@dataclass(frozen=True)
class RuleEntry:
    rule_id: int
    org_id: int
    org_path: str
    name: str
    sources: frozenset[str]
    exclusions: tuple[str, ...]  # normalised


@dataclass(frozen=True)
class Found:
    rule: RuleEntry
    keyword: str  # as the rule writes it
    start: int  # in the original text
    end: int  # exclusive
    text: str  # the original characters matched


class WatchMatcher:
    """The rules reading items of one org path, compiled into one automaton over their distinct keywords."""

    def __init__(self, rules: list[RuleEntry], keywords: list[tuple[RuleEntry, str]]):
        self.rules = rules
        by_key: dict[str, list[tuple[RuleEntry, str]]] = defaultdict(list)
        for rule, keyword in keywords:
            key = sensitive.normalize(keyword)
            if key:
                by_key[key].append((rule, keyword))
        self.keys = list(by_key)
        self.owners = [by_key[key] for key in self.keys]
        self.matcher = sensitive.Matcher([
            sensitive.Entry(word_id=index, word=key, category="other", level="warn", suggestion="", key=key,
                            contexts=()) for index, key in enumerate(self.keys)])

    def find(self, kind: str, text: str) -> list[Found]:
        """Each (rule, keyword) found in `text` for an item of `kind`, at its first place, earliest first."""
        if not text or not any(kind in rule.sources for rule in self.rules):
            return []
        hits = self.matcher.find(text)
        if not hits:
            return []
        normalised = sensitive.normalize(text)
        silenced = {rule.rule_id for rule in self.rules if any(word in normalised for word in rule.exclusions)}
        found: dict[tuple[int, str], Found] = {}
        for hit in hits:
            for rule, keyword in self.owners[hit.word_id]:
                if kind not in rule.sources or rule.rule_id in silenced or (rule.rule_id, keyword) in found:
                    continue
                found[(rule.rule_id, keyword)] = Found(rule=rule, keyword=keyword, start=hit.start, end=hit.end,
                                                       text=hit.text)
        return sorted(found.values(), key=lambda f: (f.start, f.rule.rule_id, f.keyword))


def _build(holders: tuple[str, ...]) -> WatchMatcher:
    rows = WatchRule.objects.filter(active=True, org_path__in=holders).order_by("id").values_list(
        "id", "org_id", "org_path", "name", "sources", "keywords", "exclusions")
    rules: list[RuleEntry] = []
    keywords: list[tuple[RuleEntry, str]] = []
    for pk, org_id, org_path, name, sources, words, exclusions in rows:
        rule = RuleEntry(rule_id=pk, org_id=org_id, org_path=org_path, name=name, sources=frozenset(sources or ()),
                         exclusions=tuple(k for k in (sensitive.normalize(str(w)) for w in exclusions or ()) if k))
        rules.append(rule)
        keywords.extend((rule, str(word)) for word in words or ())
    return WatchMatcher(rules, keywords)


def _version() -> tuple:
    rules = WatchRule.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    return (rules["n"], rules["at"])


@ttl_cache(VERSION_TTL)
def _current_version() -> tuple:
    return _version()


# Matchers by the org paths that hold active rules on an item's way to the root: every org below a city without
# rules of its own shares the city's matcher (a province has 100k+ org paths and a few dozen rule holders).
_compiled: dict[tuple[str, ...], tuple[tuple, WatchMatcher]] = {}
_holders: dict[str, tuple[tuple, frozenset[str]]] = {}


def _rule_holders(version: tuple) -> frozenset[str]:
    """The org paths that hold an active rule, read once per version."""
    cached = _holders.get("current")
    if cached is None or cached[0] != version:
        paths = frozenset(WatchRule.objects.filter(active=True).order_by().values_list("org_path", flat=True)
                          .distinct())
        cached = (version, paths)
        _holders["current"] = cached
    return cached[1]


def matcher_for(path: str) -> WatchMatcher:
    """The matcher of the rules reading items of the org at `path` (cached, rebuilt when the rules change)."""
    version = _current_version()
    holders = _rule_holders(version)
    key = tuple(p for p in ancestor_paths(path) if p in holders)
    cached = _compiled.get(key)
    if cached is None or cached[0] != version:
        if len(_compiled) >= MAX_CACHED_MATCHERS:
            _compiled.clear()
        cached = (version, _build(key))
        _compiled[key] = cached
    return cached[1]


def rules_changed() -> None:
    """Called by the services after a rule changed (this process sees it at once)."""
    _current_version.cache_clear()
    _compiled.clear()
    _holders.clear()


def excerpt(text: str, start: int, end: int, limit: int = 300) -> str:
    """The original text around a hit, with an ellipsis where it was cut."""
    first, last = max(0, start - EXCERPT_CHARS), min(len(text), end + EXCERPT_CHARS)
    shown = ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")
    return " ".join(shown.split())[:limit]


def safe_link(link: str) -> str:
    """A link a cadre may click in the console: http(s), or a path on this site; anything else (javascript:, data:,
    a scheme-relative //host) is dropped."""
    link = (link or "").strip()
    if link.lower().startswith(("http://", "https://")) or (link.startswith("/") and not link.startswith("//")):
        return "" if "\\" in link or any(ord(c) < 32 for c in link) else link
    return ""


def scan(kind: str, ref, title: str, text: str, org_path: str, link: str = "", *,
         new_item: bool = False) -> list[WatchHit]:
    """Read one incoming item with every rule that applies to it; keep the new hits and tell the editors of each
    rule's org once. Returns the hits this scan added. `new_item`: the item was inserted by the caller's open
    transaction, so no earlier scan can have reported it (its earlier hits are not looked for)."""
    if kind not in WatchSource.values:
        raise ValueError(f"unknown watch source {kind!r}")
    if not org_path or not text:
        return []
    found = matcher_for(org_path).find(kind, text)
    if not found:
        return []
    ref = str(ref)[:64]
    existing: set[tuple[int, str]] = set()
    if not new_item:
        rule_ids = {f.rule.rule_id for f in found}
        existing = set(WatchHit.objects.filter(source=kind, source_ref=ref, rule_id__in=rule_ids)
                       .order_by().values_list("rule_id", "keyword"))  # no ordering: nothing to sort or scan for
    fresh = [f for f in found if (f.rule.rule_id, f.keyword[:50]) not in existing]
    if not fresh:
        return []
    rows = [WatchHit(rule_id=f.rule.rule_id, org_path=f.rule.org_path, item_path=org_path,
                     source=kind, source_ref=ref, source_title=(title or "")[:200], source_link=safe_link(link)[:500],
                     excerpt=excerpt(text, f.start, f.end), keyword=f.keyword[:50], start=f.start, end=f.end)
            for f in fresh]
    # The hits and their alerts together; inside a caller's transaction (a case's filing) no savepoint of its own.
    with transaction.atomic(savepoint=False):
        # A scan of the same item at the same moment elsewhere may have kept some of them: those are skipped.
        hotsql.insert(rows, ignore_conflicts=True)
        _alert(kind, title, fresh)
    return rows


def recipients(org_id: int) -> tuple[Recipient, ...]:
    """The editors of an org (Position.Role.EDITOR there); an org without an editor: its chairs. Read once per
    process and minute (core/cache.py; granting or revoking a position clears it)."""
    return _recipients(org_id)


@ttl_cache(60)
def _recipients(org_id: int) -> tuple[Recipient, ...]:
    from smartunion.accounts.models import User

    rows = (User.objects.filter(positions__org_id=org_id, positions__role__in=(R.EDITOR, R.CHAIR), is_active=True)
            .values_list("id", "username", "positions__role").order_by("id"))
    editors = [Recipient(pk, name or "") for pk, name, role in rows if role == R.EDITOR]
    chairs = [Recipient(pk, name or "") for pk, name, role in rows if role == R.CHAIR]
    return tuple(dict.fromkeys(editors or chairs))


def _alert(kind: str, title: str, fresh: list[Found]) -> None:
    """One message per rule to its org's editors (all in one INSERT)."""
    by_rule: dict[int, list[Found]] = defaultdict(list)
    for f in fresh:
        by_rule[f.rule.rule_id].append(f)
    label = dict(WatchSource.choices)[kind]
    messages = []
    for hits in by_rule.values():
        rule = hits[0].rule
        words = "、".join(dict.fromkeys(f"“{f.keyword}”" for f in hits))
        body = (f"监测规则“{rule.name}”在{label}《{(title or '（无标题）')[:60]}》中发现关键词{words}，"
                f"共 {len(hits)} 处。请到管理后台“舆情监测 → 舆情信息”查看并处理。")
        messages += [inbox_message(person, subject=f"舆情提醒：{rule.name}", body=body)
                     for person in recipients(rule.org_id)]
    send_inbox(messages)


def on_incoming_text(sender, *, kind: str, ref, title: str, text: str, org_path: str, link: str = "",
                     new: bool = False, **kwargs):
    """core.incoming.incoming_text's receiver (connected in EditorialConfig.ready): scan what another app announced.
    A kind no rule can read (not a WatchSource) is not watched."""
    if kind in WatchSource.values:
        scan(kind, ref, title, text, org_path, link, new_item=new)
