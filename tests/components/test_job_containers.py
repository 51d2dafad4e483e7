"""A job's container in each job pattern: an existing image (no repository, no build), a team's build, the
command, extra environment and secrets, as ECS and IAM get them; bad specs fail before any resource."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecs_event_patterns.blocks.build_context import image_tag
from ecs_event_patterns.blocks.task import TaskPlatform, unpinned_image_warning
from ecs_event_patterns.config.container import (
    BATCH_VARIABLES,
    QUEUE_VARIABLES,
    UPLOAD_VARIABLES,
    ContainerSettings,
    ImageBuild,
)
from ecs_event_patterns.config.image_reference import parse_image_reference
from ecs_event_patterns.config.settings import BatchSettings, QueueSettings, SettingsError, UploadSettings
from ecs_event_patterns.patterns.queue_workers.component import QueueWorkers, QueueWorkersArgs
from ecs_event_patterns.patterns.scheduled_batch.component import ScheduledBatch, ScheduledBatchArgs
from ecs_event_patterns.patterns.upload_processing.component import UploadProcessing, UploadProcessingArgs
from tests.support.run_task import policy_statements
from tools import pulumi_mocks
from tools.pulumi_mocks import RecordingMonitor

ACCOUNT = pulumi_mocks.DEFAULT_ACCOUNT_ID
CLUSTER = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/jobs"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
DIGEST = "sha256:" + "5" * 64
PUBLIC = f"public.ecr.aws/acme/jobs@{DIGEST}"
ECR = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/team/jobs:v7@{DIGEST}"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/jobs/api-token"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:jobs/db-AbC123"
OTHER_SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:jobs/signing-key-Zz9Yy8"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
IMAGE_RESOURCES = ("awsx:ecr:Repository", "awsx:ecr:Image", "aws:ecr/repository:Repository")
PLATFORM = TaskPlatform(
    cluster_arn=CLUSTER, subnet_ids=["subnet-0a"], security_group_ids=["sg-0a"], assign_public_ip=False
)

PATTERNS: dict[str, tuple[str, type, dict[str, str]]] = {
    "upload": ("ingest", UploadSettings, dict(UPLOAD_VARIABLES)),
    "batch": ("report", BatchSettings, dict(BATCH_VARIABLES)),
    "queue": ("worker", QueueSettings, dict(QUEUE_VARIABLES)),
}


def pattern(name: str, settings: Any) -> Callable[[], object]:
    """The job pattern `name` ("upload", "batch", "queue") with `settings`, named as the program names it."""
    common: dict[str, Any] = {"settings": settings, "platform": PLATFORM, "alarm_topic_arn": TOPIC}
    if name == "upload":
        return lambda: UploadProcessing(name, UploadProcessingArgs(**common))
    if name == "batch":
        return lambda: ScheduledBatch(name, ScheduledBatchArgs(**common))
    return lambda: QueueWorkers(name, QueueWorkersArgs(**common, cluster_name="jobs"))


def deploy(name: str, container: ContainerSettings) -> None:
    settings_class = PATTERNS[name][1]
    pulumi_mocks.run(pattern(name, settings_class(container=container)))


def container_definition(monitor: RecordingMonitor, name: str) -> dict[str, Any]:
    worker = PATTERNS[name][0]
    [container] = json.loads(monitor.by_name(f"{name}-{worker}-definition").inputs["containerDefinitions"])
    assert isinstance(container, dict)
    return container


def execution_statements(monitor: RecordingMonitor, name: str) -> list[dict[str, Any]]:
    return policy_statements(monitor, f"{name}-{PATTERNS[name][0]}-execution-policy")


def repository_arn(monitor: RecordingMonitor, repository: str) -> str:
    name = monitor.by_name(repository).outputs["url"].split("/", 1)[1]
    return f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{name}"


def logs_statement(monitor: RecordingMonitor, name: str) -> dict[str, Any]:
    log_group = monitor.by_name(f"{name}-{PATTERNS[name][0]}-logs").outputs["arn"]
    return {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [f"{log_group}:log-stream:*"],
    }


@pytest.mark.parametrize("name", PATTERNS)
def test_a_public_image_has_no_repository_no_build_and_no_ecr_grant(monitor: RecordingMonitor, name: str):
    deploy(name, ContainerSettings(image=PUBLIC))

    assert [r.type for r in monitor.recorded if r.type in IMAGE_RESOURCES] == []
    assert [r.name for r in monitor.recorded if r.type == "ecs-event-patterns:index:WorkerImage"] == []
    assert container_definition(monitor, name)["image"] == PUBLIC
    assert execution_statements(monitor, name) == [logs_statement(monitor, name)]


@pytest.mark.parametrize("name", PATTERNS)
def test_an_ecr_image_is_pulled_from_its_repository_only(monitor: RecordingMonitor, name: str):
    deploy(name, ContainerSettings(image=ECR))

    assert [r.type for r in monitor.recorded if r.type in IMAGE_RESOURCES] == []
    assert container_definition(monitor, name)["image"] == ECR
    assert execution_statements(monitor, name) == [
        {
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": [f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team/jobs"],
        },
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]},
        logs_statement(monitor, name),
    ]


def test_the_image_uri_output_is_the_reference_as_given(monitor: RecordingMonitor):
    outputs: dict[str, str] = {}

    def program() -> None:
        component = UploadProcessing(
            "upload",
            UploadProcessingArgs(
                settings=UploadSettings(container=ContainerSettings(image=ECR)),
                platform=PLATFORM,
                alarm_topic_arn=TOPIC,
            ),
        )
        component.image_uri.apply(lambda uri: outputs.setdefault("image_uri", uri))

    pulumi_mocks.run(program)
    assert outputs == {"image_uri": ECR}


@pytest.mark.parametrize("name", PATTERNS)
def test_secrets_are_injected_and_exactly_those_are_readable(monitor: RecordingMonitor, name: str):
    deploy(
        name,
        ContainerSettings(
            image=PUBLIC,
            secrets={
                "API_TOKEN": PARAMETER,
                "DB_PASSWORD": f"{SECRET}:password::",
                "DB_USER": f"{SECRET}:username:AWSCURRENT:",
                "SIGNING_KEY": OTHER_SECRET,
            },
        ),
    )

    assert container_definition(monitor, name)["secrets"] == [
        {"name": "API_TOKEN", "valueFrom": PARAMETER},
        {"name": "DB_PASSWORD", "valueFrom": f"{SECRET}:password::"},
        {"name": "DB_USER", "valueFrom": f"{SECRET}:username:AWSCURRENT:"},
        {"name": "SIGNING_KEY", "valueFrom": OTHER_SECRET},
    ]
    assert execution_statements(monitor, name) == [
        logs_statement(monitor, name),
        {"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [PARAMETER]},
        # The JSON-key suffix selects from the value; IAM's resource is the secret's own ARN, once.
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET]},
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [OTHER_SECRET]},
    ]


def test_secrets_under_a_customer_managed_key_may_be_decrypted_with_it_only(monitor: RecordingMonitor):
    deploy(
        "queue", ContainerSettings(image=PUBLIC, secrets={"API_TOKEN": PARAMETER}, secrets_kms_key_arn=KEY)
    )

    assert execution_statements(monitor, "queue") == [
        logs_statement(monitor, "queue"),
        {"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [PARAMETER]},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY]},
    ]
    # The task role gets none of it: the containers never read the secrets themselves.
    task_policy = json.dumps(policy_statements(monitor, "queue-worker-task-policy"))
    assert "secretsmanager" not in task_policy
    assert "ssm:" not in task_policy
    assert "kms:" not in task_policy


def test_secrets_beside_the_bundled_worker_keep_its_repository_grant(monitor: RecordingMonitor):
    deploy("batch", ContainerSettings(secrets={"API_TOKEN": PARAMETER}))

    statements = execution_statements(monitor, "batch")
    assert [s["Action"] for s in statements] == [
        ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        ["ecr:GetAuthorizationToken"],
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["ssm:GetParameters"],
    ]
    assert statements[0]["Resource"] == [repository_arn(monitor, "batch-report-image-repository")]


@pytest.mark.parametrize("name", PATTERNS)
def test_command_and_extra_environment_reach_the_container(monitor: RecordingMonitor, name: str):
    deploy(
        name,
        ContainerSettings(
            image=PUBLIC,
            command=("python", "-m", "jobs.run"),
            environment={"LOG_LEVEL": "DEBUG", "HANDLER": "j:h"},
        ),
    )

    container = container_definition(monitor, name)
    assert container["command"] == ["python", "-m", "jobs.run"]
    variables = {item["name"]: item["value"] for item in container["environment"]}
    assert variables["LOG_LEVEL"] == "DEBUG"
    assert variables["HANDLER"] == "j:h"
    # The pattern's own variables are all still there, beside the team's two.
    assert set(variables) - {"LOG_LEVEL", "HANDLER"} <= set(PATTERNS[name][2])
    assert len(variables) == len(set(variables) - {"LOG_LEVEL", "HANDLER"}) + 2
    assert "secrets" not in container


@pytest.mark.parametrize("name", PATTERNS)
def test_the_bundled_worker_has_no_command_and_no_secrets(monitor: RecordingMonitor, name: str):
    deploy(name, ContainerSettings())

    container = container_definition(monitor, name)
    assert "command" not in container
    assert "secrets" not in container
    image = monitor.by_name(f"{name}-{PATTERNS[name][0]}-image-image")
    assert (image.inputs["context"], image.inputs["target"]) == ("./services", PATTERNS[name][0])
    assert "args" not in image.inputs


@pytest.mark.parametrize("name", PATTERNS)
def test_every_variable_the_pattern_sets_is_reserved(monitor: RecordingMonitor, name: str):
    """A team's variable is refused exactly where the pattern would set the same name (config/container.py)."""
    deploy(name, ContainerSettings())

    names = {item["name"] for item in container_definition(monitor, name)["environment"]}
    if name == "upload":
        [target] = monitor.of_type("aws:cloudwatch/eventTarget:EventTarget")
        template = json.loads(target.inputs["inputTransformer"]["inputTemplate"])
        names |= {item["name"] for item in template["containerOverrides"][0]["environment"]}
    assert names
    assert names <= set(PATTERNS[name][2])


