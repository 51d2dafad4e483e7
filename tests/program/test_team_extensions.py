"""A team's own program extends the patterns through their exposed children, without editing a component."""

import json
import runpy
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from ecs_event_patterns.blocks.alarms import PERIOD_SECONDS
from ecs_event_patterns.iam import grants
from ecs_event_patterns.iam.documents import policy_document
from tools import pulumi_mocks
from tools.stack_program import ROOT, install_stack

JOB_CHILDREN: dict[str, type[pulumi.Resource]] = {
    "bucket": aws.s3.Bucket,
    "dead_letter_queue": aws.sqs.Queue,
    "task_definition": aws.ecs.TaskDefinition,
    "task_role": aws.iam.Role,
    "execution_role": aws.iam.Role,
    "log_group": aws.cloudwatch.LogGroup,
}
"""What every job pattern exposes, under the same names."""

EXPOSED: dict[str, dict[str, type[pulumi.Resource]]] = {
    "upload": {**JOB_CHILDREN, "table": aws.dynamodb.Table, "rule": aws.cloudwatch.EventRule},
    "batch": {
        **JOB_CHILDREN,
        "schedule": aws.scheduler.Schedule,
        "schedule_group": aws.scheduler.ScheduleGroup,
    },
    "queue": {**JOB_CHILDREN, "queue": aws.sqs.Queue, "service": aws.ecs.Service},
    "alerts": {
        "topic": aws.sns.Topic,
        "key": aws.kms.Key,
        "rule": aws.cloudwatch.EventRule,
        "dead_letter_queue": aws.sqs.Queue,
    },
}
"""Top-level component in `__main__.py` -> attribute -> resource class."""


def team_program() -> dict[str, Any]:
    """The project's program, then what a team adds in its own: a grant for the queue worker's task role to
    read the upload results table, and an alarm on the age of the oldest message in the work queue."""
    stack = runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
    queue, upload, alerts = stack["queue"], stack["upload"], stack["alerts"]
    aws.iam.RolePolicy(
        "team-worker-reads-results",
        role=queue.task_role.id,
        policy=policy_document(grants.table_items(upload.table.arn, ["dynamodb:GetItem"])),
    )
    aws.cloudwatch.MetricAlarm(
        "team-oldest-message",
        namespace="AWS/SQS",
        metric_name="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": queue.queue.name},
        statistic="Maximum",
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=900,
        alarm_actions=[alerts.topic.arn],
    )
    return stack


@pytest.fixture(scope="module")
def team() -> tuple[pulumi_mocks.RecordingMonitor, dict[str, Any]]:
    monitor = install_stack("dev")
    program: dict[str, Any] = {}
    pulumi_mocks.run(lambda: program.update(team_program()))
    return monitor, program


def test_a_grant_attaches_to_the_exposed_task_role(team):
    monitor, _ = team
    policy = monitor.by_name("team-worker-reads-results")
    role = monitor.by_name("queue-worker-task-role")
    table = monitor.by_name("upload-results")

    assert policy.inputs["role"] == role.outputs["name"]
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": [table.outputs["arn"]]}
        ],
    }
    # The component's own policy on that role is untouched: the grant is added, not merged in.
    assert "dynamodb" not in monitor.by_name("queue-worker-task-policy").inputs["policy"]


def test_an_alarm_watches_the_exposed_queue(team):
    monitor, _ = team
    alarm = monitor.by_name("team-oldest-message")

    assert alarm.inputs["dimensions"] == {"QueueName": monitor.by_name("queue-queue").outputs["name"]}
    assert alarm.inputs["metricName"] == "ApproximateAgeOfOldestMessage"
    assert alarm.inputs["alarmActions"] == [monitor.by_name("alerts-topic").outputs["arn"]]


@pytest.mark.parametrize("component", sorted(EXPOSED))
def test_each_pattern_exposes_its_key_children_by_the_same_names(team, component: str):
    monitor, program = team
    pattern = program[component]
    urns = {resource.urn for resource in monitor.recorded}
    pattern_urn = monitor.by_name(component).urn

    for attribute, resource_class in EXPOSED[component].items():
        child = getattr(pattern, attribute)
        assert isinstance(child, resource_class), (component, attribute)
        # The registered child itself, somewhere below this component (not a copy, not another's).
        urn = pulumi_mocks.resolve(child.urn)
        assert urn in urns
        assert urn.split("::")[2].startswith(pattern_urn.split("::")[2]), (component, attribute, urn)
    # Each is documented where a reader looks: an annotation on the class (or its JobPattern base).
    annotated = {name for cls in type(pattern).__mro__ for name in getattr(cls, "__annotations__", {})}
    assert set(EXPOSED[component]) <= annotated
