"""Policy gate latency: `python -m tools.policy_gate --stack S` beside the same program on the mock runtime.

The baseline is the gate's own first step alone: the program run once on the recording mock in its own
process (`tools.policy_gate.program.record`), with no policy pack. Both are timed as the commands a
developer runs, interpreter start included, interleaved per stack.

`python -m benchmarks.gate_latency [--quick]` prints the figures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from benchmarks.harness import Figure, Samples, Section, interleaved
from tests.services.support import REPO_ROOT

STACKS = ("dev", "staging", "prod")
GOAL_SECONDS = 10


def _timed(command: list[str]) -> float:
    started = time.monotonic()
    finished = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    seconds = time.monotonic() - started
    if finished.returncode != 0:
        raise RuntimeError(
            f"{command} exited {finished.returncode}: {(finished.stderr or finished.stdout)[-2000:]}"
        )
    return seconds


def _gate(stack: str) -> Callable[[], float]:
    return lambda: _timed([sys.executable, "-m", "tools.policy_gate", "--stack", stack])


def _program(stack: str) -> Callable[[], float]:
    script = (
        "from pathlib import Path; from tools.policy_gate.program import load, record; "
        f"record(load(Path('.'), {stack!r}), {stack!r})"
    )
    return lambda: _timed([sys.executable, "-c", script])


def measure(quick: bool) -> Section:
    figures = []
    repeats = 1 if quick else 2
    for stack in STACKS:
        seconds = interleaved({"gate": _gate(stack), "program": _program(stack)}, repeats)
        gate, program = Samples(tuple(seconds["gate"]), "s"), Samples(tuple(seconds["program"]), "s")
        figures.append(
            Figure(
                f"gate.{stack}.seconds",
                gate,
                program,
                goal=f"ratio <= 2 and < {GOAL_SECONDS} s",
                met=gate.median <= 2 * program.median and gate.median < GOAL_SECONDS,
            )
        )
    notes = [
        "Baseline: the same program once on the recording mock in its own process, without policy packs. "
        f"Wall time of each command, interpreter start included; runs interleaved, {repeats} per stack."
    ]
    return Section("Policy gate latency", figures, notes)


def main(argv: list[str]) -> int:
    for figure in measure(quick="--quick" in argv).figures:
        print(figure.line())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
