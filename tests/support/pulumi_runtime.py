"""The recording mock (tools.pulumi_mocks) made usable with invokes under pulumi 3.272.

`RecordingMocks.call` answers `(outputs, None)`; pulumi 3.272's `MockMonitor.Invoke` iterates the second item
as a list of check failures and fails with "'NoneType' object is not iterable". Until the shared mock
answers `[]` there, `install` hands the runtime the outputs alone, which the monitor also accepts.
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
        outputs, _failures = answer(args)
        return outputs

    mocks.call = outputs_only  # type: ignore[method-assign,assignment]
    return monitor
