"""UploadProcessing under the recording mock: the rule, its ECS target, every role, the table and alarms."""

import json
from pathlib import Path
from typing import Any

import pytest

from ecs_event_patterns.blocks.task import TaskPlatform
from ecs_event_patterns.config.settings import DataSettings, FargateSize, TargetRetry, UploadSettings
from ecs_event_patterns.patterns.upload_processing.component import UploadProcessing, UploadProcessingArgs
from tests.support.run_task import (
    deploy_and_read,
    direct_children,
    policy_statements,
    run_task_statements,
    service_trust,
)
from tools import pulumi_mocks
from tools.eventbridge import apply_input_transformer, matches
from tools.pulumi_mocks import RecordingMonitor

ACCOUNT = pulumi_mocks.DEFAULT_ACCOUNT_ID
CLUSTER = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/jobs"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
SAMPLE = json.loads((Path(__file__).parents[1] / "data" / "s3-object-created.json").read_text())
PROD_DATA = DataSettings(deletion_protection=True, point_in_time_recovery=True, retain_on_delete=True)

PLATFORM = TaskPlatform(
    cluster_arn=CLUSTER,
    subnet_ids=["subnet-0a", "subnet-0b"],
    security_group_ids=["sg-0tasks"],
    assign_public_ip=False,
    log_retention_days=90,
)


def args(**overrides: Any) -> UploadProcessingArgs:
    values: dict[str, Any] = {
        "settings": UploadSettings(
            size=FargateSize(cpu=512, memory=1024),
            retry=TargetRetry(max_attempts=5, max_event_age_seconds=7200),
        ),
        "platform": PLATFORM,
        "data": DataSettings(),
        "alarm_topic_arn": TOPIC,
    }
    values.update(overrides)
    return UploadProcessingArgs(**values)


OUTPUTS = (
    "bucket_name",
    "bucket_arn",
    "table_name",
    "table_arn",
    "rule_arn",
    "dead_letter_queue_url",
    "dead_letter_queue_arn",
    "image_uri",
    "task_definition_arn",
)


def deploy(upload_args: UploadProcessingArgs | None = None) -> dict[str, Any]:
    """Runs the component to the end; returns its outputs as resolved values."""
    return deploy_and_read(lambda: UploadProcessing("upload", upload_args or args()), OUTPUTS)


def upload_event(bucket: str, key: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(json.dumps(SAMPLE))
    event["region"], event["account"] = "us-east-1", ACCOUNT
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = key
    return event


def test_rule_matches_uploads_of_this_bucket_under_the_filter_only(monitor: RecordingMonitor):
    deploy()
    bucket = monitor.by_name("upload-uploads-bucket").outputs["bucket"]
    rule = monitor.by_name("upload-object-created").inputs
    pattern = json.loads(rule["eventPattern"])

    assert pattern == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [bucket]},
            "object": {"key": [{"wildcard": "incoming/*.csv"}, {"wildcard": "incoming/*.jsonl"}]},
        },
    }
    assert rule["state"] == "ENABLED"
    assert "eventBusName" not in rule  # the default bus, where S3 sends its events
    assert matches(pattern, upload_event(bucket, "incoming/my+report%C3%A9.csv"))
    assert matches(pattern, upload_event(bucket, "incoming/2026/11/rows.jsonl"))
    assert not matches(pattern, upload_event("someone-elses-bucket", "incoming/rows.csv"))
    assert not matches(pattern, upload_event(bucket, "archive/rows.csv"))
    assert not matches(pattern, upload_event(bucket, "incoming/rows.parquet"))
    other_type = upload_event(bucket, "incoming/rows.csv")
    other_type["detail-type"] = "Object Deleted"
    assert not matches(pattern, other_type)
    assert monitor.by_name("upload-uploads-notifications").inputs == {"bucket": bucket, "eventbridge": True}


