"""Alarm and dead-letter helpers that other patterns call: exact metrics, names, parents and actions."""

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pytest

from ecs_event_patterns.blocks.alarms import (
    dead_letter_queue_alarm,
    failed_invocations_alarm,
    schedule_failures_alarm,
)
from ecs_event_patterns.blocks.dead_letter import dead_letter_queue, event_target_dead_letter_queue
from tests.support.queue_policies import tls_only_statement
from tools import pulumi_mocks

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts-topic"
RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/uploads-rule"


class Pattern(pulumi.ComponentResource):
    """Stands in for a pattern component that owns the alarms."""

    def __init__(self, name: str) -> None:
        super().__init__("test:index:Pattern", name)
        failed_invocations_alarm(
            f"{name}-rule-failures", rule_name="uploads-rule", topic_arn=TOPIC_ARN, parent=self
        )
        schedule_failures_alarm(
            f"{name}-schedule-failures", schedule_group="batch-group", topic_arn=TOPIC_ARN, parent=self
        )
        dead_letter_queue_alarm(
            f"{name}-dlq-messages", queue_name="uploads-dlq", topic_arn=TOPIC_ARN, parent=self
        )
        event_target_dead_letter_queue(f"{name}-dlq", source_arn=RULE_ARN, parent=self)
        dead_letter_queue(f"{name}-schedule-dlq", parent=self)
        self.register_outputs({})


@pytest.fixture
def recorded() -> pulumi_mocks.RecordingMonitor:
    monitor = pulumi_mocks.install(stack="dev")

    pulumi_mocks.run(lambda: Pattern("uploads"))
    return monitor


def failure_sum_alarm(namespace: str, metrics: dict[str, str], dimensions: dict[str, str]) -> dict[str, Any]:
    """The inputs every failure-count alarm must have, as the engine sees them."""
    queries = [
        {
            "id": query_id,
            "metric": {
                "namespace": namespace,
                "metricName": metric_name,
                "dimensions": dimensions,
                "stat": "Sum",
                "period": 300,
            },
            "returnData": False,
        }
        for query_id, metric_name in metrics.items()
    ]
    fills = ", ".join(f"FILL({query_id}, 0)" for query_id in metrics)
    queries.append(
        {"id": "failures", "expression": f"SUM([{fills}])", "label": "Failures", "returnData": True}
    )
    return {
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "threshold": 1,
        "evaluationPeriods": 1,
        "datapointsToAlarm": 1,
        "metricQueries": queries,
        "treatMissingData": "notBreaching",
        "alarmActions": [TOPIC_ARN],
        "okActions": [TOPIC_ARN],
    }


def without_description(inputs: Mapping[str, Any]) -> dict[str, Any]:
    assert inputs["alarmDescription"]
    return {key: value for key, value in inputs.items() if key != "alarmDescription"}


def test_failed_invocations_alarm_sums_failures_and_lost_dead_letters(recorded):
    alarm = recorded.by_name("uploads-rule-failures")
    assert without_description(alarm.inputs) == failure_sum_alarm(
        "AWS/Events",
        {"failed": "FailedInvocations", "undeliverable": "InvocationsFailedToBeSentToDlq"},
        {"RuleName": "uploads-rule"},
    )


def test_schedule_failures_alarm_sums_errors_drops_and_lost_dead_letters(recorded):
    alarm = recorded.by_name("uploads-schedule-failures")
    assert without_description(alarm.inputs) == failure_sum_alarm(
        "AWS/Scheduler",
        {
            "errors": "TargetErrorCount",
            "dropped": "InvocationDroppedCount",
            "undeliverable": "InvocationsFailedToBeSentToDeadLetterCount",
        },
        {"ScheduleGroup": "batch-group"},
    )


def test_dead_letter_queue_alarm_fires_on_any_visible_message(recorded):
    alarm = recorded.by_name("uploads-dlq-messages")
    assert without_description(alarm.inputs) == {
        "namespace": "AWS/SQS",
        "metricName": "ApproximateNumberOfMessagesVisible",
        "dimensions": {"QueueName": "uploads-dlq"},
        "statistic": "Maximum",
        "period": 300,
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "threshold": 1,
        "evaluationPeriods": 1,
        "datapointsToAlarm": 1,
        "treatMissingData": "notBreaching",
        "alarmActions": [TOPIC_ARN],
        "okActions": [TOPIC_ARN],
    }


def test_helpers_use_the_given_names_and_parent(recorded):
    parent = recorded.by_name("uploads")
    names = {r.name: r.type for r in recorded.recorded if r.urn != parent.urn}
    assert names == {
        "uploads-rule-failures": "aws:cloudwatch/metricAlarm:MetricAlarm",
        "uploads-schedule-failures": "aws:cloudwatch/metricAlarm:MetricAlarm",
        "uploads-dlq-messages": "aws:cloudwatch/metricAlarm:MetricAlarm",
        "uploads-dlq": "aws:sqs/queue:Queue",
        "uploads-dlq-policy": "aws:sqs/queuePolicy:QueuePolicy",
        "uploads-schedule-dlq": "aws:sqs/queue:Queue",
        "uploads-schedule-dlq-policy": "aws:sqs/queuePolicy:QueuePolicy",
    }
    assert all(r.parent == parent.urn for r in recorded.recorded if r.urn != parent.urn)


def test_dead_letter_queues_are_encrypted_and_tls_only_and_only_the_event_rule_may_send(recorded):
    for name in ("uploads-dlq", "uploads-schedule-dlq"):
        queue = recorded.by_name(name)
        assert queue.inputs["sqsManagedSseEnabled"] is True
        assert queue.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    event_queue = recorded.by_name("uploads-dlq").outputs
    event_policy = recorded.by_name("uploads-dlq-policy").inputs
    assert event_policy["queueUrl"] == event_queue["url"]
    assert json.loads(event_policy["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventRuleSendsFailedEvents",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": event_queue["arn"],
                "Condition": {"ArnEquals": {"aws:SourceArn": RULE_ARN}},
            },
            tls_only_statement(event_queue["arn"]),
        ],
    }
    # Scheduler sends with its role's own permissions: this queue's policy grants nothing.
    schedule_queue = recorded.by_name("uploads-schedule-dlq").outputs
    schedule_policy = recorded.by_name("uploads-schedule-dlq-policy").inputs
    assert schedule_policy["queueUrl"] == schedule_queue["url"]
    assert json.loads(schedule_policy["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [tls_only_statement(schedule_queue["arn"])],
    }
