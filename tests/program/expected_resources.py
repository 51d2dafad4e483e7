"""What the program registers and exports, per job pattern: the exact resource types and counts, written out.

A stack is the shared part (network, cluster, stopped-task alerts) plus each job pattern it enables; the three
project stacks enable all three. `tests/program/test_stacks.py` and `test_pattern_combinations.py` both
compare a run with these tables.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

JOB_PATTERNS = ("upload", "batch", "queue")

SHARED = Counter(
    {
        "ecs-event-patterns:index:TaskNetwork": 1,
        "ecs-event-patterns:index:EcsCluster": 1,
        "aws:ecs/cluster:Cluster": 1,
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1,
        # Stopped-task alerts: the rule, its target and the target's dead-letter queue, the encrypted topic,
        # and the alarms on that target's failures and dead letters.
        "ecs-event-patterns:index:StoppedTaskAlerts": 1,
        "aws:cloudwatch/eventRule:EventRule": 1,
        "aws:cloudwatch/eventTarget:EventTarget": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        "aws:sqs/queue:Queue": 1,
        "aws:sqs/queuePolicy:QueuePolicy": 1,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:kms/key:Key": 1,
        "aws:kms/keyPolicy:KeyPolicy": 1,
        "aws:kms/alias:Alias": 1,
    }
)
"""Every stack's, whichever job patterns it enables (its network's own resources are the stack's)."""

_JOB = Counter(
    {
        # The worker: image, task definition, task and execution role with one inline policy each, logs.
        "ecs-event-patterns:index:WorkerTask": 1,
        "ecs-event-patterns:index:WorkerImage": 1,
        "awsx:ecr:Repository": 1,
        "awsx:ecr:Image": 1,
        "aws:ecs/taskDefinition:TaskDefinition": 1,
        "aws:iam/role:Role": 2,
        "aws:iam/rolePolicy:RolePolicy": 2,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        # The data bucket and the dead-letter queue, with the alarm on its messages.
        "ecs-event-patterns:index:SecureBucket": 1,
        **{
            f"aws:s3/{kind}": 1
            for kind in (
                "bucket:Bucket",
                "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "bucketOwnershipControls:BucketOwnershipControls",
                "bucketPolicy:BucketPolicy",
                "bucketPublicAccessBlock:BucketPublicAccessBlock",
                "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "bucketVersioning:BucketVersioning",
            )
        },
        "aws:sqs/queue:Queue": 1,
        "aws:sqs/queuePolicy:QueuePolicy": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 1,
    }
)
"""What every job pattern has (`JobPattern`)."""

