"""Plain-value settings of each part of the stack: frozen, typed, with documented defaults.

These are the contract between the stack config (`components/stack_config.py` builds them from
`Pulumi.<stack>.yaml`) and the components (their Args carry them). Each class checks its own invariants in
`__post_init__`, so an instance that exists is valid, whether it came from config or from code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class CpuArchitecture(StrEnum):
    """Fargate `runtimePlatform.cpuArchitecture`; the worker image is built for the same platform."""

    X86_64 = "X86_64"
    ARM64 = "ARM64"


class NetworkMode(StrEnum):
    DEFAULT_VPC = "default-vpc"
    """The account's default VPC and its public subnets; tasks get a public IP to reach AWS APIs."""
    ISOLATED_VPC = "isolated-vpc"
    """A VPC of the stack's own with private subnets; tasks reach AWS through VPC endpoints or a NAT."""


class Egress(StrEnum):
    VPC_ENDPOINTS = "vpc-endpoints"
    """Gateway endpoints for S3 and DynamoDB, interface endpoints for ECR, logs, SQS and STS; no internet."""
    NAT = "nat"
    """One NAT gateway per availability zone; tasks may reach the internet."""


@dataclass(frozen=True)
class FargateSize:
    """A task's `cpu` (CPU units) and `memory` (MiB); only the pairs Fargate accepts."""

    cpu: int = 256
    memory: int = 512


@dataclass(frozen=True)
class NetworkSettings:
    mode: NetworkMode = NetworkMode.DEFAULT_VPC
    """dev: default-vpc; staging and prod: isolated-vpc."""
    vpc_cidr: str = "10.0.0.0/16"
    """isolated-vpc only: the VPC's IPv4 block, /16 to /24."""
    az_count: int = 2
    """isolated-vpc only: private subnets in this many availability zones (2 to 6)."""
    egress: Egress = Egress.VPC_ENDPOINTS
    """isolated-vpc only: how tasks reach AWS APIs."""

    @property
    def assign_public_ip(self) -> bool:
        """Tasks in the default VPC's public subnets need a public IP to pull images and call AWS."""
        return self.mode is NetworkMode.DEFAULT_VPC


@dataclass(frozen=True)
class LogSettings:
    retention_days: int = 7
    """CloudWatch Logs retention; one of the values CloudWatch accepts. dev 7, staging 30, prod 365."""


@dataclass(frozen=True)
class DataSettings:
    deletion_protection: bool = False
    """DynamoDB deletion protection. dev off, staging and prod on."""
    point_in_time_recovery: bool = False
    """DynamoDB PITR. dev off, staging and prod on."""
    retain_on_delete: bool = False
    """Keep buckets and tables when the stack is destroyed (Pulumi `retain_on_delete`). prod on."""


@dataclass(frozen=True)
class AlertSettings:
    emails: tuple[str, ...] = ()
    """Addresses subscribed to the alert topic (each must confirm the subscription). Required in prod."""
    ignore_service_scheduler_stops: bool = True
    """Drop stops by the service scheduler (scale-in, deployments): stopCode ServiceSchedulerInitiated."""
    ignore_user_stops: bool = True
    """Drop stops a person or API call asked for: `stopCode` UserInitiated."""
    ignore_successful_one_off_tasks: bool = True
    """Drop one-off tasks (not started by a service) whose essential containers all exited 0."""


@dataclass(frozen=True)
class TargetRetry:
    """Retry policy of an EventBridge or Scheduler target; failures after it go to a dead-letter queue."""

    max_attempts: int = 3
    """0 to 185."""
    max_event_age_seconds: int = 3600
    """60 to 86400."""


@dataclass(frozen=True)
class UploadSettings:
    size: FargateSize = field(default_factory=FargateSize)
    key_prefix: str = "incoming/"
    """Only objects under this prefix start a task. Empty: the whole bucket."""
    key_suffixes: tuple[str, ...] = (".csv", ".jsonl")
    """Only objects whose key ends in one of these start a task. Empty: any key."""
    retry: TargetRetry = field(default_factory=TargetRetry)
    stop_timeout_seconds: int = 30
    """Seconds between SIGTERM and SIGKILL (Fargate: 2 to 120)."""


@dataclass(frozen=True)
class BatchSettings:
    size: FargateSize = field(default_factory=lambda: FargateSize(cpu=512, memory=1024))
    schedule: str = "rate(1 hour)"
    """EventBridge Scheduler expression: rate(...), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)."""
    timezone: str = "UTC"
    """IANA time zone the cron and at expressions are read in."""
    flexible_window_minutes: int = 0
    """0: start on time; 1 to 1440: Scheduler may start it up to this late (spreads load)."""
    input_prefix: str = "input/"
    output_prefix: str = "reports/"
    """Must not overlap the input prefix (the report would read its own output)."""
    concurrency: int = 8
    """Objects processed at once by the report worker (1 to 64)."""
    retry: TargetRetry = field(default_factory=lambda: TargetRetry(max_attempts=2))
    stop_timeout_seconds: int = 120


@dataclass(frozen=True)
class QueueSettings:
    size: FargateSize = field(default_factory=FargateSize)
    min_tasks: int = 0
    """0 lets the service scale to zero when the queue is idle."""
    max_tasks: int = 10
    backlog_per_task: int = 100
    """Target of visible messages per running task (target tracking above one task)."""
    max_receive_count: int = 5
    """Receives before a message moves to the dead-letter queue (1 to 1000)."""
    job_timeout_seconds: int = 240
    """Longest a single job may run; the worker gives up on it after this."""
    visibility_timeout_seconds: int = 300
    """Queue visibility timeout; must exceed the stop timeout (the worker extends it while a job runs)."""
    message_retention_seconds: int = 345600
    """60 to 1209600 (14 days); the dead-letter queue keeps messages 14 days."""
    worker_concurrency: int = 4
    """Jobs one task runs at once (1 to 10)."""
    use_spot: bool = True
    """Run tasks above the on-demand base on Fargate Spot. dev: all Spot; prod: base on demand."""
    on_demand_base: int = 0
    """Tasks that always run on regular Fargate before Spot takes the rest."""
    stop_timeout_seconds: int = 120


@dataclass(frozen=True)
class StackSettings:
    environment: Environment
    cpu_architecture: CpuArchitecture = CpuArchitecture.X86_64
    network: NetworkSettings = field(default_factory=NetworkSettings)
    logs: LogSettings = field(default_factory=LogSettings)
    data: DataSettings = field(default_factory=DataSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    upload: UploadSettings = field(default_factory=UploadSettings)
    batch: BatchSettings = field(default_factory=BatchSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)
