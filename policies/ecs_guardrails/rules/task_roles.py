"""Least privilege for ECS task roles: the roles `ecs-tasks.amazonaws.com` may assume.

A role is a task role when its trust policy admits `ecs-tasks.amazonaws.com`; that covers execution roles
too. Its permissions are gathered across the stack (see `roles`), so these are stack policies. References:
cdk-nag IAM4/IAM5, Checkov CKV_AWS_249, AWS's guidance on the confused deputy problem for ECS.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import documents
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


def no_wildcard_actions(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    for role in _task_roles(args, findings):
        for granting in role.documents:
            for statement in granting.allow_statements():
                wide = [action for action in statement.actions if documents.is_service_wide(action)]
                if wide:
                    findings.violation(
                        f"task role {role.name}: {granting.source} {statement.label} allows "
                        f"{', '.join(wide)}; list the exact actions the task needs",
                        role.urn,
                    )
    findings.finish(args)


def no_not_action_or_not_resource(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    for role in _task_roles(args, findings):
        for granting in role.documents:
            for statement in granting.allow_statements():
                inverted = [
                    key
                    for key, items in (
                        ("NotAction", statement.not_actions),
                        ("NotResource", statement.not_resources),
                    )
                    if items
                ]
                if inverted:
                    findings.violation(
                        f"task role {role.name}: {granting.source} {statement.label} allows with "
                        f"{' and '.join(inverted)}, which grants everything not listed",
                        role.urn,
                    )
    findings.finish(args)


def no_wildcard_resource(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    allowed = {
        action.lower()
        for action in setting(args.get_config(), "allowedActions", list(ACTIONS_WITHOUT_RESOURCES))
    }
    for role in _task_roles(args, findings):
        for granting in role.documents:
            for statement in granting.allow_statements():
                if "*" not in statement.resources:
                    continue
                scoped_actions = [action for action in statement.actions if action.lower() not in allowed]
                if scoped_actions:
                    findings.violation(
                        f"task role {role.name}: {granting.source} {statement.label} allows "
                        f'{", ".join(scoped_actions)} on Resource "*"; these actions support resource '
                        "ARNs, so name the exact ones",
                        role.urn,
                    )
    findings.finish(args)


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
        for granting in role.documents:
            for statement in granting.allow_statements():
                extra = [action for action in statement.actions if action.lower() not in allowed]
                if extra:
                    findings.violation(
                        f"execution role {role.name}: {granting.source} {statement.label} allows "
                        f"{', '.join(extra)}; an execution role only pulls images, writes logs and reads "
                        "the task's own secrets (permissions the containers use belong on the task role)",
                        role.urn,
                    )
                if secrets is not None and any(statement.grants(action) for action in _SECRET_READS):
                    foreign = [
                        arn
                        for arn in statement.resources
                        if arn != "*" and not any(ref.startswith(arn.rstrip("*")) for ref in secrets)
                    ]
                    if foreign:
                        findings.violation(
                            f"execution role {role.name}: {granting.source} {statement.label} reads "
                            f"{', '.join(foreign)}, which no container of its task definitions uses "
                            "as a secret",
                            role.urn,
                        )
    findings.finish(args)


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


def _schema(key: str, description: str, default: list[str]) -> PolicyConfigSchema:
    return PolicyConfigSchema(
        properties={
            key: {
                "type": "array",
                "items": {"type": "string"},
                "description": description,
                "default": default,
            }
        }
    )


POLICIES = [
    StackValidationPolicy(
        name="task-role-no-wildcard-actions",
        description="ECS task roles allow no `*` or `service:*` actions.",
        validate=no_wildcard_actions,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="task-role-no-not-action",
        description="ECS task roles have no Allow statement with NotAction or NotResource.",
        validate=no_not_action_or_not_resource,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="task-role-no-wildcard-resource",
        description='ECS task roles use Resource "*" only for actions that support no resource ARN.',
        validate=no_wildcard_resource,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=_schema(
            "allowedActions", 'Actions that may use Resource "*".', list(ACTIONS_WITHOUT_RESOURCES)
        ),
    ),
    StackValidationPolicy(
        name="task-role-no-managed-policies",
        description="ECS task roles get no managed policies (AWS managed or defined outside the stack) "
        "except allow-listed ones.",
        validate=no_managed_policies,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=_schema("allowedPolicyArns", "Managed policy ARNs a task role may have.", []),
    ),
    StackValidationPolicy(
        name="task-role-trust-scoped",
        description="ECS task role trust policies admit only ecs-tasks.amazonaws.com, with an "
        "aws:SourceAccount or aws:SourceArn condition.",
        validate=trust_policy_scoped,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="execution-role-minimal",
        description="ECS execution roles may only pull images, write logs and read their task's own secrets.",
        validate=execution_role_minimal,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=_schema(
            "allowedActions", "Actions an execution role may have.", list(EXECUTION_ROLE_ACTIONS)
        ),
    ),
]
