"""RunTask, locally: each container of the task definition is its image's command run as a subprocess.

What ECS gives a Fargate container, the demo gives the process: the image's `ENV`, then `AWS_REGION` and
`AWS_DEFAULT_REGION`, the metadata and agent endpoints (`tools/demo/agent.py`), the container's
`environment` from the task definition, then the RunTask overrides for that container (environment and
command), exactly in that order of precedence. Credentials are the task role's own: the demo assumes the
role through the emulator's STS and passes the session's keys, so nothing else reaches the task (no
profile, no config file). `AWS_ENDPOINT_URL` points boto3 at the emulator. The call recorder
(`tools/demo/recorder/`) is put first on `PYTHONPATH`. `python` in the command is the demo's own
interpreter, whose environment has the workers' requirements installed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.demo import image, task_events
from tools.demo.agent import AgentTask, LocalAgent
from tools.demo.deploy import Deployment
from tools.demo.graph import Resource
from tools.demo.processes import Processes

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
RECORDER_DIR = Path(__file__).resolve().parent / "recorder"


@dataclass(frozen=True)
class RunTaskRequest:
    """What a rule target, a schedule or a service asks of ECS (ARNs as recorded)."""

    task_definition_arn: str
    cluster_arn: str
    group: str
    started_by: str
    overrides: dict[str, Any] = field(default_factory=dict)
    launch_type: str = "FARGATE"


@dataclass
class Container:
    name: str
    image: str
    essential: bool
    command: tuple[str, ...]
    process: subprocess.Popen[str]
    logs: list[dict[str, Any]] = field(default_factory=list)
    other_output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def read(self) -> None:
        for line in self.process.stdout or ():
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                self.other_output.append(line.rstrip("\n"))
                continue
            if isinstance(parsed, dict):
                self.logs.append(parsed)

    @property
    def exit_code(self) -> int | None:
        code = self.process.poll()
        if code is None:
            return None
        return 128 - code if code < 0 else code  # a signal, as Docker reports it (143 = SIGTERM)


@dataclass
class LocalTask:
    arn: str
    request: RunTaskRequest
    definition: Resource
    task_role_arn: str
    identity_arn: str
    """The assumed-role session whose keys the containers got (`assumed-role/<task role>/<task id>`)."""
    containers: list[Container]
    call_log: Path
    created_at: datetime
    stop_code: tuple[str, str] = task_events.ESSENTIAL_CONTAINER_EXITED
    stopped_at: datetime | None = None
    _calls: list[dict[str, Any]] | None = None

    @property
    def id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    def wait(self, timeout: float) -> bool:
        """Until an essential container exits (then the others are stopped); False on timeout."""
        for container in self.containers:
            if container.essential:
                try:
                    container.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    return False
                break
        self._finish()
        return True

    def stop(self, stop_code: tuple[str, str], grace_seconds: float) -> None:
        """SIGTERM to every container, SIGKILL after the grace (the task definition's stopTimeout)."""
        self.stop_code = stop_code
        for container in self.containers:
            if container.process.poll() is None:
                container.process.send_signal(signal.SIGTERM)
        for container in self.containers:
            try:
                container.process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                container.process.kill()
                container.process.wait()
        self._finish()

    def _finish(self) -> None:
        for container in self.containers:
            if container.process.poll() is None:
                container.process.terminate()
                container.process.wait()
            if container.reader is not None:
                container.reader.join(timeout=10)
        self.stopped_at = self.stopped_at or datetime.now(UTC)
        if self._calls is None:
            self._calls = self._read_calls()  # kept: the log's directory is removed when the demo ends

    @property
    def exit_codes(self) -> dict[str, int | None]:
        return {container.name: container.exit_code for container in self.containers}

    def logs(self, event: str | None = None) -> list[dict[str, Any]]:
        return [
            line
            for container in self.containers
            for line in container.logs
            if event is None or line.get("event") == event
        ]

    def calls(self) -> list[dict[str, Any]]:
        """Every AWS call of the task: boto3's from the recorder, ECS's from the agent."""
        return list(self._calls) if self._calls is not None else self._read_calls()

    def _read_calls(self) -> list[dict[str, Any]]:
        if not self.call_log.exists():
            return []
        return [json.loads(line) for line in self.call_log.read_text(encoding="utf-8").splitlines() if line]

    def stopped(self) -> task_events.StoppedTask:
        code, reason = self.stop_code
        return task_events.StoppedTask(
            cluster_arn=self.request.cluster_arn,
            task_arn=self.arn,
            task_definition_arn=self.request.task_definition_arn,
            group=self.request.group,
            started_by=self.request.started_by,
            launch_type=self.request.launch_type,
            cpu=str(self.definition.inputs.get("cpu", "")),
            memory=str(self.definition.inputs.get("memory", "")),
            stop_code=code,
            stopped_reason=reason,
            containers=[
                task_events.StoppedContainer(container.name, container.image, container.exit_code)
                for container in self.containers
            ],
            created_at=self.created_at,
            stopped_at=self.stopped_at or datetime.now(UTC),
            overrides=self.request.overrides or {"containerOverrides": []},
        )


class SkippedTaskError(Exception):
    """The task cannot run locally (a prebuilt image from elsewhere); the message says why."""


class TaskRunner:
    def __init__(
        self,
        deployment: Deployment,
        project_dir: Path,
        agent: LocalAgent,
        processes: Processes,
        scratch: Path,
    ) -> None:
        self._deployment = deployment
        self._project_dir = project_dir
        self._agent = agent
        self._processes = processes
        self._scratch = scratch

    def definition(self, task_definition_arn: str) -> Resource:
        return self._deployment.graph.with_output(TASK_DEFINITION, "arn", task_definition_arn)

    def run(self, request: RunTaskRequest) -> LocalTask:
        """Start the task (ARNs in `request` as recorded; the task's ARN and environment are real)."""
        definition = self.definition(request.task_definition_arn)
        real = self._deployment.real
        containers_defined = real(definition.document("containerDefinitions"))
        images = {}
        for container in containers_defined:
            try:
                images[container["name"]] = image.resolve(
                    self._deployment.graph,
                    self._project_dir,
                    self._recorded_image(definition, container["name"]),
                )
            except image.ImageError as problem:
                raise SkippedTaskError(f"{container['name']}: {problem}") from None
        cluster_arn = real(request.cluster_arn)
        task_arn = f"{cluster_arn.replace(':cluster/', ':task/', 1)}/{uuid.uuid4().hex}"
        task_id = task_arn.rsplit("/", 1)[-1]
        task_role = str(definition.inputs["taskRoleArn"])
        call_log = self._scratch / f"calls-{task_id}.jsonl"
        record_lock = threading.Lock()

        def record(call: dict[str, Any]) -> None:
            with record_lock, call_log.open("a", encoding="utf-8") as log:
                log.write(json.dumps(call) + "\n")

        family, revision = real(request.task_definition_arn).rsplit("/", 1)[-1].rsplit(":", 1)
        agent_env = self._agent.register(task_id, AgentTask(task_arn, cluster_arn, family, revision, record))
        session = self._deployment.endpoint.client("sts").assume_role(
            RoleArn=real(task_role), RoleSessionName=task_id
        )
        credentials = session["Credentials"]
        overrides = {
            item["name"]: item
            for item in (request.overrides.get("containerOverrides") or [])
            if "name" in item
        }
        task = LocalTask(
            task_arn,
            request,
            definition,
            task_role,
            session["AssumedRoleUser"]["Arn"],
            [],
            call_log,
            datetime.now(UTC),
        )
        for container in containers_defined:
            local = images[container["name"]]
            override = overrides.get(container["name"], {})
            environment = {
                **local.environment,
                "AWS_REGION": self._deployment.endpoint.region,
                "AWS_DEFAULT_REGION": self._deployment.endpoint.region,
                **agent_env,
                **{item["name"]: item["value"] for item in container.get("environment", [])},
                **{item["name"]: item["value"] for item in override.get("environment", [])},
                "AWS_ENDPOINT_URL": self._deployment.endpoint.url,
                "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
                "AWS_SESSION_TOKEN": credentials["SessionToken"],
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "PYTHONPATH": os.pathsep.join([str(RECORDER_DIR), str(local.directory)]),
                "DEMO_CALL_LOG": str(call_log),
            }
            command = list(override.get("command") or local.command)
            if command[0] in ("python", "python3"):
                command[0] = sys.executable
            process = self._processes.start(
                command,
                cwd=local.directory,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            running = Container(
                container["name"],
                container["image"],
                container.get("essential", True),
                tuple(command),
                process,
            )
            running.reader = threading.Thread(target=running.read, name=f"logs-{task_id}", daemon=True)
            running.reader.start()
            task.containers.append(running)
        return task

    @staticmethod
    def _recorded_image(definition: Resource, name: str) -> str:
        """A container's image as recorded (the image build's output), before any name translation."""
        for container in definition.document("containerDefinitions"):
            if container["name"] == name:
                return str(container["image"])
        raise KeyError(name)
