"""CloudWatch log groups keep logs for a bounded, sufficient time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .declarations import one_setting, resource_policy
from .values import UNKNOWN, read, setting

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _retention(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    days = read(props, "retentionInDays")
    minimum = int(setting(config, "minimumRetentionDays", 1))
    if days is UNKNOWN:
        return []
    if not isinstance(days, int | float) or days <= 0:
        return ["keeps logs forever; set retentionInDays"]
    if days < minimum:
        return [f"keeps logs {int(days)} days, less than the {minimum} this stack requires"]
    return []


POLICIES = [
    resource_policy(
        "log-group-retention",
        "CloudWatch log groups have a retention period of at least the configured minimum.",
        [LOG_GROUP],
        _retention,
        one_setting("minimumRetentionDays", "Fewest days a log group may keep logs.", 1, minimum=1),
    ),
]
