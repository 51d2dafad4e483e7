"""Shared helpers of the config tests: the problem lines a bad config produces."""

from collections.abc import Callable, Mapping

import pytest

from ecs_event_patterns.config.settings import SettingsError
from ecs_event_patterns.config.stack_config import parse_stack_config

Problems = Callable[..., list[str]]


@pytest.fixture
def problems_of() -> Problems:
    """Parse `raw` for `stack` and return the problem lines; the config must be rejected."""

    def problems(raw: Mapping[str, object], stack: str = "dev") -> list[str]:
        with pytest.raises(SettingsError) as caught:
            parse_stack_config(raw, stack)
        return [str(problem) for problem in caught.value.problems]

    return problems
