"""What every benchmark shares: local servers, interleaved A/B runs, the figure line and RESULTS.md.

- `moto_server()` (from the workers' tests) and `delay_proxy()` start their process on 127.0.0.1 and stop
  it by its pid.
- `interleaved()` runs the candidates A, B, A, B, ...: drift on a shared machine then hits all alike,
  and a ratio of medians measured side by side says more than any absolute figure.
- `Figure.line()` is the one output format: `name: value (baseline: value, ratio: x)`.
- `append_entry()` adds a dated entry with the machine's core count and Python version to RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tests.services.support import moto_server

__all__ = [
    "RESULTS_FILE",
    "Figure",
    "Samples",
    "Section",
    "append_entry",
    "delay_proxy",
    "interleaved",
    "moto_server",
]

RESULTS_FILE = Path(__file__).resolve().parent / "RESULTS.md"


@contextmanager
def delay_proxy(endpoint: str, delay_ms: int) -> Iterator[str]:
    """`benchmarks.delay_proxy` in front of `endpoint` (http://127.0.0.1:PORT); yields the proxy's URL."""
    upstream = urllib.parse.urlsplit(endpoint)
    if upstream.hostname != "127.0.0.1" or upstream.port is None:
        raise ValueError(f"delay_proxy forwards to 127.0.0.1:PORT only, not {endpoint!r}")
    proxy = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.delay_proxy", str(upstream.port), str(delay_ms)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proxy.stdout is not None
        port = proxy.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"delay proxy did not start (exit code {proxy.poll()})")
        yield f"http://127.0.0.1:{port}"
    finally:
        proxy.terminate()
        try:
            proxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proxy.kill()
            proxy.wait()


@dataclass(frozen=True)
class Samples:
    """Repeated measurements of one figure, in its unit."""

    values: tuple[float, ...]
    unit: str

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("Samples needs at least one value")

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def text(self) -> str:
        """`84.1 msg/s [80.2-86.0]`: the median, then the range of all runs when there were several."""
        shown = f"{_number(self.median)} {self.unit}".rstrip()
        if len(self.values) > 1:
            shown += f" [{_number(min(self.values))}-{_number(max(self.values))}]"
        return shown


def _number(value: float) -> str:
    """Three significant figures, never scientific notation for what benchmarks measure."""
    if value == 0 or abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class Figure:
    """One measured figure beside its baseline, and the goal it is held to (a minimum or maximum ratio)."""

    name: str
    value: Samples
    baseline: Samples | None = None
    goal: str = ""
    """What the figure is held to, e.g. `ratio >= 0.8`; empty when it is shown for context."""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline.median == 0:
            return None
        return self.value.median / self.baseline.median

    def line(self) -> str:
        text = f"{self.name}: {self.value.text()}"
        if self.baseline is not None:
            ratio = self.ratio
            ratio_text = "n/a" if ratio is None else f"{ratio:.2f}"
            text += f" (baseline: {self.baseline.text()}, ratio: {ratio_text})"
        if self.goal:
            text += f"; goal {self.goal}: {'met' if self.met else 'MISSED'}"
        return text


def interleaved(candidates: Mapping[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Each candidate `repeats` times, in turns (A, B, A, B, ...); each call returns one measurement."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    measured: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, measure in candidates.items():
            measured[name].append(measure())
    return measured


@dataclass
class Section:
    """One benchmark's part of a RESULTS.md entry: its figure lines, then free text (tables, notes)."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines += [f"- `{figure.line()}`" for figure in self.figures]
        if self.figures and self.notes:
            lines.append("")
        lines += self.notes
        return "\n".join(lines).rstrip() + "\n"


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()} ({platform.machine()})"


def append_entry(sections: Sequence[Section], *, when: datetime, path: Path = RESULTS_FILE) -> str:
    """Append one dated entry (newest last, so earlier entries never move) and return its text."""
    heading = f"## {when:%Y-%m-%d %H:%M %Z}".rstrip() + f" · {machine()}"
    entry = "\n".join([heading, "", *(section.markdown() for section in sections)])
    existing = path.read_text() if path.exists() else _RESULTS_PREAMBLE
    path.write_text(existing.rstrip("\n") + "\n\n" + entry)
    return entry


_RESULTS_PREAMBLE = """# Benchmark results

Each entry is one `make bench` run: every figure is the median of interleaved repetitions, with the
range of all runs in brackets, beside its baseline measured in the same run. Compare ratios between
entries, not absolute figures: the machine is shared. Newest entry last.
"""
