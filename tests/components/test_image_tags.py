"""Image tags follow the build's inputs: a changed tree gets a new tag (the repositories are immutable), an
unchanged tree keeps its tag, and nothing outside the context or ignored by `.dockerignore` counts."""

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest

from ecs_event_patterns.blocks.build_context import build_digest, context_files, image_tag
from ecs_event_patterns.blocks.image import (
    DOCKER_BUILD_IMAGE,
    WorkerImage,
    WorkerImageArgs,
    bundled_worker,
    keep_replaced_images,
)
from ecs_event_patterns.config.container import ImageBuild
from ecs_event_patterns.config.settings import CpuArchitecture
from tools import pulumi_mocks

ROOT = Path(__file__).resolve().parents[2]
DOCKER_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory holding a copy of the real `services/` context and a file beside it."""
    shutil.copytree(ROOT / "services", tmp_path / "services", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "README.md").write_text("outside the build context\n")
    return tmp_path


def digest(project: Path, **overrides: object) -> str:
    options: dict = {"target": "worker", "platform": "linux/amd64", "build_args": None, **overrides}
    return build_digest(project / "services", project / "services" / "Dockerfile", **options)


def deployed_tag(project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tag `awsx.ecr.Image` gets on a fresh mock run, with the program run from `project`."""
    monkeypatch.chdir(project)
    monitor = pulumi_mocks.install(stack="dev")
    pulumi_mocks.run(lambda: WorkerImage("queue", WorkerImageArgs(build=bundled_worker("worker"))))
    [image] = monitor.of_type("awsx:ecr:Image")
    assert image.inputs["context"] == "./services"
    tag = image.inputs["imageTag"]
    assert isinstance(tag, str)
    return tag


def write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0")


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# changed\n")


@pytest.mark.parametrize(
    ("change", "changes_tag"),
    [
        (lambda p: edit(p / "services" / "worker" / "__main__.py"), True),
        (lambda p: (p / "services" / "worker" / "new_module.py").write_text("X = 1\n"), True),
        (lambda p: (p / "services" / "worker" / "__main__.py").unlink(), True),
        (lambda p: edit(p / "services" / "requirements.txt"), True),
        (lambda p: edit(p / "services" / "Dockerfile"), True),
        (lambda p: edit(p / "README.md"), False),  # outside the context
        (lambda p: edit(p / "services" / "README.md"), False),  # in .dockerignore
        (lambda p: write(p / "services" / "worker" / "__pycache__" / "__main__.cpython-311.opt-1"), False),
        (lambda p: write(p / "services" / "worker" / "stale.pyc"), False),
    ],
    ids=[
        "source edited",
        "source added",
        "source removed",
        "requirements",
        "Dockerfile",
        "outside the context",
        "dockerignored",
        "pycache",
        "pyc",
    ],
)
def test_a_deployment_gets_a_new_tag_exactly_when_the_build_changes(
    project: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None], changes_tag: bool
):
    before = deployed_tag(project, monkeypatch)
    change(project)
    after = deployed_tag(project, monkeypatch)

    assert (after != before) is changes_tag
    assert DOCKER_TAG.match(after)
    assert after.startswith("worker-")


def test_an_unchanged_tree_keeps_its_tag_and_image(project: Path, monkeypatch: pytest.MonkeyPatch):
    assert deployed_tag(project, monkeypatch) == deployed_tag(project, monkeypatch)


def test_target_platform_and_build_args_are_part_of_the_digest(project: Path):
    base = digest(project)
    assert digest(project) == base
    assert digest(project, target="ingest") != base
    assert digest(project, platform="linux/arm64") != base
    assert digest(project, build_args={"PYTHON": "3.12"}) != base
    assert digest(project, build_args={"PYTHON": "3.12"}) != digest(project, build_args={"PYTHON": "3.13"})


def test_each_worker_and_architecture_has_its_own_tag(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(project)
    tags = {
        image_tag("./services", "./services/Dockerfile", target=worker, platform=platform)
        for worker in ("ingest", "report", "worker")
        for platform in ("linux/amd64", "linux/arm64")
    }
    assert len(tags) == 6


def test_the_executable_bit_counts(project: Path):
    script = project / "services" / "worker" / "__main__.py"
    before = digest(project)
    script.chmod(0o755)
    assert digest(project) != before


def test_context_files_honour_dockerignore_and_its_exceptions(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /\n")
    (tmp_path / "app.py").write_text("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("")
    (tmp_path / "docs" / "keep.md").write_text("")
    (tmp_path / "data.csv").write_text("")
    (tmp_path / ".dockerignore").write_text("# comment\n\ndocs\n!docs/keep.md\n*.csv\n")

    assert context_files(tmp_path, tmp_path / "Dockerfile") == [
        ".dockerignore",
        "Dockerfile",
        "app.py",
        "docs/keep.md",
    ]


def test_a_dockerfile_specific_ignore_file_wins(tmp_path: Path):
    """BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile before the context's own."""
    (tmp_path / "worker.Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "worker.Dockerfile.dockerignore").write_text("*.md\n")
    (tmp_path / ".dockerignore").write_text("*.py\n")
    (tmp_path / "app.py").write_text("")
    (tmp_path / "notes.md").write_text("")

    files = context_files(tmp_path, tmp_path / "worker.Dockerfile")
    assert "app.py" in files
    assert "notes.md" not in files


def test_a_missing_context_fails_before_any_resource(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monitor = pulumi_mocks.install(stack="dev")
    args = WorkerImageArgs(
        build=ImageBuild(context="./jobs", target="ingest"), cpu_architecture=CpuArchitecture.ARM64
    )
    with pytest.raises(ValueError, match=r'WorkerImage upload: build context "./jobs" is not a directory'):
        pulumi_mocks.run(lambda: WorkerImage("upload", args))
    assert monitor.recorded == []


def test_a_new_tag_does_not_delete_the_image_a_rollback_needs(project: Path, monkeypatch: pytest.MonkeyPatch):
    """A new tag replaces awsx's docker-build child, whose delete would remove the old image from ECR."""
    monkeypatch.chdir(project)
    monitor = pulumi_mocks.install(stack="dev")
    pulumi_mocks.run(lambda: WorkerImage("queue", WorkerImageArgs(build=bundled_worker("worker"))))
    [image] = monitor.of_type("awsx:ecr:Image")
    assert image.transforms == 1

    child = pulumi.ResourceTransformArgs(
        custom=True,
        type_=DOCKER_BUILD_IMAGE,
        name="worker-0123",
        props={"push": True},
        opts=pulumi.ResourceOptions(),
    )
    result = keep_replaced_images(child)
    assert result is not None
    assert result.opts.retain_on_delete is True
    assert result.props == {"push": True}
    other = pulumi.ResourceTransformArgs(
        custom=True, type_="aws:ecr/repository:Repository", name="r", props={}, opts=pulumi.ResourceOptions()
    )
    assert keep_replaced_images(other) is None
