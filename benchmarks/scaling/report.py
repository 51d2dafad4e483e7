"""Scaling, simulated: the program's own scaling resources against CDK's defaults on four load traces.

`python -m benchmarks.scaling.report [STACK]` (default prod) runs the program on the mock runtime, reads
its scaling target, policies and alarms, and prints one table row per trace and setup.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import Figure, Samples, Section
from benchmarks.scaling.policies import ScalingSetup, cdk_queue_processing_defaults, from_resources
from benchmarks.scaling.simulator import Outcome, Simulation, Workload
from benchmarks.scaling.traces import Trace, all_traces, daily_peak
from tools.policy_gate.program import load, record

ROOT = Path(__file__).resolve().parents[2]
JOB_SECONDS = 10.0
"""A job a little heavier than a small S3 read and write: seconds, not milliseconds, so scaling matters."""
START_SECONDS = 60.0
"""From the desired count going up to the task polling: Fargate placement, image pull, Python start."""
START_SENSITIVITY_SECONDS = (30.0, 60.0, 120.0)


def _environment(task_definition: Mapping[str, Any]) -> dict[str, str]:
    definitions = task_definition["inputs"]["containerDefinitions"]
    while isinstance(definitions, str):  # the mock records it JSON-encoded, once or twice
        definitions = json.loads(definitions)
    return {item["name"]: item["value"] for item in definitions[0].get("environment", [])}


def workload_from_resources(resources: Sequence[Mapping[str, Any]]) -> Workload:
    """Concurrency from the worker's task definition; visibility and receive count from its queue."""
    [worker] = [
        r
        for r in resources
        if r["type"] == "aws:ecs/taskDefinition:TaskDefinition" and "QUEUE_URL" in _environment(r)
    ]
    environment = _environment(worker)
    queue_url = environment["QUEUE_URL"]
    [queue] = [
        r
        for r in resources
        if r["type"] == "aws:sqs/queue:Queue" and queue_url.endswith("/" + str(r["outputs"].get("name")))
    ]
    redrive = json.loads(queue["inputs"]["redrivePolicy"])
    return Workload(
        concurrency=int(environment["WORKER_CONCURRENCY"]),
        job_seconds=JOB_SECONDS,
        start_seconds=START_SECONDS,
        visibility_timeout_seconds=float(queue["inputs"]["visibilityTimeoutSeconds"]),
        max_receive_count=int(redrive["maxReceiveCount"]),
        scale_in_protection=True,
    )


def simulate(setup: ScalingSetup, workload: Workload, trace: Trace) -> Outcome:
    return Simulation(setup, workload).run(trace.arrivals, trace.seconds)


