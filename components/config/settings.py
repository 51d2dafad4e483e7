"""Plain-value settings of each part of the stack: frozen, typed, with documented defaults.

These are the contract between the stack config (`components/config/stack_config.py` builds them from
`Pulumi.<stack>.yaml`) and the components (their Args carry them). Each class checks its own invariants in
`__post_init__`, so an instance that exists is valid, whether it came from config or from code.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum

from components.config.schedule_expression import schedule_problem
from components.config.validation import (
    Problem,
    SettingsError,
    check_bool,
    check_distinct,
    check_enum,
    check_key_prefix,
    check_one_of,
    check_range,
    check_text,
    check_time_zone,
    email_problem,
    is_whole_number,
    raise_if_any,
    show,
)

__all__ = [
    "AlertSettings",
    "BatchSettings",
    "CpuArchitecture",
    "DataSettings",
    "Egress",
    "Environment",
    "FargateSize",
    "LogSettings",
    "NetworkMode",
    "NetworkSettings",
    "Problem",
    "QueueSettings",
    "SettingsError",
    "StackSettings",
    "TargetRetry",
    "UploadSettings",
]

FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
"""Fargate task sizes: CPU units -> memory (MiB) allowed with it (8192 and 16384 need platform 1.4.0)."""

CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""The only values CloudWatch Logs accepts for `retentionInDays`."""

PRIVATE_RANGES = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
VPC_PREFIX_LENGTHS = range(16, 24 + 1)
MAX_TASKS_CAP = 1000
"""Upper bound on a queue service's tasks: a guard against a typo scaling to thousands of tasks."""
MAX_TARGET_RETRIES = 185
MAX_STOP_TIMEOUT = 120
MIN_STOP_TIMEOUT = 2
MAX_VISIBILITY_TIMEOUT = 43200


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

    def __post_init__(self) -> None:
        raise_if_any(self._problems())

    def _problems(self) -> list[Problem]:
        not_numbers = [
            Problem(name, f"{show(value)} is not a whole number")
            for name, value in (("cpu", self.cpu), ("memory", self.memory))
            if not is_whole_number(value)
        ]
        if not_numbers:
            return not_numbers
        allowed = FARGATE_MEMORY_BY_CPU.get(self.cpu)
        if allowed is None:
            cpus = ", ".join(str(cpu) for cpu in FARGATE_MEMORY_BY_CPU)
            detail = f"cpu must be one of {cpus}"
        elif self.memory not in allowed:
            detail = f"{self.cpu} allows {_describe(allowed)}"
        else:
            return []
        size = f"{self.cpu}/{self.memory}"
        return [Problem("cpu/memory", f"{size} is not a Fargate size; {detail}", ("cpu", "memory"))]


def _describe(values: tuple[int, ...]) -> str:
    if len(values) <= 4:
        return ", ".join(str(v) for v in values)
    return f"{values[0]} to {values[-1]} in steps of {values[1] - values[0]}"


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

    def __post_init__(self) -> None:
        problems = check_enum("mode", self.mode, NetworkMode) + check_enum("egress", self.egress, Egress)
        problems += _vpc_cidr_problems(self.vpc_cidr)
        problems += check_range("az_count", self.az_count, 2, 6)
        raise_if_any(problems)

    @property
    def assign_public_ip(self) -> bool:
        """Tasks in the default VPC's public subnets need a public IP to pull images and call AWS."""
        return self.mode is NetworkMode.DEFAULT_VPC


def _vpc_cidr_problems(cidr: str) -> list[Problem]:
    try:
        network = ipaddress.IPv4Network(cidr)
    except (ValueError, TypeError) as error:
        return [Problem("vpc_cidr", f"{show(cidr)} is not an IPv4 network such as 10.0.0.0/16 ({error})")]
    lengths = f"/{VPC_PREFIX_LENGTHS[0]} to /{VPC_PREFIX_LENGTHS[-1]}"
    if network.prefixlen not in VPC_PREFIX_LENGTHS:
        return [Problem("vpc_cidr", f"{show(cidr)} is a /{network.prefixlen}; allowed: {lengths}")]
    if not any(network.subnet_of(private) for private in PRIVATE_RANGES):
        ranges = ", ".join(str(private) for private in PRIVATE_RANGES)
        return [Problem("vpc_cidr", f"{show(cidr)} is not in a private range ({ranges})")]
    return []


