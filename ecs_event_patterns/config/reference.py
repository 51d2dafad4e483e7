"""The reference tables of `docs/configuration.md`, generated from the settings models.

`python -m ecs_event_patterns.config.reference --write` rewrites the generated parts of the doc (between the
`<!-- generated: NAME -->` and `<!-- end generated -->` lines); without `--write` it exits 1 when the
committed doc is not current. Each key's type, allowed values, per-environment defaults and meaning come from
the model (`settings.py`: annotations, constraints, `Allowed` notes, field docstrings), the defaults from
`parse_stack_config` itself, so the doc cannot promise a default the parser does not apply.
"""

from __future__ import annotations

import argparse
import collections.abc
import dataclasses
import inspect
import re
import sys
import textwrap
import typing
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from ecs_event_patterns.config.environment_defaults import ENVIRONMENT_DEFAULTS, WHY_THEY_DIFFER
from ecs_event_patterns.config.model import (
    Allowed,
    bounds,
    config_keys_of,
    is_flattened,
    settings_class,
)
from ecs_event_patterns.config.settings import (
    FARGATE_MEMORY_BY_CPU,
    Environment,
    StackSettings,
    describe_memory,
)
from ecs_event_patterns.config.stack_config import config_keys, parse_stack_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
COMMAND = "python -m ecs_event_patterns.config.reference --write"
_REGION = re.compile(
    r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.DOTALL
)

REQUIRED_IN_PROD = {"alerts": {"emails": ["platform-oncall@example.com"]}}
"""The one key prod requires: given, so that prod's other defaults can be read from the parser."""


@dataclasses.dataclass(frozen=True)
class _Key:
    path: str
    field: FieldInfo
    meaning: str


def render(doc: str) -> str:
    """`doc` with every generated region rewritten from the models."""
    regions: Mapping[str, Callable[[], str]] = {
        "environment-defaults": _environment_table,
        "reference": _reference,
        "fargate-sizes": _fargate_sizes,
    }

    def rewrite(match: re.Match[str]) -> str:
        return f"{match[1]}{regions[match['name']]()}{match[4]}"

    return _REGION.sub(rewrite, doc)


def _defaults() -> dict[Environment, StackSettings]:
    return {
        environment: parse_stack_config(
            REQUIRED_IN_PROD if environment is Environment.PROD else {}, str(environment)
        )
        for environment in Environment
    }


def _value_at(settings: object, path: str) -> Any:
    value = settings
    for part in path.split("."):
        holder = type(value)
        flattened = next((name for name in _fields(holder) if is_flattened(holder, name)), None)
        if flattened is not None and part in _fields(_fields(holder)[flattened].annotation):
            value = getattr(value, flattened)
        value = getattr(value, part)
        if value is None:
            return None  # an optional object that is unset (`container.build`): its keys are unset too
    return value


def _fields(cls: Any) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = getattr(cls, "__pydantic_fields__", {})
    return fields


def _shown(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, Mapping):
        return "`{}`" if not value else ", ".join(f"`{key}: {item}`" for key, item in value.items())
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "`[" + ", ".join(value) + "]`"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def _environment_table() -> str:
    defaults = _defaults()
    keys = {key for values in ENVIRONMENT_DEFAULTS.values() for key in values}
    lines = ["| setting | dev | staging | prod | why |", "|---|---|---|---|---|"]
    for key in (key for key in config_keys() if key in keys):
        values = " | ".join(_shown(_value_at(defaults[e], key)) for e in Environment)
        lines.append(f"| `{key}` | {values} | {WHY_THEY_DIFFER[key]} |")
    return "\n".join(lines) + "\n"


def _keys(cls: Any, prefix: str, context: str) -> Iterator[_Key]:
    fields = _fields(cls)
    for name in config_keys_of(cls):
        owner = cls
        if name not in fields:  # a key of a flattened field (`cpu` of `size`)
            owner = next(fields[f].annotation for f in fields if is_flattened(cls, f))
        field = _fields(owner)[name]
        path = f"{prefix}{name}"
        meaning = " ".join(part for part in (context, _prose(field.description)) if part)
        nested = settings_class(field.annotation)
        if nested is not None and not is_flattened(cls, name):
            yield from _keys(nested, f"{path}.", meaning)
        else:
            yield _Key(path, field, meaning)


