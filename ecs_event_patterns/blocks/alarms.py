"""CloudWatch alarms that route silent failures to the alert topic.

Each helper creates one `aws.cloudwatch.MetricAlarm` named exactly `name` (callers pass f"{component}-..."),
parented to `parent`, that alarms on one or more failures in a 5-minute period and notifies the topic on
ALARM and on OK. Periods without data are not breaching: these metrics are only published when something
happens. The alert topic's policy and key policy let this account's alarms publish
(ecs_event_patterns.iam.resource_policies).

Which metrics, and why:
- EventBridge rules (`AWS/Events`, dimension `RuleName`; rules on the default bus carry no `EventBusName`
  dimension): `FailedInvocations` counts invocations that failed for good, and
  `InvocationsFailedToBeSentToDlq` counts events lost because even the dead-letter queue refused them; their
  sum is what nobody would otherwise see. Events that reached the dead-letter queue are covered by
  `dead_letter_queue_alarm`.
- EventBridge Scheduler (`AWS/Scheduler`, dimension `ScheduleGroup`): `TargetErrorCount` (the target API,
  e.g. ECS RunTask, returned an error: alerts on the first failed attempt instead of after the retry policy
  runs out), `InvocationDroppedCount` (retries exhausted) and `InvocationsFailedToBeSentToDeadLetterCount`
  (lost even for the dead-letter queue), summed with metric math. The group dimension covers every schedule
  of the group, so give each pattern its own group.
- Dead-letter queues (`AWS/SQS`, dimension `QueueName`): `ApproximateNumberOfMessagesVisible` Maximum >= 1,
  so the alarm stays in ALARM until someone has dealt with the messages. SQS keeps publishing metrics for a
  queue that holds messages.

Use from a pattern component (the topic comes from StoppedTaskAlerts.topic_arn):

    failed_invocations_alarm(f"{name}-failed-invocations", rule_name=rule.name,
                             topic_arn=args.alarm_topic_arn, parent=self)
    dead_letter_queue_alarm(f"{name}-dead-letters-waiting", queue_name=dead_letters.name,
                            topic_arn=args.alarm_topic_arn, parent=self)

Alarm names end in `-failed-invocations` (the rule or schedule could not start its target) and
`-dead-letters-waiting` (its dead-letter queue holds messages) in every pattern. A renamed alarm passes
`former_name` to keep its URN (ecs_event_patterns.blocks.renames).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.renames import child_options

PERIOD_SECONDS = 300


def _failure_count_alarm(
    name: str,
    *,
    namespace: str,
    metric_names: Mapping[str, str],
    dimensions: Mapping[str, pulumi.Input[str]],
    description: str,
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    former_name: str | None,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm when the summed per-period Sum of `metric_names` (query id -> metric) reaches 1."""
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=namespace,
                metric_name=metric_name,
                dimensions=dict(dimensions),
                stat="Sum",
                period=PERIOD_SECONDS,
            ),
            return_data=False,
        )
        for query_id, metric_name in metric_names.items()
    ]
    # FILL: a metric with no data in the period counts as 0 instead of hiding the others.
    expression = "SUM([" + ", ".join(f"FILL({query_id}, 0)" for query_id in metric_names) + "])"
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="failures", expression=expression, label="Failures", return_data=True
        )
    )
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=description,
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        metric_queries=queries,
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        opts=child_options(parent, former_name),
    )


def failed_invocations_alarm(
    name: str,
    *,
    rule_name: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    former_name: str | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm when a rule on the default event bus fails to deliver an event to its target."""
    return _failure_count_alarm(
        name,
        namespace="AWS/Events",
        metric_names={"failed": "FailedInvocations", "undeliverable": "InvocationsFailedToBeSentToDlq"},
        dimensions={"RuleName": rule_name},
        description="An EventBridge rule could not deliver an event to its target; see its dead letters.",
        topic_arn=topic_arn,
        parent=parent,
        former_name=former_name,
    )


def schedule_failures_alarm(
    name: str,
    *,
    schedule_group: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    former_name: str | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm when a schedule of the group fails to start its target or gives up on it."""
    return _failure_count_alarm(
        name,
        namespace="AWS/Scheduler",
        metric_names={
            "errors": "TargetErrorCount",
            "dropped": "InvocationDroppedCount",
            "undeliverable": "InvocationsFailedToBeSentToDeadLetterCount",
        },
        dimensions={"ScheduleGroup": schedule_group},
        description="EventBridge Scheduler could not invoke a schedule's target (see its dead-letter queue).",
        topic_arn=topic_arn,
        parent=parent,
        former_name=former_name,
    )


def dead_letter_queue_alarm(
    name: str,
    *,
    queue_name: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    former_name: str | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm while the dead-letter queue holds any message."""
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description="A dead-letter queue holds messages that were not processed; inspect and redrive.",
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name},
        statistic="Maximum",
        period=PERIOD_SECONDS,
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        opts=child_options(parent, former_name),
    )
