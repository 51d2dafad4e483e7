"""Runs one Pulumi Python program on the recording mock and writes what it registered as JSON.

Started by the gate as `python program_host.py REQUEST_JSON` in its own process: the program gets its own
working directory and `sys.path[0]`, and nothing of the gate (not even the `tools` package name) is
importable by it. The request names the program, project, stack, config and the output file; the region is
the config's `aws:region`, else the mock's default. The program's own stdout and stderr pass through
untouched.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import runpy
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

_MOCKS_FILE = Path(__file__).resolve().parent.parent / "pulumi_mocks.py"


def _load_mocks() -> ModuleType:
    """Load tools/pulumi_mocks.py under a private name, so a program's own `tools` package still imports."""
    spec = importlib.util.spec_from_file_location("_policy_gate_pulumi_mocks", _MOCKS_FILE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {_MOCKS_FILE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _run(request: dict[str, Any]) -> list[dict[str, Any]]:
    import pulumi.runtime
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    mocks = _load_mocks()
    pulumi.runtime.config.set_all_config(request["config"], request["secretKeys"])
    monitor = mocks.install(
        project=request["project"],
        stack=request["stack"],
        region=request["config"].get("aws:region", mocks.DEFAULT_REGION),
        preview=bool(request.get("preview")),
    )
    main = request["main"]
    program_dir = str(Path(main).parent)
    os.chdir(program_dir)
    sys.path[0] = program_dir

    def program() -> None:
        runpy.run_path(main, run_name="__main__")

    _sync_await(run_pulumi_func(program))
    return [
        {
            "urn": resource.urn,
            "type": resource.type,
            "name": resource.name,
            "custom": resource.custom,
            "parent": resource.parent,
            "dependencies": list(resource.dependencies),
            "propertyDependencies": {key: list(urns) for key, urns in resource.property_dependencies.items()},
            "provider": resource.provider,
            "inputs": resource.wire_inputs,
            "outputs": resource.wire_outputs,
            "source": {"uri": resource.source_file, "line": resource.source_line},
        }
        for resource in monitor.recorded
    ]


def _is_machinery(filename: str) -> bool:
    """Frames of this host, runpy, asyncio and the Pulumi SDK's runtime: noise around the program's error."""
    return (
        filename == __file__
        or filename.startswith("<frozen")
        or f"{os.sep}asyncio{os.sep}" in filename
        or f"{os.sep}pulumi{os.sep}runtime{os.sep}" in filename
        or filename.endswith(f"{os.sep}pulumi{os.sep}output.py")
    )


def _program_traceback(error: BaseException) -> str:
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__) if not _is_machinery(frame.filename)
    ]
    return (
        "Traceback (most recent call last, program frames only):\n"
        + "".join(traceback.format_list(frames))
        + "".join(traceback.format_exception_only(type(error), error))
    )


def main() -> int:
    # No garbage collection in this one-shot process: importing the provider SDKs (thousands of classes)
    # set off full collections that took a fifth of prod's run, and freed 2 MB of 155 MB (issue 12,
    # measured). Whatever the program leaves is freed when the process exits.
    gc.disable()
    request = json.loads(sys.argv[1])
    os.environ["PULUMI_CONFIG"] = json.dumps(request["config"])
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(request["secretKeys"])
    try:
        resources = _run(request)
    except ModuleNotFoundError as error:
        # Not the program's bug but its environment's: the gate names the module and how to install it.
        Path(request["output"]).write_text(json.dumps({"missingModule": error.name or str(error)}))
        return 1
    except Exception as error:
        problems = getattr(error, "problems", None)
        if not isinstance(problems, list | tuple) or not problems:
            sys.stderr.write(_program_traceback(error))
            return 1
        # A program that reports its problems as a list (bad config): the list, not a traceback.
        summary = str(error).splitlines()[0] if str(error) else type(error).__name__
        report = {"summary": summary, "problems": [str(problem) for problem in problems]}
        Path(request["output"]).write_text(json.dumps(report))
        return 1
    except BaseException as error:  # any failure of the program is reported to the gate, not raised
        sys.stderr.write(_program_traceback(error))
        return 1
    Path(request["output"]).write_text(json.dumps({"resources": resources}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
