"""SQS and SNS: encryption at rest, and a dead-letter queue behind every worker queue.

A dead-letter queue is recognised as the target of another queue's redrive policy (inline
`redrivePolicy` or a separate `aws:sqs/redrivePolicy:RedrivePolicy`); it needs none of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .declarations import one_setting, resource_policy
from .stack_graph import Findings, depends_through, identities, of_type, refers_to
from .values import UNKNOWN, read, setting

QUEUE = "aws:sqs/queue:Queue"
REDRIVE_POLICY = "aws:sqs/redrivePolicy:RedrivePolicy"
TOPIC = "aws:sns/topic:Topic"
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


def _redrive_target(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return None
        target = read(parsed, "deadLetterTargetArn") if isinstance(parsed, Mapping) else None
        return target if isinstance(target, str) else None
    return None


def _redrive_sources(resources: list[PolicyResource]) -> list[tuple[PolicyResource, PolicyResource | None]]:
    """(resource holding a redrive policy, the queue it applies to or None for the queue itself)."""
    queues = of_type(resources, QUEUE)
    sources: list[tuple[PolicyResource, PolicyResource | None]] = [
        (queue, None) for queue in queues if read(queue.props, "redrivePolicy") not in (None, "")
    ]
    for policy in of_type(resources, REDRIVE_POLICY):
        for queue in queues:
            if refers_to(policy, "queueUrl", queue):
                sources.append((policy, queue))
    return sources


def _is_dead_letter_target(
    queue: PolicyResource, sources: list[tuple[PolicyResource, PolicyResource | None]]
) -> bool:
    names = identities(queue)
    for holder, _ in sources:
        if queue.urn in {r.urn for r in depends_through(holder, "redrivePolicy")}:
            return True
        if _redrive_target(read(holder.props, "redrivePolicy")) in names:
            return True
    return False


def worker_queues_have_dead_letter_queues(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    resources = list(args.resources)
    sources = _redrive_sources(resources)
    redriven = {holder.urn if applies_to is None else applies_to.urn for holder, applies_to in sources}
    for queue in of_type(resources, QUEUE):
        if queue.urn in redriven or _is_dead_letter_target(queue, sources):
            continue
        if read(queue.props, "redrivePolicy") is UNKNOWN:
            continue
        findings.violation(
            f"queue {queue.name} has no redrive policy: a message that keeps failing is retried until it "
            "expires; give it a dead-letter queue with maxReceiveCount",
            queue.urn,
        )
    findings.finish(args)


POLICIES = [
    resource_policy(
        "sqs-queue-encrypted",
        "SQS queues are encrypted at rest (SSE-SQS or KMS).",
        [QUEUE],
        _queue_encrypted,
    ),
    StackValidationPolicy(
        name="sqs-worker-queue-dead-letter",
        description="SQS queues have a redrive policy to a dead-letter queue (dead-letter queues themselves "
        "are exempt).",
        validate=worker_queues_have_dead_letter_queues,
        enforcement_level=EnforcementLevel.MANDATORY,
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
