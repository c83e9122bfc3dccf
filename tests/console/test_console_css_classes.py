"""Every class the console's templates use is styled: by the theme's prebuilt stylesheet (unfold keeps only the
Tailwind classes it uses itself) or by the project's own CSS; names a script or test looks up are listed apart.
A class nobody defines does nothing on screen (a body's line breaks ran together on the 收文 page that way)."""

from __future__ import annotations

import re
from pathlib import Path

import unfold

SRC = Path(__file__).resolve().parents[2] / "src" / "smartunion"
THEME_CSS = Path(unfold.__file__).parent / "static" / "unfold" / "css" / "styles.css"
# Hooks for scripts and tests, not styles.
HOOKS = {"activity-field", "insight-trend", "ok", "results-chart", "stats-table", "submit-row"}


def defined_classes() -> str:
    return THEME_CSS.read_text() + "".join(p.read_text() for p in SRC.glob("*/static/**/*.css"))


def used_classes() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for template in SRC.glob("*/templates/**/*.html"):
        if "portal" in template.parts:  # the portal has its own stylesheet, checked by the portal's tests
            continue
        for attribute in re.findall(r'class="([^"{}]*)"', template.read_text()):
            for name in attribute.split():
                used.setdefault(name, set()).add(template.name)
    return used


def is_defined(name: str, css: str) -> bool:
    escaped = re.sub(r"([:/.\[\]%#()*])", r"\\\1", name)
    return re.search(r"\." + re.escape(escaped) + r"(?![\w-])", css) is not None


def test_every_class_of_the_console_templates_is_styled():
    css = defined_classes()
    missing = {name: sorted(files) for name, files in used_classes().items()
               if name not in HOOKS and not is_defined(name, css)}
    assert missing == {}


def test_the_check_sees_a_missing_class():
    assert is_defined("whitespace-pre-line", defined_classes())
    assert not is_defined("whitespace-pre-wrap-nowhere", defined_classes())
    assert is_defined("md:grid-cols-2", defined_classes())
