"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program."""

from __future__ import annotations

import json
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


def project_name(project_dir: Path) -> str:
    document = _load_yaml(project_dir / "Pulumi.yaml")
    name = document.get("name") if isinstance(document, dict) else None
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'}: no project `name`")
    return name


def read_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """Config of `stack`; keys without a namespace belong to the project, as in the Pulumi CLI."""
    project = project_name(project_dir)
    path = project_dir / f"Pulumi.{stack}.yaml"
    document = _load_yaml(path) or {}
    if not isinstance(document, dict):
        raise StackFileError(f"{path}: expected a mapping with a `config` key")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(f"{path}: `config` must be a mapping")
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        full_key = key if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret_keys.append(full_key)
            values[full_key] = SECRET_PLACEHOLDER
        elif isinstance(value, str):
            values[full_key] = value
        elif isinstance(value, bool):
            values[full_key] = "true" if value else "false"
        else:
            values[full_key] = json.dumps(value)
    return StackConfig(project=project, stack=stack, values=values, secret_keys=tuple(secret_keys))
