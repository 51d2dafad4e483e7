"""The stack config (`Pulumi.<stack>.yaml`, namespace `ecs-event-patterns`) parsed into `StackSettings`.

`parse_stack_config` is pure: it takes the decoded top-level keys and the stack name, fills in the defaults of
the stack's environment, and validates the result with the settings models (in JSON mode, see `model.py`),
raising one `SettingsError` that lists every problem with its full key path. `load_stack_config` is the one
place that reads `pulumi.Config`.

Config keys are the settings classes' field names, nested as the classes are (`queue.max_tasks`,
`upload.retry.max_attempts`), except that a task size sits beside its section's other keys (`upload.cpu`,
`upload.memory`) rather than under `size`. What only the config has is checked here: the environment and the
stack's name, a nested key set without `--path`, and an own VPC's keys given for the default VPC.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any, TypeGuard

import pulumi
import pulumi.runtime.config
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from ecs_event_patterns.config.environment_defaults import ENVIRONMENT_DEFAULTS
from ecs_event_patterns.config.model import config_keys_of, is_flattened, problems_from, settings_class
from ecs_event_patterns.config.needs import PartitionProblem, partition_problems
from ecs_event_patterns.config.settings import JOB_PATTERNS, Environment, NetworkMode, StackSettings
from ecs_event_patterns.config.validation import Problem, SettingsError, did_you_mean, join_path, show
from ecs_event_patterns.iam import arns

PROJECT = "ecs-event-patterns"
"""The Pulumi project, whose name is the namespace of its config keys."""

_STACK_SETTINGS = TypeAdapter(StackSettings)
_STACK_FIELDS: dict[str, FieldInfo] = StackSettings.__pydantic_fields__  # type: ignore[attr-defined]
_ISOLATED_VPC_ONLY = ("vpc_cidr", "az_count", "egress")


def _is_settings_class(kind: object) -> TypeGuard[type[Any]]:
    return isinstance(kind, type) and hasattr(kind, "__pydantic_fields__")


_SECTIONS: dict[str, type[Any]] = {
    name: info.annotation for name, info in _STACK_FIELDS.items() if _is_settings_class(info.annotation)
}
"""Top-level keys whose values are objects of keys (`queue`), by settings class."""


def parse_stack_config(raw: Mapping[str, object], stack: str, region: str | None = None) -> StackSettings:
    """Settings for `stack` from its config: `raw` maps top-level keys to their decoded YAML/JSON values.

    Raises `SettingsError` listing every problem: unknown keys (with a close match when there is one), values
    of the wrong type, and every rule a settings class enforces, each under its full key path. With the
    stack's `region` (`aws:region`), every ARN the jobs' needs name must be in that region's partition.
    """
    environment, problems = _environment(raw.get("environment"), stack)
    flat = [key for key in raw if _is_flat_path(key)]
    problems += [_flat_path_problem(key) for key in flat]
    given = {key: value for key, value in raw.items() if key != "environment" and key not in flat}
    problems += _isolated_vpc_only_problems(given.get("network"), environment)
    document: dict[str, object] = {"environment": environment.value}
    for key, value in given.items():
        section = _SECTIONS.get(key)
        if section is None:
            document[key] = value  # a plain value, or an unknown key the model names
        else:
            shaped, shape_problems = _model_shape(section, _merged(_defaults(environment, key), value), key)
            document[key] = shaped
            problems += shape_problems
    for key in _SECTIONS.keys() - given.keys():
        document[key] = _model_shape(_SECTIONS[key], _defaults(environment, key), key)[0]
    try:
        settings = _STACK_SETTINGS.validate_json(json.dumps(document, default=str))
    except ValidationError as error:
        problems += problems_from(StackSettings, error.errors(include_url=False))
    problems = _with_region_partition(problems, document, region)
    if problems:
        raise SettingsError(problems, subject=f'config of stack "{stack}" (namespace {PROJECT})')
    return settings


def load_stack_config() -> StackSettings:
    """The current stack's settings from `pulumi.Config`: the only place the program reads its config (and
    `aws:region`, whose partition the jobs' needs must be in)."""
    config = pulumi.Config(PROJECT)
    raw: dict[str, object] = {}
    for key in _STACK_FIELDS:
        value = _read(config, key, nested=key in _SECTIONS)
        if value is not None:
            raw[key] = value
    for key in _namespaced_keys() - raw.keys():
        raw[key] = config.get(key)  # unknown: the parser names it and suggests the key that was meant
    return parse_stack_config(raw, pulumi.get_stack(), pulumi.Config("aws").get("region"))


def _with_region_partition(
    problems: list[Problem], document: Mapping[str, object], region: str | None
) -> list[Problem]:
    """With the stack's region known, every ARN of the jobs' needs is compared with the region's partition
    (replacing the comparisons of ARNs with each other), from the document as written: so the comparison is
    made even where other keys, or the same needs, have problems. Without `aws:region` (the provider then
    takes the region from the environment) the job pattern compares them with `aws.get_partition` at
    preview instead."""
    partition = arns.partition_of_region(region) if region else None
    if partition is None:
        return problems
    named = (
        (path, value)
        for section in JOB_PATTERNS
        if isinstance(part := document.get(section), Mapping)
        for path, value in _strings_in(part.get("needs"), f"{section}.needs")
        if value.startswith("arn:")
    )
    why = f'the stack\'s region "{region}" is in {partition}'
    kept = [problem for problem in problems if not isinstance(problem, PartitionProblem)]
    return kept + list(partition_problems(named, partition, why))


