"""ARNs the components parse: the cluster's name and tasks, and what an SNS topic ARN looks like."""

import pytest

from ecs_event_patterns.iam import arns

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
