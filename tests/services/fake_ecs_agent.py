"""A stand-in for the ECS container agent on 127.0.0.1: task metadata v4 and task scale-in protection."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/workers/0123456789abcdef0123456789abcdef"


class FakeEcsAgent:
    """Records every task-protection PUT body; answers like the agent does."""

    def __init__(self) -> None:
        self.protection_calls: list[dict[str, Any]] = []
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/v4/container/task":
                    self._answer(200, {"TaskARN": TASK_ARN, "Family": "workers"})
                else:
                    self._answer(404, {"error": "not found"})

            def do_PUT(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/api/container/task-protection/v1/state":
                    self._answer(404, {"error": "not found"})
                    return
                agent.protection_calls.append(body)
                self._answer(
                    200,
                    {"protection": {"ProtectionEnabled": body["ProtectionEnabled"], "TaskArn": TASK_ARN}},
                )

            def _answer(self, status: int, document: dict[str, Any]) -> None:
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def env(self) -> dict[str, str]:
        base = f"http://127.0.0.1:{self._server.server_address[1]}"
        return {
            "ECS_AGENT_URI": f"{base}/api/container",
            "ECS_CONTAINER_METADATA_URI_V4": f"{base}/v4/container",
        }

    def __enter__(self) -> FakeEcsAgent:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
