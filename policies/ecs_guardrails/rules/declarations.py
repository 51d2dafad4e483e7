"""Declaring policies briefly: resource policies from small checks, and one-setting config schemas."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationPolicy,
)

Check = Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]]
"""(resource inputs, policy settings) -> problems; an input that is unknown (preview) is no problem yet."""


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

    return validating_policy(name, description, validate, config_schema)


def validating_policy(
    name: str, description: str, validate: ResourceValidation, config_schema: PolicyConfigSchema | None = None
) -> ResourceValidationPolicy:
    """A resource policy at the pack's enforcement level (`__main__.py`) unless the stack's pack config sets
    another."""
    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        config_schema=config_schema,
    )


def stack_policy(
    name: str, description: str, validate: StackValidation, config_schema: PolicyConfigSchema | None = None
) -> StackValidationPolicy:
    """A stack policy at the pack's enforcement level (`__main__.py`) unless the stack's pack config sets
    another."""
    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        config_schema=config_schema,
    )


_JSON_TYPES = {bool: "boolean", int: "integer", str: "string", list: "array"}


def one_setting(key: str, description: str, default: Any, **schema: Any) -> PolicyConfigSchema:
    """A config schema with one setting whose JSON type follows its default (lists hold strings)."""
    kind = _JSON_TYPES[type(default)]
    spec: dict[str, Any] = {"type": kind, "description": description, "default": default, **schema}
    if kind == "array":
        spec.setdefault("items", {"type": "string"})
    return PolicyConfigSchema(properties={key: spec})
