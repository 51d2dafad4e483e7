"""ARNs the components parse: the cluster's name and tasks, and what an SNS topic ARN looks like."""

import pytest

from ecs_event_patterns.iam import arns
from tools import pulumi_mocks

CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/jobs"


@pytest.mark.parametrize(
    ("cluster_arn", "name", "tasks"),
    [
        (CLUSTER_ARN, "jobs", "arn:aws:ecs:us-east-1:123456789012:task/jobs/*"),
        (
            "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/main-1a2b3c4",
            "main-1a2b3c4",
            "arn:aws-cn:ecs:cn-north-1:123456789012:task/main-1a2b3c4/*",
        ),
    ],
)
def test_cluster_name_and_tasks_come_from_the_arn(cluster_arn: str, name: str, tasks: str):
    assert arns.cluster_name(cluster_arn) == name
    assert arns.cluster_task_arns(cluster_arn) == tasks


@pytest.mark.parametrize(
    "not_a_cluster",
    [
        "jobs",
        "arn:aws:ecs:us-east-1:123456789012:service/jobs/web",
        "arn:aws:sqs:us-east-1:123456789012:cluster/jobs",
        "arn:aws:ecs:us-east-1:123456789012:cluster/jobs/extra",
    ],
)
def test_what_is_not_a_cluster_arn_is_named_with_the_expected_form(not_a_cluster: str):
    expected_form = "(arn:aws:ecs:<region>:<account>:cluster/<name>)"
    with pytest.raises(ValueError, match="is not an ECS cluster ARN") as error:
        arns.cluster_name(not_a_cluster)
    assert str(error.value) == f"cluster_arn: '{not_a_cluster}' is not an ECS cluster ARN {expected_form}"
    with pytest.raises(ValueError, match="is not an ECS cluster ARN"):
        arns.cluster_task_arns(not_a_cluster)


def test_topic_arns():
    assert arns.is_topic_arn("arn:aws:sns:us-east-1:123456789012:alerts")
    assert arns.is_topic_arn("arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts.fifo")
    assert not arns.is_topic_arn("arn:aws:sqs:us-east-1:123456789012:alerts")
    assert not arns.is_topic_arn("alerts")


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", None),
        ("us-isob-east-1", None),
        ("eusc-de-east-1", None),
    ],
)
def test_the_partition_of_a_region_is_what_get_partition_answers_there(region: str, partition: str | None):
    assert arns.partition_of_region(region) == partition
    if partition is not None:  # the mock's get_partition answers the same
        assert pulumi_mocks.RecordingMocks(region=region).partition == partition


@pytest.mark.parametrize(
    ("value", "kinds", "problem"),
    [
        ("arn:aws:s3:::team-data", (arns.BUCKET,), None),
        ("arn:aws-us-gov:s3:::team-data", (arns.BUCKET,), None),
        ("arn:aws:s3:us-east-1:123456789012:team-data", (arns.BUCKET,), "is not an S3 bucket ARN"),
        ("arn:aws:s3:::team-data/in/", (arns.BUCKET,), "is not an S3 bucket ARN"),
        (
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/by-day",
            (arns.TABLE,),
            "is not a DynamoDB",
        ),
        ("arn:aws:sqs:us-east-1:1234:orders", (arns.QUEUE,), "is not an SQS queue ARN"),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????", (arns.SECRET,), None),
        ("arn:aws:kms:us-east-1:123456789012:key/mrk-" + "0" * 32, (arns.KEY,), None),
        ("arn:aws-iso:sqs:us-iso-east-1:123456789012:orders", (arns.QUEUE,), "has partition 'aws-iso'"),
    ],
)
def test_an_arn_of_a_kind(value: str, kinds: tuple[arns.ArnKind, ...], problem: str | None):
    found = arns.arn_problem(value, *kinds)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
