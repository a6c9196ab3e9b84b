"""Fixtures for purezmq-only socket behaviour tests ("ours" on both ends; pyzmq is the spec)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.sockets._ours import Endpoints, Side, load_ours


@pytest.fixture
def ours() -> ModuleType:
    """The module under test (imported here, never at collection time)."""
    return load_ours()


@pytest.fixture
def side(ours: ModuleType, endpoints: Endpoints) -> Iterator[Side]:
    """A context of ours; all its sockets are closed with linger 0 and it is terminated."""
    s = Side(ours, "ours")
    yield s
    s.close()


@pytest.fixture
def endpoints() -> Iterator[Endpoints]:
    e = Endpoints()
    yield e
    e.cleanup()
