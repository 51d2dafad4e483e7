"""Create the recorded graph's resources in the emulator through boto3, one small mapping per type.

Only what the flows need is created; what the emulator cannot run is left to the demo's own emulators:
ECS targets on rules (in moto they break delivery and stop later deliveries), schedules, services and
scaling. The rules are created with their patterns but no targets; one catch-all rule sends every event
on the bus to a spy queue, and the demo routes each event to the recorded rules itself
(`tools.eventbridge.matches`: moto's matcher with the one gap it has closed, arrays of objects, which the
stopped-task rule's `containers.exitCode` filters need). Every topic gets a spy queue subscription, which
receives each notification (subject and message) as SNS delivers it.

Resource types are created in waves, each wave's types in parallel (the emulator serves requests
concurrently): a wave refers only to resources of earlier waves.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tools.demo.endpoint import Endpoint
from tools.demo.graph import Graph, Resource
from tools.demo.names import NameMap

SPY_PREFIX = "demo-spy-"

NOT_NEEDED = "not needed by the flows"
EMULATED = "emulated by the demo"
SKIPPED_TYPES: dict[str, str] = {
    "aws:cloudwatch/eventTarget:EventTarget": "played by the demo from the recording",
    "aws:scheduler/schedule:Schedule": EMULATED + " (fires once, now)",
    "aws:scheduler/scheduleGroup:ScheduleGroup": EMULATED,
    "aws:ecs/service:Service": EMULATED + " (worker count from the scaling policies)",
    "aws:appautoscaling/target:Target": EMULATED,
    "aws:appautoscaling/policy:Policy": EMULATED,
    "aws:cloudwatch/metricAlarm:MetricAlarm": EMULATED + " (dead-letter alarms evaluated after the flows)",
}


@dataclass
class Deployment:
    graph: Graph
    endpoint: Endpoint
    names: NameMap
    bus_spy: str = ""
    """URL of the queue that receives every event on the default bus."""
    topic_spies: dict[str, str] = field(default_factory=dict)
    """Recorded topic ARN -> URL of the spy queue subscribed to it."""
    created: list[Resource] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    """Type -> why it was not created."""

    def real(self, recorded: Any) -> Any:
        return self.names.translate(recorded)


Mapping = Callable[[Deployment, Resource], None]


def _kms_key(deployment: Deployment, resource: Resource) -> None:
    key = deployment.endpoint.client("kms").create_key(
        Description=str(resource.inputs.get("description", ""))
    )
    deployment.names.add(resource.outputs.get("arn"), key["KeyMetadata"]["Arn"])
    deployment.names.add(resource.outputs.get("keyId"), key["KeyMetadata"]["KeyId"])


def _bucket(deployment: Deployment, resource: Resource) -> None:
    s3, name = deployment.endpoint.client("s3"), resource.outputs["bucket"]
    region = deployment.endpoint.region
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def _bucket_versioning(deployment: Deployment, resource: Resource) -> None:
    status = (resource.inputs.get("versioningConfiguration") or {}).get("status", "Enabled")
    deployment.endpoint.client("s3").put_bucket_versioning(
        Bucket=deployment.real(resource.inputs["bucket"]), VersioningConfiguration={"Status": status}
    )


def _bucket_notification(deployment: Deployment, resource: Resource) -> None:
    if not resource.inputs.get("eventbridge"):
        return
    deployment.endpoint.client("s3").put_bucket_notification_configuration(
        Bucket=deployment.real(resource.inputs["bucket"]),
        NotificationConfiguration={"EventBridgeConfiguration": {}},
    )


def _table(deployment: Deployment, resource: Resource) -> None:
    inputs = resource.inputs
    keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
    if inputs.get("rangeKey"):
        keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
    deployment.endpoint.client("dynamodb").create_table(
        TableName=resource.outputs["name"],
        KeySchema=keys,
        AttributeDefinitions=[
            {"AttributeName": attribute["name"], "AttributeType": attribute["type"]}
            for attribute in inputs["attributes"]
        ],
        BillingMode=inputs.get("billingMode", "PAY_PER_REQUEST"),
    )


_QUEUE_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "delaySeconds": "DelaySeconds",
    "redrivePolicy": "RedrivePolicy",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
}


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _queue(deployment: Deployment, resource: Resource) -> None:
    attributes = {
        name: _attribute_text(deployment.real(resource.inputs[key]))
        for key, name in _QUEUE_ATTRIBUTES.items()
        if resource.inputs.get(key) not in (None, "")
    }
    sqs = deployment.endpoint.client("sqs")
    url = sqs.create_queue(QueueName=resource.outputs["name"], Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    deployment.names.add(resource.outputs.get("url"), url)
    deployment.names.add(resource.outputs.get("arn"), arn)


def _spy_queue(deployment: Deployment, name: str) -> tuple[str, str]:
    sqs = deployment.endpoint.client("sqs")
    url = sqs.create_queue(QueueName=(SPY_PREFIX + name)[:80])["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _topic(deployment: Deployment, resource: Resource) -> None:
    attributes = {
        name: deployment.real(resource.inputs[key])
        for key, name in (("displayName", "DisplayName"), ("kmsMasterKeyId", "KmsMasterKeyId"))
        if resource.inputs.get(key)
    }
    sns = deployment.endpoint.client("sns")
    arn = sns.create_topic(Name=resource.outputs["name"], Attributes=attributes)["TopicArn"]
    deployment.names.add(resource.outputs.get("arn"), arn)
    spy_url, spy_arn = _spy_queue(deployment, f"topic-{resource.outputs['name']}")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=spy_arn, Attributes={"RawMessageDelivery": "false"})
    deployment.topic_spies[str(resource.outputs["arn"])] = spy_url


def _subscription(deployment: Deployment, resource: Resource) -> None:
    deployment.endpoint.client("sns").subscribe(
        TopicArn=deployment.real(resource.inputs["topic"]),
        Protocol=resource.inputs["protocol"],
        Endpoint=deployment.real(resource.inputs["endpoint"]),
    )


def _role(deployment: Deployment, resource: Resource) -> None:
    iam = deployment.endpoint.client("iam")
    role = iam.create_role(
        RoleName=resource.outputs["name"],
        Path=resource.inputs.get("path") or "/",
        AssumeRolePolicyDocument=deployment.real(resource.inputs["assumeRolePolicy"]),
    )["Role"]
    deployment.names.add(resource.outputs.get("arn"), role["Arn"])


def _role_policy(deployment: Deployment, resource: Resource) -> None:
    deployment.endpoint.client("iam").put_role_policy(
        RoleName=deployment.real(resource.inputs["role"]),
        PolicyName=resource.outputs["name"],
        PolicyDocument=deployment.real(resource.inputs["policy"]),
    )


def _cluster(deployment: Deployment, resource: Resource) -> None:
    cluster = deployment.endpoint.client("ecs").create_cluster(clusterName=resource.outputs["name"])[
        "cluster"
    ]
    deployment.names.add(resource.outputs.get("arn"), cluster["clusterArn"])


def _task_definition(deployment: Deployment, resource: Resource) -> None:
    inputs = resource.inputs
    request: dict[str, Any] = {
        "family": inputs["family"],
        "containerDefinitions": deployment.real(resource.document("containerDefinitions")),
        "requiresCompatibilities": inputs.get("requiresCompatibilities", []),
    }
    for key, name in (
        ("taskRoleArn", "taskRoleArn"),
        ("executionRoleArn", "executionRoleArn"),
        ("networkMode", "networkMode"),
        ("cpu", "cpu"),
        ("memory", "memory"),
    ):
        if inputs.get(key):
            request[name] = deployment.real(inputs[key])
    registered = deployment.endpoint.client("ecs").register_task_definition(**request)["taskDefinition"]
    arn = registered["taskDefinitionArn"]
    deployment.names.add(resource.outputs.get("arn"), arn)
    deployment.names.add(resource.outputs.get("arnWithoutRevision"), arn.rsplit(":", 1)[0])


def _rule(deployment: Deployment, resource: Resource) -> None:
    request: dict[str, Any] = {
        "Name": resource.outputs["name"],
        "State": resource.inputs.get("state", "ENABLED"),
    }
    if resource.inputs.get("eventPattern"):
        request["EventPattern"] = deployment.real(resource.inputs["eventPattern"])
    if resource.inputs.get("scheduleExpression"):
        request["ScheduleExpression"] = resource.inputs["scheduleExpression"]
    arn = deployment.endpoint.client("events").put_rule(**request)["RuleArn"]
    deployment.names.add(resource.outputs.get("arn"), arn)


BUS_SPY_PATTERN = '{"source": [{"prefix": ""}]}'


def _bus_spy(deployment: Deployment) -> None:
    events = deployment.endpoint.client("events")
    url, arn = _spy_queue(deployment, "bus")
    events.put_rule(Name=SPY_PREFIX + "bus", EventPattern=BUS_SPY_PATTERN)
    events.put_targets(Rule=SPY_PREFIX + "bus", Targets=[{"Id": "demo-spy", "Arn": arn}])
    deployment.bus_spy = url


# Waves in dependency order: what a mapping refers to exists (and is in the name map) before it runs.
WAVES: tuple[tuple[tuple[str, Mapping], ...], ...] = (
    (
        ("aws:kms/key:Key", _kms_key),
        ("aws:s3/bucket:Bucket", _bucket),
        ("aws:dynamodb/table:Table", _table),
        ("aws:sqs/queue:Queue", _queue),
        ("aws:iam/role:Role", _role),
        ("aws:ecs/cluster:Cluster", _cluster),
    ),
    (
        ("aws:s3/bucketVersioning:BucketVersioning", _bucket_versioning),
        ("aws:s3/bucketNotification:BucketNotification", _bucket_notification),
        ("aws:sns/topic:Topic", _topic),
        ("aws:iam/rolePolicy:RolePolicy", _role_policy),
        ("aws:ecs/taskDefinition:TaskDefinition", _task_definition),
        ("aws:cloudwatch/eventRule:EventRule", _rule),
    ),
    (("aws:sns/topicSubscription:TopicSubscription", _subscription),),
)


def _creation_order(graph: Graph, typ: str) -> list[Resource]:
    resources = graph.of_type(typ)
    if typ == "aws:sqs/queue:Queue":
        # Dead-letter queues first: a redrive policy names its target's ARN.
        resources.sort(key=lambda resource: bool(resource.inputs.get("redrivePolicy")))
    return resources


def _create_all(deployment: Deployment, typ: str, mapping: Mapping) -> list[Resource]:
    resources = _creation_order(deployment.graph, typ)
    for resource in resources:
        mapping(deployment, resource)
    return resources


def deploy(graph: Graph, endpoint: Endpoint) -> Deployment:
    real_account = endpoint.client("sts").get_caller_identity()["Account"]
    deployment = Deployment(graph, endpoint, NameMap(graph.account_id, real_account))
    with ThreadPoolExecutor(max_workers=6, thread_name_prefix="deploy") as pool:
        for wave in WAVES:
            created = pool.map(lambda item: _create_all(deployment, *item), wave)
            deployment.created.extend(resource for resources in created for resource in resources)
    _bus_spy(deployment)
    mapped = {typ for wave in WAVES for typ, _ in wave}
    for resource in graph:
        if resource.type not in mapped and resource.type.startswith("aws:"):
            deployment.skipped.setdefault(resource.type, SKIPPED_TYPES.get(resource.type, NOT_NEEDED))
    return deployment


def describe(deployment: Deployment) -> list[str]:
    """What the deployer did, one line per resource type."""
    counts: dict[str, int] = {}
    for resource in deployment.created:
        counts[resource.type] = counts.get(resource.type, 0) + 1
    lines = [f"created {count:2d} x {typ}" for typ, count in counts.items()]
    lines += [f"skipped {typ}: {reason}" for typ, reason in sorted(deployment.skipped.items())]
    return lines
