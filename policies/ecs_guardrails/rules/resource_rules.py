"""Building resource policies from small checks, so each module states only what it checks."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
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

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=config_schema,
    )
