"""The pack's entry point: the Pulumi CLI (and the offline gate) runs `python __main__.py` in this directory.

It only assembles the policies from the `rules` modules and serves them; PolicyPack prints its port and
serves until stopped.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

# The CLI runs this file with its directory on sys.path; mypy knows `rules` as policies.ecs_guardrails.rules.
from rules import (  # type: ignore[import-not-found]
    container_images,
    data_stores,
    ecs_launch,
    logs,
    messaging,
    stopped_task_alerting,
    task_definitions,
    task_roles,
    trigger_roles,
)

PolicyPack(
    name="ecs-event-patterns",
    # The one default of every policy (none sets its own): what `pulumi preview --policy-pack` gives without
    # a `--policy-pack-config` file. The per-stack files in policies/config/ lower it where a stack may.
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        *task_roles.POLICIES,
        *trigger_roles.POLICIES,
        *task_definitions.POLICIES,
        *stopped_task_alerting.POLICIES,
        *messaging.POLICIES,
        *data_stores.POLICIES,
        *logs.POLICIES,
        *container_images.POLICIES,
        *ecs_launch.POLICIES,
    ],
)
