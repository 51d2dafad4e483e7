"""IAM roles with what they are used for and everything that grants them permissions, from the whole stack.

A role's **use** comes from what references it, not from its trust policy (execution roles trust
`ecs-tasks.amazonaws.com` exactly as task roles do): a task definition's `taskRoleArn` (task role) and
`executionRoleArn` (execution role), an EventBridge target's `roleArn` (events role), a Scheduler schedule's
`target.roleArn` (scheduler role), and the same inputs of awsx's ECS components. A role in several uses gets
the rules of each. A role nothing in the stack references is judged by its trust policy: by the rules of
task roles when it trusts `ecs-tasks.amazonaws.com`, of events or scheduler roles when it trusts those.

A role's permissions come from its own `inlinePolicies` and `managedPolicyArns`, and from separate
`aws:iam/rolePolicy:RolePolicy`, `aws:iam/rolePolicyAttachment:RolePolicyAttachment` and
`aws:iam/policyAttachment:PolicyAttachment` resources that name it; a customer managed policy defined in
the stack (`aws:iam/policy:Policy`) is followed to its document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pulumi_policy import PolicyResource

from . import documents
from .stack_graph import Findings, depends_through, identities, of_type, referenced, refers_to
from .values import UNKNOWN, is_sequence, read, strings

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
MANAGED_POLICY = "aws:iam/policy:Policy"

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE = "aws:scheduler/schedule:Schedule"
AWSX_SERVICES = ("awsx:ecs:FargateService", "awsx:ecs:EC2Service")
AWSX_TASK_DEFINITIONS = ("awsx:ecs:FargateTaskDefinition", "awsx:ecs:EC2TaskDefinition")

ECS_TASKS = "ecs-tasks.amazonaws.com"
EVENTS = "events.amazonaws.com"
SCHEDULER = "scheduler.amazonaws.com"


class Use(Enum):
    """What a role is for; the value names it in messages."""

    TASK = "task role"
    EXECUTION = "execution role"
    EVENTS = "events role"
    SCHEDULER = "scheduler role"


_REFERENCES: tuple[tuple[tuple[str, ...], tuple[str, ...], Use], ...] = (
    ((TASK_DEFINITION,), ("taskRoleArn",), Use.TASK),
    ((TASK_DEFINITION,), ("executionRoleArn",), Use.EXECUTION),
    ((EVENT_TARGET,), ("roleArn",), Use.EVENTS),
    ((SCHEDULE,), ("target", "roleArn"), Use.SCHEDULER),
    (AWSX_SERVICES, ("taskDefinitionArgs", "taskRole", "roleArn"), Use.TASK),
    (AWSX_SERVICES, ("taskDefinitionArgs", "executionRole", "roleArn"), Use.EXECUTION),
    (AWSX_TASK_DEFINITIONS, ("taskRole", "roleArn"), Use.TASK),
    (AWSX_TASK_DEFINITIONS, ("executionRole", "roleArn"), Use.EXECUTION),
)
"""(resource types, path of the property holding a role ARN, the use it gives the role)."""

_TRUST_USES = {ECS_TASKS: Use.TASK, EVENTS: Use.EVENTS, SCHEDULER: Use.SCHEDULER}
"""How a role no resource references is judged: by the service its trust policy admits."""


@dataclass(frozen=True)
class GrantingDocument:
    """A permissions document and where it comes from, for messages."""

    source: str
    document: Mapping[str, Any]

    def allow_statements(self) -> list[documents.Statement]:
        return [statement for statement in documents.statements(self.document) if statement.allows]


@dataclass
class RoleView:
    resource: PolicyResource
    trust: Mapping[str, Any]
    uses: set[Use] = field(default_factory=set)
    used_by: list[str] = field(default_factory=list)
    """What references the role, for messages (`task definition job`); empty when judged by its trust."""
    granting: list[GrantingDocument] = field(default_factory=list)
    attached_arns: list[str] = field(default_factory=list)
    """Managed policy ARNs attached to the role that are not defined in this stack (AWS or elsewhere)."""

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def urn(self) -> str:
        return self.resource.urn

    def label(self, use: Use) -> str:
        """`execution role exec` or `task role app (trusted by ecs-tasks.amazonaws.com, used by nothing in
        the stack)`: what a message calls the role."""
        if self.used_by:
            return f"{use.value} {self.name}"
        return f"{use.value} {self.name} (not referenced in the stack; judged by its trust policy)"

    def allow_statements(self) -> Iterator[tuple[GrantingDocument, documents.Statement]]:
        """Every Allow statement that grants this role permissions, with the document it is in."""
        for granting in self.granting:
            for statement in granting.allow_statements():
                yield granting, statement

    def trusted_services(self) -> set[str]:
        return {
            service
            for statement in documents.statements(self.trust)
            if statement.allows
            for service in statement.principal_services()
        }


def roles_used_as(
    resources: Sequence[PolicyResource], uses: set[Use], findings: Findings, *, permissions: bool = True
) -> list[RoleView]:
    """Roles in one of `uses`, with their permissions gathered (unless a check needs only the trust); a role
    whose use is not known yet (preview) is skipped and remembered in `findings`."""
    views = []
    for role in of_type(resources, ROLE):
        trust = _document(role, "assumeRolePolicy", f"trust policy of role {role.name}", findings)
        if trust is None:
            continue
        view = RoleView(role, trust)
        if not _classify(view, resources, findings):
            continue
        if view.uses & uses:
            if permissions:
                _gather(view, resources, findings)
            views.append(view)
    return views


def _classify(view: RoleView, resources: Sequence[PolicyResource], findings: Findings) -> bool:
    """Fill `view.uses` from the references to the role; False when one of them is not known yet."""
    for types, path, use in _REFERENCES:
        for source in of_type(resources, *types):
            found = _names_role(source, path, view.resource)
            if found is UNKNOWN:
                findings.skip(f"{'.'.join(path)} of {source.name} (is it role {view.name}?)")
                return False
            if found:
                view.uses.add(use)
                view.used_by.append(f"{source.resource_type.rsplit(':', 1)[-1]} {source.name}")
    if not view.uses:
        view.uses = {_TRUST_USES[service] for service in view.trusted_services() if service in _TRUST_USES}
    return True


def _names_role(source: PolicyResource, path: tuple[str, ...], role: PolicyResource) -> bool | object:
    """Whether `source` names `role` at `path`: by value, or (the value unknown during preview) because the
    property depends on the role. UNKNOWN when the property is unknown and holds other role ARNs too, so
    the dependency cannot say which one it is."""
    value = read(source.props, *path)
    if value is UNKNOWN:
        if not any(dependency.urn == role.urn for dependency in depends_through(source, path[0])):
            return False
        shares_property = [
            p for types, p, _ in _REFERENCES if source.resource_type in types and p[0] == path[0]
        ]
        return True if len(shares_property) == 1 else UNKNOWN
    return any(item in identities(role) for item in strings(value))


def _document(resource: PolicyResource, key: str, what: str, findings: Findings) -> Mapping[str, Any] | None:
    value = read(resource.props, key)
    if value is UNKNOWN:
        findings.skip(what)
        return None
    try:
        return documents.parse(value)
    except documents.DocumentError as error:
        findings.violation(f"{what}: {error}", resource.urn)
        return None


def _gather(view: RoleView, resources: Sequence[PolicyResource], findings: Findings) -> None:
    role = view.resource
    inline = read(role.props, "inlinePolicies")
    if inline is UNKNOWN:
        findings.skip(f"inline policies of role {role.name}")
    elif is_sequence(inline):
        for index in range(len(inline)):
            name = read(inline, index, "name") or index
            _add(view, read(inline, index, "policy"), f"inline policy {name!r}", role.urn, findings)
    managed = read(role.props, "managedPolicyArns")
    if managed is UNKNOWN:
        findings.skip(f"managed policy ARNs of role {role.name}")
    stack_policies = of_type(resources, MANAGED_POLICY)
    in_stack = referenced(role, "managedPolicyArns", stack_policies)
    defined_here = {name for policy in in_stack for name in identities(policy)}
    view.attached_arns.extend(arn for arn in strings(managed) if arn not in defined_here)
    _attach(view, "", in_stack, findings)
    for attachment in of_type(resources, ROLE_POLICY):
        if refers_to(attachment, "role", role):
            label = f"{ROLE_POLICY} {attachment.name!r}"
            _add(view, read(attachment.props, "policy"), label, attachment.urn, findings)
    for attachment in of_type(resources, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT):
        key = "role" if attachment.resource_type == ROLE_POLICY_ATTACHMENT else "roles"
        if not refers_to(attachment, key, role):
            continue
        arn = read(attachment.props, "policyArn")
        in_stack = referenced(attachment, "policyArn", stack_policies)
        if arn is UNKNOWN and not in_stack:
            findings.skip(f"policy ARN of {attachment.resource_type} {attachment.name}")
            continue
        _attach(view, arn if isinstance(arn, str) else "", in_stack, findings)


def _attach(view: RoleView, arn: str, in_stack: list[PolicyResource], findings: Findings) -> None:
    """Follow a policy defined in this stack to its document; remember an ARN defined elsewhere."""
    if not in_stack:
        if arn:
            view.attached_arns.append(arn)
        return
    for policy in in_stack:
        label = f"managed policy {policy.name!r}"
        _add(view, read(policy.props, "policy"), label, policy.urn, findings)


def _add(view: RoleView, value: Any, source: str, urn: str, findings: Findings) -> None:
    if value is UNKNOWN:
        findings.skip(f"{source} of role {view.name}")
        return
    try:
        document = documents.parse(value)
    except documents.DocumentError as error:
        findings.violation(f"role {view.name}: {source}: {error}", urn)
        return
    if document is not None:
        view.granting.append(GrantingDocument(source, document))
