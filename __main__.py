"""ecs-event-patterns: the four event-driven Fargate patterns on one cluster, configured per stack.

This file only composes: stack config -> shared network, cluster and stopped-task alerts -> the job patterns
the stack enables -> exports of what was deployed.
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

# Each job pattern only where the stack enables it (`upload.enabled`, ...; at least one is, which the config
# checks), and its exports with it: an operator's script fails on a missing output, not on a stale one.
images: dict[str, pulumi.Output[str]] = {}

if settings.upload.enabled:
    upload = UploadProcessing(
        "upload",
        UploadProcessingArgs(
            settings=settings.upload, platform=platform, data=settings.data, alarm_topic_arn=alerts.topic_arn
        ),
    )
    pulumi.export("upload_bucket", upload.bucket_name)
    pulumi.export("upload_key_prefix", settings.upload.key_prefix)
    if upload.table_name is not None:  # `upload.store_results`
        pulumi.export("results_table", upload.table_name)
    images["ingest"] = upload.image_uri

if settings.batch.enabled:
    batch = ScheduledBatch(
        "batch",
        ScheduledBatchArgs(
            settings=settings.batch, platform=platform, data=settings.data, alarm_topic_arn=alerts.topic_arn
        ),
    )
    pulumi.export("batch_bucket", batch.bucket_name)
    pulumi.export("batch_schedule_arn", batch.schedule_arn)
    images["report"] = batch.image_uri

if settings.queue.enabled:
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
    pulumi.export("queue_url", queue.queue_url)
    pulumi.export("queue_dead_letter_url", queue.dead_letter_queue_url)
    pulumi.export("queue_bucket", queue.bucket_name)
    images["worker"] = queue.image_uri

pulumi.export("environment", settings.environment.value)
pulumi.export("cluster_name", cluster.cluster_name)
pulumi.export("alert_topic_arn", alerts.topic_arn)
pulumi.export("image_uris", images)
