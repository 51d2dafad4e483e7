"""How queue workers scale, as plain data: metrics, metric math and scaling policy configurations.

Pure functions (no resources), so tests check every expression, threshold and adjustment without Pulumi.

The design, in three parts that never pull in opposite directions:

* Wake (step scaling, only when the service may scale to zero): an alarm that breaches while messages are
  visible *and* the service wants no task (`DesiredTaskCount` 0) adds one task. Target tracking cannot do
  this: it multiplies the current capacity, and 0 times anything is 0. The gate on `DesiredTaskCount`
  matters because CloudWatch re-invokes scaling actions every minute an alarm stays in ALARM: an
  ungated "+1" would ramp a busy service to its maximum, an ungated "exactly 1" would undo target tracking.
* Backlog per task (target tracking, always): visible messages / running tasks, kept at
  `backlog_per_task`. Its scale-in stays on; a busy worker holds ECS task scale-in protection, so a
  lower desired count stops idle tasks only. While any message is in flight the metric is at least
  `BUSY_FLOOR`: target tracking computes ceil(tasks * metric / target), and a plain 0 (nothing visible
  because the workers keep up) would ask for zero tasks under a steady trickle; zero is the sleep
  policy's decision alone.
* Sleep (step scaling, only when the service may scale to zero): when the service has wanted tasks and the
  queue has had nothing visible *and nothing in flight* for `IDLE_MINUTES_BEFORE_ZERO`, capacity is set
  to exactly 0. In-flight messages keep it awake, so no task is removed under a running job. Missing data
  never counts as idle. Gated like the wake alarm, the other way round: at zero it is OK, so it neither
  repeats "0" every minute nor races the wake policy when the first message arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

import pulumi
from pulumi_aws import appautoscaling, cloudwatch

AlarmQuery: TypeAlias = cloudwatch.MetricAlarmMetricQueryArgsDict
StepScaling: TypeAlias = appautoscaling.PolicyStepScalingPolicyConfigurationArgsDict
TargetTracking: TypeAlias = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgsDict
TrackingQuery: TypeAlias = (
    appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgsDict
)

PERIOD_SECONDS = 60
"""SQS and Container Insights publish one data point a minute."""
SQS_NAMESPACE = "AWS/SQS"
CONTAINER_INSIGHTS_NAMESPACE = "ECS/ContainerInsights"

WAKE_COOLDOWN_SECONDS = 120
"""Longer than Container Insights takes to report the new desired count, so one wake adds one task."""
IDLE_MINUTES_BEFORE_ZERO = 15
"""Minutes of an empty queue (nothing visible, nothing in flight) before the service scales to zero."""
SLEEP_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60
"""Target tracking adds tasks quickly when the backlog grows."""
SCALE_IN_COOLDOWN_SECONDS = 300
"""... and removes them slowly: a backlog that dips for a minute should not stop warm workers."""

WAKE_EXPRESSION = "IF(FILL(desired, 0) < 1, visible, 0)"
"""Visible messages while the service wants no task; 0 otherwise. A missing desired count counts as 0."""
IDLE_EXPRESSION = "IF(FILL(desired, 0) > 0, visible + in_flight, 1)"
"""Messages waiting plus messages being worked on while tasks are wanted (missing if either is missing);
1, never idle, while the service already wants none."""
RUNNING_TASKS_EXPRESSION = "FILL(running, 0)"
VISIBLE_PER_TASK_EXPRESSION = "IF(tasks > 0, visible / tasks, visible)"
"""Visible messages per running task; with no task running yet, the whole backlog (never a division by 0)."""
BUSY_FLOOR = 0.001
"""Far below any target, so it never adds a task; above 0, so it never removes the last busy one."""
BACKLOG_PER_TASK_EXPRESSION = (
    f"IF(FILL(in_flight, 0) > 0 AND per_task < {BUSY_FLOOR}, {BUSY_FLOOR}, per_task)"
)


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric and the statistic taken over each minute."""

    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str

    def alarm_query(self, query_id: str) -> AlarmQuery:
        """An item of `aws.cloudwatch.MetricAlarm(metric_queries=...)`, feeding an expression."""
        return {
            "id": query_id,
            "return_data": False,
            "metric": {
                "namespace": self.namespace,
                "metric_name": self.name,
                "dimensions": dict(self.dimensions),
                "stat": self.stat,
                "period": PERIOD_SECONDS,
            },
        }

    def tracking_query(self, query_id: str) -> TrackingQuery:
        """An item of a target tracking `customized_metric_specification.metrics`, feeding an expression."""
        return {
            "id": query_id,
            "return_data": False,
            "metric_stat": {
                "metric": {
                    "namespace": self.namespace,
                    "metric_name": self.name,
                    "dimensions": [
                        {"name": name, "value": value} for name, value in sorted(self.dimensions.items())
                    ],
                },
                "stat": self.stat,
            },
        }


def queue_metric(name: str, queue_name: pulumi.Input[str], stat: str) -> Metric:
    return Metric(SQS_NAMESPACE, name, {"QueueName": queue_name}, stat)


def service_metric(
    name: str, cluster_name: pulumi.Input[str], service_name: pulumi.Input[str], stat: str
) -> Metric:
    """A Container Insights metric of one ECS service (the cluster must have Container Insights on)."""
    return Metric(
        CONTAINER_INSIGHTS_NAMESPACE, name, {"ClusterName": cluster_name, "ServiceName": service_name}, stat
    )


