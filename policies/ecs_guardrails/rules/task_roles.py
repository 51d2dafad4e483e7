"""Least privilege for ECS task roles: the roles `ecs-tasks.amazonaws.com` may assume.

A role is a task role when its trust policy admits `ecs-tasks.amazonaws.com`; that covers execution roles
too. Its permissions are gathered across the stack (see `roles`), so these are stack policies. References:
cdk-nag IAM4/IAM5, Checkov CKV_AWS_249, AWS's guidance on the confused deputy problem for ECS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    StackValidation,
    StackValidationArgs,
)

from . import documents
from .declarations import one_setting, stack_policy
from .roles import ECS_TASKS, RoleView, roles_trusting
from .stack_graph import Findings, of_type, refers_to
from .task_definitions import TASK_DEFINITION, container_definitions
from .values import UNKNOWN, is_sequence, read, setting, strings

ACTIONS_WITHOUT_RESOURCES = (
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
"""Actions IAM supports on no resource but `*` (Service Authorization Reference): ECR log-in, metrics,
traces and ECS Exec's channels. Only these may have `Resource: "*"` in a task role."""

EXECUTION_ROLE_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameters",
    "kms:Decrypt",
)
"""What the ECS agent needs with an execution role: pull the image, write logs, read the task's secrets."""

_SECRET_READS = ("secretsmanager:GetSecretValue", "ssm:GetParameters")


def _task_roles(args: StackValidationArgs, findings: Findings) -> list[RoleView]:
    return roles_trusting(args.resources, {ECS_TASKS}, findings)


StatementCheck = Callable[[documents.Statement, Mapping[str, Any]], str | None]
"""(an Allow statement of a task role, policy settings) -> what is wrong with it, or None."""


def _statement_rule(check: StatementCheck) -> StackValidation:
    """A stack validation running `check` on every Allow statement that grants a task role permissions."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        findings = Findings(report)
        for role in _task_roles(args, findings):
            for granting, statement in role.allow_statements():
                problem = check(statement, args.get_config())
                if problem:
                    findings.violation(
                        f"task role {role.name}: {granting.source} {statement.label} {problem}", role.urn
                    )
        findings.finish(args)

    return validate


def _service_wide_actions(statement: documents.Statement, _config: Mapping[str, Any]) -> str | None:
    wide = [action for action in statement.actions if documents.is_service_wide(action)]
    return f"allows {', '.join(wide)}; list the exact actions the task needs" if wide else None


def _inverted(statement: documents.Statement, _config: Mapping[str, Any]) -> str | None:
    keys = [
        key
        for key, items in (("NotAction", statement.not_actions), ("NotResource", statement.not_resources))
        if items
    ]
    return f"allows with {' and '.join(keys)}, which grants everything not listed" if keys else None


def _wildcard_resource(statement: documents.Statement, config: Mapping[str, Any]) -> str | None:
    if "*" not in statement.resources:
        return None
    allowed = {
        action.lower() for action in setting(config, "allowedActions", list(ACTIONS_WITHOUT_RESOURCES))
    }
    scoped = [action for action in statement.actions if action.lower() not in allowed]
    if not scoped:
        return None
    actions = ", ".join(scoped)
    return f'allows {actions} on Resource "*"; these actions support resource ARNs, so name the exact ones'


def no_managed_policies(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    allowed = set(setting(args.get_config(), "allowedPolicyArns", []))
    for role in _task_roles(args, findings):
        for arn in role.attached_arns:
            if arn in allowed:
                continue
            kind = (
                "AWS managed policy"
                if documents.is_aws_managed_policy(arn)
                else ("managed policy defined outside this stack (its document cannot be checked)")
            )
            findings.violation(
                f"task role {role.name} has {kind} {arn} attached; grant exact actions on exact ARNs instead",
                role.urn,
            )
    findings.finish(args)


def trust_policy_scoped(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    for role in _task_roles(args, findings):
        for statement in documents.statements(role.trust):
            if not statement.allows:
                continue
            others = sorted(statement.principal_services() - {ECS_TASKS}) + statement.principal_others()
            if others:
                findings.violation(
                    f"task role {role.name}: trust {statement.label} also admits {', '.join(others)}; "
                    f"a task role trusts only {ECS_TASKS}",
                    role.urn,
                )
            if not statement.condition_keys() & {"aws:sourceaccount", "aws:sourcearn"}:
                findings.violation(
                    f"task role {role.name}: trust {statement.label} has no aws:SourceAccount or "
                    "aws:SourceArn condition (confused deputy protection)",
                    role.urn,
                )
    findings.finish(args)


def execution_role_minimal(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    allowed = {
        action.lower()
        for action in setting(args.get_config(), "allowedActions", list(EXECUTION_ROLE_ACTIONS))
    }
    task_definitions = of_type(args.resources, TASK_DEFINITION)
    for role in _task_roles(args, findings):
        users = [td for td in task_definitions if refers_to(td, "executionRoleArn", role.resource)]
        if not users:
            continue
        secrets = _secret_references(users, findings)
        for granting, statement in role.allow_statements():
            where = f"execution role {role.name}: {granting.source} {statement.label}"
            extra = [action for action in statement.actions if action.lower() not in allowed]
            if extra:
                findings.violation(
                    f"{where} allows {', '.join(extra)}; an execution role only pulls images, writes logs "
                    "and reads the task's own secrets (what the containers use belongs on the task role)",
                    role.urn,
                )
            if secrets is not None and any(statement.grants(action) for action in _SECRET_READS):
                foreign = [
                    arn
                    for arn in statement.resources
                    if arn != "*" and not any(_names_secret(arn, ref) for ref in secrets)
                ]
                if foreign:
                    findings.violation(
                        f"{where} reads {', '.join(foreign)}, which no container of its task definitions "
                        "uses as a secret",
                        role.urn,
                    )
    findings.finish(args)


def _names_secret(arn: str, reference: str) -> bool:
    """Whether a granted ARN covers a container's `valueFrom`: an ARN (a Secrets Manager one may end in
    `:json-key:version-stage:version-id`) or, in the task's own region, a bare secret or parameter name."""
    if reference.startswith("arn:"):
        return reference.startswith(arn.rstrip("*"))
    for marker in (":secret:", ":parameter/"):
        if marker in arn:
            granted = arn.split(marker, 1)[1].rstrip("*").lstrip("/")
            # a secret's ARN adds a 6-character suffix to its name; a granted `name*` covers what it prefixes
            return granted.startswith(reference.lstrip("/")) or reference.lstrip("/").startswith(granted)
    return False


