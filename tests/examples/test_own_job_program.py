"""examples/own-job's Pulumi program on the mock runtime, as `pulumi up -s dev` would register it: only its
two patterns (and the alerts, cluster and network they run on), its own image builds, the secret on the
execution role and the extra need on the task role with exact statements; then the gate over it."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from tests.examples.own_job import EXAMPLE, GATE_ARGUMENTS, STACK
from tests.gate.test_gate import gate_cli
from tests.program import expected_resources
from tools import pulumi_mocks
from tools.stack_program import install_stack, run_program

PARAMETER_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/text-jobs/dev/signing-key"
PUBLISH_BUCKET_ARN = "arn:aws:s3:::text-jobs-published-dev"
RUNTIME_IMAGE = "ecs-event-patterns-runtime:0.1.0"


@dataclass(frozen=True)
class Deployment:
    monitor: pulumi_mocks.RecordingMonitor
    exports: dict[str, Any]

    def one(self, typ: str, name: str) -> pulumi_mocks.RecordedResource:
        resource = self.monitor.by_name(name)
        assert resource.type == typ, resource
        return resource

    def policy(self, name: str) -> list[dict[str, Any]]:
        """The statements of one inline role policy."""
        document = json.loads(self.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])
        return list(document["Statement"])

    def container(self, task: str) -> dict[str, Any]:
        definition = self.one("aws:ecs/taskDefinition:TaskDefinition", f"{task}-definition")
        [container] = json.loads(definition.inputs["containerDefinitions"])
        return dict(container)


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    monitor = install_stack(STACK, directory=EXAMPLE)
    return Deployment(monitor, run_program(EXAMPLE))


EXPECTED_TYPES = (
    expected_resources.SHARED
    + expected_resources.PER_PATTERN["upload"]
    + expected_resources.PER_PATTERN["queue"]
    + Counter(
        {
            "aws:ec2/securityGroup:SecurityGroup": 1,  # the tasks', in the default VPC
            "aws:sns/topicSubscription:TopicSubscription": 1,  # the on-call address
        }
    )
)
"""The two patterns (the project's tables of what each registers), the alerts and what they run on; no batch."""


def test_only_the_two_patterns_and_what_they_run_on_are_registered(deployment: Deployment) -> None:
    recorded = deployment.monitor.recorded
    assert Counter(r.type for r in recorded) == EXPECTED_TYPES
    stack_urn = f"urn:pulumi:{STACK}::text-jobs::pulumi:pulumi:Stack::text-jobs-{STACK}"
    assert {r.name for r in recorded if r.parent == stack_urn} == {
        "network",
        "jobs",
        "alerts",
        "word-count",
        "publish-stats",
    }


@pytest.mark.parametrize(
    ("task", "target"), [("word-count-ingest", "word-count"), ("publish-stats-worker", "publish-stats")]
)
def test_each_job_runs_its_own_image_built_from_the_example_directory(
    deployment: Deployment, task: str, target: str
) -> None:
    """Context `.` is the program's directory (where the CLI runs it), with its Dockerfile and the job's target,
    FROM the runtime image the stack names; no command in the task definition: the target's own CMD runs
    (tests/examples/test_own_job_image.py pins it)."""
    image = deployment.one("awsx:ecr:Image", f"{task}-image-image")
    inputs = {key: value for key, value in image.inputs.items() if key not in ("repositoryUrl", "imageTag")}
    assert inputs == {
        "context": ".",
        "dockerfile": "Dockerfile",
        "target": target,
        "platform": "linux/amd64",
        "args": {"RUNTIME_IMAGE": RUNTIME_IMAGE},
    }
    assert image.inputs["imageTag"].startswith(f"{target}-")
    container = deployment.container(task)
    assert container["image"] == image.outputs["imageUri"]
    assert "@sha256:" in container["image"]
    assert "command" not in container
    assert "entryPoint" not in container


def test_the_upload_job_gets_the_patterns_environment_and_no_secret(deployment: Deployment) -> None:
    container = deployment.container("word-count-ingest")
    table = deployment.one("aws:dynamodb/table:Table", "word-count-results")
    assert container["environment"] == [{"name": "RESULTS_TABLE", "value": table.outputs["name"]}]
    assert "secrets" not in container


def test_the_queue_job_gets_its_publishing_bucket_and_its_signing_key_as_a_secret(
    deployment: Deployment,
) -> None:
    container = deployment.container("publish-stats-worker")
    environment = {item["name"]: item["value"] for item in container["environment"]}
    assert {name: environment[name] for name in ("PUBLISH_BUCKET", "PUBLISH_PREFIX")} == {
        "PUBLISH_BUCKET": "text-jobs-published-dev",
        "PUBLISH_PREFIX": "text-stats/",
    }
    queue = deployment.one("aws:sqs/queue:Queue", "publish-stats-queue")
    assert environment["QUEUE_URL"] == queue.outputs["url"]
    assert sorted(environment) == [
        "JOB_TIMEOUT_SECONDS",
        "OUTPUT_BUCKET",
        "OUTPUT_PREFIX",
        "PUBLISH_BUCKET",
        "PUBLISH_PREFIX",
        "QUEUE_URL",
        "STOP_TIMEOUT_SECONDS",
        "VISIBILITY_TIMEOUT_SECONDS",
        "WORKER_CONCURRENCY",
    ]
    # Injected by ECS at task start: the value is never in the task definition, the state or a log.
    assert container["secrets"] == [{"name": "SIGNING_KEY", "valueFrom": PARAMETER_ARN}]
    assert "SIGNING_KEY" not in environment


def _pull_and_log_statements(deployment: Deployment, task: str) -> list[dict[str, Any]]:
    repository = deployment.one("awsx:ecr:Repository", f"{task}-image-repository")
    log_group = deployment.one("aws:cloudwatch/logGroup:LogGroup", f"{task}-logs")
    return [
        {
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": [f"arn:aws:ecr:us-east-1:123456789012:repository/{repository.id}"],
        },
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group.outputs['arn']}:log-stream:*"],
        },
    ]


