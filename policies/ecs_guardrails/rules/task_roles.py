"""Least privilege for the roles ECS tasks run with: task roles (what the containers may do) and execution
roles (what the ECS agent may do to start them), each judged by the rules of its use (see `roles`).

Permissions are gathered across the stack, so these are stack policies. References: cdk-nag IAM4/IAM5,
Checkov CKV_AWS_249, AWS's guidance on the confused deputy problem for ECS.

An execution role may carry AWS's `AmazonECSTaskExecutionRolePolicy` by default: AWS documents it as the
execution role's policy ("Amazon ECS task execution IAM role", ECS developer guide), it holds exactly the
image-pull and log-write actions below, and the agent's credentials are not accessible to the containers.
cdk-nag's IAM4 reports every AWS managed policy whatever the role is for; a stack that wants that strictness
sets `execution-role-minimal.allowedPolicyArns` to `[]`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from . import documents
from .declarations import StackCheck, one_setting, settings, stack_policy
from .roles import ECS_TASKS, RoleView, Use, roles_used_as
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

EXECUTION_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
"""AWS's managed policy for execution roles: the image-pull and log-write actions above on `*`."""

_SECRET_READS = ("secretsmanager:GetSecretValue", "ssm:GetParameters")


def _task_roles(args: StackValidationArgs, findings: Findings) -> list[RoleView]:
    return roles_used_as(args.resources, {Use.TASK}, findings)


def _is_listed(arn: str, listed: list[str]) -> bool:
    """Whether a managed policy ARN is in `listed`, in any partition (`arn:aws-cn:iam::aws:policy/...`)."""
    return any(arn.split(":", 2)[-1] == item.split(":", 2)[-1] for item in listed if item.count(":") >= 2)


StatementCheck = Callable[[documents.Statement, Mapping[str, Any]], str | None]
"""(an Allow statement of a task role, policy settings) -> what is wrong with it, or None."""


def _statement_rule(check: StatementCheck) -> StackCheck:
    """A stack check running `check` on every Allow statement that grants a task role permissions."""

    def validate(args: StackValidationArgs, findings: Findings) -> None:
        for role in _task_roles(args, findings):
            for granting, statement in role.allow_statements():
                problem = check(statement, args.get_config())
                if problem:
                    findings.violation(
                        f"{role.label(Use.TASK)}: {granting.source} {statement.label} {problem}", role.urn
                    )

    return validate


def _service_wide_actions(statement: documents.Statement, _config: Mapping[str, Any]) -> str | None:
    wide = [action for action in statement.actions if documents.is_service_wide(action)]
    return f"allows {', '.join(wide)}; list the exact actions the containers need" if wide else None


def _inverted(statement: documents.Statement, _config: Mapping[str, Any]) -> str | None:
    keys = [
        key
        for key, items in (("NotAction", statement.not_actions), ("NotResource", statement.not_resources))
        if items
    ]
    if not keys:
        return None
    return (
        f"allows with {' and '.join(keys)}, which grants everything not listed; list what it allows instead"
    )


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
    return (
        f'allows {actions} on Resource "*"; these actions support resource ARNs, so name the exact ones '
        "(or, for an action that truly takes no resource, add it to "
        "task-role-no-wildcard-resource.allowedActions)"
    )


def no_managed_policies(args: StackValidationArgs, findings: Findings) -> None:
    allowed = list(setting(args.get_config(), "allowedPolicyArns", []))
    for role in _task_roles(args, findings):
        for arn in role.attached_arns:
            if _is_listed(arn, allowed):
                continue
            kind = (
                "AWS managed policy"
                if documents.is_aws_managed_policy(arn)
                else "managed policy defined outside this stack (its document cannot be checked)"
            )
            findings.violation(
                f"{role.label(Use.TASK)} has {kind} {arn} attached; grant the containers exact actions on "
                "exact ARNs instead (or allow the policy in task-role-no-managed-policies.allowedPolicyArns)",
                role.urn,
            )


def trust_policy_scoped(args: StackValidationArgs, findings: Findings) -> None:
    for role in roles_used_as(args.resources, {Use.TASK, Use.EXECUTION}, findings, permissions=False):
        use = Use.TASK if Use.TASK in role.uses else Use.EXECUTION
        for statement in documents.statements(role.trust):
            if not statement.allows:
                continue
            others = sorted(statement.principal_services() - {ECS_TASKS}) + statement.principal_others()
            if others:
                findings.violation(
                    f"{role.label(use)}: trust {statement.label} also admits {', '.join(others)}; "
                    f"a role ECS tasks run with trusts only {ECS_TASKS} (give the others their own role)",
                    role.urn,
                )
            if not statement.condition_keys() & {"aws:sourceaccount", "aws:sourcearn"}:
                findings.violation(
                    f"{role.label(use)}: trust {statement.label} has no aws:SourceAccount or "
                    "aws:SourceArn condition (confused deputy protection); add "
                    '"Condition": {"StringEquals": {"aws:SourceAccount": "<account id>"}}',
                    role.urn,
                )


def execution_role_minimal(args: StackValidationArgs, findings: Findings) -> None:
    config = args.get_config()
    allowed = {action.lower() for action in setting(config, "allowedActions", list(EXECUTION_ROLE_ACTIONS))}
    allowed_policies = list(setting(config, "allowedPolicyArns", [EXECUTION_ROLE_POLICY]))
    task_definitions = of_type(args.resources, TASK_DEFINITION)
    for role in roles_used_as(args.resources, {Use.EXECUTION}, findings):
        label = role.label(Use.EXECUTION)
        for arn in role.attached_arns:
            if not _is_listed(arn, allowed_policies):
                findings.violation(
                    f"{label} has managed policy {arn} attached; an execution role needs only "
                    f"{EXECUTION_ROLE_POLICY.rsplit('/', 1)[-1]} or exact image, log and secret reads "
                    "(or allow the policy in execution-role-minimal.allowedPolicyArns)",
                    role.urn,
                )
        users = [td for td in task_definitions if refers_to(td, "executionRoleArn", role.resource)]
        secrets = _secret_references(users, findings)
        for granting, statement in role.allow_statements():
            where = f"{label}: {granting.source} {statement.label}"
            extra = [action for action in statement.actions if action.lower() not in allowed]
            if extra:
                findings.violation(
                    f"{where} allows {', '.join(extra)}; an execution role only pulls images, writes logs "
                    "and reads the task's own secrets: move what the containers use to the task role "
                    "(or allow the action in execution-role-minimal.allowedActions)",
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
                        "uses as a secret; grant only the secrets the containers' `secrets` name",
                        role.urn,
                    )


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
        "ECS task and execution role trust policies admit only ecs-tasks.amazonaws.com, with an "
        "aws:SourceAccount or aws:SourceArn condition.",
        trust_policy_scoped,
    ),
    stack_policy(
        "execution-role-minimal",
        "ECS execution roles may only pull images, write logs and read their task's own secrets "
        "(AmazonECSTaskExecutionRolePolicy allowed by default).",
        execution_role_minimal,
        settings(
            one_setting(
                "allowedActions", "Actions an execution role may have.", list(EXECUTION_ROLE_ACTIONS)
            ),
            one_setting(
                "allowedPolicyArns",
                "Managed policy ARNs an execution role may have (any partition).",
                [EXECUTION_ROLE_POLICY],
            ),
        ),
    ),
]
