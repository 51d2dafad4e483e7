"""Plain-value settings of each part of the stack: frozen, typed, validated by pydantic (`model.py`).

These are the contract between the stack config (`ecs_event_patterns/config/stack_config.py` builds them from
`Pulumi.<stack>.yaml`) and the components (their Args carry them). An instance that exists is valid, whether
it came from config or from code. Each field's docstring is its line in `docs/configuration.md`, which
`ecs_event_patterns/config/reference.py` generates from these classes with every default; a default that
differs by environment is in `environment_defaults.py`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import field
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from ecs_event_patterns.config.container import (
    BATCH_VARIABLES,
    QUEUE_VARIABLES,
    UPLOAD_VARIABLES,
    ContainerSettings,
)
from ecs_event_patterns.config.model import (
    FLATTENED,
    KEY_PREFIX_RULES,
    Allowed,
    Flag,
    KeyPrefix,
    SettingsEnum,
    SettingsModel,
    Strings,
    WholeNumber,
    checked,
    settings_model,
)
from ecs_event_patterns.config.needs import Needs, partition_problems
from ecs_event_patterns.config.schedule_expression import schedule_problem
from ecs_event_patterns.config.validation import (
    AMBIGUOUS_KEY_CHARACTERS,
    Problem,
    SettingsError,
    duplicate_problems,
    email_problem,
    event_key_problem,
    key_prefix_problem,
    show,
    text_problem,
    time_zone_problem,
)

__all__ = [
    "AlertSettings",
    "BatchSettings",
    "ContainerSettings",
    "CpuArchitecture",
    "DataSettings",
    "Egress",
    "Environment",
    "FargateSize",
    "JobPatternSettings",
    "LogSettings",
    "Needs",
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
MAX_MESSAGE_RETENTION = 1_209_600
"""14 days, the longest SQS keeps a message; the dead-letter queue keeps its messages this long."""
DEAD_LETTER_MARGIN = 7 * 24 * 3600
"""Time a message that fails on the last day of its source retention still has in the dead-letter queue.

SQS counts a standard queue's message expiry from its original enqueue timestamp, also in the dead-letter
queue ("Setting-up dead-letter queue retention", SQS Developer Guide): a message that fails late arrives there
with only the difference left. A week covers a long weekend or a team's holiday between the alarm and the fix
and redrive, and still lets the source queue hold a week of backlog through an outage."""
MAX_SOURCE_RETENTION = MAX_MESSAGE_RETENTION - DEAD_LETTER_MARGIN

JOB_PATTERNS = ("upload", "batch", "queue")
"""The sections of the job patterns a stack enables one by one (`queue.enabled`)."""

StopTimeout = Annotated[WholeNumber, Field(ge=MIN_STOP_TIMEOUT, le=MAX_STOP_TIMEOUT)]


class Environment(SettingsEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class CpuArchitecture(SettingsEnum):
    """Fargate `runtimePlatform.cpuArchitecture`; the worker image is built for the same platform."""

    X86_64 = "X86_64"
    ARM64 = "ARM64"


class NetworkMode(SettingsEnum):
    DEFAULT_VPC = "default-vpc"
    """The account's default VPC and its public subnets; tasks get a public IP to reach AWS APIs."""
    ISOLATED_VPC = "isolated-vpc"
    """A VPC of the stack's own with private subnets; tasks reach AWS through VPC endpoints or a NAT."""


class Egress(SettingsEnum):
    VPC_ENDPOINTS = "vpc-endpoints"
    """Gateway endpoints for S3 and DynamoDB, interface endpoints for ECR, logs, SQS and STS; no internet."""
    NAT = "nat"
    """One NAT gateway per availability zone; tasks may reach the internet."""


