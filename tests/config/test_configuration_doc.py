"""docs/configuration.md lists every config key with the defaults the parser really applies."""

import re
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from ecs_event_patterns.config.settings import StackSettings
from ecs_event_patterns.config.stack_config import config_keys, parse_stack_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
REFERENCE_ROW = re.compile(
    r"\| `(?P<key>[a-z_.]+)` \| [^|]+ \| [^|]+ "
    r"\| (?P<dev>[^|]+) \| (?P<staging>[^|]+) \| (?P<prod>[^|]+) \| [^|]+ \|"
)
"""A row of the reference: key, type, allowed, the three defaults, meaning."""
ENVIRONMENT_ROW = re.compile(
    r"\| `(?P<key>[a-z_.]+)` \| (?P<dev>[^|]+) \| (?P<staging>[^|]+) \| (?P<prod>[^|]+) \| [^|]+ \|"
)
"""A row of the table of defaults that differ by environment: key, the three defaults, why."""


def rows(pattern: re.Pattern[str]) -> dict[str, dict[str, str]]:
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = pattern.fullmatch(line)
        if match:
            found[match["key"]] = {env: match[env].strip().strip("`") for env in ("dev", "staging", "prod")}
    return found


# prod has no default address: the one key it requires is given (the doc says "required").
DEFAULTS_OF = {"dev": {}, "staging": {}, "prod": {"alerts": {"emails": ["platform-oncall@example.com"]}}}


def value_at(settings: StackSettings, key: str) -> Any:
    value: Any = settings
    *sections, leaf = key.split(".")
    for section in sections:
        value = getattr(value, section)
        if value is None:
            return None  # an unset optional object (`upload.container.build`): its keys are unset
    if leaf in ("cpu", "memory"):  # a task size's keys sit beside its section's other keys
        value = value.size
    return getattr(value, leaf)


def rendered(value: object) -> str:
    if value is None:
        return "unset"
    if value == {}:
        return "{}"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)


def test_the_reference_has_one_row_per_config_key():
    assert sorted(rows(REFERENCE_ROW)) == sorted(config_keys())


def test_the_environment_table_lists_the_defaults_that_differ():
    environments = [parse_stack_config(raw, stack) for stack, raw in DEFAULTS_OF.items()]
    # The environment itself and prod's required addresses differ too, but are not defaults that differ.
    keys = [key for key in config_keys() if key not in ("environment", "alerts.emails")]
    differing = {key for key in keys if len({rendered(value_at(s, key)) for s in environments}) > 1}

    assert set(rows(ENVIRONMENT_ROW)) == differing


@pytest.mark.parametrize("table", [REFERENCE_ROW, ENVIRONMENT_ROW], ids=["reference", "environments"])
@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_the_documented_defaults_are_the_parsers(environment, table):
    settings = parse_stack_config(DEFAULTS_OF[environment], environment)

    for key, defaults in rows(table).items():
        if environment == "prod" and key == "alerts.emails":
            assert defaults["prod"] == "required"
            continue
        assert defaults[environment] == rendered(value_at(settings, key)), key
