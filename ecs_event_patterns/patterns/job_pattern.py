"""What the three job patterns (upload processing, scheduled batch, queue workers) share: the args they all
take, the check those args get, and the children each exposes under the same names.

Each pattern's module has its own `check_args(name, args)`, called before any child is created; it starts
with `check_args` here and adds what only that pattern can check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.image import build_problem
from ecs_event_patterns.blocks.secure_bucket import SecureBucket
from ecs_event_patterns.blocks.task import TaskPlatform, WorkerTask, WorkerTaskArgs
from ecs_event_patterns.config.container import ContainerSettings
from ecs_event_patterns.config.needs import Needs, partition_problems
from ecs_event_patterns.config.settings import DataSettings, FargateSize, JobPatternSettings, SettingsError
from ecs_event_patterns.iam import arns
from ecs_event_patterns.iam.documents import Statement
from ecs_event_patterns.iam.job_needs import needs_statements


class JobSettings(Protocol):
    """What every job pattern's settings say about its task."""

    @property
    def size(self) -> FargateSize: ...
    @property
    def stop_timeout_seconds(self) -> int: ...
    @property
    def needs(self) -> Needs: ...
    @property
    def container(self) -> ContainerSettings: ...


@dataclass(frozen=True, kw_only=True)
class JobPatternArgs:
    """What every job pattern's args carry besides its own `settings`."""

    platform: TaskPlatform
    """Cluster, subnets and security groups the tasks run in."""
    data: DataSettings = field(default_factory=DataSettings)
    """Deletion protection and PITR of a results table, and `retain_on_delete` for the data bucket (and
    the image repository, deleted with its images unless retained). Defaults: `DataSettings`."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic that receives the pattern's alarms (`StoppedTaskAlerts.topic_arn`)."""


def check_args(component: str, args: JobPatternArgs, settings: JobSettings, settings_type: type) -> None:
    """Each field of the expected type (a mistake of the caller, named here), settings that enable the
    pattern, a real topic ARN, and a team's build that Docker can run (its context, Dockerfile and target
    exist)."""
    for name, value, expected in (
        ("settings", settings, settings_type),
        ("platform", args.platform, TaskPlatform),
        ("data", args.data, DataSettings),
    ):
        if not isinstance(value, expected):
            raise TypeError(f"{component}: {name} is a {type(value).__name__}, not a {expected.__name__}")
    if isinstance(settings, JobPatternSettings) and not settings.enabled:
        # `enabled` is the stack's switch (`queue.enabled`); building the pattern anyway would contradict it.
        raise ValueError(
            f"{component}: settings.enabled is false, so this pattern is not to be deployed; leave the "
            "component out of the program instead of creating it"
        )
    topic = args.alarm_topic_arn
    # An Output is checked by AWS once it is known.
    if isinstance(topic, str) and not arns.is_topic_arn(topic):
        raise ValueError(f"{component}: alarm_topic_arn {topic!r} is not an SNS topic ARN")
    build = settings.container.build
    problem = None if build is None else build_problem(build)
    if problem is not None:
        raise ValueError(f"{component}: settings.container.build: {problem}")


def _partition_checked(name: str, named: list[tuple[str, str]], partition: str) -> str:
    problems = list(partition_problems(iter(named), partition, f"the stack's partition is {partition}"))
    if problems:
        raise SettingsError(problems, subject=f"{name}: settings.needs")
    return partition


class JobPattern(pulumi.ComponentResource):
    """A worker task that a trigger starts, its data bucket and its dead-letter queue.

    The key children are typed attributes with the same names in every job pattern, so a team's program can
    add a grant (a `RolePolicy` on `task_role`) or an alarm (on `dead_letter_queue.name`) without editing
    the component, as CDK's patterns allow. Each pattern adds its own (table, rule, schedule, queue,
    service).
    """

    bucket: aws.s3.Bucket
    """The pattern's data bucket: private, encrypted, TLS only, versioned."""
    dead_letter_queue: aws.sqs.Queue
    """Keeps what the trigger could not start, or the workers could not process, for 14 days."""
    task_definition: aws.ecs.TaskDefinition
    """The worker's Fargate task definition."""
    task_role: aws.iam.Role
    """The worker's own AWS permissions."""
    execution_role: aws.iam.Role
    """The ECS agent's: pull the image, write its logs, read the container's secrets."""
    log_group: aws.cloudwatch.LogGroup
    """The worker's logs."""
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    dead_letter_queue_url: pulumi.Output[str]
    dead_letter_queue_arn: pulumi.Output[str]
    image_uri: pulumi.Output[str]
    """What the task runs: a built image pinned by digest, or the existing image's reference as given."""
    task_definition_arn: pulumi.Output[str]

    def _worker_task(
        self,
        name: str,
        args: JobPatternArgs,
        settings: JobSettings,
        *,
        worker: str,
        environment: Mapping[str, pulumi.Input[str]],
        task_role_statements: Sequence[Statement],
    ) -> WorkerTask:
        """The pattern's WorkerTask f"{name}-{worker}", sized and stopped as its settings say; its task role
        gets the pattern's own statements, then those of the job's needs."""
        return WorkerTask(
            f"{name}-{worker}",
            WorkerTaskArgs(
                worker=worker,
                platform=args.platform,
                # `pulumi destroy` deletes a repository that still holds images only where data may go.
                force_delete_images=not args.data.retain_on_delete,
                size=settings.size,
                stop_timeout_seconds=settings.stop_timeout_seconds,
                environment=environment,
                task_role_statements=[*task_role_statements, *self._needs_statements(name, settings.needs)],
                container=settings.container,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _needs_statements(self, name: str, needs: Needs) -> list[Statement]:
        """The needs' statements, each resource list held until the stack's partition is known and matches
        every ARN the needs name. The stack config checks that against `aws:region` before any resource;
        this is the check for a program without it (or with a provider of its own): it fails the preview."""
        statements = needs_statements(needs)
        named = list(needs.named_arns())
        if not named:
            return statements
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        checked = partition.apply(lambda stack_partition: _partition_checked(name, named, stack_partition))
        return [
            {**statement, "Resource": pulumi.Output.all(checked, statement["Resource"]).apply(lambda v: v[1])}
            for statement in statements
        ]

    def _expose_job(
        self, *, bucket: SecureBucket, dead_letter_queue: aws.sqs.Queue, task: WorkerTask
    ) -> dict[str, pulumi.Output[str]]:
        """Set the attributes every job pattern has; return their outputs for `register_outputs`."""
        self.bucket = bucket.bucket
        self.dead_letter_queue = dead_letter_queue
        self.task_definition = task.task_definition
        self.task_role = task.task_role
        self.execution_role = task.execution_role
        self.log_group = task.log_group
        self.bucket_name = bucket.bucket_name
        self.bucket_arn = bucket.arn
        self.dead_letter_queue_url = dead_letter_queue.url
        self.dead_letter_queue_arn = dead_letter_queue.arn
        self.image_uri = task.image_uri
        self.task_definition_arn = task.task_definition.arn
        return {
            "bucketName": self.bucket_name,
            "bucketArn": self.bucket_arn,
            "deadLetterQueueUrl": self.dead_letter_queue_url,
            "deadLetterQueueArn": self.dead_letter_queue_arn,
            "imageUri": self.image_uri,
            "taskDefinitionArn": self.task_definition_arn,
        }