def _alarm_expression(query_id: str, expression: str, label: str) -> AlarmQuery:
    """The query whose value the alarm compares with its threshold."""
    return {"id": query_id, "expression": expression, "label": label, "return_data": True}


def _tracking_expression(query_id: str, expression: str, label: str, *, return_data: bool) -> TrackingQuery:
    return {"id": query_id, "expression": expression, "label": label, "return_data": return_data}


@dataclass(frozen=True)
class AlarmSpec:
    """The parts of an `aws.cloudwatch.MetricAlarm` that decide when a step scaling policy runs."""

    description: str
    metric_queries: list[AlarmQuery]
    comparison_operator: str
    threshold: float
    evaluation_periods: int
    """Consecutive one-minute data points that must all breach (datapoints to alarm = evaluation periods)."""
    treat_missing_data: str


def _visible_and_desired(
    queue_name: pulumi.Input[str], cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]
) -> list[AlarmQuery]:
    """Each minute's maximum: any message seen, any task wanted in that minute counts."""
    return [
        queue_metric("ApproximateNumberOfMessagesVisible", queue_name, "Maximum").alarm_query("visible"),
        service_metric("DesiredTaskCount", cluster_name, service_name, "Maximum").alarm_query("desired"),
    ]


def wake_alarm(
    queue_name: pulumi.Input[str], cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]
) -> AlarmSpec:
    """Breaches in the first minute with a visible message while the service wants no task."""
    return AlarmSpec(
        description="Messages are waiting and the service runs no task: start one (scale from zero)",
        metric_queries=[
            *_visible_and_desired(queue_name, cluster_name, service_name),
            _alarm_expression(
                "waiting_for_a_task", WAKE_EXPRESSION, "Visible messages while no task is wanted"
            ),
        ],
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=1,
        evaluation_periods=1,
        # No queue metric (an inactive queue publishes none) means no message is waiting.
        treat_missing_data="notBreaching",
    )


def idle_alarm(
    queue_name: pulumi.Input[str], cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]
) -> AlarmSpec:
    """Breaches after `IDLE_MINUTES_BEFORE_ZERO` whole minutes of tasks wanted, nothing visible and nothing
    in flight."""
    return AlarmSpec(
        description=(
            f"Queue empty and no job in flight for {IDLE_MINUTES_BEFORE_ZERO} minutes: scale to zero tasks"
        ),
        metric_queries=[
            *_visible_and_desired(queue_name, cluster_name, service_name),
            queue_metric("ApproximateNumberOfMessagesNotVisible", queue_name, "Maximum").alarm_query(
                "in_flight"
            ),
            _alarm_expression(
                "outstanding", IDLE_EXPRESSION, "Visible plus in-flight messages while tasks are wanted"
            ),
        ],
        comparison_operator="LessThanOrEqualToThreshold",
        threshold=0,
        evaluation_periods=IDLE_MINUTES_BEFORE_ZERO,
        # A gap in the data must never stop tasks that may be working.
        treat_missing_data="notBreaching",
    )


def wake_policy() -> StepScaling:
    """Step scaling: +1 task. ChangeInCapacity, not ExactCapacity 1: if the alarm fires again before it sees
    the new desired count, adding one is harmless where setting exactly one could undo target tracking."""
    return {
        "adjustment_type": "ChangeInCapacity",
        "cooldown": WAKE_COOLDOWN_SECONDS,
        "metric_aggregation_type": "Maximum",
        # Bounds are relative to the alarm threshold (1 visible message): any breach adds one task.
        "step_adjustments": [{"metric_interval_lower_bound": "0", "scaling_adjustment": 1}],
    }


def sleep_policy() -> StepScaling:
    """Step scaling: exactly 0 tasks, applied only by the idle alarm."""
    return {
        "adjustment_type": "ExactCapacity",
        "cooldown": SLEEP_COOLDOWN_SECONDS,
        "metric_aggregation_type": "Maximum",
        # At or below the threshold (0 outstanding messages).
        "step_adjustments": [{"metric_interval_upper_bound": "0", "scaling_adjustment": 0}],
    }


def backlog_per_task_policy(
    *,
    queue_name: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    service_name: pulumi.Input[str],
    backlog_per_task: int,
) -> TargetTracking:
    """Target tracking on visible messages per running task: AWS's "SQS backlog per task", in metric math."""
    return {
        "target_value": float(backlog_per_task),
        "scale_out_cooldown": SCALE_OUT_COOLDOWN_SECONDS,
        "scale_in_cooldown": SCALE_IN_COOLDOWN_SECONDS,
        # Busy tasks are protected from scale-in by the worker itself; without scale-in here a service
        # with min_tasks >= 1 would never shrink after a burst.
        "disable_scale_in": False,
        "customized_metric_specification": {
            "metrics": [
                queue_metric("ApproximateNumberOfMessagesVisible", queue_name, "Average").tracking_query(
                    "visible"
                ),
                queue_metric("ApproximateNumberOfMessagesNotVisible", queue_name, "Average").tracking_query(
                    "in_flight"
                ),
                service_metric("RunningTaskCount", cluster_name, service_name, "Average").tracking_query(
                    "running"
                ),
                _tracking_expression("tasks", RUNNING_TASKS_EXPRESSION, "Running tasks", return_data=False),
                _tracking_expression(
                    "per_task", VISIBLE_PER_TASK_EXPRESSION, "Visible messages per task", return_data=False
                ),
                _tracking_expression(
                    "backlog_per_task",
                    BACKLOG_PER_TASK_EXPRESSION,
                    "Visible messages per task, above 0 while a job runs",
                    return_data=True,
                ),
            ]
        },
    }
