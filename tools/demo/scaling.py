"""The queue service's worker count for a burst, from the program's own scaling target, policies and alarms.

Application Auto Scaling and CloudWatch alarms do not run in the emulator, so the demo asks the scaling
simulation the benchmarks use (`benchmarks/scaling/simulator.py`, whose docstring states the model: one
data point a minute, alarm evaluation periods and missing data, step and target-tracking policies with
their cooldowns, scale from and to zero). It reads the same recorded resources
(`benchmarks.scaling.policies.from_resources`); the demo adds only the work: the burst it sends (the
poison message included), jobs of `JOB_SECONDS`, tasks running `START_SECONDS` after they are asked for.
The demo runs the peak task count the simulation reaches, and stops them all when it asks for zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from benchmarks.scaling.policies import from_resources
from benchmarks.scaling.simulator import Arrival, Simulation, Workload
from tools.demo.graph import Graph, Resource

JOB_SECONDS = 1.0
"""The demo's jobs convert a few rows: about a second each, not the benchmark's heavier 10 s."""
START_SECONDS = 60.0
"""From the desired count going up to the task polling: Fargate placement, image pull, Python start."""
SIMULATED_MINUTES = 60


@dataclass(frozen=True)
class Decision:
    tasks: int
    why: str


def _records(graph: Graph) -> list[dict[str, object]]:
    return [
        {"type": resource.type, "name": resource.name, "inputs": resource.inputs, "outputs": resource.outputs}
        for resource in graph
    ]


def burst(
    graph: Graph, worker: Resource, queue: Resource, messages: int, poison: int
) -> tuple[Decision, Decision]:
    """The tasks the service reaches for `messages` (+ `poison`) sent at once, and where it ends."""
    containers = worker.document("containerDefinitions")
    environment = {item["name"]: item["value"] for item in containers[0].get("environment", [])}
    redrive = json.loads(str(queue.inputs["redrivePolicy"]))
    workload = Workload(
        concurrency=int(environment.get("WORKER_CONCURRENCY", 1)),
        job_seconds=JOB_SECONDS,
        start_seconds=START_SECONDS,
        visibility_timeout_seconds=float(queue.inputs["visibilityTimeoutSeconds"]),
        max_receive_count=int(redrive["maxReceiveCount"]),
        scale_in_protection=True,
    )
    setup = from_resources(_records(graph))
    arrivals = [Arrival(0, messages)] + ([Arrival(0, poison, poison=True)] if poison else [])
    outcome = Simulation(setup, workload).run(arrivals, SIMULATED_MINUTES * 60)
    per_minute = list(outcome.minute_tasks)
    ends = per_minute[-1] if per_minute else setup.min_capacity
    scale_out = Decision(
        outcome.peak_tasks,
        f"simulated from the recorded policies (min {setup.min_capacity}, max {setup.max_capacity}), "
        f"tasks by minute: {runs(per_minute)}",
    )
    scale_in = Decision(ends, f"the simulation ends at {ends} task(s) once the queue is empty")
    return scale_out, scale_in


def runs(per_minute: list[int]) -> str:
    """`[0, 1, 1, 1, 0]` as `0 (minute 0), 1 (minutes 1-3), 0 (minute 4)`."""
    parts: list[str] = []
    start = 0
    for minute in range(1, len(per_minute) + 1):
        if minute == len(per_minute) or per_minute[minute] != per_minute[start]:
            span = f"minute {start}" if minute - 1 == start else f"minutes {start}-{minute - 1}"
            parts.append(f"{per_minute[start]} ({span})")
            start = minute
    return ", ".join(parts)
