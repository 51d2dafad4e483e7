"""README's "Run your own job" tells the truth about examples/own-job: each code block headed by a file's
path is a verbatim run of that file's lines, every path it names exists, and its commands name what is
there (the gate's command is the one tests/examples/test_own_job_program.py runs)."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.examples.own_job import EXAMPLE, GATE_ARGUMENTS, ROOT


def section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("\n## Run your own job\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def blocks() -> list[list[str]]:
    return [match.split("\n") for match in re.findall(r"```[a-z]*\n(.*?)\n```", section(), flags=re.DOTALL)]


FILE_BLOCKS = [
    (lines[0].removeprefix("# "), lines[1:])
    for lines in blocks()
    if lines[0].startswith("# examples/own-job/")
]


def test_the_section_shows_every_file_a_team_writes() -> None:
    assert sorted({path for path, _ in FILE_BLOCKS}) == [
        "examples/own-job/.dockerignore",
        "examples/own-job/Dockerfile",
        "examples/own-job/Pulumi.dev.yaml",
        "examples/own-job/__main__.py",
        "examples/own-job/jobs/textstats/publish.py",
        "examples/own-job/jobs/textstats/upload.py",
        "examples/own-job/requirements.txt",
    ]


@pytest.mark.parametrize(("path", "shown"), FILE_BLOCKS, ids=[path for path, _ in FILE_BLOCKS])
def test_each_file_block_is_a_verbatim_run_of_the_files_lines(path: str, shown: list[str]) -> None:
    lines = (ROOT / path).read_text().splitlines()
    starts = [index for index, line in enumerate(lines) if line == shown[0]]
    assert any(lines[start : start + len(shown)] == shown for start in starts), (
        f"{path} differs from the README"
    )
    assert len(shown) >= 5


def test_every_path_named_exists() -> None:
    named = set(re.findall(r"(?:examples|tests|services|policies|docs)/[\w./-]*[\w/]", section()))
    assert "examples/own-job/" in named
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_the_commands_name_what_is_there() -> None:
    text = section()
    # The gate, as the example's test runs it, from the repository root.
    assert "python -m " + " ".join(GATE_ARGUMENTS) in text
    # Commands run in examples/own-job: the paths they name from there.
    assert "cd examples/own-job" in text
    for relative in re.findall(r"\.\./\.\./[\w./-]+", text):
        assert (EXAMPLE / relative).exists(), relative
    # The base image: the runtime target, under the tag the example's Dockerfile defaults to.
    runtime_version = tomllib.loads((ROOT / "services" / "pyproject.toml").read_text())["project"]["version"]
    tag = f"ecs-event-patterns-runtime:{runtime_version}"
    assert f"docker build --platform linux/amd64 --target runtime -t {tag} ../../services" in text
    assert "FROM python:3.11.14-slim-bookworm AS runtime" in (ROOT / "services" / "Dockerfile").read_text()
    assert f"ARG RUNTIME_IMAGE={tag}" in (EXAMPLE / "Dockerfile").read_text()
    # The message it sends is the operation the queue handler registers, with the fields its model takes.
    assert '\\"operation\\": \\"publish_stats\\"' in text
