"""The scaling simulator: step selection, alarms, cooldowns, task starts and the traces' bookkeeping."""

from __future__ import annotations

import dataclasses
import json

import pytest

from benchmarks.scaling.policies import (
    Alarm,
    Query,
    ScalingSetup,
    Step,
    StepPolicy,
    cdk_queue_processing_defaults,
    from_resources,
)
from benchmarks.scaling.report import ROOT, simulate, workload_from_resources
from benchmarks.scaling.simulator import Arrival, Simulation, Workload, _step_for
from benchmarks.scaling.traces import DAY, burst_after_idle_day, daily_peak, poison_message, trickle
from ecs_event_patterns.patterns.queue_workers import scaling as queue_scaling
from tools.policy_gate.program import load, record

WORK = Workload(
    concurrency=2,
    job_seconds=10,
    start_seconds=60,
    visibility_timeout_seconds=120,
    max_receive_count=3,
    scale_in_protection=True,
)
VISIBLE = Query("visible", "ApproximateNumberOfMessagesVisible", "Maximum", return_data=True)


def _policy(comparison: str, threshold: float, steps: tuple[Step, ...]) -> StepPolicy:
    alarm = Alarm("alarm", (VISIBLE,), comparison, threshold, 1, 1, "notBreaching")
    return StepPolicy("policy", "ChangeInCapacity", 0, steps, alarm)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [(50, 1.0), (59.9, 1.0), (60, 2.0), (49.9, None)],
)
def test_steps_above_the_threshold_include_their_lower_bound(metric, expected):
    """AWS's example: threshold 50, lower bound 0 and upper 10 means 50 <= metric < 60."""
    policy = _policy("GreaterThanOrEqualToThreshold", 50, (Step(0, 10, 1), Step(10, None, 2)))
    assert _step_for(policy, metric - 50) == expected


@pytest.mark.parametrize(("metric", "expected"), [(50, -1.0), (40.1, -1.0), (40, -2.0)])
def test_steps_below_the_threshold_include_their_upper_bound(metric, expected):
    """AWS's example: lower bound -10 and upper 0 means 40 < metric <= 50."""
    policy = _policy("LessThanOrEqualToThreshold", 50, (Step(-10, 0, -1), Step(None, -10, -2)))
    assert _step_for(policy, metric - 50) == expected


def _wake_only(max_capacity: int = 5) -> ScalingSetup:
    return ScalingSetup(
        0, max_capacity, (_policy("GreaterThanOrEqualToThreshold", 1, (Step(0, None, 1),)),), ()
    )


def test_a_message_wakes_the_service_one_sample_and_one_start_later():
    outcome = Simulation(_wake_only(), WORK).run([Arrival(600, 1)], 3600)

    # Sampled at 11:00, the alarm fires then, the task runs 60 s later.
    assert outcome.first_task_minutes == pytest.approx(2.0)
    assert outcome.idle_task_minutes == 0
    assert (outcome.done, outcome.dead_lettered, outcome.old_messages) == (1, 0, 0)


def test_an_inactive_queue_publishes_nothing_until_a_message_arrives():
    """After six idle hours the queue's metrics are missing; the message itself makes it active again."""
    outcome = Simulation(_wake_only(), WORK).run([Arrival(DAY, 3)], DAY + 3600)

    assert outcome.first_task_minutes == pytest.approx(2.0)
    assert outcome.done == 3


def test_every_minute_in_alarm_runs_the_step_policy_again():
    """No cooldown: +1 each minute while the alarm stays in ALARM, up to the maximum."""
    outcome = Simulation(_wake_only(max_capacity=3), WORK).run([Arrival(0, 5_000)], 3 * 3600)

    assert outcome.peak_tasks == 3
    assert outcome.done == 5_000


def test_a_cooldown_counts_the_capacity_its_scale_out_added():
    setup = _wake_only(max_capacity=10)
    policy = setup.step_policies[0]
    cooled = ScalingSetup(
        0, 10, (StepPolicy("policy", "ChangeInCapacity", 600, policy.steps, policy.alarm),), ()
    )

    quick = Simulation(setup, WORK)
    quick.run([Arrival(0, 5_000)], 600)
    slow = Simulation(cooled, WORK)
    slow.run([Arrival(0, 5_000)], 600)

    assert slow.desired == 1  # one scale-out in the first ten minutes
    assert quick.desired == 10  # one a minute, at 01:00 ... 10:00


