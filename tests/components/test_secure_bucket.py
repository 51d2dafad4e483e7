"""SecureBucket: every protection present, attached to the right bucket, in a safe order."""

import json

from ecs_event_patterns.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from tools import pulumi_mocks
from tools.pulumi_mocks import RecordingMonitor


def test_secure_defaults(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: SecureBucket("data", SecureBucketArgs()))

    bucket = monitor.by_name("data-bucket")
    name, arn = bucket.outputs["bucket"], bucket.outputs["arn"]
    assert bucket.inputs["forceDestroy"] is True
    assert not bucket.retain_on_delete
    for child in (
        "data-ownership",
        "data-public-access",
        "data-encryption",
        "data-versioning",
        "data-lifecycle",
        "data-policy",
    ):
        assert monitor.by_name(child).inputs["bucket"] == name, child
        assert monitor.by_name(child).parent == monitor.by_name("data").urn
    assert monitor.by_name("data-ownership").inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    access = monitor.by_name("data-public-access").inputs
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert [access[key] for key in flags] == [True] * 4
    assert monitor.by_name("data-encryption").inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]
    assert monitor.by_name("data-versioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    [rule] = monitor.by_name("data-lifecycle").inputs["rules"]
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert monitor.by_name("data-versioning").urn in monitor.by_name("data-lifecycle").dependencies
    policy = monitor.by_name("data-policy")
    assert monitor.by_name("data-public-access").urn in policy.dependencies
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    assert not monitor.of_type("aws:s3/bucketNotification:BucketNotification")


def test_eventbridge_notifications_and_retention(monitor: RecordingMonitor):
    pulumi_mocks.run(
        lambda: SecureBucket(
            "uploads", SecureBucketArgs(eventbridge_notifications=True, retain_on_delete=True)
        )
    )

    name = monitor.by_name("uploads-bucket").outputs["bucket"]
    assert monitor.by_name("uploads-notifications").inputs == {"bucket": name, "eventbridge": True}
    assert monitor.by_name("uploads-bucket").inputs["forceDestroy"] is False
    assert monitor.by_name("uploads-bucket").retain_on_delete
    assert not monitor.by_name("uploads-policy").retain_on_delete
