"""Monthly cost of one stack's resource graph at a stated load, from the committed price table.

The graph is the program's own, recorded on the mock runtime (`tools.policy_gate.program.record`): what
is priced is what `pulumi up` would create. Usage that no resource states is a stated assumption
(`Load`); each line says how it was computed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICE_TABLES = Path(__file__).resolve().parent / "prices"
"""One dated table per region, `<region>.json`: each price with its unit and source, `"estimate": true` where
the source does not confirm it for that region."""
HOURS_PER_MONTH = 730
DAYS_PER_MONTH = 30

CONTAINER_INSIGHTS_METRICS = {"cluster": 12, "service": 14, "task_family": 10}
"""Assumed metric counts per dimension set of Container Insights on ECS (the metrics table of
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html lists about
this many per cluster, per service and per task definition family); billed as custom metrics."""
TARGET_TRACKING_ALARMS = 2
"""Application Auto Scaling creates a scale-out and a scale-in alarm for each target tracking policy."""
WORKERS = ("worker", "ingest", "report")
"""The bundled workers of the queue, upload and batch patterns, by the end of their task family's name."""


@dataclass(frozen=True)
class Prices:
    region: str
    date: str
    values: Mapping[str, float]
    estimated: frozenset[str] = frozenset()
    """The names of the prices that are estimates."""

    def __getitem__(self, name: str) -> float:
        return self.values[name]


def priced_regions(directory: Path = PRICE_TABLES) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.json"))


def price_table(region: str, directory: Path = PRICE_TABLES) -> Path:
    """The committed table of `region`; an unpriced region is an error naming the priced ones."""
    path = directory / f"{region}.json"
    if not path.is_file():
        raise ValueError(
            f"no price table for region {region!r} (the stack's aws:region); priced regions: "
            f"{', '.join(priced_regions(directory))}. Add {directory.name}/{region}.json beside them, "
            "each price with its unit and source"
        )
    return path


def load_prices(region: str, directory: Path = PRICE_TABLES) -> Prices:
    path = price_table(region, directory)
    raw = json.loads(path.read_text())
    if raw["region"] != region:
        raise ValueError(f"{path}: its region is {raw['region']!r}, not {region!r}")
    items = raw["prices"]
    return Prices(
        raw["region"],
        raw["date"],
        {name: item["price"] for name, item in items.items()},
        frozenset(name for name, item in items.items() if item.get("estimate", False)),
    )


@dataclass(frozen=True)
class Load:
    """What the month brings, beside the resource graph: the stated load."""

    queue_minute_tasks: tuple[int, ...]
    """Queue worker tasks at the end of each simulated minute of one day (repeated every day)."""
    queue_messages_per_day: int
    uploads_per_day: int
    upload_task_minutes: float = 1.0
    batch_task_minutes: float = 10.0
    log_kib_per_message: float = 2.0
    log_kib_per_upload: float = 5.0
    log_kib_per_batch_run: float = 20.0
    image_gib: float = 0.15
    """Size of each of the three worker images in ECR."""
    sqs_requests_per_message: float = 3.0
    """Send, plus its share of batched receives, deletes and visibility changes."""
    sqs_polls_per_task_minute: float = 3.0
    """20-second long polls while a task waits."""

    def describe(self) -> str:
        return (
            f"{self.queue_messages_per_day:,} queue messages a day (the simulated daily peak), "
            f"{self.uploads_per_day:,} uploads a day ({self.upload_task_minutes:g} task-minute each), "
            f"batch runs as scheduled ({self.batch_task_minutes:g} task-minutes each); logs "
            f"{self.log_kib_per_message:g} KiB a message, {self.log_kib_per_upload:g} KiB an upload, "
            f"{self.log_kib_per_batch_run:g} KiB a batch run"
        )


IDLE = Load(queue_minute_tasks=(), queue_messages_per_day=0, uploads_per_day=0)
"""No messages and no uploads; schedules still run."""


@dataclass(frozen=True)
class LineItem:
    name: str
    monthly: float
    basis: str


