"""The tree shows the data flow: each layer imports only from the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Lower numbers sit lower in the data flow; a module may import its own layer or lower ones.
LAYERS = {"config": 0, "errors": 0, "filters": 0, "storage": 1, "search": 2, "synthesis": 3, "saved": 3, "accounts": 3,
          "restricted": 3,
          "repository": 4, "cli": 5, "web": 5, "": 6}


def runtime_imports(path: Path) -> list[str]:
    """Return the ``insights`` modules a file imports at run time (not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "insights":
            if node.module == "insights":
                found += [f"insights.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "insights"]
    return found


def layer(module: str) -> int:
    """Return the layer of a dotted ``insights`` module name."""
    parts = module.split(".")[1:]
    if parts and parts[0] == "create_app":
        return LAYERS["web"]  # the app factory is the web layer's entry point
    if not parts:
        return LAYERS[""]
    return LAYERS[parts[0]]


def violations(package: Path) -> list[str]:
    """List every import in the package that points up the data flow."""
    bad = []
    for path in sorted(package.rglob("*.py")):
        own = "insights." + ".".join(path.relative_to(package).with_suffix("").parts).removesuffix(".__init__")
        if path.name in ("__init__.py", "__main__.py") and path.parent == package:
            continue  # the app factory and `python -m insights` sit on top of everything
        for module in runtime_imports(path):
            if layer(module) > layer(own):
                bad.append(f"{path.relative_to(package.parent)} imports {module}")
    return bad


def test_imports_point_down_the_data_flow():
    assert violations(ROOT / "insights") == []


def test_the_check_catches_an_import_pointing_up(tmp_path):
    package = tmp_path / "insights"
    (package / "storage").mkdir(parents=True)
    (package / "storage" / "store.py").write_text("from insights.search.engine import Hit\n")
    (package / "config.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                       "    from insights.repository import Repository\n")
    assert violations(package) == ["insights/storage/store.py imports insights.search.engine"]


def test_ingest_never_imports_the_app():
    for path in (ROOT / "ingest").rglob("*.py"):
        assert runtime_imports(path) == [], path


@pytest.mark.parametrize("folder", ["insights/storage", "insights/search", "insights/synthesis", "insights/saved",
                                    "insights/cli", "insights/web", "templates"])
def test_the_top_level_shows_the_flow(folder):
    assert (ROOT / folder).is_dir()
    assert not (ROOT / "insights" / "templates").exists()
