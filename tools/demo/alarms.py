"""CloudWatch alarms on SQS queue depth, evaluated once against the emulator's queues.

moto never evaluates alarms (NOTES-moto.md), so after the flows the demo evaluates each recorded alarm on
one queue's `ApproximateNumberOfMessagesVisible` (the dead-letter alarms) against the queue's current
depth, and for one in ALARM publishes to its `alarmActions` topics the JSON message CloudWatch sends
(fields as the CloudWatch user guide documents them), with CloudWatch's subject. Alarms on other metrics
or on metric math are left out and named as such.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tools.demo.graph import Graph, Resource

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
_REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
}


@dataclass(frozen=True)
class QueueAlarm:
    resource: Resource
    queue_name: str

    @property
    def name(self) -> str:
        return str(self.resource.outputs["name"])


@dataclass(frozen=True)
class Evaluation:
    alarm: QueueAlarm
    value: float
    in_alarm: bool
    message: dict[str, Any]
    subject: str


def queue_depth_alarms(graph: Graph) -> list[QueueAlarm]:
    return [
        QueueAlarm(alarm, str(alarm.inputs["dimensions"]["QueueName"]))
        for alarm in graph.of_type(ALARM)
        if alarm.inputs.get("namespace") == "AWS/SQS"
        and alarm.inputs.get("metricName") == "ApproximateNumberOfMessagesVisible"
        and "QueueName" in (alarm.inputs.get("dimensions") or {})
    ]


def evaluate(
    alarm: QueueAlarm, value: float, account_id: str, region: str, now: datetime | None = None
) -> Evaluation:
    inputs = alarm.resource.inputs
    threshold = float(inputs["threshold"])
    operator = str(inputs["comparisonOperator"])
    in_alarm = _COMPARE[operator](value, threshold)
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    state = "ALARM" if in_alarm else "OK"
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": inputs.get("alarmDescription"),
        "AWSAccountId": account_id,
        "AlarmConfigurationUpdatedTimestamp": moment,
        "NewStateValue": state,
        "NewStateReason": (
            f"Threshold Crossed: 1 out of the last {int(inputs.get('evaluationPeriods', 1))} datapoints "
            f"[{value:g}] was {'' if in_alarm else 'not '}{_words(operator)} the threshold ({threshold:g})."
        ),
        "StateChangeTime": moment,
        "Region": _REGION_NAMES.get(region, region),
        "AlarmArn": alarm.resource.outputs.get("arn"),
        "OldStateValue": "OK" if in_alarm else "INSUFFICIENT_DATA",
        "OKActions": inputs.get("okActions", []),
        "AlarmActions": inputs.get("alarmActions", []),
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": inputs["metricName"],
            "Namespace": inputs["namespace"],
            "StatisticType": "Statistic",
            "Statistic": str(inputs.get("statistic", "")).upper(),
            "Unit": None,
            "Dimensions": [{"value": alarm.queue_name, "name": "QueueName"}],
            "Period": int(inputs.get("period", 60)),
            "EvaluationPeriods": int(inputs.get("evaluationPeriods", 1)),
            "ComparisonOperator": operator,
            "Threshold": threshold,
            "TreatMissingData": inputs.get("treatMissingData", "missing"),
        },
    }
    subject = f'{state}: "{alarm.name}" in {_REGION_NAMES.get(region, region)}'
    return Evaluation(alarm, value, in_alarm, message, subject)


def _words(operator: str) -> str:
    return {
        "GreaterThanOrEqualToThreshold": "greater than or equal to",
        "GreaterThanThreshold": "greater than",
        "LessThanThreshold": "less than",
        "LessThanOrEqualToThreshold": "less than or equal to",
    }[operator]


def message_text(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.message)
