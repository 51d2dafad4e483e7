"""`make demo`, under pytest: the dev stack's graph on moto, the four flows played with the real workers.

One run for the whole module (about a minute on 2 cores); each test asserts one flow's data, the
least-privilege check per worker, that the check catches a missing and an extra grant, and that no
process the run started is left.
"""

import io
import json
import os
import re
from collections.abc import Iterator

import pytest

from tools.demo import privilege
from tools.demo.cli import DemoRun, run_demo, worker_of
from tools.demo.flows import QUEUE
from tools.demo.processes import Processes
from tools.demo.timeline import Timeline

# One demo run serves every test here: keep them on one pytest-xdist process (make pytest: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("e2e")


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[DemoRun, Processes]]:
    processes = Processes()
    try:
        yield run_demo("dev", None, Timeline(out=io.StringIO()), processes), processes
    finally:
        processes.stop_all()


@pytest.fixture(scope="module")
def run(demo: tuple[DemoRun, Processes]) -> DemoRun:
    return demo[0]


def items_by_file(run: DemoRun) -> dict[str, dict]:
    return {item["pk"].rsplit("/", 1)[-1]: item for item in run.results.items}


def test_uploads_become_one_result_item_each_and_the_key_filter_holds(run):
    items = items_by_file(run)
    assert set(items) == {"orders.csv", "malformed.csv", "Q3 résumé données.csv"}
    assert (
        items["orders.csv"]["status"],
        items["orders.csv"]["rows_good"],
        items["orders.csv"]["rows_bad"],
    ) == (
        "processed",
        "3",
        "0",
    )
    spaced = items["Q3 résumé données.csv"]  # the event's key was URL-encoded; the item names the real key
    assert (spaced["status"], spaced["rows_good"], spaced["rows_bad"]) == ("processed", "3", "1")
    assert items["malformed.csv"]["status"] == "rejected"
    assert run.results.unmatched_uploads == ["notes.txt"]


def test_the_schedule_fires_once_and_the_report_counts_every_input(run):
    report = run.results.report
    assert report is not None
    totals = report["totals"]
    assert (totals["listed"], totals["processed"], totals["failed"], totals["rows_good"]) == (3, 2, 1, 4)
    failed = [entry["key"] for entry in report["files"] if entry["status"] not in ("processed", "done")]
    assert failed == ["input/stock-broken.csv"]


def test_the_burst_wakes_the_service_drains_and_the_poison_message_lands_in_the_dead_letter_queue(run):
    results = run.results
    assert [decision.tasks for decision in results.scaling] == [1, 0]
    assert results.queue_counts == {"visible": 0, "in_flight": 0}
    (work_queue,) = [queue for queue in run.graph.of_type(QUEUE) if queue.inputs.get("redrivePolicy")]
    work_dead_letters = json.loads(work_queue.inputs["redrivePolicy"])["deadLetterTargetArn"].rsplit(":", 1)[
        -1
    ]
    assert results.dead_letter_counts == {
        name: 1 if name == work_dead_letters else 0 for name in results.dead_letter_counts
    }
    assert len(results.dead_letter_counts) == len(run.graph.of_type(QUEUE)) - 1  # every dead-letter queue
    outputs = {key.rsplit("/", 1)[-1] for key in results.queue_outputs}
    assert outputs == {"orders.jsonl", "orders.summary.json"}


def alert_texts(run: DemoRun) -> list[str]:
    return [str(notification["Message"]) for notification in run.results.alerts]


def test_every_failed_task_alerts_with_its_exit_code_and_clean_stops_do_not(run):
    failed = {
        event["taskArn"] for event in run.results.stopped_events if event["containers"][0].get("exitCode")
    }
    assert set(run.results.alerted_tasks) == failed
    texts = alert_texts(run)
    for task in failed:
        (text,) = [text for text in texts if task in text]
        assert "EssentialContainerExited" in text
    exit_codes = sorted(
        (event["group"].rsplit("-", 1)[-1], event["containers"][0]["exitCode"])
        for event in run.results.stopped_events
        if event["taskArn"] in failed
    )
    assert exit_codes == [("ingest", 3), ("report", 6)]
    ingest_alert = next(
        text for text in texts if "upload-ingest" in text and "EssentialContainerExited" in text
    )
    assert re.search(r"\bingest\b\D*\b3\b", ingest_alert), ingest_alert  # the container and its exit code


