"""What a container of the graph runs, as a local process: its image's Dockerfile target, read back.

A container image the program builds from this repository (an `awsx:ecr:Image` with a build context and
a Dockerfile) runs here as its `ENTRYPOINT` + `CMD`, in the local directory that the image's `WORKDIR`
holds (found from the `COPY . <dir>` of the build context), with the image's `ENV` except the variables
that name paths inside the image (`PATH`, `HOME`). A prebuilt image from elsewhere cannot run locally:
`resolve` says so and the demo skips that task with a line. The Dockerfile is parsed by dockerfile-parse
(line continuations, comments, exec and shell forms), not by hand.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]
from dockerfile_parse.util import extract_key_values  # type: ignore[import-untyped]

from tools.demo.graph import Graph

_IMAGE_PATH_VARIABLES = frozenset({"PATH", "HOME"})


class ImageError(ValueError):
    """The image cannot run as a local process; the message says why."""


@dataclass(frozen=True)
class LocalImage:
    command: tuple[str, ...]
    directory: Path
    environment: dict[str, str] = field(default_factory=dict)


@dataclass
class _Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def _stages(dockerfile: Path) -> dict[str, _Stage]:
    stages: dict[str, _Stage] = {}
    current: _Stage | None = None
    for index, instruction in enumerate(DockerfileParser(path=str(dockerfile)).structure):
        kind, value = instruction["instruction"], instruction["value"]
        if kind == "FROM":
            words = value.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else f"#{index}"
            current = stages[name] = _Stage(name, words[0])
        elif current is not None and kind != "COMMENT":
            current.instructions.append((kind, value))
    return stages


def _command_form(value: str) -> list[str]:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return ["/bin/sh", "-c", value]
    return [str(word) for word in parsed] if isinstance(parsed, list) else ["/bin/sh", "-c", value]


def from_dockerfile(context: Path, dockerfile: Path, target: str | None) -> LocalImage:
    stages = _stages(dockerfile)
    if not stages:
        raise ImageError(f"{dockerfile} has no FROM")
    name = target or list(stages)[-1]
    if name not in stages:
        raise ImageError(f"{dockerfile} has no stage {name!r}")
    chain: list[_Stage] = []
    while name in stages:
        chain.insert(0, stages[name])
        name = stages[name].base
    entrypoint: list[str] = []
    cmd: list[str] = []
    workdir = PurePosixPath("/")
    copied_to: PurePosixPath | None = None
    environment: dict[str, str] = {}
    for stage in chain:
        for kind, value in stage.instructions:
            if kind == "ENTRYPOINT":
                entrypoint, cmd = _command_form(value), []
            elif kind == "CMD":
                cmd = _command_form(value)
            elif kind == "WORKDIR":
                workdir = workdir / value
            elif kind == "ENV":
                environment.update(extract_key_values(False, {}, {}, value))
            elif kind in ("COPY", "ADD") and not value.startswith("--from"):
                words = shlex.split(value)
                if words[:1] == ["."] and len(words) == 2:
                    copied_to = workdir / words[1]
    command = entrypoint + cmd
    if not command:
        raise ImageError(f"{dockerfile} target {target!r} has no ENTRYPOINT or CMD")
    return LocalImage(
        tuple(command),
        _local_workdir(context, workdir, copied_to),
        {key: value for key, value in environment.items() if key not in _IMAGE_PATH_VARIABLES},
    )


def _local_workdir(context: Path, workdir: PurePosixPath, copied_to: PurePosixPath | None) -> Path:
    """The local directory that stands for the image's WORKDIR: the context is copied below it."""
    if copied_to is None:
        raise ImageError(f"the image does not copy its build context {context} (no `COPY . <dir>`)")
    try:
        inside = copied_to.relative_to(workdir)
    except ValueError:
        raise ImageError(f"the build context is copied to {copied_to}, outside WORKDIR {workdir}") from None
    if inside.parts and Path(*inside.parts) != Path(*context.parts[-len(inside.parts) :]):
        raise ImageError(f"the build context {context} is copied to {copied_to}: no local directory matches")
    root = context
    for _ in inside.parts:
        root = root.parent
    return root


def resolve(graph: Graph, project_dir: Path, image_uri: str) -> LocalImage:
    """The local image for a container's `image`; ImageError for an image this repository does not build."""
    builds = graph.find("awsx:ecr:Image", lambda resource: resource.outputs.get("imageUri") == image_uri)
    if not builds:
        raise ImageError(f"prebuilt image {image_uri} (not built by this program): cannot run it locally")
    inputs = builds[0].inputs
    context = (project_dir / str(inputs.get("context", "."))).resolve()
    dockerfile = project_dir / str(
        inputs.get("dockerfile") or Path(inputs.get("context", ".")) / "Dockerfile"
    )
    return from_dockerfile(context, dockerfile.resolve(), inputs.get("target"))
