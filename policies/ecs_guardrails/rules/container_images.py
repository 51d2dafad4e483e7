"""ECR repositories scan images on push and never let a tag move to another image.

`awsx:ecr:Repository` is checked on its own inputs too: under the mock (and in a preview before its
children exist) the component is all there is to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .declarations import resource_policy
from .values import UNKNOWN, read

REPOSITORIES = ("aws:ecr/repository:Repository", "awsx:ecr:Repository")
_IMMUTABLE = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")


def _repository_hardened(props: Mapping[str, Any], _config: Mapping[str, Any]) -> list[str]:
    problems = []
    if read(props, "imageScanningConfiguration", "scanOnPush") not in (True, UNKNOWN):
        problems.append("does not scan images on push (imageScanningConfiguration.scanOnPush)")
    if read(props, "imageTagMutability") not in (*_IMMUTABLE, UNKNOWN):
        problems.append("has mutable tags; set imageTagMutability to IMMUTABLE")
    return problems


POLICIES = [
    resource_policy(
        "ecr-repository-hardened",
        "ECR repositories scan on push and have immutable tags.",
        REPOSITORIES,
        _repository_hardened,
    ),
]
