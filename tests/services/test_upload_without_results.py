"""The upload runtime without a results table (`RESULTS_TABLE` unset: the pattern's `store_results: false`),
with a team's handler from tests/fixtures/handlers run as a subprocess against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.services.support import Aws, assert_bad_setting_named, create_results_table, run
from tests.services.test_team_handlers import BUCKET, TABLE, result_item, upload_env

KEY = "incoming/three lines.txt"
OWN_OUTPUT = "team_jobs.upload:count_to_own_bucket"


@pytest.fixture
def s3(aws: Aws) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def without_table(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != "RESULTS_TABLE"}


def own_output(s3: Any) -> dict[str, Any]:
    body = s3.get_object(Bucket=BUCKET, Key=f"counts/{KEY}.json")["Body"].read()
    output: dict[str, Any] = json.loads(body)
    return output


def test_a_handler_returning_none_runs_with_no_table(aws: Aws, s3: Any) -> None:
    env = without_table(upload_env(aws, s3, KEY, b"a\nb\nc\n", handler=OWN_OUTPUT))

    finished = run("ecs_runtime.upload", env)

    assert finished.returncode == 0, finished
    assert own_output(s3) == {"key": KEY, "lines": 3}
    assert finished.event("object.processed")["bytes_read"] == 6
    assert finished.events("result.written") == []
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_without_a_table_every_event_runs_the_handler_duplicates_too(aws: Aws, s3: Any) -> None:
    env = without_table(upload_env(aws, s3, KEY, b"a\nb\nc\n", handler=OWN_OUTPUT))

    first, again = run("ecs_runtime.upload", env), run("ecs_runtime.upload", env)

    assert (first.returncode, again.returncode) == (0, 0)
    assert [len(f.events("object.processed")) for f in (first, again)] == [1, 1]
    assert again.events("event.skipped") == []


def test_attributes_with_no_table_to_store_them_are_an_error_that_keeps_them(aws: Aws, s3: Any) -> None:
    env = without_table(upload_env(aws, s3, KEY, b"a\nb\nc\n"))  # team_jobs.upload:count returns attributes

    finished = run("ecs_runtime.upload", env)

    assert finished.returncode == 1, finished
    line = finished.event("result.unstorable")
    assert line["level"] == "error"
    assert line["reason"] == (
        "the handler returned attributes ['lines', 'seen_key'] and there is no results table to store them "
        "in (RESULTS_TABLE is unset: the pattern's upload.store_results is false); return None from the "
        "handler, or set upload.store_results to true"
    )
    assert line["attributes"] == {"lines": 3, "seen_key": KEY}
    assert finished.events("object.processed") == []


def test_a_missing_object_with_no_table_is_exit_4_and_logged(aws: Aws, s3: Any) -> None:
    env = without_table(upload_env(aws, s3, KEY, b"a\n", handler=OWN_OUTPUT))
    s3.delete_object(Bucket=BUCKET, Key=KEY)

    finished = run("ecs_runtime.upload", env)

    assert finished.returncode == 4, finished
    assert "detail" in finished.event("object.missing")


def test_a_results_table_name_that_is_not_one_is_still_a_bad_setting(aws: Aws, s3: Any) -> None:
    env = upload_env(aws, s3, KEY, b"a\n", handler=OWN_OUTPUT)
    assert_bad_setting_named("ecs_runtime.upload", env, {"RESULTS_TABLE": "ab"}, "RESULTS_TABLE")


def test_with_a_table_a_handler_returning_none_records_the_object_as_processed(aws: Aws, s3: Any) -> None:
    create_results_table(aws.client("dynamodb"), TABLE)

    finished = run("ecs_runtime.upload", upload_env(aws, s3, KEY, b"a\nb\n", handler=OWN_OUTPUT))

    assert finished.returncode == 0, finished
    item = result_item(aws, KEY)
    assert item is not None
    assert item["status"] == "processed"
    assert not {"lines", "seen_key"} & set(item)
    assert own_output(s3) == {"key": KEY, "lines": 2}
