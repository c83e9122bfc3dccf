"""National reference code tables (GB/T standards and project-defined tables).

Each table lives in ``data/<name>.json`` next to this module as an object
``{"table", "title", "standard", "entries"}``; every entry has at least a
string ``code`` and a Chinese ``name``.  The loader is pure standard-library
Python so it can be used from settings, migrations, validators and scripts
without a configured Django project.

Parsed tables are cached for the life of the process: treat every returned
dict / list as read-only.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "DATA_DIR",
    "TABLES",
    "choices",
    "entries",
    "get_table",
    "is_valid",
    "label",
    "province_codes",
    "region_ancestors",
    "region_children",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

TABLES: tuple[str, ...] = (
    "regions",
    "sex",
    "ethnicity",
    "education",
    "political_status",
    "industry",
    "employment_form",
    "membership_change_type",
    "membership_change_reason",
)


@cache
def get_table(name: str) -> dict[str, Any]:
    """Return the parsed table ``name``; raise KeyError for an unknown table."""
    if name not in TABLES:
        raise KeyError(f"unknown code table {name!r}; known tables: {', '.join(TABLES)}")
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _index(name: str) -> dict[str, dict[str, Any]]:
    """Return a code -> entry mapping for table ``name``."""
    return {entry["code"]: entry for entry in get_table(name)["entries"]}


def entries(name: str) -> list[dict[str, Any]]:
    """Return the list of entry dicts of table ``name``, ordered by code."""
    return get_table(name)["entries"]


def label(name: str, code: str) -> str | None:
    """Return the Chinese name for ``code`` in table ``name``, or None if absent."""
    entry = _index(name).get(code)
    return entry["name"] if entry is not None else None


def is_valid(name: str, code: str) -> bool:
    """Return True if ``code`` exists in table ``name``."""
    return isinstance(code, str) and code in _index(name)


def choices(name: str) -> list[tuple[str, str]]:
    """Return ``[(code, name), ...]`` for table ``name``, usable as Django field choices."""
    return [(entry["code"], entry["name"]) for entry in entries(name)]


@cache
def _region_children_map() -> dict[str | None, list[dict[str, Any]]]:
    """Return a parent code -> child entries mapping for the regions table."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for entry in entries("regions"):
        children.setdefault(entry["parent"], []).append(entry)
    return children


def region_children(code: str) -> list[dict[str, Any]]:
    """Return the region entries whose parent is ``code`` (empty list if none)."""
    return list(_region_children_map().get(code, ()))


def region_ancestors(code: str) -> list[dict[str, Any]]:
    """Return the ancestor region entries of ``code``, province first, down to its parent."""
    index = _index("regions")
    chain: list[dict[str, Any]] = []
    entry = index.get(code)
    while entry is not None and entry["parent"] is not None:
        entry = index.get(entry["parent"])
        if entry is None:
            break
        chain.append(entry)
    chain.reverse()
    return chain


@cache
def province_codes() -> frozenset[str]:
    """Return the 2-digit prefixes of all province-level divisions ("11", "37", ...)."""
    return frozenset(
        entry["code"][:2] for entry in entries("regions") if entry["level"] == "province"
    )
