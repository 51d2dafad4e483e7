"""Dead-letter alarms evaluated on a queue's depth, and CloudWatch's message for one in ALARM."""

from datetime import UTC, datetime
from typing import Any

from tools.demo.alarms import evaluate, queue_depth_alarms
from tools.demo.graph import from_records

ALARM: dict[str, Any] = {
    "urn": "urn:alarm",
    "type": "aws:cloudwatch/metricAlarm:MetricAlarm",
    "name": "dlq-waiting",
    "inputs": {
        "namespace": "AWS/SQS",
        "metricName": "ApproximateNumberOfMessagesVisible",
        "dimensions": {"QueueName": "work-dlq"},
        "threshold": 1.0,
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "statistic": "Maximum",
        "period": 300.0,
        "evaluationPeriods": 1.0,
        "alarmActions": ["arn:aws:sns:us-east-1:1:alerts"],
        "alarmDescription": "A dead-letter queue holds messages",
    },
    "outputs": {"name": "dlq-waiting-1", "arn": "arn:aws:cloudwatch:us-east-1:1:alarm:dlq-waiting-1"},
}
OTHER = {**ALARM, "urn": "urn:other", "inputs": {**ALARM["inputs"], "metricName": "NumberOfMessagesSent"}}


def test_only_queue_depth_alarms_are_evaluated():
    alarms = queue_depth_alarms(from_records("dev", "us-east-1", "1", [ALARM, OTHER]))
    assert [(alarm.name, alarm.queue_name) for alarm in alarms] == [("dlq-waiting-1", "work-dlq")]


def test_one_message_is_an_alarm_with_cloudwatchs_message_and_subject():
    (alarm,) = queue_depth_alarms(from_records("dev", "us-east-1", "1", [ALARM]))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    evaluation = evaluate(alarm, 1, "123456789012", "us-east-1", now=at)
    assert evaluation.in_alarm
    assert evaluation.subject == 'ALARM: "dlq-waiting-1" in US East (N. Virginia)'
    message = evaluation.message
    assert (message["AlarmName"], message["NewStateValue"], message["AWSAccountId"]) == (
        "dlq-waiting-1",
        "ALARM",
        "123456789012",
    )
    assert message["Trigger"]["Dimensions"] == [{"value": "work-dlq", "name": "QueueName"}]
    assert not evaluate(alarm, 0, "123456789012", "us-east-1", now=at).in_alarm
