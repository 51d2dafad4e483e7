"""The whole program, per stack, on the mock runtime: what `pulumi up -s <stack>` would register."""

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from ecs_event_patterns.config.validation import SettingsError
from tests.program.expected_resources import expected_exports, expected_types
from tools import pulumi_mocks, urn_snapshot
from tools.stack_files import read_stack_config
from tools.stack_program import ROOT, install_stack, run_program


@dataclass(frozen=True)
class Deployment:
    stack: str
    monitor: pulumi_mocks.RecordingMonitor
    exports: dict[str, Any]


@pytest.fixture(scope="module", params=["dev", "staging", "prod"])
def deployment(request) -> Deployment:
    monitor = install_stack(request.param)
    return Deployment(request.param, monitor, run_program())


def test_resource_types_per_stack(deployment: Deployment):
    assert Counter(r.type for r in deployment.monitor.recorded) == expected_types(deployment.stack)


def test_urns_match_the_committed_snapshot(deployment: Deployment):
    """No deployed resource is replaced by accident: every snapshotted URN is still registered or answered
    for by an alias, and the snapshot lists exactly what this run registers (else: regenerate it)."""
    current = urn_snapshot.snapshot_of(deployment.monitor.recorded)
    drift = urn_snapshot.compare(deployment.stack, urn_snapshot.read(deployment.stack), current)
    problems = drift.report()
    assert not problems, problems


def test_every_resource_belongs_to_a_component(deployment: Deployment):
    components = {r.urn: r for r in deployment.monitor.recorded if not r.custom}
    top_level = {
        r.name
        for r in deployment.monitor.recorded
        if r.parent.endswith("pulumi:pulumi:Stack::" + f"ecs-event-patterns-{deployment.stack}")
    }
    assert top_level == {"network", "ecs", "alerts", "upload", "batch", "queue"}
    for resource in deployment.monitor.recorded:
        if resource.name in top_level:
            continue
        parent = components[resource.parent]
        assert resource.name.startswith(parent.name), (resource.name, parent.name)


def test_exports(deployment: Deployment):
    exports = deployment.exports
    monitor = deployment.monitor
    region = read_stack_config(ROOT, deployment.stack).region
    assert set(exports) == expected_exports(["upload", "batch", "queue"])
    assert exports["environment"] == deployment.stack
    assert exports["alert_topic_arn"].startswith(f"arn:aws:sns:{region}:123456789012:")
    assert exports["queue_url"].startswith(f"https://sqs.{region}.amazonaws.com/123456789012/queue-")
    assert exports["upload_bucket"] == monitor.by_name("upload-uploads-bucket").outputs["bucket"]
    assert exports["results_table"] == monitor.by_name("upload-results").outputs["name"]
    assert exports["upload_key_prefix"] == "incoming/"
    assert set(exports["image_uris"]) == {"ingest", "report", "worker"}
    assert all("@sha256:" in uri for uri in exports["image_uris"].values())
    assert not any("password" in key.lower() or "secret" in key.lower() for key in exports)


def test_stack_settings_reach_the_resources(deployment: Deployment):
    monitor, stack = deployment.monitor, deployment.stack
    retention = {"dev": 7, "staging": 30, "prod": 365}[stack]
    assert {r.inputs["retentionInDays"] for r in monitor.of_type("aws:cloudwatch/logGroup:LogGroup")} == {
        retention
    }
    [table] = monitor.of_type("aws:dynamodb/table:Table")
    protected = stack != "dev"
    assert table.inputs["deletionProtectionEnabled"] is protected
    assert table.inputs["pointInTimeRecovery"]["enabled"] is protected
    assert table.retain_on_delete is (stack == "prod")
    buckets = monitor.of_type("aws:s3/bucket:Bucket")
    assert {bucket.retain_on_delete for bucket in buckets} == {stack == "prod"}
    # Image repositories follow the same rule: dev and staging destroy them with their images; prod's stay
    # until someone deletes the images on purpose (ECR refuses to delete a repository that holds images).
    repositories = monitor.of_type("awsx:ecr:Repository")
    assert len(repositories) == 3
    assert {repository.inputs["forceDelete"] for repository in repositories} == {stack != "prod"}
    [service] = monitor.of_type("aws:ecs/service:Service")
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is (stack == "dev")
    [schedule] = monitor.of_type("aws:scheduler/schedule:Schedule")
    if stack == "prod":
        assert schedule.inputs["scheduleExpression"] == "cron(30 4 * * ? *)"
        assert schedule.inputs["scheduleExpressionTimezone"] == "Europe/Berlin"
        emails = sorted(
            s.inputs["endpoint"] for s in monitor.of_type("aws:sns/topicSubscription:TopicSubscription")
        )
        assert emails == ["data-pipeline-team@example.com", "platform-oncall@example.com"]


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-1", "aws")],
)
def test_every_arn_is_in_the_regions_partition(region: str, partition: str):
    """No hard-coded `arn:aws:`: China and GovCloud are partitions of their own."""
    monitor = install_stack("prod", {"aws:region": region})
    run_program()

    text = json.dumps([resource.inputs for resource in monitor.recorded])
    partitions = Counter(re.findall(r"arn:([a-z-]*):", text))
    assert set(partitions) == {partition}
    assert partitions[partition] > 50
    assert f"cn.com.amazonaws.{region}.ecr.api" in text if partition == "aws-cn" else "cn.com" not in text


def test_bad_config_registers_nothing():
    overrides = {
        "ecs-event-patterns:queue": json.dumps({"min_tasks": 2, "max_tasks": 1}),
        "ecs-event-patterns:batch": json.dumps({"schedule": "every hour"}),
    }
    monitor = install_stack("dev", overrides)
    with pytest.raises(SettingsError) as error:
        run_program()
    message = str(error.value)
    assert "queue.max_tasks: 1 is below min_tasks 2" in message
    assert 'batch.schedule: "every hour" is not a rate(...), cron(...) or at(...) expression' in message
    # The config is read before the first resource: nothing half-built.
    assert monitor.recorded == []
