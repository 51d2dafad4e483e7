"""Dead-letter queues for events a target could not take, kept so nothing is lost silently.

`dead_letter_queue` creates the queue alone: SSE with SQS-managed keys (EventBridge and Scheduler cannot
send to a queue under the AWS-managed `aws/sqs` KMS key) and the longest retention, 14 days, to give a
person time to look. EventBridge rules need a queue policy as well, `event_target_dead_letter_queue`;
EventBridge Scheduler sends with the schedule's execution role instead, so its callers grant
`sqs:SendMessage` on the queue to that role and use `dead_letter_queue` only.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.alert_policies import event_dead_letter_queue_policy

DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
"""SQS maximum."""


def dead_letter_queue(name: str, *, parent: pulumi.Resource) -> aws.sqs.Queue:
    """An encrypted standard queue named `name`, parented to `parent`."""
    return aws.sqs.Queue(
        name,
        sqs_managed_sse_enabled=True,
        message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def event_target_dead_letter_queue(
    name: str, *, source_arn: pulumi.Input[str], parent: pulumi.Resource
) -> aws.sqs.Queue:
    """A dead-letter queue that only the EventBridge rule `source_arn` may send to.

    Creates `name` (the queue) and f"{name}-policy" (its queue policy), both parented to `parent`. Pass the
    queue's ARN as the target's `dead_letter_config.arn`.
    """
    queue = dead_letter_queue(name, parent=parent)
    aws.sqs.QueuePolicy(
        f"{name}-policy",
        queue_url=queue.url,
        policy=pulumi.Output.json_dumps(event_dead_letter_queue_policy(queue.arn, source_arn)),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return queue
