"""Pattern 2, scheduled batch: EventBridge Scheduler -> one Fargate task per run -> reports in S3.

A schedule in its own group starts the `report` worker, which processes what is new under the input prefix
and writes a report under the output prefix. Failed starts are retried, then kept in a dead-letter queue
(Scheduler sends there with the schedule's own role); both failures raise alarms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.blocks import alarms
from components.blocks.dead_letter import dead_letter_queue, retry_policy
from components.blocks.run_task_target import fargate_placement, run_task_role
from components.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from components.blocks.task import TaskPlatform, WorkerTask, WorkerTaskArgs
from components.config.settings import BatchSettings, DataSettings
from components.iam import grants, principals
from components.iam.documents import Statement
from components.patterns import pattern_args

WORKER = "report"
"""services/Dockerfile target and container name."""

# Contract with services.report: its settings, fixed per deployment.
BUCKET_VARIABLE = "BUCKET"
INPUT_PREFIX_VARIABLE = "INPUT_PREFIX"
OUTPUT_PREFIX_VARIABLE = "OUTPUT_PREFIX"
CONCURRENCY_VARIABLE = "CONCURRENCY"


CHECKPOINT_MARKERS = "state/done/"
"""Under the output prefix, one marker object per finished input (services/report/checkpoint.py)."""


def report_task_statements(bucket_arn: pulumi.Input[str], settings: BatchSettings) -> list[Statement]:
    """Everything the report worker may do: list and read its input; list its checkpoint markers and write
    markers and reports under the output prefix. Nothing else in the bucket."""
    return [
        *grants.list_objects(
            bucket_arn, [settings.input_prefix, settings.output_prefix + CHECKPOINT_MARKERS]
        ),
        *grants.read_objects(bucket_arn, settings.input_prefix),
        *grants.write_objects(bucket_arn, settings.output_prefix),
    ]


def flexible_time_window(minutes: int) -> aws.scheduler.ScheduleFlexibleTimeWindowArgs:
    """Scheduler's window: OFF starts on time; FLEXIBLE lets it start up to `minutes` late."""
    if minutes == 0:
        return aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF")
    return aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="FLEXIBLE", maximum_window_in_minutes=minutes)


@dataclass(frozen=True, kw_only=True)
class ScheduledBatchArgs:
    settings: BatchSettings = field(default_factory=BatchSettings)
    """Schedule, time zone, window, prefixes, concurrency, task size, retries; each default is documented on
    `BatchSettings`."""
    platform: TaskPlatform
    """Cluster, subnets and security groups the tasks run in."""
    data: DataSettings = field(default_factory=DataSettings)
    """Retention of the bucket (and whether the image repository is deleted with its images). Defaults:
    `DataSettings`."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic that receives the schedule-failure and dead-letter alarms."""


def check_args(name: str, args: ScheduledBatchArgs) -> None:
    """The checks every job pattern makes; BatchSettings checks the schedule and prefixes itself."""
    pattern_args.check_args(f"ScheduledBatch {name}", args, BatchSettings)


class ScheduledBatch(pulumi.ComponentResource):
    """Bucket, report worker task, a schedule in its own group that starts it, and its alarms."""

    bucket_name: pulumi.Output[str]
    schedule_arn: pulumi.Output[str]
    dead_letter_queue_url: pulumi.Output[str]
    image_uri: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ScheduledBatchArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(name, args)
        super().__init__("ecs-event-patterns:index:ScheduledBatch", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        bucket = SecureBucket(
            f"{name}-data", SecureBucketArgs(retain_on_delete=args.data.retain_on_delete), opts=child
        )
        task = WorkerTask(
            f"{name}-{WORKER}",
            WorkerTaskArgs(
                worker=WORKER,
                platform=args.platform,
                # `pulumi destroy` deletes a repository that still holds images only where data may go.
                force_delete_images=not args.data.retain_on_delete,
                size=settings.size,
                stop_timeout_seconds=settings.stop_timeout_seconds,
                environment={
                    BUCKET_VARIABLE: bucket.bucket_name,
                    INPUT_PREFIX_VARIABLE: settings.input_prefix,
                    OUTPUT_PREFIX_VARIABLE: settings.output_prefix,
                    CONCURRENCY_VARIABLE: str(settings.concurrency),
                },
                task_role_statements=report_task_statements(bucket.arn, settings),
            ),
            opts=child,
        )
        # A group of its own: the role's trust names it, and Scheduler's metrics are per group.
        group = aws.scheduler.ScheduleGroup(f"{name}-schedules", opts=child)
        dead_letters = dead_letter_queue(f"{name}-dead-letters", parent=self)
        scheduler_role = run_task_role(
            f"{name}-scheduler",
            service=principals.SCHEDULER,
            source_arn=group.arn,
            task=task,
            cluster_arn=args.platform.cluster_arn,
            extra_statements=grants.send_messages(dead_letters.arn),
            parent=self,
        )
        schedule = aws.scheduler.Schedule(
            f"{name}-schedule",
            group_name=group.name,
            description=f"Start the {WORKER} worker task",
            schedule_expression=settings.schedule,
            schedule_expression_timezone=settings.timezone,
            flexible_time_window=flexible_time_window(settings.flexible_window_minutes),
            state="ENABLED",
            target=aws.scheduler.ScheduleTargetArgs(
                arn=args.platform.cluster_arn,
                role_arn=scheduler_role.role.arn,
                ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
                    **fargate_placement(args.platform, task)
                ),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(**retry_policy(settings.retry)),
                dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dead_letters.arn),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[scheduler_role.policy]),
        )
        alarms.schedule_failures_alarm(
            f"{name}-failed-invocations",
            schedule_group=group.name,
            topic_arn=args.alarm_topic_arn,
            parent=self,
            former_name=f"{name}-schedule-failures",
        )
        alarms.dead_letter_queue_alarm(
            f"{name}-dead-letters-waiting",
            queue_name=dead_letters.name,
            topic_arn=args.alarm_topic_arn,
            parent=self,
        )

        self.bucket_name = bucket.bucket_name
        self.schedule_arn = schedule.arn
        self.dead_letter_queue_url = dead_letters.url
        self.image_uri = task.image.image_uri
        self.task_definition_arn = task.task_definition.arn
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "scheduleArn": self.schedule_arn,
                "deadLetterQueueUrl": self.dead_letter_queue_url,
                "imageUri": self.image_uri,
                "taskDefinitionArn": self.task_definition_arn,
            }
        )
