"""The events the demo puts in front of rules: S3's in AWS's shape, ECS's as ECS documents it."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools import eventbridge
from tools.demo import task_events
from tools.demo.s3_events import Sequencers, to_aws_shape

DATA = Path(__file__).resolve().parents[1] / "data"


def moto_event(key: str) -> dict[str, Any]:
    return {
        "version": "0",
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {
            "version": "0",
            "bucket": {"name": "uploads"},
            "object": {"key": key, "size": 5, "eTag": '"b1946ac9"', "version-id": "null", "sequencer": "X"},
            "request-id": "R",
            "requester": "123456789012",
            "reason": "ObjectCreated",
        },
    }


def test_moto_s3_events_get_aws_field_names_encoded_keys_and_increasing_sequencers():
    sequencers = Sequencers()
    first = to_aws_shape(moto_event("incoming/Q3 résumé.csv"), sequencers)
    second = to_aws_shape(moto_event("incoming/Q3 résumé.csv"), sequencers)
    assert first["detail"]["object"] == {
        "key": "incoming/Q3+r%C3%A9sum%C3%A9.csv",
        "size": 5,
        "etag": "b1946ac9",
        "sequencer": first["detail"]["object"]["sequencer"],
    }
    assert first["detail"]["reason"] == "PutObject"
    assert second["detail"]["object"]["sequencer"] > first["detail"]["object"]["sequencer"]
    assert len(second["detail"]["object"]["sequencer"]) == 16


def test_an_event_already_in_aws_shape_is_kept():
    documented = json.loads((DATA / "s3-object-created.json").read_text())
    assert to_aws_shape(documented, Sequencers()) == documented


def stopped(stop: tuple[str, str], exit_code: int, group: str = "family:ingest") -> task_events.StoppedTask:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    return task_events.StoppedTask(
        cluster_arn="arn:aws:ecs:us-east-1:1:cluster/c",
        task_arn="arn:aws:ecs:us-east-1:1:task/c/0123456789abcdef0123456789abcdef",
        task_definition_arn="arn:aws:ecs:us-east-1:1:task-definition/ingest:1",
        group=group,
        started_by="events-rule/r",
        launch_type="FARGATE",
        cpu="256",
        memory="512",
        stop_code=stop[0],
        stopped_reason=stop[1],
        containers=[task_events.StoppedContainer("ingest", "img", exit_code)],
        created_at=moment,
        stopped_at=moment,
        overrides={"containerOverrides": [{"name": "ingest"}]},
    )


def test_the_stopped_event_has_the_documented_fields_and_nesting():
    documented = json.loads((DATA / "ecs-task-stopped.json").read_text())["detail"]
    detail = task_events.detail(stopped(task_events.ESSENTIAL_CONTAINER_EXITED, 3))
    missing = set(documented) - set(detail)
    assert missing <= {"availabilityZone", "connectivity", "connectivityAt", "pullStartedAt", "pullStoppedAt"}
    assert set(detail["containers"][0]) == set(documented["containers"][0])
    assert (detail["stopCode"], detail["containers"][0]["exitCode"]) == ("EssentialContainerExited", 3)
    entry = task_events.entry(stopped(task_events.ESSENTIAL_CONTAINER_EXITED, 3))
    assert (entry["Source"], entry["DetailType"]) == ("aws.ecs", "ECS Task State Change")


def test_a_documented_pattern_tells_a_failed_task_from_a_clean_one():
    pattern = {"source": ["aws.ecs"], "detail": {"containers": {"exitCode": [{"anything-but": [0]}]}}}

    def event(task: task_events.StoppedTask) -> dict[str, Any]:
        return {
            "source": "aws.ecs",
            "detail-type": "ECS Task State Change",
            "detail": task_events.detail(task),
        }

    assert eventbridge.matches(pattern, event(stopped(task_events.ESSENTIAL_CONTAINER_EXITED, 1)))
    assert not eventbridge.matches(pattern, event(stopped(task_events.ESSENTIAL_CONTAINER_EXITED, 0)))
