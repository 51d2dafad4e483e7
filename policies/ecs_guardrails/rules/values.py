"""Reading resource properties that may be unknown during preview, and policy settings with their defaults.

During `pulumi preview` a value computed from another resource is unknown and reading it through the
SDK's proxy raises `UnknownValueError`. Policies read through `read` instead, get `UNKNOWN` back and
decide themselves: skip that resource now (it is checked again at `pulumi up`, when values are known).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""Stands for a value that is not known yet (preview); never equal to a real value."""


class NotKnownYetError(Exception):
    """A value a check needs is UNKNOWN (preview): the message names it; the check skips the resource and
    runs again at update (`stack_graph.Findings.skip`)."""


def read(value: Any, *path: str | int) -> Any:
    """`value[path[0]][path[1]]...`; None where a key is missing, UNKNOWN where a value is unknown."""
    try:
        current = value
        for key in path:
            if isinstance(key, int):
                if not is_sequence(current) or key >= len(current):
                    return None
                current = current[key]
            else:
                if not isinstance(current, Mapping):
                    return None
                current = current.get(key)
            if current is None:
                return None
    except UnknownValueError:
        return UNKNOWN
    return current


def is_sequence(value: Any) -> bool:
    """A JSON array (the SDK hands lists as Sequence proxies), never a string."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def strings(value: Any) -> list[str]:
    """A string or a list of strings as a list; unknown or non-string elements are left out."""
    if isinstance(value, str):
        return [value]
    if is_sequence(value):
        result: list[str] = []
        for index in range(len(value)):
            item = read(value, index)
            if isinstance(item, str):
                result.append(item)
        return result
    return []


def has_unknown(value: Any) -> bool:
    """True when the value, or anything inside it, is unknown."""
    try:
        _walk(value)
    except UnknownValueError:
        return True
    return False


def _walk(value: Any) -> None:
    if isinstance(value, Mapping):
        for key in value:
            _walk(value[key])
    elif is_sequence(value):
        for index in range(len(value)):
            _walk(value[index])


def setting(config: Mapping[str, Any], key: str, default: Any) -> Any:
    """A policy setting from `--policy-pack-config`, or the documented default the schema also names."""
    value = config.get(key)
    return default if value is None else value
