"""Declaring policies briefly: one constructor for every policy, resource policies from small checks, stack
policies that report through `Findings`, and config schemas from settings with defaults."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, overload

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .stack_graph import Findings

Check = Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]]
"""(resource inputs, policy settings) -> problems; an input that is unknown (preview) is no problem yet."""

StackCheck = Callable[[StackValidationArgs, Findings], None]
"""(the stack, where to report) -> None; reports violations and what it could not check yet."""


@overload
def declare(
    kind: type[ResourceValidationPolicy],
    name: str,
    description: str,
    validate: ResourceValidation,
    config_schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy: ...


@overload
def declare(
    kind: type[StackValidationPolicy],
    name: str,
    description: str,
    validate: StackValidation,
    config_schema: PolicyConfigSchema | None = None,
) -> StackValidationPolicy: ...


def declare(
    kind: type[ResourceValidationPolicy | StackValidationPolicy],
    name: str,
    description: str,
    validate: Any,
    config_schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy | StackValidationPolicy:
    """A policy at the pack's enforcement level (`__main__.py`) unless the stack's pack config sets another:
    no policy sets its own, which would win over the pack's."""
    return kind(name=name, description=description, validate=validate, config_schema=config_schema)


def resource_policy(
    name: str,
    description: str,
    types: Collection[str],
    check: Check,
    config_schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        kind = args.resource_type.rsplit(":", 1)[-1]
        for problem in check(args.props, args.get_config()):
            report(f"{kind} {args.name}: {problem}", None)

    return declare(ResourceValidationPolicy, name, description, validate, config_schema)


def stack_policy(
    name: str, description: str, check: StackCheck, config_schema: PolicyConfigSchema | None = None
) -> StackValidationPolicy:
    """A stack policy whose check reports through `Findings`: not applicable (until update) when only
    unknown values stood in its way."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        findings = Findings(report)
        check(args, findings)
        findings.finish(args)

    return declare(StackValidationPolicy, name, description, validate, config_schema)


_JSON_TYPES = {bool: "boolean", int: "integer", str: "string", list: "array"}


def one_setting(key: str, description: str, default: Any, **schema: Any) -> PolicyConfigSchema:
    """A config schema with one setting whose JSON type follows its default (lists hold strings)."""
    kind = _JSON_TYPES[type(default)]
    spec: dict[str, Any] = {"type": kind, "description": description, "default": default, **schema}
    if kind == "array":
        spec.setdefault("items", {"type": "string"})
    return PolicyConfigSchema(properties={key: spec})


def settings(*schemas: PolicyConfigSchema) -> PolicyConfigSchema:
    """One schema holding the settings of several `one_setting` schemas."""
    return PolicyConfigSchema(
        properties={key: spec for schema in schemas for key, spec in schema.properties.items()}
    )
