"""Grant helpers: exact actions, exact ARNs, and conditions, rendered as the policy document AWS receives."""

import json

import pulumi
import pytest

from ecs_event_patterns.iam import arns, grants
from ecs_event_patterns.iam.documents import Statement, policy_document

BUCKET = "arn:aws:s3:::uploads-1a2b3c4"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs-1a2b3c4"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/results-1a2b3c4"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/main-1a2b3c4"


def render(statements: list[Statement]) -> pulumi.Output[dict]:
    return policy_document(statements).apply(json.loads)


@pulumi.runtime.test
def test_read_objects_is_scoped_to_the_prefix(monitor):
    def check(document: dict) -> None:
        assert document == {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{BUCKET}/incoming/*"]},
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                    "Resource": [f"{BUCKET}/*"],
                },
            ],
        }

    return render(
        [*grants.read_objects(BUCKET, "incoming/"), *grants.read_objects(BUCKET, versions=True)]
    ).apply(check)


@pulumi.runtime.test
def test_list_and_write_objects(monitor):
    def check(document: dict) -> None:
        assert document["Statement"] == [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [BUCKET],
                "Condition": {"StringLike": {"s3:prefix": ["input/*", "reports/state/*"]}},
            },
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": [f"{BUCKET}/reports/*"],
            },
        ]

    return render(
        [
            *grants.list_objects(BUCKET, ["input/", "reports/state/"]),
            *grants.write_objects(BUCKET, "reports/"),
        ]
    ).apply(check)


def test_consume_messages_grants_receive_extend_and_delete_only():
    assert grants.consume_messages(QUEUE) == [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
            ],
            "Resource": [QUEUE],
        }
    ]


def test_table_items_rejects_foreign_actions():
    assert grants.table_items(TABLE, ["dynamodb:PutItem"]) == [
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": [TABLE]}
    ]
    with pytest.raises(ValueError, match=r"\['s3:GetObject'\] are not DynamoDB actions"):
        grants.table_items(TABLE, ["dynamodb:PutItem", "s3:GetObject"])


@pulumi.runtime.test
def test_task_protection_is_limited_to_tasks_of_one_cluster(monitor):
    def check(document: dict) -> None:
        assert document["Statement"] == [
            {
                "Effect": "Allow",
                "Action": ["ecs:UpdateTaskProtection"],
                "Resource": ["arn:aws:ecs:us-east-1:123456789012:task/main-1a2b3c4/*"],
            }
        ]

    return render(grants.protect_own_tasks(CLUSTER)).apply(check)


def test_task_protection_rejects_a_non_cluster_arn():
    with pytest.raises(ValueError, match="is not an ECS cluster ARN"):
        arns.cluster_task_arns(QUEUE)


@pulumi.runtime.test
def test_run_task_and_pass_role_for_event_targets(monitor):
    family = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecs-event-patterns-dev-upload"
    task_role = "arn:aws:iam::123456789012:role/upload-task-role"
    execution_role = "arn:aws:iam::123456789012:role/upload-execution-role"

    def check(document: dict) -> None:
        assert document["Statement"] == [
            {
                "Effect": "Allow",
                "Action": ["ecs:RunTask"],
                "Resource": [f"{family}:*"],
                "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER}},
            },
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": [task_role, execution_role],
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
        ]

    return render([*grants.run_task(family, CLUSTER), *grants.pass_roles([task_role, execution_role])]).apply(
        check
    )


@pulumi.runtime.test
def test_execution_role_grants(monitor):
    repository = "arn:aws:ecr:us-east-1:123456789012:repository/upload-repository-1a2b3c4"
    log_group = "arn:aws:logs:us-east-1:123456789012:log-group:upload-logs-1a2b3c4"

    def check(document: dict) -> None:
        assert document["Statement"] == [
            {
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                "Resource": [repository],
            },
            # The one action without resource-level permissions.
            {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]},
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [f"{log_group}:log-stream:*"],
            },
        ]

    return render([*grants.pull_image(repository), *grants.write_logs(log_group)]).apply(check)
