"""A moto server for the whole session on a free 127.0.0.1 port, reset before each test."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from tests.services.support import Aws, moto_server


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def aws(moto_endpoint: str) -> Aws:
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
    return Aws(moto_endpoint)
