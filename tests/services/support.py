"""Running the workers exactly as their containers do (a subprocess with only environment variables)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNTIME_SOURCE = REPO_ROOT / "services" / "src"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_server(environment: dict[str, str] | None = None) -> Iterator[str]:
    """`moto_server` on a free 127.0.0.1 port; yields its endpoint and stops it (by its pid) after.

    `environment` adds moto settings, e.g. INITIAL_NO_AUTH_ACTION_COUNT to enforce IAM.
    """
    # Parallel test processes (pytest-xdist, other suites) each start their own server. Choosing a free
    # port and binding it are two steps, so a lock held from the choice until the server answers keeps two
    # processes from choosing the same port, and one from talking to the other's server.
    with _PORT_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        port = _free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, **(environment or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        endpoint = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(server, endpoint)
        except BaseException:
            _stop(server)
            raise
    try:
        yield endpoint
    finally:
        _stop(server)


_PORT_LOCK = Path(tempfile.gettempdir()) / "ecs-event-patterns-moto-port.lock"


def _wait_until_up(server: subprocess.Popen[bytes], endpoint: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()  # noqa: S310 (local http)
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


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
            # The runtime of this checkout, as if installed (`pip install ./services` in the image).
            "PYTHONPATH": str(RUNTIME_SOURCE),
        }

    def client(self, service: str) -> Any:
        """A client of `service` on the emulator; untyped (the typed stubs overload on a literal name),
        as tests hand all kinds of client around."""
        session: Any = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        return session.client(service, endpoint_url=self.endpoint)


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
    """A bundled worker by name (`ingest`), or any module by its dotted name (`ecs_runtime.queue`)."""
    return [sys.executable, "-m", worker if "." in worker else f"services.{worker}"]


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


@dataclass(frozen=True)
class Queues:
    url: str
    dlq_url: str


def make_queues(aws: Aws, visibility_seconds: int, max_receive_count: int = 2, name: str = "jobs") -> Queues:
    """A queue and its dead-letter queue (`<name>-dlq`), as the queue_workers component makes them."""
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_seconds),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
            ),
        },
    )["QueueUrl"]
    return Queues(url, dlq_url)


def create_results_table(dynamodb: Any, name: str) -> None:
    """The ingest results table with the key schema the Pulumi table has (pk, sk strings)."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


@dataclass(frozen=True)
class GeneratedObject:
    etag: str
    size: int
    sha256: str
    rows: int


LONG_ROW = (b"id,payload,amount\n", b"42," + b"x" * 1000 + b",3.14\n")
"""Long rows: the work is the bytes, not per-row overhead."""


def upload_generated_csv(
    s3: Any,
    bucket: str,
    key: str,
    parts: int,
    part_bytes: int = 8 << 20,
    shape: tuple[bytes, bytes] = LONG_ROW,
) -> GeneratedObject:
    """A CSV of `parts` x `part_bytes` streamed into S3 by multipart upload, one part in memory at a time.

    `shape` is the header line and the row repeated after it.
    """
    header_line, row = shape
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)
    digest = hashlib.sha256()
    uploaded, total_rows, size = [], 0, 0
    for number in range(1, parts + 1):
        header = header_line if number == 1 else b""
        rows = (part_bytes - len(header)) // len(row)
        body = header + row * rows
        digest.update(body)
        total_rows += rows
        size += len(body)
        response = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number, Body=body
        )
        uploaded.append({"PartNumber": number, "ETag": response["ETag"]})
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": uploaded}
    )
    return GeneratedObject(done["ETag"].strip('"'), size, digest.hexdigest(), total_rows)


def run_measured(worker: str, env: dict[str, str], timeout: float = 120) -> tuple[Finished, int]:
    """Run `worker` under /usr/bin/time: its own peak RSS in KiB (forked from a small process, so the
    figure is not inflated by this process's size)."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak-kib"
        process = start(worker, env, prefix=["/usr/bin/time", "-o", str(peak_file), "-f", "%M"])
        finished = finish(process, timeout=timeout)
        return finished, int(peak_file.read_text().split()[-1])