def write_job(project: Path) -> None:
    jobs = project / "jobs"
    jobs.mkdir()
    (jobs / "Dockerfile").write_text(
        "ARG PYTHON=3.12\nFROM --platform=$BUILDPLATFORM python:${PYTHON}-slim AS base\nCOPY app.py /app/\n"
        'from base as upload\nCMD ["python", "/app/app.py"]\n'
    )
    (jobs / "app.py").write_text("print('hello')\n")


def test_a_team_build_gets_its_own_repository_and_a_tag_of_its_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, monitor: RecordingMonitor
):
    write_job(tmp_path)
    monkeypatch.chdir(tmp_path)
    build = ImageBuild(context="./jobs", target="upload", build_args={"PYTHON": "3.13"})
    deploy("upload", ContainerSettings(build=build, command=("python", "/app/app.py")))

    repository = monitor.by_name("upload-ingest-image-repository")
    assert repository.type == "awsx:ecr:Repository"
    image = monitor.by_name("upload-ingest-image-image")
    tag = image_tag(
        "./jobs", "./jobs/Dockerfile", target="upload", platform="linux/amd64", build_args={"PYTHON": "3.13"}
    )
    assert {
        key: image.inputs[key] for key in ("context", "dockerfile", "target", "platform", "args", "imageTag")
    } == {
        "context": "./jobs",
        "dockerfile": "./jobs/Dockerfile",
        "target": "upload",
        "platform": "linux/amd64",
        "args": {"PYTHON": "3.13"},
        "imageTag": tag,
    }
    assert tag.startswith("upload-")
    assert container_definition(monitor, "upload")["image"] == image.outputs["imageUri"]
    statements = execution_statements(monitor, "upload")
    assert statements[0]["Resource"] == [repository_arn(monitor, "upload-ingest-image-repository")]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (ImageBuild(context="./missing"), 'build context "./missing" is not a directory'),
        (
            ImageBuild(context="./jobs", dockerfile="./jobs/Dockerfile.prod"),
            'Dockerfile "jobs/Dockerfile.prod"',
        ),
        (
            ImageBuild(context="./jobs", target="report"),
            r'target "report" is not a stage of jobs/Dockerfile \(stages: base, upload\)',
        ),
    ],
)
def test_a_build_docker_could_not_run_fails_before_any_resource(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    monitor: RecordingMonitor,
    build: ImageBuild,
    message: str,
):
    write_job(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=rf"^UploadProcessing upload: settings\.container\.build: {message}"):
        deploy("upload", ContainerSettings(build=build))
    assert [r.name for r in monitor.recorded if r.name.startswith("upload")] == []


