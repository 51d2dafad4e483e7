"""The recording mock itself: realistic ARNs, and the resource graph that the stock mock monitor drops."""

import json

import pulumi
import pulumi_aws as aws
import pytest

from tools import pulumi_mocks


@pytest.fixture
def monitor() -> pulumi_mocks.RecordingMonitor:
    return pulumi_mocks.install(stack="dev", region="eu-west-1")


@pulumi.runtime.test
def test_records_parent_dependencies_and_realistic_arns(monitor: pulumi_mocks.RecordingMonitor):
    class Box(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("test:index:Box", name)
            self.queue = aws.sqs.Queue(f"{name}-queue", opts=pulumi.ResourceOptions(parent=self))
            self.topic = aws.sns.Topic(f"{name}-topic", opts=pulumi.ResourceOptions(parent=self))
            self.policy = aws.sqs.QueuePolicy(
                f"{name}-policy",
                queue_url=self.queue.url,
                policy=pulumi.Output.json_dumps({"Resource": self.queue.arn, "Source": self.topic.arn}),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.register_outputs({"queueArn": self.queue.arn})

    box = Box("box")

    def check(args: list[str]) -> None:
        queue_arn, queue_url, topic_arn, _ = args
        assert (
            queue_arn == f"arn:aws:sqs:eu-west-1:123456789012:box-queue-{pulumi_mocks._suffix('box-queue')}"
        )
        assert queue_url.startswith("https://sqs.eu-west-1.amazonaws.com/123456789012/box-queue-")
        assert topic_arn.startswith("arn:aws:sns:eu-west-1:123456789012:box-topic-")
        policy = monitor.by_name("box-policy")
        component = monitor.by_name("box")
        assert not component.custom
        assert policy.parent == component.urn
        assert json.loads(policy.inputs["policy"]) == {"Resource": queue_arn, "Source": topic_arn}
        assert set(policy.property_dependencies["policy"]) == {
            monitor.by_name("box-queue").urn,
            monitor.by_name("box-topic").urn,
        }

    return pulumi.Output.all(box.queue.arn, box.queue.url, box.topic.arn, box.policy.urn).apply(check)
