"""The recording mock (tools.pulumi_mocks) with one addition the component tests need.

`register_outputs`: the stock monitor drops them; `registered_outputs(monitor)` maps a component's URN to
the outputs it registered. (Invokes need nothing more: the shared mock now answers them with outputs alone.)
"""

from __future__ import annotations

from typing import Any

import pulumi

from tools import pulumi_mocks

_REGISTERED: dict[int, dict[str, dict[str, Any]]] = {}


def install(**options: Any) -> pulumi_mocks.RecordingMonitor:
    monitor = pulumi_mocks.install(**options)
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
