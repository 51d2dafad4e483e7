"""Amazon Resource Names, parsed once for every policy that needs a part of one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str
    """Everything after the account: `cluster/jobs`, `rule/bus/name`, `log-group:/jobs:*`, `alias/aws/sns`."""

    @property
    def resource_name(self) -> str:
        """The resource's name: the part after its type (`cluster/jobs` -> `jobs`, `alias/aws/sns` ->
        `aws/sns`)."""
        for separator in ("/", ":"):
            if separator in self.resource:
                return self.resource.split(separator, 1)[1]
        return self.resource


def parse(value: object) -> Arn | None:
    """`arn:partition:service:region:account:resource`, or None when `value` is not an ARN."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) != 6 or not parts[1] or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])
