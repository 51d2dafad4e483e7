"""EventBridge event patterns evaluated as EventBridge does, for the policies that must know what a rule
matches (does this rule's `clusterArn` filter match the cluster's ARN?).

Semantics from the EventBridge user guide ("Event patterns", "Content filtering"): every field of a pattern
must match (`$or` takes any of its branches); a pattern array matches when any of its elements matches any
value of the event field (an array in the event matches element-wise); elements are exact values or one of
`prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`, `numeric`, `exists`, `cidr`.

Written here rather than taken from moto (`moto.events.models.EventPattern`, which the tests use as a second
opinion): the pack runs in its own virtualenv that the Pulumi CLI builds from `requirements.txt` on every
CI run, and moto would pull boto3, botocore, werkzeug and more into it for sixty lines; moto also accepts
unknown operators as matching everything, where EventBridge rejects the pattern, and cannot say which field
failed, which the messages need.
"""

from __future__ import annotations

import ipaddress
import json
import operator
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

Path = tuple[str, ...]


class PatternError(ValueError):
    """A pattern EventBridge would reject; the message says where."""


class _Missing:
    pass


_MISSING = _Missing()

_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}


def parse(text: str) -> Mapping[str, Any]:
    try:
        pattern = json.loads(text)
    except json.JSONDecodeError as error:
        raise PatternError(f"not valid JSON ({error.msg} at {error.pos})") from error
    if not isinstance(pattern, Mapping):
        raise PatternError("not a JSON object")
    return pattern


def matches(
    pattern: Mapping[str, Any], event: Mapping[str, Any], only: Collection[Path] | None = None
) -> bool:
    """Whether `event` matches `pattern`. With `only`, conditions on other fields count as met: the answer is
    whether some event that agrees with `event` on those fields could match. Raises PatternError."""
    return _object(pattern, event, (), only)


def _object(pattern: Mapping[str, Any], event: Any, path: Path, only: Collection[Path] | None) -> bool:
    result = True
    for key, condition in pattern.items():
        if key == "$or":
            if not isinstance(condition, list) or len(condition) < 2:
                raise PatternError(f"{_where(path)}: $or takes an array of at least two patterns")
            branches = [_object(_mapping(branch, path), event, path, only) for branch in condition]
            result = result and any(branches)
            continue
        here = (*path, key)
        value = event.get(key, _MISSING) if isinstance(event, Mapping) else _MISSING
        if isinstance(condition, Mapping):
            items = value if isinstance(value, list) else [value]
            found = any(_object(condition, item, here, only) for item in items) if items else False
        elif isinstance(condition, list):
            if not condition:
                raise PatternError(f"{_where(here)}: empty arrays are not allowed")
            found = _field(condition, value, here)
            found = found or (only is not None and here not in only)
        else:
            raise PatternError(f"{_where(here)} must be an object or an array, not {condition!r}")
        result = result and found
    return result


def _mapping(branch: Any, path: Path) -> Mapping[str, Any]:
    if not isinstance(branch, Mapping):
        raise PatternError(f"{_where(path)}: $or branches must be objects")
    return branch


def _where(path: Path) -> str:
    """How a message names a place in the pattern."""
    return ".".join(path) or "the pattern"


def _field(filters: list[Any], value: Any, path: Path) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(_one(item, each, path) for item in filters for each in values)


def _equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _one(item: Any, value: Any, path: Path) -> bool:
    if item is None or isinstance(item, str | int | float | bool):
        return value is not _MISSING and _equal(value, item)
    if not isinstance(item, Mapping) or len(item) != 1:
        raise PatternError(f"{_where(path)}: {item!r} is neither a value nor one operator")
    ((name, argument),) = item.items()
    if name == "exists":
        if not isinstance(argument, bool):
            raise PatternError(f"{_where(path)}: exists takes true or false")
        return (value is not _MISSING) == argument
    if value is _MISSING:
        return False
    if name == "anything-but":
        return not _anything_but_excludes(argument, value, path)
    if name == "numeric":
        return _numeric(argument, value, path)
    if name == "cidr":
        try:
            return ipaddress.ip_address(str(value)) in ipaddress.ip_network(str(argument), strict=False)
        except ValueError:
            return False
    return _string_operator(name, argument, value, path)


def _string_operator(name: str, argument: Any, value: Any, path: Path) -> bool:
    if not isinstance(value, str):
        return False
    ignore_case = isinstance(argument, Mapping) and set(argument) == {"equals-ignore-case"}
    if ignore_case and name in ("prefix", "suffix"):
        argument = argument["equals-ignore-case"]
    targets = argument if isinstance(argument, list) else [argument]
    if not targets or not all(isinstance(target, str) for target in targets):
        raise PatternError(f"{_where(path)}: {name} takes a string")
    subject = value.casefold() if ignore_case or name == "equals-ignore-case" else value
    tests: dict[str, Callable[[str], bool]] = {
        "prefix": lambda target: subject.startswith(target.casefold() if ignore_case else target),
        "suffix": lambda target: subject.endswith(target.casefold() if ignore_case else target),
        "equals-ignore-case": lambda target: subject == target.casefold(),
        "wildcard": lambda target: _wildcard(target).fullmatch(value) is not None,
    }
    if name not in tests:
        raise PatternError(f"{_where(path)}: unknown operator {name!r}")
    return any(tests[name](target) for target in targets)


def _wildcard(target: str) -> re.Pattern[str]:
    """`*` matches any characters; `\\*` is a literal star (EventBridge wildcard filtering)."""
    parts = re.split(r"(\\\*|\*)", target)
    regex = "".join(
        ".*" if part == "*" else re.escape("*") if part == "\\*" else re.escape(part) for part in parts
    )
    return re.compile(regex, re.DOTALL)


def _anything_but_excludes(argument: Any, value: Any, path: Path) -> bool:
    if isinstance(argument, Mapping):
        ((name, inner),) = argument.items() if len(argument) == 1 else ((None, None),)
        if name not in ("prefix", "suffix", "wildcard", "equals-ignore-case"):
            raise PatternError(f"{_where(path)}: anything-but takes values or one string operator")
        return _string_operator(str(name), inner, value, path)
    excluded = argument if isinstance(argument, list) else [argument]
    return any(_equal(value, item) for item in excluded)


def _numeric(argument: Any, value: Any, path: Path) -> bool:
    if not isinstance(argument, list) or len(argument) not in (2, 4) or len(argument) % 2:
        raise PatternError(f"{_where(path)}: numeric takes [op, number] or [op, number, op, number]")
    pairs = list(zip(argument[::2], argument[1::2], strict=True))
    if not all(op in _NUMERIC and _is_number(bound) for op, bound in pairs):
        raise PatternError(f"{_where(path)}: numeric operators are <, <=, =, >=, > with numbers")
    return _is_number(value) and all(_NUMERIC[op](float(value), float(bound)) for op, bound in pairs)
