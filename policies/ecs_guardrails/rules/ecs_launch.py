"""How ECS tasks are launched: by services, EventBridge targets and Scheduler schedules.

No public IP on tasks (where a stack uses private subnets), and every EventBridge or Scheduler ECS
target has a retry policy and a dead-letter queue, so a RunTask that fails is retried and then kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .declarations import resource_policy
from .values import read

SERVICE = "aws:ecs/service:Service"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE = "aws:scheduler/schedule:Schedule"


def _network_configuration(props: Mapping[str, Any]) -> Any:
    return (
        read(props, "networkConfiguration")
        or read(props, "ecsTarget", "networkConfiguration")
        or read(props, "target", "ecsParameters", "networkConfiguration")
    )


def _no_public_ip(props: Mapping[str, Any], _config: Mapping[str, Any]) -> list[str]:
    if read(_network_configuration(props), "assignPublicIp") is True:
        return ["gives its tasks a public IP; run them in private subnets with endpoints or NAT"]
    return []


def _retry_settings(props: Mapping[str, Any]) -> Any:
    """Where an ECS target keeps deadLetterConfig and retryPolicy; None when the target is not ECS."""
    if read(props, "ecsTarget") is not None:
        return props
    if read(props, "target", "ecsParameters") is not None:
        return read(props, "target")
    return None


def _dead_letter_and_retry(props: Mapping[str, Any], _config: Mapping[str, Any]) -> list[str]:
    settings = _retry_settings(props)
    if settings is None:
        return []
    problems = []
    if read(settings, "deadLetterConfig", "arn") in (None, ""):
        problems.append("has no deadLetterConfig: a RunTask that keeps failing is dropped")
    if read(settings, "retryPolicy") is None:
        problems.append("has no retryPolicy (maximumRetryAttempts, maximumEventAgeInSeconds)")
    return problems


POLICIES = [
    resource_policy(
        "ecs-no-public-ip",
        "ECS services, EventBridge and Scheduler ECS targets do not assign public IPs.",
        [SERVICE, EVENT_TARGET, SCHEDULE],
        _no_public_ip,
    ),
    resource_policy(
        "ecs-target-dead-letter-and-retry",
        "EventBridge and Scheduler ECS targets have a retry policy and a dead-letter queue.",
        [EVENT_TARGET, SCHEDULE],
        _dead_letter_and_retry,
    ),
]
