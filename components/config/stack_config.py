"""The stack config (`Pulumi.<stack>.yaml`, namespace `ecs-event-patterns`) parsed into `StackSettings`.

`parse_stack_config` is pure: it takes the decoded top-level keys and the stack name, applies the
environment's defaults, converts and checks every value, and raises one `SettingsError` that lists every
problem with its full key path. `load_stack_config` is the one place that reads `pulumi.Config`.

Config keys are the settings classes' field names, nested as the classes are (`queue.max_tasks`,
`upload.retry.max_attempts`), except that a task size sits beside its section's other keys (`upload.cpu`,
`upload.memory`) rather than under `size`. The Pulumi CLI stores `pulumi config set` scalars as strings, so
whole numbers may be given as numeric strings and booleans as "true" or "false".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

import pulumi
import pulumi.runtime.config

from components.config.environment_defaults import ENVIRONMENT_DEFAULTS
from components.config.settings import Environment, NetworkMode, NetworkSettings, StackSettings
from components.config.validation import (
    Problem,
    SettingsError,
    did_you_mean,
    is_whole_number,
    join_path,
    show,
    unknown_key,
)

PROJECT = "ecs-event-patterns"
"""The Pulumi project, whose name is the namespace of its config keys."""

_FLATTENED = frozenset({"size"})
"""Dataclass fields whose own fields are config keys of the enclosing section (`upload.cpu`)."""

_EnumT = TypeVar("_EnumT", bound=Enum)
_ISOLATED_VPC_ONLY = ("vpc_cidr", "az_count", "egress")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


class _WrongTypeError(Exception):
    """A value of the wrong type; its message names the value and what is allowed."""


def parse_stack_config(raw: Mapping[str, object], stack: str) -> StackSettings:
    """Settings for `stack` from its config: `raw` maps top-level keys to their decoded YAML/JSON values.

    Raises `SettingsError` listing every problem: unknown keys (with a close match when there is one), values
    of the wrong type, and every rule a settings class enforces, each under its full key path.
    """
    parse = _Parse()
    environment = parse.environment(raw.get("environment"), stack)
    parse.overrides = {"environment": environment, **ENVIRONMENT_DEFAULTS[environment]}
    sections = {key: value for key, value in raw.items() if key != "environment" and not parse.flat_path(key)}
    settings = parse.build(StackSettings, sections, "", None, extra_known=("environment",))
    parse.check_isolated_vpc_only(raw.get("network"))
    if parse.problems:
        raise SettingsError(parse.problems, subject=f'config of stack "{stack}" (namespace {PROJECT})')
    if not isinstance(settings, StackSettings):  # pragma: no cover - every failure reports a problem
        raise TypeError("stack settings were not built and no problem was reported")
    return settings


def load_stack_config() -> StackSettings:
    """The current stack's settings from `pulumi.Config`: the only place the program reads its config."""
    config = pulumi.Config(PROJECT)
    raw: dict[str, object] = {}
    hints = get_type_hints(StackSettings)
    for key in (f.name for f in fields(StackSettings)):
        value = _read(config, key, nested=_settings_class(hints[key]) is not None)
        if value is not None:
            raw[key] = value
    for key in _namespaced_keys() - raw.keys():
        raw[key] = config.get(key)  # unknown: the parser names it and suggests the key that was meant
    return parse_stack_config(raw, pulumi.get_stack())


def config_keys() -> list[str]:
    """Every dotted key the stack config accepts (nested objects' keys, not the objects themselves)."""
    return list(_keys(StackSettings, ""))


def _keys(cls: type[Any], prefix: str) -> Iterator[str]:
    hints = get_type_hints(cls)
    for f in fields(cls):
        settings_class = _settings_class(hints[f.name])
        if settings_class is not None:
            yield from _keys(settings_class, prefix if f.name in _FLATTENED else join_path(prefix, f.name))
        else:
            yield join_path(prefix, f.name)


def _settings_class(kind: object) -> type[Any] | None:
    """The settings class a field holds (its keys nest in the config), or None for a plain value."""
    return kind if isinstance(kind, type) and is_dataclass(kind) else None


def _read(config: pulumi.Config, key: str, *, nested: bool) -> object:
    if not nested:
        return config.get(key)
    try:
        return config.get_object(key)
    except pulumi.ConfigTypeError:
        return config.get(key)  # not JSON: the parser reports it as a value that is not an object


def _namespaced_keys() -> set[str]:
    """Top-level keys set in this project's namespace, whether the engine passed them in memory or by env."""
    names = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.config.get_config_env())
    prefix = f"{PROJECT}:"
    return {name.removeprefix(prefix) for name in names if name.startswith(prefix)}


