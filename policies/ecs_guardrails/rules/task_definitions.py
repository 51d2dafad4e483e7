"""ECS task definitions: separate roles, no privileged containers, logs, no plaintext secrets, read-only root.

References: Checkov CKV_AWS_249 (task role != execution role), CKV_AWS_97/CKV_AWS_336 (read-only root),
cdk-nag ECS2 (no plaintext secrets in environment), AWS Security Hub ECS.4/ECS.5/ECS.9.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)

from .declarations import declare, one_setting, stack_policy
from .stack_graph import Findings, depends_through, of_type
from .values import UNKNOWN, is_sequence, read, setting

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"

_ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
SECRET_NAME_PATTERN = r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL"  # noqa: S105
"""Environment variable names whose value is a secret; such values belong in `secrets` (valueFrom)."""
_REFERENCE_VALUE = re.compile(r"^(arn:aws[a-z-]*:|/|\$\{)")
"""Values that name a secret rather than hold it: ARNs, SSM parameter paths, placeholders."""


def container_definitions(props: Mapping[str, Any]) -> list[Mapping[str, Any]] | Any:
    """The task definition's containers (its input is a JSON string); UNKNOWN during preview when computed."""
    raw = read(props, "containerDefinitions")
    if raw is UNKNOWN or raw is None:
        return raw
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return []
    return [item for item in parsed if isinstance(item, Mapping)] if is_sequence(parsed) else []


ContainerCheck = Callable[[Mapping[str, Any], str, Mapping[str, Any]], str | None]
"""(one container definition, its name, policy settings) -> what is wrong with it, or None."""


def container_policy(
    name: str, description: str, check: ContainerCheck, config_schema: PolicyConfigSchema | None = None
) -> ResourceValidationPolicy:
    """A policy running `check` on every container of a task definition; containers unknown until update
    make it not applicable for now."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type != TASK_DEFINITION:
            return
        containers = container_definitions(args.props)
        if containers is UNKNOWN:
            args.not_applicable("container definitions are not known until update")
        for container in containers if isinstance(containers, list) else []:
            container_name = str(container.get("name", "?"))
            problem = check(container, container_name, args.get_config())
            if problem:
                report(f"container {container_name}: {problem}", None)

    return declare(ResourceValidationPolicy, name, description, validate, config_schema)


def _privileged(container: Mapping[str, Any], _name: str, _config: Mapping[str, Any]) -> str | None:
    return "runs privileged; remove `privileged: true`" if container.get("privileged") is True else None


def _without_logs(container: Mapping[str, Any], _name: str, _config: Mapping[str, Any]) -> str | None:
    if read(container, "logConfiguration", "logDriver"):
        return None
    return "has no logConfiguration (use the awslogs driver and a log group with retention)"


def _plaintext_secrets(container: Mapping[str, Any], _name: str, config: Mapping[str, Any]) -> str | None:
    names = re.compile(str(setting(config, "secretNamePattern", SECRET_NAME_PATTERN)), re.IGNORECASE)
    leaks = []
    environment: Any = container.get("environment")
    for variable in environment if is_sequence(environment) else []:
        key, value = str(read(variable, "name") or ""), read(variable, "value")
        if not isinstance(value, str) or not value:
            continue
        if _ACCESS_KEY_ID.search(value):
            leaks.append(f"{key} holds an AWS access key id")
        elif names.search(key) and not _REFERENCE_VALUE.match(value):
            leaks.append(f"{key} looks like a secret in plain text")
    if not leaks:
        return None
    return "; ".join(leaks) + " (pass secrets with `secrets` and valueFrom, from Secrets Manager or SSM)"


def _writable_root(container: Mapping[str, Any], name: str, config: Mapping[str, Any]) -> str | None:
    if name in setting(config, "exemptContainers", []) or container.get("readonlyRootFilesystem") is True:
        return None
    return "root file system is writable; set readonlyRootFilesystem and mount a volume where it writes"


def roles_distinct(args: StackValidationArgs, findings: Findings) -> None:
    for task_definition in of_type(args.resources, TASK_DEFINITION):
        task_role = read(task_definition.props, "taskRoleArn")
        execution_role = read(task_definition.props, "executionRoleArn")
        if isinstance(task_role, str) and isinstance(execution_role, str):
            same = task_role == execution_role
        else:
            task_deps = {r.urn for r in depends_through(task_definition, "taskRoleArn")}
            execution_deps = {r.urn for r in depends_through(task_definition, "executionRoleArn")}
            if UNKNOWN in (task_role, execution_role) and not (task_deps and execution_deps):
                findings.skip(f"roles of {task_definition.name}")
                continue
            same = bool(task_deps) and task_deps == execution_deps
        if same:
            findings.violation(
                f"task definition {task_definition.name} uses one role as task role and execution role; "
                "the containers would get the agent's image, log and secret permissions",
                task_definition.urn,
            )


POLICIES = [
    stack_policy(
        "ecs-task-roles-distinct",
        "ECS task definitions use different roles for taskRoleArn and executionRoleArn.",
        roles_distinct,
    ),
    container_policy("ecs-task-not-privileged", "ECS containers do not run privileged.", _privileged),
    container_policy("ecs-task-logging", "Every ECS container has a log configuration.", _without_logs),
    container_policy(
        "ecs-task-no-plaintext-secrets",
        "ECS container environments hold no AWS access key ids or secret-named plaintext values.",
        _plaintext_secrets,
        one_setting(
            "secretNamePattern",
            "Regex (case-insensitive) for variable names that hold secrets.",
            SECRET_NAME_PATTERN,
        ),
    ),
    container_policy(
        "ecs-task-read-only-root",
        "ECS containers have a read-only root file system.",
        _writable_root,
        one_setting("exemptContainers", "Container names allowed a writable root file system.", []),
    ),
]
