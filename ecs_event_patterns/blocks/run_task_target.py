"""What an EventBridge rule target or a Scheduler schedule needs to start a worker task on Fargate.

Both services call `ecs:RunTask` with a role they assume; the role and the task's placement are the same
for both, only the trusted service, the source it acts for and a few extra statements differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.renames import child_options
from ecs_event_patterns.blocks.task import TaskPlatform, WorkerTask
from ecs_event_patterns.iam import grants, trust
from ecs_event_patterns.iam.documents import Statement, policy_document

FARGATE_LAUNCH_TYPE = "FARGATE"
PLATFORM_VERSION = "LATEST"
TASKS_PER_TRIGGER = 1
"""One event or one scheduled run starts one task."""


def fargate_placement(platform: TaskPlatform, task: WorkerTask) -> dict[str, Any]:
    """The task fields EventBridge's `ecs_target` and Scheduler's `ecs_parameters` share (Pulumi's shape)."""
    return {
        # Revision-pinned: every deployment moves the trigger to the new revision.
        "task_definition_arn": task.task_definition.arn,
        "launch_type": FARGATE_LAUNCH_TYPE,
        "platform_version": PLATFORM_VERSION,
        "task_count": TASKS_PER_TRIGGER,
        "network_configuration": {
            "subnets": platform.subnet_ids,
            "security_groups": platform.security_group_ids,
            "assign_public_ip": platform.assign_public_ip,
        },
    }


def run_task_statements(
    task: WorkerTask, cluster_arn: pulumi.Input[str], extra: Sequence[Statement] = ()
) -> list[Statement]:
    """Start any revision of the task's family on one cluster, hand it exactly its two roles."""
    return [
        *grants.run_task(task.task_definition.arn_without_revision, cluster_arn),
        *grants.pass_roles([task.task_role.arn, task.execution_role.arn]),
        *extra,
    ]


@dataclass(frozen=True)
class RunTaskRole:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    """Targets depend on it: a role without its policy cannot start the task yet."""


def run_task_role(
    name: str,
    *,
    service: str,
    source_arn: pulumi.Input[str],
    task: WorkerTask,
    cluster_arn: pulumi.Input[str],
    extra_statements: Sequence[Statement] = (),
    parent: pulumi.Resource,
) -> RunTaskRole:
    """Role f"{name}-role" and its policy f"{name}-policy", assumable only by `service` acting for
    `source_arn` (the policy was f"{name}-role-policy" before; its alias keeps the URN)."""
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent)).account_id
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=trust.service_trust_policy(service, account_id=account_id, source_arn=source_arn),
        description=f"{service}: start the {task.container_name} worker task",
        opts=pulumi.ResourceOptions(parent=parent),
    )
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=policy_document(run_task_statements(task, cluster_arn, extra_statements)),
        opts=child_options(parent, former_name=f"{name}-role-policy"),
    )
    return RunTaskRole(role=role, policy=policy)
