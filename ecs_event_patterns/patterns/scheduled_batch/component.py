"""Pattern 2, scheduled batch: EventBridge Scheduler -> one Fargate task per run -> reports in S3.

A schedule in its own group starts the `report` worker, which processes what is new under the input prefix
and writes a report under the output prefix. Failed starts are retried, then kept in a dead-letter queue
(Scheduler sends there with the schedule's own role); both failures raise alarms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks import alarms
from ecs_event_patterns.blocks.dead_letter import dead_letter_queue, retry_policy
from ecs_event_patterns.blocks.run_task_target import fargate_placement, run_task_role
from ecs_event_patterns.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from ecs_event_patterns.config.settings import BatchSettings
from ecs_event_patterns.iam import grants, principals
from ecs_event_patterns.iam.documents import Statement
from ecs_event_patterns.patterns import job_pattern
from ecs_event_patterns.patterns.job_pattern import JobPattern, JobPatternArgs

WORKER = "report"
"""services/Dockerfile target and container name."""

# Contract with services.report: its settings, fixed per deployment.
BUCKET_VARIABLE = "BUCKET"
INPUT_PREFIX_VARIABLE = "INPUT_PREFIX"
OUTPUT_PREFIX_VARIABLE = "OUTPUT_PREFIX"
CONCURRENCY_VARIABLE = "CONCURRENCY"


CHECKPOINT_MARKERS = "state/done/"
"""Under the output prefix, one marker object per finished input (ecs_runtime.batch.checkpoint)."""


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
class ScheduledBatchArgs(JobPatternArgs):
    settings: BatchSettings = field(default_factory=BatchSettings)
    """Schedule, time zone, window, prefixes, concurrency, task size, retries; each default is documented on
    `BatchSettings`."""


def check_args(name: str, args: ScheduledBatchArgs) -> None:
    """The checks every job pattern makes; BatchSettings checks the schedule and prefixes itself."""
    job_pattern.check_args(f"ScheduledBatch {name}", args, args.settings, BatchSettings)


class ScheduledBatch(JobPattern):
    """Bucket, report worker task, a schedule in its own group that starts it, and its alarms.

    Besides the children every `JobPattern` exposes, its own `schedule` and `schedule_group`.
    """

    schedule: aws.scheduler.Schedule
    """Starts one task per run."""
    schedule_group: aws.scheduler.ScheduleGroup
    """The pattern's own group: the scheduler role's trust names it, and Scheduler's metrics are per group."""
    schedule_arn: pulumi.Output[str]

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
        task = self._worker_task(
            name,
            args,
            settings,
            worker=WORKER,
            environment={
                BUCKET_VARIABLE: bucket.bucket_name,
                INPUT_PREFIX_VARIABLE: settings.input_prefix,
                OUTPUT_PREFIX_VARIABLE: settings.output_prefix,
                CONCURRENCY_VARIABLE: str(settings.concurrency),
            },
            task_role_statements=report_task_statements(bucket.arn, settings),
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

        job_outputs = self._expose_job(bucket=bucket, dead_letter_queue=dead_letters, task=task)
        self.schedule = schedule
        self.schedule_group = group
        self.schedule_arn = schedule.arn
        self.register_outputs({**job_outputs, "scheduleArn": self.schedule_arn})
