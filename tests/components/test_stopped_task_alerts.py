"""StoppedTaskAlerts under the recording mock: every resource, policy and wire between them."""

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from ecs_event_patterns.config.settings import AlertSettings
from ecs_event_patterns.patterns.stopped_task_alerts.component import (
    StoppedTaskAlerts,
    StoppedTaskAlertsArgs,
    subscription_name,
)
from tools import pulumi_mocks
from tools.eventbridge import apply_input_transformer, matches

ACCOUNT = pulumi_mocks.DEFAULT_ACCOUNT_ID
REGION = "eu-west-1"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/jobs"
EMAILS = ("ops@example.com", "oncall@example.com")
SAMPLE = json.loads((Path(__file__).parents[1] / "data" / "ecs-task-stopped.json").read_text())


@pytest.fixture
def monitor() -> pulumi_mocks.RecordingMonitor:
    return pulumi_mocks.install(stack="dev", region=REGION)


def build() -> StoppedTaskAlerts:
    settings = AlertSettings(emails=EMAILS)
    return StoppedTaskAlerts("alerts", StoppedTaskAlertsArgs(cluster_arn=CLUSTER_ARN, settings=settings))


@pytest.fixture
def deployed(monitor: pulumi_mocks.RecordingMonitor) -> pulumi_mocks.RecordingMonitor:
    """Runs a program with the component to the end, so every registration is recorded and resolved."""

    pulumi_mocks.run(build)
    return monitor


def sample_in_cluster() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(json.dumps(SAMPLE))
    event["region"] = REGION
    event["detail"]["clusterArn"] = CLUSTER_ARN
    return event


def one(monitor: pulumi_mocks.RecordingMonitor, typ: str) -> pulumi_mocks.RecordedResource:
    (resource,) = monitor.of_type(typ)
    return resource


def output_of(monitor: pulumi_mocks.RecordingMonitor, typ: str, key: str) -> str:
    """An output the mock answered for the one resource of type `typ`."""
    return str(one(monitor, typ).outputs[key])


def test_children_are_named_from_the_component_and_parented_to_it(deployed):
    monitor = deployed
    component = monitor.by_name("alerts")
    assert component.type == "ecs-event-patterns:index:StoppedTaskAlerts"
    children = [r for r in monitor.recorded if r.urn != component.urn]
    assert {r.type for r in children} >= {
        "aws:kms/key:Key",
        "aws:kms/alias:Alias",
        "aws:kms/keyPolicy:KeyPolicy",
        "aws:sns/topic:Topic",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:sqs/queue:Queue",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
    }
    for child in children:
        assert child.name.startswith("alerts-"), child.name
        assert child.parent == component.urn, child.name


@pulumi.runtime.test
def test_outputs_are_the_topic_key_and_rule(monitor):
    alerts = build()

    def check(values: list[str]) -> None:
        topic_arn, key_arn, rule_arn = values
        assert topic_arn == one(monitor, "aws:sns/topic:Topic").outputs["arn"]
        assert key_arn == one(monitor, "aws:kms/key:Key").outputs["arn"]
        assert rule_arn.startswith(f"arn:aws:events:{REGION}:{ACCOUNT}:rule/alerts-rule-")
        assert topic_arn.startswith(f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts-topic-")

    return pulumi.Output.all(alerts.topic_arn, alerts.key_arn, alerts.rule.arn).apply(check)


def test_register_outputs_carries_the_real_outputs(deployed):
    component = deployed.by_name("alerts")
    assert deployed.registered_outputs[component.urn] == {
        "topicArn": one(deployed, "aws:sns/topic:Topic").outputs["arn"],
        "keyArn": one(deployed, "aws:kms/key:Key").outputs["arn"],
        "ruleArn": one(deployed, "aws:cloudwatch/eventRule:EventRule").outputs["arn"],
    }


def test_topic_is_encrypted_with_a_rotating_customer_key(deployed):
    monitor = deployed
    key = one(monitor, "aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    topic = one(monitor, "aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert topic.inputs["displayName"] == "ECS alerts alerts"
    alias = one(monitor, "aws:kms/alias:Alias")
    assert alias.inputs["namePrefix"] == "alias/alerts-"
    assert alias.inputs["targetKeyId"] == key.outputs["keyId"]


def test_key_policy_lets_the_account_admin_and_the_publishers_use_the_key(deployed):
    monitor = deployed
    topic_arn = output_of(monitor, "aws:sns/topic:Topic", "arn")
    policy = one(monitor, "aws:kms/keyPolicy:KeyPolicy")
    assert policy.inputs["keyId"] == one(monitor, "aws:kms/key:Key").outputs["keyId"]
    context = {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "EventBridgePublishesToAlertTopic",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": context},
            },
            {
                "Sid": "CloudWatchAlarmsPublishToAlertTopic",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {**context, "aws:SourceAccount": ACCOUNT},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
                },
            },
        ],
    }