def test_a_scale_in_stop_is_filtered_and_produces_no_alert(run):
    scale_ins = [
        event for event in run.results.stopped_events if event["stopCode"] == "ServiceSchedulerInitiated"
    ]
    assert len(scale_ins) == 1
    (task,) = [event["taskArn"] for event in scale_ins]
    assert task in run.results.filtered_tasks
    assert not any(task in text for text in alert_texts(run))


def test_the_dead_letter_alarm_message_reaches_the_topic(run):
    alarms = [
        notification
        for notification in run.results.alerts
        if str(notification.get("Subject", "")).startswith("ALARM")
    ]
    assert len(alarms) == 1
    message = json.loads(alarms[0]["Message"])
    assert message["NewStateValue"] == "ALARM"
    assert message["Trigger"]["Dimensions"][0]["value"].startswith("queue-dead-letters")


EXPECTED_CALLS = {
    "services.ingest": {"dynamodb:GetItem", "dynamodb:PutItem", "s3:GetObjectVersion"},
    "services.report": {"s3:ListBucket", "s3:GetObject", "s3:PutObject"},
    "services.worker": {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "s3:GetObject",
        "s3:PutObject",
        "ecs:UpdateTaskProtection",
    },
}


def test_each_worker_runs_with_its_own_task_role_and_needs_exactly_what_it_is_granted(run):
    checks = {check.worker: check for check in run.checks}
    assert set(checks) == set(EXPECTED_CALLS)
    for worker, check in checks.items():
        assert check.ok, "\n".join(privilege.table(check))
        assert {call.request.action for call in check.calls} == EXPECTED_CALLS[worker]
    for task in run.results.tasks:
        role_name = task.task_role_arn.rsplit("/", 1)[-1]
        assert task.identity_arn.endswith(f":assumed-role/{role_name}/{task.id}")


def recheck(run: DemoRun, worker: str, change) -> privilege.RoleCheck:
    """The least-privilege check of `worker` over its recorded calls, against a changed role document."""
    tasks = [task for task in run.results.tasks if worker_of(task) == worker]
    role, documents, _ = privilege.role_documents(run.graph, tasks[0].task_role_arn)
    names = run.deployment.names
    return privilege.check(
        worker,
        role,
        [change(json.loads(json.dumps(names.translate(document)))) for document in documents],
        [call for task in tasks for call in task.calls()],
        partition="aws",
        region=run.deployment.endpoint.region,
        account=names.real_account,
    )


def test_a_missing_grant_is_caught(run):
    def without_put_item(document):
        for statement in document["Statement"]:
            statement["Action"] = [action for action in statement["Action"] if action != "dynamodb:PutItem"]
        return document

    result = recheck(run, "services.ingest", without_put_item)
    assert {call.request.action for call in result.denied} == {"dynamodb:PutItem"}
    assert not result.ok


def test_an_extra_grant_is_caught(run):
    def with_delete_item(document):
        document["Statement"][-1]["Action"].append("dynamodb:DeleteItem")
        return document

    result = recheck(run, "services.ingest", with_delete_item)
    assert result.unused == ["dynamodb:DeleteItem"]
    assert not result.ok


def test_no_process_is_left_running(demo):
    run, processes = demo
    processes.stop_all()
    assert processes.running() == []
    started = [container.process.pid for task in run.results.tasks for container in task.containers]
    assert len(started) == len(run.results.tasks) == 5  # 3 uploads matched, 1 report, 1 worker
    for pid in started:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
