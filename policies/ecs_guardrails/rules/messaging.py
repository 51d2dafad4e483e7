"""SQS and SNS: encryption at rest, TLS-only queues, and a dead-letter queue behind every worker queue.

A dead-letter queue is recognised as the target of another queue's redrive policy (inline
`redrivePolicy` or a separate `aws:sqs/redrivePolicy:RedrivePolicy`) or of an EventBridge target's or a
Scheduler schedule's `deadLetterConfig`; it needs no redrive policy of its own.

A queue's policy is its inline `policy` or a separate `aws:sqs/queuePolicy:QueuePolicy` whose `queueUrl`
names the queue.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from . import documents
from .declarations import one_setting, resource_policy, stack_policy
from .stack_graph import Findings, depends_through, identities, of_type, refers_to
from .values import UNKNOWN, read, setting

QUEUE = "aws:sqs/queue:Queue"
REDRIVE_POLICY = "aws:sqs/redrivePolicy:RedrivePolicy"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
TOPIC = "aws:sns/topic:Topic"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE = "aws:scheduler/schedule:Schedule"
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def _queue_encrypted(props: Mapping[str, Any], _config: Mapping[str, Any]) -> list[str]:
    if read(props, "sqsManagedSseEnabled") is True or read(props, "kmsMasterKeyId") not in (None, ""):
        return []
    return ["is not encrypted at rest; set sqsManagedSseEnabled or kmsMasterKeyId"]


def _topic_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    key = read(props, "kmsMasterKeyId")
    if key in (None, ""):
        return ["is not encrypted at rest; set kmsMasterKeyId to a customer managed KMS key"]
    if key == AWS_MANAGED_SNS_KEY and not setting(config, "allowAwsManagedKey", False):
        return [
            "uses the AWS managed key alias/aws/sns, whose key policy EventBridge and CloudWatch alarms "
            "cannot use; use a customer managed key that allows them"
        ]
    return []


def _redrive_target(value: Any) -> Any:
    """The dead-letter queue ARN in a redrive policy (a JSON string); UNKNOWN when the policy is."""
    if value is UNKNOWN or not isinstance(value, str):
        return value if value is UNKNOWN else None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return None
    return read(parsed, "deadLetterTargetArn") if isinstance(parsed, Mapping) else None


def _redriven_queues(resources: list[PolicyResource]) -> set[str]:
    """URNs of queues with a redrive policy, inline or as a separate RedrivePolicy resource."""
    queues = of_type(resources, QUEUE)
    found = {queue.urn for queue in queues if _names_dead_letter_queue(queue)}
    for policy in of_type(resources, REDRIVE_POLICY):
        if _names_dead_letter_queue(policy):
            found.update(queue.urn for queue in queues if refers_to(policy, "queueUrl", queue))
    return found


def _names_dead_letter_queue(holder: PolicyResource) -> bool:
    target = _redrive_target(read(holder.props, "redrivePolicy"))
    return target is UNKNOWN or (isinstance(target, str) and target.startswith("arn:"))


def _dead_letter_pointers(resources: list[PolicyResource]) -> list[tuple[PolicyResource, str, Any]]:
    """(resource, property, dead-letter queue ARN or UNKNOWN) for every place that names a dead-letter queue:
    redrive policies, and the dead-letter configs of EventBridge targets and Scheduler schedules."""
    pointers = [
        (holder, "redrivePolicy", _redrive_target(read(holder.props, "redrivePolicy")))
        for holder in of_type(resources, QUEUE, REDRIVE_POLICY)
    ]
    pointers += [
        (t, "deadLetterConfig", read(t.props, "deadLetterConfig", "arn"))
        for t in of_type(resources, EVENT_TARGET)
    ]
    pointers += [
        (s, "target", read(s.props, "target", "deadLetterConfig", "arn"))
        for s in of_type(resources, SCHEDULE)
    ]
    return pointers


def _is_dead_letter_queue(queue: PolicyResource, pointers: list[tuple[PolicyResource, str, Any]]) -> bool:
    names = identities(queue)
    return any(
        arn in names or (arn is UNKNOWN and queue.urn in {r.urn for r in depends_through(holder, key)})
        for holder, key, arn in pointers
    )


def worker_queues_have_dead_letter_queues(args: StackValidationArgs, findings: Findings) -> None:
    resources = list(args.resources)
    redriven = _redriven_queues(resources)
    pointers = _dead_letter_pointers(resources)
    for queue in of_type(resources, QUEUE):
        if queue.urn in redriven or _is_dead_letter_queue(queue, pointers):
            continue
        findings.violation(
            f"queue {queue.name} has no redrive policy: a message that keeps failing is retried until it "
            "expires; give it a dead-letter queue with maxReceiveCount",
            queue.urn,
        )


def queues_tls_only(args: StackValidationArgs, findings: Findings) -> None:
    resources = list(args.resources)
    queue_policies = of_type(resources, QUEUE_POLICY)
    for queue in of_type(resources, QUEUE):
        policies = [(queue.name, read(queue.props, "policy"))] + [
            (policy.name, read(policy.props, "policy"))
            for policy in queue_policies
            if refers_to(policy, "queueUrl", queue)
        ]
        problem = findings.unless_unknown(documents.tls_only_problem, policies, "sqs:*", "queue policy")
        if problem:
            findings.violation(f"queue {queue.name}: {problem}", queue.urn)


POLICIES = [
    resource_policy(
        "sqs-queue-encrypted",
        "SQS queues are encrypted at rest (SSE-SQS or KMS).",
        [QUEUE],
        _queue_encrypted,
    ),
    stack_policy(
        "sqs-worker-queue-dead-letter",
        "SQS queues have a redrive policy to a dead-letter queue (dead-letter queues themselves are exempt).",
        worker_queues_have_dead_letter_queues,
    ),
    stack_policy(
        "sqs-queue-tls-only",
        "SQS queues have a queue policy (inline or a QueuePolicy) denying sqs:* to everyone without TLS.",
        queues_tls_only,
    ),
    resource_policy(
        "sns-topic-encrypted",
        "SNS topics are encrypted with a KMS key (a customer managed one, so EventBridge can publish).",
        [TOPIC],
        _topic_encrypted,
        one_setting(
            "allowAwsManagedKey", "Accept alias/aws/sns (only for topics no AWS service publishes to).", False
        ),
    ),
]