def _minutes(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


def comparison(stack: str = "prod") -> tuple[Section, dict[str, dict[str, Outcome]]]:
    resources = record(load(ROOT, stack), stack)
    ours = from_resources(resources)
    workload = workload_from_resources(resources)
    cdk = cdk_queue_processing_defaults(ours.max_capacity)
    cdk_workload = dataclasses.replace(workload, scale_in_protection=False)
    outcomes: dict[str, dict[str, Outcome]] = {}
    rows = [
        "| trace | setup | first task (min) | drain (min) | peak tasks | task starts | task-minutes "
        "| idle task-minutes | messages > 5 min old |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for trace in all_traces():
        outcomes[trace.name] = {
            "ours": simulate(ours, workload, trace),
            "cdk": simulate(cdk, cdk_workload, trace),
        }
        for label, outcome in (
            ("this program", outcomes[trace.name]["ours"]),
            ("CDK defaults", outcomes[trace.name]["cdk"]),
        ):
            rows.append(
                f"| {trace.name} | {label} | {_minutes(outcome.first_task_minutes)} | "
                f"{_minutes(outcome.drain_minutes)} | {outcome.peak_tasks} | {outcome.task_starts:,} | "
                f"{outcome.task_minutes:,.0f} | "
                f"{outcome.idle_task_minutes:,.0f} | {outcome.old_messages:,} |"
            )
    figures = [
        Figure(
            f"scaling.{name.replace(' ', '_')}.task_minutes",
            Samples((outcomes[name]["ours"].task_minutes,), "task-min"),
            Samples((outcomes[name]["cdk"].task_minutes,), "task-min"),
            goal="ratio <= 0.5",
            met=outcomes[name]["ours"].task_minutes <= 0.5 * outcomes[name]["cdk"].task_minutes,
        )
        for name in ("trickle", "daily peak")
    ]
    burst = outcomes["burst"]
    figures.append(
        Figure(
            "scaling.burst.drain",
            Samples((burst["ours"].drain_minutes or float("inf"),), "min"),
            Samples((burst["cdk"].drain_minutes or float("inf"),), "min"),
            goal="ratio <= 1",
            met=(burst["ours"].drain_minutes or float("inf")) <= (burst["cdk"].drain_minutes or float("inf")),
        )
    )
    first = burst["ours"].first_task_minutes
    figures.append(
        Figure(
            "scaling.burst.first_task",
            Samples((first if first is not None else float("inf"),), "min"),
            goal="<= 3 min",
            met=first is not None and first <= 3,
        )
    )
    idle = burst["ours"].idle_task_minutes
    figures.append(
        Figure("scaling.idle_day.task_minutes", Samples((idle,), "task-min"), goal="= 0", met=idle == 0)
    )
    sensitivity = [
        "",
        "Sensitivity to the task start time (daily peak trace; task-minutes, peak tasks in brackets):",
        "",
        "| task start | this program | CDK defaults |",
        "|---|---|---|",
    ]
    for start in START_SENSITIVITY_SECONDS:
        trace = daily_peak()
        mine = simulate(ours, dataclasses.replace(workload, start_seconds=start), trace)
        theirs = simulate(cdk, dataclasses.replace(cdk_workload, start_seconds=start), trace)
        sensitivity.append(
            f"| {start:g} s | {mine.task_minutes:,.0f} ({mine.peak_tasks}) | "
            f"{theirs.task_minutes:,.0f} ({theirs.peak_tasks}) |"
        )
    notes = [
        f"Stack `{stack}`: bounds {ours.min_capacity}-{ours.max_capacity} tasks; CDK's defaults run with the "
        f"same maximum (its own default is 2) and min 1. Model: {workload.describe()}. CDK's service gets "
        "the same work and queue; its worker has no scale-in protection. Traces: "
        + "; ".join(f"**{t.name}**: {t.description}" for t in all_traces())
        + ". The rules and their AWS sources are in `benchmarks/scaling/simulator.py`. First task: minutes "
        "from the first message to the first running task; drain: from the last arrival until every message "
        "is done or dead-lettered; task starts: tasks started during the trace (each billed while it "
        "starts); task-minutes: billed (pending or running) over the whole trace, idle: before the first "
        "message; old: done over 5 minutes after arriving, dead-lettered or never done.",
        "",
        *rows,
        *sensitivity,
        *_trickle_note(outcomes["trickle"]),
    ]
    return Section(f"Scaling, simulated (stack {stack})", figures, notes), outcomes


def _trickle_note(trickle: Mapping[str, Outcome]) -> list[str]:
    """Why the trickle misses its goal when the service keeps one task: said from the figures."""
    ours, cdk = trickle["ours"], trickle["cdk"]
    if ours.task_minutes <= 0.5 * cdk.task_minutes or ours.task_starts > 2:
        return []
    return [
        "",
        "Trickle: one message a minute never leaves the queue idle as long as the sleep alarm waits, so the "
        f"service keeps one task (task starts: {ours.task_starts}; {ours.task_minutes:,.0f} task-minutes, "
        f"CDK's always-on task "
        f"{cdk.task_minutes:,.0f}): half of CDK's would need the task stopped between messages, a start per "
        f"message, each message waiting about {ours.first_task_minutes or 0:.0f} minutes for its task.",
    ]


def main(argv: list[str]) -> int:
    section, _ = comparison(argv[1] if len(argv) > 1 else "prod")
    print(section.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
