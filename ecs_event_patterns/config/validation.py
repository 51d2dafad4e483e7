"""Problems found in settings, the one error that carries them, and the checks pydantic has no words for.

A check returns the reason a value is wrong (or None) instead of raising, so the settings models can report
every problem of a stack at once.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import cache
from typing import TypeGuard
from zoneinfo import available_timezones

# Names that zoneinfo lists on some systems but that are files of the database, not time zones.
_NOT_TIME_ZONES = frozenset({"Factory", "localtime", "posixrules"})

S3_KEY_MAX_BYTES = 1024

IAM_WILDCARDS = ("*", "?")
"""Wildcards inside an IAM resource ARN and a `StringLike` condition ("IAM JSON policy elements: Resource",
IAM User Guide): a prefix containing one would grant the task keys outside the prefix."""
IAM_POLICY_VARIABLE = "${"
"""Starts a policy variable inside an IAM resource ARN ("IAM policy elements: Variables and tags")."""
AMBIGUOUS_KEY_CHARACTERS = frozenset("~*!'()")
"""URL encoders disagree on these (Java's keeps `*`, Python's keeps `~`); how S3 writes them in the object
keys of its EventBridge events is not documented, so a key filter containing one might never match and is
refused instead."""

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
        return replace(
            self,
            path=join_path(prefix, self.path),
            fields=tuple(join_path(prefix, field) for field in self.fields),
        )

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class ItemsNotStringsProblem(Problem):
    """A list with items that are not strings; the message names each item by its full key path."""

    message: str = ""
    values: tuple[object, ...] = ()
    """The bad items, in the order of `fields` (their paths)."""

    def __post_init__(self) -> None:
        wrong = ", ".join(
            f"{path} {show(value)}" for path, value in zip(self.fields, self.values, strict=True)
        )
        object.__setattr__(self, "message", f"every item must be a string; not strings: {wrong}")


class SettingsError(ValueError):
    """Settings that break one or more rules; `problems` lists them all, each naming its key."""

    def __init__(self, problems: Sequence[Problem], subject: str = "settings") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.subject = subject
        count = len(self.problems)
        lines = "".join(f"\n  {problem}" for problem in self.problems)
        super().__init__(f"{subject}: {count} problem{'s' if count != 1 else ''}:{lines}")


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


def unknown_key_message(key: str, known: Collection[str]) -> str:
    """An unknown key, with the close match if there is one, else every key that is allowed there."""
    hint = did_you_mean(key, known) or f"; allowed: {', '.join(known)}"
    return f"unknown key{hint}"


def is_whole_number(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def text_problem(value: str, *, allow_empty: bool) -> str | None:
    """Why `value` cannot be a piece of an S3 key (UTF-8 of at most 1024 bytes, no control characters)."""
    if not value:
        return None if allow_empty else '"" is empty; give a non-empty value'
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return f"{show(value)} is not valid UTF-8"
    if size > S3_KEY_MAX_BYTES:
        return f"is {size} bytes long in UTF-8; S3 keys allow at most {S3_KEY_MAX_BYTES}"
    if _CONTROL_CHARACTERS.search(value):
        return f"{show(value)} contains a control character"
    return None


def key_prefix_problem(value: str) -> str | None:
    """Why `value` cannot be the S3 key prefix a task's grants are written for (empty: the whole bucket)."""
    if value.startswith("/"):
        fixed = value.lstrip("/")
        return f"{show(value)} starts with '/'; S3 keys have no leading slash, write {show(fixed)}"
    wildcards = [wildcard for wildcard in IAM_WILDCARDS if wildcard in value]
    if wildcards:
        return (
            f"{show(value)} contains {' and '.join(wildcards)}, a wildcard in the task role's IAM grants "
            "(the task could reach keys outside the prefix); use a prefix without it"
        )
    if IAM_POLICY_VARIABLE in value:
        return f"{show(value)} contains ${{, which IAM reads as a policy variable; use a prefix without it"
    return text_problem(value, allow_empty=True)


def event_key_problem(value: str) -> str | None:
    """Why `value` cannot be matched in the object keys of S3's EventBridge events, or None."""
    ambiguous = sorted(set(value) & AMBIGUOUS_KEY_CHARACTERS)
    if not ambiguous:
        return None
    return (
        f"{show(value)} contains {' '.join(ambiguous)}: S3 URL-encodes object keys in its events and the "
        "encoding of these characters is not documented, so the rule might never match"
    )


def duplicate_problems(values: Sequence[str], *, fold_case: bool = False) -> list[Problem]:
    """Each repeated item, under its index (`[2]`)."""
    seen: set[str] = set()
    problems = []
    for index, value in enumerate(values):
        key = value.casefold() if fold_case else value
        if key in seen:
            problems.append(Problem(f"[{index}]", f"{show(value)} is listed twice"))
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


def time_zone_problem(value: str) -> str | None:
    if value in time_zones():
        return None
    return f"{show(value)} is not an IANA time zone{did_you_mean(value, time_zones())}"
