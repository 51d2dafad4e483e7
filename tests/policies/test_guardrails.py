"""Guardrails for queues, topics, buckets, tables, log groups, repositories and ECS launches.

Each policy: a compliant resource (or stack), then one field changed per rule.
"""

import json

import pytest

from policies.ecs_guardrails.rules import container_images, data_stores, ecs_launch, logs, messaging
from tests.policies.harness import (
    ACCOUNT,
    REGION,
    UNKNOWN,
    Outcome,
    Resource,
    by_name,
    document,
    policy_named,
    run_resource,
    run_stack,
    urn,
)

POLICIES = (
    messaging.POLICIES
    + data_stores.POLICIES
    + logs.POLICIES
    + container_images.POLICIES
    + ecs_launch.POLICIES
)
QUEUE = "aws:sqs/queue:Queue"
BUCKET = "aws:s3/bucket:Bucket"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work-dlq"


def policy(name: str):
    return policy_named(POLICIES, name)


def problems(name: str, resource: Resource, config: dict[str, object] | None = None) -> list[str]:
    outcome = run_resource(policy(name), resource, config)
    assert outcome.not_applicable is None
    return outcome.messages


# --- SQS and SNS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "props", [{"sqsManagedSseEnabled": True}, {"kmsMasterKeyId": "alias/work"}, {"kmsMasterKeyId": UNKNOWN}]
)
def test_encrypted_queue_passes(props):
    assert problems("sqs-queue-encrypted", Resource(QUEUE, "work", props)) == []


def test_unencrypted_queue_is_reported():
    found = problems("sqs-queue-encrypted", Resource(QUEUE, "work", {"sqsManagedSseEnabled": False}))
    assert found == ["Queue work: is not encrypted at rest; set sqsManagedSseEnabled or kmsMasterKeyId"]


def queues(redrive: object = None, depends: list[str] | None = None) -> list[Resource]:
    props: dict[str, object] = {"arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:work"}
    if redrive is not None:
        props["redrivePolicy"] = redrive
    return [
        Resource(QUEUE, "work", props, depends={"redrivePolicy": depends or []}),
        Resource(QUEUE, "work-dlq", {"arn": DLQ_ARN}),
    ]


