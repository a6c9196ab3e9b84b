"""Fixtures for the proxy and device tests (also used by tests/test_proxy.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.devices._api import Api, Harness, load_api


@pytest.fixture
def api() -> Api:
    return load_api()


@pytest.fixture
def h(api: Api) -> Iterator[Harness]:
    harness = Harness(api)
    yield harness
    harness.close()
