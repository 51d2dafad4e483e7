"""services/Dockerfile: the contract with the image build (targets, entry points, user, environment)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"


def stages() -> dict[str, list[str]]:
    """Instructions of each build stage, by stage name (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", (SERVICES / "Dockerfile").read_text())
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"FROM (\S+) AS (\S+)", line)
        if match:
            current = found.setdefault(match.group(2), [f"FROM {match.group(1)}"])
        else:
            current.append(line)
    return found


@pytest.mark.parametrize("worker", ["ingest", "report", "worker"])
def test_each_worker_has_a_target_with_an_exec_form_entry_point(worker: str) -> None:
    target = stages()[worker]
    assert target[0] == "FROM runtime"
    assert f'ENTRYPOINT ["python", "-m", "services.{worker}"]' in target
    assert (SERVICES / worker / "__main__.py").is_file()


def test_runtime_is_slim_pinned_non_root_and_copies_the_package_under_app() -> None:
    build, runtime = stages()["build"], stages()["runtime"]
    assert re.fullmatch(r"FROM python:3\.11\.\d+-slim-\w+", build[0])
    assert runtime[0] == build[0]
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert runtime[runtime.index("WORKDIR /app") + 1] == "COPY . /app/services/"
    assert re.fullmatch(r"USER \d+:\d+", runtime[-1])
    env = next(line for line in runtime if line.startswith("ENV "))
    for setting in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PATH=/opt/venv/bin:$PATH"):
        assert setting in env
    assert not any(line.startswith("RUN") and "pip install" in line for line in runtime)


def test_dockerignore_keeps_what_the_image_needs() -> None:
    ignored = [
        line
        for line in (SERVICES / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert "requirements.txt" not in ignored
    assert "**/__pycache__" in ignored
    assert not any(
        pattern in ("*.py", "**/*.py", "common", "ingest", "report", "worker") for pattern in ignored
    )


def test_the_runtime_target_carries_the_installed_runtime_package() -> None:
    """`runtime` is the base a team's Dockerfile starts FROM: it has `ecs_runtime` installed (built from
    services/pyproject.toml in the build stage) and no entry point of its own."""
    build, runtime = stages()["build"], stages()["runtime"]
    assert "COPY pyproject.toml /tmp/runtime/" in build
    assert "COPY src /tmp/runtime/src" in build
    install = build[-1]
    assert install.startswith("RUN /opt/venv/bin/pip install")
    assert install.endswith("--no-deps /tmp/runtime")
    assert not any(line.startswith("ENTRYPOINT") for line in runtime)
    project = tomllib.loads((SERVICES / "pyproject.toml").read_text())
    assert project["project"]["name"] == "ecs-event-patterns-runtime"
    assert project["tool"]["setuptools"]["packages"]["find"]["where"] == ["src"]
    assert (SERVICES / "src" / "ecs_runtime" / "__init__.py").is_file()
    assert (SERVICES / "src" / "ecs_runtime" / "py.typed").is_file()