@pytest.mark.parametrize(
    ("container", "path", "message"),
    [
        (
            {"build": {"context": "./jobs"}, "image": PUBLIC},
            "container.image",
            "is given and so is build",
        ),
        ({"image": "ACME/jobs:v1"}, "container.image", "is not an image reference"),
        ({"secrets": {"TOKEN": "arn:aws:s3:::bucket/token"}}, "container.secrets.TOKEN", "is neither an SSM"),
        ({"environment": {"QUEUE_URL": "https://x"}}, "container.environment.QUEUE_URL", "collides with"),
    ],
)
def test_bad_specs_fail_before_any_resource(
    monitor: RecordingMonitor, container: dict[str, Any], path: str, message: str
):
    def program() -> None:
        spec = dict(container)
        if "build" in spec:
            spec["build"] = ImageBuild(**spec["build"])
        pattern("queue", QueueSettings(container=ContainerSettings(**spec)))()

    with pytest.raises(SettingsError) as error:
        pulumi_mocks.run(program)
    [problem] = error.value.problems
    assert problem.path.removeprefix("container.") in path
    assert message in problem.message
    assert [r.name for r in monitor.recorded if r.name.startswith("queue")] == []


def test_a_tag_only_image_gets_advice_and_a_digest_none():
    warning = unpinned_image_warning(parse_image_reference("public.ecr.aws/acme/jobs:latest"))
    assert warning is not None
    assert warning.startswith("image public.ecr.aws/acme/jobs:latest is not pinned by digest")
    assert "@sha256:<digest>" in warning
    assert unpinned_image_warning(parse_image_reference(PUBLIC)) is None