def test_a_poison_message_is_dead_lettered_after_its_receives():
    outcome = Simulation(_wake_only(), WORK).run(poison_message().arrivals, poison_message().seconds)

    assert (outcome.done, outcome.dead_lettered, outcome.old_messages) == (0, 1, 1)
    # Three receives, each followed by the 120 s visibility timeout, then the fourth moves it.
    assert outcome.drain_minutes == pytest.approx(2 + 3 * (10 + 120) / 60, abs=0.2)


def test_cdk_defaults_keep_one_task_always_and_add_five_above_500():
    trace = burst_after_idle_day(2_000)
    simulation = Simulation(cdk_queue_processing_defaults(max_capacity=20), WORK)

    outcome = simulation.run(trace.arrivals, trace.seconds)

    assert outcome.first_task_minutes == 0
    assert outcome.idle_task_minutes == pytest.approx(24 * 60)
    assert outcome.peak_tasks == 20
    assert outcome.done == 2_000
    assert simulation.desired == 1  # back at its minimum after the burst


PROGRAM_RESOURCES = [
    {
        "type": "aws:appautoscaling/target:Target",
        "name": "queue-scaling",
        "inputs": {"minCapacity": 0.0, "maxCapacity": 50.0},
        "outputs": {},
    },
    {
        "type": "aws:appautoscaling/policy:Policy",
        "name": "queue-wake",
        "inputs": {
            "policyType": "StepScaling",
            "stepScalingPolicyConfiguration": {
                "cooldown": 120.0,
                "stepAdjustments": [{"metricIntervalLowerBound": "0", "scalingAdjustment": 1.0}],
                "metricAggregationType": "Maximum",
                "adjustmentType": "ChangeInCapacity",
            },
        },
        "outputs": {"arn": "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:wake"},
    },
    {
        "type": "aws:cloudwatch/metricAlarm:MetricAlarm",
        "name": "queue-wake-alarm",
        "inputs": {
            "evaluationPeriods": 1.0,
            "datapointsToAlarm": 1.0,
            "threshold": 1.0,
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "treatMissingData": "notBreaching",
            "alarmActions": ["arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:wake"],
            "metricQueries": [
                {
                    "id": "visible",
                    "returnData": False,
                    "metric": {
                        "metricName": "ApproximateNumberOfMessagesVisible",
                        "period": 60.0,
                        "stat": "Maximum",
                    },
                },
                {"id": "w", "returnData": True, "expression": "visible"},
            ],
        },
        "outputs": {},
    },
    {
        "type": "aws:appautoscaling/policy:Policy",
        "name": "queue-backlog-per-task",
        "inputs": {
            "policyType": "TargetTrackingScaling",
            "targetTrackingScalingPolicyConfiguration": {
                "targetValue": 50.0,
                "scaleOutCooldown": 60.0,
                "scaleInCooldown": 300.0,
                "disableScaleIn": False,
                "customizedMetricSpecification": {
                    "metrics": [
                        {
                            "id": "visible",
                            "returnData": True,
                            "metricStat": {
                                "stat": "Average",
                                "metric": {"metricName": "ApproximateNumberOfMessagesVisible"},
                            },
                        }
                    ]
                },
            },
        },
        "outputs": {},
    },
]


def test_the_recorded_resources_become_a_setup():
    setup = from_resources(PROGRAM_RESOURCES)

    assert (setup.min_capacity, setup.max_capacity) == (0, 50)
    [wake] = setup.step_policies
    assert (wake.name, wake.adjustment_type, wake.cooldown_seconds) == ("queue-wake", "ChangeInCapacity", 120)
    assert wake.steps == (Step(0.0, None, 1.0),)
    assert wake.alarm.name == "queue-wake-alarm"
    assert [q.id for q in wake.alarm.queries] == ["visible", "w"]
    assert wake.alarm.queries[0].period_minutes == 1
    [tracking] = setup.target_tracking
    assert (tracking.target, tracking.scale_in_cooldown_seconds, tracking.disable_scale_in) == (
        50,
        300,
        False,
    )


def test_a_step_policy_without_its_alarm_is_named():
    with pytest.raises(ValueError, match="step policy queue-wake has no alarm"):
        from_resources([r for r in PROGRAM_RESOURCES if r["name"] != "queue-wake-alarm"])


def _task_definition(environment: dict[str, str]) -> dict:
    container = {"name": "worker", "environment": [{"name": k, "value": v} for k, v in environment.items()]}
    # The mock records containerDefinitions JSON-encoded twice.
    return {
        "type": "aws:ecs/taskDefinition:TaskDefinition",
        "inputs": {"containerDefinitions": json.dumps(json.dumps([container]))},
        "outputs": {},
    }


