"""`--policy-pack-config` files: parsed, checked against each policy's config schema, defaults applied.

The format is the Pulumi CLI's: policy name (or "all") -> an enforcement level, or an object with an
optional `enforcementLevel` and the policy's settings. Like the CLI, a policy's settings are validated
against its JSON schema and the schema's top-level defaults fill what the file leaves out. Unlike it, a
name no pack defines is an error here, because it is nearly always a typo that silently disables nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from .analyzer import LEVELS
from .errors import GateError

_DEFAULT_LEVEL_NAMES = {value: name for name, value in LEVELS.items()}


class ConfigError(GateError):
    """A config file that cannot be read or does not match the packs; the message names the key."""


@dataclass(frozen=True)
class PolicySetting:
    level: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


def load(path: Path) -> dict[str, PolicySetting]:
    try:
        raw = json.loads(path.read_text())
    except OSError as error:
        raise ConfigError(f"cannot read policy pack config {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"policy pack config {path} is not valid JSON: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"policy pack config {path} is not a JSON object")
    settings = {}
    for name, value in raw.items():
        if isinstance(value, str):
            settings[name] = PolicySetting(level=_level(path, name, value))
        elif isinstance(value, dict):
            level = value.get("enforcementLevel")
            properties = {key: item for key, item in value.items() if key != "enforcementLevel"}
            settings[name] = PolicySetting(
                _level(path, name, level) if level is not None else None, properties
            )
        else:
            raise ConfigError(f"{path}: {name}: expected an enforcement level or an object, got {value!r}")
    return settings


def _level(path: Path, name: str, value: Any) -> str:
    if value not in LEVELS:
        raise ConfigError(f"{path}: {name}: enforcement level {value!r} is not one of {', '.join(LEVELS)}")
    return str(value)


def resolve(
    info: analyzer_pb2.AnalyzerInfo,
    settings: Mapping[str, PolicySetting],
    *,
    source: str,
    known_policies: Collection[str],
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Policy name -> (level, properties) for every policy of the pack, validated against its schema."""
    unknown = sorted(set(settings) - set(known_policies) - {"all"})
    if unknown:
        raise ConfigError(f"{source}: no policy pack has a policy named {', '.join(unknown)}")
    everything = settings.get("all", PolicySetting())
    resolved: dict[str, tuple[str, dict[str, Any]]] = {}
    for policy in info.policies:
        own = settings.get(policy.name, PolicySetting())
        level = own.level or everything.level or _DEFAULT_LEVEL_NAMES[policy.enforcementLevel]
        schema = json_format.MessageToDict(policy.configSchema) if policy.HasField("configSchema") else {}
        properties = {
            key: spec["default"]
            for key, spec in (schema.get("properties") or {}).items()
            if isinstance(spec, dict) and "default" in spec
        }
        properties.update(own.properties)
        if schema or own.properties:
            _validate(policy.name, schema, properties, source)
        resolved[policy.name] = (level, properties)
    return resolved


def _validate(policy: str, schema: Mapping[str, Any], properties: Mapping[str, Any], source: str) -> None:
    full = {
        "type": "object",
        "properties": dict(schema.get("properties") or {}),
        "required": list(schema.get("required") or []),
        "additionalProperties": False,
    }
    errors = sorted(
        jsonschema.Draft7Validator(full).iter_errors(dict(properties)), key=lambda e: list(e.path)
    )
    if errors:
        details = "; ".join(
            f"{'.'.join(str(part) for part in error.path) or '(settings)'}: {error.message}"
            for error in errors
        )
        raise ConfigError(f"{source}: {policy}: {details}")
