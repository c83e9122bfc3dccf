"""The console's shape: one admin module per data app sharing only base.py, no import cycle, no module that patches
another's pages, and no import of another surface (portal, api), not even inside a function."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import smartunion

SRC = Path(smartunion.__file__).parent
CONSOLE = SRC / "console"
ADMIN = CONSOLE / "admin"
PAGES = ["orgs", "members", "people", "roster", "accounts", "core", "subsites", "benefits", "cases", "counselling",
         "assistance", "editorial", "editorial_watch",
         "documents_outgoing", "documents_exchange", "documents_reports", "documents_approvals",
         "documents_meetings", "insight_registries", "insight_dashboards", "insight_assessment", "insight_tags",
         "insight_access", "insight_open"]  # registration order
SHARED = {"smartunion.console.admin.base", "smartunion.console.admin.pii_fields"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module an import statement in the file names, at module level or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return names


def console_graph() -> dict[str, set[str]]:
    """Console module -> the console modules it imports."""
    modules = {module_name(p): p for p in CONSOLE.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_admin_package_has_one_module_per_data_app_and_the_shared_base():
    assert sorted(p.stem for p in ADMIN.glob("*.py")) == sorted(["__init__", "base", "pii_fields", *PAGES])
    assert imports_of(ADMIN / "__init__.py") == {"smartunion.console.admin", *(
        f"smartunion.console.admin.{page}" for page in PAGES)}
    source = (ADMIN / "__init__.py").read_text(encoding="utf-8")
    assert [source.index(f"import {page} ") for page in PAGES] == sorted(
        source.index(f"import {page} ") for page in PAGES)


def test_no_console_module_imports_another_surface():
    offending = {module_name(path): sorted(m for m in imports_of(path)
                                           if m.startswith(("smartunion.portal", "smartunion.api")))
                 for path in CONSOLE.rglob("*.py")}
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_subsites_data_app_imports_no_surface():
    offending = {module_name(path): sorted(m for m in imports_of(path) if m.startswith(
        ("smartunion.portal", "smartunion.console", "smartunion.api"))) for path in (SRC / "subsites").rglob("*.py")}
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_console_imports_have_no_cycle():
    graph = console_graph()
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, (*trail, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())


def test_page_modules_share_only_the_base_and_patch_no_other_page():
    graph = console_graph()
    for page in PAGES:
        name = f"smartunion.console.admin.{page}"
        assert {m for m in graph[name] if m.startswith("smartunion.console.admin")} <= SHARED, name
        tree = ast.parse((ADMIN / f"{page}.py").read_text(encoding="utf-8"))
        touched = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert not touched & {"get_model_admin", "_registry"}, name  # reaching for another module's admin


@pytest.mark.parametrize("module", ["base", "pii_fields", *PAGES])
def test_each_admin_module_imports_alone_in_a_fresh_interpreter(module):
    # Django's admin autodiscovery is switched off and the package's __init__ is not run, so the module is the first
    # console page imported and gets nothing from the registration order.
    code = "\n".join([
        "import sys, types, django",
        "from django.contrib.admin.apps import AdminConfig",
        "AdminConfig.ready = lambda self: None",
        "django.setup()",
        "package = types.ModuleType('smartunion.console.admin')",
        f"package.__path__ = [{str(ADMIN)!r}]",
        "sys.modules['smartunion.console.admin'] = package",
        f"import smartunion.console.admin.{module}",
        "loaded = sorted(m for m in sys.modules if m.startswith('smartunion.console.admin.'))",
        "print(' '.join(loaded))",
    ])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smartunion.settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert f"smartunion.console.admin.{module}" in loaded
    assert loaded - {f"smartunion.console.admin.{module}"} <= SHARED