def _of_type(resources: Sequence[Mapping[str, Any]], typ: str) -> list[Mapping[str, Any]]:
    return [r for r in resources if r["type"] == typ]


def _task_size(definition: Mapping[str, Any]) -> tuple[float, float]:
    """(vCPU, GB) of a Fargate task definition (`cpu` in units of 1/1024 vCPU, `memory` in MiB)."""
    return int(definition["inputs"]["cpu"]) / 1024, int(definition["inputs"]["memory"]) / 1024


def _definitions(resources: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Worker -> its task definition, for each job pattern the stack deploys (each stack chooses its own)."""
    found: dict[str, Mapping[str, Any]] = {}
    for definition in _of_type(resources, "aws:ecs/taskDefinition:TaskDefinition"):
        worker = next(
            (w for w in WORKERS if str(definition["inputs"].get("family", "")).endswith(f"-{w}")), None
        )
        if worker is not None:
            if worker in found:
                raise ValueError(f"two task definitions of the {worker} worker; cannot tell which to price")
            found[worker] = definition
    return found


def _network_configurations(resources: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """How every task starts: the queue service, the upload rule's RunTask target, the batch schedule."""
    configurations = [
        r["inputs"].get("networkConfiguration") for r in _of_type(resources, "aws:ecs/service:Service")
    ]
    configurations += [
        (r["inputs"].get("ecsTarget") or {}).get("networkConfiguration")
        for r in _of_type(resources, "aws:cloudwatch/eventTarget:EventTarget")
    ]
    configurations += [
        ((r["inputs"].get("target") or {}).get("ecsParameters") or {}).get("networkConfiguration")
        for r in _of_type(resources, "aws:scheduler/schedule:Schedule")
    ]
    return [configuration for configuration in configurations if configuration]


def runs_per_day(expression: str) -> float:
    """How often an EventBridge Scheduler expression fires a day: rate(...) exactly; cron(...) once on each
    day its day-of-month and day-of-week fields allow (a cron with several hours or minutes is not priced)."""
    rate = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if rate:
        every = int(rate.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[rate.group(2).rstrip("s")]
        return 1440 / every
    cron = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)", expression)
    if cron is None:
        raise ValueError(f"cannot price schedule {expression!r}: not a rate(...) or cron(...) expression")
    minutes, hours, _day_of_month, _month, day_of_week, _year = cron.groups()
    if not (minutes.isdigit() and hours.isdigit()):
        raise ValueError(f"cannot price schedule {expression!r}: more than one run a day")
    return 5 / 7 if day_of_week.upper() == "MON-FRI" else 1.0


def _spot_split(minute_tasks: Sequence[int], base: int) -> tuple[float, float]:
    """(on-demand, Spot) task-hours a day: the first `base` tasks on-demand, the rest on Fargate Spot."""
    on_demand = sum(min(tasks, base) for tasks in minute_tasks) / 60
    spot = sum(max(0, tasks - base) for tasks in minute_tasks) / 60
    return on_demand, spot


def _capacity_base(service: Mapping[str, Any]) -> tuple[int, bool]:
    """The on-demand base of the service's capacity provider strategy, and whether it uses Spot."""
    strategies = service["inputs"].get("capacityProviderStrategies") or []
    base = sum(int(s.get("base", 0)) for s in strategies if s["capacityProvider"] == "FARGATE")
    spot = any(s["capacityProvider"] == "FARGATE_SPOT" and float(s.get("weight", 0)) > 0 for s in strategies)
    return base, spot


def _alarm_metrics(alarm: Mapping[str, Any]) -> int:
    queries = alarm["inputs"].get("metricQueries")
    if not queries:
        return 1
    return sum(1 for query in queries if "metric" in query)


def price(resources: Sequence[Mapping[str, Any]], load: Load, prices: Prices) -> list[LineItem]:
    """Every priced line of one month, largest first."""
    items: list[LineItem] = []
    fargate_hour = {
        worker: (lambda size: size[0] * prices["fargate_vcpu_hour"] + size[1] * prices["fargate_gb_hour"])(
            _task_size(definition)
        )
        for worker, definition in _definitions(resources).items()
    }
    # Only the job patterns the stack deploys cost anything; the load of one it leaves out is not priced.
    messages_per_day = load.queue_messages_per_day if "worker" in fargate_hour else 0
    uploads_per_day = load.uploads_per_day if "ingest" in fargate_hour else 0
    on_demand_hours = spot_hours = upload_hours = batch_hours = batch_runs = 0.0
    if "worker" in fargate_hour:
        [service] = _of_type(resources, "aws:ecs/service:Service")
        base, uses_spot = _capacity_base(service)
        on_demand_hours, spot_hours = _spot_split(load.queue_minute_tasks, base if uses_spot else 10**9)
        on_demand_hours *= DAYS_PER_MONTH
        spot_hours *= DAYS_PER_MONTH
        items.append(
            LineItem(
                "Fargate: queue workers",
                on_demand_hours * fargate_hour["worker"]
                + spot_hours * fargate_hour["worker"] * prices["fargate_spot_fraction"],
                f"{on_demand_hours:,.0f} on-demand + {spot_hours:,.0f} Spot task-hours "
                f"(first {base} task{'s' if base != 1 else ''} on-demand) at ${fargate_hour['worker']:.4f}/h",
            )
        )
    if "ingest" in fargate_hour:
        upload_hours = uploads_per_day * DAYS_PER_MONTH * load.upload_task_minutes / 60
        items.append(
            LineItem(
                "Fargate: upload processing",
                upload_hours * fargate_hour["ingest"],
                f"{upload_hours:,.1f} task-hours at ${fargate_hour['ingest']:.4f}/h",
            )
        )
    if "report" in fargate_hour:
        [schedule] = _of_type(resources, "aws:scheduler/schedule:Schedule")
        batch_runs = runs_per_day(schedule["inputs"]["scheduleExpression"]) * DAYS_PER_MONTH
        batch_hours = batch_runs * load.batch_task_minutes / 60
        items.append(
            LineItem(
                "Fargate: scheduled batch",
                batch_hours * fargate_hour["report"],
                f"{batch_runs:,.0f} runs ({schedule['inputs']['scheduleExpression']}), "
                f"{batch_hours:,.1f} task-hours",
            )
        )
    task_hours = on_demand_hours + spot_hours + upload_hours + batch_hours
    if any(configuration.get("assignPublicIp") for configuration in _network_configurations(resources)):
        items.append(
            LineItem(
                "Public IPv4 addresses of tasks",
                task_hours * prices["public_ipv4_hour"],
                f"{task_hours:,.0f} task-hours with a public IP (default VPC)",
            )
        )
    subnets = len(_of_type(resources, "aws:ec2/subnet:Subnet"))
    interface = [
        r
        for r in _of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if r["inputs"].get("vpcEndpointType") == "Interface"
    ]
    if interface:
        zones = max(len(r["inputs"].get("subnetIds") or []) for r in interface) or subnets
        items.append(
            LineItem(
                "VPC interface endpoints",
                len(interface) * zones * HOURS_PER_MONTH * prices["interface_endpoint_hour"],
                f"{len(interface)} endpoints x {zones} zones x {HOURS_PER_MONTH} h "
                "(gateway endpoints are free)",
            )
        )
    nat = _of_type(resources, "aws:ec2/natGateway:NatGateway")
    if nat:
        items.append(
            LineItem(
                "NAT gateways",
                len(nat) * HOURS_PER_MONTH * prices["nat_gateway_hour"],
                f"{len(nat)} x {HOURS_PER_MONTH} h (data processing not priced)",
            )
        )
    keys = _of_type(resources, "aws:kms/key:Key")
    items.append(LineItem("KMS keys", len(keys) * prices["kms_key_month"], f"{len(keys)} customer managed"))
    alarms = _of_type(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
    alarm_metrics = sum(_alarm_metrics(alarm) for alarm in alarms)
    tracking = [
        r
        for r in _of_type(resources, "aws:appautoscaling/policy:Policy")
        if r["inputs"]["policyType"] == "TargetTrackingScaling"
    ]
    tracking_metrics = sum(
        TARGET_TRACKING_ALARMS
        * sum(
            1
            for metric in policy["inputs"]["targetTrackingScalingPolicyConfiguration"][
                "customizedMetricSpecification"
            ]["metrics"]
            if "metricStat" in metric
        )
        for policy in tracking
    )
    items.append(
        LineItem(
            "CloudWatch alarms",
            (alarm_metrics + tracking_metrics) * prices["alarm_metric_month"],
            f"{len(alarms)} alarms with {alarm_metrics} metrics, plus "
            f"{TARGET_TRACKING_ALARMS * len(tracking)} target tracking alarms with {tracking_metrics}",
        )
    )
    clusters = _of_type(resources, "aws:ecs/cluster:Cluster")
    insights = [
        c
        for c in clusters
        if {"name": "containerInsights", "value": "enabled"} in (c["inputs"].get("settings") or [])
    ]
    if insights:
        services = len(_of_type(resources, "aws:ecs/service:Service"))
        families = len(_of_type(resources, "aws:ecs/taskDefinition:TaskDefinition"))
        metrics = (
            len(insights) * CONTAINER_INSIGHTS_METRICS["cluster"]
            + services * CONTAINER_INSIGHTS_METRICS["service"]
            + families * CONTAINER_INSIGHTS_METRICS["task_family"]
        )
        items.append(
            LineItem(
                "Container Insights metrics",
                metrics * prices["custom_metric_month"],
                f"about {metrics} metrics ({len(insights)} cluster, {services} service, {families} task "
                "families) if sent all month: an upper bound, metrics are billed by the hours they are sent",
            )
        )
    log_gib = (
        (
            messages_per_day * load.log_kib_per_message
            + uploads_per_day * load.log_kib_per_upload
            + batch_runs / DAYS_PER_MONTH * load.log_kib_per_batch_run
        )
        * DAYS_PER_MONTH
        / 2**20
    )
    retention_months = (
        max(
            int(r["inputs"].get("retentionInDays", 30))
            for r in _of_type(resources, "aws:cloudwatch/logGroup:LogGroup")
        )
        / 30
    )
    items.append(
        LineItem(
            "CloudWatch Logs",
            log_gib * prices["log_ingestion_gb"]
            + log_gib * min(retention_months, 12) * prices["log_storage_gb_month"],
            f"{log_gib:,.2f} GiB ingested, kept {retention_months:.1f} months "
            "(storage at steady state, up to a year)",
        )
    )
    if _of_type(resources, "aws:dynamodb/table:Table"):
        writes = reads = uploads_per_day * DAYS_PER_MONTH
        items.append(
            LineItem(
                "DynamoDB on-demand",
                writes / 1e6 * prices["dynamodb_write_million"]
                + reads / 1e6 * prices["dynamodb_read_million"],
                f"{writes:,} writes and {reads:,} reads (one each per upload); storage below the free 25 GB",
            )
        )
    if "worker" in fargate_hour:
        requests = (
            messages_per_day * load.sqs_requests_per_message
            + sum(load.queue_minute_tasks) * load.sqs_polls_per_task_minute
        ) * DAYS_PER_MONTH
        items.append(
            LineItem(
                "SQS requests",
                requests / 1e6 * prices["sqs_requests_million"],
                f"{requests / 1e6:,.1f} million requests (messages and long polls)",
            )
        )
    images = len(_of_type(resources, "awsx:ecr:Image"))
    items.append(
        LineItem(
            "ECR image storage",
            images * load.image_gib * prices["ecr_storage_gb_month"],
            f"{images} images of {load.image_gib:g} GiB",
        )
    )
    return sorted(items, key=lambda item: item.monthly, reverse=True)