@pytest.mark.parametrize(
    ("redrive", "depends"),
    [
        (json.dumps({"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}), None),
        (UNKNOWN, ["work-dlq"]),
    ],
)
def test_worker_queue_with_dead_letter_queue_passes(redrive, depends):
    assert run_stack(policy("sqs-worker-queue-dead-letter"), queues(redrive, depends)).violations == []


def test_separate_redrive_policy_resource_counts():
    stack = [
        *queues(),
        Resource(
            "aws:sqs/redrivePolicy:RedrivePolicy",
            "work-redrive",
            {"queueUrl": UNKNOWN, "redrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN})},
            depends={"queueUrl": ["work"]},
        ),
    ]
    assert run_stack(policy("sqs-worker-queue-dead-letter"), stack).violations == []


@pytest.mark.parametrize(
    ("target", "depends"),
    [
        (
            Resource(
                "aws:cloudwatch/eventTarget:EventTarget", "on-upload", {"deadLetterConfig": {"arn": UNKNOWN}}
            ),
            {"deadLetterConfig": ["work-dlq"]},
        ),
        (
            Resource(
                "aws:scheduler/schedule:Schedule",
                "nightly",
                {"target": {"deadLetterConfig": {"arn": DLQ_ARN}}},
            ),
            {},
        ),
    ],
)
def test_dead_letter_queue_of_an_ecs_trigger_is_exempt(target, depends):
    target.depends = depends
    worker = queues(json.dumps({"deadLetterTargetArn": f"{DLQ_ARN}-other"}))
    assert run_stack(policy("sqs-worker-queue-dead-letter"), [*worker, target]).violations == []
    target.props, target.depends = {}, {}
    assert run_stack(policy("sqs-worker-queue-dead-letter"), [*worker, target]).urns == [
        urn(QUEUE, "work-dlq")
    ]


@pytest.mark.parametrize("redrive", ["", "{}", json.dumps({"maxReceiveCount": 5}), "not json"])
def test_redrive_policy_without_a_dead_letter_target_is_reported(redrive):
    outcome = run_stack(policy("sqs-worker-queue-dead-letter"), queues(redrive))
    assert urn(QUEUE, "work") in outcome.urns


def test_queue_without_redrive_policy_is_reported_but_not_its_peer():
    outcome = run_stack(policy("sqs-worker-queue-dead-letter"), queues())
    assert outcome.urns == [urn(QUEUE, "work"), urn(QUEUE, "work-dlq")]
    assert "queue work has no redrive policy" in outcome.messages[0]


WORK_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work"
WORK_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/work"
DLQ_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/work-dlq"
NOT_TLS_ONLY = 'queue work: no queue policy denying sqs:* to "*" when aws:SecureTransport is false (TLS only)'


def tls_only(arn: str, **changes: object) -> str:
    statement = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return document({**statement, **changes})


def tls_queues(holder: str = "work-policy") -> list[Resource]:
    """Queue work with its TLS-only policy in `holder`: the QueuePolicy work-policy (naming the queue by URL),
    or the queue itself (inline). Queue work-dlq has its own inline one throughout."""
    inline = tls_only(WORK_ARN) if holder == "work" else ""
    stack = [
        Resource(QUEUE, "work", {"arn": WORK_ARN, "url": WORK_URL, "policy": inline}),
        Resource(QUEUE, "work-dlq", {"arn": DLQ_ARN, "url": DLQ_URL, "policy": tls_only(DLQ_ARN)}),
    ]
    if holder == "work-policy":
        queue_policy = {"queueUrl": WORK_URL, "policy": tls_only(WORK_ARN)}
        stack.append(Resource("aws:sqs/queuePolicy:QueuePolicy", "work-policy", queue_policy))
    return stack


def tls_outcome(stack: list[Resource]) -> Outcome:
    return run_stack(policy("sqs-queue-tls-only"), stack)


def tls_problem(stack: list[Resource]) -> str:
    outcome = tls_outcome(stack)
    assert (outcome.urns, outcome.not_applicable) == ([urn(QUEUE, "work")], None)
    return outcome.messages[0]


@pytest.mark.parametrize("holder", ["work-policy", "work"], ids=["queue-policy", "inline"])
def test_tls_only_queue_passes(holder):
    outcome = tls_outcome(tls_queues(holder))
    assert (outcome.violations, outcome.not_applicable) == ([], None)


def test_queue_policy_named_through_its_dependencies_counts():
    stack = tls_queues()
    by_name(stack, "work-policy").props["queueUrl"] = UNKNOWN
    by_name(stack, "work-policy").depends = {"queueUrl": ["work"]}
    assert tls_outcome(stack).violations == []


@pytest.mark.parametrize(
    "changes",
    [{"Principal": {"AWS": "*"}}, {"Action": "*"}, {"Action": ["sqs:SendMessage", "sqs:*"]}],
    ids=["principal-aws-star", "action-star", "action-list"],
)
def test_equivalent_tls_only_statements_pass(changes):
    stack = tls_queues()
    by_name(stack, "work-policy").props["policy"] = tls_only(WORK_ARN, **changes)
    assert tls_outcome(stack).violations == []


@pytest.mark.parametrize("holder", ["work-policy", "work"], ids=["queue-policy", "inline"])
@pytest.mark.parametrize(
    "changes",
    [
        {"Effect": "Allow"},
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}},
        {"Action": "sqs:SendMessage"},
    ],
    ids=["allow-only", "secure-transport-true", "principal-not-everyone", "send-message-only"],
)
def test_queue_policy_that_does_not_deny_insecure_transport_is_reported(holder, changes):
    stack = tls_queues(holder)
    by_name(stack, holder).props["policy"] = tls_only(WORK_ARN, **changes)
    assert tls_problem(stack) == NOT_TLS_ONLY


def test_queue_without_a_policy_is_reported():
    stack = [item for item in tls_queues() if item.name != "work-policy"]
    assert tls_problem(stack) == NOT_TLS_ONLY


def test_queue_policy_of_another_queue_does_not_count():
    stack = tls_queues()
    by_name(stack, "work-policy").props["queueUrl"] = DLQ_URL
    assert tls_problem(stack) == NOT_TLS_ONLY


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('{"Statement": ', "policy document is not valid JSON (Expecting value at 14)"),
        ("[]", "policy document is a list, not a JSON object"),
    ],
)
def test_malformed_queue_policy_is_reported(value, problem):
    stack = tls_queues()
    by_name(stack, "work-policy").props["policy"] = value
    assert tls_problem(stack) == f"queue work: queue policy work-policy: {problem}"


def test_unknown_queue_policy_is_checked_at_update():
    stack = tls_queues()
    by_name(stack, "work-policy").props["policy"] = UNKNOWN
    outcome = tls_outcome(stack)
    assert (outcome.violations, outcome.not_applicable) == (
        [],
        "not known until update: policy of work-policy",
    )


def test_known_tls_only_policy_wins_over_an_unknown_inline_one():
    stack = tls_queues()
    by_name(stack, "work").props["policy"] = UNKNOWN  # computed by the provider during a preview
    outcome = tls_outcome(stack)
    assert (outcome.violations, outcome.not_applicable) == ([], None)


