"""The stopped-task rule's pattern and message, checked against AWS's documented ECS event shape."""

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ecs_event_patterns.config.settings import AlertSettings
from ecs_event_patterns.patterns.stopped_task_alerts.stopped_task_events import (
    cluster_tasks_console_url,
    stopped_task_event_pattern,
    stopped_task_input_paths,
    stopped_task_input_template,
    stopped_task_message_lines,
)
from tools.eventbridge import apply_input_transformer, matches

CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/jobs"
OTHER_CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/other"
SAMPLE = json.loads((Path(__file__).parents[1] / "data" / "ecs-task-stopped.json").read_text())
ALL_OFF = AlertSettings(
    ignore_service_scheduler_stops=False, ignore_user_stops=False, ignore_successful_one_off_tasks=False
)


def stopped_event(**detail) -> dict[str, Any]:
    """The documented sample event, moved to CLUSTER_ARN, with `detail` fields replaced (None removes)."""
    event: dict[str, Any] = copy.deepcopy(SAMPLE)
    event["detail"]["clusterArn"] = CLUSTER_ARN
    for key, value in detail.items():
        if value is None:
            event["detail"].pop(key)
        else:
            event["detail"][key] = value
    return event


def containers(*exit_codes: int | None) -> list[dict[str, Any]]:
    template = SAMPLE["detail"]["containers"][0]
    result = []
    for index, code in enumerate(exit_codes):
        container = {key: value for key, value in template.items() if key != "exitCode"}
        container["name"] = f"c{index}"
        if code is not None:
            container["exitCode"] = code
        result.append(container)
    return result


DEFAULTS = AlertSettings()


def alerts(event: dict[str, Any], settings: AlertSettings = DEFAULTS) -> bool:
    return matches(stopped_task_event_pattern(CLUSTER_ARN, settings), event)


def test_default_pattern_is_exact():
    keep = {"anything-but": ["ServiceSchedulerInitiated", "UserInitiated"]}
    assert json.loads(json.dumps(stopped_task_event_pattern(CLUSTER_ARN, AlertSettings()))) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "lastStatus": ["STOPPED"],
            "clusterArn": [CLUSTER_ARN],
            "$or": [
                {"stopCode": [{"exists": False}]},
                {"stopCode": [keep], "group": [{"anything-but": {"prefix": "family:"}}]},
                {"stopCode": [keep], "group": [{"exists": False}]},
                {"stopCode": [keep], "containers": {"exitCode": [{"anything-but": [0]}]}},
                {"stopCode": [keep], "containers": {"exitCode": [{"exists": False}]}},
                {
                    "stopCode": [
                        {
                            "anything-but": [
                                "ServiceSchedulerInitiated",
                                "UserInitiated",
                                "EssentialContainerExited",
                            ]
                        }
                    ]
                },
            ],
        },
    }


def test_pattern_without_filters_matches_every_stop_of_the_cluster():
    assert stopped_task_event_pattern(CLUSTER_ARN, ALL_OFF)["detail"] == {
        "lastStatus": ["STOPPED"],
        "clusterArn": [CLUSTER_ARN],
    }


def test_pattern_never_matches_only_the_stopped_reason():
    assert "stoppedReason" not in json.dumps(stopped_task_event_pattern(CLUSTER_ARN, AlertSettings()))


@pytest.mark.parametrize("settings", [AlertSettings(), ALL_OFF], ids=["filters-on", "filters-off"])
def test_documented_sample_alerts_for_its_cluster_only(settings):
    assert alerts(stopped_event(), settings)
    assert not alerts(stopped_event(clusterArn=OTHER_CLUSTER_ARN), settings)
    assert not alerts(stopped_event(lastStatus="RUNNING", desiredStatus="RUNNING"), settings)
    other_source = stopped_event()
    other_source["detail-type"] = "ECS Container Instance State Change"
    assert not alerts(other_source, settings)


def test_service_scheduler_stops_follow_their_filter():
    scale_in = stopped_event(
        group="service:queue-workers",
        stopCode="ServiceSchedulerInitiated",
        stoppedReason="Scaling activity initiated by (deployment ecs-svc/123)",
        containers=containers(0),
    )
    assert not alerts(scale_in, AlertSettings(ignore_service_scheduler_stops=True))
    assert alerts(scale_in, AlertSettings(ignore_service_scheduler_stops=False))


def test_user_stops_follow_their_filter():
    stopped_by_person = stopped_event(stopCode="UserInitiated", containers=containers(143))
    assert not alerts(stopped_by_person, AlertSettings(ignore_user_stops=True))
    assert alerts(stopped_by_person, AlertSettings(ignore_user_stops=False))


