"""The local agent endpoints, the call recorder in a task process, and the process registry."""

import json
import os
import socket
import subprocess
import sys
import urllib.request
from typing import Any

from tools.demo.agent import AgentTask, LocalAgent
from tools.demo.cli import main
from tools.demo.processes import Processes
from tools.demo.run_task import RECORDER_DIR

TASK = "arn:aws:ecs:us-east-1:123456789012:task/c/abc"


def test_the_agent_serves_metadata_and_records_protection_as_the_tasks_ecs_calls():
    agent = LocalAgent()
    recorded: list[dict[str, Any]] = []
    try:
        env = agent.register(
            "abc", AgentTask(TASK, "arn:aws:ecs:us-east-1:1:cluster/c", "f", "1", recorded.append)
        )
        with urllib.request.urlopen(env["ECS_CONTAINER_METADATA_URI_V4"] + "/task") as answer:  # noqa: S310
            assert json.load(answer)["TaskARN"] == TASK
        request = urllib.request.Request(  # noqa: S310
            env["ECS_AGENT_URI"] + "/task-protection/v1/state",
            data=json.dumps({"ProtectionEnabled": True, "ExpiresInMinutes": 5}).encode(),
            method="PUT",
        )
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            assert json.load(answer)["protection"]["ProtectionEnabled"] is True
    finally:
        agent.close()
    assert [(call["service"], call["operation"], call["params"]["tasks"]) for call in recorded] == [
        ("ecs", "UpdateTaskProtection", [TASK])
    ]


def test_the_recorder_logs_each_boto3_call_of_a_task_without_changing_its_code(tmp_path):
    log = tmp_path / "calls.jsonl"
    program = (
        "import boto3, botocore.config\n"
        "s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:9', region_name='us-east-1',"
        " aws_access_key_id='a', aws_secret_access_key='b',"
        " config=botocore.config.Config(retries={'max_attempts': 1}, connect_timeout=1))\n"
        "try:\n    s3.put_object(Bucket='b', Key='in/a b.csv', Body=b'secret')\nexcept Exception:\n    pass\n"
    )
    env = {**os.environ, "PYTHONPATH": str(RECORDER_DIR), "DEMO_CALL_LOG": str(log)}
    subprocess.run([sys.executable, "-c", program], env=env, check=True, timeout=60)
    (line,) = [json.loads(text) for text in log.read_text().splitlines()]
    assert line == {"service": "s3", "operation": "PutObject", "params": {"Bucket": "b", "Key": "in/a b.csv"}}


def test_every_started_process_is_stopped_by_pid():
    processes = Processes()
    started = [processes.start([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(2)]
    assert sorted(processes.running()) == sorted(process.pid for process in started)
    processes.stop_all(grace_seconds=5)
    assert processes.running() == []
    assert all(process.returncode is not None for process in started)


def test_an_endpoint_that_does_not_answer_is_a_usage_error_before_anything_starts(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the socket is closed
    assert main(["--endpoint", f"http://127.0.0.1:{port}"]) == 2
    printed = capsys.readouterr()
    assert f"--endpoint http://127.0.0.1:{port} does not answer" in printed.err
    assert "Recording" not in printed.out  # refused before the program runs