def test_topic_policy_admits_only_the_rule_and_this_accounts_alarms(deployed):
    monitor = deployed
    topic_arn = output_of(monitor, "aws:sns/topic:Topic", "arn")
    rule_arn = output_of(monitor, "aws:cloudwatch/eventRule:EventRule", "arn")
    policy = one(monitor, "aws:sns/topicPolicy:TopicPolicy")
    assert policy.inputs["arn"] == topic_arn
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["OwnerAccountManagesTopic"] == {
        "Sid": "OwnerAccountManagesTopic",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": [
            "sns:AddPermission",
            "sns:DeleteTopic",
            "sns:GetTopicAttributes",
            "sns:ListSubscriptionsByTopic",
            "sns:Publish",
            "sns:RemovePermission",
            "sns:SetTopicAttributes",
            "sns:Subscribe",
        ],
        "Resource": topic_arn,
    }
    assert statements["StoppedTaskRulePublishes"] == {
        "Sid": "StoppedTaskRulePublishes",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {
            "ArnEquals": {"aws:SourceArn": [rule_arn]},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    assert statements["AccountAlarmsPublish"] == {
        "Sid": "AccountAlarmsPublish",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {
            "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    assert statements["DenyInsecureTransport"] == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert len(statements) == 4


def test_one_email_subscription_per_address(deployed):
    monitor = deployed
    topic_arn = output_of(monitor, "aws:sns/topic:Topic", "arn")
    subscriptions = monitor.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted((s.name, s.inputs["endpoint"]) for s in subscriptions) == sorted(
        (subscription_name("alerts", email), email) for email in EMAILS
    )
    assert all(s.inputs["protocol"] == "email" and s.inputs["topic"] == topic_arn for s in subscriptions)
    assert all("@" not in s.name for s in subscriptions)


def test_rule_matches_stopped_tasks_of_this_cluster_only(deployed):
    monitor = deployed
    rule = one(monitor, "aws:cloudwatch/eventRule:EventRule")
    assert "eventBusName" not in rule.inputs or rule.inputs["eventBusName"] in ("", "default")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["detail"]["clusterArn"] == [CLUSTER_ARN]
    event = sample_in_cluster()
    assert matches(pattern, event)
    event["detail"]["clusterArn"] = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/other"
    assert not matches(pattern, event)


@pulumi.runtime.test
def test_rule_follows_the_service_scheduler_filter(monitor):
    kept = StoppedTaskAlerts(
        "kept",
        StoppedTaskAlertsArgs(CLUSTER_ARN, AlertSettings(ignore_service_scheduler_stops=False)),
    )
    dropped = StoppedTaskAlerts("dropped", StoppedTaskAlertsArgs(CLUSTER_ARN, AlertSettings()))

    def check(_: object) -> None:
        event = sample_in_cluster()
        event["detail"].update(group="service:web", stopCode="ServiceSchedulerInitiated")
        patterns = {
            r.name: json.loads(r.inputs["eventPattern"])
            for r in monitor.of_type("aws:cloudwatch/eventRule:EventRule")
        }
        assert matches(patterns["kept-rule"], event)
        assert not matches(patterns["dropped-rule"], event)

    return pulumi.Output.all(kept.rule.arn, dropped.rule.arn).apply(check)


def test_target_publishes_a_readable_message_with_retries_and_a_dead_letter_queue(deployed):
    monitor = deployed
    topic_arn = output_of(monitor, "aws:sns/topic:Topic", "arn")
    rule_name = output_of(monitor, "aws:cloudwatch/eventRule:EventRule", "name")
    target = one(monitor, "aws:cloudwatch/eventTarget:EventTarget")
    queue = one(monitor, "aws:sqs/queue:Queue")
    assert target.inputs["rule"] == rule_name
    assert target.inputs["arn"] == topic_arn
    assert target.inputs["retryPolicy"] == {"maximumRetryAttempts": 185, "maximumEventAgeInSeconds": 3600}
    assert target.inputs["deadLetterConfig"] == {"arn": queue.outputs["arn"]}
    assert {
        monitor.by_name("alerts-topic-policy").urn,
        monitor.by_name("alerts-key-policy").urn,
    } <= set(target.dependencies)
    transformer = target.inputs["inputTransformer"]
    text = apply_input_transformer(
        transformer["inputPaths"], transformer["inputTemplate"], sample_in_cluster(), quote_bare_strings=False
    )
    lines = text.split("\n")
    assert lines[2:5] == [
        "Stop code: EssentialContainerExited",
        "Reason: Essential container in task exited",
        f"Cluster: {CLUSTER_ARN}",
    ]
    assert "Container 1: app exit code 1 " in lines
    assert lines[-1] == (
        "Console (stopped tasks of this cluster): "
        f"https://{REGION}.console.aws.amazon.com/ecs/v2/clusters/jobs/tasks?region={REGION}"
    )


def test_dead_letter_queue_is_encrypted_and_only_the_rule_may_send(deployed):
    monitor = deployed
    rule_arn = output_of(monitor, "aws:cloudwatch/eventRule:EventRule", "arn")
    queue = one(monitor, "aws:sqs/queue:Queue")
    assert queue.name == "alerts-dead-letters"
    # Renamed from alerts-dlq: the alias keeps the deployed queue and its messages.
    assert [alias.rsplit("::", 1)[1] for alias in queue.aliases] == ["alerts-dlq"]
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert queue.inputs["messageRetentionSeconds"] == 1209600
    policy = monitor.by_name("alerts-dead-letters-policy")
    assert [alias.rsplit("::", 1)[1] for alias in policy.aliases] == ["alerts-dlq-policy"]
    assert policy.inputs["queueUrl"] == queue.outputs["url"]
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "EventRuleSendsFailedEvents",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue.outputs["arn"],
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": queue.outputs["arn"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]


def test_own_rule_and_dead_letter_queue_alarm_to_the_topic(deployed):
    monitor = deployed
    topic_arn = output_of(monitor, "aws:sns/topic:Topic", "arn")
    rule_name = output_of(monitor, "aws:cloudwatch/eventRule:EventRule", "name")
    rule_alarm = monitor.by_name("alerts-failed-invocations")
    metrics = {q["id"]: q.get("metric") for q in rule_alarm.inputs["metricQueries"]}
    assert metrics["failed"]["metricName"] == "FailedInvocations"
    assert metrics["failed"]["dimensions"] == {"RuleName": rule_name}
    assert rule_alarm.inputs["alarmActions"] == [topic_arn]
    dlq_alarm = monitor.by_name("alerts-dead-letters-waiting")
    assert dlq_alarm.inputs["dimensions"] == {
        "QueueName": one(monitor, "aws:sqs/queue:Queue").outputs["name"]
    }
    assert dlq_alarm.inputs["okActions"] == [topic_arn]


def test_bad_cluster_arn_is_rejected_before_any_resource(monitor):
    with pytest.raises(ValueError, match="cluster_arn: 'jobs' is not an ECS cluster ARN"):
        StoppedTaskAlerts("alerts", StoppedTaskAlertsArgs(cluster_arn="jobs", settings=AlertSettings()))
    assert monitor.recorded == []


def test_duplicate_addresses_are_rejected_before_any_resource(monitor):
    with pytest.raises(ValueError, match=r'emails\[1\]: "Ops@Example.com" is listed twice'):
        StoppedTaskAlerts(
            "alerts",
            StoppedTaskAlertsArgs(
                cluster_arn=CLUSTER_ARN, settings=AlertSettings(emails=("ops@example.com", "Ops@Example.com"))
            ),
        )
    assert monitor.recorded == []


@pulumi.runtime.test
def test_cluster_arn_may_be_an_output(monitor):
    cluster = pulumi.Output.from_input(CLUSTER_ARN)
    alerts = StoppedTaskAlerts("alerts", StoppedTaskAlertsArgs(cluster_arn=cluster))

    def check(_: str) -> None:
        pattern = json.loads(one(monitor, "aws:cloudwatch/eventRule:EventRule").inputs["eventPattern"])
        assert pattern["detail"]["clusterArn"] == [CLUSTER_ARN]
        assert monitor.of_type("aws:sns/topicSubscription:TopicSubscription") == []

    return alerts.rule.arn.apply(check)