@settings_model
class FargateSize(SettingsModel):
    """A task's `cpu` (CPU units) and `memory` (MiB); only the pairs Fargate accepts."""

    cpu: Annotated[WholeNumber, Allowed("a Fargate size with `memory` (see Fargate sizes)")] = 256
    """Task CPU units."""
    memory: Annotated[WholeNumber, Allowed("a Fargate size with `cpu`")] = 512
    """Task memory in MiB."""

    def rule_problems(self) -> Iterator[Problem]:
        allowed = FARGATE_MEMORY_BY_CPU.get(self.cpu)
        if allowed is None:
            detail = f"cpu must be one of {', '.join(str(cpu) for cpu in FARGATE_MEMORY_BY_CPU)}"
        elif self.memory not in allowed:
            detail = f"{self.cpu} allows {describe_memory(allowed)}"
        else:
            return
        size = f"{self.cpu}/{self.memory}"
        yield Problem("cpu/memory", f"{size} is not a Fargate size; {detail}", ("cpu", "memory"))


def describe_memory(values: tuple[int, ...]) -> str:
    """Memory sizes as a reader takes them in: listed when few, else a range and its step."""
    if len(values) <= 4:
        return ", ".join(str(v) for v in values)
    return f"{values[0]} to {values[-1]} in steps of {values[1] - values[0]}"


def _vpc_cidr_problem(cidr: str) -> str | None:
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError as error:
        return f"{show(cidr)} is not an IPv4 network such as 10.0.0.0/16 ({error})"
    lengths = f"/{VPC_PREFIX_LENGTHS[0]} to /{VPC_PREFIX_LENGTHS[-1]}"
    if network.prefixlen not in VPC_PREFIX_LENGTHS:
        return f"{show(cidr)} is a /{network.prefixlen}; allowed: {lengths}"
    if not any(network.subnet_of(private) for private in PRIVATE_RANGES):
        ranges = ", ".join(str(private) for private in PRIVATE_RANGES)
        return f"{show(cidr)} is not in a private range ({ranges})"
    return None


@settings_model
class NetworkSettings(SettingsModel):
    """`vpc_cidr`, `az_count` and `egress` are errors when `network.mode` is `default-vpc`: they would have no
    effect, and setting them usually means the mode was meant to be `isolated-vpc`."""

    mode: NetworkMode = NetworkMode.DEFAULT_VPC
    """`default-vpc`: the account's default VPC, public subnets, tasks get a public IP. `isolated-vpc`: a VPC
    of the stack's own with private subnets."""
    vpc_cidr: Annotated[
        str,
        checked(_vpc_cidr_problem),
        Allowed(
            f"private IPv4 block ({', '.join(str(r) for r in PRIVATE_RANGES)}), "
            f"prefix /{VPC_PREFIX_LENGTHS[0]} to /{VPC_PREFIX_LENGTHS[-1]}"
        ),
    ] = "10.0.0.0/16"
    """The VPC's address block. isolated-vpc only."""
    az_count: Annotated[WholeNumber, Field(ge=2, le=6)] = 2
    """Availability zones with a private subnet. isolated-vpc only."""
    egress: Egress = Egress.VPC_ENDPOINTS
    """How tasks reach AWS APIs: gateway endpoints (S3, DynamoDB) and interface endpoints (ECR, logs, SQS,
    STS) with no internet, or a NAT gateway per zone. isolated-vpc only."""

    @property
    def assign_public_ip(self) -> bool:
        """Tasks in the default VPC's public subnets need a public IP to pull images and call AWS."""
        return self.mode is NetworkMode.DEFAULT_VPC


def _retention_problem(days: int) -> str | None:
    if days in CLOUDWATCH_RETENTION_DAYS:
        return None
    below = [a for a in CLOUDWATCH_RETENTION_DAYS if a < days]
    above = [a for a in CLOUDWATCH_RETENTION_DAYS if a > days]
    nearest = " or ".join(str(n) for n in (below[-1:] + above[:1]))
    listed = ", ".join(str(a) for a in CLOUDWATCH_RETENTION_DAYS)
    return f"{days} is not a CloudWatch Logs retention; allowed: {listed} (nearest: {nearest})"


