"""The dependency direction of docs/architecture.md, checked on every module's imports.

Data apps form a stack: core ← accounts ← orgs ← members ← subsites; an app imports only apps at its level or below.
The surfaces (portal, console, api) sit on top of the data apps and never import one another; the demo seeder
imports data apps only. No data app imports a surface or the seeder. Every import counts, also one inside a function
(a lazy import is still a dependency) or under TYPE_CHECKING. Model references by string ("members.Person") are not
imports and are not checked here: docs/architecture.md says why they exist.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import smartunion

# Rank of each data app: an app may import apps of the same or a lower rank. A new app must be added here (or to
# SURFACES), so that its place in the graph is a decision, not an accident.
DATA_APPS = {"core": 0, "accounts": 1, "orgs": 2, "members": 3, "subsites": 4, "benefits": 5, "cases": 5,
             "assistance": 5, "editorial": 5, "documents": 5, "insight": 6}
SURFACES = {"portal", "console", "api"}
SEEDER = "demo"
# The project's own modules (settings, URLs, the Celery app, the entry points) wire everything together.
PROJECT = {"settings", "urls", "wsgi", "asgi", "celery", "__main__", "__init__"}
# Imports that go against the direction on purpose: (importing module, imported module) -> why.
ALLOWED: dict[tuple[str, str], str] = {
    ("smartunion.core.calendar", "smartunion.orgs.models"): (
        "the right to load a holiday schedule is an org role (chairs and administrators of a provincial or the "
        "national federation); imported inside may_load_holiday_schedules so that core does not load orgs"),
    ("smartunion.core.calendar", "smartunion.orgs.queries"): "the same check reads the cadre's cached scope",
}
# The package __init__ starts the Celery app (smartunion.celery): every app "imports" it through Python's package
# machinery, and the Celery app only reads settings.
ALWAYS_ALLOWED = {"smartunion", "smartunion.celery"}


def area(module: str) -> str:
    """The top-level part of the project a dotted module name belongs to ("smartunion.orgs.services" -> "orgs")."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def imported_modules(source: str, module: str, *, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every smartunion import in the source, wherever it is in the file."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from smartunion.orgs import services` imports smartunion.orgs.services too.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names
                         if alias.name != "*" and _is_submodule(f"{target}.{alias.name}"))
    return [(line, name) for line, name in found if name == "smartunion" or name.startswith("smartunion.")]


def _is_submodule(name: str) -> bool:
    """Is `name` a module (rather than a class or function imported from its parent)?"""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def refusal(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported` (None when it may)."""
    if imported in ALWAYS_ALLOWED or (importer, imported) in ALLOWED:
        return None
    source, target = area(importer), area(imported)
    if source == target or source in PROJECT:
        return None
    if target in PROJECT:
        return f"{source} imports a project module (only the project wires apps together)"
    known = set(DATA_APPS) | SURFACES | {SEEDER}
    for name in (source, target):
        if name not in known:
            return f"{name} is in no layer: add it to DATA_APPS or SURFACES in tests/test_layering.py"
    if source in DATA_APPS:
        if target in SURFACES or target == SEEDER:
            return f"data app {source} imports {'the seeder' if target == SEEDER else 'the surface'} {target}"
        if DATA_APPS[target] > DATA_APPS[source]:
            return f"{source} imports the higher app {target}"
        return None
    if source == SEEDER:
        return None if target in DATA_APPS else f"the seeder imports {target}, which is no data app"
    # A surface: data apps only.
    if target in SURFACES or target == SEEDER:
        return f"surface {source} imports {target}"
    return None


def violations(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """Each import of `source` (the code of `module`) that goes against the direction, as "module:line: why"."""
    found = []
    for line, imported in imported_modules(source, module, is_package=is_package):
        why = refusal(module, imported)
        if why:
            found.append(f"{module}:{line}: {why} ({imported})")
    return found


def project_modules() -> list[tuple[str, Path, bool]]:
    """(name, file, is a package) of every module under src/smartunion except migrations."""
    root = Path(smartunion.__file__).parent
    found = [("smartunion", root / "__init__.py", True)]
    for info in pkgutil.walk_packages([str(root)], prefix="smartunion."):
        if ".migrations" in info.name:
            continue
        spec = importlib.util.find_spec(info.name)
        found.append((info.name, Path(spec.origin), info.ispkg))
    return found


def test_every_module_imports_and_follows_the_dependency_direction():
    modules = project_modules()
    assert {"smartunion.core.errors", "smartunion.orgs.services", "smartunion.api.views",
            "smartunion.demo.seeding"} <= {name for name, _, _ in modules}
    found = []
    for name, path, is_package in modules:
        importlib.import_module(name)
        found.extend(violations(name, path.read_text(encoding="utf-8"), is_package=is_package))
    assert found == []


def test_every_app_is_in_a_layer():
    root = Path(smartunion.__file__).parent
    apps = {p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    assert apps - set(DATA_APPS) - SURFACES - {SEEDER} == set()


def test_each_allowed_exception_is_still_needed():
    sources = {name: (path.read_text(encoding="utf-8"), is_package) for name, path, is_package in project_modules()}
    for importer, imported in ALLOWED:
        source, is_package = sources[importer]
        assert imported in {name for _, name in imported_modules(source, importer, is_package=is_package)}, (
            importer, imported)


# The checker itself, on sources that break the rules


@pytest.mark.parametrize(("module", "source", "expected"), [
    pytest.param("smartunion.orgs.services", "def recount():\n    from smartunion.members.models import Person\n",
                 ["smartunion.orgs.services:2: orgs imports the higher app members (smartunion.members.models)"],
                 id="lower-imports-higher-inside-a-function"),
    pytest.param("smartunion.core.audit", "import smartunion.accounts.models\n",
                 ["smartunion.core.audit:1: core imports the higher app accounts (smartunion.accounts.models)"],
                 id="plain-import"),
    pytest.param("smartunion.members.services.join", "from ...api import errors\n",
                 ["smartunion.members.services.join:1: data app members imports the surface api (smartunion.api)",
                  "smartunion.members.services.join:1: data app members imports the surface api "
                  "(smartunion.api.errors)"],
                 id="relative-import-of-a-surface"),
    pytest.param("smartunion.orgs.queries", "from smartunion.demo.seeding import Seeder\n",
                 ["smartunion.orgs.queries:1: data app orgs imports the seeder demo (smartunion.demo.seeding)"],
                 id="data-app-imports-the-seeder"),
    pytest.param("smartunion.portal.views", "from smartunion.api.errors import ApiError\n",
                 ["smartunion.portal.views:1: surface portal imports api (smartunion.api.errors)"],
                 id="surface-imports-a-surface"),
    pytest.param("smartunion.demo.seeding", "from smartunion.api import errors\n",
                 ["smartunion.demo.seeding:1: the seeder imports api, which is no data app (smartunion.api)",
                  "smartunion.demo.seeding:1: the seeder imports api, which is no data app "
                  "(smartunion.api.errors)"],
                 id="seeder-imports-a-surface"),
    pytest.param("smartunion.orgs.models", "from smartunion.urls import urlpatterns\n",
                 ["smartunion.orgs.models:1: orgs imports a project module (only the project wires apps together) "
                  "(smartunion.urls)"],
                 id="data-app-imports-the-url-conf"),
    pytest.param("smartunion.newapp.models", "from smartunion.core import errors\n",
                 ["smartunion.newapp.models:1: newapp is in no layer: add it to DATA_APPS or SURFACES in "
                  "tests/test_layering.py (smartunion.core)",
                  "smartunion.newapp.models:1: newapp is in no layer: add it to DATA_APPS or SURFACES in "
                  "tests/test_layering.py (smartunion.core.errors)"],
                 id="unplaced-app"),
])
def test_the_checker_finds_imports_against_the_direction(module, source, expected):
    assert violations(module, source) == expected


def test_the_checker_lets_the_direction_through():
    source = ("from smartunion.core.errors import Invalid\nfrom smartunion.orgs import queries\n"
              "def f():\n    from smartunion.accounts.models import User\n")
    assert violations("smartunion.members.queries", source) == []
    assert violations("smartunion.api.views", source + "from smartunion.members.models import Person\n") == []
    assert violations("smartunion.demo.seeding", source) == []
    assert violations("smartunion.settings", "from smartunion.console import site\n") == []


def test_a_module_in_the_tree_that_breaks_the_rule_is_found(tmp_path):
    # The whole walk, on a copy of one real module with a lazy upward import added.
    path = Path(smartunion.__file__).parent / "orgs" / "regions.py"
    source = path.read_text(encoding="utf-8") + "\n\ndef _bad():\n    from smartunion.members import models\n"
    copy = tmp_path / "regions.py"
    copy.write_text(source, encoding="utf-8")
    found = violations("smartunion.orgs.regions", copy.read_text(encoding="utf-8"))
    line = source.count("\n")
    assert found == [f"smartunion.orgs.regions:{line}: orgs imports the higher app members (smartunion.members)",
                     f"smartunion.orgs.regions:{line}: orgs imports the higher app members "
                     f"(smartunion.members.models)"]
