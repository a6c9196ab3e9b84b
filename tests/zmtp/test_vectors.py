"""The captured libzmq vectors: our copy is current, and every vector this core handles is
exercised by some test."""

from __future__ import annotations

import json
import pathlib

import pytest

from tests.zmtp.helpers import VECTORS

HERE = pathlib.Path(__file__).parent
SHARED = HERE.parents[2] / "shared" / "spec" / "test_vectors.json"
#: Key material and Z85 belong to CURVE (a later layer), not to this core.
NOT_OURS = ("curve_key_", "z85_")


def test_copy_matches_the_shared_spec() -> None:
    if not SHARED.exists():
        pytest.skip("shared spec directory not present")
    assert json.loads(SHARED.read_text()) == json.loads(
        (HERE / "data" / "test_vectors.json").read_text()
    )


def test_every_vector_is_used() -> None:
    sources = "".join(p.read_text() for p in HERE.rglob("test_*.py") if p.name != "test_vectors.py")
    unused = [
        name
        for name in VECTORS
        if not name.startswith(NOT_OURS)
        and f'"{name}"' not in sources
        and not (name.startswith("ready_") and "ready_{" in sources)
    ]
    assert unused == []