def _prose(text: str | None) -> str:
    return " ".join((text or "").split())


def _item_class(field: FieldInfo) -> Any:
    """The settings class of a list's items (`needs.read_objects`), or None."""
    args = typing.get_args(field.annotation)
    is_list = typing.get_origin(field.annotation) in (tuple, collections.abc.Sequence) and args
    return args[0] if is_list and _fields(args[0]) else None


def _type(field: FieldInfo) -> str:
    kind = field.annotation
    if _item_class(field) is not None:
        return "list of objects"
    options = typing.get_args(kind)
    if len(options) == 2 and type(None) in options:
        kind = next(option for option in options if option is not type(None))  # optional: unset by default
    if typing.get_origin(kind) is Mapping:
        return "object of strings"
    if isinstance(kind, type) and issubclass(kind, Enum):
        return "string"
    if kind is bool:
        return "boolean"
    if kind is int:
        return "integer"
    if kind is str:
        return "string"
    return "list of strings"


def _allowed(field: FieldInfo) -> str:
    kind = field.annotation
    parts = []
    if isinstance(kind, type) and issubclass(kind, Enum):
        parts.append(", ".join(f"`{member.value}`" for member in kind))
    elif kind is bool:
        parts.append("true, false")
    elif (item_class := _item_class(field)) is not None:
        parts.append("each with " + ", ".join(f"`{key}`" for key in config_keys_of(item_class)))
    low, high = bounds(field)
    if low is not None and high is not None:
        parts.append(f"{low} to {high}")
    parts += [note.text for note in field.metadata if isinstance(note, Allowed)]
    return "; ".join(parts)


def _reference() -> str:
    defaults = _defaults()
    sections = {name: f for name, f in _fields(StackSettings).items() if _fields(f.annotation)}
    out = ["### Top level\n"]
    out += _table([key for key in _keys(StackSettings, "", "") if "." not in key.path], defaults)
    for name, field in sections.items():
        title = f"### `{name}`"
        if field.description:
            what = _prose(field.description).rstrip(".")
            title += f" ({what if what[:2].isupper() else what[0].lower() + what[1:]})"
        out += ["", f"{title}\n"]
        out += _table([key for key in _keys(field.annotation, f"{name}.", "")], defaults)
        note = _class_note(field.annotation)
        if note:
            out += ["", note]
    return "\n".join(out) + "\n"


def _class_note(cls: Any) -> str:
    """The section class's docstring: what the reader must know beyond one key (rules between keys)."""
    doc = cls.__doc__ or ""
    if doc.startswith(f"{cls.__name__}("):  # the signature dataclasses fill in for a class without one
        return ""
    return textwrap.fill(_prose(inspect.cleandoc(doc)), width=110, break_on_hyphens=False)


def _table(keys: list[_Key], defaults: Mapping[Environment, StackSettings]) -> list[str]:
    lines = [
        "| key | type | allowed | dev | staging | prod | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for key in keys:
        values = []
        for environment in Environment:
            if environment is Environment.PROD and key.path in _required_paths():
                values.append("required")
            else:
                values.append(_shown(_value_at(defaults[environment], key.path)))
        row = [f"`{key.path}`", _type(key.field), _allowed(key.field), *values, key.meaning]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _required_paths() -> set[str]:
    return {f"{section}.{key}" for section, keys in REQUIRED_IN_PROD.items() for key in keys}


def _fargate_sizes() -> str:
    lines = ["| cpu | memory (MiB) |", "|---|---|"]
    for cpu, memories in FARGATE_MEMORY_BY_CPU.items():
        platform = " (Linux platform 1.4.0)" if cpu >= 8192 else ""
        lines.append(f"| {cpu} | {describe_memory(memories)}{platform} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="rewrite docs/configuration.md in place")
    args = parser.parse_args(argv)
    committed = DOC.read_text(encoding="utf-8")
    current = render(committed)
    if args.write:
        DOC.write_text(current, encoding="utf-8")
        return 0
    if current != committed:
        print(f"{DOC} is not current; run `{COMMAND}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
