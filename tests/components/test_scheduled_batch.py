"""ScheduledBatch under the recording mock: the schedule, its role, the report task's grants and alarms."""

import json
from typing import Any

import pytest

from ecs_event_patterns.blocks.task import TaskPlatform
from ecs_event_patterns.config.settings import BatchSettings, DataSettings, TargetRetry
from ecs_event_patterns.patterns.scheduled_batch.component import ScheduledBatch, ScheduledBatchArgs
from tests.support.run_task import (
    deploy_and_read,
    direct_children,
    policy_statements,
    run_task_statements,
    service_trust,
)
from tools import pulumi_mocks
from tools.pulumi_mocks import RecordingMonitor

ACCOUNT = pulumi_mocks.DEFAULT_ACCOUNT_ID
CLUSTER = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/jobs"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"

PLATFORM = TaskPlatform(
    cluster_arn=CLUSTER,
    subnet_ids=["subnet-0a", "subnet-0b"],
    security_group_ids=["sg-0tasks"],
    assign_public_ip=True,
)
SETTINGS = BatchSettings(
    schedule="cron(30 6 ? * MON-FRI *)",
    timezone="Europe/Berlin",
    flexible_window_minutes=15,
    input_prefix="landing/",
    output_prefix="reports/daily/",
    concurrency=4,
    retry=TargetRetry(max_attempts=1, max_event_age_seconds=900),
)


OUTPUTS = (
    "bucket_name",
    "bucket_arn",
    "schedule_arn",
    "dead_letter_queue_url",
    "dead_letter_queue_arn",
    "image_uri",
    "task_definition_arn",
)


def deploy(**overrides: Any) -> dict[str, Any]:
    """Runs the component to the end; returns its outputs as resolved values."""
    values: dict[str, Any] = {"settings": SETTINGS, "platform": PLATFORM, "alarm_topic_arn": TOPIC}
    values.update(overrides)
    return deploy_and_read(lambda: ScheduledBatch("batch", ScheduledBatchArgs(**values)), OUTPUTS)


def test_schedule_starts_the_report_task_on_time_in_its_zone(monitor: RecordingMonitor):
    outputs = deploy()
    schedule = monitor.by_name("batch-schedule")
    group = monitor.by_name("batch-schedules")
    definition = monitor.by_name("batch-report-definition")
    queue = monitor.by_name("batch-dead-letters")

    assert schedule.inputs["groupName"] == group.outputs["name"]
    assert schedule.inputs["scheduleExpression"] == "cron(30 6 ? * MON-FRI *)"
    assert schedule.inputs["scheduleExpressionTimezone"] == "Europe/Berlin"
    assert schedule.inputs["flexibleTimeWindow"] == {"mode": "FLEXIBLE", "maximumWindowInMinutes": 15}
    assert schedule.inputs["state"] == "ENABLED"
    assert schedule.inputs["target"] == {
        "arn": CLUSTER,
        "roleArn": monitor.by_name("batch-scheduler-role").outputs["arn"],
        "ecsParameters": {
            "taskDefinitionArn": definition.outputs["arn"],
            "launchType": "FARGATE",
            "platformVersion": "LATEST",
            "taskCount": 1,
            "networkConfiguration": {
                "subnets": ["subnet-0a", "subnet-0b"],
                "securityGroups": ["sg-0tasks"],
                "assignPublicIp": True,
            },
        },
        "retryPolicy": {"maximumRetryAttempts": 1, "maximumEventAgeInSeconds": 900},
        "deadLetterConfig": {"arn": queue.outputs["arn"]},
    }
    assert monitor.by_name("batch-scheduler-policy").urn in schedule.dependencies
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert outputs == {
        "bucket_name": monitor.by_name("batch-data-bucket").outputs["bucket"],
        "bucket_arn": monitor.by_name("batch-data-bucket").outputs["arn"],
        "schedule_arn": schedule.outputs["arn"],
        "dead_letter_queue_url": queue.outputs["url"],
        "dead_letter_queue_arn": queue.outputs["arn"],
        "image_uri": monitor.by_name("batch-report-image-image").outputs["imageUri"],
        "task_definition_arn": definition.outputs["arn"],
    }


def test_flexible_window_off_starts_on_time(monitor: RecordingMonitor):
    deploy(settings=BatchSettings())
    schedule = monitor.by_name("batch-schedule").inputs

    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    assert (schedule["scheduleExpression"], schedule["scheduleExpressionTimezone"]) == ("rate(1 hour)", "UTC")


