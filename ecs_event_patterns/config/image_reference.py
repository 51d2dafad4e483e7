"""Container image references (`registry/path[:tag][@digest]`) parsed and checked before any resource exists.

The grammar is Docker's (distribution/reference, `reference.go` and `normalize.go`): a name of lower-case path
components joined by `/`, optionally led by a registry host (the first component is a host when it contains
a `.` or a `:`, or is `localhost`; otherwise the image is on Docker Hub, and a one-component name is under
`library/`), then an optional `:tag` and an optional `@algorithm:hex` digest; the name is at most 255
characters. Hand-written because no maintained Python package implements that grammar (docker-py's
`parse_repository_tag` only splits the string and accepts anything).

Which registries a task can pull from without credentials is a separate question (`registry_problem`): an
Amazon ECR repository (the execution role gets the pull grant on it) or a public registry. A private registry
elsewhere needs `repositoryCredentials`, which the patterns do not set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecs_event_patterns.config.validation import show

NAME_MAX_LENGTH = 255
DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset({DOCKER_HUB, "index.docker.io", "registry-1.docker.io"})

PUBLIC_REGISTRIES = (
    "public.ecr.aws",
    DOCKER_HUB,
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "mcr.microsoft.com",
    "gcr.io",
)
"""Registries whose public images a task pulls without credentials (an image must be public there)."""

_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN_COMPONENT = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?")
_HOST = re.compile(
    rf"(?:{_DOMAIN_COMPONENT.pattern}(?:\.{_DOMAIN_COMPONENT.pattern})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
_ECR_HOST = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?P<cn>\.cn)?"
)
_ECR_REPOSITORY = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")


class ImageReferenceError(ValueError):
    """Not an image reference; the message says which part is wrong and what the grammar allows."""


@dataclass(frozen=True)
class EcrRepository:
    """The Amazon ECR repository an image reference points at."""

    account: str
    region: str
    name: str
    china: bool
    """On `amazonaws.com.cn` (the aws-cn partition)."""

    def arn(self, partition: str) -> str:
        return f"arn:{partition}:ecr:{self.region}:{self.account}:repository/{self.name}"


@dataclass(frozen=True)
class ImageReference:
    """One parsed reference; `str()` gives back the text as written, which is what the task runs."""

    text: str
    registry: str
    """The registry host as written (`docker.io` when the reference names none)."""
    path: str
    """The repository path within the registry (`library/python` for `python`)."""
    tag: str | None
    digest: str | None

    @property
    def pinned(self) -> bool:
        """Names one image by content: a digest, which no push can move (a tag can be moved)."""
        return self.digest is not None

    @property
    def ecr(self) -> EcrRepository | None:
        match = _ECR_HOST.fullmatch(self.registry)
        if match is None:
            return None
        return EcrRepository(match["account"], match["region"], self.path, bool(match["cn"]))

    @property
    def public_registry(self) -> str | None:
        """The public registry this reference is on, if it is one of `PUBLIC_REGISTRIES`."""
        host = DOCKER_HUB if self.registry in _DOCKER_HUB_ALIASES else self.registry
        return host if host in PUBLIC_REGISTRIES else None

    def __str__(self) -> str:
        return self.text


def parse_image_reference(text: str) -> ImageReference:
    """The reference's parts, or ImageReferenceError naming what is wrong."""
    if not text or text != text.strip():
        raise ImageReferenceError(f"{show(text)} is empty or has surrounding spaces")
    remainder, _, digest = text.partition("@")
    if "@" in text and not _DIGEST.fullmatch(digest):
        raise ImageReferenceError(f"digest {show(digest)} is not <algorithm>:<hex> (sha256:<64 hex digits>)")
    if digest.startswith("sha256:") and not _SHA256.fullmatch(digest):
        raise ImageReferenceError(f"digest {show(digest)}: a sha256 digest is 64 lower-case hex digits")
    name, tag = remainder, None
    last_colon = remainder.rfind(":")
    if last_colon > remainder.rfind("/"):
        name, tag = remainder[:last_colon], remainder[last_colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise ImageReferenceError(
                f"tag {show(tag)} is not a tag: at most 128 of letters, digits, `_`, `.` and `-`, "
                "not starting with `.` or `-`"
            )
    if len(name) > NAME_MAX_LENGTH:
        raise ImageReferenceError(f"the name is {len(name)} characters long; at most {NAME_MAX_LENGTH}")
    registry, path = _split_registry(name)
    for component in path.split("/"):
        if not _PATH_COMPONENT.fullmatch(component):
            raise ImageReferenceError(
                f"path component {show(component)} is not lower-case letters and digits separated by "
                "`.`, `_`, `__` or `-`"
            )
    return ImageReference(text, registry, path, tag, digest or None)


def _split_registry(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    # Docker also takes an upper-case first component for a host; as a path it gets the clearer message.
    is_host = slash and ("." in first or ":" in first or first == "localhost")
    if not is_host:
        return DOCKER_HUB, name if "/" in name else f"library/{name}"
    if not _HOST.fullmatch(first):
        raise ImageReferenceError(f"registry {show(first)} is not a host name with an optional :port")
    if not rest:
        raise ImageReferenceError(f"registry {show(first)} is followed by no repository path")
    if first in _DOCKER_HUB_ALIASES and "/" not in rest:
        rest = f"library/{rest}"
    return first, rest


def registry_problem(reference: ImageReference) -> str | None:
    """Why a Fargate task could not pull this image with only its execution role, or None."""
    ecr = reference.ecr
    if ecr is not None:
        if not _ECR_REPOSITORY.fullmatch(ecr.name) or not 2 <= len(ecr.name) <= 256:
            return f"{show(ecr.name)} is not an ECR repository name"
        return None
    if reference.registry.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return (
            f"registry {show(reference.registry)} is not an ECR registry host "
            "(<account>.dkr.ecr.<region>.amazonaws.com[.cn])"
        )
    if reference.public_registry is not None:
        return None
    return (
        f"registry {show(reference.registry)} is not Amazon ECR nor a known public registry "
        f"({', '.join(PUBLIC_REGISTRIES)}); a private registry needs credentials (repositoryCredentials), "
        "which the patterns do not set: push the image to ECR or use a public one"
    )


def image_reference_problem(text: str) -> str | None:
    """The whole reason a reference cannot be used (not one, or not pullable), or None."""
    try:
        reference = parse_image_reference(text)
    except ImageReferenceError as error:
        return f"{show(text)} is not an image reference ([registry/]path[:tag][@sha256:digest]): {error}"
    reason = registry_problem(reference)
    return None if reason is None else f"{show(text)}: {reason}"