def test_the_workload_comes_from_the_worker_task_definition_and_its_queue():
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/queue-queue-696fd1c"
    resources = [
        _task_definition({"RESULTS_TABLE": "t"}),
        _task_definition({"QUEUE_URL": url, "WORKER_CONCURRENCY": "8"}),
        {
            "type": "aws:sqs/queue:Queue",
            "inputs": {"visibilityTimeoutSeconds": 30},
            "outputs": {"name": "other-queue"},
        },
        {
            "type": "aws:sqs/queue:Queue",
            "inputs": {
                "visibilityTimeoutSeconds": 900,
                "redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:x", "maxReceiveCount": 5}),
            },
            "outputs": {"name": "queue-queue-696fd1c"},
        },
    ]

    workload = workload_from_resources(resources)

    assert (workload.concurrency, workload.visibility_timeout_seconds, workload.max_receive_count) == (
        8,
        900,
        5,
    )
    assert workload.scale_in_protection is True


def _wake_and_sleep(idle_expression: str) -> ScalingSetup:
    """Wake on anything visible, sleep to 0 after 3 idle minutes as `idle_expression` measures them."""
    idle_queries = (
        Query("visible", "ApproximateNumberOfMessagesVisible", "Maximum"),
        Query("received", "NumberOfMessagesReceived", "Sum"),
        Query("idle", expression=idle_expression, return_data=True),
    )
    sleep = StepPolicy(
        "sleep",
        "ExactCapacity",
        0,
        (Step(None, 0, 0),),
        Alarm("sleep-alarm", idle_queries, "LessThanOrEqualToThreshold", 0, 3, 3, "notBreaching"),
    )
    [wake] = _wake_only(max_capacity=1).step_policies
    return ScalingSetup(0, 1, (wake, sleep), ())


def test_received_messages_count_the_whole_minute_the_gauges_only_its_end():
    """One message a minute, each done in 10 s: the visible gauge sampled at each minute's end is always 0,
    the count of received messages never."""
    minute_trickle = [Arrival(minute * 60, 1) for minute in range(120)]

    by_gauge = Simulation(_wake_and_sleep("visible"), WORK).run(minute_trickle, 3 * 3600)
    by_count = Simulation(_wake_and_sleep("visible + received"), WORK).run(minute_trickle, 3 * 3600)

    assert by_count.task_starts == 1
    assert by_gauge.task_starts > 20
    assert by_gauge.done == by_count.done == 120


@pytest.fixture(scope="module")
def prod_scaling() -> tuple[ScalingSetup, Workload]:
    """The prod stack's own scaling resources, recorded on the mock runtime."""
    resources = record(load(ROOT, "prod"), "prod")
    return from_resources(resources), workload_from_resources(resources)


def test_the_program_starts_one_task_for_a_day_long_trickle(prod_scaling):
    """Before: target tracking scaled in to 0 between messages (about 288 starts a day), then the sleep
    alarm, which saw no job at the minute's samples, every quarter of an hour."""
    setup, workload = prod_scaling
    day = trickle()

    outcome = simulate(setup, workload, day)

    assert outcome.task_starts == 1
    assert outcome.peak_tasks == 1
    assert outcome.done == day.messages
    assert outcome.old_messages == 0
    # The day of work, then the idle quarter of an hour before it sleeps; nothing more.
    assert outcome.task_minutes == pytest.approx(24 * 60 + queue_scaling.IDLE_MINUTES_BEFORE_ZERO, abs=5)


def test_the_program_scales_the_daily_peak_to_a_few_tasks_not_to_its_maximum(prod_scaling):
    """The peak needs 120 / 60 / 0.8 = 2.5 tasks. Before: backlog per *running* task compounded each
    scale-out while tasks started, up to the maximum of 50 (13,634 task-minutes)."""
    setup, workload = prod_scaling
    peak = daily_peak()

    outcome = simulate(setup, workload, peak)
    cdk = simulate(
        cdk_queue_processing_defaults(50), dataclasses.replace(workload, scale_in_protection=False), peak
    )

    assert setup.max_capacity == 50
    assert outcome.peak_tasks <= 8
    assert outcome.task_minutes < 0.5 * cdk.task_minutes
    assert outcome.done == peak.messages
    assert outcome.old_messages == 0
    assert outcome.idle_task_minutes == 0
