"""The gate's results: grouped like `pulumi preview` prints them, one JSON object, SARIF for code scanning,
or a Markdown summary for a CI job's page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    pack: str
    pack_version: str
    level: str
    urn: str
    description: str
    message: str


@dataclass(frozen=True)
class NotApplicable:
    policy: str
    urn: str
    reason: str


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
    warnings: Sequence[str] = ()
    """What in the program's files is almost surely a mistake, though no policy checks it."""

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
            "warnings": list(result.warnings),
            "mandatoryViolations": result.mandatory,
            "exitCode": result.exit_code,
        },
        indent=2,
    )


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVELS = {"mandatory": "error", "advisory": "warning", "remediate": "error", "disabled": "none"}
TOOL_NAME = "ecs-event-patterns policy gate"


def _location(result: GateResult, urn: str, root: Path) -> dict[str, Any]:
    """Where the program created the violating resource (the SDK reports it at registration), relative to
    `root` (the repository, for code scanning); the program's entry point when unknown."""
    resource = result.resources.get(urn) or {}
    source = resource.get("source") or {}
    uri, line = str(source.get("uri") or ""), int(source.get("line") or 0)
    path = Path(unquote(urlparse(uri).path)) if uri.startswith("file:") else Path(result.program)
    artifact: dict[str, Any] = {"uri": path.as_uri()}
    if path.is_absolute() and path.is_relative_to(root):
        artifact = {"uri": path.relative_to(root).as_posix(), "uriBaseId": "%SRCROOT%"}
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifact, "region": {"startLine": max(line, 1)}}
    }
    if urn:
        location["logicalLocations"] = [
            {"fullyQualifiedName": urn, "name": resource.get("name", ""), "kind": "resource"}
        ]
    return location


def as_sarif(result: GateResult, root: Path) -> str:
    """SARIF 2.1.0, as GitHub code scanning reads it: one run, a rule per policy, a result per violation."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for pack in result.packs:
        for item in pack.diagnostics:
            if item.policy not in index:
                index[item.policy] = len(rules)
                rules.append(
                    {
                        "id": item.policy,
                        "name": item.policy,
                        "shortDescription": {"text": item.description},
                        "defaultConfiguration": {"level": _SARIF_LEVELS.get(item.level, "warning")},
                        "properties": {"policyPack": f"{pack.name}@{pack.version}"},
                    }
                )
    results = [
        {
            "ruleId": item.policy,
            "ruleIndex": index[item.policy],
            "level": _SARIF_LEVELS.get(item.level, "warning"),
            "message": {"text": f"{_resource_label(result, item.urn)}: {item.message}"},
            "locations": [_location(result, item.urn, root)],
            "partialFingerprints": {"policyAndResource/v1": f"{item.policy}:{item.urn}"},
        }
        for pack in result.packs
        for item in pack.diagnostics
    ]
    return json.dumps(_sarif_log(result.stack, rules, results, []), indent=2)


def error_sarif(stack: str, errors: Sequence[str]) -> str:
    """A SARIF log saying the gate could not run, with each problem as a tool notification."""
    return json.dumps(_sarif_log(stack, [], [], errors), indent=2)


def _sarif_log(
    stack: str, rules: list[dict[str, Any]], results: list[dict[str, Any]], errors: Sequence[str]
) -> dict[str, Any]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL_NAME, "rules": rules}},
                "automationDetails": {"id": f"policy-gate/{stack}/"},
                "invocations": [
                    {
                        "executionSuccessful": not errors,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": error}} for error in errors
                        ],
                    }
                ],
                "results": results,
            }
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def as_markdown(result: GateResult) -> str:
    """A summary for `$GITHUB_STEP_SUMMARY` or a pull-request comment: one table row per violation."""
    advisory = sum(1 for pack in result.packs for item in pack.diagnostics if item.level != "mandatory")
    mark = "❌" if result.mandatory else "⚠️" if advisory else "✅"
    lines = [
        f"### {mark} Policy gate, stack `{result.stack}`: {result.mandatory} mandatory and {advisory} "
        "advisory violation(s)",
        "",
        f"{len(result.resources)} resources checked with "
        + ", ".join(f"`{pack.name}@{pack.version}`" for pack in result.packs)
        + ".",
    ]
    diagnostics = [item for pack in result.packs for item in pack.diagnostics]
    if diagnostics:
        lines += ["", "| level | policy | resource | what to change |", "|---|---|---|---|"]
        lines += [
            f"| {item.level} | `{item.policy}` | `{_cell(_resource_label(result, item.urn))}` | "
            f"{_cell(item.message)} |"
            for item in diagnostics
        ]
    if result.warnings:
        lines += ["", *(f"> ⚠️ {_cell(warning)}" for warning in result.warnings)]
    waiting = [item for pack in result.packs for item in pack.not_applicable]
    if waiting:
        lines += ["", "Not checked yet (values known only at update):"]
        lines += [f"- `{item.policy}`: {_cell(item.reason)}" for item in waiting]
    return "\n".join(lines) + "\n"


def error_markdown(stack: str, errors: Sequence[str]) -> str:
    body = "\n".join(f"- {_cell(error)}" for error in errors)
    return f"### ❌ Policy gate, stack `{stack}`: could not run\n\n{body}\n"
