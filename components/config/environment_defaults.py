"""Defaults that differ between dev, staging and prod, as real teams set them (DESIGN.md section 2).

Everything not listed here takes the settings class's own default in every environment. Explicit stack
config always wins over these.
"""

from __future__ import annotations

from collections.abc import Mapping

from components.config.settings import Environment, NetworkMode

ENVIRONMENT_DEFAULTS: Mapping[Environment, Mapping[str, object]] = {
    Environment.DEV: {
        # The account's default VPC: nothing to pay for (no NAT, no interface endpoints) and quick to create.
        "network.mode": NetworkMode.DEFAULT_VPC,
        "logs.retention_days": 7,
        "data.deletion_protection": False,
        "data.point_in_time_recovery": False,
        "data.retain_on_delete": False,
        # Every queue worker on Spot: an interrupted job returns to the queue, and dev pays the least.
        "queue.use_spot": True,
        "queue.on_demand_base": 0,
    },
    Environment.STAGING: {
        # Same network shape as prod, so a change that breaks private networking breaks here first.
        "network.mode": NetworkMode.ISOLATED_VPC,
        "network.az_count": 2,
        "logs.retention_days": 30,
        "data.deletion_protection": True,
        "data.point_in_time_recovery": True,
        "data.retain_on_delete": False,
        "queue.use_spot": True,
        "queue.on_demand_base": 0,
    },
    Environment.PROD: {
        "network.mode": NetworkMode.ISOLATED_VPC,
        # Three zones: losing one still leaves two for tasks and endpoints.
        "network.az_count": 3,
        "logs.retention_days": 365,
        "data.deletion_protection": True,
        "data.point_in_time_recovery": True,
        "data.retain_on_delete": True,
        # Still scales to zero when idle (min_tasks 0), but the first task that starts is on demand: a Spot
        # shortage cannot stall the queue. Tasks above it run on Spot.
        "queue.use_spot": True,
        "queue.on_demand_base": 1,
    },
}
"""Per environment: dotted config key -> default value."""
