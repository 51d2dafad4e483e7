"""The two ECS agent endpoints a Fargate container reaches, served locally for the demo's tasks.

- `ECS_CONTAINER_METADATA_URI_V4`: `GET <uri>/task` answers the task's metadata (`TaskARN`, `Cluster`,
  `Family`, `Revision`), which the workers log as their correlation id;
- `ECS_AGENT_URI`: `PUT|GET <uri>/task-protection/v1/state` sets or reads task scale-in protection. The
  agent makes `ecs:UpdateTaskProtection` / `ecs:GetTaskProtection` calls with the task role's credentials
  (ECS developer guide, "Protect your Amazon ECS tasks from being terminated by scale-in events"), so each
  request is recorded as that call of the task, beside its boto3 calls.
One server on 127.0.0.1 serves every task under a path of its own (`/<task id>/...`); the worker's own
tests use it as their ECS agent too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class AgentTask:
    task_arn: str
    cluster_arn: str
    family: str
    revision: str
    record: Callable[[dict[str, Any]], None]
    protected: bool = False
    expires_at: str | None = None
    protection_requests: list[dict[str, Any]] = field(default_factory=list)
    """Every task-protection PUT body, in order."""


class LocalAgent:
    def __init__(self) -> None:
        self.tasks: dict[str, AgentTask] = {}
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                agent._answer(self, "GET")

            def do_PUT(self) -> None:
                agent._answer(self, "PUT")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="ecs-agent", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def register(self, task_id: str, task: AgentTask) -> dict[str, str]:
        """The environment ECS gives the task's containers for these endpoints."""
        self.tasks[task_id] = task
        return {
            "ECS_CONTAINER_METADATA_URI_V4": f"{self.url}/{task_id}/v4",
            "ECS_AGENT_URI": f"{self.url}/{task_id}/agent",
        }

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = request.path.strip("/").split("/", 1)
        task = self.tasks.get(parts[0])
        route = parts[1] if len(parts) == 2 else ""
        if task is None:
            self._send(request, 404, {"error": {"Code": "NotFound", "Message": "no such task"}})
        elif method == "GET" and route == "v4/task":
            self._send(
                request,
                200,
                {
                    "Cluster": task.cluster_arn,
                    "TaskARN": task.task_arn,
                    "Family": task.family,
                    "Revision": task.revision,
                    "DesiredStatus": "RUNNING",
                    "KnownStatus": "RUNNING",
                    "LaunchType": "FARGATE",
                },
            )
        elif route == "agent/task-protection/v1/state":
            self._protection(request, method, task)
        else:
            self._send(request, 404, {"error": {"Code": "NotFound", "Message": request.path}})

    def _protection(self, request: BaseHTTPRequestHandler, method: str, task: AgentTask) -> None:
        if method == "PUT":
            length = int(request.headers.get("Content-Length") or 0)
            body = json.loads(request.rfile.read(length) or b"{}")
            task.protection_requests.append(body)
            task.protected = bool(body.get("ProtectionEnabled"))
            minutes = int(body.get("ExpiresInMinutes") or 120)
            task.expires_at = (
                (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat() if task.protected else None
            )
            task.record(
                {
                    "service": "ecs",
                    "operation": "UpdateTaskProtection",
                    "params": {
                        "tasks": [task.task_arn],
                        "cluster": task.cluster_arn,
                        "protectionEnabled": task.protected,
                    },
                }
            )
        else:
            task.record(
                {
                    "service": "ecs",
                    "operation": "GetTaskProtection",
                    "params": {"tasks": [task.task_arn], "cluster": task.cluster_arn},
                }
            )
        self._send(
            request,
            200,
            {
                "protection": {
                    "ExpirationDate": task.expires_at,
                    "ProtectionEnabled": task.protected,
                    "TaskArn": task.task_arn,
                }
            },
        )

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
