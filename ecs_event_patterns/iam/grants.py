"""IAM statements for one resource and one need, with exact actions and exact ARNs.

Like CDK's `grantRead`/`grantConsumeMessages`, but as pure functions returning statements, so a test can
assert the exact action list and resource of every grant without any Pulumi runtime. ARNs may be
`pulumi.Output`s; `ecs_event_patterns.iam.documents.policy_document` renders the statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from ecs_event_patterns.iam import arns, principals
from ecs_event_patterns.iam.documents import Statement

# What the queue runtime calls, proven by `make demo`'s least-privilege check: CDK's grantConsumeMessages
# adds sqs:GetQueueUrl and sqs:GetQueueAttributes, which a worker given QUEUE_URL never needs.
QUEUE_CONSUMER_ACTIONS = ("sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage")
IMAGE_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
TASK_PROTECTION_ACTIONS = ("ecs:UpdateTaskProtection",)
"""The worker sets its protection and never reads it back (ecs:GetTaskProtection)."""


def allow(actions: Sequence[str], resources: Sequence[pulumi.Input[str]], **condition: Any) -> Statement:
    statement: Statement = {"Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
    if condition:
        statement["Condition"] = condition
    return statement


def _under(bucket_arn: pulumi.Input[str], prefix: str) -> pulumi.Output[str]:
    return pulumi.Output.concat(bucket_arn, "/", prefix, "*")


def read_objects(
    bucket_arn: pulumi.Input[str], prefix: str = "", *, versions: bool = False
) -> list[Statement]:
    """Read objects under `prefix`; `versions` also allows reading a named version (GetObject?versionId)."""
    actions = ["s3:GetObject", "s3:GetObjectVersion"] if versions else ["s3:GetObject"]
    return [allow(actions, [_under(bucket_arn, prefix)])]


def list_objects(bucket_arn: pulumi.Input[str], prefixes: Sequence[str] = ("",)) -> list[Statement]:
    """List keys under `prefixes` only: ListBucket is a bucket-level action, narrowed by `s3:prefix`."""
    return [allow(["s3:ListBucket"], [bucket_arn], StringLike={"s3:prefix": [f"{p}*" for p in prefixes]})]


def write_objects(bucket_arn: pulumi.Input[str], prefix: str = "") -> list[Statement]:
    """Create objects under `prefix` (multipart uploads included, so a failed one can be aborted)."""
    return [allow(["s3:PutObject", "s3:AbortMultipartUpload"], [_under(bucket_arn, prefix)])]


def table_items(table_arn: pulumi.Input[str], actions: Sequence[str]) -> list[Statement]:
    """Item-level DynamoDB actions on one table (not its indexes or streams)."""
    unknown = [action for action in actions if not action.startswith("dynamodb:")]
    if unknown:
        raise ValueError(f"table_items: {unknown} are not DynamoDB actions")
    return [allow(actions, [table_arn])]


def consume_messages(queue_arn: pulumi.Input[str]) -> list[Statement]:
    """Receive, extend, delete (CDK's grantConsumeMessages less its two lookups). Our queues use SQS-managed
    keys (SSE-SQS), so no KMS grant is needed; a customer-managed key would also need `kms:Decrypt`."""
    return [allow(QUEUE_CONSUMER_ACTIONS, [queue_arn])]


def send_messages(queue_arn: pulumi.Input[str]) -> list[Statement]:
    return [allow(["sqs:SendMessage"], [queue_arn])]


def protect_own_tasks(cluster_arn: pulumi.Input[str]) -> list[Statement]:
    """Scale-in protection for tasks of one cluster (the worker protects itself while busy)."""
    task_arns = pulumi.Output.from_input(cluster_arn).apply(arns.cluster_task_arns)
    return [allow(TASK_PROTECTION_ACTIONS, [task_arns])]


def pull_image(repository_arn: pulumi.Input[str]) -> list[Statement]:
    """Execution role: pull from one repository. GetAuthorizationToken supports no resource, hence `*`."""
    return [
        allow(IMAGE_PULL_ACTIONS, [repository_arn]),
        allow(["ecr:GetAuthorizationToken"], ["*"]),
    ]


def write_logs(log_group_arn: pulumi.Input[str]) -> list[Statement]:
    """Execution role: the awslogs driver writes streams of one log group."""
    streams = pulumi.Output.concat(log_group_arn, ":log-stream:*")
    return [allow(["logs:CreateLogStream", "logs:PutLogEvents"], [streams])]


def run_task(
    task_definition_family_arn: pulumi.Input[str], cluster_arn: pulumi.Input[str]
) -> list[Statement]:
    """EventBridge/Scheduler role: start any revision of one task definition family, on one cluster only."""
    revisions = pulumi.Output.concat(task_definition_family_arn, ":*")
    return [allow(["ecs:RunTask"], [revisions], ArnEquals={"ecs:cluster": cluster_arn})]


def pass_roles(role_arns: Sequence[pulumi.Input[str]]) -> list[Statement]:
    """Hand exactly these roles to ECS tasks, and to nothing else."""
    return [
        allow(
            ["iam:PassRole"],
            role_arns,
            StringEquals={"iam:PassedToService": principals.ECS_TASKS},
        )
    ]
