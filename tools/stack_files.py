"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

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


def load_document(path: Path) -> Any:
    """A project or stack file read as YAML 1.2, as the Pulumi CLI reads it (Go's yaml.v3): `yes`, `on`,
    `off` stay strings and `1:30` is no number, where PyYAML's YAML 1.1 would make them booleans and 90."""
    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackFileError(f"{path}: file not found") from None
    except YAMLError as error:
        raise StackFileError(f"{path}: not valid YAML: {error}") from None


def namespace_typos(project: str, keys: Iterable[str]) -> list[str]:
    """Warnings for keys under a namespace one edit away from the project's name (`ecs-events-patterns:`):
    the program never sees them, which is almost surely a typo."""
    warnings = []
    for key in keys:
        namespace, _, name = str(key).partition(":")
        if name and namespace != project and _one_edit_apart(namespace, project):
            warnings.append(
                f"config key {key!r} is under namespace {namespace!r}, one edit away from the project's "
                f"name: the program reads {project}:{name}; rename the key"
            )
    return warnings


def _one_edit_apart(a: str, b: str) -> bool:
    """One insertion, deletion or substitution turns `a` into `b`."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[index + (len(a) == len(b)) :] == b[index + 1 :]


def _project_document(project_dir: Path) -> dict[str, Any]:
    document = load_document(project_dir / "Pulumi.yaml")
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
    document = load_document(path) or {}
    if not isinstance(document, dict):
        raise StackFileError(f"{path}: expected a mapping with a `config` key")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(f"{path}: `config` must be a mapping")
    values, secret_keys = engine_config(project["name"], {**project_defaults(project), **config})
    return StackConfig(project=project["name"], stack=stack, values=values, secret_keys=secret_keys)
