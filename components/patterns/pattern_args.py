"""The checks every job pattern (upload processing, scheduled batch, queue workers) makes on its args.

Each component module has its own `check_args(name, args)`, called before any child is created; it starts
with this one and adds what only that pattern can check.
"""

from __future__ import annotations

from typing import Protocol

import pulumi

from components.blocks.task import TaskPlatform
from components.config.settings import DataSettings
from components.iam import arns


class PatternArgs(Protocol):
    """What every RunTask pattern's args carry besides its own settings."""

    @property
    def settings(self) -> object: ...
    @property
    def platform(self) -> TaskPlatform: ...
    @property
    def data(self) -> DataSettings: ...
    @property
    def alarm_topic_arn(self) -> pulumi.Input[str]: ...


def check_args(component: str, args: PatternArgs, settings_type: type) -> None:
    """Each field of the expected type (a mistake of the caller, named here) and a real topic ARN."""
    for field, value, expected in (
        ("settings", args.settings, settings_type),
        ("platform", args.platform, TaskPlatform),
        ("data", args.data, DataSettings),
    ):
        if not isinstance(value, expected):
            raise TypeError(f"{component}: {field} is a {type(value).__name__}, not a {expected.__name__}")
    topic = args.alarm_topic_arn
    # An Output is checked by AWS once it is known.
    if isinstance(topic, str) and not arns.is_topic_arn(topic):
        raise ValueError(f"{component}: alarm_topic_arn {topic!r} is not an SNS topic ARN")
