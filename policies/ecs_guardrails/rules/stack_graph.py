"""Links between resources of a stack, for stack policies.

A resource refers to another through a property whose value is the other's ARN, name or id, or (when the
value is not known yet, during preview) through the property's dependencies, which Pulumi records for
every input built from another resource's output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from .values import NotKnownYetError, read, strings

T = TypeVar("T")
P = ParamSpec("P")

_IDENTITY_KEYS = ("arn", "name", "id", "bucket", "url")


def of_type(resources: Iterable[PolicyResource], *types: str) -> list[PolicyResource]:
    return [resource for resource in resources if resource.resource_type in types]


def identities(resource: PolicyResource) -> set[str]:
    """The known values another resource may use to name this one: ARN, name, id, bucket name, URL."""
    found = set()
    for key in _IDENTITY_KEYS:
        value = read(resource.props, key)
        if isinstance(value, str) and value:
            found.add(value)
    return found


def depends_through(source: PolicyResource, key: str) -> list[PolicyResource]:
    return list(source.property_dependencies.get(key, []) or [])


def refers_to(source: PolicyResource, key: str, target: PolicyResource) -> bool:
    """Whether `source.<key>` (a string or a list of strings) names `target`."""
    if any(dependency.urn == target.urn for dependency in depends_through(source, key)):
        return True
    names = identities(target)
    return any(value in names for value in strings(read(source.props, key)))


def referenced(
    source: PolicyResource, key: str, candidates: Sequence[PolicyResource]
) -> list[PolicyResource]:
    return [candidate for candidate in candidates if refers_to(source, key, candidate)]


class Findings:
    """Reports violations and remembers what could not be checked because a value is still unknown."""

    def __init__(self, report: ReportViolation) -> None:
        self._report = report
        self.violations = 0
        self.unknown: list[str] = []

    def violation(self, message: str, urn: str | None = None) -> None:
        self.violations += 1
        self._report(message, urn)

    def skip(self, what: str) -> None:
        self.unknown.append(what)

    def unless_unknown(self, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """`check(...)`, or None when a value it needs is not known yet (remembered as skipped)."""
        try:
            return check(*args, **kwargs)
        except NotKnownYetError as unknown:
            self.skip(str(unknown))
            return None

    def finish(self, args: StackValidationArgs | Any) -> None:
        """Not applicable (checked again at update) when only unknown values stood in the way."""
        if self.unknown and not self.violations:
            args.not_applicable("not known until update: " + "; ".join(self.unknown))
