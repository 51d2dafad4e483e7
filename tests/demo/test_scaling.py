"""The worker-count model reads the recorded scaling target, policies and alarm thresholds."""

from typing import Any

from tools.demo.graph import Graph, from_records
from tools.demo.scaling import ScalingModel, for_service

SERVICE_ID = "service/cluster-1/svc-1"


def graph(max_tasks: int = 3, target: float = 100.0) -> Graph:
    def resource(
        typ: str, name: str, inputs: dict[str, Any], outputs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"urn": f"urn:{name}", "type": typ, "name": name, "inputs": inputs, "outputs": outputs or {}}

    policy = "aws:appautoscaling/policy:Policy"
    records = [
        resource(
            "aws:ecs/service:Service",
            "svc",
            {"cluster": "arn:aws:ecs:us-east-1:1:cluster/cluster-1"},
            {"name": "svc-1"},
        ),
        resource(
            "aws:appautoscaling/target:Target",
            "scaling",
            {"resourceId": SERVICE_ID, "minCapacity": 0.0, "maxCapacity": float(max_tasks)},
        ),
        resource(
            policy,
            "backlog",
            {"resourceId": SERVICE_ID, "targetTrackingScalingPolicyConfiguration": {"targetValue": target}},
        ),
        resource(
            policy,
            "wake",
            {
                "resourceId": SERVICE_ID,
                "stepScalingPolicyConfiguration": {
                    "adjustmentType": "ChangeInCapacity",
                    "stepAdjustments": [{"scalingAdjustment": 1.0}],
                },
            },
            {"arn": "arn:wake"},
        ),
        resource(
            policy,
            "sleep",
            {
                "resourceId": SERVICE_ID,
                "stepScalingPolicyConfiguration": {
                    "adjustmentType": "ExactCapacity",
                    "stepAdjustments": [{"scalingAdjustment": 0.0}],
                },
            },
        ),
        resource(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "wake-alarm",
            {"alarmActions": ["arn:wake"], "threshold": 1.0},
        ),
    ]
    return from_records("dev", "us-east-1", "1", records)


def model(**kwargs: Any) -> ScalingModel:
    built = graph(**kwargs)
    return for_service(built, built.of_type("aws:ecs/service:Service")[0])


def test_numbers_come_from_the_recorded_target_and_policies():
    found = model(max_tasks=5, target=10.0)
    assert (found.min_tasks, found.max_tasks, found.target_per_task) == (0, 5, 10.0)
    assert (found.wake_threshold, found.wake_adjustment, found.sleep_capacity) == (1.0, 1, 0)


def test_from_zero_a_few_messages_wake_one_task():
    assert model().desired(0, 13, 0).tasks == 1


def test_a_large_backlog_asks_for_ceil_visible_over_target_clamped_to_max():
    assert model().desired(1, 250, 0).tasks == 3
    assert model(max_tasks=10).desired(1, 250, 0).tasks == 3
    assert model(max_tasks=2).desired(1, 250, 0).tasks == 2


def test_an_empty_queue_scales_to_zero_but_a_job_in_flight_keeps_the_task():
    assert model().desired(2, 0, 0).tasks == 0
    assert model().desired(1, 0, 3).tasks == 1