@dataclass
class _Parse:
    overrides: Mapping[str, object] = field(default_factory=dict)
    """Dotted key -> this environment's default, used where the config gives no value."""
    problems: list[Problem] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)
    """Keys whose value was unusable; rules that involve them are not reported again."""
    built: dict[str, object] = field(default_factory=dict)

    def report(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))
        self.invalid.add(path)

    def flat_path(self, key: str) -> bool:
        """A top-level key named like a nested one (`queue.max_tasks`): `pulumi config set` without --path."""
        section = key.split(".", 1)[0]
        if "." not in key or _settings_class(get_type_hints(StackSettings).get(section)) is None:
            return False
        self.problems.append(
            Problem(
                key,
                f"is a top-level key with a dot in its name; a key inside {section} is set with "
                f"`pulumi config set --path '{key}' <value>` (then remove this one with "
                f"`pulumi config rm '{key}'`)",
            )
        )
        return True

    def environment(self, value: object, stack: str) -> Environment:
        """The environment: given, or named by the stack; dev defaults stand in while it is unknown."""
        by_stack = next((e for e in Environment if e.value == stack), None)
        if value is None:
            if by_stack is not None:
                return by_stack
            self.report(
                "environment",
                f'not set, and stack "{stack}" is not named dev, staging or prod; '
                f"set {PROJECT}:environment to one of them",
            )
            return Environment.DEV
        try:
            environment = _to_enum(value, Environment)
        except _WrongTypeError as error:
            self.report("environment", str(error))
            return Environment.DEV
        if by_stack is not None and environment is not by_stack:
            self.report("environment", f'{show(value)} contradicts the stack name "{stack}"')
        return environment

    def build(
        self,
        cls: type[Any],
        raw: Mapping[str, object],
        path: str,
        base: object,
        extra_known: tuple[str, ...] = (),
    ) -> object:
        """An instance of `cls` from `raw`, or None after reporting why there is none."""
        hints = get_type_hints(cls)
        known = [*extra_known]
        for f in fields(cls):
            flattened = f.name in _FLATTENED
            known += [sub.name for sub in fields(hints[f.name])] if flattened else [f.name]
        for key in raw:
            if key not in known:
                self.problems.append(unknown_key(path, str(key), known))
        values = {f.name: self._value(f, hints[f.name], raw, path, base) for f in fields(cls)}
        if any(value is MISSING for value in values.values()):
            return None
        try:
            instance = cls(**values)
        except SettingsError as error:
            self.problems += [
                p.under(path) for p in error.problems if not self._involves_invalid(p.under(path))
            ]
            return None
        self.built[path] = instance
        return instance

    def _value(self, f: Field[Any], kind: Any, raw: Mapping[str, object], path: str, base: object) -> object:
        key = join_path(path, f.name)
        declared = self.overrides.get(key, _declared(f, base))
        settings_class = _settings_class(kind)
        if settings_class is not None:
            section = self._section(f.name, settings_class, raw, key)
            child_path = path if f.name in _FLATTENED else key
            child = None if section is None else self.build(settings_class, section, child_path, declared)
            if child is None:
                self.invalid.add(key)
                return declared
            return child
        if f.name not in raw:
            if declared is MISSING:
                self.report(key, "not set, and it has no default")
            return declared
        try:
            return _convert(raw[f.name], kind, key)
        except _WrongTypeError as error:
            self.report(key, str(error))
            return declared

    def _section(
        self, name: str, kind: type[Any], raw: Mapping[str, object], key: str
    ) -> Mapping[str, object] | None:
        if name in _FLATTENED:
            return {sub.name: raw[sub.name] for sub in fields(kind) if sub.name in raw}
        value = raw.get(name, {})
        if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
            return value
        self.report(key, f"{show(value)} is not an object (a mapping of keys to values)")
        return None

    def _involves_invalid(self, problem: Problem) -> bool:
        return any(
            setting == bad or setting.startswith((f"{bad}.", f"{bad}["))
            for setting in problem.involves
            for bad in self.invalid
        )

    def check_isolated_vpc_only(self, raw_network: object) -> None:
        """Settings of an own VPC given while the stack uses the default VPC are a mistake; say so."""
        network = self.built.get("network")
        if not isinstance(network, NetworkSettings) or network.mode is not NetworkMode.DEFAULT_VPC:
            return
        if not isinstance(raw_network, Mapping):
            return
        for key in _ISOLATED_VPC_ONLY:
            if key in raw_network:
                self.problems.append(
                    Problem(
                        f"network.{key}",
                        f'{show(raw_network[key])} applies only when network.mode is "isolated-vpc" '
                        '(it is "default-vpc"); remove it or set network.mode',
                    )
                )


def _declared(f: Field[Any], base: object) -> object:
    if base is not None and base is not MISSING:
        return getattr(base, f.name)
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def _convert(value: object, kind: Any, key: str) -> object:
    if value is None:
        raise _WrongTypeError("null is not allowed; remove the key to use the default")
    if kind is bool:
        return _to_bool(value)
    if kind is int:
        return _to_int(value)
    if kind is str:
        return _to_str(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return _to_enum(value, kind)
    if get_origin(kind) is tuple and get_args(kind) == (str, ...):
        return _to_strings(value, key)
    raise TypeError(f"{key}: no config conversion for {kind!r}")  # a settings field of a new type


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _WrongTypeError(f"{show(value)} is not true or false")


def _to_int(value: object) -> int:
    if is_whole_number(value):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    raise _WrongTypeError(f"{show(value)} is not a whole number")


def _to_str(value: object) -> str:
    if isinstance(value, str):
        return value
    raise _WrongTypeError(f"{show(value)} is not a string")


def _to_enum(value: object, kind: type[_EnumT]) -> _EnumT:
    allowed = [str(member.value) for member in kind]
    if isinstance(value, str) and value in allowed:
        return kind(value)
    hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
    raise _WrongTypeError(f"{show(value)} is not one of {', '.join(allowed)}{hint}")


def _to_strings(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        raise _WrongTypeError(f"{show(value)} is a single string; write a list, such as [{show(value)}]")
    if not isinstance(value, list | tuple):
        raise _WrongTypeError(f"{show(value)} is not a list of strings")
    wrong = [f"{key}[{i}] {show(item)}" for i, item in enumerate(value) if not isinstance(item, str)]
    if wrong:
        raise _WrongTypeError(f"every item must be a string; not strings: {', '.join(wrong)}")
    return tuple(value)
