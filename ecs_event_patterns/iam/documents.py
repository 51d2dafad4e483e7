"""IAM policy documents: the statement type, one renderer, and the TLS-only deny of every resource policy.

Statements are plain dicts whose values may be Pulumi Outputs, built by small pure functions (grants, trust,
resource policies) so that tests can compare them; `policy_document` renders them into the JSON string that
a role policy, queue policy, bucket policy, topic policy or key policy takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

Statement = dict[str, Any]
"""One IAM policy statement; values may be Pulumi Outputs."""

IAM_VERSION = "2012-10-17"


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """The policy JSON a resource takes (`Output.json_dumps`, so ARNs may still be unknown)."""
    return pulumi.Output.json_dumps({"Version": IAM_VERSION, "Statement": list(statements)})


def deny_insecure_transport(
    resource: pulumi.Input[str] | list[pulumi.Input[str]], service_wildcard: str
) -> Statement:
    """Refuse every request not made over TLS (`aws:SecureTransport` false), as the S3, SQS and SNS security
    best practices ask. AWS services always use TLS, so their grants are unaffected."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": service_wildcard,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
