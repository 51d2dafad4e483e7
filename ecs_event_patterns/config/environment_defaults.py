"""Defaults that differ between dev, staging and prod, as real teams set them.

Only what differs from the settings class's own default is listed; everything else takes that default in
every environment. Explicit stack config always wins over these. `docs/configuration.md`'s table of them is
generated from here (`ecs_event_patterns/config/reference.py`), with each reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecs_event_patterns.config.settings import Environment, NetworkMode

ENVIRONMENT_DEFAULTS: Mapping[Environment, Mapping[str, object]] = {
    Environment.DEV: {},
    Environment.STAGING: {
        "network.mode": NetworkMode.ISOLATED_VPC,
        "logs.retention_days": 30,
        "data.deletion_protection": True,
        "data.point_in_time_recovery": True,
    },
    Environment.PROD: {
        "network.mode": NetworkMode.ISOLATED_VPC,
        "network.az_count": 3,
        "logs.retention_days": 365,
        "data.deletion_protection": True,
        "data.point_in_time_recovery": True,
        "data.retain_on_delete": True,
        "queue.on_demand_base": 1,
    },
}
"""Per environment: dotted config key -> default value, where it is not the settings class's default."""

WHY_THEY_DIFFER: Mapping[str, str] = {
    "network.mode": "dev needs nothing to pay for (no NAT, no endpoints); staging has prod's network shape "
    "so private-networking breakage shows there first",
    "network.az_count": "prod keeps two zones when one fails",
    "logs.retention_days": "a year of prod logs for incident review and audits",
    "data.deletion_protection": "a shared or production table is not deleted by a stray `pulumi destroy`",
    "data.point_in_time_recovery": "restore the results table to any second of the recovery period "
    "(up to 35 days)",
    "data.retain_on_delete": "prod buckets and tables outlive the stack; its image repositories are not "
    "deleted while they hold images",
    "queue.on_demand_base": "prod still scales to zero when idle, but its first task runs on regular "
    "Fargate, so a Spot shortage cannot stall the queue",
}
"""Why each key of `ENVIRONMENT_DEFAULTS` differs between environments."""
