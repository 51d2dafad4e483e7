"""The gate tests' pack servers, shared by the runs of one test process and stopped when it ends."""

from collections.abc import Iterator

import pytest

from tests.gate.test_gate import SHARED_PACKS


@pytest.fixture(scope="session", autouse=True)
def _stop_shared_pack_servers() -> Iterator[None]:
    yield
    SHARED_PACKS.close()
