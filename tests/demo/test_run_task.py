"""RunTask, locally: the container's command as a process, its environment in ECS's order of precedence,
the credentials of its own task role, every AWS call recorded, and a prebuilt image skipped."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services.support import moto_server
from tools.demo.agent import LocalAgent
from tools.demo.deploy import deploy
from tools.demo.endpoint import Endpoint
from tools.demo.graph import from_records
from tools.demo.processes import Processes
from tools.demo.run_task import RunTaskRequest, SkippedTaskError, TaskRunner

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/job-task-role-1"
CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/jobs-1"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/job@sha256:abc"
# The job prints its environment and the identity its credentials have, as one JSON log line, then exits 3.
JOB = """
import boto3, json, os
who = boto3.client("sts").get_caller_identity()["Arn"]
names = ("MODE", "LEVEL", "FROM_IMAGE", "AWS_REGION", "ECS_AGENT_URI")
print(json.dumps({"event": "job.env", "who": who, **{name: os.environ.get(name) for name in names}}))
raise SystemExit(3)
"""


def definition(name: str, image: str) -> dict[str, Any]:
    containers = [
        {
            "name": "job",
            "image": image,
            "essential": True,
            "environment": [
                {"name": "MODE", "value": "definition"},
                {"name": "LEVEL", "value": "definition"},
            ],
        }
    ]
    return {
        "urn": f"urn:{name}",
        "type": "aws:ecs/taskDefinition:TaskDefinition",
        "name": name,
        "inputs": {
            "family": name,
            "taskRoleArn": ROLE_ARN,
            "containerDefinitions": json.dumps(containers),
            "cpu": "256",
            "memory": "512",
        },
        "outputs": {"arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{name}:1"},
    }


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TaskRunner]:
    project = tmp_path_factory.mktemp("project")
    (project / "job").mkdir()
    (project / "job" / "main.py").write_text(JOB)
    (project / "job" / "Dockerfile").write_text(
        'FROM python:3.11\nENV FROM_IMAGE=yes MODE=image\nWORKDIR /app\nCOPY . /app/job\nENTRYPOINT ["python", "job/main.py"]\n'
    )
    records = [
        {
            "urn": "urn:role",
            "type": "aws:iam/role:Role",
            "name": "job-task-role",
            "inputs": {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": []})},
            "outputs": {"name": "job-task-role-1", "arn": ROLE_ARN},
        },
        {
            "urn": "urn:image",
            "type": "awsx:ecr:Image",
            "name": "job-image",
            "inputs": {"context": "./job", "dockerfile": "./job/Dockerfile"},
            "outputs": {"imageUri": IMAGE},
        },
        definition("built", IMAGE),
        definition("prebuilt", "public.ecr.aws/nginx/nginx:1.27"),
    ]
    processes, agent = Processes(), LocalAgent()
    with moto_server() as url:
        deployment = deploy(from_records("dev", "us-east-1", ACCOUNT, records), Endpoint(url, "us-east-1"))
        scratch = tmp_path_factory.mktemp("scratch")
        try:
            yield TaskRunner(deployment, project, agent, processes, scratch)
        finally:
            processes.stop_all()
            agent.close()


def request(family: str, overrides: dict[str, Any]) -> RunTaskRequest:
    return RunTaskRequest(
        task_definition_arn=f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{family}:1",
        cluster_arn=CLUSTER_ARN,
        group=f"family:{family}",
        started_by="events-rule/r",
        overrides=overrides,
    )


def test_a_task_runs_its_image_command_with_ecs_environment_and_its_own_role(runner: TaskRunner):
    overrides = {
        "containerOverrides": [{"name": "job", "environment": [{"name": "LEVEL", "value": "override"}]}]
    }
    task = runner.run(request("built", overrides))
    assert task.wait(timeout=60)
    (line,) = task.logs("job.env")
    # image ENV < container environment < overrides; AWS_REGION and the agent as ECS sets them
    assert (line["FROM_IMAGE"], line["MODE"], line["LEVEL"]) == ("yes", "definition", "override")
    assert line["AWS_REGION"] == "us-east-1"
    assert line["ECS_AGENT_URI"].endswith(f"/{task.id}/agent")
    assert line["who"] == task.identity_arn
    assert task.identity_arn.endswith(f":assumed-role/job-task-role-1/{task.id}")
    assert task.exit_codes == {"job": 3}
    assert [(call["service"], call["operation"]) for call in task.calls()] == [("sts", "GetCallerIdentity")]
    stopped = task.stopped()
    assert (stopped.stop_code, stopped.containers[0].exit_code, stopped.group) == (
        "EssentialContainerExited",
        3,
        "family:built",
    )
    assert stopped.task_arn.startswith(CLUSTER_ARN.replace(":cluster/", ":task/") + "/")


def test_a_prebuilt_image_from_elsewhere_is_skipped_with_a_reason(runner: TaskRunner):
    with pytest.raises(SkippedTaskError, match=r"job: prebuilt image public\.ecr\.aws/nginx/nginx:1\.27"):
        runner.run(request("prebuilt", {}))


def test_a_command_override_replaces_the_image_command(runner: TaskRunner, tmp_path: Path):
    marker = tmp_path / "ran"
    command = ["python", "-c", f"open({str(marker)!r}, 'w').write('yes')"]
    task = runner.run(request("built", {"containerOverrides": [{"name": "job", "command": command}]}))
    assert task.wait(timeout=60)
    assert (task.exit_codes, marker.read_text()) == ({"job": 0}, "yes")
