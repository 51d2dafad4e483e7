"""Scaling resources as data: what the program registered (read from the mock runtime) and CDK's defaults.

`from_resources()` takes the resource list `tools.policy_gate.program.record()` returns (the program run on
the recording mock, exactly as `tests/program/test_stacks.py` runs it) and keeps the parts Application Auto
Scaling and CloudWatch act on: the scalable target's bounds, each step policy with the alarm that invokes
it (matched by the alarm's action ARN), and each target tracking policy with its metric math.

`cdk_queue_processing_defaults()` is what CDK's `QueueProcessingFargateService` creates with its defaults
(aws-cdk-lib `aws-ecs-patterns/lib/base/queue-processing-service-base.ts`): min capacity 1, scaling steps
`[{upper: 0, change: -1}, {lower: 100, change: +1}, {lower: 500, change: +5}]` on
`ApproximateNumberOfMessagesVisible` (Maximum over 5 minutes, the queue metric's default), turned by
`StepScalingPolicy` (`aws-applicationautoscaling/lib/step-scaling-policy.ts`) into a lower alarm (<= 0,
-1 task) and an upper alarm (>= 100: +1 task, >= 500: +5), one evaluation period, ChangeInCapacity, no
cooldown, missing data left at CloudWatch's default (`missing`). Its CPU target tracking (50 %) is left
out: the model's jobs wait on I/O, so CPU stays between its alarms (see `simulator`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Query:
    """One entry of an alarm's or target tracking policy's metric queries."""

    id: str
    metric_name: str | None = None
    stat: str = "Average"
    period_minutes: int = 1
    expression: str | None = None
    return_data: bool = False


@dataclass(frozen=True)
class Alarm:
    name: str
    queries: tuple[Query, ...]
    comparison: str
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str

    @property
    def period_minutes(self) -> int:
        return max(query.period_minutes for query in self.queries)


@dataclass(frozen=True)
class Step:
    lower: float | None
    upper: float | None
    adjustment: float


@dataclass(frozen=True)
class StepPolicy:
    name: str
    adjustment_type: str
    cooldown_seconds: float
    steps: tuple[Step, ...]
    alarm: Alarm


@dataclass(frozen=True)
class TargetTracking:
    name: str
    target: float
    queries: tuple[Query, ...]
    scale_out_cooldown_seconds: float
    scale_in_cooldown_seconds: float
    disable_scale_in: bool


@dataclass(frozen=True)
class ScalingSetup:
    min_capacity: int
    max_capacity: int
    step_policies: tuple[StepPolicy, ...]
    target_tracking: tuple[TargetTracking, ...]


def _bound(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def _alarm_query(raw: Mapping[str, Any]) -> Query:
    metric = raw.get("metric") or {}
    return Query(
        id=raw["id"],
        metric_name=metric.get("metricName"),
        stat=metric.get("stat", "Average"),
        period_minutes=int(metric.get("period", 60)) // 60,
        expression=raw.get("expression"),
        return_data=bool(raw.get("returnData", False)),
    )


def _tracking_query(raw: Mapping[str, Any]) -> Query:
    stat = raw.get("metricStat") or {}
    return Query(
        id=raw["id"],
        metric_name=(stat.get("metric") or {}).get("metricName"),
        stat=stat.get("stat", "Average"),
        expression=raw.get("expression"),
        return_data=bool(raw.get("returnData", False)),
    )


def _alarm(resource: Mapping[str, Any]) -> Alarm:
    inputs = resource["inputs"]
    if "metricQueries" in inputs:
        queries = tuple(_alarm_query(query) for query in inputs["metricQueries"])
    else:
        queries = (
            Query(
                id="m",
                metric_name=inputs["metricName"],
                stat=inputs.get("statistic", "Average"),
                period_minutes=int(inputs.get("period", 60)) // 60,
                return_data=True,
            ),
        )
    periods = int(inputs["evaluationPeriods"])
    return Alarm(
        name=resource["name"],
        queries=queries,
        comparison=inputs["comparisonOperator"],
        threshold=float(inputs["threshold"]),
        evaluation_periods=periods,
        datapoints_to_alarm=int(inputs.get("datapointsToAlarm") or periods),
        treat_missing_data=inputs.get("treatMissingData", "missing"),
    )


def from_resources(resources: Sequence[Mapping[str, Any]]) -> ScalingSetup:
    """The queue service's scaling, from a recorded resource graph with exactly one scalable target."""
    targets = [r for r in resources if r["type"] == "aws:appautoscaling/target:Target"]
    if len(targets) != 1:
        raise ValueError(f"expected one aws:appautoscaling/target:Target, found {len(targets)}")
    [target] = targets
    alarms_by_action = {
        action: resource
        for resource in resources
        if resource["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"
        for action in resource["inputs"].get("alarmActions", [])
    }
    steps: list[StepPolicy] = []
    tracking: list[TargetTracking] = []
    for policy in (r for r in resources if r["type"] == "aws:appautoscaling/policy:Policy"):
        inputs = policy["inputs"]
        if inputs["policyType"] == "StepScaling":
            configuration = inputs["stepScalingPolicyConfiguration"]
            alarm = alarms_by_action.get(policy["outputs"]["arn"])
            if alarm is None:
                raise ValueError(f"step policy {policy['name']} has no alarm whose action is its ARN")
            steps.append(
                StepPolicy(
                    name=policy["name"],
                    adjustment_type=configuration["adjustmentType"],
                    cooldown_seconds=float(configuration.get("cooldown", 0)),
                    steps=tuple(
                        Step(
                            _bound(step.get("metricIntervalLowerBound")),
                            _bound(step.get("metricIntervalUpperBound")),
                            float(step["scalingAdjustment"]),
                        )
                        for step in configuration["stepAdjustments"]
                    ),
                    alarm=_alarm(alarm),
                )
            )
        else:
            configuration = inputs["targetTrackingScalingPolicyConfiguration"]
            tracking.append(
                TargetTracking(
                    name=policy["name"],
                    target=float(configuration["targetValue"]),
                    queries=tuple(
                        _tracking_query(query)
                        for query in configuration["customizedMetricSpecification"]["metrics"]
                    ),
                    scale_out_cooldown_seconds=float(configuration.get("scaleOutCooldown", 300)),
                    scale_in_cooldown_seconds=float(configuration.get("scaleInCooldown", 300)),
                    disable_scale_in=bool(configuration.get("disableScaleIn", False)),
                )
            )
    bounds = target["inputs"]
    return ScalingSetup(int(bounds["minCapacity"]), int(bounds["maxCapacity"]), tuple(steps), tuple(tracking))


CDK_MIN_CAPACITY = 1
CDK_VISIBLE_PERIOD_MINUTES = 5
"""`queue.metricApproximateNumberOfMessagesVisible()`: "Maximum over 5 minutes"."""


def cdk_queue_processing_defaults(max_capacity: int) -> ScalingSetup:
    """CDK's defaults but for the maximum (its default, 2, would measure only the cap): ours is used."""
    visible = Query(
        "m",
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        CDK_VISIBLE_PERIOD_MINUTES,
        return_data=True,
    )

    def alarm(name: str, comparison: str, threshold: float) -> Alarm:
        return Alarm(name, (visible,), comparison, threshold, 1, 1, "missing")

    lower = StepPolicy(
        "cdk-lower",
        "ChangeInCapacity",
        0,
        (Step(None, 0, -1),),
        alarm("cdk-lower-alarm", "LessThanOrEqualToThreshold", 0),
    )
    upper = StepPolicy(
        "cdk-upper",
        "ChangeInCapacity",
        0,
        (Step(0, 400, 1), Step(400, None, 5)),
        alarm("cdk-upper-alarm", "GreaterThanOrEqualToThreshold", 100),
    )
    return ScalingSetup(CDK_MIN_CAPACITY, max_capacity, (lower, upper), ())
