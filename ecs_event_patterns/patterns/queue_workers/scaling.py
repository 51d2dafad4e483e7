"""How queue workers scale, as plain data: metrics, metric math and scaling policy configurations.

Pure functions (no resources), so tests check every expression, threshold and adjustment without Pulumi.

The design, in three parts. Application Auto Scaling runs every policy of the scalable target; when several
ask for a change at once, the one that gives the largest capacity wins, for scale-out and scale-in alike,
and a step policy's scale-in is not held back by target tracking (Application Auto Scaling guide, "Target
tracking scaling policies", Considerations; `PutScalingPolicy`: "if the step scaling policy initiates a
scale-in activity before the target tracking policy is ready to scale in, the scale-in activity will not be
blocked"). So the three never ask for opposite changes at the same time; at most, in the minute the sleep
policy asks for zero, target tracking asks for one task, which wins that minute, and the sleep alarm, still
in ALARM and so invoked again, sets zero the next:

* Wake (step scaling, only when the service may scale to zero): an alarm on the queue's own metrics alone
  breaches while messages are visible and none is in flight, i.e. while nobody is receiving, and adds one
  task. No Container Insights metric takes part: at zero tasks ECS may publish none for the service, and
  whether `FILL` yields a point for a series missing over the whole window is not documented. SQS publishes
  visible and in-flight counts together, once a minute, for an active queue. Not visible alone: CloudWatch
  re-invokes an Auto Scaling action every minute its alarm stays in ALARM, and visible messages are the
  normal state of a busy queue, so "+1 whenever anything is visible" would add a task per cooldown until
  `max_tasks`. Once a task receives, a message is in flight and the alarm returns to OK. Its cooldown
  (`WAKE_COOLDOWN_SECONDS`) covers a Fargate task's start plus the minute or two before SQS's metrics show
  the first receive; within it the policy does not add again.
  Latency: a queue with no activity for six hours is inactive and SQS sends no metrics for it; after the
  first message it can take up to about 15 minutes until they resume (SQS developer guide, "Monitoring Amazon
  SQS queues using CloudWatch"), so the first message after a quiet night may wait that long for a task.
  A message whose consumer died stays in flight until its visibility timeout, and so delays the wake by at
  most `visibility_timeout_seconds`.
* Backlog per task (target tracking, always): visible messages per task of the service's *desired* count,
  kept at `backlog_per_task`. Target tracking sets the capacity to ceil(capacity x metric / target), and the
  capacity of an ECS scalable target is the service's desired count (`ecs:service:DesiredCount`), so the
  metric must fall in proportion to that count ("the metric value must increase or decrease proportionally
  to the capacity of the scalable target", Application Auto Scaling guide, "Target tracking scaling
  policies"). AWS's own example divides by `RunningTaskCount` ("Create a target tracking scaling policy using
  metric math", "Amazon SQS queue backlog per task"); that holds only while tasks run within the scale-out
  cooldown. A Fargate task takes about a minute, so tasks asked for but still pending would count as missing
  again and each scale-out would repeat the last one (in the scaling simulator the daily peak, which needs 3
  tasks, reached the maximum of 50). Per desired task, ceil(desired x visible / desired / target) =
  ceil(visible / target): the tasks the backlog needs, however many are still starting.
  It never asks for zero: the metric is at least `BUSY_FLOOR` whenever tasks are wanted, and the capacity is
  rounded up ("Service Auto Scaling always acts conservatively by rounding up or down ... This prevents it
  from adding insufficient capacity or removing too much capacity", ECS developer guide, "Target tracking
  scaling policies"), so ceil(tasks x floor / target) is 1. Zero is the sleep policy's decision alone: with a
  plain 0 (nothing visible at the minute's sample, and a short job rarely in flight then) target tracking
  stopped the last task between the messages of a trickle and the wake policy started it again, a task start
  every few minutes. Its scale-in stays on, down to one task; a busy worker holds ECS task scale-in
  protection, so a lower desired count stops idle tasks only.
* Sleep (step scaling, only when the service may scale to zero): when the service has wanted tasks and the
  queue has had nothing visible, nothing in flight *and nothing received* for `IDLE_MINUTES_BEFORE_ZERO`,
  capacity is set to exactly 0. In-flight messages keep it awake, so no task is removed under a running job.
  Visible and in-flight counts are samples, one a minute: a job of a few seconds between two samples shows in
  neither, so under a trickle (one message a minute) the queue looked idle and the sleep policy stopped the
  service every quarter of an hour, for the next message to wake it. `NumberOfMessagesReceived` (Sum) counts
  every message received in the minute, so only minutes without any work count as idle. Missing data never
  counts as idle. Gated on `DesiredTaskCount` the other way round: at zero (no data or a 0) it is OK, so it
  neither repeats "0" every minute nor races the wake policy when the first message arrives; a gate that
  fails (no data) only keeps tasks running.
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

WAKE_COOLDOWN_SECONDS = 300
"""A Fargate task takes about a minute to start (capacity, ENI, image pull), several on a bad day, and SQS's
metrics show its first receive a minute or two later: within five minutes one wake adds one task."""
IDLE_MINUTES_BEFORE_ZERO = 15
"""Minutes of an empty queue (nothing visible, nothing in flight) before the service scales to zero."""
SLEEP_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60
"""Target tracking adds tasks quickly when the backlog grows."""
SCALE_IN_COOLDOWN_SECONDS = 300
"""... and removes them slowly: a backlog that dips for a minute should not stop warm workers."""

WAKE_EXPRESSION = "IF(in_flight < 1, visible, 0)"
"""Visible messages while none is in flight (nobody receives); 0 while a task works. SQS metrics only."""
IDLE_EXPRESSION = "IF(FILL(desired, 0) > 0, visible + in_flight + received, 1)"
"""Messages waiting, being worked on and received in the minute while tasks are wanted (missing if any of the
three is missing); 1, never idle, while the service already wants none."""
DESIRED_TASKS_EXPRESSION = "FILL(desired, 0)"
VISIBLE_PER_TASK_EXPRESSION = "IF(tasks > 0, visible / tasks, visible)"
"""Visible messages per desired task; with no task wanted, the whole backlog (never a division by 0)."""
BUSY_FLOOR = 0.001
"""Far below any target, so it never adds a task; above 0, so target tracking never removes the last one."""
BACKLOG_PER_TASK_EXPRESSION = f"IF(per_task < {BUSY_FLOOR}, {BUSY_FLOOR}, per_task)"


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


def wake_alarm(queue_name: pulumi.Input[str]) -> AlarmSpec:
    """Breaches in the first minute with a visible message and none in flight (nobody is receiving)."""
    return AlarmSpec(
        description="Messages are waiting and no task receives them: start one (scale from zero)",
        metric_queries=[
            queue_metric("ApproximateNumberOfMessagesVisible", queue_name, "Maximum").alarm_query("visible"),
            queue_metric("ApproximateNumberOfMessagesNotVisible", queue_name, "Maximum").alarm_query(
                "in_flight"
            ),
            _alarm_expression(
                "waiting_for_a_task", WAKE_EXPRESSION, "Visible messages while none is in flight"
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
    """Breaches after `IDLE_MINUTES_BEFORE_ZERO` whole minutes of tasks wanted and no message seen: none
    visible, none in flight and none received in each minute."""
    return AlarmSpec(
        description=(
            f"No message waiting, in flight or received for {IDLE_MINUTES_BEFORE_ZERO} minutes: "
            "scale to zero tasks"
        ),
        metric_queries=[
            # Each minute's maximum: any message seen, any task wanted in that minute counts.
            queue_metric("ApproximateNumberOfMessagesVisible", queue_name, "Maximum").alarm_query("visible"),
            service_metric("DesiredTaskCount", cluster_name, service_name, "Maximum").alarm_query("desired"),
            queue_metric("ApproximateNumberOfMessagesNotVisible", queue_name, "Maximum").alarm_query(
                "in_flight"
            ),
            # A count over the minute, not a sample: a job that starts and ends between two samples counts.
            queue_metric("NumberOfMessagesReceived", queue_name, "Sum").alarm_query("received"),
            _alarm_expression(
                "outstanding",
                IDLE_EXPRESSION,
                "Messages waiting, in flight or received while tasks are wanted",
            ),
        ],
        comparison_operator="LessThanOrEqualToThreshold",
        threshold=0,
        evaluation_periods=IDLE_MINUTES_BEFORE_ZERO,
        # A gap in the data must never stop tasks that may be working.
        treat_missing_data="notBreaching",
    )


def wake_policy() -> StepScaling:
    """Step scaling: +1 task. ChangeInCapacity, not ExactCapacity 1: a step policy's scale-in is not held back
    by target tracking, so "exactly one" would set a busy service back to one task."""
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
    """Target tracking on visible messages per desired task: AWS's "SQS backlog per task", in metric math."""
    return {
        "target_value": float(backlog_per_task),
        "scale_out_cooldown": SCALE_OUT_COOLDOWN_SECONDS,
        "scale_in_cooldown": SCALE_IN_COOLDOWN_SECONDS,
        # Busy tasks are protected from scale-in by the worker itself; without scale-in here a service would
        # keep its peak count until the queue is idle (sleep), or for ever with min_tasks >= 1. The floor in
        # the metric keeps this scale-in above zero tasks.
        "disable_scale_in": False,
        "customized_metric_specification": {
            "metrics": [
                queue_metric("ApproximateNumberOfMessagesVisible", queue_name, "Average").tracking_query(
                    "visible"
                ),
                service_metric("DesiredTaskCount", cluster_name, service_name, "Average").tracking_query(
                    "desired"
                ),
                _tracking_expression("tasks", DESIRED_TASKS_EXPRESSION, "Desired tasks", return_data=False),
                _tracking_expression(
                    "per_task", VISIBLE_PER_TASK_EXPRESSION, "Visible messages per task", return_data=False
                ),
                _tracking_expression(
                    "backlog_per_task",
                    BACKLOG_PER_TASK_EXPRESSION,
                    "Visible messages per desired task, above 0",
                    return_data=True,
                ),
            ]
        },
    }
