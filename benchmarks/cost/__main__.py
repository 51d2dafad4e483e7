"""`python -m benchmarks.cost --stack S`: a stack's monthly cost at a stated load and idle, largest first."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from benchmarks.cost.model import IDLE, LineItem, Load, load_prices, price
from benchmarks.harness import Section
from benchmarks.scaling.policies import from_resources
from benchmarks.scaling.report import simulate, workload_from_resources
from benchmarks.scaling.traces import daily_peak
from tools.policy_gate.program import load, record

ROOT = Path(__file__).resolve().parents[2]
UPLOADS_PER_DAY = 200
SHOWN = 6


def _table(loaded: list[LineItem], idle: list[LineItem]) -> list[str]:
    idle_by_name = {item.name: item for item in idle}
    rows = ["| item | at the stated load | idle | how |", "|---|---|---|---|"]
    for item in loaded:
        rows.append(
            f"| {item.name} | ${item.monthly:,.2f} | ${idle_by_name[item.name].monthly:,.2f} | {item.basis} |"
        )
    total, idle_total = sum(i.monthly for i in loaded), sum(i.monthly for i in idle)
    rows.append(f"| **total** | **${total:,.2f}** | **${idle_total:,.2f}** | |")
    return rows


def cost_section(stack: str) -> Section:
    program = load(ROOT, stack)
    prices = load_prices(program.region)
    resources = record(program, stack)
    stated = Load(queue_minute_tasks=(), queue_messages_per_day=0, uploads_per_day=UPLOADS_PER_DAY)
    if any(r["type"] == "aws:ecs/service:Service" for r in resources):  # a stack may leave the queue out
        trace = daily_peak()
        outcome = simulate(from_resources(resources), workload_from_resources(resources), trace)
        stated = dataclasses.replace(
            stated, queue_minute_tasks=outcome.minute_tasks, queue_messages_per_day=trace.messages
        )
    loaded, idle = price(resources, stated, prices), price(resources, IDLE, prices)
    largest = ", ".join(f"{item.name} ${item.monthly:,.2f}" for item in idle[:3] if item.monthly > 0)
    notes = [
        f"Prices: `benchmarks/cost/prices/{prices.region}.json` (the stack's region, {prices.region}, dated "
        f"{prices.date}; {len(prices.estimated)} of its {len(prices.values)} prices are estimates, marked so "
        f"in that file). Stated load: {stated.describe()}. Idle: no messages and no uploads; the schedule "
        f"still runs. Idle, the largest items are {largest}.",
        "",
        *_table(loaded, idle),
    ]
    return Section(f"Monthly cost, stack {stack}", notes=notes)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost", description=__doc__)
    parser.add_argument("--stack", required=True, help="dev, staging or prod (Pulumi.<stack>.yaml)")
    arguments = parser.parse_args(argv)
    try:
        section = cost_section(arguments.stack)
    except ValueError as error:
        print(f"make cost: {error}", file=sys.stderr)
        return 2
    print(section.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
