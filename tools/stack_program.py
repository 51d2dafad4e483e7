"""This project's program for one stack on the recording mock: what `pulumi up -s <stack>` would register."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi

from tools import pulumi_mocks
from tools.stack_files import read_stack_config

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "staging", "prod")


def install_stack(stack: str, overrides: dict[str, str] | None = None) -> pulumi_mocks.RecordingMonitor:
    """The mock engine with the stack's own config (`Pulumi.<stack>.yaml`), as `pulumi up -s` would set it."""
    config = read_stack_config(ROOT, stack)
    values = {**config.values, **(overrides or {})}
    monitor = pulumi_mocks.install(stack=stack, region=values.get("aws:region", pulumi_mocks.DEFAULT_REGION))
    pulumi.runtime.config.set_all_config(values, list(config.secret_keys))
    return monitor


def run_program() -> dict[str, Any]:
    """Run `__main__.py` on the installed mock; return its stack exports."""
    return pulumi_mocks.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"))
