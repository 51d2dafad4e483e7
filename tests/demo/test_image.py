"""A container of the graph as a local process: the Dockerfile target's command, directory and ENV."""

from pathlib import Path

import pytest

from tools.demo.graph import from_records
from tools.demo.image import ImageError, from_dockerfile, resolve

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("worker", ["ingest", "report", "worker"])
def test_each_worker_target_runs_its_module_from_the_repository_root(worker):
    image = from_dockerfile(ROOT / "services", ROOT / "services" / "Dockerfile", worker)
    assert image.command == ("python", "-m", f"services.{worker}")
    assert image.directory == ROOT  # WORKDIR /app holds the context as /app/services
    assert image.environment["PYTHONUNBUFFERED"] == "1"
    assert "PATH" not in image.environment  # it names a path inside the image


def test_shell_form_cmd_continuations_and_the_last_stage_by_default(tmp_path):
    context = tmp_path / "app"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM python:3.11 AS base\nWORKDIR /srv\nCOPY . /srv/app\nENV A=1 \\\n    B=two\n"
        "FROM base\nCMD python -m app.main --verbose\n"
    )
    image = from_dockerfile(context, context / "Dockerfile", None)
    assert image.command == ("/bin/sh", "-c", "python -m app.main --verbose")
    assert image.directory == tmp_path
    assert image.environment == {"A": "1", "B": "two"}


def test_an_image_that_does_not_copy_its_context_cannot_run_locally(tmp_path):
    (tmp_path / "Dockerfile").write_text('FROM scratch\nENTRYPOINT ["/bin/app"]\n')
    with pytest.raises(ImageError, match="does not copy its build context"):
        from_dockerfile(tmp_path, tmp_path / "Dockerfile", None)


def test_a_prebuilt_image_from_elsewhere_is_named_as_such():
    graph = from_records("dev", "us-east-1", "1", [])
    with pytest.raises(ImageError, match=r"prebuilt image public\.ecr\.aws/x/y:1"):
        resolve(graph, ROOT, "public.ecr.aws/x/y:1")
