"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import purezmq


@pytest.fixture
def ctx() -> Iterator[purezmq.Context]:
    """A blocking purezmq context, destroyed (LINGER 0) after the test."""
    c = purezmq.Context()
    yield c
    c.destroy(linger=0)
