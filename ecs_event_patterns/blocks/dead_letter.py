"""What happens to an event its target could not take: retried, then kept in a dead-letter queue, so
nothing is lost silently.

`retry_policy` is the retry policy of EventBridge targets and Scheduler schedules alike.
`dead_letter_queue` creates the queue and its TLS-only queue policy: SSE with SQS-managed keys (EventBridge
and Scheduler cannot send to a queue under the AWS-managed `aws/sqs` KMS key) and the longest retention,
14 days, to give a person time to look. EventBridge rules also need a grant in that policy,
`event_target_dead_letter_queue`; EventBridge Scheduler sends with the schedule's execution role instead,
so its callers grant `sqs:SendMessage` on the queue to that role and use `dead_letter_queue`.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.queue_policy import GrantsFor, attach_tls_only_policy
from ecs_event_patterns.blocks.renames import child_options
from ecs_event_patterns.config.settings import TargetRetry
from ecs_event_patterns.iam.resource_policies import event_rule_sends

DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
"""SQS maximum."""


def retry_policy(retry: TargetRetry) -> dict[str, int]:
    """A target's retry policy in Pulumi's shape, the same for EventBridge and Scheduler
    (`EventTargetRetryPolicyArgs(**...)`, `ScheduleTargetRetryPolicyArgs(**...)`); then the dead letters."""
    return {
        "maximum_retry_attempts": retry.max_attempts,
        "maximum_event_age_in_seconds": retry.max_event_age_seconds,
    }


def dead_letter_queue(
    name: str,
    *,
    parent: pulumi.Resource,
    grants_for: GrantsFor | None = None,
    former_name: str | None = None,
) -> aws.sqs.Queue:
    """An encrypted standard queue `name` and its TLS-only queue policy f"{name}-policy", both parented
    to `parent`.

    `grants_for(queue_arn)` adds allow statements to that policy. Both keep their URNs when renamed from
    `former_name` (and f"{former_name}-policy").
    """
    queue = aws.sqs.Queue(
        name,
        sqs_managed_sse_enabled=True,
        message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
        opts=child_options(parent, former_name),
    )
    attach_tls_only_policy(
        f"{name}-policy",
        queue,
        parent=parent,
        grants_for=grants_for,
        former_name=f"{former_name}-policy" if former_name else None,
    )
    return queue


def event_target_dead_letter_queue(
    name: str, *, source_arn: pulumi.Input[str], parent: pulumi.Resource, former_name: str | None = None
) -> aws.sqs.Queue:
    """A dead-letter queue that only the EventBridge rule `source_arn` may send to.

    Creates `name` (the queue) and f"{name}-policy" (its queue policy), both parented to `parent`. Pass the
    queue's ARN as the target's `dead_letter_config.arn`.
    """
    return dead_letter_queue(
        name,
        parent=parent,
        grants_for=lambda queue_arn: [event_rule_sends(queue_arn, source_arn)],
        former_name=former_name,
    )
