"""Helpers for the RunTask patterns' tests: run a component to the end, read its role policies, and the
exact IAM documents expected of a role that starts a WorkerTask (ecs_event_patterns.blocks.run_task_target)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pulumi

from tools import pulumi_mocks
from tools.pulumi_mocks import DEFAULT_ACCOUNT_ID, RecordingMonitor


def service_trust(service: str, source_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": DEFAULT_ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            }
        ],
    }


def run_task_statements(monitor: RecordingMonitor, task: str, cluster_arn: str) -> list[dict[str, Any]]:
    """Any revision of WorkerTask `task`'s family on one cluster; exactly its two roles, to ECS tasks."""
    family = monitor.by_name(f"{task}-definition").outputs["arnWithoutRevision"]
    return [
        {
            "Effect": "Allow",
            "Action": ["ecs:RunTask"],
            "Resource": [f"{family}:*"],
            "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
        },
        {
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [
                monitor.by_name(f"{task}-task-role").outputs["arn"],
                monitor.by_name(f"{task}-execution-role").outputs["arn"],
            ],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ]


def policy_statements(monitor: RecordingMonitor, policy_name: str) -> list[dict[str, Any]]:
    """The statements of a recorded role policy, parsed."""
    document: dict[str, Any] = json.loads(monitor.by_name(policy_name).inputs["policy"])
    return list(document["Statement"])


def deploy_and_read(build: Callable[[], pulumi.ComponentResource], fields: Sequence[str]) -> dict[str, Any]:
    """Runs `build` on the installed mock to the end; returns the component's output `fields` resolved."""
    outputs: dict[str, Any] = {}

    def keep(field: str) -> Callable[[Any], None]:
        return lambda value: outputs.__setitem__(field, value)

    def program() -> None:
        component = build()
        for field in fields:
            output: pulumi.Output[Any] = getattr(component, field)
            output.apply(keep(field))

    pulumi_mocks.run(program)
    return outputs


def direct_children(monitor: RecordingMonitor, name: str, token: str) -> set[str]:
    """Names of the resources parented to component `name` (checked to be of type `token`), after checking
    that every other resource of the run is named from the component."""
    component = monitor.by_name(name)
    assert component.type == token
    others = [resource.name for resource in monitor.recorded if resource.name != name]
    assert all(other.startswith(f"{name}-") for other in others), others
    return {resource.name for resource in monitor.recorded if resource.parent == component.urn}
