"""Running the workers exactly as their containers do (a subprocess with only environment variables)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


@dataclass(frozen=True)
class Aws:
    """A reset moto server and the environment a worker container would get to reach it."""

    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }

    def client(self, service: str) -> Any:
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client(service, endpoint_url=self.endpoint)


@dataclass(frozen=True)
class Finished:
    returncode: int
    logs: list[dict[str, Any]]
    stderr: str

    def events(self, name: str) -> list[dict[str, Any]]:
        return [line for line in self.logs if line["event"] == name]

    def event(self, name: str) -> dict[str, Any]:
        found = self.events(name)
        assert len(found) == 1, f"expected one {name!r} line, got {found} in {self.logs} / {self.stderr}"
        return found[0]


def command(worker: str) -> list[str]:
    return [sys.executable, "-m", f"services.{worker}"]


def start(worker: str, env: dict[str, str], prefix: list[str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*(prefix or []), *command(worker)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 60) -> Finished:
    stdout, stderr = process.communicate(timeout=timeout)
    return Finished(process.returncode, parse_logs(stdout), stderr)


def run(worker: str, env: dict[str, str], timeout: float = 60) -> Finished:
    return finish(start(worker, env), timeout)


def parse_logs(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line must be a JSON object: that is the log contract."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def assert_bad_setting_named(
    worker: str, env: dict[str, str], change: dict[str, str | None], named: str
) -> None:
    """Run `worker` with `change` applied to `env` (None removes a variable): exit 2, one line naming it."""
    changed = {**env, **{name: value for name, value in change.items() if value is not None}}
    for name in [name for name, value in change.items() if value is None]:
        del changed[name]

    finished = run(worker, changed)

    assert finished.returncode == 2, finished
    assert named in finished.event("settings.invalid")["message"]


class LogTail:
    """Reads a running worker's stdout on a thread, so a test can wait for a log event."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.logs: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                with self._changed:
                    self.logs.append(json.loads(line))
                    self._changed.notify_all()

    def wait_for(self, event: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        with self._changed:
            found = self._changed.wait_for(
                lambda: len([line for line in self.logs if line["event"] == event]) >= count, timeout=timeout
            )
        assert found, f"no {count} x {event!r} within {timeout} s: {self.logs}"
        return [line for line in self.logs if line["event"] == event]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> Finished:
        self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        assert self.process.stderr is not None
        return Finished(self.process.returncode, list(self.logs), self.process.stderr.read())
