"""examples/own-job/Dockerfile: FROM the runtime base, one target per job, each naming a handler that
resolves to the right kind of object and the entry point of its pattern; only the handler package is sent."""

from __future__ import annotations

import importlib
import re
import tomllib

import pytest

from ecs_event_patterns.blocks.build_context import context_files
from ecs_runtime.handlers import ObjectHandler
from ecs_runtime.queue import QueueHandlers
from tests.examples.own_job import EXAMPLE, ROOT


def instructions() -> list[str]:
    lines = (line.strip() for line in (EXAMPLE / "Dockerfile").read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def stages() -> dict[str, list[str]]:
    """Instructions of each build stage by name, the `FROM` line first."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in instructions():
        match = re.fullmatch(r"FROM (\S+) AS (\S+)", line)
        if match:
            current = found.setdefault(match.group(2), [f"FROM {match.group(1)}"])
        elif current:
            current.append(line)
    return found


def test_the_image_starts_from_the_runtime_base_named_by_a_build_arg_defaulting_to_its_version() -> None:
    """The default is the tag the README builds from services/Dockerfile's `runtime` target, carrying the
    version of the runtime it holds, so a new runtime version is a new default here too."""
    runtime_version = tomllib.loads((ROOT / "services" / "pyproject.toml").read_text())["project"]["version"]
    assert instructions()[0] == f"ARG RUNTIME_IMAGE=ecs-event-patterns-runtime:{runtime_version}"
    jobs = stages()["jobs"]
    assert jobs[0] == "FROM ${RUNTIME_IMAGE}"
    assert "COPY jobs/textstats /app/textstats" in jobs
    assert jobs[-1] == "USER 10001:10001"  # the runtime base's user, not root


@pytest.mark.parametrize(
    ("target", "entry_point", "kind"),
    [
        ("word-count", "ecs_runtime.upload", ObjectHandler),
        ("publish-stats", "ecs_runtime.queue", QueueHandlers),
    ],
)
def test_each_target_names_a_handler_of_its_pattern_and_runs_that_pattern(
    target: str, entry_point: str, kind: type
) -> None:
    stage = stages()[target]
    assert stage[0] == "FROM jobs"
    assert f'CMD ["python", "-m", "{entry_point}"]' in stage
    [handler] = [line.removeprefix("ENV HANDLER=") for line in stage if line.startswith("ENV HANDLER=")]
    module, _, name = handler.partition(":")
    named = getattr(importlib.import_module(module), name)
    assert isinstance(named, kind) or (kind is ObjectHandler and callable(named))


def test_only_the_handler_package_is_sent_as_the_build_context() -> None:
    """The Pulumi program and its stack files stay out, so editing them keeps the image and its tag."""
    sent = context_files(EXAMPLE, EXAMPLE / "Dockerfile")
    package = sorted(
        path.relative_to(EXAMPLE).as_posix() for path in (EXAMPLE / "jobs" / "textstats").glob("*.py")
    )
    assert sent == [".dockerignore", "Dockerfile", *package]
