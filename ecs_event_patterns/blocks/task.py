"""The building block every pattern shares: a worker's image, roles, log group and Fargate task definition.

A pattern adds only its trigger and its grants: it hands `task_role_statements` in, and gets back the task
definition and the two roles (separate task and execution roles, as ECS intends).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.image import WorkerImage, WorkerImageArgs
from ecs_event_patterns.config.settings import (
    MAX_STOP_TIMEOUT,
    MIN_STOP_TIMEOUT,
    CpuArchitecture,
    FargateSize,
    LogSettings,
)
from ecs_event_patterns.iam import grants, trust
from ecs_event_patterns.iam.documents import Statement, policy_document

TMP_VOLUME = "tmp"
"""The root file system is read-only; the worker writes only to /tmp, a task-scoped volume."""

CONTAINER_USER = "10001:10001"
"""Matches the non-root user of services/Dockerfile; set here too so ECS never runs the image as root."""


@dataclass(frozen=True)
class TaskPlatform:
    """Where a pattern's tasks run; the same for every pattern of a stack."""

    cluster_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    assign_public_ip: bool
    """True only in public subnets (default VPC), where tasks reach ECR and AWS APIs over the internet."""
    cpu_architecture: CpuArchitecture = CpuArchitecture.X86_64
    log_retention_days: int = field(default_factory=lambda: LogSettings().retention_days)
    """Default: `LogSettings`' own."""


@dataclass(frozen=True)
class WorkerTaskArgs:
    worker: str
    """Which worker runs in the container: a target of services/Dockerfile (ingest, report, worker)."""
    platform: TaskPlatform
    size: FargateSize = field(default_factory=FargateSize)
    stop_timeout_seconds: int = 30
    """Seconds between SIGTERM and SIGKILL, within Fargate's MIN_STOP_TIMEOUT..MAX_STOP_TIMEOUT."""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Container environment set in the task definition (settings that do not change per run)."""
    task_role_statements: Sequence[Statement] = ()
    """Everything the worker may do in AWS, from the grant helpers. Empty: the task role has no policy."""
    force_delete_images: bool = False
    """Let `pulumi destroy` delete the image repository with its images (dev)."""


def check_args(name: str, args: WorkerTaskArgs) -> None:
    """What ECS would refuse only half-way through a deployment."""
    if not MIN_STOP_TIMEOUT <= args.stop_timeout_seconds <= MAX_STOP_TIMEOUT:
        raise ValueError(
            f"WorkerTask {name}: stop_timeout_seconds {args.stop_timeout_seconds}"
            f" is outside Fargate's {MIN_STOP_TIMEOUT}..{MAX_STOP_TIMEOUT}"
        )


class WorkerTask(pulumi.ComponentResource):
    """Fargate task definition with its image, log group, task role and execution role."""

    task_definition: aws.ecs.TaskDefinition
    task_role: aws.iam.Role
    execution_role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    image: WorkerImage
    container_name: str

    def __init__(self, name: str, args: WorkerTaskArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args(name, args)
        super().__init__("ecs-event-patterns:index:WorkerTask", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        assume = trust.ecs_tasks_trust_policy(partition=partition, account_id=account_id, region=region)

        self.container_name = args.worker
        self.image = WorkerImage(
            f"{name}-image",
            WorkerImageArgs(
                worker=args.worker,
                cpu_architecture=args.platform.cpu_architecture,
                force_delete=args.force_delete_images,
            ),
            opts=child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", retention_in_days=args.platform.log_retention_days, opts=child
        )
        self.execution_role = aws.iam.Role(
            f"{name}-execution-role",
            assume_role_policy=assume,
            description="ECS agent: pull the worker image and write its logs",
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=self.execution_role.id,
            policy=policy_document(
                [*grants.pull_image(self.image.repository_arn), *grants.write_logs(self.log_group.arn)]
            ),
            opts=child,
        )
        self.task_role = aws.iam.Role(
            f"{name}-task-role",
            assume_role_policy=assume,
            description=f"The {args.worker} worker's own AWS permissions",
            opts=child,
        )
        task_policy = (
            [
                aws.iam.RolePolicy(
                    f"{name}-task-policy",
                    role=self.task_role.id,
                    policy=policy_document(args.task_role_statements),
                    opts=child,
                )
            ]
            if args.task_role_statements
            else []
        )
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-definition",
            # Family is required; stack-scoped so two stacks in one account never share revisions.
            family=f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.size.cpu),
            memory=str(args.size.memory),
            runtime_platform={
                "operating_system_family": "LINUX",
                "cpu_architecture": args.platform.cpu_architecture.value,
            },
            task_role_arn=self.task_role.arn,
            execution_role_arn=self.execution_role.arn,
            volumes=[{"name": TMP_VOLUME}],
            container_definitions=container_definitions(
                name=args.worker,
                image=self.image.image_uri,
                environment=args.environment,
                log_group=self.log_group.name,
                region=region,
                stop_timeout_seconds=args.stop_timeout_seconds,
            ),
            # The task role must carry its policy before a task can start with it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=task_policy),
        )
        self.register_outputs(
            {
                "taskDefinitionArn": self.task_definition.arn,
                "taskRoleArn": self.task_role.arn,
                "executionRoleArn": self.execution_role.arn,
                "logGroupName": self.log_group.name,
                "imageUri": self.image.image_uri,
            }
        )


def container_definitions(
    *,
    name: str,
    image: pulumi.Input[str],
    environment: Mapping[str, pulumi.Input[str]],
    log_group: pulumi.Input[str],
    region: pulumi.Input[str],
    stop_timeout_seconds: int,
) -> pulumi.Output[str]:
    """The one essential container: non-root, read-only root file system, awslogs, a stop timeout."""
    return pulumi.Output.json_dumps(
        [
            {
                "name": name,
                "image": image,
                "essential": True,
                "user": CONTAINER_USER,
                "readonlyRootFilesystem": True,
                "privileged": False,
                "stopTimeout": stop_timeout_seconds,
                "environment": [{"name": key, "value": environment[key]} for key in sorted(environment)],
                "mountPoints": [{"sourceVolume": TMP_VOLUME, "containerPath": "/tmp", "readOnly": False}],  # noqa: S108
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": log_group,
                        "awslogs-region": region,
                        "awslogs-stream-prefix": name,
                        # A slow CloudWatch never blocks the worker's stdout; 25m buffers bursts.
                        "mode": "non-blocking",
                        "max-buffer-size": "25m",
                    },
                },
            }
        ]
    )
