"""Settings from environment variables, parsed once at start into a frozen pydantic-settings object."""

from __future__ import annotations

import typing
from typing import Any, TypeVar

from pydantic import Secret, SecretBytes, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseSettings):
    """Base of each worker's settings: field `foo_bar` reads `FOO_BAR`; an empty variable counts as unset."""

    model_config = SettingsConfigDict(
        frozen=True, case_sensitive=False, env_ignore_empty=True, extra="ignore", validate_default=True
    )


SettingsT = TypeVar("SettingsT", bound=WorkerSettings)


class WorkerSettingsError(Exception):
    """A worker's environment variables are missing or malformed: one line naming each and what is wrong.

    Not the Pulumi program's `ecs_event_patterns.config.validation.SettingsError` (stack config, a list of key
    paths): the worker image carries `services/` only, and a process's environment is another thing to fix.
    """


def load(settings_class: type[SettingsT]) -> SettingsT:
    """The settings from the process environment (pydantic-settings reads it), or WorkerSettingsError."""
    try:
        return settings_class()
    except ValidationError as error:
        raise WorkerSettingsError(describe(error, settings_class)) from None


def describe(error: ValidationError, settings_class: type[WorkerSettings]) -> str:
    """Each problem with its variable and value, except the value of a secret field (`SecretStr`, ...):
    ECS injects secrets as environment variables, and this line goes to the logs."""
    problems = []
    for item in error.errors(include_url=False):
        variable = ".".join(str(part) for part in item["loc"]).upper() or "settings"
        field = settings_class.model_fields.get(str(item["loc"][0])) if item["loc"] else None
        if item["type"] == "missing":
            problems.append(f"{variable} is required but not set")
        elif field is not None and _is_secret(field.annotation):
            problems.append(f"{variable} (a secret, its value not shown): {item['msg']}")
        else:
            problems.append(f"{variable}={item.get('input')!r}: {item['msg']}")
    return "; ".join(problems)


def _is_secret(annotation: Any) -> bool:
    """Whether a field's type is, or holds (`SecretStr | None`), one of pydantic's secret types."""
    kind = typing.get_origin(annotation) or annotation
    if isinstance(kind, type) and issubclass(kind, SecretStr | SecretBytes | Secret):
        return True
    return any(_is_secret(argument) for argument in typing.get_args(annotation))
