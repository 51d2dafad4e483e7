"""The pack's default enforcement level is stated once (the pack's own) and is what the CLI gets with no
`--policy-pack-config` file: mandatory, for every policy."""

from pathlib import Path

from pulumi.runtime.proto import analyzer_pb2

from policies.ecs_guardrails.rules import (
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
from tools.policy_gate.analyzer import PackServer

PACK = Path(__file__).resolve().parents[2] / "policies" / "ecs_guardrails"
MODULES = (
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


def test_without_a_pack_config_every_policy_is_mandatory():
    # The CLI takes each policy's level from GetAnalyzerInfo and overrides it only from a config file.
    with PackServer(PACK) as server:
        info = server.info()
    levels = {policy.name: policy.enforcementLevel for policy in info.policies}
    assert set(levels.values()) == {analyzer_pb2.MANDATORY}
    # ... and the modules the next test reads are all the pack serves.
    assert sorted(levels) == sorted(policy.name for module in MODULES for policy in module.POLICIES)


def test_no_policy_sets_a_level_of_its_own():
    """A policy's own level silently wins over the pack's, which then says nothing true."""
    policies = [policy for module in MODULES for policy in module.POLICIES]
    assert len(policies) > 20
    assert [policy.name for policy in policies if policy.enforcement_level is not None] == []
