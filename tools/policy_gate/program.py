"""A Pulumi Python program on disk, its stack config, and its run on the recording mock in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from tools.stack_files import StackFileError, engine_config, load_document, namespace_typos, project_defaults

from .errors import GateError

_HOST = Path(__file__).resolve().parent / "program_host.py"
RUN_TIMEOUT_SECONDS = 600


class ProgramError(GateError):
    """The program cannot be loaded or failed under the mock; `problems` lists each problem when the
    program reported several (its config's, for example)."""


@dataclass(frozen=True)
class Program:
    directory: Path
    project: str
    main: Path
    python: str
    config: Mapping[str, str]
    secret_keys: tuple[str, ...]
    environment_note: str = ""
    """Why the program does not run in the environment its Pulumi.yaml names (empty when it does)."""
    warnings: tuple[str, ...] = ()
    """What in the stack file is almost surely a mistake (a namespace one edit from the project's name)."""

    @property
    def region(self) -> str:
        """Its `aws:region`, else the region the mock answers for."""
        # Imported here, not at the top: the gate starts the program before it imports the Pulumi SDK (see
        # `start`), and the program's host applies the same default itself.
        from tools.pulumi_mocks import DEFAULT_REGION

        return self.config.get("aws:region", DEFAULT_REGION)


def _yaml(path: Path) -> Any:
    try:
        return load_document(path) or {}
    except StackFileError as error:
        raise ProgramError(str(error)) from None


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
    warnings = tuple(f"{stack_file.name}: {warning}" for warning in namespace_typos(name, raw_config))
    python, note = _python(directory, runtime)
    return Program(directory, name, main.resolve(), python, config, tuple(secret_keys), note, warnings)


def _python(directory: Path, runtime: Any) -> tuple[str, str]:
    """The interpreter the Pulumi CLI would run the program with, and a note when it is not that one.

    `runtime.options` as the CLI reads them: `toolchain` pip (default) or uv with `virtualenv` (uv's default
    is `.venv`), or poetry, whose environment `poetry env info --executable` names. When the program names
    none, or the one it names does not exist yet, the gate's own interpreter runs it and the note says so.
    """
    options = runtime.get("options") if isinstance(runtime, Mapping) else None
    options = options if isinstance(options, Mapping) else {}
    toolchain = str(options.get("toolchain") or "pip")
    if toolchain == "poetry":
        return _poetry_python(directory)
    virtualenv = options.get("virtualenv") or (".venv" if toolchain == "uv" else None)
    if not isinstance(virtualenv, str):
        return sys.executable, ""
    candidate = (directory / virtualenv / "bin" / "python").absolute()
    if candidate.is_file():
        return str(candidate), ""
    return sys.executable, (
        f"{directory / 'Pulumi.yaml'} names the virtualenv {virtualenv!r}, which does not exist yet; running "
        f"the program with the gate's interpreter {sys.executable} (create it with "
        f"`python -m venv {virtualenv}` and install the program's requirements into it)"
    )


def _poetry_python(directory: Path) -> tuple[str, str]:
    try:
        completed = subprocess.run(
            ["poetry", "env", "info", "--executable"],  # noqa: S607 - poetry from PATH, as the CLI runs it
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        completed = None
    executable = completed.stdout.strip() if completed and completed.returncode == 0 else ""
    if executable and Path(executable).is_file():
        return executable, ""
    return sys.executable, (
        f"{directory / 'Pulumi.yaml'} uses the poetry toolchain, but `poetry env info --executable` names no "
        f"environment; running the program with the gate's interpreter {sys.executable} "
        "(run `poetry install`)"
    )


class Run:
    """The program running on the mock in its own process: `start()` returns at once, so the gate starts its
    policy packs meanwhile; `resources()` waits for it. Used as a context manager, a run the gate gives up on
    (a pack that fails to start) is stopped and its scratch folder removed."""

    def __init__(self, program: Program, stack: str, *, preview: bool) -> None:
        self.program = program
        self._scratch = tempfile.TemporaryDirectory(prefix="policy-gate-")
        self._output = Path(self._scratch.name) / "resources.json"
        request = {
            "main": str(program.main),
            "project": program.project,
            "stack": stack,
            "config": dict(program.config),
            "secretKeys": list(program.secret_keys),
            "output": str(self._output),
            "preview": preview,
        }
        # Its output goes to files, not pipes: nothing reads it until the program ends, and a full pipe would
        # stall a talkative program.
        self._stdout = (Path(self._scratch.name) / "stdout").open("w+", encoding="utf-8", errors="replace")
        self._stderr = (Path(self._scratch.name) / "stderr").open("w+", encoding="utf-8", errors="replace")
        self._process = subprocess.Popen(  # noqa: S603 - our interpreter and our host script
            [program.python, str(_HOST), json.dumps(request)],
            cwd=program.directory,
            stdout=self._stdout,
            stderr=self._stderr,
        )

    def resources(self) -> list[dict[str, Any]]:
        """Every resource the program registered, with inputs, outputs and its graph; ProgramError when it
        failed."""
        try:
            self._process.wait(timeout=RUN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as error:
            raise ProgramError(f"program did not finish within {RUN_TIMEOUT_SECONDS} s") from error
        answer = json.loads(self._output.read_text()) if self._output.is_file() else {}
        program = self.program
        if "missingModule" in answer:
            raise ProgramError(_missing_module(program, str(answer["missingModule"])))
        if "problems" in answer:
            problems = [str(problem) for problem in answer["problems"]]
            raise ProgramError(f"program {program.main}: {answer['summary']}", problems)
        if self._process.returncode != 0 or "resources" not in answer:
            detail = (_read(self._stderr) or _read(self._stdout)).strip()
            raise ProgramError(f"program {program.main} failed on the mock runtime:\n{detail}")
        resources: list[dict[str, Any]] = answer["resources"]
        return resources

    def stop(self) -> None:
        """Kill the program if it still runs; remove its scratch folder."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._stdout.close()
        self._stderr.close()
        self._scratch.cleanup()

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def start(program: Program, stack: str, *, preview: bool = False) -> Run:
    """Start the program on the mock. With `preview`, as `pulumi preview` runs it: values computed from
    other resources are unknown."""
    return Run(program, stack, preview=preview)


def record(program: Program, stack: str, *, preview: bool = False) -> list[dict[str, Any]]:
    """Run the program on the mock; every resource it registered, with inputs, outputs and its graph."""
    with start(program, stack, preview=preview) as run:
        return run.resources()


def _read(handle: IO[str]) -> str:
    handle.seek(0)
    return handle.read()


def _missing_module(program: Program, module: str) -> str:
    """Which module is missing from the program's environment, and the command that installs it."""
    requirements = program.directory / "requirements.txt"
    distribution = module.split(".")[0].replace("_", "-")
    install = (
        f"{program.python} -m pip install -r {requirements}"
        if requirements.is_file()
        else f"{program.python} -m pip install {distribution}"
    )
    return (
        f"program {program.main} imports {module!r}, which is not installed in its Python environment "
        f"({program.python}); install its dependencies there: {install}"
    )
