"""Every component test runs against a fresh recording mock of the Pulumi engine."""

import pytest

from tools import pulumi_mocks


@pytest.fixture
def monitor() -> pulumi_mocks.RecordingMonitor:
    return pulumi_mocks.install(stack="dev", region="us-east-1")