PER_PATTERN = {
    "upload": _JOB
    + Counter(
        {
            "ecs-event-patterns:index:UploadProcessing": 1,
            "aws:s3/bucketNotification:BucketNotification": 1,
            "aws:cloudwatch/eventRule:EventRule": 1,  # Object Created
            "aws:cloudwatch/eventTarget:EventTarget": 1,
            "aws:iam/role:Role": 1,  # EventBridge's, to run the task
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:cloudwatch/metricAlarm:MetricAlarm": 1,  # the target's failed invocations
            "aws:dynamodb/table:Table": 1,
        }
    ),
    "batch": _JOB
    + Counter(
        {
            "ecs-event-patterns:index:ScheduledBatch": 1,
            "aws:scheduler/scheduleGroup:ScheduleGroup": 1,
            "aws:scheduler/schedule:Schedule": 1,
            "aws:iam/role:Role": 1,  # the Scheduler's, to run the task
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:cloudwatch/metricAlarm:MetricAlarm": 1,  # the target's failed invocations
        }
    ),
    "queue": _JOB
    + Counter(
        {
            "ecs-event-patterns:index:QueueWorkers": 1,
            "aws:sqs/queue:Queue": 1,  # the work queue
            "aws:sqs/queuePolicy:QueuePolicy": 1,
            "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": 1,
            "aws:ecs/service:Service": 1,
            "aws:appautoscaling/target:Target": 1,
            "aws:appautoscaling/policy:Policy": 3,  # wake, sleep, backlog per task
            "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        }
    ),
}
"""What each job pattern adds to the stack."""

WORKER = {"upload": "ingest", "batch": "report", "queue": "worker"}
"""Each job pattern's bundled worker: its key in the `image_uris` export."""

ALWAYS_EXPORTED = {"environment", "cluster_name", "alert_topic_arn", "image_uris"}
EXPORTS = {
    "upload": {"upload_bucket", "upload_key_prefix", "results_table"},
    "batch": {"batch_bucket", "batch_schedule_arn"},
    "queue": {"queue_url", "queue_dead_letter_url", "queue_bucket"},
}


def isolated_vpc(zones: int) -> Counter[str]:
    return Counter(
        {
            "aws:ec2/vpc:Vpc": 1,
            "aws:ec2/subnet:Subnet": zones,
            "aws:ec2/routeTable:RouteTable": zones,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": zones,
            "aws:ec2/vpcEndpoint:VpcEndpoint": 7,  # s3, dynamodb gateways; ecr.api, ecr.dkr, logs, sqs, sts
            "aws:ec2/securityGroup:SecurityGroup": 2,  # tasks, interface endpoints
        }
    )


STACK_OWN = {
    "dev": Counter({"aws:ec2/securityGroup:SecurityGroup": 1}),
    "staging": isolated_vpc(2) + Counter({"aws:sns/topicSubscription:TopicSubscription": 1}),
    "prod": isolated_vpc(3) + Counter({"aws:sns/topicSubscription:TopicSubscription": 2}),
}
"""What a project stack's own config adds: its network's resources and one subscription per alert e-mail."""


def expected_types(stack: str, patterns: Iterable[str] = JOB_PATTERNS) -> dict[str, int]:
    """Resource type -> count for `stack`'s config with only `patterns` enabled."""
    total = SHARED + STACK_OWN[stack]
    for pattern in patterns:
        total += PER_PATTERN[pattern]
    return dict(total)


def expected_exports(patterns: Iterable[str]) -> set[str]:
    return ALWAYS_EXPORTED.union(*(EXPORTS[pattern] for pattern in patterns))


COMBINATIONS = [
    combination for size in range(4) for combination in itertools.combinations(JOB_PATTERNS, size)
]
"""Every choice of enabled job patterns, from none to all three (8)."""

COMPONENT_TYPE = {
    "upload": "ecs-event-patterns:index:UploadProcessing",
    "batch": "ecs-event-patterns:index:ScheduledBatch",
    "queue": "ecs-event-patterns:index:QueueWorkers",
}

ALERTING_ALARMS = {
    "upload": {"upload-dead-letters-waiting", "upload-failed-invocations"},
    "batch": {"batch-dead-letters-waiting", "batch-failed-invocations"},
    "queue": {"queue-dead-letters-waiting"},
}
"""Each pattern's alarms on the alert topic (silent failures: dead letters, failed target invocations)."""

NONE_ENABLED = (
    "upload.enabled/batch.enabled/queue.enabled: all false; a stack deploys at least one job pattern"
)
"""How the config error for no job pattern starts (`tests/config/test_enabled_patterns.py` has all of it)."""


def combination_id(patterns: Sequence[str]) -> str:
    return "+".join(patterns) or "none"


def with_only(config: Mapping[str, str], patterns: Sequence[str]) -> dict[str, str]:
    """A stack's engine config (namespaced keys, objects JSON-encoded) with each job pattern not in
    `patterns` switched off in its own section, keeping its other keys; enabled ones keep the default."""
    changed = dict(config)
    for pattern in set(JOB_PATTERNS) - set(patterns):
        key = f"ecs-event-patterns:{pattern}"
        changed[key] = json.dumps({**json.loads(config.get(key, "{}")), "enabled": False})
    return changed
