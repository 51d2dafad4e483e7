"""The building block every pattern shares: a job's image, roles, log group and Fargate task definition.

A pattern adds only its trigger and its grants: it hands `task_role_statements` in, and gets back the task
definition and the two roles (separate task and execution roles, as ECS intends). What the container runs is
the job's `ContainerSettings`: the bundled worker, a team's build (both get an ECR repository and a build,
`WorkerImage`), or an existing image (neither: the task definition runs that reference as given).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.image import WorkerImage, WorkerImageArgs, bundled_worker
from ecs_event_patterns.config.container import ContainerSettings, SecretStore
from ecs_event_patterns.config.image_reference import ImageReference
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
    """The container's name, and the bundled worker the container runs unless `container` says otherwise:
    a target of services/Dockerfile (ingest, report, worker)."""
    platform: TaskPlatform
    container: ContainerSettings = field(default_factory=ContainerSettings)
    """A team's build or image, command, extra environment and secrets; default: the bundled worker."""
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
    """What ECS would refuse only half-way through a deployment, and a variable set twice."""
    if not MIN_STOP_TIMEOUT <= args.stop_timeout_seconds <= MAX_STOP_TIMEOUT:
        raise ValueError(
            f"WorkerTask {name}: stop_timeout_seconds {args.stop_timeout_seconds}"
            f" is outside Fargate's {MIN_STOP_TIMEOUT}..{MAX_STOP_TIMEOUT}"
        )
    for key in ("environment", "secrets"):
        twice = sorted(args.environment.keys() & getattr(args.container, key).keys())
        if twice:
            raise ValueError(
                f"WorkerTask {name}: container.{key} sets {', '.join(twice)}, which the pattern's "
                "environment sets too; give those variables other names"
            )


def execution_statements(
    container: ContainerSettings, repository_arn: pulumi.Input[str] | None, log_group_arn: pulumi.Input[str]
) -> list[Statement]:
    """The ECS agent's: pull from the one repository (none for a public image), write the one log group,
    read exactly the container's secrets (and decrypt with their key)."""
    sources = container.secret_sources.values()
    parameters = sorted({s.resource_arn for s in sources if s.store is SecretStore.PARAMETER})
    secrets = sorted({s.resource_arn for s in sources if s.store is SecretStore.SECRET})
    key = container.secrets_kms_key_arn
    return [
        *(grants.pull_image(repository_arn) if repository_arn is not None else []),
        *grants.write_logs(log_group_arn),
        *grants.inject_parameters(parameters),
        # The secret's own ARN: a `:json-key:version-stage:version-id` suffix selects from its value.
        *(statement for arn in secrets for statement in grants.read_secret_value(arn)),
        *(grants.decrypt_with(key) if key is not None else []),
    ]


def unpinned_image_warning(reference: ImageReference) -> str | None:
    """Advice for an image named by tag only: the tag can move, and ECS resolves it again for every task."""
    if reference.pinned:
        return None
    return (
        f"image {reference} is not pinned by digest: whoever can push to it can move the tag, and every task "
        "a rule or schedule starts (and every deployment of a service) runs what the tag names then; pin it "
        "as <reference>@sha256:<digest> (docs/deploying.md)"
    )


class WorkerTask(pulumi.ComponentResource):
    """Fargate task definition with its image, log group, task role and execution role."""

    task_definition: aws.ecs.TaskDefinition
    task_role: aws.iam.Role
    execution_role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    image: WorkerImage | None
    """The repository and build; None for an existing image."""
    image_uri: pulumi.Output[str]
    """What the container runs: the build pinned by digest, or the existing image's reference as given."""
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
        container = args.container
        reference = container.image_reference
        repository_arn: pulumi.Input[str] | None
        if reference is None:
            self.image = WorkerImage(
                f"{name}-image",
                WorkerImageArgs(
                    build=container.build or bundled_worker(args.worker),
                    cpu_architecture=args.platform.cpu_architecture,
                    force_delete=args.force_delete_images,
                ),
                opts=child,
            )
            self.image_uri = self.image.image_uri
            repository_arn = self.image.repository_arn
        else:
            self.image = None
            self.image_uri = pulumi.Output.from_input(str(reference))
            ecr = reference.ecr
            repository_arn = None if ecr is None else partition.apply(ecr.arn)
            warning = unpinned_image_warning(reference)
            if warning is not None:
                pulumi.log.warn(warning, resource=self)
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
            policy=policy_document(execution_statements(container, repository_arn, self.log_group.arn)),
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
                image=self.image_uri,
                environment={**args.environment, **container.environment},
                log_group=self.log_group.name,
                region=region,
                stop_timeout_seconds=args.stop_timeout_seconds,
                command=container.command,
                secrets={name: source.value_from for name, source in container.secret_sources.items()},
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
                "imageUri": self.image_uri,
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
    command: Sequence[str] = (),
    secrets: Mapping[str, str] | None = None,
) -> pulumi.Output[str]:
    """The one essential container: non-root, read-only root file system, awslogs, a stop timeout; a
    `command` and `secrets` only when given, so a container without them keeps its definition."""
    optional: dict[str, Any] = {}
    if command:
        optional["command"] = list(command)
    if secrets:
        optional["secrets"] = [{"name": key, "valueFrom": secrets[key]} for key in sorted(secrets)]
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
                **optional,
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
