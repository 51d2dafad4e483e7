"""A Pulumi Python program on disk, its stack config, and its run on the recording mock in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.pulumi_mocks import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from tools.stack_files import engine_config, project_defaults

_HOST = Path(__file__).resolve().parent / "program_host.py"
RUN_TIMEOUT_SECONDS = 600


class ProgramError(Exception):
    """The program cannot be loaded or failed under the mock; the message says why."""


@dataclass(frozen=True)
class Program:
    directory: Path
    project: str
    main: Path
    python: str
    config: Mapping[str, str]
    secret_keys: tuple[str, ...]

    @property
    def region(self) -> str:
        return self.config.get("aws:region", DEFAULT_REGION)


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except OSError as error:
        raise ProgramError(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ProgramError(f"{path} is not valid YAML: {error}") from error


def load(directory: Path, stack: str) -> Program:
    """Read Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does for a Python program."""
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        raise ProgramError(f"{directory} has no Pulumi.yaml: not a Pulumi project")
    project = _yaml(project_file)
    name = project.get("name") if isinstance(project, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ProgramError(f"{project_file} has no project name")
    runtime = project.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise ProgramError(
            f"{project_file}: runtime {runtime_name!r} is not python; the gate runs Python programs"
        )
    main = directory / str(project.get("main") or ".")
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise ProgramError(f"{directory}: program entry point {main.name} not found")
    stack_file = directory / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        raise ProgramError(f"{directory} has no {stack_file.name}: unknown stack {stack!r}")
    raw_config = _yaml(stack_file).get("config") or {}
    if not isinstance(raw_config, Mapping):
        raise ProgramError(f"{stack_file}: `config` is not a mapping")
    config, secret_keys = engine_config(name, {**project_defaults(project), **raw_config})
    return Program(directory, name, main.resolve(), _python(directory, runtime), config, tuple(secret_keys))


def _python(directory: Path, runtime: Any) -> str:
    """The program's virtualenv interpreter when Pulumi.yaml names one that exists, else the gate's own."""
    options = runtime.get("options") if isinstance(runtime, Mapping) else None
    virtualenv = options.get("virtualenv") if isinstance(options, Mapping) else None
    if isinstance(virtualenv, str):
        candidate = (directory / virtualenv / "bin" / "python").absolute()
        if candidate.is_file():
            return str(candidate)
    return sys.executable


def record(program: Program, stack: str) -> list[dict[str, Any]]:
    """Run the program on the mock; every resource it registered, with inputs, outputs and its graph."""
    with tempfile.TemporaryDirectory(prefix="policy-gate-") as scratch:
        output = Path(scratch) / "resources.json"
        request = {
            "main": str(program.main),
            "project": program.project,
            "stack": stack,
            "config": dict(program.config),
            "secretKeys": list(program.secret_keys),
            "region": program.region,
            "accountId": DEFAULT_ACCOUNT_ID,
            "output": str(output),
        }
        try:
            completed = subprocess.run(  # noqa: S603 - our interpreter and our host script
                [program.python, str(_HOST), json.dumps(request)],
                cwd=program.directory,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise ProgramError(f"program did not finish within {RUN_TIMEOUT_SECONDS} s") from error
        if completed.returncode != 0 or not output.is_file():
            detail = (completed.stderr or completed.stdout).strip()
            raise ProgramError(f"program {program.main} failed on the mock runtime:\n{detail}")
        resources: list[dict[str, Any]] = json.loads(output.read_text())["resources"]
        return resources
