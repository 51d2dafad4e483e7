"""text-jobs: a team's own jobs on two patterns of ecs-event-patterns, each with its own handler and image.

- Upload processing: each text file uploaded under `incoming/` (.txt, .md) gets a result item with its
  lines, words and characters (`textstats.upload:WORD_COUNT`, image target `word-count`).
- Queue workers: a `publish_stats` message names a text file under `input/` of the queue's data bucket;
  its counts are published, signed, under `text-stats/` of the team's own bucket
  (`textstats.publish:handlers`, image target `publish-stats`). Its one extra need: write there. Its one
  secret: the signing key, an SSM parameter ECS injects as SIGNING_KEY.
- Stopped-task alerts for both jobs' tasks, to the team's on-call address.

Both images are built from this directory's Dockerfile, FROM the job runtime's base image.
"""

import pulumi

from ecs_event_patterns.blocks.cluster import EcsCluster
from ecs_event_patterns.blocks.network import TaskNetwork
from ecs_event_patterns.blocks.task import TaskPlatform
from ecs_event_patterns.config.container import ContainerSettings, ImageBuild
from ecs_event_patterns.config.needs import Needs, ObjectAccess
from ecs_event_patterns.config.settings import (
    AlertSettings,
    NetworkMode,
    NetworkSettings,
    QueueSettings,
    UploadSettings,
)
from ecs_event_patterns.patterns.queue_workers import QueueWorkers, QueueWorkersArgs
from ecs_event_patterns.patterns.stopped_task_alerts import StoppedTaskAlerts, StoppedTaskAlertsArgs
from ecs_event_patterns.patterns.upload_processing import UploadProcessing, UploadProcessingArgs

PUBLISH_PREFIX = "text-stats/"
"""Where the queue job publishes in the team's bucket: its PUBLISH_PREFIX, and all it may write there."""

config = pulumi.Config()
runtime_image = config.require("runtime_image")
publish_bucket_arn = config.require("publish_bucket_arn")
signing_key_parameter_arn = config.require("signing_key_parameter_arn")
alert_emails: list[str] = config.get_object("alert_emails") or []


def image(target: str) -> ImageBuild:
    """One target of this directory's Dockerfile, FROM the runtime image the stack names."""
    return ImageBuild(
        context=".", dockerfile="Dockerfile", target=target, build_args={"RUNTIME_IMAGE": runtime_image}
    )


network = TaskNetwork("network", NetworkSettings(mode=NetworkMode.DEFAULT_VPC))
cluster = EcsCluster("jobs")
alerts = StoppedTaskAlerts(
    "alerts",
    StoppedTaskAlertsArgs(cluster_arn=cluster.arn, settings=AlertSettings(emails=tuple(alert_emails))),
)
platform = TaskPlatform(
    cluster_arn=cluster.arn,
    subnet_ids=network.subnet_ids,
    security_group_ids=[network.security_group_id],
    assign_public_ip=network.assign_public_ip,
)

word_count = UploadProcessing(
    "word-count",
    UploadProcessingArgs(
        settings=UploadSettings(
            key_prefix="incoming/",
            key_suffixes=(".txt", ".md"),
            container=ContainerSettings(build=image("word-count")),
        ),
        platform=platform,
        alarm_topic_arn=alerts.topic_arn,
    ),
)

publish_stats = QueueWorkers(
    "publish-stats",
    QueueWorkersArgs(
        settings=QueueSettings(
            max_tasks=2,
            container=ContainerSettings(
                build=image("publish-stats"),
                environment={
                    # The bucket's name from its ARN (`arn:<partition>:s3:::<name>`).
                    "PUBLISH_BUCKET": publish_bucket_arn.rsplit(":", 1)[-1],
                    "PUBLISH_PREFIX": PUBLISH_PREFIX,
                },
                secrets={"SIGNING_KEY": signing_key_parameter_arn},
            ),
            needs=Needs(write_objects=[ObjectAccess(bucket=publish_bucket_arn, prefix=PUBLISH_PREFIX)]),
        ),
        platform=platform,
        cluster_name=cluster.cluster_name,
        alarm_topic_arn=alerts.topic_arn,
    ),
)

pulumi.export("upload_bucket", word_count.bucket_name)
pulumi.export("results_table", word_count.table_name)
pulumi.export("queue_url", publish_stats.queue_url)
pulumi.export("queue_bucket", publish_stats.bucket_name)
pulumi.export("alert_topic_arn", alerts.topic_arn)
