"""WorkerTask: roles, trust, log group, image and task definition as ECS and IAM will receive them."""

import json
from typing import Any

import pytest

from ecs_event_patterns.blocks.image import repository_arn
from ecs_event_patterns.blocks.task import TaskPlatform, WorkerTask, WorkerTaskArgs
from ecs_event_patterns.config.settings import CpuArchitecture, FargateSize
from ecs_event_patterns.iam import grants
from tools import pulumi_mocks
from tools.pulumi_mocks import RecordingMonitor

CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/main-1a2b3c4"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/results"


def platform(architecture: CpuArchitecture = CpuArchitecture.ARM64) -> TaskPlatform:
    return TaskPlatform(
        cluster_arn=CLUSTER,
        subnet_ids=["subnet-1", "subnet-2"],
        security_group_ids=["sg-1"],
        assign_public_ip=False,
        cpu_architecture=architecture,
        log_retention_days=90,
    )


def build(name: str = "upload", **overrides) -> WorkerTask:
    args: dict[str, Any] = {
        "worker": "ingest",
        "platform": platform(),
        "size": FargateSize(cpu=512, memory=2048),
        "stop_timeout_seconds": 45,
        "environment": {"RESULTS_TABLE": "results", "LOG_LEVEL": "INFO"},
        "task_role_statements": grants.table_items(TABLE, ["dynamodb:PutItem"]),
    }
    args.update(overrides)
    return WorkerTask(name, WorkerTaskArgs(**args))


def test_task_definition(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: build())

    definition = monitor.by_name("upload-definition").inputs
    assert definition["family"] == "ecs-event-patterns-dev-upload"
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["networkMode"] == "awsvpc"
    assert (definition["cpu"], definition["memory"]) == ("512", "2048")
    assert definition["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    assert definition["volumes"] == [{"name": "tmp"}]
    assert definition["taskRoleArn"] == monitor.by_name("upload-task-role").outputs["arn"]
    assert definition["executionRoleArn"] == monitor.by_name("upload-execution-role").outputs["arn"]
    assert definition["taskRoleArn"] != definition["executionRoleArn"]
    # The task role's policy exists before any task can start with the role.
    assert monitor.by_name("upload-task-policy").urn in monitor.by_name("upload-definition").dependencies

    [container] = json.loads(definition["containerDefinitions"])
    log_group = monitor.by_name("upload-logs").outputs["name"]
    image_uri = monitor.by_name("upload-image-image").outputs["imageUri"]
    assert container == {
        "name": "ingest",
        "image": image_uri,
        "essential": True,
        "user": "10001:10001",
        "readonlyRootFilesystem": True,
        "privileged": False,
        "stopTimeout": 45,
        "environment": [
            {"name": "LOG_LEVEL", "value": "INFO"},
            {"name": "RESULTS_TABLE", "value": "results"},
        ],
        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "ingest",
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        },
    }
    assert "@sha256:" in image_uri


def test_roles_trust_only_ecs_tasks_of_this_account(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: build())

    for role in ("upload-task-role", "upload-execution-role"):
        trust = json.loads(monitor.by_name(role).inputs["assumeRolePolicy"])
        assert trust == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": "123456789012"},
                        "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
                    },
                }
            ],
        }
    assert not any(r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" for r in monitor.recorded)


def test_role_policies_are_exact(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: build())

    task_policy = monitor.by_name("upload-task-policy").inputs
    assert task_policy["role"] == monitor.by_name("upload-task-role").outputs["name"]
    assert json.loads(task_policy["policy"])["Statement"] == [
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": [TABLE]}
    ]
    execution = monitor.by_name("upload-execution-policy").inputs
    assert execution["role"] == monitor.by_name("upload-execution-role").outputs["name"]
    repository_url = monitor.by_name("upload-image-repository").outputs["url"]
    repository_name = repository_url.split("/", 1)[1]
    log_group_arn = monitor.by_name("upload-logs").outputs["arn"]
    assert json.loads(execution["policy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
            ],
            "Resource": [f"arn:aws:ecr:us-east-1:123456789012:repository/{repository_name}"],
        },
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group_arn}:log-stream:*"],
        },
    ]


def test_no_task_policy_without_statements(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: build(task_role_statements=()))

    names = {resource.name for resource in monitor.recorded}
    assert "upload-task-policy" not in names
    assert "upload-execution-policy" in names


def test_children_are_named_from_and_parented_to_the_component(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: build())

    component = monitor.by_name("upload")
    assert component.type == "ecs-event-patterns:index:WorkerTask"
    children = [resource for resource in monitor.recorded if resource.parent == component.urn]
    assert {child.name for child in children} == {
        "upload-image",
        "upload-logs",
        "upload-execution-role",
        "upload-execution-policy",
        "upload-task-role",
        "upload-task-policy",
        "upload-definition",
    }
    assert monitor.by_name("upload-logs").inputs["retentionInDays"] == 90


def test_image_repository_and_build(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: build(platform=platform(CpuArchitecture.X86_64)))

    repository = monitor.by_name("upload-image-repository")
    assert repository.type == "awsx:ecr:Repository"
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["lifecyclePolicy"] == {
        "rules": [
            {
                "tagStatus": "untagged",
                "maximumAgeLimit": 1,
                "description": "Untagged layers left by interrupted pushes",
            },
            {"tagStatus": "any", "maximumNumberOfImages": 20, "description": "Keep the newest 20 images"},
        ]
    }
    image = monitor.by_name("upload-image-image")
    assert image.type == "awsx:ecr:Image"
    assert image.inputs["repositoryUrl"] == repository.outputs["url"]
    assert image.inputs["context"] == "./services"
    assert image.inputs["dockerfile"] == "./services/Dockerfile"
    assert image.inputs["target"] == "ingest"
    assert image.inputs["platform"] == "linux/amd64"


def test_invalid_inputs_fail_before_any_child(monitor: RecordingMonitor):
    with pytest.raises(ValueError, match=r"stop_timeout_seconds 121 is outside Fargate's 2\.\.120"):
        build(stop_timeout_seconds=121)
    with pytest.raises(
        ValueError,
        match=r'target "scan" is not a stage of services/Dockerfile \(stages: build, runtime, ingest, report, worker\)',
    ):
        build(worker="scan")
    assert [r.type for r in monitor.recorded if r.custom] == []


@pytest.mark.parametrize(
    ("url", "partition", "arn"),
    [
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/upload-ingest-1a2b3c4",
            "aws",
            "arn:aws:ecr:eu-west-1:123456789012:repository/upload-ingest-1a2b3c4",
        ),
        (
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/team/ingest",
            "aws-cn",
            "arn:aws-cn:ecr:cn-north-1:123456789012:repository/team/ingest",
        ),
    ],
)
def test_repository_arn_from_its_url_in_each_partition(url: str, partition: str, arn: str):
    assert repository_arn(url, partition) == arn


def test_repository_arn_refuses_what_is_not_an_ecr_url():
    with pytest.raises(ValueError, match=r"'ghcr\.io/team/ingest' is not an ECR repository URL"):
        repository_arn("ghcr.io/team/ingest", "aws")
