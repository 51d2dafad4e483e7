"""Runs one policy's validate function on resources built here, the way the analyzer server calls it.

Properties go through the SDK's `unknown_checking_proxy`, as in the server, so a test can put an unknown
sentinel anywhere and see what the policy does with a value that is unknown during preview.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

ACCOUNT = "123456789012"
REGION = "us-east-1"
UNKNOWN = UNKNOWN_STRING_VALUE


def urn(typ: str, name: str) -> str:
    return f"urn:pulumi:dev::ecs-event-patterns::{typ}::{name}"


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@dataclass
class Resource:
    type: str
    name: str
    props: dict[str, Any]
    depends: dict[str, list[str]] = field(default_factory=dict)
    """Property name -> names of the resources (in the same stack) that property depends on."""


@dataclass
class Outcome:
    violations: list[tuple[str, str | None]]
    not_applicable: str | None = None

    def report(self, message: str, where: str | None = None) -> None:
        self.violations.append((message, where))

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.violations]

    @property
    def urns(self) -> list[str | None]:
        return [where for _, where in self.violations]


def run_stack_resources(resources: list[Resource]) -> list[PolicyResource]:
    """The resources as a stack policy receives them: props behind the SDK's proxy, dependencies linked."""
    built: dict[str, PolicyResource] = {}
    for item in resources:
        built[item.name] = PolicyResource(
            item.type,
            unknown_checking_proxy(copy.deepcopy(item.props)),
            urn(item.type, item.name),
            item.name,
            options(),
            None,
            None,
            [],
            {},
        )
    for item in resources:
        built[item.name].property_dependencies = {
            key: [built[name] for name in names if name in built] for key, names in item.depends.items()
        }
    return list(built.values())


def run_stack(
    policy: StackValidationPolicy, resources: list[Resource], config: Mapping[str, Any] | None = None
) -> Outcome:
    outcome = Outcome([])
    try:
        policy.validate(
            StackValidationArgs(run_stack_resources(resources), dict(config or {})), outcome.report
        )
    except _NotApplicableError as error:
        outcome.not_applicable = error.reason
    return outcome


def run_resource(
    policy: ResourceValidationPolicy, item: Resource, config: Mapping[str, Any] | None = None
) -> Outcome:
    args = ResourceValidationArgs(
        item.type,
        unknown_checking_proxy(copy.deepcopy(item.props)),
        urn(item.type, item.name),
        item.name,
        options(),
        None,
        dict(config or {}),
    )
    outcome = Outcome([])
    try:
        policy.validate(args, outcome.report)
    except _NotApplicableError as error:
        outcome.not_applicable = error.reason
    return outcome


def policy_named(policies: list[Any], name: str) -> Any:
    (found,) = [policy for policy in policies if policy.name == name]
    return found


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(service: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return document(statement)


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def by_name(resources: list[Resource], name: str) -> Resource:
    (found,) = [item for item in resources if item.name == name]
    return found
