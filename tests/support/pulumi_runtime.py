"""The recording mock (tools.pulumi_mocks) with two additions the component tests need.

- Invokes: an older `RecordingMocks.call` answered `(outputs, None)`; pulumi 3.272's `MockMonitor.Invoke`
  iterates the second item as a list of check failures and fails with "'NoneType' object is not iterable".
  The runtime gets the outputs alone, which the monitor accepts, whichever version of the mock answers.
- `register_outputs`: the stock monitor drops them; `registered_outputs(monitor)` maps a component's URN to
  the outputs it registered.
"""

from __future__ import annotations

from typing import Any, cast

import pulumi
from pulumi.runtime import MockCallArgs

from tools import pulumi_mocks

_REGISTERED: dict[int, dict[str, dict[str, Any]]] = {}


def install(**options: Any) -> pulumi_mocks.RecordingMonitor:
    monitor = pulumi_mocks.install(**options)
    mocks = cast(pulumi_mocks.RecordingMocks, monitor.mocks)
    answer = mocks.call

    def outputs_only(args: MockCallArgs) -> dict[str, Any]:
        result: Any = answer(args)
        return cast(dict[str, Any], result[0] if isinstance(result, tuple) else result)

    mocks.call = outputs_only  # type: ignore[method-assign]
    registered: dict[str, dict[str, Any]] = {}
    _REGISTERED[id(monitor)] = registered
    stock = monitor.RegisterResourceOutputs

    def record_outputs(request: Any) -> Any:
        registered[request.urn] = pulumi.runtime.rpc.deserialize_properties(request.outputs)
        return stock(request)  # type: ignore[no-untyped-call]

    monitor.RegisterResourceOutputs = record_outputs  # type: ignore[method-assign]
    return monitor


def registered_outputs(monitor: pulumi_mocks.RecordingMonitor) -> dict[str, dict[str, Any]]:
    """Component URN -> the outputs its `register_outputs` call registered."""
    return _REGISTERED[id(monitor)]
