"""The SQS call counter the queue benchmark runs every consumer under."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
from botocore.stub import Stubber
from types_boto3_sqs import SQSClient

from benchmarks import call_counter

REPO_ROOT = Path(__file__).resolve().parents[2]
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"


def _client() -> SQSClient:
    # A new session per client, as the worker's `ecs_runtime.aws` makes them.
    return boto3.session.Session().client(
        "sqs", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def test_counts_each_call_of_every_session_created_after_install():
    calls = call_counter.SqsCalls()
    calls.install()
    try:
        first, second = _client(), _client()
    finally:
        calls.uninstall()
    later = _client()
    for client, operations in ((first, 2), (second, 1), (later, 1)):
        with Stubber(client) as stub:
            for _ in range(operations):
                stub.add_response("receive_message", {"Messages": []})
            for _ in range(operations):
                client.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10)
    with Stubber(first) as stub:
        stub.add_response("delete_message", {})
        first.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle="handle")

    # The client made after uninstall is not counted.
    assert calls.counts() == {"ReceiveMessage": 3, "DeleteMessage": 1}


def test_the_module_runs_with_its_arguments_and_the_counts_come_last_even_after_sys_exit(tmp_path: Path):
    (tmp_path / "polling.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            import boto3
            from botocore.stub import Stubber

            client = boto3.session.Session().client(
                "sqs", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
            )
            with Stubber(client) as stub:
                for _ in range(int(sys.argv[1])):
                    stub.add_response("receive_message", {{"Messages": []}})
                    client.receive_message(QueueUrl={QUEUE_URL!r})
            print("polled", sys.argv[1:], flush=True)
            sys.exit(3)
            """
        )
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])}

    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.call_counter", "polling", "4", "extra"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 3, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "polled ['4', 'extra']"
    assert call_counter.parse(lines[-1]) == {"ReceiveMessage": 4}
    assert call_counter.parse(lines[0]) is None
    assert call_counter.parse('{"event": "job.completed"}') is None