@settings_model
class LogSettings(SettingsModel):
    retention_days: Annotated[
        WholeNumber,
        checked(_retention_problem),
        Allowed(", ".join(str(days) for days in CLOUDWATCH_RETENTION_DAYS)),
    ] = 7
    """CloudWatch Logs retention of every task's log group; only the values CloudWatch accepts."""


_PROD_WITH_A_TABLE = Allowed("prod: true while `upload.enabled` and `upload.store_results`")


@settings_model
class DataSettings(SettingsModel):
    deletion_protection: Annotated[Flag, _PROD_WITH_A_TABLE] = False
    """DynamoDB deletion protection on the results table."""
    point_in_time_recovery: Annotated[Flag, _PROD_WITH_A_TABLE] = False
    """DynamoDB point-in-time recovery on the results table."""
    retain_on_delete: Flag = False
    """Keep buckets and tables when the stack is destroyed (Pulumi `retain_on_delete`); off, image
    repositories are deleted with the images they hold."""


def _emails(addresses: tuple[str, ...]) -> tuple[str, ...]:
    problems = []
    for index, address in enumerate(addresses):
        reason = email_problem(address)
        if reason is not None:
            problems.append(Problem(f"[{index}]", f"{show(address)} is not an e-mail address: {reason}"))
    if not problems:
        problems = duplicate_problems(addresses, fold_case=True)
    if problems:
        raise SettingsError(problems)
    return addresses


@settings_model
class AlertSettings(SettingsModel):
    """Addresses follow a practical subset of RFC 5322: `local-part@domain.tld`, where the local part is
    letters, digits and ``!#$%&'*+/=?^_`{|}~-`` with single dots between them (no quoted local parts, no IP
    literals), and the domain is dot-separated labels ending in a top-level domain. Duplicates are compared
    without case."""

    emails: Annotated[
        Strings, AfterValidator(_emails), Allowed("e-mail addresses, no duplicates; prod: at least one")
    ] = ()
    """Subscribed to the alert topic; each address must confirm the subscription from the e-mail SNS sends."""
    ignore_service_scheduler_stops: Flag = True
    """No alert for tasks the service scheduler stops (scale-in, deployments: stop code
    `ServiceSchedulerInitiated`)."""
    ignore_user_stops: Flag = True
    """No alert for tasks a person or API call stopped (stop code `UserInitiated`)."""
    ignore_successful_one_off_tasks: Flag = True
    """No alert for one-off tasks whose essential containers all exited 0."""


@settings_model
class TargetRetry(SettingsModel):
    """Retry policy of an EventBridge or Scheduler target; failures after it go to a dead-letter queue."""

    max_attempts: Annotated[WholeNumber, Field(ge=0, le=MAX_TARGET_RETRIES)] = 3
    """Retries of a failed RunTask; then the event goes to the dead-letter queue."""
    max_event_age_seconds: Annotated[WholeNumber, Field(ge=60, le=86400)] = 3600
    """How long one event is retried."""


_EVENT_KEY = f"none of {' '.join(sorted(AMBIGUOUS_KEY_CHARACTERS))} (matched in S3's events)"


def _upload_key_prefix_problem(prefix: str) -> str | None:
    return key_prefix_problem(prefix) or event_key_problem(prefix)


def _key_suffixes(suffixes: tuple[str, ...]) -> tuple[str, ...]:
    problems = [
        Problem(f"[{index}]", reason)
        for index, suffix in enumerate(suffixes)
        if (reason := text_problem(suffix, allow_empty=False) or event_key_problem(suffix)) is not None
    ]
    problems += duplicate_problems(suffixes)
    if problems:
        raise SettingsError(problems)
    return suffixes