@pytest.mark.parametrize("key", ["arn:aws:kms:us-east-1:123456789012:key/abc", UNKNOWN])
def test_topic_with_customer_key_passes(key):
    assert (
        problems("sns-topic-encrypted", Resource("aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": key}))
        == []
    )


def test_unencrypted_topic_and_aws_managed_key_are_reported():
    topic = Resource("aws:sns/topic:Topic", "alerts", {})
    assert "is not encrypted at rest" in problems("sns-topic-encrypted", topic)[0]
    topic.props["kmsMasterKeyId"] = "alias/aws/sns"
    assert "AWS managed key alias/aws/sns" in problems("sns-topic-encrypted", topic)[0]
    assert problems("sns-topic-encrypted", topic, {"allowAwsManagedKey": True}) == []


# --- S3 ---------------------------------------------------------------------------------------------------


def bucket_stack() -> list[Resource]:
    arn = "arn:aws:s3:::uploads"
    tls_only = document(
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    return [
        Resource(BUCKET, "uploads", {"bucket": "uploads", "arn": arn}),
        Resource(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "uploads-block",
            {
                "bucket": "uploads",
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
        Resource(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "uploads-sse",
            {
                "bucket": UNKNOWN,
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}],
            },
            depends={"bucket": ["uploads"]},
        ),
        Resource(
            "aws:s3/bucketPolicy:BucketPolicy", "uploads-policy", {"bucket": "uploads", "policy": tls_only}
        ),
    ]


def bucket_problem(stack: list[Resource]) -> str:
    outcome = run_stack(policy("s3-bucket-hardened"), stack)
    assert outcome.urns == [urn(BUCKET, "uploads")]
    return outcome.messages[0]


def test_hardened_bucket_passes():
    assert run_stack(policy("s3-bucket-hardened"), bucket_stack()).violations == []


def test_bucket_with_a_public_access_setting_off_is_reported():
    stack = bucket_stack()
    by_name(stack, "uploads-block").props["restrictPublicBuckets"] = False
    assert "public access block uploads-block leaves restrictPublicBuckets off" in bucket_problem(stack)


def test_bucket_without_encryption_is_reported():
    stack = [item for item in bucket_stack() if item.name != "uploads-sse"]
    assert "no BucketServerSideEncryptionConfiguration" in bucket_problem(stack)


def test_bucket_without_tls_only_policy_is_reported():
    stack = bucket_stack()
    statement = json.loads(by_name(stack, "uploads-policy").props["policy"])
    statement["Statement"][0]["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    by_name(stack, "uploads-policy").props["policy"] = json.dumps(statement)
    assert "TLS only" in bucket_problem(stack)


def test_unknown_bucket_settings_are_checked_at_update():
    stack = bucket_stack()
    by_name(stack, "uploads-sse").props["rules"] = [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": UNKNOWN}}
    ]
    by_name(stack, "uploads-block").props["blockPublicAcls"] = UNKNOWN
    outcome = run_stack(policy("s3-bucket-hardened"), stack)
    assert (outcome.violations, outcome.not_applicable) == (
        [],
        "not known until update: settings of uploads-block",
    )
    by_name(stack, "uploads-block").props["blockPublicAcls"] = True
    outcome = run_stack(policy("s3-bucket-hardened"), stack)
    assert outcome.not_applicable == "not known until update: encryption configuration of bucket uploads"


def test_unknown_bucket_policy_is_checked_at_update():
    stack = bucket_stack()
    by_name(stack, "uploads-policy").props["policy"] = UNKNOWN
    outcome = run_stack(policy("s3-bucket-hardened"), stack)
    assert (outcome.violations, outcome.not_applicable) == (
        [],
        "not known until update: policy of uploads-policy",
    )


# --- DynamoDB, log groups, ECR ----------------------------------------------------------------------------


def table(**changes: object) -> Resource:
    props = {"serverSideEncryption": {"enabled": True}, "pointInTimeRecovery": {"enabled": True}, **changes}
    return Resource("aws:dynamodb/table:Table", "results", props)


def test_protected_table_passes():
    assert problems("dynamodb-table-protected", table()) == []


def test_table_without_encryption_or_recovery_is_reported():
    assert problems("dynamodb-table-protected", table(serverSideEncryption={"enabled": False})) == [
        "Table results: serverSideEncryption is not enabled (encrypt with a KMS key)"
    ]
    no_recovery = table(pointInTimeRecovery={"enabled": False})
    assert problems("dynamodb-table-protected", no_recovery) == [
        "Table results: point-in-time recovery is off"
    ]
    assert problems("dynamodb-table-protected", no_recovery, {"requirePointInTimeRecovery": False}) == []


def test_log_group_retention():
    group = Resource("aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": 30})
    assert problems("log-group-retention", group) == []
    assert problems("log-group-retention", group, {"minimumRetentionDays": 90}) == [
        "LogGroup logs: keeps logs 30 days, less than the 90 this stack requires"
    ]
    group.props["retentionInDays"] = 0
    assert problems("log-group-retention", group) == [
        "LogGroup logs: keeps logs forever; set retentionInDays"
    ]


@pytest.mark.parametrize("typ", ["aws:ecr/repository:Repository", "awsx:ecr:Repository"])
def test_repository_scan_on_push_and_immutable_tags(typ):
    repository = Resource(
        typ, "jobs", {"imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "IMMUTABLE"}
    )
    assert problems("ecr-repository-hardened", repository) == []
    repository.props["imageTagMutability"] = "MUTABLE"
    assert problems("ecr-repository-hardened", repository) == [
        "Repository jobs: has mutable tags; set imageTagMutability to IMMUTABLE"
    ]
    repository.props.update(imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": False})
    assert "does not scan images on push" in problems("ecr-repository-hardened", repository)[0]


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        (f"123456789012.dkr.ecr.us-east-1.amazonaws.com/jobs@sha256:{'a' * 64}", True),
        (f"public.ecr.aws/acme/jobs:v1@sha256:{'a' * 64}", True),
        ("public.ecr.aws/acme/jobs:v1", False),
        ("python:3.12", False),
        ("acme/jobs", False),
        ("acme/jobs@sha256:abc", False),  # not a digest
    ],
)
def test_images_are_pinned_by_digest(image, pinned):
    definition = Resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        "job",
        {"containerDefinitions": json.dumps([{"name": "job", "image": image}])},
    )
    found = problems("ecs-task-image-pinned", definition)
    if pinned:
        assert found == []
    else:
        assert found == [
            f"container job: image {image} is named by tag only; a tag can be moved to another image, and ECS "
            "resolves it again at each deployment or RunTask: pin it as <repository>@sha256:<digest>"
        ]
        assert problems("ecs-task-image-pinned", definition, {"exemptImages": [image]}) == []


