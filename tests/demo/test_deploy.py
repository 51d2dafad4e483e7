"""The deployer: each mapping creates its recorded resource in moto, with the recorded settings."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services.support import moto_server
from tools.demo.deploy import deploy
from tools.demo.endpoint import Endpoint
from tools.demo.graph import from_records
from tools.demo.names import NameMap

ACCOUNT = "123456789012"
DLQ_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:work-dlq-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/task-role-1"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": DLQ_ARN}],
}
PATTERN = {"source": ["aws.s3"], "detail": {"bucket": {"name": ["uploads-1"]}}}


def record(typ: str, name: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    return {"urn": f"urn:{name}", "type": typ, "name": name, "inputs": inputs, "outputs": outputs}


RECORDS = [
    record("aws:s3/bucket:Bucket", "uploads", {}, {"bucket": "uploads-1", "arn": "arn:aws:s3:::uploads-1"}),
    record(
        "aws:s3/bucketVersioning:BucketVersioning",
        "v",
        {"bucket": "uploads-1", "versioningConfiguration": {"status": "Enabled"}},
        {},
    ),
    record(
        "aws:s3/bucketNotification:BucketNotification", "n", {"bucket": "uploads-1", "eventbridge": True}, {}
    ),
    record(
        "aws:sqs/queue:Queue",
        "work",
        {
            "visibilityTimeoutSeconds": 300.0,
            "redrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}),
        },
        {
            "name": "work-1",
            "arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:work-1",
            "url": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/work-1",
        },
    ),
    record(
        "aws:sqs/queue:Queue",
        "work-dlq",
        {"messageRetentionSeconds": 1209600.0},
        {
            "name": "work-dlq-1",
            "arn": DLQ_ARN,
            "url": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/work-dlq-1",
        },
    ),
    record(
        "aws:dynamodb/table:Table",
        "results",
        {
            "hashKey": "pk",
            "rangeKey": "sk",
            "attributes": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
        },
        {"name": "results-1"},
    ),
    record(
        "aws:iam/role:Role",
        "task-role",
        {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": []})},
        {"name": "task-role-1", "arn": ROLE_ARN},
    ),
    record(
        "aws:iam/rolePolicy:RolePolicy",
        "task-policy",
        {"role": "task-role-1", "policy": json.dumps(POLICY)},
        {"name": "task-policy-1"},
    ),
    record(
        "aws:sns/topic:Topic",
        "alerts",
        {"displayName": "Alerts"},
        {"name": "alerts-1", "arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts-1"},
    ),
    record(
        "aws:cloudwatch/eventRule:EventRule",
        "rule",
        {"eventPattern": json.dumps(PATTERN)},
        {"name": "rule-1", "arn": "arn:rule"},
    ),
    record("aws:ecs/service:Service", "svc", {}, {"name": "svc-1"}),
]


@pytest.fixture(scope="module")
def deployed() -> Iterator:
    with moto_server() as url:
        endpoint = Endpoint(url, "us-east-1")
        yield deploy(from_records("dev", "us-east-1", ACCOUNT, RECORDS), endpoint), endpoint


def test_queues_keep_their_settings_and_redrive_to_the_real_dead_letter_queue(deployed):
    deployment, endpoint = deployed
    sqs = endpoint.client("sqs")
    url = deployment.real(f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/work-1")
    assert url.startswith(endpoint.url)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "300"
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}


def test_buckets_tables_roles_and_policies_are_created_as_recorded(deployed):
    _, endpoint = deployed
    s3 = endpoint.client("s3")
    assert s3.get_bucket_versioning(Bucket="uploads-1")["Status"] == "Enabled"
    # moto does not answer EventBridgeConfiguration on GET: the bus-spy test shows the notification works.
    table = endpoint.client("dynamodb").describe_table(TableName="results-1")["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    iam = endpoint.client("iam")
    document = iam.get_role_policy(RoleName="task-role-1", PolicyName="task-policy-1")["PolicyDocument"]
    assert document == POLICY


def test_rules_keep_their_pattern_and_every_event_reaches_the_bus_spy(deployed):
    deployment, endpoint = deployed
    events = endpoint.client("events")
    assert json.loads(events.describe_rule(Name="rule-1")["EventPattern"]) == PATTERN
    assert events.list_targets_by_rule(Rule="rule-1")["Targets"] == []  # targets are played by the demo
    endpoint.client("s3").put_object(Bucket="uploads-1", Key="a.csv", Body=b"x")
    messages = endpoint.client("sqs").receive_message(QueueUrl=deployment.bus_spy, MaxNumberOfMessages=10)
    kinds = {json.loads(message["Body"])["detail-type"] for message in messages.get("Messages", [])}
    assert "Object Created" in kinds


def test_topics_get_a_spy_subscription_and_unrunnable_types_are_named(deployed):
    deployment, endpoint = deployed
    topic = deployment.real(f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts-1")
    endpoint.client("sns").publish(TopicArn=topic, Message="hello", Subject="hi")
    spy = deployment.topic_spies[f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts-1"]
    (message,) = endpoint.client("sqs").receive_message(QueueUrl=spy, WaitTimeSeconds=1)["Messages"]
    assert (json.loads(message["Body"])["Message"], json.loads(message["Body"])["Subject"]) == ("hello", "hi")
    assert "emulated" in deployment.skipped["aws:ecs/service:Service"]


def test_names_of_another_account_are_translated_in_composed_arns_too():
    names = NameMap(ACCOUNT, "000000000000")
    names.add(
        "https://sqs.us-east-1.amazonaws.com/123456789012/q-1", "http://localhost:4566/000000000000/q-1"
    )
    document = {
        "Resource": ["arn:aws:ecs:us-east-1:123456789012:task/c/*"],
        "Url": "https://sqs.us-east-1.amazonaws.com/123456789012/q-1",
    }
    assert names.translate(document) == {
        "Resource": ["arn:aws:ecs:us-east-1:000000000000:task/c/*"],
        "Url": "http://localhost:4566/000000000000/q-1",
    }
