"""An S3 bucket with the secure posture by default: private, encrypted, TLS only, versioned, tidy."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.iam.documents import deny_insecure_transport, policy_document

NONCURRENT_VERSION_DAYS = 30
"""Overwritten or deleted versions stay recoverable this long, then expire."""
INCOMPLETE_UPLOAD_DAYS = 7


@dataclass(frozen=True)
class SecureBucketArgs:
    eventbridge_notifications: bool = False
    """Send every object event to the account's default EventBridge bus (the upload pattern's trigger)."""
    retain_on_delete: bool = False
    """Keep the bucket and its objects when the stack is destroyed (prod)."""


class SecureBucket(pulumi.ComponentResource):
    """Public access blocked, ACLs off, SSE-S3, a policy denying plain HTTP, versioning with expiry."""

    bucket: aws.s3.Bucket
    arn: pulumi.Output[str]
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-event-patterns:index:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            force_destroy=not args.retain_on_delete,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete),
        )
        bucket_id = self.bucket.id
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=[
                {
                    "id": "expire-old-versions-and-abandoned-uploads",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": INCOMPLETE_UPLOAD_DAYS},
                }
            ],
            # S3 rejects a lifecycle with version rules until versioning is configured.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=tls_only_policy(self.bucket.arn),
            # A policy put before the public access block exists can race with it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        if args.eventbridge_notifications:
            aws.s3.BucketNotification(f"{name}-notifications", bucket=bucket_id, eventbridge=True, opts=child)
        self.arn = self.bucket.arn
        self.bucket_name = self.bucket.bucket
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.arn})


def tls_only_policy(bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Deny every request that does not use TLS (AWS Foundational Security Best Practices S3.5)."""
    objects = pulumi.Output.concat(bucket_arn, "/*")
    return policy_document([deny_insecure_transport([bucket_arn, objects], "s3:*")])
