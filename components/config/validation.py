"""Problems found in settings, the one error that carries them, and the small checks the settings share.

Each check returns the problems it finds instead of raising, so a settings class reports every problem of an
instance at once and the stack config reports every problem of a stack at once.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TypeGuard
from zoneinfo import available_timezones

# Names that zoneinfo lists on some systems but that are files of the database, not time zones.
_NOT_TIME_ZONES = frozenset({"Factory", "localtime", "posixrules"})

S3_KEY_MAX_BYTES = 1024

_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL_DOMAIN = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a setting: where it is, and what is wrong in words a person can act on."""

    path: str
    """Dotted key path of the setting (`max_tasks`, `queue.max_tasks`, `alerts.emails[0]`)."""
    message: str
    """Names the bad value and what is allowed, without the path."""
    fields: tuple[str, ...] = ()
    """Every setting the problem depends on, when more than `path` (a rule between two settings)."""

    @property
    def involves(self) -> tuple[str, ...]:
        return self.fields or (self.path,)

    def under(self, prefix: str) -> Problem:
        """The same problem seen from the settings object that holds this one under `prefix`."""
        return Problem(
            path=join_path(prefix, self.path),
            message=self.message,
            fields=tuple(join_path(prefix, field) for field in self.fields),
        )

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SettingsError(ValueError):
    """Settings that break one or more rules; `problems` lists them all, each naming its key."""

    def __init__(self, problems: Sequence[Problem], subject: str = "settings") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.subject = subject
        count = len(self.problems)
        lines = "".join(f"\n  {problem}" for problem in self.problems)
        super().__init__(f"{subject}: {count} problem{'s' if count != 1 else ''}:{lines}")


def raise_if_any(problems: Sequence[Problem]) -> None:
    if problems:
        raise SettingsError(problems)


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path or path.startswith("["):
        return prefix + path
    return f"{prefix}.{path}"


def show(value: object) -> str:
    """A value as the user wrote it in YAML or JSON: strings quoted, booleans lower case, null as null."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean "x"?` for a candidate that is `word` in other case, close to it, or its short form."""
    options = list(candidates)
    folded = word.casefold()
    same_but_case = [o for o in options if o.casefold() == folded]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    affixed = [
        o
        for o in options
        if min(len(o), len(word)) >= 3
        and (folded.startswith(o.casefold()) or o.casefold().startswith(folded))
    ]
    matches = same_but_case or close or affixed
    return f"; did you mean {show(matches[0])}?" if matches else ""


def is_whole_number(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_range(path: str, value: object, low: int, high: int) -> list[Problem]:
    if not is_whole_number(value):
        return [Problem(path, f"{show(value)} is not a whole number")]
    if not low <= value <= high:
        return [Problem(path, f"{value} is outside the allowed range {low} to {high}")]
    return []


def check_bool(path: str, value: object) -> list[Problem]:
    return [] if isinstance(value, bool) else [Problem(path, f"{show(value)} is not true or false")]


def check_one_of(path: str, value: object, allowed: Sequence[int], what: str) -> list[Problem]:
    if not is_whole_number(value):
        return [Problem(path, f"{show(value)} is not a whole number")]
    if value in allowed:
        return []
    below = [a for a in allowed if a < value]
    above = [a for a in allowed if a > value]
    nearest = " or ".join(str(n) for n in (below[-1:] + above[:1]))
    listed = ", ".join(str(a) for a in allowed)
    return [Problem(path, f"{value} is not {what}; allowed: {listed} (nearest: {nearest})")]


def check_enum(path: str, value: object, enum_type: type[Enum]) -> list[Problem]:
    if isinstance(value, enum_type):
        return []
    allowed = [str(member.value) for member in enum_type]
    return [
        Problem(path, f"{show(value)} is not one of {', '.join(allowed)}{did_you_mean(str(value), allowed)}")
    ]


def check_text(path: str, value: str, *, allow_empty: bool) -> list[Problem]:
    """A piece of an S3 key: valid UTF-8 of at most 1024 bytes, without control characters."""
    if not value:
        return [] if allow_empty else [Problem(path, '"" is empty; give a non-empty value')]
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return [Problem(path, f"{show(value)} is not valid UTF-8")]
    if size > S3_KEY_MAX_BYTES:
        return [Problem(path, f"is {size} bytes long in UTF-8; S3 keys allow at most {S3_KEY_MAX_BYTES}")]
    if _CONTROL_CHARACTERS.search(value):
        return [Problem(path, f"{show(value)} contains a control character")]
    return []


def check_key_prefix(path: str, value: str) -> list[Problem]:
    """An S3 key prefix; empty means the whole bucket."""
    if value.startswith("/"):
        fixed = value.lstrip("/")
        return [
            Problem(
                path, f"{show(value)} starts with '/'; S3 keys have no leading slash, write {show(fixed)}"
            )
        ]
    return check_text(path, value, allow_empty=True)


def check_distinct(path: str, values: Sequence[str], *, fold_case: bool = False) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, value in enumerate(values):
        key = value.casefold() if fold_case else value
        if key in seen:
            problems.append(Problem(f"{path}[{index}]", f"{show(value)} is listed twice"))
        seen.add(key)
    return problems


def email_problem(address: str) -> str | None:
    """Why `address` is not an e-mail address SNS can deliver to, or None when it is one.

    A pragmatic subset of RFC 5322: a dot-atom local part and a domain name with a top-level domain; no quoted
    local parts, comments or IP-literal domains, which no on-call team uses.
    """
    if address.count("@") != 1:
        return "it must contain exactly one '@'"
    local, domain = address.split("@")
    if len(address) > 254:
        return "it is longer than 254 characters"
    if not local or len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        return (
            f"the part before '@' ({show(local)}) must be 1 to 64 letters, digits or any of "
            "!#$%&'*+/=?^_`{|}~- with single dots between them"
        )
    if not domain:
        return "there is nothing after '@'"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels[:-1]):
        return (
            f"the domain ({show(domain)}) must be dot-separated labels of letters, digits and inner hyphens"
        )
    if not _TOP_LEVEL_DOMAIN.fullmatch(labels[-1]):
        return f"the domain ({show(domain)}) must end in a top-level domain such as .com"
    return None


@cache
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_TIME_ZONES


def check_time_zone(path: str, value: str) -> list[Problem]:
    if value in time_zones():
        return []
    return [Problem(path, f"{show(value)} is not an IANA time zone{did_you_mean(value, time_zones())}")]


def unknown_key(section: str, key: str, known: Collection[str]) -> Problem:
    """An unknown key, with the close match if there is one, else every key that is allowed there."""
    hint = did_you_mean(key, known) or f"; allowed: {', '.join(known)}"
    return Problem(join_path(section, key), f"unknown key{hint}")