@settings_model
class JobPatternSettings(SettingsModel):
    """What the three job patterns' settings share: whether the stack deploys the pattern at all, and what
    its job may touch (`needs`).

    A disabled pattern's other settings are allowed and still validated: the switch sits in the same object
    as the settings it turns off, so nobody reads them as in effect (unlike `network.vpc_cidr` beside
    `mode: default-vpc`, whose switch is another key's value), and turning a pattern off for a while and on
    again is one key's edit that keeps its tuned settings and never surfaces a stale error.
    """

    # A description in `Field`, not a docstring below the field: pydantic reads the attribute docstrings of
    # the class being built only, so the subclasses would lose this one.
    enabled: Annotated[
        Flag,
        Field(
            description="Deploy this pattern in the stack; at least one of `upload`, `batch` and `queue` "
            "must be. A component built in code refuses settings with `enabled: false` (leave it out "
            "instead)."
        ),
    ] = True
    # What the job may touch in AWS besides the pattern's own resources; no description: each of its keys
    # has its own row in the reference.
    needs: Needs = field(default_factory=Needs)


@settings_model
class UploadSettings(JobPatternSettings):
    size: Annotated[FargateSize, FLATTENED] = field(default_factory=FargateSize)
    key_prefix: Annotated[
        str,
        checked(_upload_key_prefix_problem),
        Allowed(f"{KEY_PREFIX_RULES}, {_EVENT_KEY}; empty: whole bucket"),
    ] = "incoming/"
    """Only objects under this prefix start a task."""
    key_suffixes: Annotated[
        Strings,
        AfterValidator(_key_suffixes),
        Allowed(f"each non-empty, at most 1024 bytes, {_EVENT_KEY}, no duplicates; empty list: any key"),
    ] = (".csv", ".jsonl")
    """Only objects whose key ends in one of these start a task."""
    retry: TargetRetry = field(default_factory=TargetRetry)
    """Retry policy of EventBridge's RunTask target."""
    stop_timeout_seconds: StopTimeout = 30
    """Seconds between SIGTERM and SIGKILL."""
    store_results: Annotated[
        Flag, Allowed("false only with a `container` of your own, whose handler returns nothing")
    ] = True
    """Keep one result item per object version (its status and the handler's returned attributes) in a
    DynamoDB table of the pattern's, which also drops duplicate and out-of-order events. false: no table;
    every event runs the handler, which returns nothing and writes its own output (services/README.md)."""
    container: ContainerSettings = field(default_factory=ContainerSettings)
    """The job's container (unset: the bundled example worker)."""

    def rule_problems(self) -> Iterator[Problem]:
        yield from self.container.variable_problems("upload", UPLOAD_VARIABLES)
        if not self.store_results and self.container.build is None and self.container.image is None:
            yield Problem(
                "store_results",
                "false, but the job is the bundled example worker (services.ingest), whose results are the "
                "table's items: without a table it stops at start (exit 2); give the job a container of its "
                "own (container.build or container.image) whose handler returns nothing, or remove "
                "store_results",
                ("store_results", "container"),
            )


def _schedule_problem(expression: str) -> str | None:
    reason = schedule_problem(expression)
    return None if reason is None else f"{show(expression)} {reason}"


