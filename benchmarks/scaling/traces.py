"""Load traces: when messages arrive, in seconds from the start of the trace."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.scaling.simulator import Arrival

DAY = 24 * 3600


@dataclass(frozen=True)
class Trace:
    name: str
    description: str
    arrivals: tuple[Arrival, ...]
    seconds: int

    @property
    def messages(self) -> int:
        return sum(arrival.count for arrival in self.arrivals)


def burst_after_idle_day(messages: int = 10_000) -> Trace:
    return Trace(
        "burst",
        f"{messages:,} messages at once after a day with none",
        (Arrival(DAY, messages),),
        DAY + 6 * 3600,
    )


def trickle(hours: int = 24) -> Trace:
    return Trace(
        "trickle",
        f"one message a minute for {hours} hours",
        tuple(Arrival(minute * 60, 1) for minute in range(hours * 60)),
        hours * 3600 + 3600,
    )


def daily_peak(peak_per_minute: int = 120) -> Trace:
    """Office hours: nothing at night, a sine from 06:00 to 18:00 peaking at noon."""
    arrivals = []
    for minute in range(6 * 60, 18 * 60):
        rate = peak_per_minute * math.sin(math.pi * (minute - 6 * 60) / (12 * 60))
        if round(rate) > 0:
            arrivals.append(Arrival(minute * 60, round(rate)))
    return Trace(
        "daily peak",
        f"06:00-18:00, a sine peaking at {peak_per_minute} messages a minute at noon; none at night",
        tuple(arrivals),
        DAY,
    )


def poison_message() -> Trace:
    return Trace(
        "poison",
        "one message that fails every time, after a day with none",
        (Arrival(DAY, 1, poison=True),),
        DAY + 6 * 3600,
    )


def all_traces() -> tuple[Trace, ...]:
    return (burst_after_idle_day(), trickle(), daily_peak(), poison_message())
