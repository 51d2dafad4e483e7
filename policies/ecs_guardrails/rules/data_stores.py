"""S3 buckets and DynamoDB tables: no public access, encryption, TLS only, point-in-time recovery.

With pulumi-aws 7 a bucket's settings are separate resources (`BucketPublicAccessBlock`,
`BucketServerSideEncryptionConfiguration`, `BucketPolicy`) that name the bucket, so the S3 check is a
stack policy that follows them to their bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from . import documents
from .declarations import one_setting, resource_policy, stack_policy
from .stack_graph import Findings, of_type, refers_to
from .values import UNKNOWN, NotKnownYetError, has_unknown, is_sequence, read, setting

BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION_CONFIGURATIONS = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
TABLE = "aws:dynamodb/table:Table"
_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _attached(bucket: PolicyResource, resources: list[PolicyResource], *types: str) -> list[PolicyResource]:
    return [item for item in of_type(resources, *types) if refers_to(item, "bucket", bucket)]


def _public_access_problem(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    for block in _attached(bucket, resources, PUBLIC_ACCESS_BLOCK):
        if any(read(block.props, flag) is UNKNOWN for flag in _BLOCK_FLAGS):
            raise NotKnownYetError(f"settings of {block.name}")
        off = [flag for flag in _BLOCK_FLAGS if read(block.props, flag) is not True]
        if not off:
            return None
        return f"public access block {block.name} leaves {', '.join(off)} off"
    return "no BucketPublicAccessBlock with all four settings on"


def _sse_rules_encrypt(rules: Any) -> bool:
    items = rules if is_sequence(rules) else [rules]
    return any(
        read(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        in ("aws:kms", "aws:kms:dsse", "AES256")
        for rule in items
        if isinstance(rule, Mapping)
    )


def _encryption_problem(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    if _sse_rules_encrypt(read(bucket.props, "serverSideEncryptionConfiguration", "rule")):
        return None
    configurations = _attached(bucket, resources, *ENCRYPTION_CONFIGURATIONS)
    if any(read(c.props, "rules") is UNKNOWN or has_unknown(read(c.props, "rules")) for c in configurations):
        raise NotKnownYetError(f"encryption configuration of bucket {bucket.name}")
    if any(_sse_rules_encrypt(read(c.props, "rules")) for c in configurations):
        return None
    return "no BucketServerSideEncryptionConfiguration with a default SSE algorithm"


def _tls_problem(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    policies = [
        (policy.name, read(policy.props, "policy")) for policy in _attached(bucket, resources, BUCKET_POLICY)
    ]
    return documents.tls_only_problem(policies, "s3:*", "bucket policy")


def _bucket_problems(bucket: PolicyResource, resources: list[PolicyResource]) -> list[str]:
    return [
        problem
        for check in (_public_access_problem, _encryption_problem, _tls_problem)
        if (problem := check(bucket, resources))
    ]


def buckets_hardened(args: StackValidationArgs, findings: Findings) -> None:
    resources = list(args.resources)
    for bucket in of_type(resources, *BUCKETS):
        problems = findings.unless_unknown(_bucket_problems, bucket, resources)
        if problems:
            findings.violation(f"bucket {bucket.name}: {'; '.join(problems)}", bucket.urn)


def _table_protected(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    problems = []
    if read(props, "serverSideEncryption", "enabled") not in (True, UNKNOWN):
        problems.append("serverSideEncryption is not enabled (encrypt with a KMS key)")
    if setting(config, "requirePointInTimeRecovery", True) and read(
        props, "pointInTimeRecovery", "enabled"
    ) not in (True, UNKNOWN):
        problems.append("point-in-time recovery is off")
    return problems


POLICIES = [
    stack_policy(
        "s3-bucket-hardened",
        "S3 buckets block public access, have default encryption and a TLS-only bucket policy.",
        buckets_hardened,
    ),
    resource_policy(
        "dynamodb-table-protected",
        "DynamoDB tables are KMS encrypted and (configurable) have point-in-time recovery.",
        [TABLE],
        _table_protected,
        one_setting("requirePointInTimeRecovery", "Require point-in-time recovery.", True),
    ),
]
