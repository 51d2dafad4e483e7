"""`python -m tools.demo [--stack dev] [--endpoint URL]`: the stack's graph on an emulator, the flows played.

1. records the program's resource graph for the stack on Pulumi's mock runtime;
2. starts `moto_server` on a free 127.0.0.1 port (or uses `--endpoint`, any AWS-compatible endpoint);
3. deploys the graph there, plays the four flows with the real workers, prints the timeline;
4. checks each task's AWS calls against its task role and prints the least-privilege table.
Exit 0 when every flow produced its data and least privilege holds, 1 otherwise, 2 on a usage error or a
program that does not run. Every process it started (moto, tasks) is stopped at the end, on an error
and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from tools.demo import deploy, privilege
from tools.demo.agent import LocalAgent
from tools.demo.endpoint import Endpoint, unreachable
from tools.demo.flows import Flows, Results
from tools.demo.graph import Graph, GraphError, record_stack
from tools.demo.processes import Processes
from tools.demo.run_task import LocalTask, TaskRunner
from tools.demo.timeline import Timeline
from tools.policy_gate.program import ProgramError
from tools.pulumi_mocks import DEFAULT_REGION
from tools.stack_files import read_stack_config

PROJECT_DIR = Path(__file__).resolve().parents[2]
SAMPLES = PROJECT_DIR / "samples"
MOTO_START_SECONDS = 30


@dataclass
class DemoRun:
    graph: Graph
    deployment: deploy.Deployment
    results: Results
    checks: list[privilege.RoleCheck] = field(default_factory=list)
    timeline: Timeline = field(default_factory=Timeline)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks) and bool(self.checks)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def moto_server(processes: Processes) -> Iterator[str]:
    port = _free_port()
    server = processes.start(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess_devnull(),
        stderr=subprocess_devnull(),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + MOTO_START_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310 - local http
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not start on 127.0.0.1:{port}") from None
            time.sleep(0.1)
    yield url


def subprocess_devnull() -> int:
    import subprocess

    return subprocess.DEVNULL


def worker_of(task: LocalTask) -> str:
    """The module a task's container runs (`services.worker`), which names its least-privilege exceptions."""
    command = [str(word) for word in task.containers[0].command] if task.containers else []
    return command[command.index("-m") + 1] if "-m" in command else " ".join(command)


def least_privilege(run: DemoRun) -> list[privilege.RoleCheck]:
    """One check per task role, over the calls of every task that ran with it."""
    by_role: dict[str, list[LocalTask]] = {}
    for task in run.results.tasks:
        by_role.setdefault(task.task_role_arn, []).append(task)
    endpoint, names = run.deployment.endpoint, run.deployment.names
    partition = (
        "aws-cn"
        if endpoint.region.startswith("cn-")
        else "aws-us-gov"
        if endpoint.region.startswith("us-gov-")
        else "aws"
    )
    checks = []
    for role_arn, tasks in by_role.items():
        role, documents, problems = privilege.role_documents(run.graph, role_arn)
        checks.append(
            privilege.check(
                worker_of(tasks[0]),
                names.translate(role),
                names.translate(documents),
                [call for task in tasks for call in task.calls()],
                partition=partition,
                region=endpoint.region,
                account=names.real_account,
                problems=problems,
            )
        )
    return checks


_WARM_UP = (
    ("sts", "get_caller_identity"),
    ("ecs", "list_clusters"),
    ("iam", "list_roles"),
    ("s3", "list_buckets"),
    ("sqs", "list_queues"),
    ("dynamodb", "list_tables"),
    ("sns", "list_topics"),
    ("kms", "list_keys"),
    ("events", "list_rules"),
)


def warm_up(endpoint: Endpoint) -> None:
    """One cheap call per service the deployer uses: moto builds each backend on its first request (ECS's
    takes seconds), which then happens while the program is being recorded instead of during the deploy."""
    for service, operation in _WARM_UP:
        getattr(endpoint.client(service), operation)()


def run_demo(stack: str, endpoint_url: str | None, timeline: Timeline, processes: Processes) -> DemoRun:
    with contextlib.ExitStack() as stack_of_things, tempfile.TemporaryDirectory(prefix="demo-") as scratch:
        region = read_stack_config(PROJECT_DIR, stack).region or DEFAULT_REGION
        warming: threading.Thread | None = None
        if endpoint_url is None:
            endpoint_url = stack_of_things.enter_context(moto_server(processes))
            timeline.say("moto", f"moto_server on {endpoint_url}, pid {processes.running()[0]}")
            warming = threading.Thread(target=warm_up, args=(Endpoint(endpoint_url, region),), daemon=True)
            warming.start()
        timeline.heading(f"Recording the program's resource graph for stack {stack} (Pulumi mock runtime)")
        graph = record_stack(PROJECT_DIR, stack)
        timeline.say("pulumi", f"{len(graph.resources)} resources registered")
        if warming is not None:
            warming.join()
        endpoint = Endpoint(endpoint_url, graph.region)
        timeline.heading(f"Deploying the graph onto {endpoint_url}")
        deployment = deploy.deploy(graph, endpoint)
        for line in deploy.describe(deployment):
            timeline.say("deploy", line)
        agent = LocalAgent()
        stack_of_things.callback(agent.close)
        runner = TaskRunner(deployment, PROJECT_DIR, agent, processes, Path(scratch))
        flows = Flows(deployment, runner, timeline, SAMPLES)
        try:
            results = flows.play()
        finally:
            for task in flows.results.tasks:
                task.stop(("UserInitiated", "the demo ended"), grace_seconds=5)
        run = DemoRun(graph, deployment, results, timeline=timeline)
        timeline.heading("Least privilege: every AWS call of each task against its own task role")
        run.checks = least_privilege(run)
        for check in run.checks:
            timeline.block("\n".join(privilege.table(check)), indent="  ")
        return run


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stack", default="dev", help="the stack whose config the program runs with (default dev)"
    )
    parser.add_argument(
        "--endpoint", help="an AWS-compatible endpoint to use instead of starting moto_server"
    )
    args = parser.parse_args(argv)
    if args.endpoint:
        problem = unreachable(args.endpoint)
        if problem:
            print(
                f"demo: --endpoint {args.endpoint} does not answer ({problem}); start it or fix the URL",
                file=sys.stderr,
            )
            return 2
    processes = Processes()
    timeline = Timeline()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        run = run_demo(args.stack, args.endpoint, timeline, processes)
    except (ProgramError, GraphError) as error:
        print(f"demo: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ndemo: interrupted; stopping every process it started", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        signal.signal(signal.SIGTERM, previous)
        left = processes.running()
        if left:
            print(f"demo: processes still running: {left}", file=sys.stderr)
    timeline.heading("Done")
    verdict = "holds for every task role" if run.ok else "VIOLATED (see the table)"
    timeline.say("demo", f"{len(run.results.tasks)} tasks ran; least privilege {verdict}")
    return 0 if run.ok else 1
