"""Every combination of enabled job patterns on the mock runtime: exactly what `pulumi up` would register
and export for a stack that enables only those (issue 9: patterns chosen per stack).

The dev stack's own config with the other patterns switched off (`<pattern>.enabled: false`), so each
combination is the project's program as a team would configure it. One test per combination, so xdist
spreads them over its workers. `tests/gate/test_pattern_combinations.py` runs the gate over each.
"""

from collections import Counter

import pytest

from ecs_event_patterns.config.validation import SettingsError
from tests.program.expected_resources import (
    ALERTING_ALARMS,
    COMBINATIONS,
    COMPONENT_TYPE,
    NONE_ENABLED,
    WORKER,
    combination_id,
    expected_exports,
    expected_types,
    with_only,
)
from tools import urn_snapshot
from tools.stack_files import read_stack_config
from tools.stack_program import ROOT, install_stack, run_program

STACK = "dev"
ALERTS_OWN_ALARMS = {"alerts-dead-letters-waiting", "alerts-failed-invocations"}
DEPLOYABLE = [patterns for patterns in COMBINATIONS if patterns]


def _type_chain(urn: str) -> list[str]:
    return urn.split("::")[2].split("$")


@pytest.mark.parametrize("patterns", DEPLOYABLE, ids=combination_id)
def test_a_stack_deploys_exactly_the_patterns_it_enables(patterns: tuple[str, ...]):
    monitor = install_stack(STACK, with_only(read_stack_config(ROOT, STACK).values, patterns))
    exports = run_program()
    recorded = monitor.recorded

    assert Counter(resource.type for resource in recorded) == expected_types(STACK, patterns)
    top_level = {r.name for r in recorded if r.parent.endswith(f"::ecs-event-patterns-{STACK}")}
    assert top_level == {"network", "ecs", "alerts", *patterns}

    # Outputs only for what exists: no queue_url without the queue; image_uris of the deployed workers.
    assert set(exports) == expected_exports(patterns)
    assert set(exports["image_uris"]) == {WORKER[pattern] for pattern in patterns}
    assert all("@sha256:" in uri for uri in exports["image_uris"].values())

    # Stopped-task alerts watch the cluster whatever runs on it; every silent failure alarms on its topic.
    [topic] = monitor.of_type("aws:sns/topic:Topic")
    [cluster] = monitor.of_type("aws:ecs/cluster:Cluster")
    stopped_rule = monitor.by_name("alerts-rule")
    assert '"lastStatus": ["STOPPED"]' in stopped_rule.inputs["eventPattern"]
    assert f'"clusterArn": ["{cluster.outputs["arn"]}"]' in stopped_rule.inputs["eventPattern"]
    assert exports["alert_topic_arn"] == topic.outputs["arn"]
    alerting = {
        alarm.name
        for alarm in monitor.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if alarm.inputs.get("alarmActions") == [topic.outputs["arn"]]
    }
    assert alerting == ALERTS_OWN_ALARMS.union(*(ALERTING_ALARMS[pattern] for pattern in patterns))

    # Switching a pattern off or on replaces nothing else: every URN is the full stack's, and exactly
    # those not under a disabled pattern's component are registered.
    disabled = {COMPONENT_TYPE[p] for p in COMPONENT_TYPE if p not in patterns}
    full = urn_snapshot.read(STACK)
    assert {r.urn for r in recorded} == {u for u in full if not disabled & set(_type_chain(u))}


def test_a_stack_without_any_job_pattern_registers_nothing():
    monitor = install_stack(STACK, with_only(read_stack_config(ROOT, STACK).values, ()))

    with pytest.raises(SettingsError) as error:
        run_program()

    [problem] = error.value.problems
    assert str(problem).startswith(NONE_ENABLED)
    assert monitor.recorded == []