@pytest.mark.parametrize("settings", [AlertSettings(), ALL_OFF], ids=["filters-on", "filters-off"])
def test_task_that_never_started_alerts(settings):
    failed_to_start = stopped_event(
        stopCode="TaskFailedToStart",
        stoppedReason="CannotPullContainerError: pull image manifest has been retried 5 time(s)",
        startedAt=None,
        containers=containers(None),
    )
    assert alerts(failed_to_start, settings)
    assert alerts(stopped_event(stopCode="TaskFailedToStart", containers=[]), settings)


def test_successful_one_off_task_is_dropped_only_with_its_filter():
    success = stopped_event(containers=containers(0, 0))
    assert not alerts(success, AlertSettings(ignore_successful_one_off_tasks=True))
    assert alerts(success, AlertSettings(ignore_successful_one_off_tasks=False))


@pytest.mark.parametrize(
    "detail",
    [
        {"containers": containers(0, 137)},  # one container failed
        {"containers": containers(None, None), "stopCode": "EssentialContainerExited"},  # no exit codes
        {"group": "service:queue-workers", "containers": containers(0)},  # a service task exited
        {"group": None, "containers": containers(0)},
        {"stopCode": "SpotInterruption", "containers": containers(0)},
        {"stopCode": None, "containers": containers(0)},
    ],
    ids=["non-zero-exit", "no-exit-codes", "service-task", "no-group", "spot", "no-stop-code"],
)
def test_one_off_filter_keeps_every_other_stop(detail):
    assert alerts(stopped_event(**detail), AlertSettings(ignore_successful_one_off_tasks=True))


def test_a_stop_without_stop_code_alerts_even_when_stop_codes_are_filtered():
    settings = AlertSettings(ignore_successful_one_off_tasks=False)
    assert alerts(stopped_event(stopCode=None, group="service:queue-workers"), settings)


CONSOLE = cluster_tasks_console_url("us-west-2", SAMPLE["detail"]["clusterArn"])


def alert_text(event: dict[str, Any], *, quote_bare_strings: bool = True) -> str:
    """The message EventBridge publishes for `event` (values inserted unescaped, as AWS documents)."""
    template = stopped_task_input_template(CONSOLE)
    return apply_input_transformer(
        stopped_task_input_paths(), template, event, quote_bare_strings=quote_bare_strings
    )


def test_message_tells_a_person_what_stopped_and_where():
    task_arn = SAMPLE["detail"]["taskArn"]
    # EventBridge quotes a string inserted outside quotes in JSON; in text it may not (both readable).
    assert alert_text(SAMPLE).split("\n") == [
        "An ECS task stopped and needs a look.",
        "",
        'Stop code: "EssentialContainerExited"',
        'Reason: "Essential container in task exited"',
        'Cluster: "arn:aws:ecs:us-west-2:111122223333:cluster/example-cluster"',
        'Group: "family:example-task"',
        'Task definition: "arn:aws:ecs:us-west-2:111122223333:task-definition/example-task:3"',
        'Started by: "events-rule/example-rule"',
        'Stopped at: "2024-03-05T14:20:11.000Z"',
        f'Task: "{task_arn}"',
        'Container 1: "app" exit code 1 ',
        "Container 2:  exit code  ",
        "Container 3:  exit code  ",
        "",
        "Console (stopped tasks of this cluster): "
        "https://us-west-2.console.aws.amazon.com/ecs/v2/clusters/example-cluster/tasks?region=us-west-2",
    ]
    assert alert_text(SAMPLE, quote_bare_strings=False).split("\n")[2:4] == [
        "Stop code: EssentialContainerExited",
        "Reason: Essential container in task exited",
    ]


def test_the_template_is_text_with_no_placeholder_inside_quotes():
    """EventBridge does not escape inserted values, so nothing may be inserted into a JSON string."""
    template = stopped_task_input_template(CONSOLE)
    assert '"' not in template
    with pytest.raises(json.JSONDecodeError):
        json.loads(template)
    assert set(re.findall(r"<([A-Za-z0-9]+)>", template)) == set(stopped_task_input_paths())
    with pytest.raises(ValueError, match="must not contain a double quote"):
        stopped_task_input_template('https://example.com/"x"')


