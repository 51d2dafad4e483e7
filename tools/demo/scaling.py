"""The queue service's worker count, from the program's own scaling target and policies.

Application Auto Scaling and CloudWatch alarms do not run in the emulator, so the demo asks this model.
The numbers (min and max tasks, the target value, the step adjustments and their alarms' thresholds) come
from the recorded graph; the model of how they combine, stated here once:

- target tracking on backlog per task (visible messages / running tasks): AWS sets the capacity that
  brings the metric to the target, `ceil(visible / target)` tasks;
- a `ChangeInCapacity` step policy (the wake-up from zero): while no task is wanted and at least its
  alarm's threshold of messages is visible, the capacity grows by its adjustment;
- an `ExactCapacity` step policy (the scale to zero): when nothing is visible or in flight, the capacity
  becomes its adjustment;
- the result is clamped to the scalable target's min and max. Cooldowns and alarm evaluation periods are
  not modelled: the demo asks at one moment, after the burst is sent, and again once the queue is empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from tools.demo.graph import Graph, GraphError, Resource

TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@dataclass(frozen=True)
class Decision:
    tasks: int
    why: str


@dataclass(frozen=True)
class ScalingModel:
    min_tasks: int
    max_tasks: int
    target_per_task: float | None
    wake_threshold: float | None
    wake_adjustment: int
    sleep_capacity: int | None

    def desired(self, current: int, visible: int, in_flight: int) -> Decision:
        reasons: list[str] = []
        wanted = current
        if self.wake_threshold is not None and current == 0 and visible >= self.wake_threshold:
            wanted = current + self.wake_adjustment
            reasons.append(
                f"wake-up step: {visible} visible >= {self.wake_threshold:g} with 0 tasks"
                f" -> +{self.wake_adjustment}"
            )
        if self.target_per_task and (visible or in_flight) and wanted > 0:
            tracked = math.ceil(visible / self.target_per_task)
            if tracked > wanted:
                reasons.append(
                    f"target tracking: ceil({visible} / {self.target_per_task:g} per task) = {tracked}"
                )
                wanted = tracked
            else:
                reasons.append(
                    f"target tracking: ceil({visible} / {self.target_per_task:g} per task) = {tracked},"
                    f" keeps {wanted}"
                )
        if self.sleep_capacity is not None and visible == 0 and in_flight == 0:
            wanted = self.sleep_capacity
            reasons.append(
                f"scale-to-zero step: nothing visible or in flight -> exactly {self.sleep_capacity}"
            )
        clamped = max(self.min_tasks, min(self.max_tasks, wanted))
        if clamped != wanted:
            reasons.append(f"clamped to min {self.min_tasks} / max {self.max_tasks}")
        return Decision(clamped, "; ".join(reasons) or f"no policy applies: stays at {current}")


def _alarm_threshold(graph: Graph, policy: Resource) -> float | None:
    arn = policy.outputs.get("arn")
    alarms = graph.find(ALARM, lambda alarm: arn in (alarm.inputs.get("alarmActions") or []))
    return float(alarms[0].inputs["threshold"]) if alarms else None


def for_service(graph: Graph, service: Resource) -> ScalingModel:
    cluster = str(service.inputs.get("cluster", "")).rsplit("/", 1)[-1]
    resource_id = f"service/{cluster}/{service.outputs['name']}"
    targets = graph.find(TARGET, lambda target: target.inputs.get("resourceId") == resource_id)
    if not targets:
        raise GraphError(f"no scalable target for {resource_id}: the service does not scale")
    target = targets[0]
    model = ScalingModel(
        min_tasks=int(target.inputs["minCapacity"]),
        max_tasks=int(target.inputs["maxCapacity"]),
        target_per_task=None,
        wake_threshold=None,
        wake_adjustment=0,
        sleep_capacity=None,
    )
    for policy in graph.find(POLICY, lambda policy: policy.inputs.get("resourceId") == resource_id):
        tracking = policy.inputs.get("targetTrackingScalingPolicyConfiguration")
        step = policy.inputs.get("stepScalingPolicyConfiguration")
        if tracking:
            model = replace(model, target_per_task=float(tracking["targetValue"]))
        elif step and step.get("stepAdjustments"):
            adjustment = int(step["stepAdjustments"][0]["scalingAdjustment"])
            if step.get("adjustmentType") == "ChangeInCapacity" and adjustment > 0:
                model = replace(
                    model, wake_threshold=_alarm_threshold(graph, policy), wake_adjustment=adjustment
                )
            elif step.get("adjustmentType") == "ExactCapacity":
                model = replace(model, sleep_capacity=adjustment)
    return model
