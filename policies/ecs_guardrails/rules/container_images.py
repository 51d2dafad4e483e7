"""ECR repositories scan images on push and never let a tag move to another image; task definitions name
their images by digest.

`awsx:ecr:Repository` is checked on its own inputs too: under the mock (and in a preview before its
children exist) the component is all there is to check.

A task definition's image named by tag only runs whatever the tag names when ECS resolves it: at each
deployment of a service, at each start of a task by RunTask ("Container image resolution", ECS Developer
Guide; the API's `ContainerImage`). A digest (`@sha256:...`) is the image itself. An image built in the same
stack is pinned by its build (`awsx:ecr:Image.imageUri`); an image from elsewhere is pinned by whoever
writes its reference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .declarations import one_setting, resource_policy
from .task_definitions import container_policy
from .values import UNKNOWN, read, setting

REPOSITORIES = ("aws:ecr/repository:Repository", "awsx:ecr:Repository")
_IMMUTABLE = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
_DIGEST = re.compile(r"@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
"""The digest at the end of an image reference (Docker's reference grammar)."""


def _repository_hardened(props: Mapping[str, Any], _config: Mapping[str, Any]) -> list[str]:
    problems = []
    if read(props, "imageScanningConfiguration", "scanOnPush") not in (True, UNKNOWN):
        problems.append("does not scan images on push (imageScanningConfiguration.scanOnPush)")
    if read(props, "imageTagMutability") not in (*_IMMUTABLE, UNKNOWN):
        problems.append("has mutable tags; set imageTagMutability to IMMUTABLE")
    return problems


def _image_pinned(container: Mapping[str, Any], _name: str, config: Mapping[str, Any]) -> str | None:
    image = container.get("image")
    # From the definitions' JSON, unknown as a whole during preview (then `container_policy` skips it).
    if not isinstance(image, str) or _DIGEST.search(image):
        return None
    if image in setting(config, "exemptImages", []):
        return None
    return (
        f"image {image} is named by tag only; a tag can be moved to another image, and ECS resolves it again "
        "at each deployment or RunTask: pin it as <repository>@sha256:<digest>"
    )


POLICIES = [
    resource_policy(
        "ecr-repository-hardened",
        "ECR repositories scan on push and have immutable tags.",
        REPOSITORIES,
        _repository_hardened,
    ),
    container_policy(
        "ecs-task-image-pinned",
        "ECS containers name their image by digest (`@sha256:...`), not by a tag that can move.",
        _image_pinned,
        one_setting("exemptImages", "Image references allowed without a digest.", []),
    ),
]
