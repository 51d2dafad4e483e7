"""The upload rule's key filter and input transformer, without Pulumi: what EventBridge matches and sends."""

import json
from pathlib import Path

import pytest

from ecs_event_patterns.patterns.upload_processing.object_created_events import (
    OBJECT_ENVIRONMENT,
    event_key_form,
    object_key_filters,
    run_task_overrides_transformer,
    wildcard_literal,
)
from tools.eventbridge import apply_input_transformer, matches

SAMPLE = json.loads((Path(__file__).parents[1] / "data" / "s3-object-created.json").read_text())


def event_for(key: str) -> dict:
    event: dict = json.loads(json.dumps(SAMPLE))
    event["detail"]["object"]["key"] = key
    return event


def key_pattern(prefix: str, suffixes: tuple[str, ...]) -> dict:
    filters = object_key_filters(prefix, suffixes)
    return {"detail": {"object": {"key": filters}}} if filters else {"source": ["aws.s3"]}


def test_prefix_and_suffixes_become_one_wildcard_each():
    assert object_key_filters("incoming/", (".csv", ".jsonl")) == [
        {"wildcard": "incoming/*.csv"},
        {"wildcard": "incoming/*.jsonl"},
    ]
    assert object_key_filters("incoming/", ()) == [{"prefix": "incoming/"}]
    assert object_key_filters("", (".csv",)) == [{"suffix": ".csv"}]
    assert object_key_filters("", ()) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("incoming/a.csv", True),
        ("incoming/2026/11/deep.jsonl", True),
        ("incoming/.csv", True),
        ("incoming/a.csv.gz", False),
        ("incoming/a.CSV", False),
        ("outgoing/a.csv", False),
        ("xincoming/a.csv", False),
        ("a.csv", False),
    ],
)
def test_key_filter_semantics(key: str, expected: bool):
    assert matches(key_pattern("incoming/", (".csv", ".jsonl")), event_for(key)) is expected


def test_filters_use_the_url_encoded_form_s3_sends():
    # S3 writes "my reports/é.csv" as "my+reports/%C3%A9.csv" in its events.
    assert event_key_form("my reports/é") == "my+reports/%C3%A9"
    pattern = key_pattern("my reports/", (".csv",))
    assert pattern["detail"]["object"]["key"] == [{"wildcard": "my+reports/*.csv"}]
    assert matches(pattern, event_for("my+reports/%C3%A9t%C3%A9.csv"))
    assert not matches(pattern, event_for("my reports/été.csv"))
    assert object_key_filters("a+b/", ()) == [{"prefix": "a%2Bb/"}]


@pytest.mark.parametrize("text", ["in*coming/", "in~coming/", "(1)/", "it's/"])
def test_characters_with_undocumented_encoding_are_refused(text: str):
    with pytest.raises(ValueError, match=r"S3 URL-encodes object keys in its events"):
        object_key_filters(text, (".csv",))
    with pytest.raises(ValueError, match=r"S3 URL-encodes object keys in its events"):
        object_key_filters("incoming/", (text,))


def test_an_empty_suffix_is_refused():
    with pytest.raises(ValueError, match=r"an empty suffix would match every key"):
        object_key_filters("incoming/", (".csv", ""))


def test_wildcard_literal_escapes_what_eventbridge_treats_as_special():
    assert wildcard_literal("a*b\\c") == "a\\*b\\\\c"
    pattern = {"detail": {"object": {"key": [{"wildcard": wildcard_literal("x*y\\") + "*.csv"}]}}}
    assert matches(pattern, event_for("x*y\\z.csv"))
    assert not matches(pattern, event_for("xAy\\z.csv"))


def test_input_transformer_yields_run_task_overrides_with_the_encoded_key():
    transformer = run_task_overrides_transformer("ingest")
    event = event_for("incoming/my+report%C3%A9.csv")

    overrides = json.loads(
        apply_input_transformer(transformer["input_paths"], transformer["input_template"], event)
    )

    assert overrides == {
        "containerOverrides": [
            {
                "name": "ingest",
                "environment": [
                    {"name": "BUCKET", "value": "DOC-EXAMPLE-BUCKET1"},
                    {"name": "OBJECT_KEY", "value": "incoming/my+report%C3%A9.csv"},
                    {"name": "OBJECT_SIZE", "value": "5"},
                    {"name": "OBJECT_ETAG", "value": "b1946ac92492d2347c6235b4d2611184"},
                    {"name": "OBJECT_SEQUENCER", "value": "617f08299329d189"},
                    {"name": "OBJECT_VERSION_ID", "value": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"},
                ],
            }
        ]
    }


def test_every_variable_reads_a_path_of_the_documented_event():
    for variable, path in OBJECT_ENVIRONMENT.items():
        node = SAMPLE
        for part in path.removeprefix("$.").split("."):
            assert part in node, (variable, path)
            node = node[part]