def _secret_references(task_definitions: list[PolicyResource], findings: Findings) -> list[str] | None:
    """Every `valueFrom` of the containers' secrets and private registry credentials; None if unknown."""
    refs: list[str] = []
    for task_definition in task_definitions:
        containers = container_definitions(task_definition.props)
        if containers is UNKNOWN:
            findings.skip(f"container definitions of {task_definition.name}")
            return None
        for container in containers or []:
            secrets = read(container, "secrets")
            for index in range(len(secrets) if is_sequence(secrets) else 0):
                refs.extend(strings(read(secrets, index, "valueFrom")))
            refs.extend(strings(read(container, "repositoryCredentials", "credentialsParameter")))
    return refs


POLICIES = [
    stack_policy(
        "task-role-no-wildcard-actions",
        "ECS task roles allow no `*` or `service:*` actions.",
        _statement_rule(_service_wide_actions),
    ),
    stack_policy(
        "task-role-no-not-action",
        "ECS task roles have no Allow statement with NotAction or NotResource.",
        _statement_rule(_inverted),
    ),
    stack_policy(
        "task-role-no-wildcard-resource",
        'ECS task roles use Resource "*" only for actions that support no resource ARN.',
        _statement_rule(_wildcard_resource),
        one_setting("allowedActions", 'Actions that may use Resource "*".', list(ACTIONS_WITHOUT_RESOURCES)),
    ),
    stack_policy(
        "task-role-no-managed-policies",
        "ECS task roles get no managed policies (AWS managed or defined outside the stack) "
        "except allow-listed ones.",
        no_managed_policies,
        one_setting("allowedPolicyArns", "Managed policy ARNs a task role may have.", []),
    ),
    stack_policy(
        "task-role-trust-scoped",
        "ECS task role trust policies admit only ecs-tasks.amazonaws.com, with an "
        "aws:SourceAccount or aws:SourceArn condition.",
        trust_policy_scoped,
    ),
    stack_policy(
        "execution-role-minimal",
        "ECS execution roles may only pull images, write logs and read their task's own secrets.",
        execution_role_minimal,
        one_setting("allowedActions", "Actions an execution role may have.", list(EXECUTION_ROLE_ACTIONS)),
    ),
]
