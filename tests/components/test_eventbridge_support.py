"""The offline EventBridge model the component tests rely on: it must follow AWS's documented behaviour."""

import json
from typing import Any

import pytest

from tools.eventbridge import apply_input_transformer, matches, resolve_path, text_lines

# The EC2 example of the EventBridge user guide ("Amazon EventBridge input transformation").
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING", "attempts": 2, "tags": [{"k": "v"}]},
}
PATHS = {"instance": "$.detail.instance-id", "state": "$.detail.state"}


def test_documented_examples():
    assert apply_input_transformer(PATHS, '"instance <instance> is in <state>"', EC2_EVENT) == (
        '"instance i-0123456789 is in RUNNING"'
    )
    assert json.loads(
        apply_input_transformer(PATHS, '{"instance" : <instance>, "state": <state>}', EC2_EVENT)
    ) == {
        "instance": "i-0123456789",
        "state": "RUNNING",
    }
    mixed = '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}'
    assert apply_input_transformer(PATHS, mixed, EC2_EVENT) == (
        '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}'
    )


def test_values_inside_quotes_are_text_and_outside_are_json():
    paths = {"attempts": "$.detail.attempts", "tags": "$.detail.tags", "instance": "$.detail.instance-id"}
    template = (
        '{"n": <attempts>, "text": "<attempts> tries, tags <tags>", "tags": <tags>, "id": "<instance>"}'
    )
    assert json.loads(apply_input_transformer(paths, template, EC2_EVENT)) == {
        "n": 2,
        "text": "2 tries, tags [{k:v}]",
        "tags": [{"k": "v"}],
        "id": "i-0123456789",
    }


def test_values_are_inserted_unescaped():
    """ "EventBridge doesn't escape values extracted by Input Path": a quote in a value ends the string."""
    event = {"detail": {"reason": 'failed to resolve "img:1"'}}
    out = apply_input_transformer({"reason": "$.detail.reason"}, '"Reason: <reason>"', event)
    assert out == '"Reason: failed to resolve "img:1""'
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
    with pytest.raises(ValueError, match="not valid JSON"):
        apply_input_transformer({"reason": "$.detail.reason"}, '{"reason": "<reason>"}', event)
    # Outside quotes a string gets quotes (documented for JSON templates), still unescaped.
    assert apply_input_transformer({"reason": "$.detail.reason"}, "Reason: <reason>", event) == (
        'Reason: "failed to resolve "img:1""'
    )


def test_a_text_template_gives_text():
    out = apply_input_transformer(
        PATHS, "<instance> is in state <state>", EC2_EVENT, quote_bare_strings=False
    )
    assert out == "i-0123456789 is in state RUNNING"


def test_missing_paths_leave_no_text():
    template = '"a=<missing>;"\n"b=<state>"'
    out = apply_input_transformer({"missing": "$.detail.nothing[3].x", **PATHS}, template, EC2_EVENT)
    assert text_lines(out) == ["a=;", "b=RUNNING"]
    with pytest.raises(ValueError, match="not valid JSON"):
        apply_input_transformer({"missing": "$.detail.nothing"}, '{"value": <missing>}', EC2_EVENT)


def test_paths_support_indices_wildcards_and_reject_brackets():
    assert resolve_path(EC2_EVENT, "$.resources[0]") == EC2_EVENT["resources"][0]
    assert resolve_path(EC2_EVENT, "$.detail.tags[*].k") == ["v"]
    assert resolve_path(EC2_EVENT, "$") == EC2_EVENT
    with pytest.raises(ValueError, match="does not support"):
        resolve_path(EC2_EVENT, "$['detail']")


def test_whole_event_and_unknown_angle_brackets():
    out = apply_input_transformer({}, '{"event": <aws.events.event.json>, "note": "<b>bold</b>"}', EC2_EVENT)
    assert json.loads(out) == {"event": EC2_EVENT, "note": "<b>bold</b>"}


def test_arrays_of_objects_match_when_any_element_does():
    event = {"detail": {"containers": [{"exitCode": 0}, {"exitCode": 137}, {"name": "never-started"}]}}
    assert matches({"detail": {"containers": {"exitCode": [137]}}}, event)
    assert matches({"detail": {"containers": {"exitCode": [{"anything-but": [0]}]}}}, event)
    assert not matches({"detail": {"containers": {"exitCode": [{"exists": False}]}}}, event)
    assert not matches({"detail": {"containers": {"exitCode": [1]}}}, event)
    assert matches(
        {"detail": {"containers": {"exitCode": [{"exists": False}]}}}, {"detail": {"containers": []}}
    )


def test_reserved_variables_this_model_lacks_are_refused():
    with pytest.raises(ValueError, match=r"<aws.events.rule-name> is a reserved variable"):
        apply_input_transformer({}, '"<aws.events.rule-name> triggered"', EC2_EVENT)