@settings_model
class BatchSettings(JobPatternSettings):
    """Two prefixes overlap when one starts with the other (`data/` and `data/reports/`, or an empty prefix
    and anything): the report job would then read its own reports."""

    size: Annotated[FargateSize, FLATTENED] = field(default_factory=lambda: FargateSize(cpu=512, memory=1024))
    schedule: Annotated[
        str, checked(_schedule_problem), Allowed("`rate(...)`, `cron(...)` or `at(...)` (see below)")
    ] = "rate(1 hour)"
    """EventBridge Scheduler expression."""
    timezone: Annotated[
        str,
        checked(time_zone_problem),
        Allowed("an IANA time zone (`Europe/Berlin`, `America/New_York`, `UTC`)"),
    ] = "UTC"
    """The zone `cron` and `at` expressions are read in; the Scheduler follows its daylight saving changes."""
    flexible_window_minutes: Annotated[WholeNumber, Field(ge=0, le=1440)] = 0
    """0: start on time; otherwise the Scheduler may start the run up to this many minutes late."""
    input_prefix: Annotated[KeyPrefix, Allowed("must not overlap `batch.output_prefix`")] = "input/"
    """Objects the report job processes."""
    output_prefix: Annotated[
        KeyPrefix, Field(validate_default=True), Allowed("must not overlap `batch.input_prefix`")
    ] = "reports/"
    """Where the report job writes."""
    concurrency: Annotated[WholeNumber, Field(ge=1, le=64)] = 8
    """Objects the report job processes at once."""
    retry: TargetRetry = field(default_factory=lambda: TargetRetry(max_attempts=2))
    """Retry policy of the Scheduler's RunTask target."""
    stop_timeout_seconds: StopTimeout = 120
    """Seconds between SIGTERM and SIGKILL."""
    container: ContainerSettings = field(default_factory=ContainerSettings)
    """The job's container (unset: the bundled example worker)."""

    def rule_problems(self) -> Iterator[Problem]:
        return self.container.variable_problems("batch", BATCH_VARIABLES)

    # A field validator (run on the default too), not a rule: it sees `input_prefix` only when that one is
    # valid (pydantic's `info.data`), and the problem takes output_prefix's place among the field problems.
    @field_validator("output_prefix")
    @classmethod
    def _apart_from_input(cls, output_prefix: str, info: ValidationInfo) -> str:
        input_prefix = info.data.get("input_prefix")
        if isinstance(input_prefix, str) and (
            output_prefix.startswith(input_prefix) or input_prefix.startswith(output_prefix)
        ):
            raise ValueError(
                f"{show(output_prefix)} overlaps input_prefix {show(input_prefix)}; the report job would "
                'read its own output (use separate prefixes such as "input/" and "reports/")'
            )
        return output_prefix


