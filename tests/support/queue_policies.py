"""The exact queue policy statement every queue of this project must carry."""

from __future__ import annotations

from typing import Any


def tls_only_statement(queue_arn: str) -> dict[str, Any]:
    """Deny every SQS action on the queue to everyone when the request does not use TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": queue_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
