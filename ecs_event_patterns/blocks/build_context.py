"""The tag of an image built from a local context: a digest of everything that goes into the build.

ECR repositories here are IMMUTABLE: a push under a tag that exists fails with ImageTagAlreadyExistsException
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html). Left to itself,
`awsx.ecr.Image` tags a build with a hash of its *inputs* (context path, Dockerfile path, build args, stack;
`createUniqueImageName` in pulumi-awsx `awsx/ecr/image.ts`), never of the files, while its docker-build child
rebuilds whenever the files change: the second deployment after a code change pushes a new image under the
old tag, and ECR refuses it. Tagging with a digest of the files makes a changed tree a new tag and an
unchanged tree the same tag (no rebuild, no new task definition revision).

What is hashed: each file Docker sends as the build context (the context directory minus what
`.dockerignore` excludes, or `<Dockerfile>.dockerignore` beside the Dockerfile, which BuildKit prefers), by
sorted relative path, with its executable bit and contents; the Dockerfile; the target; the platform; the
build args. That is a superset of what COPY and ADD can read (they read only from the context), so a change
may give a new tag needlessly, never a stale one. Compiled Python (`__pycache__`, `*.pyc`) is skipped
always: Python writes it next to the sources on import, so it would change the tag of an unchanged tree.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from docker.utils.build import exclude_paths

TAG_DIGEST_CHARACTERS = 24
"""96 bits of SHA-256: no two trees of one repository collide; the tag stays short in the console."""

_SKIPPED_DIRECTORIES = {"__pycache__"}
_SKIPPED_SUFFIXES = (".pyc",)


def dockerignore_patterns(context: Path, dockerfile: Path) -> list[str]:
    """The exclusion patterns Docker applies: `<Dockerfile>.dockerignore` if it exists, else the context's
    `.dockerignore`; blank lines and `#` comments dropped, as the Docker CLI reads them."""
    for candidate in (dockerfile.with_name(dockerfile.name + ".dockerignore"), context / ".dockerignore"):
        if candidate.is_file():
            lines = (line.strip() for line in candidate.read_text().splitlines())
            return [line for line in lines if line and not line.startswith("#")]
    return []


def context_files(context: Path, dockerfile: Path) -> list[str]:
    """Relative POSIX paths of the files (and symlinks) Docker would send, sorted; compiled Python skipped."""
    # docker-py's matcher is a port of moby's .dockerignore rules (`**`, `!` exceptions, last match wins).
    patterns = dockerignore_patterns(context, dockerfile)
    included = exclude_paths(str(context), patterns, dockerfile=dockerfile.name)
    files = []
    for relative in included:
        path = context / relative
        parts = Path(relative).parts
        if _SKIPPED_DIRECTORIES.intersection(parts) or relative.endswith(_SKIPPED_SUFFIXES):
            continue
        if path.is_symlink() or path.is_file():
            files.append(Path(relative).as_posix())
    return sorted(files)


def _add_field(update: Callable[[bytes], object], name: str, value: bytes) -> None:
    """Length-prefixed, so no two different inputs concatenate to the same bytes."""
    update(f"{name}:{len(value)}:".encode())
    update(value)


def build_digest(
    context: str | os.PathLike[str],
    dockerfile: str | os.PathLike[str],
    *,
    target: str | None,
    platform: str | None,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """SHA-256 (hex) of everything that decides what `docker build` produces from this context."""
    context_path, dockerfile_path = Path(context), Path(dockerfile)
    if not context_path.is_dir():
        raise ValueError(f"build context {str(context)!r} is not a directory (relative to {Path.cwd()})")
    if not dockerfile_path.is_file():
        raise ValueError(f"Dockerfile {str(dockerfile)!r} does not exist (relative to {Path.cwd()})")
    digest = hashlib.sha256()
    _add_field(digest.update, "dockerfile", dockerfile_path.read_bytes())
    _add_field(digest.update, "target", (target or "").encode())
    _add_field(digest.update, "platform", (platform or "").encode())
    for key in sorted(build_args or {}):
        _add_field(digest.update, "arg", f"{key}={(build_args or {})[key]}".encode())
    for relative in context_files(context_path, dockerfile_path):
        path = context_path / relative
        _add_field(digest.update, "path", relative.encode())
        if path.is_symlink():
            _add_field(digest.update, "link", os.readlink(path).encode())
            continue
        # Docker copies the mode bits; only the executable bit survives git checkouts and umasks alike.
        _add_field(digest.update, "mode", b"x" if path.stat().st_mode & 0o111 else b"-")
        with path.open("rb") as file:
            _add_field(digest.update, "content", hashlib.file_digest(file, "sha256").digest())
    return digest.hexdigest()


def image_tag(
    context: str | os.PathLike[str],
    dockerfile: str | os.PathLike[str],
    *,
    target: str | None,
    platform: str | None,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """`<target>-<digest>`: a valid Docker tag (at most 128 of `[A-Za-z0-9_.-]`) that names the build."""
    digest = build_digest(context, dockerfile, target=target, platform=platform, build_args=build_args)
    return f"{(target or 'build')[:100]}-{digest[:TAG_DIGEST_CHARACTERS]}"
