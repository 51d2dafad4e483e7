"""IAM policy documents as the policies see them: parsed, with statements, actions and principals normalised.

Pure functions over JSON values, so every rule that reads a document reads it the same way.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .values import UNKNOWN, NotKnownYetError, is_sequence, read, strings

_AWS_MANAGED_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")


class DocumentError(ValueError):
    """A policy document that is not valid JSON or not a JSON object."""


@dataclass(frozen=True)
class Statement:
    """One statement with its lists normalised (a single string becomes a one-element list)."""

    index: int
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principal: Any
    condition: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else f"statement {self.index}"

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def grants(self, action: str) -> bool:
        """Whether an action pattern of the statement (IAM wildcards, case-insensitive) covers `action`."""
        return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions)

    def condition_keys(self) -> set[str]:
        """Condition keys under any operator, lower-cased (IAM condition keys are case-insensitive)."""
        keys: set[str] = set()
        for operator in self.condition:
            block = read(self.condition, operator)
            if isinstance(block, Mapping):
                keys.update(str(key).lower() for key in block)
        return keys

    def condition_values(self, key: str) -> list[str]:
        """The values any operator of the condition gives `key` (case-insensitive), e.g. every
        `aws:SourceArn` an `ArnLike` or `StringEquals` admits."""
        values: list[str] = []
        for operator in self.condition:
            block = read(self.condition, operator)
            if isinstance(block, Mapping):
                for name in block:
                    if str(name).lower() == key.lower():
                        values.extend(strings(read(block, name)))
        return values

    def principal_services(self) -> set[str]:
        return set(strings(read(self.principal, "Service"))) if isinstance(self.principal, Mapping) else set()

    def principal_others(self) -> list[str]:
        """Principals that are not AWS services: `*`, accounts, roles, federated or canonical users."""
        if isinstance(self.principal, str):
            return [self.principal]
        if not isinstance(self.principal, Mapping):
            return []
        return [
            f"{kind}: {value}"
            for kind in self.principal
            if kind != "Service"
            for value in strings(read(self.principal, kind))
        ]


def parse(value: Any) -> Mapping[str, Any] | None:
    """A document given as a JSON string (the usual input) or an object; None when there is none."""
    if value is None or value is UNKNOWN:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise DocumentError(f"policy document is not valid JSON ({error.msg} at {error.pos})") from error
    if not isinstance(value, Mapping):
        raise DocumentError(f"policy document is a {type(value).__name__}, not a JSON object")
    return value


def statements(document: Mapping[str, Any]) -> list[Statement]:
    raw = read(document, "Statement")
    items = [raw] if isinstance(raw, Mapping) else list(raw) if is_sequence(raw) else []
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        condition = read(item, "Condition")
        result.append(
            Statement(
                index=index,
                sid=str(read(item, "Sid") or ""),
                effect=str(read(item, "Effect") or ""),
                actions=tuple(strings(read(item, "Action"))),
                not_actions=tuple(strings(read(item, "NotAction"))),
                resources=tuple(strings(read(item, "Resource"))),
                not_resources=tuple(strings(read(item, "NotResource"))),
                principal=read(item, "Principal"),
                condition=condition if isinstance(condition, Mapping) else {},
            )
        )
    return result


def like(pattern: str, value: str) -> bool:
    """IAM's `ArnLike` / `StringLike` and resource matching: `*` any characters, `?` one (case-sensitive)."""
    return fnmatch.fnmatchcase(value, pattern)


def is_service_wide(action: str) -> bool:
    """`*` or `service:*`: every action of a service (or of all services)."""
    return action == "*" or (action.endswith(":*") and action.count(":") == 1)


def is_aws_managed_policy(arn: str) -> bool:
    return bool(_AWS_MANAGED_POLICY.match(arn))


def denies_insecure_transport(statement: Statement, service_wildcard: str) -> bool:
    """Deny of `*` or `service_wildcard` (`s3:*`, `sqs:*`) to everyone (`"*"` or `{"AWS": "*"}`) when
    `aws:SecureTransport` is `false` (condition operator `Bool`): the resource answers only over TLS."""
    everyone = statement.principal == "*" or (
        isinstance(statement.principal, Mapping) and "*" in strings(read(statement.principal, "AWS"))
    )
    insecure = strings(read(statement.condition, "Bool", "aws:SecureTransport"))
    return (
        statement.effect == "Deny"
        and everyone
        and any(action in ("*", service_wildcard) for action in statement.actions)
        and [value.lower() for value in insecure] == ["false"]
    )


def tls_only_problem(policies: Sequence[tuple[str, Any]], service_wildcard: str, kind: str) -> str | None:
    """Whether a resource's policies, (name of the resource holding the document, document) pairs, make it
    TLS-only (see `denies_insecure_transport`): None when one of them does, else what is wrong.

    A document that passes wins over the others; otherwise an unknown one raises `NotKnownYetError`
    ("policy of <name>"), then a document that is not a JSON object is the problem, then the missing
    statement. `kind` names the documents in messages ("bucket policy", "queue policy").
    """
    unknown: list[str] = []
    errors: list[str] = []
    for name, value in policies:
        if value is UNKNOWN:
            unknown.append(f"policy of {name}")
            continue
        try:
            parsed = parse(value)
        except DocumentError as error:
            errors.append(f"{kind} {name}: {error}")
            continue
        if parsed and any(denies_insecure_transport(s, service_wildcard) for s in statements(parsed)):
            return None
    if unknown:
        raise NotKnownYetError("; ".join(unknown))
    if errors:
        return "; ".join(errors)
    return f'no {kind} denying {service_wildcard} to "*" when aws:SecureTransport is false (TLS only)'
