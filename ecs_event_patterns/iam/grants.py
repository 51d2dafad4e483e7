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
    """List keys under `prefixes` only: ListBucket is a bucket-level action, narrowed by `s3:prefix`. An
    empty prefix is the whole bucket: no condition, since a listing without a prefix has no `s3:prefix`."""
    if "" in prefixes:
        return [allow(["s3:ListBucket"], [bucket_arn])]
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


TABLE_READ_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
"""CDK's grantReadData less `dynamodb:DescribeTable` (a lookup no item read needs) and the stream reads
(`GetRecords`, `GetShardIterator`, which act on the stream's ARN, not the table's)."""
TABLE_WRITE_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
"""CDK's grantWriteData less `dynamodb:DescribeTable`. Deletes stay: BatchWriteItem deletes too."""
INDEX_READ_ACTIONS = ("dynamodb:Query", "dynamodb:Scan")
"""The only item actions that act on an index (`table/<name>/index/<index>`)."""


def read_items(table_arn: pulumi.Input[str], *, indexes: bool = False) -> list[Statement]:
    """Get, batch-get, query and scan items of one table; `indexes`: query and scan its indexes too."""
    statements = table_items(table_arn, TABLE_READ_ACTIONS)
    if indexes:
        statements.append(allow(INDEX_READ_ACTIONS, [pulumi.Output.concat(table_arn, "/index/*")]))
    return statements


def write_items(table_arn: pulumi.Input[str]) -> list[Statement]:
    """Put, update, delete and batch-write items of one table."""
    return table_items(table_arn, TABLE_WRITE_ACTIONS)


def consume_messages(queue_arn: pulumi.Input[str]) -> list[Statement]:
    """Receive, extend, delete (CDK's grantConsumeMessages less its two lookups). Our queues use SQS-managed
    keys (SSE-SQS), so no KMS grant is needed; a customer-managed key would also need `kms:Decrypt`."""
    return [allow(QUEUE_CONSUMER_ACTIONS, [queue_arn])]


def send_messages(queue_arn: pulumi.Input[str]) -> list[Statement]:
    return [allow(["sqs:SendMessage"], [queue_arn])]


def publish_messages(topic_arn: pulumi.Input[str]) -> list[Statement]:
    """Publish to one topic (what CDK's grantPublish gives)."""
    return [allow(["sns:Publish"], [topic_arn])]


def read_secret_value(secret_arn: pulumi.Input[str]) -> list[Statement]:
    """Read one Secrets Manager secret: CDK's grantRead less `secretsmanager:DescribeSecret`, a lookup of
    its metadata that reading the value does not need."""
    return [allow(["secretsmanager:GetSecretValue"], [secret_arn])]


def read_parameter(parameter_arn: pulumi.Input[str]) -> list[Statement]:
    """Read one SSM parameter, by GetParameter or GetParameters (SDKs call either to read one): CDK's
    grantRead less `ssm:DescribeParameters` (account-wide) and `ssm:GetParameterHistory` (old values)."""
    return [allow(["ssm:GetParameter", "ssm:GetParameters"], [parameter_arn])]


def decrypt_with(key_arn: pulumi.Input[str]) -> list[Statement]:
    """Decrypt with one KMS key, for a secret or parameter under a customer-managed key. CDK's grantRead
    adds a `kms:ViaService` condition naming the service's regional endpoint; the endpoint's domain differs
    by partition, so this grant names only the exact key."""
    return [allow(["kms:Decrypt"], [key_arn])]


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


def inject_parameters(parameter_arns: Sequence[pulumi.Input[str]]) -> list[Statement]:
    """Execution role: ECS reads these SSM parameters into a container's `secrets` at task start, with
    GetParameters only (a task role's `read_parameter` also allows GetParameter, which SDKs call)."""
    return [allow(["ssm:GetParameters"], parameter_arns)] if parameter_arns else []


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
