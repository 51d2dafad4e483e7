"""The gate's results, printed grouped like `pulumi preview` does, or as one JSON object."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .analyzer import Diagnostic, NotApplicable


@dataclass(frozen=True)
class PackResult:
    name: str
    version: str
    path: str
    levels: Mapping[str, str]
    """Policy name -> the enforcement level it ran with."""
    diagnostics: Sequence[Diagnostic] = field(default_factory=list)
    not_applicable: Sequence[NotApplicable] = field(default_factory=list)


@dataclass(frozen=True)
class GateResult:
    stack: str
    program: str
    packs: Sequence[PackResult]
    resources: Mapping[str, Mapping[str, Any]]
    """URN -> recorded resource, to name each violation's resource."""

    @property
    def mandatory(self) -> int:
        return sum(1 for pack in self.packs for item in pack.diagnostics if item.level == "mandatory")

    @property
    def exit_code(self) -> int:
        return 1 if self.mandatory else 0


def _resource_label(result: GateResult, urn: str) -> str:
    resource = result.resources.get(urn)
    return f"{resource['type']}: {resource['name']}" if resource else (urn or "stack")


def text(result: GateResult) -> str:
    lines = [f"Policies (stack {result.stack}, program {result.program}):"]
    for pack in result.packs:
        mark = (
            "❌"
            if any(d.level == "mandatory" for d in pack.diagnostics)
            else "⚠️"
            if pack.diagnostics
            else "✅"
        )
        lines.append(f"    {mark} {pack.name}@v{pack.version} (local: {pack.path})")
        for item in pack.diagnostics:
            lines.append(f"        - [{item.level}]  {item.policy}  ({_resource_label(result, item.urn)})")
            if item.urn:
                lines.append(f"          {item.urn}")
            lines.append(f"          {item.description}")
            lines.extend(f"          {line}" for line in item.message.splitlines())
    advisory = sum(1 for pack in result.packs for item in pack.diagnostics if item.level != "mandatory")
    lines.append(
        f"{result.mandatory} mandatory and {advisory} advisory violation(s), "
        f"{len(result.resources)} resources checked"
    )
    return "\n".join(lines)


def as_json(result: GateResult) -> str:
    return json.dumps(
        {
            "stack": result.stack,
            "program": result.program,
            "resourceCount": len(result.resources),
            "packs": [
                {"name": pack.name, "version": pack.version, "path": pack.path, "policies": dict(pack.levels)}
                for pack in result.packs
            ],
            "violations": [
                {
                    "policyPack": item.pack,
                    "policyPackVersion": pack.version,
                    "policy": item.policy,
                    "enforcementLevel": item.level,
                    "urn": item.urn,
                    "resourceType": result.resources.get(item.urn, {}).get("type", ""),
                    "resourceName": result.resources.get(item.urn, {}).get("name", ""),
                    "description": item.description,
                    "message": item.message,
                }
                for pack in result.packs
                for item in pack.diagnostics
            ],
            "notApplicable": [
                {"policyPack": pack.name, "policy": item.policy, "urn": item.urn, "reason": item.reason}
                for pack in result.packs
                for item in pack.not_applicable
            ],
            "mandatoryViolations": result.mandatory,
            "exitCode": result.exit_code,
        },
        indent=2,
    )