# --- ECS launches -----------------------------------------------------------------------------------------

NETWORK = {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": False}


def launches(public: bool) -> list[Resource]:
    network = {**NETWORK, "assignPublicIp": public}
    return [
        Resource("aws:ecs/service:Service", "workers", {"networkConfiguration": network}),
        Resource(
            "aws:cloudwatch/eventTarget:EventTarget",
            "on-upload",
            {
                "ecsTarget": {"networkConfiguration": network},
                "deadLetterConfig": {"arn": DLQ_ARN},
                "retryPolicy": {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600},
            },
        ),
        Resource(
            "aws:scheduler/schedule:Schedule",
            "nightly",
            {
                "target": {
                    "ecsParameters": {"networkConfiguration": network},
                    "deadLetterConfig": {"arn": DLQ_ARN},
                    "retryPolicy": {"maximumRetryAttempts": 3},
                }
            },
        ),
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_public_ip_is_reported(index):
    assert problems("ecs-no-public-ip", launches(public=False)[index]) == []
    found = problems("ecs-no-public-ip", launches(public=True)[index])
    assert len(found) == 1
    assert "gives its tasks a public IP" in found[0]


@pytest.mark.parametrize("index", [1, 2])
def test_ecs_target_without_dead_letter_queue_or_retry_policy_is_reported(index):
    target = launches(public=False)[index]
    assert problems("ecs-target-dead-letter-and-retry", target) == []
    holder = target.props if index == 1 else target.props["target"]
    del holder["deadLetterConfig"]
    assert "has no deadLetterConfig" in problems("ecs-target-dead-letter-and-retry", target)[0]
    holder["deadLetterConfig"] = {"arn": DLQ_ARN}
    del holder["retryPolicy"]
    assert "has no retryPolicy" in problems("ecs-target-dead-letter-and-retry", target)[0]


def test_non_ecs_targets_need_no_dead_letter_queue():
    target = Resource("aws:cloudwatch/eventTarget:EventTarget", "to-topic", {"arn": "arn:aws:sns:x"})
    assert problems("ecs-target-dead-letter-and-retry", target) == []


def test_unknown_values_in_resource_checks_wait_for_update():
    assert problems("dynamodb-table-protected", table(serverSideEncryption={"enabled": UNKNOWN})) == []
    repository = Resource(
        "aws:ecr/repository:Repository",
        "jobs",
        {"imageScanningConfiguration": {"scanOnPush": UNKNOWN}, "imageTagMutability": UNKNOWN},
    )
    assert problems("ecr-repository-hardened", repository) == []
    assert (
        problems(
            "log-group-retention",
            Resource("aws:cloudwatch/logGroup:LogGroup", "l", {"retentionInDays": UNKNOWN}),
        )
        == []
    )