def _strings_in(value: object, path: str) -> Iterator[tuple[str, str]]:
    """(key path, string) of every string in a decoded JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings_in(item, join_path(path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings_in(item, f"{path}[{index}]")


def config_keys() -> list[str]:
    """Every dotted key the stack config accepts (nested objects' keys, not the objects themselves)."""
    return list(_keys(StackSettings, ""))


def _keys(cls: type[Any], prefix: str) -> Iterator[str]:
    fields = cls.__pydantic_fields__
    for name in config_keys_of(cls):
        # A flattened field's key is not a field; an optional object (`container.build`) has keys of its own.
        kind = settings_class(fields[name].annotation) if name in fields else None
        if kind is not None:
            yield from _keys(kind, join_path(prefix, name))
        else:
            yield join_path(prefix, name)


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


def _environment(value: object, stack: str) -> tuple[Environment, list[Problem]]:
    """The environment: given, or named by the stack; dev defaults stand in while it is unknown."""
    by_stack = next((e for e in Environment if e.value == stack), None)
    if value is None:
        if by_stack is not None:
            return by_stack, []
        message = (
            f'not set, and stack "{stack}" is not named dev, staging or prod; '
            f"set {PROJECT}:environment to one of them"
        )
        return Environment.DEV, [Problem("environment", message)]
    allowed = [e.value for e in Environment]
    if not isinstance(value, str) or value not in allowed:
        hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
        return Environment.DEV, [
            Problem("environment", f"{show(value)} is not one of {', '.join(allowed)}{hint}")
        ]
    environment = Environment(value)
    if by_stack is not None and environment is not by_stack:
        return environment, [Problem("environment", f'{show(value)} contradicts the stack name "{stack}"')]
    return environment, []


def _is_flat_path(key: str) -> bool:
    """A top-level key named like a nested one (`queue.max_tasks`): `pulumi config set` without --path."""
    return "." in key and key.split(".", 1)[0] in _SECTIONS


def _flat_path_problem(key: str) -> Problem:
    section = key.split(".", 1)[0]
    return Problem(
        key,
        f"is a top-level key with a dot in its name; a key inside {section} is set with "
        f"`pulumi config set --path '{key}' <value>` (then remove this one with "
        f"`pulumi config rm '{key}'`)",
    )


def _isolated_vpc_only_problems(network: object, environment: Environment) -> list[Problem]:
    """Settings of an own VPC given while the stack uses the default VPC are a mistake; say so."""
    if not isinstance(network, Mapping):
        return []
    mode = network.get("mode", _defaults(environment, "network").get("mode"))
    if mode != NetworkMode.DEFAULT_VPC.value:
        return []
    return [
        Problem(
            f"network.{key}",
            f'{show(network[key])} applies only when network.mode is "isolated-vpc" '
            '(it is "default-vpc"); remove it or set network.mode',
        )
        for key in _ISOLATED_VPC_ONLY
        if key in network
    ]


def _defaults(environment: Environment, section: str) -> dict[str, Any]:
    """A section's defaults in config shape: the class's own, then the environment's (`environment_defaults`).

    The section is filled in before validation, so a partial object keeps the defaults of what it leaves out
    (`batch.retry` given only `max_event_age_seconds` keeps the batch's own 2 attempts).
    """
    values = _config_shape(StackSettings.__dataclass_fields__[section].default_factory())
    for dotted, value in ENVIRONMENT_DEFAULTS[environment].items():
        head, _, key = dotted.partition(".")
        if head == section:
            values[key] = value.value if isinstance(value, Enum) else value
    return values


def _config_shape(settings: Any) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if is_flattened(type(settings), field.name):
            shaped.update(_config_shape(value))
        elif dataclasses.is_dataclass(value):
            shaped[field.name] = _config_shape(value)
        elif isinstance(value, Mapping):
            shaped[field.name] = dict(value)  # a StringMap, as the config writes it
        else:
            shaped[field.name] = value.value if isinstance(value, Enum) else value
    return shaped


def _merged(defaults: dict[str, Any], given: object) -> object:
    if not isinstance(given, Mapping):
        return given  # not an object: the model says so
    merged: dict[str, Any] = dict(defaults)
    for key, value in given.items():
        default = defaults.get(key)
        merged[key] = _merged(default, value) if isinstance(default, dict) else value
    return merged


def _model_shape(cls: type[Any], value: object, path: str) -> tuple[object, list[Problem]]:
    """The config's object for `cls` with a flattened field's keys moved under it (`cpu` -> `size.cpu`)."""
    if not isinstance(value, Mapping):
        return value, []
    shaped = dict(value)
    problems: list[Problem] = []
    fields = cls.__pydantic_fields__
    for name, info in fields.items():
        if is_flattened(cls, name):
            if name in shaped:
                message = f"unknown key; allowed: {', '.join(config_keys_of(cls))}"
                problems.append(Problem(join_path(path, name), message))
                del shaped[name]
            inner = config_keys_of(info.annotation)
            shaped[name] = {key: shaped.pop(key) for key in inner if key in shaped}
        elif _is_settings_class(info.annotation) and name in shaped:
            shaped[name], inner_problems = _model_shape(info.annotation, shaped[name], join_path(path, name))
            problems += inner_problems
    return shaped, problems
