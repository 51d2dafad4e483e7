"""Resource policies of the alert topic, its KMS key and event dead-letter queues: pure statement builders.

Values may be plain strings or Pulumi Outputs; each policy comes rendered as the JSON its resource takes.

Why these conditions (AWS documentation, and what it leaves open):
- Topic policy: EventBridge publishes as `events.amazonaws.com`; `aws:SourceArn` (the rule ARN) and
  `aws:SourceAccount` keep other rules, in any account, from using the grant (EventBridge user guide,
  "Cross-service confused deputy prevention": for rule targets `aws:SourceArn` is the rule ARN; older guides
  said SNS topic policies for EventBridge could not have conditions, which no longer holds).
  CloudWatch publishes alarm actions as `cloudwatch.amazonaws.com` with the alarm ARN as `aws:SourceArn`;
  alarm ARNs only exist once alarms do, and other components add theirs later, so the grant covers this
  account's alarms in this region (`ArnLike` `...:alarm:*`) plus `aws:SourceAccount`.
- Key policy: SNS encrypts each message under a data key that it asks KMS for on the publisher's behalf, so
  the publishing service principals need `kms:GenerateDataKey*` and `kms:Decrypt` (SNS developer guide,
  "Enable compatibility between event sources from AWS services and encrypted topics"). SNS passes the
  encryption context `aws:sns:topicArn`, which pins both grants to this topic. The CloudWatch grant also
  carries `aws:SourceAccount` and `aws:SourceArn`. The EventBridge grant does not: AWS does not document
  those keys as present on the KMS request EventBridge's publish causes, and a condition on an absent key
  denies silently, which would drop every alert. The topic policy already restricts EventBridge to this rule.
- The account root administers the key, so IAM policies in the account can manage it and the key can never
  become unmanageable.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from ecs_event_patterns.iam.documents import Statement, deny_insecure_transport, policy_document
from ecs_event_patterns.iam.principals import CLOUDWATCH, EVENTBRIDGE

SNS_DATA_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]
TOPIC_OWNER_ACTIONS = [
    "sns:AddPermission",
    "sns:DeleteTopic",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:Publish",
    "sns:RemovePermission",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
]


def account_root(partition: pulumi.Input[str], account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat("arn:", partition, ":iam::", account_id, ":root")


def alarm_arn_pattern(
    partition: pulumi.Input[str], region: pulumi.Input[str], account_id: pulumi.Input[str]
) -> pulumi.Output[str]:
    """Every CloudWatch alarm of this account in this region."""
    return pulumi.Output.concat("arn:", partition, ":cloudwatch:", region, ":", account_id, ":alarm:*")


def alert_key_policy(
    *,
    partition: pulumi.Input[str],
    region: pulumi.Input[str],
    account_id: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
) -> pulumi.Output[str]:
    """Key policy of the customer-managed key that encrypts the alert topic."""
    topic_context = {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}
    return policy_document(
        [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": account_root(partition, account_id)},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "EventBridgePublishesToAlertTopic",
                "Effect": "Allow",
                "Principal": {"Service": EVENTBRIDGE},
                "Action": SNS_DATA_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": topic_context},
            },
            {
                "Sid": "CloudWatchAlarmsPublishToAlertTopic",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDWATCH},
                "Action": SNS_DATA_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "StringEquals": {**topic_context, "aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": alarm_arn_pattern(partition, region, account_id)},
                },
            },
        ]
    )


def alert_topic_policy(
    *,
    partition: pulumi.Input[str],
    region: pulumi.Input[str],
    account_id: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    rule_arns: Sequence[pulumi.Input[str]],
) -> pulumi.Output[str]:
    """Topic policy: the owner account manages it, the rules and this account's alarms may publish."""
    return policy_document(
        [
            {
                "Sid": "OwnerAccountManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": account_root(partition, account_id)},
                "Action": TOPIC_OWNER_ACTIONS,
                "Resource": topic_arn,
            },
            {
                "Sid": "StoppedTaskRulePublishes",
                "Effect": "Allow",
                "Principal": {"Service": EVENTBRIDGE},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": list(rule_arns)},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            },
            {
                "Sid": "AccountAlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDWATCH},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": alarm_arn_pattern(partition, region, account_id)},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            },
            deny_insecure_transport(topic_arn, "sns:Publish"),
        ]
    )


def event_rule_sends(queue_arn: pulumi.Input[str], source_arn: pulumi.Input[str]) -> Statement:
    """Queue policy grant: only the EventBridge rule `source_arn` may send (failed events) to the queue."""
    return {
        "Sid": "EventRuleSendsFailedEvents",
        "Effect": "Allow",
        "Principal": {"Service": EVENTBRIDGE},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
    }
