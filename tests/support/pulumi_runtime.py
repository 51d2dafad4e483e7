"""The recording mock (tools.pulumi_mocks) made usable with invokes under pulumi 3.272.

An older `RecordingMocks.call` answered `(outputs, None)`; pulumi 3.272's `MockMonitor.Invoke` iterates the
second item as a list of check failures and fails with "'NoneType' object is not iterable". The shared mock
now answers the outputs alone; `install` accepts both, so tests run on either version of the mock.
"""

from __future__ import annotations

from typing import Any, cast

from pulumi.runtime import MockCallArgs

from tools import pulumi_mocks


def install(**options: Any) -> pulumi_mocks.RecordingMonitor:
    monitor = pulumi_mocks.install(**options)
    mocks = cast(pulumi_mocks.RecordingMocks, monitor.mocks)
    answer = mocks.call

    def outputs_only(args: MockCallArgs) -> dict[str, Any]:
        result: Any = answer(args)
        return cast(dict[str, Any], result[0] if isinstance(result, tuple) else result)

    mocks.call = outputs_only  # type: ignore[method-assign]
    return monitor
