"""`python -m benchmarks [--quick] [--no-record] [NAME ...]`: run the benchmarks, append one RESULTS.md entry.

NAME is any of queue, ingest, gate, scaling, cost (default: all, in that order). `--quick` runs fewer
and smaller repetitions (for development; its figures are not comparable); `--no-record` prints only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from benchmarks import gate_latency, ingest_throughput, queue_throughput
from benchmarks.cost.__main__ import cost_section
from benchmarks.harness import Section, append_entry
from benchmarks.scaling.report import comparison

BENCHMARKS: dict[str, Callable[[bool], list[Section]]] = {
    "queue": lambda quick: [queue_throughput.measure(quick)],
    "ingest": lambda quick: [ingest_throughput.measure(quick)],
    "gate": lambda quick: [gate_latency.measure(quick)],
    "scaling": lambda quick: [comparison("prod")[0]],
    "cost": lambda quick: [cost_section("prod"), cost_section("dev")],
}


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have been waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    arguments = parser.parse_args(argv)
    unknown = sorted(set(arguments.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    sections: list[Section] = []
    started = time.monotonic()
    load_at_start = _load()
    failed = False
    shares: list[str] = []
    for name in arguments.names or list(BENCHMARKS):
        began, cpu_before, load_before = time.monotonic(), _cpu_seconds(), _load()
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            produced = BENCHMARKS[name](arguments.quick)
        except Exception as error:  # one broken benchmark must not cost the others' figures
            failed = True
            produced = [Section(name, notes=[f"**Failed**: `{type(error).__name__}: {error}`"])]
        for section in produced:
            sections.append(section)
            print(section.markdown(), flush=True)
        share = (
            f"{name} {time.monotonic() - began:.0f} s ({_cpu_seconds() - cpu_before:.0f} s CPU; load "
            f"{load_before} -> {_load()})"
        )
        shares.append(share)
        print(f"== {share}", file=sys.stderr, flush=True)
    sections.append(
        Section(
            "Run",
            notes=[
                f"`make bench` took {time.monotonic() - started:.0f} s: {'; '.join(shares)}. CPU is this "
                "process's and every process it started and waited for (servers, workers, baselines): about "
                "what a part takes on a quiet machine, less where two processes work at once, more where it "
                "waits (delays, polls); load averages are 1/5/15 min, at the start "
                f"{load_at_start}, at the end {_load()}: other work shared the cores."
            ],
        )
    )
    if not arguments.no_record and not arguments.quick:
        append_entry(sections, when=datetime.now(UTC))
        print("appended to benchmarks/RESULTS.md", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
