"""The house's rules (DESIGN.md): imports point one way, intake -> scoring
-> routing; no import loops; no import inside a function to dodge one; pure
rules know neither Flask nor the database. Read from the code's own imports."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from support import ROOT

PACKAGES = ("intake", "routing", "scoring")
# Which packages each may import: the order of the layers.
MAY_IMPORT = {"intake": {"intake", "scoring", "routing"}, "scoring": {"scoring", "routing"}, "routing": {"routing"}}
# Rule modules are pure: no web framework, no database session.
PURE = ("routing/rules", "scoring/engine")
IMPURE = ("flask", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy")
# `gunicorn 'intake:create_app()'` resolves the app factory on first use, so
# that importing a part of intake does not build the whole app.
# `feedback` (intake.shell.entry) loads either the lean tick or the full
# command line, so that the tick, run every minute, builds no web app.
# An SMS provider's sender, with its SDK, is loaded only when configured.
LAZY = {("intake/__init__.py", "intake.shell.factory"),
        ("intake/shell/entry.py", "intake.shell.tick_command"), ("intake/shell/entry.py", "intake.shell.cli"),
        ("intake/shell/senders.py", "intake.sms.twilio_sender"), ("intake/shell/senders.py", "intake.sms.domestic")}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, at module level?) for every import of the project's packages."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            target = [n for n in names if n in MODULES] or [node.module]
        elif isinstance(node, ast.Import):
            target = [alias.name for alias in node.names]
        else:
            continue
        for name in target:
            if name.split(".")[0] in PACKAGES + IMPURE:
                found.append((name, id(node) in top))
    return found


def owning_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def graph() -> dict[str, set[str]]:
    edges = defaultdict(set)
    for name, path in MODULES.items():
        for target, _top in imports(path):
            owner = owning_module(target)
            if owner and owner != name:
                edges[name].add(owner)
    return edges


def test_imports_point_one_way_intake_scoring_routing():
    upward = [(name, target) for name, path in MODULES.items() for target, _top in imports(path)
              if target.split(".")[0] in PACKAGES and target.split(".")[0] not in MAY_IMPORT[name.split(".")[0]]]
    assert upward == []


def test_no_import_loops():
    edges, loops = graph(), []
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                loops.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(MODULES):
        if node not in state:
            visit(node, [node])
    assert loops == []


def test_no_import_of_the_project_inside_a_function():
    hidden = [(str(path.relative_to(ROOT)), target) for name, path in MODULES.items()
              for target, top in imports(path)
              if not top and target.split(".")[0] in PACKAGES and (str(path.relative_to(ROOT)), target) not in LAZY]
    assert hidden == []


@pytest.mark.parametrize("folder", PURE)
def test_rule_modules_are_pure(folder):
    impure = [(str(path.relative_to(ROOT)), target) for name, path in MODULES.items()
              if str(path.relative_to(ROOT)).startswith(folder)
              for target, _top in imports(path) if target.split(".")[0] in IMPURE]
    assert impure == []


def test_the_checks_see_the_imports_they_judge():
    """A check that finds nothing because it reads nothing would pass too."""
    edges = graph()
    assert "routing.services.cases" in edges["routing.services.lifecycle"]
    assert "routing.rules.access" in edges["routing.services.lifecycle"]
    assert any(target.startswith("flask") for target, _top in imports(MODULES["routing.web.glue"]))
