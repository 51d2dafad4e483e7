"""Every invoke inside a component goes to the component's provider, never to the default one.

A component built with an explicit provider (another region or account) whose invokes lack `parent=self`
would read the partition, region or account of the default provider and build ARNs of the wrong place.
"""

import pulumi
import pulumi_aws as aws
import pytest

from ecs_event_patterns.blocks.cluster import EcsCluster
from ecs_event_patterns.blocks.network import TaskNetwork
from ecs_event_patterns.blocks.task import TaskPlatform
from ecs_event_patterns.config.settings import NetworkMode, NetworkSettings
from ecs_event_patterns.patterns.queue_workers import QueueWorkers, QueueWorkersArgs
from ecs_event_patterns.patterns.scheduled_batch import ScheduledBatch, ScheduledBatchArgs
from ecs_event_patterns.patterns.stopped_task_alerts import StoppedTaskAlerts, StoppedTaskAlertsArgs
from ecs_event_patterns.patterns.upload_processing import UploadProcessing, UploadProcessingArgs
from tools import pulumi_mocks

CLUSTER_NAME = "jobs"
CLUSTER_ARN = f"arn:aws:ecs:eu-west-1:{pulumi_mocks.DEFAULT_ACCOUNT_ID}:cluster/{CLUSTER_NAME}"
TOPIC_ARN = f"arn:aws:sns:eu-west-1:{pulumi_mocks.DEFAULT_ACCOUNT_ID}:alerts"
PLATFORM = TaskPlatform(
    cluster_arn=CLUSTER_ARN, subnet_ids=["subnet-1"], security_group_ids=["sg-1"], assign_public_ip=False
)


def build_all(opts: pulumi.ResourceOptions) -> None:
    """Every component of the project (both network modes), each with the same explicit provider."""
    TaskNetwork("isolated", NetworkSettings(mode=NetworkMode.ISOLATED_VPC), opts=opts)
    TaskNetwork("default", NetworkSettings(mode=NetworkMode.DEFAULT_VPC), opts=opts)
    EcsCluster("ecs", opts=opts)
    StoppedTaskAlerts("alerts", StoppedTaskAlertsArgs(cluster_arn=CLUSTER_ARN), opts=opts)
    UploadProcessing("upload", UploadProcessingArgs(platform=PLATFORM, alarm_topic_arn=TOPIC_ARN), opts=opts)
    ScheduledBatch("batch", ScheduledBatchArgs(platform=PLATFORM, alarm_topic_arn=TOPIC_ARN), opts=opts)
    QueueWorkers(
        "queue",
        QueueWorkersArgs(platform=PLATFORM, cluster_name=CLUSTER_NAME, alarm_topic_arn=TOPIC_ARN),
        opts=opts,
    )


@pytest.mark.parametrize("option", ["provider", "providers"])
def test_every_invoke_uses_the_provider_given_to_the_component(
    monitor: pulumi_mocks.RecordingMonitor, option: str
) -> None:
    def program() -> None:
        other = aws.Provider("other-region", region="eu-west-1")
        if option == "provider":
            build_all(pulumi.ResourceOptions(provider=other))
        else:
            build_all(pulumi.ResourceOptions(providers={"aws": other}))

    pulumi_mocks.run(program)

    [provider] = monitor.of_type("pulumi:providers:aws")
    calls = monitor.recording_mocks.calls
    tokens = {call.token for call in calls}
    # The invokes the components make today; a new one is covered as soon as it exists.
    assert {
        "aws:index/getPartition:getPartition",
        "aws:index/getRegion:getRegion",
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getAvailabilityZones:getAvailabilityZones",
        "aws:ec2/getVpcEndpointService:getVpcEndpointService",
        "aws:ec2/getVpc:getVpc",
        "aws:ec2/getSubnets:getSubnets",
    } <= tokens
    wrong = sorted({call.token for call in calls if call.provider != f"{provider.urn}::{provider.id}"})
    assert wrong == []