@settings_model
class QueueSettings(JobPatternSettings):
    """The visibility timeout must exceed the stop timeout (a job still finishing after SIGTERM would
    otherwise be handed to a second worker) and the job timeout (a message would become visible again while
    its job runs)."""

    size: Annotated[FargateSize, FLATTENED] = field(default_factory=FargateSize)
    min_tasks: Annotated[WholeNumber, Field(ge=0, le=MAX_TASKS_CAP), Allowed("at most `queue.max_tasks`")] = 0
    """0 lets the service scale to zero while the queue is empty."""
    max_tasks: Annotated[
        WholeNumber,
        Field(ge=1, le=MAX_TASKS_CAP),
        Allowed("at least `queue.min_tasks` and `queue.on_demand_base`"),
    ] = 10
    """Upper bound of the autoscaling."""
    backlog_per_task: Annotated[WholeNumber, Field(ge=1, le=100_000)] = 100
    """Target visible messages per desired task (target tracking, above one task)."""
    max_receive_count: Annotated[WholeNumber, Field(ge=1, le=1000)] = 5
    """Receives before a message moves to the dead-letter queue."""
    job_timeout_seconds: Annotated[
        WholeNumber,
        Field(ge=1, le=MAX_VISIBILITY_TIMEOUT),
        Allowed("below `queue.visibility_timeout_seconds`"),
    ] = 240
    """Longest one job may run; the worker gives up on it after this."""
    visibility_timeout_seconds: Annotated[
        WholeNumber,
        Field(ge=0, le=MAX_VISIBILITY_TIMEOUT),
        Allowed("above `queue.job_timeout_seconds` and `queue.stop_timeout_seconds`"),
    ] = 300
    """Queue visibility timeout (the worker extends it while a job runs)."""
    message_retention_seconds: Annotated[
        WholeNumber,
        Field(ge=60, le=MAX_MESSAGE_RETENTION),
        Allowed(f"at most {MAX_SOURCE_RETENTION}, a week below the dead-letter queue's 14 days"),
    ] = 345600
    """How long the queue keeps a message (the dead-letter queue keeps 14 days)."""
    worker_concurrency: Annotated[WholeNumber, Field(ge=1, le=10)] = 4
    """Jobs one task runs at once."""
    use_spot: Annotated[Flag, Allowed("false with `cpu_architecture: ARM64`")] = True
    """Run tasks above the on-demand base on Fargate Spot."""
    on_demand_base: Annotated[
        WholeNumber, Field(ge=0, le=MAX_TASKS_CAP), Allowed("at most `queue.max_tasks`")
    ] = 0
    """Tasks that run on regular Fargate before Spot takes the rest."""
    stop_timeout_seconds: StopTimeout = 120
    """Seconds between SIGTERM and SIGKILL: time to finish or release in-flight jobs."""
    container: ContainerSettings = field(default_factory=ContainerSettings)
    """The job's container (unset: the bundled example worker)."""

    def rule_problems(self) -> Iterator[Problem]:
        yield from self.container.variable_problems("queue", QUEUE_VARIABLES)
        if self.max_tasks < self.min_tasks:
            yield _relation("max_tasks", self.max_tasks, "is below", "min_tasks", self.min_tasks)
        if self.max_tasks < self.on_demand_base:
            yield _relation("max_tasks", self.max_tasks, "is below", "on_demand_base", self.on_demand_base)
        for other, why in (
            (
                "stop_timeout_seconds",
                "a job still finishing after SIGTERM would be handed to a second worker",
            ),
            ("job_timeout_seconds", "a message would become visible again while its job still runs"),
        ):
            if self.visibility_timeout_seconds <= getattr(self, other):
                yield _relation(
                    "visibility_timeout_seconds",
                    self.visibility_timeout_seconds,
                    "is not above",
                    other,
                    getattr(self, other),
                    why,
                )
        retention = self.message_retention_seconds
        if MAX_SOURCE_RETENTION < retention <= MAX_MESSAGE_RETENTION:  # above it, the range check speaks
            left = MAX_MESSAGE_RETENTION - retention
            yield Problem(
                "message_retention_seconds",
                f"{retention} is not clearly shorter than the dead-letter queue's {MAX_MESSAGE_RETENTION} "
                "(14 days): SQS counts a message's expiry from when it was first sent, so one that fails "
                f"late would have {left} s left in the dead-letter queue; at most {MAX_SOURCE_RETENTION} "
                "(7 days) leaves a week to notice the alarm and redrive it",
            )


def _relation(name: str, value: int, relation: str, other: str, other_value: int, why: str = "") -> Problem:
    reason = f"; {why}" if why else ""
    return Problem(name, f"{value} {relation} {other} {other_value}{reason}", (name, other))