@dataclass(frozen=True)
class LogSettings:
    retention_days: int = 7
    """CloudWatch Logs retention; one of the values CloudWatch accepts. dev 7, staging 30, prod 365."""

    def __post_init__(self) -> None:
        raise_if_any(
            check_one_of(
                "retention_days",
                self.retention_days,
                CLOUDWATCH_RETENTION_DAYS,
                "a CloudWatch Logs retention",
            )
        )


@dataclass(frozen=True)
class DataSettings:
    deletion_protection: bool = False
    """DynamoDB deletion protection. dev off, staging and prod on."""
    point_in_time_recovery: bool = False
    """DynamoDB PITR. dev off, staging and prod on."""
    retain_on_delete: bool = False
    """Keep buckets and tables when the stack is destroyed (Pulumi `retain_on_delete`). prod on."""

    def __post_init__(self) -> None:
        raise_if_any(
            check_bool("deletion_protection", self.deletion_protection)
            + check_bool("point_in_time_recovery", self.point_in_time_recovery)
            + check_bool("retain_on_delete", self.retain_on_delete)
        )


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

    def __post_init__(self) -> None:
        problems = []
        for index, address in enumerate(self.emails):
            reason = email_problem(address) if isinstance(address, str) else "it is not a string"
            if reason is not None:
                problems.append(
                    Problem(f"emails[{index}]", f"{show(address)} is not an e-mail address: {reason}")
                )
        if not problems:
            problems += check_distinct("emails", self.emails, fold_case=True)
        for name in (
            "ignore_service_scheduler_stops",
            "ignore_user_stops",
            "ignore_successful_one_off_tasks",
        ):
            problems += check_bool(name, getattr(self, name))
        raise_if_any(problems)


@dataclass(frozen=True)
class TargetRetry:
    """Retry policy of an EventBridge or Scheduler target; failures after it go to a dead-letter queue."""

    max_attempts: int = 3
    """0 to 185."""
    max_event_age_seconds: int = 3600
    """60 to 86400."""

    def __post_init__(self) -> None:
        raise_if_any(
            check_range("max_attempts", self.max_attempts, 0, MAX_TARGET_RETRIES)
            + check_range("max_event_age_seconds", self.max_event_age_seconds, 60, 86400)
        )


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

    def __post_init__(self) -> None:
        problems = check_key_prefix("key_prefix", self.key_prefix)
        for index, suffix in enumerate(self.key_suffixes):
            problems += check_text(f"key_suffixes[{index}]", suffix, allow_empty=False)
        problems += check_distinct("key_suffixes", self.key_suffixes)
        problems += _stop_timeout_problems(self.stop_timeout_seconds)
        raise_if_any(problems)


