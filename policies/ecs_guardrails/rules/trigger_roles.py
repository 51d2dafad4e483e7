"""Roles EventBridge and EventBridge Scheduler assume to start ECS tasks: scoped RunTask and PassRole.

The service needs `ecs:RunTask` on the task definition and `iam:PassRole` on the task's two roles; a
wildcard on either lets anyone who can edit a rule or schedule run any task with any role.
"""

from __future__ import annotations

import re

from pulumi_policy import StackValidationArgs

from .declarations import stack_policy
from .roles import Use, roles_used_as
from .stack_graph import Findings

_TASK_DEFINITION_ARN = re.compile(
    r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/[A-Za-z0-9_-]+(:(\d+|\*))?$"
)
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+$")

_SCOPES = (
    ("ecs:RunTask", _TASK_DEFINITION_ARN, "task definition ARNs (family, optionally :revision or :*)"),
    ("iam:PassRole", _ROLE_ARN, "named role ARNs"),
)


def scoped_run_task(args: StackValidationArgs, findings: Findings) -> None:
    for role in roles_used_as(args.resources, {Use.EVENTS, Use.SCHEDULER}, findings):
        use = Use.EVENTS if Use.EVENTS in role.uses else Use.SCHEDULER
        for granting, statement in role.allow_statements():
            where = f"{role.label(use)}: {granting.source} {statement.label}"
            if statement.not_actions or statement.not_resources:
                findings.violation(
                    f"{where} allows with NotAction or NotResource; list the actions and resources", role.urn
                )
            for action, pattern, expected in _SCOPES:
                loose = [arn for arn in statement.resources if not pattern.match(arn)]
                if statement.grants(action) and loose:
                    findings.violation(
                        f"{where} allows {action} on {', '.join(loose)}; scope it to {expected}", role.urn
                    )


POLICIES = [
    stack_policy(
        "trigger-role-scoped",
        "Roles that EventBridge or Scheduler assume allow ecs:RunTask only on task definitions "
        "and iam:PassRole only on named roles.",
        scoped_run_task,
    ),
]
