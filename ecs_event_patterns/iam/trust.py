"""Trust policies: which AWS service may assume a role, and on behalf of what (confused-deputy guard)."""

from __future__ import annotations

import pulumi

from ecs_event_patterns.iam import principals
from ecs_event_patterns.iam.documents import policy_document


def service_trust_policy(
    service: str, *, account_id: pulumi.Input[str], source_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    """Only `service`, only for this account, only for sources matching `source_arn` (wildcards allowed)."""
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            }
        ]
    )


def ecs_tasks_trust_policy(
    *, partition: pulumi.Input[str], account_id: pulumi.Input[str], region: pulumi.Input[str]
) -> pulumi.Output[str]:
    """Task and execution roles: ECS tasks of this account and region (AWS's recommended condition)."""
    source = pulumi.Output.concat("arn:", partition, ":ecs:", region, ":", account_id, ":*")
    return service_trust_policy(principals.ECS_TASKS, account_id=account_id, source_arn=source)
