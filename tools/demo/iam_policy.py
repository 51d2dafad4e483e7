"""IAM policy evaluation for one principal's identity policies: Allow/Deny, Action/NotAction,
Resource/NotResource with IAM's wildcards, and the condition operators this project's policies use.

Hand-written, and kept small, because the libraries that install here do not evaluate well enough:
moto's `IAMPolicy` treats a condition that does not hold as an explicit deny, matches `Resource` with
unescaped regular expressions (a `.` in an ARN matches anything) and compares actions case-sensitively;
policyuniverse and parliament parse and lint policies but do not decide requests. Rules followed (IAM
user guide, "Policy evaluation logic" and "Condition operators"): an explicit Deny wins, else an Allow
whose Action, Resource and every Condition match allows, else the request is implicitly denied; action
names compare case-insensitively, resources case-sensitively; `*` matches any run of characters and `?`
one; a condition with several keys or operators needs all of them, several values of one key any of
them; a missing context key fails a condition unless the operator ends in `IfExists` (negated operators
then hold). An operator this model does not know raises `PolicyError` rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class PolicyError(ValueError):
    """The policy uses something this evaluator cannot decide; the message names it."""


def _glob(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), re.IGNORECASE if ignore_case else 0)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case=ignore_case).fullmatch(value) is not None


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, have: want == have,
    "StringNotEquals": lambda want, have: want != have,
    "StringEqualsIgnoreCase": lambda want, have: want.lower() == have.lower(),
    "StringLike": lambda want, have: wildcard_match(want, have),
    "StringNotLike": lambda want, have: not wildcard_match(want, have),
    "ArnEquals": lambda want, have: want == have,
    "ArnLike": lambda want, have: wildcard_match(want, have),
    "ArnNotEquals": lambda want, have: want != have,
    "ArnNotLike": lambda want, have: not wildcard_match(want, have),
    "Bool": lambda want, have: want.lower() == have.lower(),
}


def _condition_holds(operator: str, key: str, wanted: list[str], context: Mapping[str, str]) -> bool:
    base = operator.removesuffix("IfExists")
    if base not in _OPERATORS:
        raise PolicyError(f"condition operator {operator!r} is not supported by tools/demo/iam_policy.py")
    negated = "Not" in base
    matching_key = next((name for name in context if name.lower() == key.lower()), None)
    if matching_key is None:
        return operator.endswith("IfExists") or negated
    have = context[matching_key]
    test = _OPERATORS[base]
    return all(test(want, have) for want in wanted) if negated else any(test(want, have) for want in wanted)


@dataclass(frozen=True)
class Statement:
    document: Mapping[str, Any]

    @property
    def effect(self) -> str:
        return str(self.document.get("Effect", ""))

    @property
    def actions(self) -> list[str]:
        return _listed(self.document.get("Action"))

    def matches(self, action: str, resource: str, context: Mapping[str, str]) -> bool:
        document = self.document
        if "NotAction" in document:
            if any(wildcard_match(p, action, ignore_case=True) for p in _listed(document["NotAction"])):
                return False
        elif not any(wildcard_match(p, action, ignore_case=True) for p in self.actions):
            return False
        if "NotResource" in document:
            if any(wildcard_match(p, resource) for p in _listed(document["NotResource"])):
                return False
        elif not any(wildcard_match(p, resource) for p in _listed(document.get("Resource"))):
            return False
        for operator, keys in (document.get("Condition") or {}).items():
            for key, wanted in keys.items():
                if not _condition_holds(operator, key, _listed(wanted), context):
                    return False
        return True


@dataclass(frozen=True)
class Decision:
    allowed: bool
    statement: int | None
    """Index of the deciding statement (the Deny, or the first Allow), None for an implicit deny."""


def statements(documents: Iterable[Mapping[str, Any]]) -> list[Statement]:
    found: list[Statement] = []
    for document in documents:
        listed = document.get("Statement", [])
        found.extend(Statement(item) for item in (listed if isinstance(listed, list) else [listed]))
    return found


def evaluate(policy: Sequence[Statement], action: str, resource: str, context: Mapping[str, str]) -> Decision:
    allowing: int | None = None
    for index, statement in enumerate(policy):
        if statement.matches(action, resource, context):
            if statement.effect == "Deny":
                return Decision(False, index)
            if statement.effect == "Allow" and allowing is None:
                allowing = index
    return Decision(allowing is not None, allowing)
