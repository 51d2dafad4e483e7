"""ARNs components take as plain strings, parsed in one place, with an error that shows the expected form.

An argument may also be a `pulumi.Output`; callers parse those inside `apply`, or leave them to AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/(?P<name>[A-Za-z0-9_-]{1,255})$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")


def cluster_name(cluster_arn: str) -> str:
    """`example` from `arn:aws:ecs:us-east-1:123456789012:cluster/example`; a clear error otherwise."""
    match = _CLUSTER_ARN.match(cluster_arn)
    if match is None:
        raise ValueError(
            f"cluster_arn: {cluster_arn!r} is not an ECS cluster ARN"
            " (arn:aws:ecs:<region>:<account>:cluster/<name>)"
        )
    return match["name"]


def cluster_task_arns(cluster_arn: str) -> str:
    """Every task of the cluster: `arn:aws:ecs:r:a:cluster/NAME` -> `arn:aws:ecs:r:a:task/NAME/*`."""
    name = cluster_name(cluster_arn)
    return cluster_arn.removesuffix(f":cluster/{name}") + f":task/{name}/*"


def is_topic_arn(value: str) -> bool:
    return _TOPIC_ARN.match(value) is not None


PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
"""The partitions this project deploys to (`aws.get_partition` answers one of them, by region)."""

_ARN = re.compile(
    r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.+)$"
)


@dataclass(frozen=True)
class Arn:
    """The parts of `arn:<partition>:<service>:<region>:<account>:<resource>`."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse(value: str) -> Arn | None:
    match = _ARN.match(value)
    return None if match is None else Arn(**match.groupdict())


def partition_of_region(region: str) -> str | None:
    """The partition of a region, as `aws.get_partition` answers there; None for a region of a partition
    this project does not deploy to (the isolated `us-iso-*` regions, the European Sovereign Cloud)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if "-iso" in region or region.startswith("eusc-"):
        return None
    return "aws"


@dataclass(frozen=True)
class ArnKind:
    """What one kind of resource's ARN looks like, for the message that shows a reader the expected form."""

    what: str
    service: str
    resource: re.Pattern[str]
    example: str
    regional: bool = True
    """S3 bucket ARNs have neither region nor account."""
    hint: str = ""
    """What a reader most likely got wrong, said when the value is not this kind's ARN."""


_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")

BUCKET = ArnKind(
    "an S3 bucket ARN",
    "s3",
    re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    "arn:aws:s3:::team-data",
    regional=False,
)
TABLE = ArnKind(
    "a DynamoDB table ARN",
    "dynamodb",
    re.compile(r"^table/[A-Za-z0-9_.-]{3,255}$"),
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
)
QUEUE = ArnKind(
    "an SQS queue ARN",
    "sqs",
    re.compile(r"^[A-Za-z0-9_-]{1,80}(\.fifo)?$"),
    "arn:aws:sqs:us-east-1:123456789012:orders",
)
TOPIC = ArnKind(
    "an SNS topic ARN",
    "sns",
    re.compile(r"^[A-Za-z0-9_-]{1,256}(\.fifo)?$"),
    "arn:aws:sns:us-east-1:123456789012:orders",
)
SECRET = ArnKind(
    "a Secrets Manager secret ARN",
    "secretsmanager",
    # The full ARN ends in the 6 characters AWS appends to the name; `-??????` stands for them.
    re.compile(r"^secret:[A-Za-z0-9/_+=.@-]+-([A-Za-z0-9]{6}|\?{6})$"),
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-AbCdEf",
    hint="a secret's ARN ends in the 6 characters AWS appends to its name (copy it from the console or "
    "`aws secretsmanager describe-secret`), or in `-??????` to stand for them",
)
PARAMETER = ArnKind(
    "an SSM parameter ARN",
    "ssm",
    re.compile(r"^parameter/[A-Za-z0-9_.-][A-Za-z0-9_./-]{0,2047}$"),
    "arn:aws:ssm:us-east-1:123456789012:parameter/orders/api-url",
)
KEY = ArnKind(
    "a KMS key ARN",
    "kms",
    re.compile(r"^key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"),
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
)


def arn_problem(value: str, *kinds: ArnKind) -> str | None:
    """Why `value` is not an ARN of one of `kinds` in a known partition (the whole message), or None."""
    arn = parse(value)
    matching = [
        kind
        for kind in kinds
        if arn is not None
        and arn.service == kind.service
        and kind.resource.match(arn.resource)
        and (
            (_REGION.match(arn.region) and _ACCOUNT.match(arn.account))
            if kind.regional
            else not (arn.region or arn.account)
        )
    ]
    expected = " or ".join(f"{kind.what} such as {kind.example}" for kind in kinds)
    if not matching:
        hints = [kind.hint for kind in kinds if kind.hint and arn is not None and arn.service == kind.service]
        if kinds == (BUCKET,) and BUCKET.resource.match(value):
            hints.append(f'for the bucket "{value}" write "arn:aws:s3:::{value}" (arn:aws-cn:s3::: in China)')
        return f'"{value}" is not {expected}' + "".join(f"; {hint}" for hint in hints)
    return partition_problem(value)


def partition_problem(value: str) -> str | None:
    """Why the partition of ARN `value` is not one this project deploys to, or None."""
    arn = parse(value)
    if arn is not None and arn.partition in PARTITIONS:
        return None
    found = f"partition {arn.partition!r}" if arn is not None else "no partition"
    return f'"{value}" has {found}; allowed: {", ".join(PARTITIONS)}'
