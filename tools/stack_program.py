"""A Pulumi program for one stack on the recording mock: what `pulumi up -s <stack>` would register.

By default this project's program; `directory` names another one (examples/own-job), run as the Pulumi
CLI runs it: with its own `Pulumi.yaml` project name and `Pulumi.<stack>.yaml`, in its own directory.
"""

from __future__ import annotations

import contextlib
import runpy
from pathlib import Path
from typing import Any

import pulumi

from tools import pulumi_mocks
from tools.stack_files import read_stack_config

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "staging", "prod")


def install_stack(
    stack: str, overrides: dict[str, str] | None = None, directory: Path = ROOT
) -> pulumi_mocks.RecordingMonitor:
    """The mock engine with the stack's own config (`Pulumi.<stack>.yaml`), as `pulumi up -s` would set it."""
    config = read_stack_config(directory, stack)
    values = {**config.values, **(overrides or {})}
    monitor = pulumi_mocks.install(
        project=config.project,
        stack=stack,
        region=values.get("aws:region", pulumi_mocks.DEFAULT_REGION),
    )
    pulumi.runtime.config.set_all_config(values, list(config.secret_keys))
    return monitor


def run_program(directory: Path = ROOT) -> dict[str, Any]:
    """Run `directory`'s `__main__.py` on the installed mock; return its stack exports. The CLI runs a
    program in its project directory, so relative paths in it (a build context) mean the same here."""
    with contextlib.chdir(directory):
        return pulumi_mocks.run(lambda: runpy.run_path(str(directory / "__main__.py"), run_name="__main__"))
