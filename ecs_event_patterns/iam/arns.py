"""ARNs components take as plain strings, parsed in one place, with an error that shows the expected form.

An argument may also be a `pulumi.Output`; callers parse those inside `apply`, or leave them to AWS.
"""

from __future__ import annotations

import re

_CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/(?P<name>[A-Za-z0-9_-]{1,255})$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")


def cluster_name(cluster_arn: str) -> str:
    """`example` from `arn:aws:ecs:us-east-1:123456789012:cluster/example`; a clear error otherwise."""
    match = _CLUSTER_ARN.match(cluster_arn)
    if match is None:
        raise ValueError(
            f"cluster_arn: {cluster_arn!r} is not an ECS cluster ARN"
            " (arn:aws:ecs:<region>:<account>:cluster/<name>)"
        )
    return match["name"]


def cluster_task_arns(cluster_arn: str) -> str:
    """Every task of the cluster: `arn:aws:ecs:r:a:cluster/NAME` -> `arn:aws:ecs:r:a:task/NAME/*`."""
    name = cluster_name(cluster_arn)
    return cluster_arn.removesuffix(f":cluster/{name}") + f":task/{name}/*"


def is_topic_arn(value: str) -> bool:
    return _TOPIC_ARN.match(value) is not None
