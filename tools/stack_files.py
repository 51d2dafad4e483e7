"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "mock-secret-value"  # noqa: S105 - a stand-in, not a credential
"""Encrypted values (`secure:`) cannot be decrypted offline; the program sees this instead."""


class StackFileError(ValueError):
    """A project or stack file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    values: dict[str, str]
    """Namespaced keys (`project:key`, `aws:region`) to strings; objects and lists JSON-encoded."""
    secret_keys: tuple[str, ...]

    @property
    def region(self) -> str | None:
        return self.values.get("aws:region")


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackFileError(f"{path}: file not found") from None
    except yaml.YAMLError as error:
        raise StackFileError(f"{path}: not valid YAML: {error}") from None


def _project_document(project_dir: Path) -> dict[str, Any]:
    document = _load_yaml(project_dir / "Pulumi.yaml")
    name = document.get("name") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(name, str) or not name:
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'}: no project `name`")
    return document


def project_name(project_dir: Path) -> str:
    return str(_project_document(project_dir)["name"])


def project_defaults(project: Mapping[str, Any]) -> dict[str, Any]:
    """Config values Pulumi.yaml declares for every stack (`key: value` or `key: {default: value}`)."""
    declared = project.get("config") or {}
    defaults = {}
    for key, value in declared.items() if isinstance(declared, Mapping) else ():
        if isinstance(value, Mapping):
            if "default" in value:
                defaults[key] = value["default"]
            elif "value" in value:
                defaults[key] = value["value"]
        else:
            defaults[key] = value
    return defaults


def engine_config(project: str, config: Mapping[str, Any]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The config map the engine hands a program, and its secret keys.

    Keys without a namespace belong to the project; strings stay, everything else is JSON (as the CLI sends
    it); a `secure:` value becomes `SECRET_PLACEHOLDER`.
    """
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        full_key = str(key) if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            secret_keys.append(full_key)
            values[full_key] = SECRET_PLACEHOLDER
        elif isinstance(value, str):
            values[full_key] = value
        else:
            values[full_key] = json.dumps(value)
    return values, tuple(secret_keys)


def read_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """Config of `stack` over the defaults Pulumi.yaml declares, as the Pulumi CLI hands it to the program."""
    project = _project_document(project_dir)
    path = project_dir / f"Pulumi.{stack}.yaml"
    document = _load_yaml(path) or {}
    if not isinstance(document, dict):
        raise StackFileError(f"{path}: expected a mapping with a `config` key")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(f"{path}: `config` must be a mapping")
    values, secret_keys = engine_config(project["name"], {**project_defaults(project), **config})
    return StackConfig(project=project["name"], stack=stack, values=values, secret_keys=secret_keys)