@settings_model
class StackSettings(SettingsModel):
    """Every setting of a stack; prod's rules are checked here (`_prod_problems`)."""

    environment: Annotated[Environment, Allowed("defaults to the stack name for those three stacks")]
    """Which defaults and rules apply; required for a stack not named dev, staging or prod."""
    cpu_architecture: Annotated[
        CpuArchitecture, Allowed("`ARM64` needs `queue.use_spot: false` (or the queue disabled)")
    ] = CpuArchitecture.X86_64
    """Fargate CPU architecture of every task; the worker image is built for the same platform. Fargate Spot
    runs X86_64 tasks only."""
    network: NetworkSettings = field(default_factory=NetworkSettings)
    logs: LogSettings = field(default_factory=LogSettings)
    data: DataSettings = field(default_factory=DataSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    upload: UploadSettings = field(default_factory=UploadSettings)
    """S3 upload processing."""
    batch: BatchSettings = field(default_factory=BatchSettings)
    """Scheduled batch."""
    queue: QueueSettings = field(default_factory=QueueSettings)
    """Queue workers."""

    def rule_problems(self) -> Iterator[Problem]:
        # "Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity provider. Fargate
        # Spot only supports Linux tasks with the X86_64 architecture." (ECS Developer Guide, "AWS Fargate
        # capacity providers"). A Spot share of ARM64 tasks would never be placed.
        if self.cpu_architecture is CpuArchitecture.ARM64 and self.queue.enabled and self.queue.use_spot:
            yield Problem(
                "cpu_architecture",
                '"ARM64" cannot run on Fargate Spot, which runs Linux X86_64 tasks only, and queue.use_spot '
                "is true; set queue.use_spot to false (regular Fargate runs ARM64) or cpu_architecture to "
                '"X86_64"',
                ("cpu_architecture", "queue.use_spot", "queue.enabled"),
            )
        if not any(getattr(self, name).enabled for name in JOB_PATTERNS):
            # Stopped-task alerts and the shared network and cluster exist for the jobs; without one, the
            # stack would pay for an alert topic (and in isolated-vpc, endpoints) that has nothing to watch.
            switches = tuple(f"{name}.enabled" for name in JOB_PATTERNS)
            yield Problem(
                "/".join(switches),
                "all false; a stack deploys at least one job pattern (without one it would be a network, a "
                "cluster and an alert topic with nothing to run): enable one, e.g. "
                "`pulumi config set --path 'queue.enabled' true`, or remove the stack with `pulumi destroy` "
                "and `pulumi stack rm`",
                switches,
            )
        yield from self._unreachable_image_problems()
        # One stack, one partition: the needs and secrets of all its jobs agree (each container's own do).
        yield from partition_problems(
            (f"{section}.{kind}.{path}", arn)
            for section in JOB_PATTERNS
            for kind in ("needs", "container")
            for path, arn in getattr(getattr(self, section), kind).named_arns()
        )
        if self.environment is Environment.PROD:
            yield from self._prod_problems()

    def _unreachable_image_problems(self) -> Iterator[Problem]:
        """A public registry is on the internet, which tasks behind VPC endpoints alone cannot reach (they
        pull from ECR through the ecr.api, ecr.dkr and S3 endpoints)."""
        private = (
            self.network.mode is NetworkMode.ISOLATED_VPC and self.network.egress is Egress.VPC_ENDPOINTS
        )
        for section in JOB_PATTERNS if private else ():
            settings = getattr(self, section)
            reference = settings.container.image_reference
            if settings.enabled and reference is not None and reference.ecr is None:
                yield Problem(
                    f"{section}.container.image",
                    f"{show(reference.text)} is on {reference.public_registry}, which the tasks cannot "
                    'reach: network.egress is "vpc-endpoints" (no internet, only AWS endpoints); push the '
                    'image to an ECR repository of the stack\'s region, or set network.egress to "nat"',
                    (f"{section}.container.image", "network.mode", "network.egress", f"{section}.enabled"),
                )

    def _prod_problems(self) -> Iterator[Problem]:
        """What prod may not go without: someone who hears of failures, private subnets, recoverable data
        (the upload pattern's results table, when the stack deploys one)."""
        if not self.alerts.emails:
            yield Problem(
                "alerts.emails",
                "[] is empty; prod needs at least one address, or stopped-task and dead-letter alerts "
                "reach nobody",
                ("alerts.emails", "environment"),
            )
        if self.network.mode is not NetworkMode.ISOLATED_VPC:
            yield Problem(
                "network.mode",
                f'{show(self.network.mode)} is not allowed in prod; use "isolated-vpc" '
                "(private subnets, no public IPs on tasks)",
                ("network.mode", "environment"),
            )
        has_table = self.upload.enabled and self.upload.store_results
        for name in ("point_in_time_recovery", "deletion_protection") if has_table else ():
            if not getattr(self.data, name):
                yield Problem(
                    f"data.{name}",
                    "false is not allowed in prod; the results table must survive a bad write or a "
                    "mistaken delete",
                    (f"data.{name}", "environment", "upload.enabled", "upload.store_results"),
                )