def test_the_secret_is_on_the_queue_jobs_execution_role_and_nowhere_else(deployment: Deployment) -> None:
    assert deployment.policy("publish-stats-worker-execution-policy") == [
        *_pull_and_log_statements(deployment, "publish-stats-worker"),
        {"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [PARAMETER_ARN]},
    ]
    assert deployment.policy("word-count-ingest-execution-policy") == _pull_and_log_statements(
        deployment, "word-count-ingest"
    )
    task_policies = json.dumps(
        [
            deployment.policy(name)
            for name in ("publish-stats-worker-task-policy", "word-count-ingest-task-policy")
        ]
    )
    assert "ssm:" not in task_policies


def test_the_extra_need_is_on_the_queue_jobs_task_role_after_what_the_pattern_grants(
    deployment: Deployment,
) -> None:
    queue = deployment.one("aws:sqs/queue:Queue", "publish-stats-queue").outputs["arn"]
    data = deployment.one("aws:s3/bucket:Bucket", "publish-stats-data-bucket").outputs["arn"]
    cluster = deployment.one("aws:ecs/cluster:Cluster", "jobs-cluster").outputs["name"]
    assert deployment.policy("publish-stats-worker-task-policy") == [
        {
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"],
            "Resource": [queue],
        },
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{data}/input/*"]},
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": [f"{data}/output/*"],
        },
        {
            "Effect": "Allow",
            "Action": ["ecs:UpdateTaskProtection"],
            "Resource": [f"arn:aws:ecs:us-east-1:123456789012:task/{cluster}/*"],
        },
        # the need: `Needs(write_objects=[{"bucket": ..., "prefix": "text-stats/"}])`
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": [f"{PUBLISH_BUCKET_ARN}/text-stats/*"],
        },
    ]
    uploads = deployment.one("aws:s3/bucket:Bucket", "word-count-uploads-bucket").outputs["arn"]
    table = deployment.one("aws:dynamodb/table:Table", "word-count-results").outputs["arn"]
    assert deployment.policy("word-count-ingest-task-policy") == [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": [f"{uploads}/incoming/*"],
        },
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": [table]},
    ]


def test_the_upload_rule_matches_text_files_under_incoming(deployment: Deployment) -> None:
    rule = deployment.one("aws:cloudwatch/eventRule:EventRule", "word-count-object-created")
    key_filter = json.loads(rule.inputs["eventPattern"])["detail"]["object"]["key"]
    assert key_filter == [{"wildcard": "incoming/*.txt"}, {"wildcard": "incoming/*.md"}]


def test_the_exports_name_what_a_person_uses(deployment: Deployment) -> None:
    one = deployment.one
    assert deployment.exports == {
        "upload_bucket": one("aws:s3/bucket:Bucket", "word-count-uploads-bucket").outputs["bucket"],
        "results_table": one("aws:dynamodb/table:Table", "word-count-results").outputs["name"],
        "queue_url": one("aws:sqs/queue:Queue", "publish-stats-queue").outputs["url"],
        "queue_bucket": one("aws:s3/bucket:Bucket", "publish-stats-data-bucket").outputs["bucket"],
        "alert_topic_arn": one("aws:sns/topic:Topic", "alerts-topic").outputs["arn"],
    }


def test_the_gate_passes_the_example_with_nothing_to_report(deployment: Deployment) -> None:
    """The README's command, from the repository root: the program in its own directory, our packs and the
    stack's policy config (dev: every policy on, advisory); not even an advisory violation."""
    # Its own process, as a person runs it; the repository on PYTHONPATH stands in for the components that
    # `pip install -r examples/own-job/requirements.txt` installs.
    completed = gate_cli(*GATE_ARGUMENTS[1:], "--json")
    assert completed.returncode == 0, completed.stderr + completed.stdout
    result = json.loads(completed.stdout)
    assert result["violations"] == []
    assert result["notApplicable"] == []
    assert result["resourceCount"] == len(deployment.monitor.recorded)


def test_the_requirements_install_the_components_from_this_checkout() -> None:
    lines = [
        line.strip()
        for line in (EXAMPLE / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == ["../.."]
    project = tomllib.loads((EXAMPLE / "../../pyproject.toml").read_text())["project"]
    assert project["name"] == "ecs-event-patterns"
