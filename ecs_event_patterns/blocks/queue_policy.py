"""Every queue this project creates gets a queue policy that refuses requests made without TLS.

SQS endpoints also answer plain HTTP; the SQS developer guide's security best practices ("Enforce
encryption of data in transit") say to deny requests whose `aws:SecureTransport` is false, which is what
the CDK's `enforceSSL` queue option does too. AWS services always use TLS, so their grants are unaffected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.renames import child_options
from ecs_event_patterns.iam.documents import Statement, deny_insecure_transport, policy_document

GrantsFor = Callable[[pulumi.Output[str]], Sequence[Statement]]
"""Builds a queue's extra policy statements from its ARN."""


def attach_tls_only_policy(
    name: str,
    queue: aws.sqs.Queue,
    *,
    parent: pulumi.Resource,
    grants_for: GrantsFor | None = None,
    former_name: str | None = None,
) -> aws.sqs.QueuePolicy:
    """Creates queue policy `name` on `queue`, parented to `parent`: `grants_for(queue.arn)` plus TLS-only.
    A policy renamed from `former_name` keeps its URN (ecs_event_patterns.blocks.renames)."""
    grants = grants_for(queue.arn) if grants_for else ()
    return aws.sqs.QueuePolicy(
        name,
        queue_url=queue.url,
        policy=policy_document([*grants, deny_insecure_transport(queue.arn, "sqs:*")]),
        opts=child_options(parent, former_name),
    )
