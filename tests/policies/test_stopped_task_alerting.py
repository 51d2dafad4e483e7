"""Stopped-task alerting: the compliant chain, each link broken in turn, values unknown in preview."""

import json

import pytest

from policies.ecs_guardrails.rules import stopped_task_alerting
from tests.policies.harness import UNKNOWN, Resource, by_name, run_stack, urn
from tests.policies.stack import CLUSTER_ARN, compliant_stack

(POLICY,) = stopped_task_alerting.POLICIES
CLUSTER_URN = urn("aws:ecs/cluster:Cluster", "jobs")


def pattern(**detail: object) -> str:
    return json.dumps({"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": detail})


def problem(stack: list[Resource], config: dict[str, object] | None = None) -> str:
    outcome = run_stack(POLICY, stack, config)
    assert outcome.urns == [CLUSTER_URN]
    return outcome.messages[0]


def test_compliant_chain_passes():
    assert run_stack(POLICY, compliant_stack()).violations == []


def test_rule_for_all_clusters_passes():
    stack = compliant_stack()
    rule = by_name(stack, "tasks-stopped")
    rule.props["eventPattern"] = pattern(lastStatus=["STOPPED"])
    rule.depends = {}
    assert run_stack(POLICY, stack).violations == []


def test_cluster_without_rule_is_reported():
    stack = [item for item in compliant_stack() if item.name != "tasks-stopped"]
    assert "no EventBridge rule in the stack" in problem(stack)


@pytest.mark.parametrize(
    ("event_pattern", "expected"),
    [
        (pattern(lastStatus=["RUNNING"]), "matches lastStatus RUNNING, not STOPPED"),
        (
            pattern(stoppedReason=["Essential container in task exited"]),
            "matches lastStatus no lastStatus filter",
        ),
        (json.dumps({"source": ["aws.s3"]}), "does not match source aws.ecs"),
        (
            json.dumps({"source": ["aws.ecs"], "detail-type": ["ECS Container Instance State Change"]}),
            "does not match detail-type ECS Task State Change",
        ),
    ],
)
def test_rule_that_misses_stopped_tasks_is_reported(event_pattern, expected):
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["eventPattern"] = event_pattern
    assert expected in problem(stack)


def test_rule_for_another_cluster_is_reported():
    stack = compliant_stack()
    rule = by_name(stack, "tasks-stopped")
    rule.props["eventPattern"] = pattern(lastStatus=["STOPPED"], clusterArn=[CLUSTER_ARN + "-other"])
    rule.depends = {}
    assert "filters clusterArn to other clusters" in problem(stack)


def test_disabled_rule_is_reported():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["state"] = "DISABLED"
    assert "rule tasks-stopped is disabled" in problem(stack)


def test_rule_without_topic_target_is_reported():
    stack = compliant_stack()
    target = by_name(stack, "tasks-stopped-to-alerts")
    target.props["arn"] = "arn:aws:sqs:us-east-1:123456789012:somewhere"
    target.depends = {"rule": ["tasks-stopped"]}
    assert "none of its targets is an SNS topic" in problem(stack)


def test_topic_without_subscription_is_reported():
    stack = [item for item in compliant_stack() if item.name != "alerts-oncall"]
    assert "targets topic alerts, which has no subscription" in problem(stack)


def test_subscription_protocols_are_configurable():
    message = problem(compliant_stack(), {"subscriptionProtocols": ["sms"]})
    assert "no subscription with protocol sms" in message


def test_links_follow_dependencies_when_values_are_unknown():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped-to-alerts").props.update(rule=UNKNOWN, arn=UNKNOWN)
    by_name(stack, "alerts-oncall").props["topic"] = UNKNOWN
    assert run_stack(POLICY, stack).violations == []


def test_unknown_event_pattern_is_checked_at_update():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["eventPattern"] = UNKNOWN
    outcome = run_stack(POLICY, stack)
    assert outcome.violations == []
    assert outcome.not_applicable == "not known until update: event pattern of rule tasks-stopped"
