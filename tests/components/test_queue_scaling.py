"""Scaling documents without Pulumi: metric math that CloudWatch and Application Auto Scaling will accept."""

import math
import re
from typing import Any

import pytest

from ecs_event_patterns.patterns.queue_workers import scaling as queue_scaling

QUERY_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
"""CloudWatch: letters, digits and underscores, starting with a lowercase letter."""
OPERATORS = {"IF", "FILL", "AND"}


def tracking_queries() -> list[dict]:
    policy: Any = queue_scaling.backlog_per_task_policy(
        queue_name="jobs", cluster_name="main", service_name="jobs-service", backlog_per_task=100
    )
    return list(policy["customized_metric_specification"]["metrics"])


@pytest.mark.parametrize(
    "queries",
    [
        tracking_queries(),
        queue_scaling.wake_alarm("jobs").metric_queries,
        queue_scaling.idle_alarm("jobs", "main", "jobs-service").metric_queries,
    ],
    ids=["backlog-per-task", "wake", "idle"],
)
def test_metric_math_is_well_formed(queries: list[dict]):
    ids = [query["id"] for query in queries]
    assert len(set(ids)) == len(ids)
    assert all(QUERY_ID.match(query_id) for query_id in ids), ids
    # Exactly one query is the result; it is the last, and every name it (transitively) uses is defined above.
    assert [query["return_data"] for query in queries] == [False] * (len(queries) - 1) + [True]
    defined: set[str] = set()
    for query in queries:
        assert ("expression" in query) != ("metric" in query or "metric_stat" in query), query
        if "expression" in query:
            names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", query["expression"])) - OPERATORS
            assert names <= defined, (query["expression"], defined)
        defined.add(query["id"])


def test_the_backlog_divides_by_the_desired_count_the_capacity_target_tracking_multiplies_by():
    """Target tracking asks for ceil(desired x metric / target). Per *running* task, tasks still starting
    counted as missing again and every scale-out repeated the last one."""
    queries = {query["id"]: query for query in tracking_queries()}
    metric = queries["desired"]["metric_stat"]["metric"]
    assert (metric["namespace"], metric["metric_name"]) == ("ECS/ContainerInsights", "DesiredTaskCount")
    assert [dimension["name"] for dimension in metric["dimensions"]] == ["ClusterName", "ServiceName"]
    assert "running" not in queries
    assert queries["tasks"]["expression"] == "FILL(desired, 0)"
    assert queries["per_task"]["expression"] == "IF(tasks > 0, visible / tasks, visible)"
    # 4 tasks wanted, 1 running, 400 visible, target 100: 4 x (400 / 4) / 100 = 4, no more.
    desired, visible, target = 4, 400, 100
    assert math.ceil(desired * (visible / desired) / target) == 4


def test_target_tracking_never_asks_for_zero_tasks():
    """Zero is the sleep policy's decision: a floor whenever tasks are wanted, not only while a job is in
    flight (a short job is rarely in flight at the minute's sample, so a trickle stopped the last task)."""
    queries = {query["id"]: query for query in tracking_queries()}
    assert queries["backlog_per_task"]["expression"] == "IF(per_task < 0.001, 0.001, per_task)"
    assert "in_flight" not in queries
    # Target tracking asks for ceil(tasks * metric / target): the floor keeps one task and never adds one.
    tasks, smallest_target = 100, 1
    assert math.ceil(tasks * queue_scaling.BUSY_FLOOR / smallest_target) == 1
    policy: Any = queue_scaling.backlog_per_task_policy(
        queue_name="jobs", cluster_name="main", service_name="jobs-service", backlog_per_task=100
    )
    assert policy["disable_scale_in"] is False


def test_a_minute_with_a_message_received_is_not_idle():
    """Visible and in-flight counts are one sample a minute; a job between two samples shows only in the
    minute's count of received messages."""
    alarm = queue_scaling.idle_alarm("jobs", "main", "jobs-service")
    queries = {query["id"]: query for query in alarm.metric_queries}
    received: Any = queries["received"]["metric"]
    assert (received["namespace"], received["metric_name"], received["stat"]) == (
        "AWS/SQS",
        "NumberOfMessagesReceived",
        "Sum",
    )
    assert received["dimensions"] == {"QueueName": "jobs"}
    assert alarm.metric_queries[-1]["expression"] == (
        "IF(FILL(desired, 0) > 0, visible + in_flight + received, 1)"
    )
    assert (alarm.comparison_operator, alarm.threshold) == ("LessThanOrEqualToThreshold", 0)


def test_step_adjustments_cover_every_breach():
    # Above the threshold (wake) the bounds start at 0 and are open upwards; below it (sleep) they end at 0.
    wake: Any = queue_scaling.wake_policy()
    assert wake["step_adjustments"] == [{"metric_interval_lower_bound": "0", "scaling_adjustment": 1}]
    sleep: Any = queue_scaling.sleep_policy()
    assert sleep["step_adjustments"] == [{"metric_interval_upper_bound": "0", "scaling_adjustment": 0}]
    assert sleep["adjustment_type"] == "ExactCapacity"
    # Within CloudWatch's limit for an alarm: evaluation periods x period <= 1 day.
    idle = queue_scaling.idle_alarm("jobs", "main", "jobs-service")
    assert idle.evaluation_periods * queue_scaling.PERIOD_SECONDS <= 86400


def test_the_wake_path_reads_the_queue_metrics_only():
    """At zero tasks ECS may publish no Container Insights metric for the service: waking must not need one."""
    alarm = queue_scaling.wake_alarm("jobs")
    metrics: list[Any] = [query["metric"] for query in alarm.metric_queries if "metric" in query]
    assert {(metric["namespace"], metric["metric_name"]) for metric in metrics} == {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible"),
    }
    assert all(metric["dimensions"] == {"QueueName": "jobs"} for metric in metrics)
    assert alarm.metric_queries[-1]["expression"] == "IF(in_flight < 1, visible, 0)"
    assert "FILL" not in alarm.metric_queries[-1]["expression"]
    assert alarm.treat_missing_data == "notBreaching"


def test_one_wake_adds_one_task_while_the_first_one_starts():
    # A Fargate task needs about a minute to run, SQS's metrics another minute or two to show its receive.
    policy: Any = queue_scaling.wake_policy()
    assert policy["adjustment_type"] == "ChangeInCapacity"
    assert policy["cooldown"] == queue_scaling.WAKE_COOLDOWN_SECONDS >= 300