def test_scheduler_role_is_trusted_for_this_group_only(monitor: RecordingMonitor):
    deploy()
    group_arn = monitor.by_name("batch-schedules").outputs["arn"]
    role = monitor.by_name("batch-scheduler-role")
    family = monitor.by_name("batch-report-definition").outputs["arnWithoutRevision"]

    assert family == f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/ecs-event-patterns-dev-batch-report"
    assert group_arn.startswith(f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/batch-schedules-")
    assert json.loads(role.inputs["assumeRolePolicy"]) == service_trust("scheduler.amazonaws.com", group_arn)
    assert monitor.by_name("batch-scheduler-policy").inputs["role"] == role.outputs["name"]
    assert policy_statements(monitor, "batch-scheduler-policy") == [
        *run_task_statements(monitor, "batch-report", CLUSTER),
        # Scheduler delivers dead letters with the schedule's role, not through a queue policy.
        {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [monitor.by_name("batch-dead-letters").outputs["arn"]],
        },
    ]
    dead_letters = monitor.by_name("batch-dead-letters").outputs
    [queue_policy] = monitor.of_type("aws:sqs/queuePolicy:QueuePolicy")
    assert queue_policy.name == "batch-dead-letters-policy"
    assert queue_policy.inputs["queueUrl"] == dead_letters["url"]
    assert [statement["Effect"] for statement in json.loads(queue_policy.inputs["policy"])["Statement"]] == [
        "Deny"
    ]


def test_report_task_may_list_input_and_markers_read_input_and_write_output_only(monitor: RecordingMonitor):
    deploy()
    bucket = monitor.by_name("batch-data-bucket").outputs
    arn = bucket["arn"]

    assert policy_statements(monitor, "batch-report-task-policy") == [
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [arn],
            "Condition": {"StringLike": {"s3:prefix": ["landing/*", "reports/daily/state/done/*"]}},
        },
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{arn}/landing/*"]},
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": [f"{arn}/reports/daily/*"],
        },
    ]
    [container] = json.loads(monitor.by_name("batch-report-definition").inputs["containerDefinitions"])
    assert container["name"] == "report"
    assert container["environment"] == [
        {"name": "BUCKET", "value": bucket["bucket"]},
        {"name": "CONCURRENCY", "value": "4"},
        {"name": "INPUT_PREFIX", "value": "landing/"},
        {"name": "OUTPUT_PREFIX", "value": "reports/daily/"},
    ]
    execution = policy_statements(monitor, "batch-report-execution-policy")
    log_group_arn = monitor.by_name("batch-report-logs").outputs["arn"]
    assert execution[-1] == {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [f"{log_group_arn}:log-stream:*"],
    }
    assert not monitor.of_type("aws:s3/bucketNotification:BucketNotification")


def test_alarms_go_to_the_topic(monitor: RecordingMonitor):
    deploy()
    failures = monitor.by_name("batch-failed-invocations").inputs
    waiting = monitor.by_name("batch-dead-letters-waiting").inputs
    group_name = monitor.by_name("batch-schedules").outputs["name"]

    assert failures["alarmActions"] == [TOPIC]
    metrics = [query["metric"] for query in failures["metricQueries"] if "metric" in query]
    assert {metric["namespace"] for metric in metrics} == {"AWS/Scheduler"}
    assert all(metric["dimensions"] == {"ScheduleGroup": group_name} for metric in metrics)
    assert waiting["alarmActions"] == [TOPIC]
    assert waiting["dimensions"] == {"QueueName": monitor.by_name("batch-dead-letters").outputs["name"]}


@pytest.mark.parametrize("retain", [False, True])
def test_bucket_retention_follows_the_data_settings(monitor: RecordingMonitor, retain: bool):
    deploy(data=DataSettings(retain_on_delete=retain))

    assert monitor.by_name("batch-data-bucket").retain_on_delete is retain
    assert monitor.by_name("batch-data-bucket").inputs["forceDestroy"] is not retain


def test_children_are_named_from_and_parented_to_the_component(monitor: RecordingMonitor):
    deploy()
    assert direct_children(monitor, "batch", "ecs-event-patterns:index:ScheduledBatch") == {
        "batch-data",
        "batch-report",
        "batch-schedules",
        "batch-dead-letters",
        "batch-dead-letters-policy",
        "batch-scheduler-role",
        "batch-scheduler-policy",
        "batch-schedule",
        "batch-failed-invocations",
        "batch-dead-letters-waiting",
    }


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"settings": {"schedule": "rate(1 hour)"}}, TypeError, r"settings is a dict, not a BatchSettings"),
        ({"data": None}, TypeError, r"ScheduledBatch batch: data is a NoneType, not a DataSettings"),
        (
            {"settings": BatchSettings(enabled=False)},
            ValueError,
            r"ScheduledBatch batch: settings.enabled is false, so this pattern is not to be deployed",
        ),
        (
            {"alarm_topic_arn": "arn:aws:sqs:us-east-1:123456789012:alerts"},
            ValueError,
            r"alarm_topic_arn 'arn:aws:sqs:us-east-1:123456789012:alerts' is not an SNS topic ARN",
        ),
    ],
)
def test_invalid_args_fail_before_any_child(
    monitor: RecordingMonitor, overrides: dict[str, Any], error: type[Exception], message: str
):
    with pytest.raises(error, match=message):
        deploy(**overrides)
    assert monitor.recorded == []


def test_outputs_are_registered_last_with_real_values(monitor: RecordingMonitor):
    outputs = deploy()

    registered = monitor.registered_outputs[monitor.by_name("batch").urn]
    assert registered == {
        "bucketName": outputs["bucket_name"],
        "bucketArn": outputs["bucket_arn"],
        "scheduleArn": outputs["schedule_arn"],
        "deadLetterQueueUrl": outputs["dead_letter_queue_url"],
        "deadLetterQueueArn": outputs["dead_letter_queue_arn"],
        "imageUri": outputs["image_uri"],
        "taskDefinitionArn": outputs["task_definition_arn"],
    }
    assert all(isinstance(value, str) and value for value in registered.values())


def test_settings_and_data_default_to_the_documented_values():
    defaults = ScheduledBatchArgs(platform=PLATFORM, alarm_topic_arn=TOPIC)

    assert defaults.settings == BatchSettings()
    assert defaults.data == DataSettings()
