"""Imports go downwards only (DESIGN.md layer table); nothing imports ``training``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "spinlens"

LAYERS = {
    "errors": 0,
    "schema": 0,
    "taxonomy": 0,
    "_technique_texts": 0,
    "_modelmeta": 0,
    "_interrupts": 0,
    "text": 1,
    "_linear": 2,
    "_windows": 2,
    "_judge": 2,
    "_onnx": 2,
    "model": 2,
    "modelbuild": 2,
    "rules": 2,
    "analysis": 2,
    "pipeline": 3,
    "evaluation": 3,
    "datasets": 3,
    "ingest": 4,
    "render": 4,
    "store": 4,
    "batch": 4,
    "settings": 5,
    "cli": 5,
    "web": 5,
    "__init__": 5,
    "__main__": 5,
}
STDLIB_ONLY = {"errors", "schema", "taxonomy", "_technique_texts", "_modelmeta", "_interrupts"}


def _top(module_path: Path) -> str:
    rel = module_path.relative_to(SRC).with_suffix("")
    first = rel.parts[0]
    if first.startswith("_cli_"):
        return "cli"
    return first


def _modules():
    for p in sorted(SRC.rglob("*.py")):
        yield p


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", list(_modules()), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_go_downwards(path):
    me = _top(path)
    if me == "training":
        return
    assert me in LAYERS, f"{path}: add its package to the layer table in this test and in DESIGN.md"
    for name in _imports(path):
        if not name.startswith("spinlens"):
            if me in STDLIB_ONLY:
                root = name.split(".")[0]
                import sys

                assert root in sys.stdlib_module_names or root == "__future__", (
                    f"{path} is in a stdlib-only layer but imports {name}"
                )
            continue
        parts = name.split(".")
        if len(parts) == 1:
            target = "__init__"
        else:
            target = parts[1] if not parts[1].startswith("_cli_") else "cli"
        if target == "training":
            assert me == "cli", f"{path} imports spinlens.training; only the CLI's train command may"
            continue
        assert target in LAYERS, f"{path} imports unknown spinlens module {name}"
        if target == "__init__" and LAYERS[me] < 5:
            pytest.fail(f"{path} imports the package root {name}; import the defining module instead")
        assert LAYERS[target] <= LAYERS[me], (
            f"{path} (layer {LAYERS[me]}: {me}) imports {name} (layer {LAYERS[target]}): "
            "imports go downwards only"
        )
