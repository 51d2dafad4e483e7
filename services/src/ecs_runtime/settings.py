"""Settings from environment variables, parsed once at start into a frozen pydantic-settings object."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError
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
        raise WorkerSettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        variable = ".".join(str(part) for part in item["loc"]).upper() or "settings"
        if item["type"] == "missing":
            problems.append(f"{variable} is required but not set")
        else:
            problems.append(f"{variable}={item.get('input')!r}: {item['msg']}")
    return "; ".join(problems)