def _stop_timeout_problems(seconds: int) -> list[Problem]:
    return check_range("stop_timeout_seconds", seconds, MIN_STOP_TIMEOUT, MAX_STOP_TIMEOUT)


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

    def __post_init__(self) -> None:
        problems = []
        reason = schedule_problem(self.schedule) if isinstance(self.schedule, str) else "is not a string"
        if reason is not None:
            problems.append(Problem("schedule", f"{show(self.schedule)} {reason}"))
        problems += check_time_zone("timezone", self.timezone)
        problems += check_range("flexible_window_minutes", self.flexible_window_minutes, 0, 1440)
        prefix_problems = check_key_prefix("input_prefix", self.input_prefix)
        prefix_problems += check_key_prefix("output_prefix", self.output_prefix)
        problems += prefix_problems
        if not prefix_problems and (
            self.output_prefix.startswith(self.input_prefix)
            or self.input_prefix.startswith(self.output_prefix)
        ):
            problems.append(
                Problem(
                    "output_prefix",
                    f"{show(self.output_prefix)} overlaps input_prefix {show(self.input_prefix)}; the report "
                    'job would read its own output (use separate prefixes such as "input/" and "reports/")',
                    ("input_prefix", "output_prefix"),
                )
            )
        problems += check_range("concurrency", self.concurrency, 1, 64)
        problems += _stop_timeout_problems(self.stop_timeout_seconds)
        raise_if_any(problems)


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

    def __post_init__(self) -> None:
        problems = check_range("min_tasks", self.min_tasks, 0, MAX_TASKS_CAP)
        problems += check_range("max_tasks", self.max_tasks, 1, MAX_TASKS_CAP)
        problems += check_range("backlog_per_task", self.backlog_per_task, 1, 100_000)
        problems += check_range("max_receive_count", self.max_receive_count, 1, 1000)
        problems += check_range("job_timeout_seconds", self.job_timeout_seconds, 1, MAX_VISIBILITY_TIMEOUT)
        problems += check_range(
            "visibility_timeout_seconds", self.visibility_timeout_seconds, 0, MAX_VISIBILITY_TIMEOUT
        )
        problems += check_range("message_retention_seconds", self.message_retention_seconds, 60, 1_209_600)
        problems += check_range("worker_concurrency", self.worker_concurrency, 1, 10)
        problems += check_bool("use_spot", self.use_spot)
        problems += check_range("on_demand_base", self.on_demand_base, 0, MAX_TASKS_CAP)
        problems += _stop_timeout_problems(self.stop_timeout_seconds)
        problems += self._relation_problems()
        raise_if_any(problems)

    def _relation_problems(self) -> list[Problem]:
        """Rules between two settings, checked once both are whole numbers (else their own checks say so)."""
        numbers = (
            self.min_tasks,
            self.max_tasks,
            self.on_demand_base,
            self.job_timeout_seconds,
            self.visibility_timeout_seconds,
            self.stop_timeout_seconds,
        )
        if not all(is_whole_number(number) for number in numbers):
            return []
        problems = []
        if self.max_tasks < self.min_tasks:
            problems.append(_relation("max_tasks", self.max_tasks, "is below", "min_tasks", self.min_tasks))
        if self.max_tasks < self.on_demand_base:
            problems.append(
                _relation("max_tasks", self.max_tasks, "is below", "on_demand_base", self.on_demand_base)
            )
        for other, why in (
            (
                "stop_timeout_seconds",
                "a job still finishing after SIGTERM would be handed to a second worker",
            ),
            ("job_timeout_seconds", "a message would become visible again while its job still runs"),
        ):
            if self.visibility_timeout_seconds <= getattr(self, other):
                problems.append(
                    _relation(
                        "visibility_timeout_seconds",
                        self.visibility_timeout_seconds,
                        "is not above",
                        other,
                        getattr(self, other),
                        why,
                    )
                )
        return problems


def _relation(name: str, value: int, relation: str, other: str, other_value: int, why: str = "") -> Problem:
    reason = f"; {why}" if why else ""
    return Problem(name, f"{value} {relation} {other} {other_value}{reason}", (name, other))


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

    def __post_init__(self) -> None:
        problems = check_enum("environment", self.environment, Environment)
        problems += check_enum("cpu_architecture", self.cpu_architecture, CpuArchitecture)
        if self.environment is Environment.PROD:
            problems += self._prod_problems()
        raise_if_any(problems)

    def _prod_problems(self) -> list[Problem]:
        """What prod may not go without: someone who hears of failures, private subnets, recoverable data."""
        problems = []
        if not self.alerts.emails:
            problems.append(
                Problem(
                    "alerts.emails",
                    "[] is empty; prod needs at least one address, or stopped-task and dead-letter alerts "
                    "reach nobody",
                    ("alerts.emails", "environment"),
                )
            )
        if self.network.mode is not NetworkMode.ISOLATED_VPC:
            problems.append(
                Problem(
                    "network.mode",
                    f'{show(self.network.mode)} is not allowed in prod; use "isolated-vpc" '
                    "(private subnets, no public IPs on tasks)",
                    ("network.mode", "environment"),
                )
            )
        for name in ("point_in_time_recovery", "deletion_protection"):
            if not getattr(self.data, name):
                problems.append(
                    Problem(
                        f"data.{name}",
                        "false is not allowed in prod; the results table must survive a bad write or a "
                        "mistaken delete",
                        (f"data.{name}", "environment"),
                    )
                )
        return problems
