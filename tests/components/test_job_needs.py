"""A job's declared needs on each pattern's task role: the exact statements, after the pattern's own ones."""

import dataclasses
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from ecs_event_patterns.config.needs import Needs, ObjectAccess, RawStatement, SecretAccess, TableAccess
from ecs_event_patterns.patterns.queue_workers.component import QueueWorkers
from ecs_event_patterns.patterns.scheduled_batch.component import ScheduledBatch, ScheduledBatchArgs
from ecs_event_patterns.patterns.upload_processing.component import UploadProcessing
from tests.components import test_queue_workers, test_scheduled_batch, test_upload_processing
from tests.support.need_arns import (
    ACCOUNT,
    ARCHIVE_BUCKET,
    KEY,
    ORDERS,
    PARAMETER,
    QUEUE,
    SECRET,
    STATE_MACHINE,
    TEAM_BUCKET,
    TOPIC,
)
from tests.support.run_task import policy_statements
from tools import pulumi_mocks

CUSTOMERS = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/customers"
AUDIT = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/audit"

EVERY_NEED = Needs(
    read_objects=[ObjectAccess(bucket=TEAM_BUCKET, prefix="in/")],
    write_objects=[ObjectAccess(bucket=ARCHIVE_BUCKET, prefix="out/")],
    tables=[
        TableAccess(table=ORDERS, access="read", indexes=True),
        TableAccess(table=CUSTOMERS, access="write"),
        TableAccess(table=AUDIT, access="read-write"),
    ],
    send=[QUEUE],
    publish=[TOPIC],
    read_secrets=[SecretAccess(arn=SECRET, kms_key=KEY), SecretAccess(arn=PARAMETER)],
    statements=[
        RawStatement(
            Action="states:StartExecution",
            Resource=STATE_MACHINE,
            Condition={"StringEquals": {"aws:RequestTag/team": "orders"}},
        ),
        RawStatement(
            Sid="NoDelete", Effect="Deny", Action=["s3:DeleteObject"], Resource=[f"{TEAM_BUCKET}/*"]
        ),
    ],
)

READ = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
]
WRITE = ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
EVERY_NEED_STATEMENTS = [
    {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [TEAM_BUCKET], "Condition": {"StringLike": {"s3:prefix": ["in/*"]}}},
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{TEAM_BUCKET}/in/*"]},
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"], "Resource": [f"{ARCHIVE_BUCKET}/out/*"]},
    {"Effect": "Allow", "Action": READ, "Resource": [ORDERS]},
    {"Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:Scan"], "Resource": [f"{ORDERS}/index/*"]},
    {"Effect": "Allow", "Action": WRITE, "Resource": [CUSTOMERS]},
    {"Effect": "Allow", "Action": READ, "Resource": [AUDIT]},
    {"Effect": "Allow", "Action": WRITE, "Resource": [AUDIT]},
    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [QUEUE]},
    {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [TOPIC]},
    {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET]},
    {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY]},
    {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": [PARAMETER]},
    {
        "Effect": "Allow",
        "Action": ["states:StartExecution"],
        "Resource": [STATE_MACHINE],
        "Condition": {"StringEquals": {"aws:RequestTag/team": ["orders"]}},
    },
    {"Sid": "NoDelete", "Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": [f"{TEAM_BUCKET}/*"]},
]  # fmt: skip


def _upload(needs: Needs) -> pulumi.ComponentResource:
    settings = dataclasses.replace(test_upload_processing.args().settings, needs=needs)
    return UploadProcessing("upload", test_upload_processing.args(settings=settings))


def _batch(needs: Needs) -> pulumi.ComponentResource:
    settings = dataclasses.replace(test_scheduled_batch.SETTINGS, needs=needs)
    platform, topic = test_scheduled_batch.PLATFORM, test_scheduled_batch.TOPIC
    return ScheduledBatch(
        "batch", ScheduledBatchArgs(settings=settings, platform=platform, alarm_topic_arn=topic)
    )


def _queue(needs: Needs) -> pulumi.ComponentResource:
    settings = dataclasses.replace(test_queue_workers.SETTINGS, needs=needs)
    return QueueWorkers("jobs", test_queue_workers.args(settings=settings))


PATTERNS: dict[str, tuple[Callable[[Needs], pulumi.ComponentResource], str]] = {
    "upload": (_upload, "upload-ingest-task-policy"),
    "batch": (_batch, "batch-report-task-policy"),
    "queue": (_queue, "jobs-worker-task-policy"),
}


def task_statements(pattern: str, needs: Needs) -> list[dict[str, Any]]:
    monitor = pulumi_mocks.install(stack="dev", region="us-east-1")
    build, policy = PATTERNS[pattern]
    pulumi_mocks.run(lambda: build(needs))
    return policy_statements(monitor, policy)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_every_kind_of_need_becomes_its_exact_statements_after_the_patterns_own(pattern: str):
    own = task_statements(pattern, Needs())
    with_needs = task_statements(pattern, EVERY_NEED)

    assert own  # each pattern's own statements, pinned exactly in its own test module
    assert with_needs == own + EVERY_NEED_STATEMENTS


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        (
            Needs(read_objects=[ObjectAccess(bucket=TEAM_BUCKET)]),
            [
                {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [TEAM_BUCKET]},
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{TEAM_BUCKET}/*"]},
            ],
        ),
        (
            Needs(tables=[TableAccess(table=ORDERS)]),
            [{"Effect": "Allow", "Action": READ, "Resource": [ORDERS]}],
        ),
    ],
    ids=["whole-bucket-lists-without-condition", "table-read-without-indexes"],
)
def test_defaults_of_a_need(needs: Needs, expected: list[dict[str, Any]]):
    own = task_statements("queue", Needs())

    assert task_statements("queue", needs) == own + expected


def test_a_need_of_another_partition_than_the_stacks_fails_the_preview():
    """In code, without the stack config's `aws:region` check: the pattern compares with aws.get_partition."""
    monitor = pulumi_mocks.install(stack="dev", region="cn-north-1")
    settings = dataclasses.replace(test_queue_workers.SETTINGS, needs=Needs(publish=[TOPIC]))

    with pytest.raises(ValueError, match=r"jobs: settings\.needs: 1 problem") as caught:
        pulumi_mocks.run(lambda: QueueWorkers("jobs", test_queue_workers.args(settings=settings)))

    # The engine wraps the error raised in the policy's apply; its message is the program's error.
    assert (
        f'publish[0]: "{TOPIC}" is in partition aws, but the stack\'s partition is aws-cn; a role can '
        "only be granted resources of its own partition: write the ARN as arn:aws-cn:..."
    ) in str(caught.value)
    # The task policy is never registered: its document never resolves.
    assert not any(r.name == "jobs-worker-task-policy" for r in monitor.recorded)
