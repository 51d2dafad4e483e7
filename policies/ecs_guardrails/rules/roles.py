"""IAM roles with everything that grants them permissions, gathered from the whole stack.

A role's permissions come from its own `inlinePolicies` and `managedPolicyArns`, and from separate
`aws:iam/rolePolicy:RolePolicy`, `aws:iam/rolePolicyAttachment:RolePolicyAttachment` and
`aws:iam/policyAttachment:PolicyAttachment` resources that name it; a customer managed policy defined in
the stack (`aws:iam/policy:Policy`) is followed to its document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from . import documents
from .stack_graph import Findings, identities, of_type, referenced, refers_to
from .values import UNKNOWN, is_sequence, read, strings

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
MANAGED_POLICY = "aws:iam/policy:Policy"

ECS_TASKS = "ecs-tasks.amazonaws.com"
EVENTS = "events.amazonaws.com"
SCHEDULER = "scheduler.amazonaws.com"


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
    granting: list[GrantingDocument] = field(default_factory=list)
    attached_arns: list[str] = field(default_factory=list)
    """Managed policy ARNs attached to the role that are not defined in this stack (AWS or elsewhere)."""

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def urn(self) -> str:
        return self.resource.urn

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


def roles_trusting(
    resources: Sequence[PolicyResource], services: set[str], findings: Findings
) -> list[RoleView]:
    """Roles whose trust policy lets one of `services` assume them, with their permissions gathered."""
    views = []
    for role in of_type(resources, ROLE):
        trust = _document(role, "assumeRolePolicy", f"trust policy of role {role.name}", findings)
        if trust is None:
            continue
        view = RoleView(role, trust)
        if view.trusted_services() & services:
            _gather(view, resources, findings)
            views.append(view)
    return views


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
