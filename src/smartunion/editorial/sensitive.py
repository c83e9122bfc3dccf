"""Sensitive-word checking (敏感词检测): every hit with its position in the original text, its category and level.

Matching runs on a normalised form of the text, so that the usual ways of slipping a word past a filter do not work:

- width and compatibility forms folded (ＡＢＣ１２３ → abc123, the compatibility ideographs → the unified ones: NFKC,
  where it maps one character to one character);
- letter case folded;
- traditional characters to simplified ones (OpenCC's t2s, character by character);
- everything that is not a letter, digit or ideograph dropped: spaces, punctuation, symbols, emoji, zero-width and
  other format characters, combining marks. So 法 轮-功, 法.轮.功 and 法\u200b轮功 read as 法轮功.

The normalisation is one `str.translate` over a table built once per process (about 30 ms), and the matching is
one pass of an Aho-Corasick automaton (ahocorasick-rs, in Rust) over the normalised text, so a check costs a few passes
in C whatever the number of words. Positions are mapped back to the original text only when there are hits.

A hit inside one of its word's allowed contexts (AllowedContext: the phrase around the word, normalised the same
way) is not reported: a false positive is allowed per word and per context, never for the word everywhere.

The compiled matcher is cached per process and rebuilt when the word list changes: the services clear this process's
copy at once; other processes notice the change by the list's version within VERSION_TTL seconds.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass

import ahocorasick_rs
from django.db.models import Count, Max

from smartunion.core.cache import ttl_cache

VERSION_TTL = 10.0
CONTEXT_CHARS = 10  # characters of the original text shown on each side of a hit

# Unicode blocks of ideographs converted from traditional to simplified (the others have no traditional forms).
_IDEOGRAPHS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2F800, 0x2FA1F))
_KEEP = ("L", "N")  # letters (ideographs are Lo) and digits; everything else is dropped
# The planes with assigned characters people type (0-3), and the tags and variation selectors of plane 14.
_CODE_POINTS = (*range(0x40000), *range(0xE0000, 0xE01F0))


@functools.cache
def _table() -> dict[int, int | None]:
    """The translate table: code point -> folded code point, or None to drop it."""
    import opencc

    table: dict[int, int | None] = {}
    for code in _CODE_POINTS:
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cn":  # unassigned: nothing to fold, nothing a person types
            continue
        if not category.startswith(_KEEP):
            table[code] = None
            continue
        folded = unicodedata.normalize("NFKC", char)
        folded = folded if len(folded) == 1 else char
        lower = folded.lower()
        folded = lower if len(lower) == 1 else folded
        if folded != char:
            table[code] = ord(folded)
    # Traditional -> simplified, one character at a time (one convert call over all of them).
    ideographs = [chr(c) for first, last in _IDEOGRAPHS for c in range(first, last + 1)]
    simplified = opencc.OpenCC("t2s").convert("\n".join(ideographs)).split("\n")
    if len(simplified) == len(ideographs):
        for traditional, simple in zip(ideographs, simplified, strict=True):
            if simple != traditional and len(simple) == 1:
                table[ord(traditional)] = ord(simple)
    # Fold chains once (a compatibility ideograph may fold to a traditional one that then simplifies).
    for code, target in list(table.items()):
        for _ in range(3):
            if target is None or target not in table:
                break
            target = table[target]
        table[code] = target
    return table


_LIST_SIZE = 0x40000  # the translate list covers planes 0-3; plane 14 goes through the dict


@functools.cache
def _fast() -> tuple[list, dict[int, int | None], list, dict[int, str]]:
    """The table as a list indexed by code point (str.translate looks a list up twice as fast as a dict) and the
    entries above it; and the same two for a mask of the text, "0" for each dropped character and "1" for the
    others (to map positions back: runs of "0" are found by a trivial pattern)."""
    table = _table()
    as_list: list = list(range(_LIST_SIZE))
    mask: list = ["1"] * _LIST_SIZE
    high: dict[int, int | None] = {}
    high_mask: dict[int, str] = {}
    for code, target in table.items():
        if code < _LIST_SIZE:
            as_list[code] = target
            if target is None:
                mask[code] = "0"
        else:
            high[code] = target
            if target is None:
                high_mask[code] = "0"
    return as_list, high, mask, high_mask


_DROPPED_RUN = re.compile("0+")


def normalize(text: str) -> str:
    """The form words and texts are matched in (see the module docstring)."""
    as_list, high, _, _ = _fast()
    folded = text.translate(as_list)
    if _HIGH.search(folded):
        folded = folded.translate(high)
    return folded


_HIGH = re.compile(f"[{chr(_LIST_SIZE)}-{chr(0x10FFFF)}]")


def _position_map(text: str, last: int):
    """A function from an index (up to `last`) of normalize(text) to its index in text, built only when there are
    hits: the runs of dropped characters, each with the count dropped up to its end."""
    _, _, mask_list, high_mask = _fast()
    mask = text.translate(mask_list)
    if _HIGH.search(mask):
        mask = mask.translate(high_mask)
    starts: list[int] = []  # normalised index at which each run was dropped
    dropped: list[int] = []  # characters dropped up to the end of that run
    total = 0
    for run in _DROPPED_RUN.finditer(mask):
        start = run.start() - total
        if start > last:
            break
        total += run.end() - run.start()
        starts.append(start)
        dropped.append(total)

    def original(index: int) -> int:
        before = bisect.bisect_right(starts, index)
        return index + (dropped[before - 1] if before else 0)

    return original


@dataclass(frozen=True)
class Entry:
    word_id: int
    word: str
    category: str
    level: str
    suggestion: str
    key: str  # the normalised word
    contexts: tuple[tuple[str, int], ...]  # (normalised context, offset of the word inside it)


@dataclass(frozen=True)
class Hit:
    word_id: int
    word: str
    category: str
    category_label: str
    level: str
    suggestion: str
    start: int  # in the original text
    end: int  # exclusive, in the original text
    text: str  # the original characters that matched, with whatever was inserted between them
    context: str  # the surrounding original text

    def as_dict(self) -> dict:
        return {"word": self.word, "category": self.category, "category_label": self.category_label,
                "level": self.level, "suggestion": self.suggestion, "start": self.start, "end": self.end,
                "text": self.text, "context": self.context}


class Matcher:
    """An automaton over a list of entries; `find(text)` gives the hits, earliest first."""

    def __init__(self, entries: list[Entry]):
        self.entries = [entry for entry in entries if entry.key]
        self.size = len(self.entries)
        # Every occurrence, overlaps included (MatchKind.Standard with overlapping=True below). The library picks
        # its implementation: on a list of 20,000 Chinese words its choice scans twice as fast as its DFA.
        self.automaton = ahocorasick_rs.AhoCorasick([entry.key for entry in self.entries]) if self.size else None

    def find(self, text: str) -> list[Hit]:
        if self.automaton is None or not text:
            return []
        normalised = normalize(text)
        found: list[tuple[int, int, Entry]] = []
        for index, start, stop in self.automaton.find_matches_as_indexes(normalised, overlapping=True):
            entry = self.entries[index]
            if not _allowed(normalised, start, entry):
                found.append((start, stop - 1, entry))
        if not found:
            return []
        from smartunion.editorial.models import SensitiveWord

        labels = dict(SensitiveWord.Category.choices)
        original = _position_map(text, max(end for _, end, _ in found))
        hits = []
        for start, end, entry in sorted(found, key=lambda f: (f[0], -f[1])):
            first, last = original(start), original(end) + 1
            hits.append(Hit(
                word_id=entry.word_id, word=entry.word, category=entry.category,
                category_label=labels.get(entry.category, entry.category), level=entry.level,
                suggestion=entry.suggestion, start=first, end=last, text=text[first:last],
                context=text[max(0, first - CONTEXT_CHARS):last + CONTEXT_CHARS]))
        return hits


def _allowed(normalised: str, start: int, entry: Entry) -> bool:
    for context, offset in entry.contexts:
        begin = start - offset
        if begin >= 0 and normalised.startswith(context, begin):
            return True
    return False


def _entries() -> list[Entry]:
    from smartunion.editorial.models import AllowedContext, SensitiveWord

    contexts: dict[int, list[tuple[str, int]]] = {}
    for word_id, context, key in AllowedContext.objects.filter(word__active=True).values_list(
            "word_id", "normalized", "word__normalized"):
        offset = context.find(key)
        while offset >= 0:
            contexts.setdefault(word_id, []).append((context, offset))
            offset = context.find(key, offset + 1)
    rows = SensitiveWord.objects.filter(active=True).values_list(
        "id", "word", "category", "level", "suggestion", "normalized")
    return [Entry(word_id=pk, word=word, category=category, level=level, suggestion=suggestion, key=key,
                  contexts=tuple(contexts.get(pk, ()))) for pk, word, category, level, suggestion, key in rows]


def _version() -> tuple:
    from smartunion.editorial.models import AllowedContext, SensitiveWord

    words = SensitiveWord.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    contexts = AllowedContext.objects.aggregate(n=Count("id"), top=Max("id"))
    return (words["n"], words["at"], contexts["n"], contexts["top"])


@ttl_cache(VERSION_TTL)
def _current_version() -> tuple:
    return _version()


_compiled: dict[str, tuple[tuple, Matcher]] = {}


def matcher() -> Matcher:
    """The deployment's matcher, rebuilt when the word list's version changed."""
    version = _current_version()
    cached = _compiled.get("current")
    if cached is None or cached[0] != version:
        cached = (version, Matcher(_entries()))
        _compiled["current"] = cached
    return cached[1]


def word_list_changed() -> None:
    """Called by the services after a change of the list (this process sees it at once)."""
    _current_version.cache_clear()
    _compiled.clear()


def check(text: str) -> list[Hit]:
    """Every hit of the deployment's word list in `text`, earliest first (overlapping hits all reported)."""
    return matcher().find(text)


def blocking(hits: list[Hit]) -> list[Hit]:
    from smartunion.editorial.models import SensitiveWord

    return [hit for hit in hits if hit.level == SensitiveWord.Level.BLOCK]


def describe(hit: Hit) -> str:
    """One line for a person: 第12字“法轮功”（政治有害，禁用）."""
    from smartunion.editorial.models import SensitiveWord

    level = "禁用" if hit.level == SensitiveWord.Level.BLOCK else "提示"
    advice = f"，建议改为“{hit.suggestion}”" if hit.suggestion else ""
    return f"第{hit.start + 1}字“{hit.text}”（{hit.category_label}，{level}{advice}）"
