"""ecs-event-patterns: the four event-driven Fargate patterns on one cluster, configured per stack.

This file only composes: stack config -> shared network and cluster -> the four patterns -> exports.
Every setting comes from `Pulumi.<stack>.yaml`, parsed and validated once by `load_stack_config()`
before any resource is created.
"""

import pulumi

from ecs_event_patterns.blocks.cluster import EcsCluster
from ecs_event_patterns.blocks.network import TaskNetwork
from ecs_event_patterns.blocks.task import TaskPlatform
from ecs_event_patterns.config.stack_config import load_stack_config
from ecs_event_patterns.patterns.queue_workers import QueueWorkers, QueueWorkersArgs
from ecs_event_patterns.patterns.scheduled_batch import ScheduledBatch, ScheduledBatchArgs
from ecs_event_patterns.patterns.stopped_task_alerts import StoppedTaskAlerts, StoppedTaskAlertsArgs
from ecs_event_patterns.patterns.upload_processing import UploadProcessing, UploadProcessingArgs

settings = load_stack_config()

network = TaskNetwork("network", settings.network)
cluster = EcsCluster("ecs")
alerts = StoppedTaskAlerts("alerts", StoppedTaskAlertsArgs(cluster_arn=cluster.arn, settings=settings.alerts))

platform = TaskPlatform(
    cluster_arn=cluster.arn,
    subnet_ids=network.subnet_ids,
    security_group_ids=[network.security_group_id],
    assign_public_ip=network.assign_public_ip,
    cpu_architecture=settings.cpu_architecture,
    log_retention_days=settings.logs.retention_days,
)

upload = UploadProcessing(
    "upload",
    UploadProcessingArgs(
        settings=settings.upload, platform=platform, data=settings.data, alarm_topic_arn=alerts.topic_arn
    ),
)
batch = ScheduledBatch(
    "batch",
    ScheduledBatchArgs(
        settings=settings.batch, platform=platform, data=settings.data, alarm_topic_arn=alerts.topic_arn
    ),
)
queue = QueueWorkers(
    "queue",
    QueueWorkersArgs(
        settings=settings.queue,
        platform=platform,
        cluster_name=cluster.cluster_name,
        alarm_topic_arn=alerts.topic_arn,
        data=settings.data,
    ),
)

pulumi.export("environment", settings.environment.value)
pulumi.export("cluster_name", cluster.cluster_name)
pulumi.export("alert_topic_arn", alerts.topic_arn)
pulumi.export("upload_bucket", upload.bucket_name)
pulumi.export("upload_key_prefix", settings.upload.key_prefix)
pulumi.export("results_table", upload.table_name)
pulumi.export("batch_bucket", batch.bucket_name)
pulumi.export("batch_schedule_arn", batch.schedule_arn)
pulumi.export("queue_url", queue.queue_url)
pulumi.export("queue_dead_letter_url", queue.dead_letter_queue_url)
pulumi.export("queue_bucket", queue.bucket_name)
pulumi.export(
    "image_uris",
    {"ingest": upload.image_uri, "report": batch.image_uri, "worker": queue.image_uri},
)
