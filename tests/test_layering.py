"""The one rule: protocol (zmtp/) and routing (routing/) code does no I/O."""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "purezmq"
FORBIDDEN = {
    "asyncio",
    "socket",
    "selectors",
    "threading",
    "time",
    "select",
    "ssl",
    "subprocess",
    "multiprocessing",
    "concurrent",
}


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["zmtp", "routing"])
def test_sans_io_packages_import_no_io_module(package: str) -> None:
    files = sorted((SRC / package).rglob("*.py"))
    assert files, f"no modules found under {package}/"
    offenders = {
        str(f.relative_to(SRC)): sorted(_imports(f) & FORBIDDEN)
        for f in files
        if _imports(f) & FORBIDDEN
    }
    assert offenders == {}


def test_layering_check_detects_a_forbidden_import(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import asyncio\nfrom time import monotonic\n")
    assert _imports(bad) & FORBIDDEN == {"asyncio", "time"}
