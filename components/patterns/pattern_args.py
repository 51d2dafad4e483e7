"""Checks the pattern components make on their args before they create any child."""

from __future__ import annotations

import re
from typing import Protocol

import pulumi

from components.blocks.task import TaskPlatform
from components.config.settings import DataSettings

_SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")


class PatternArgs(Protocol):
    """What every RunTask pattern's args carry besides its own settings."""

    @property
    def platform(self) -> TaskPlatform: ...
    @property
    def data(self) -> DataSettings: ...
    @property
    def alarm_topic_arn(self) -> pulumi.Input[str]: ...


def check_pattern_args(component: str, args: PatternArgs, settings: object, settings_type: type) -> None:
    """Each field of the expected type (a mistake of the caller, named here) and a real topic ARN."""
    for field, value, expected in (
        ("settings", settings, settings_type),
        ("platform", args.platform, TaskPlatform),
        ("data", args.data, DataSettings),
    ):
        if not isinstance(value, expected):
            raise TypeError(f"{component}: {field} is a {type(value).__name__}, not a {expected.__name__}")
    topic = args.alarm_topic_arn
    # An Output is checked by AWS once it is known.
    if isinstance(topic, str) and not _SNS_TOPIC_ARN.match(topic):
        raise ValueError(f"{component}: alarm_topic_arn {topic!r} is not an SNS topic ARN")