def test_target_starts_the_ingest_task_with_the_object_as_environment(monitor: RecordingMonitor):
    outputs = deploy()
    target = monitor.by_name("upload-run-ingest")
    inputs = target.inputs
    rule = monitor.by_name("upload-object-created")
    definition = monitor.by_name("upload-ingest-definition")
    bucket = monitor.by_name("upload-uploads-bucket").outputs["bucket"]

    assert inputs["rule"] == rule.outputs["name"]
    assert inputs["arn"] == CLUSTER
    assert inputs["roleArn"] == monitor.by_name("upload-events-role").outputs["arn"]
    assert inputs["ecsTarget"] == {
        "taskDefinitionArn": definition.outputs["arn"],
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "taskCount": 1,
        "networkConfiguration": {
            "subnets": ["subnet-0a", "subnet-0b"],
            "securityGroups": ["sg-0tasks"],
            "assignPublicIp": False,
        },
    }
    assert outputs["task_definition_arn"] == definition.outputs["arn"]
    assert inputs["retryPolicy"] == {"maximumRetryAttempts": 5, "maximumEventAgeInSeconds": 7200}
    assert inputs["deadLetterConfig"] == {"arn": monitor.by_name("upload-dead-letters").outputs["arn"]}
    # The role must carry its policy before EventBridge first uses it.
    assert monitor.by_name("upload-events-policy").urn in target.dependencies

    transformer = inputs["inputTransformer"]
    event = upload_event(bucket, "incoming/my+report%C3%A9.csv")
    overrides = json.loads(
        apply_input_transformer(transformer["inputPaths"], transformer["inputTemplate"], event)
    )
    [container] = json.loads(definition.inputs["containerDefinitions"])
    assert overrides == {
        "containerOverrides": [
            {
                "name": container["name"],
                "environment": [
                    {"name": "BUCKET", "value": bucket},
                    {"name": "OBJECT_KEY", "value": "incoming/my+report%C3%A9.csv"},
                    {"name": "OBJECT_SIZE", "value": "5"},
                    {"name": "OBJECT_ETAG", "value": "b1946ac92492d2347c6235b4d2611184"},
                    {"name": "OBJECT_SEQUENCER", "value": "617f08299329d189"},
                    {"name": "OBJECT_VERSION_ID", "value": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"},
                ],
            }
        ]
    }
    assert container["name"] == "ingest"
    table_name = monitor.by_name("upload-results").outputs["name"]
    assert {"name": "RESULTS_TABLE", "value": table_name} in container["environment"]


def test_events_role_is_trusted_by_this_rule_only_and_may_start_only_this_task(monitor: RecordingMonitor):
    deploy()
    rule_arn = monitor.by_name("upload-object-created").outputs["arn"]
    role = monitor.by_name("upload-events-role")
    definition = monitor.by_name("upload-ingest-definition").outputs

    assert json.loads(role.inputs["assumeRolePolicy"]) == service_trust("events.amazonaws.com", rule_arn)
    assert monitor.by_name("upload-events-policy").inputs["role"] == role.outputs["name"]
    assert policy_statements(monitor, "upload-events-policy") == run_task_statements(
        monitor, "upload-ingest", CLUSTER
    )
    assert definition["arnWithoutRevision"] == (
        f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/ecs-event-patterns-dev-upload-ingest"
    )


def test_task_role_reads_uploads_under_the_prefix_and_writes_results(monitor: RecordingMonitor):
    deploy()
    bucket_arn = monitor.by_name("upload-uploads-bucket").outputs["arn"]
    table_arn = monitor.by_name("upload-results").outputs["arn"]

    assert policy_statements(monitor, "upload-ingest-task-policy") == [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": [f"{bucket_arn}/incoming/*"],
        },
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "Resource": [table_arn],
        },
    ]
    execution = policy_statements(monitor, "upload-ingest-execution-policy")
    assert [statement["Action"] for statement in execution] == [
        ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        ["ecr:GetAuthorizationToken"],
        ["logs:CreateLogStream", "logs:PutLogEvents"],
    ]
    log_group_arn = monitor.by_name("upload-ingest-logs").outputs["arn"]
    assert execution[2]["Resource"] == [f"{log_group_arn}:log-stream:*"]


def test_dead_letter_queue_takes_failed_events_of_this_rule_only(monitor: RecordingMonitor):
    outputs = deploy()
    queue = monitor.by_name("upload-dead-letters")
    rule_arn = monitor.by_name("upload-object-created").outputs["arn"]
    policy = monitor.by_name("upload-dead-letters-policy").inputs

    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert outputs["dead_letter_queue_url"] == queue.outputs["url"]
    assert policy["queueUrl"] == queue.outputs["url"]
    [send, deny] = json.loads(policy["policy"])["Statement"]
    assert send == {
        "Sid": "EventRuleSendsFailedEvents",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue.outputs["arn"],
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    assert deny["Effect"] == "Deny"


def test_alarms_go_to_the_topic(monitor: RecordingMonitor):
    deploy()
    failed = monitor.by_name("upload-failed-invocations").inputs
    waiting = monitor.by_name("upload-dead-letters-waiting").inputs

    assert failed["alarmActions"] == [TOPIC]
    metrics = [query["metric"] for query in failed["metricQueries"] if "metric" in query]
    assert {metric["metricName"] for metric in metrics} >= {"FailedInvocations"}
    rule_name = monitor.by_name("upload-object-created").outputs["name"]
    assert all(metric["dimensions"] == {"RuleName": rule_name} for metric in metrics)
    assert waiting["alarmActions"] == [TOPIC]
    assert waiting["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert waiting["dimensions"] == {"QueueName": monitor.by_name("upload-dead-letters").outputs["name"]}


@pytest.mark.parametrize(("data", "retained"), [(DataSettings(), False), (PROD_DATA, True)])
def test_results_table_follows_the_data_settings(
    monitor: RecordingMonitor, data: DataSettings, retained: bool
):
    outputs = deploy(args(data=data))
    table = monitor.by_name("upload-results")

    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert (table.inputs["hashKey"], table.inputs["rangeKey"]) == ("pk", "sk")
    assert table.inputs["attributes"] == [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}]
    assert table.inputs["serverSideEncryption"] == {"enabled": True}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": retained}
    assert table.inputs["deletionProtectionEnabled"] is retained
    assert table.retain_on_delete is retained
    assert monitor.by_name("upload-uploads-bucket").retain_on_delete is retained
    assert (outputs["table_name"], outputs["table_arn"]) == (table.outputs["name"], table.outputs["arn"])


CHILDREN = {
    "upload-uploads",
    "upload-results",
    "upload-ingest",
    "upload-object-created",
    "upload-dead-letters",
    "upload-dead-letters-policy",
    "upload-events-role",
    "upload-events-policy",
    "upload-run-ingest",
    "upload-failed-invocations",
    "upload-dead-letters-waiting",
}
"""The component's direct children, with the results table."""


def test_children_are_named_from_and_parented_to_the_component(monitor: RecordingMonitor):
    outputs = deploy()
    assert direct_children(monitor, "upload", "ecs-event-patterns:index:UploadProcessing") == CHILDREN
    assert outputs["bucket_name"] == monitor.by_name("upload-uploads-bucket").outputs["bucket"]
    assert outputs["bucket_arn"] == monitor.by_name("upload-uploads-bucket").outputs["arn"]
    assert outputs["rule_arn"] == monitor.by_name("upload-object-created").outputs["arn"]
    assert outputs["image_uri"] == monitor.by_name("upload-ingest-image-image").outputs["imageUri"]


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        (
            {"settings": "incoming/"},
            TypeError,
            r"UploadProcessing upload: settings is a str, not a UploadSettings",
        ),
        ({"platform": None}, TypeError, r"platform is a NoneType, not a TaskPlatform"),
        (
            {"settings": UploadSettings(enabled=False)},
            ValueError,
            r"UploadProcessing upload: settings.enabled is false, so this pattern is not to be deployed",
        ),
        ({"alarm_topic_arn": "alerts"}, ValueError, r"alarm_topic_arn 'alerts' is not an SNS topic ARN"),
    ],
)
def test_invalid_args_fail_before_any_child(
    monitor: RecordingMonitor, overrides: dict[str, Any], error: type[Exception], message: str
):
    with pytest.raises(error, match=message):
        pulumi_mocks.run(lambda: UploadProcessing("upload", args(**overrides)))
    assert monitor.recorded == []


def test_outputs_are_registered_last_with_real_values(monitor: RecordingMonitor):
    outputs = deploy()

    registered = monitor.registered_outputs[monitor.by_name("upload").urn]
    assert registered == {
        "bucketName": outputs["bucket_name"],
        "bucketArn": outputs["bucket_arn"],
        "tableName": outputs["table_name"],
        "tableArn": outputs["table_arn"],
        "ruleArn": outputs["rule_arn"],
        "deadLetterQueueUrl": outputs["dead_letter_queue_url"],
        "deadLetterQueueArn": outputs["dead_letter_queue_arn"],
        "imageUri": outputs["image_uri"],
        "taskDefinitionArn": outputs["task_definition_arn"],
    }
    assert all(isinstance(value, str) and value for value in registered.values())


def test_settings_and_data_default_to_the_documented_values():
    defaults = UploadProcessingArgs(platform=PLATFORM, alarm_topic_arn=TOPIC)

    assert defaults.settings == UploadSettings()
    assert defaults.data == DataSettings()