# Stop reasons of real ECS failures ("Amazon ECS stopped tasks error messages" in the ECS developer guide
# lists these forms; the values are what a task in this project's network would report).
IMAGE_PULL_TIMEOUT = (
    "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref "
    "123456789012.dkr.ecr.eu-central-1.amazonaws.com/queue-worker:worker-6f1c2e: failed to do request: Head "
    '"https://123456789012.dkr.ecr.eu-central-1.amazonaws.com/v2/queue-worker/manifests/worker-6f1c2e": '
    "dial tcp 3.126.21.80:443: i/o timeout"
)
SECRETS_DENIED = (
    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
    "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch "
    "secret arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-password-AbCdEf from secrets manager: "
    "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/upload-ingest-execution-role/"
    "7e1f0f3c is not authorized to perform: secretsmanager:GetSecretValue on resource: "
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-password-AbCdEf because no identity-based "
    "policy allows the secretsmanager:GetSecretValue action\n\tstatus code: 400, request id: 5b7e"
)
ENI_LIMIT = (
    "ResourceInitializationError: failed to create the task ENI: You have reached the maximum number of "
    'network interfaces in subnet "subnet-0a1b2c3d4e5f60718" (InsufficientFreeAddressesInSubnet)'
)
REAL_STOPS: dict[str, dict[str, Any]] = {
    "image pull in a private subnet": {
        "stopCode": "TaskFailedToStart",
        "stoppedReason": IMAGE_PULL_TIMEOUT,
        "containers": [
            {"name": "worker", "reason": "CannotPullContainerError: " + IMAGE_PULL_TIMEOUT[26:80]}
        ],
    },
    "secrets": {"stopCode": "TaskFailedToStart", "stoppedReason": SECRETS_DENIED, "containers": []},
    "ENI limit": {"stopCode": "TaskFailedToStart", "stoppedReason": ENI_LIMIT, "containers": []},
    "Spot interruption": {
        "stopCode": "SpotInterruption",
        "stoppedReason": "Your Spot Task was interrupted.",
        "containers": [{"name": "worker", "exitCode": 143}],
    },
    "out of memory": {
        "stopCode": "EssentialContainerExited",
        "stoppedReason": "Essential container in task exited",
        "containers": [
            {
                "name": "ingest",
                "exitCode": 137,
                "reason": "OutOfMemoryError: Container killed due to memory usage",
            }
        ],
    },
    "quotes, backslashes and a line break": {
        "stopCode": "EssentialContainerExited",
        "stoppedReason": 'exec: "python": not found in C:\\app\\bin\nsee "docs"',
        "containers": [{"name": 'say "hi"', "exitCode": 1, "reason": 'bad \\"escape'}],
    },
    "non-ASCII": {
        "stopCode": "EssentialContainerExited",
        "stoppedReason": "Speicherüberschreitung ✗ — 内存不足",
        "containers": [{"name": "wörker", "exitCode": 2}],
    },
    "missing fields": {"stopCode": None, "stoppedReason": None, "containers": None, "group": None},
}


@pytest.mark.parametrize("quote_bare_strings", [True, False], ids=["quoted", "bare"])
@pytest.mark.parametrize("case", list(REAL_STOPS), ids=list(REAL_STOPS))
def test_any_stop_reason_reaches_the_reader_whole(case: str, quote_bare_strings: bool):
    detail = REAL_STOPS[case]
    event = stopped_event(**detail)
    assert alerts(event)  # each of these is worth a look
    text = alert_text(event, quote_bare_strings=quote_bare_strings)
    q = '"' if quote_bare_strings else ""

    # Every line of the message is there, in order, however many lines the values add.
    lines = text.split("\n")
    labels = [line.split("<", 1)[0] for line in stopped_task_message_lines(CONSOLE)]
    found = iter(lines)
    assert all(any(line.startswith(label) for line in found) for label in labels), text
    assert len(lines) == len(labels) + sum(
        str(value).count("\n")
        for value in [detail["stoppedReason"], *(c.get("reason") for c in detail["containers"] or [])]
        if value
    )
    assert lines[-1] == f"Console (stopped tasks of this cluster): {CONSOLE}"
    # ... and each value, character for character.
    reason = detail["stoppedReason"]
    expected_reason = f"Reason: {q}{reason}{q}" if reason else "Reason: "
    assert f"\n{expected_reason}\n" in text
    for index, container in enumerate(detail["containers"] or []):
        code = container.get("exitCode", "")
        expected = f"Container {index + 1}: {q}{container['name']}{q} exit code {code} "
        if "reason" in container:
            expected += f"{q}{container['reason']}{q}"
        assert f"\n{expected}\n" in text
    if detail["stopCode"]:
        assert f"\nStop code: {q}{detail['stopCode']}{q}\n" in text


def test_rule_and_target_stay_within_eventbridge_limits():
    # PutRule: EventPattern up to 4096 characters; InputTransformer: 100 paths, alphanumeric names,
    # InputTemplate up to 8192 characters. Cluster names are up to 255 characters.
    longest_cluster = "arn:aws:ecs:ap-southeast-2:123456789012:cluster/" + "x" * 255
    assert len(json.dumps(stopped_task_event_pattern(longest_cluster, DEFAULTS))) <= 4096
    paths = stopped_task_input_paths()
    assert len(paths) <= 100
    assert all(name.isalnum() for name in paths)
    console = cluster_tasks_console_url("ap-southeast-2", longest_cluster)
    assert len(stopped_task_input_template(console)) <= 8192
