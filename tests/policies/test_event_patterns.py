"""The pack's EventBridge pattern evaluator: each operator matching and not, checked against moto's
evaluator where moto is faithful, and the differences where it is not."""

import json
from typing import Any, cast

import pytest
from moto.events.models import EventPattern

from policies.ecs_guardrails.rules import event_patterns

ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/jobs"


def event(cluster_arn: str = ARN, **detail: object) -> dict:
    return {
        "source": "aws.ecs",
        "detail-type": "ECS Task State Change",
        "detail": {
            "lastStatus": "STOPPED",
            "clusterArn": cluster_arn,
            "containers": [{"exitCode": 1}],
            **detail,
        },
    }


def moto_matches(pattern: dict, candidate: dict) -> bool:
    """moto's evaluator, a second opinion (its event type is a TypedDict of its own)."""
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(cast(Any, candidate)))


def cluster(*filters: object) -> dict[str, object]:
    return {"source": ["aws.ecs"], "detail": {"clusterArn": list(filters)}}


CASES = [
    (cluster(ARN), True),
    (cluster(ARN + "-other"), False),
    (cluster("jobs"), False),
    (cluster({"prefix": "arn:aws:ecs:us-east-1:123456789012:cluster/"}), True),
    (cluster({"prefix": "arn:aws:ecs:eu-west-1:"}), False),
    (cluster({"prefix": {"equals-ignore-case": "ARN:AWS:ECS:"}}), True),
    (cluster({"suffix": "/jobs"}), True),
    (cluster({"suffix": "/job"}), False),
    (cluster({"suffix": {"equals-ignore-case": "/JOBS"}}), True),
    (cluster({"equals-ignore-case": ARN.upper()}), True),
    (cluster({"wildcard": "arn:aws:ecs:*:123456789012:cluster/jobs"}), True),
    (cluster({"wildcard": "arn:aws:ecs:*:123456789012:cluster/j*b"}), False),
    (cluster({"anything-but": ARN}), False),
    (cluster({"anything-but": [ARN + "-a", ARN + "-b"]}), True),
    (cluster({"anything-but": {"prefix": "arn:aws:ecs:us-east-1"}}), False),
    (cluster({"anything-but": {"suffix": "/other"}}), True),
    (cluster({"exists": True}), True),
    (cluster({"exists": False}), False),
    (cluster("nope", ARN), True),
    ({"detail": {"$or": [{"clusterArn": [ARN]}, {"group": ["family:x"]}]}}, True),
    ({"detail": {"$or": [{"clusterArn": ["x"]}, {"group": ["family:x"]}]}}, False),
    ({"$or": [{"source": ["aws.s3"]}, {"detail": {"clusterArn": [{"suffix": "/jobs"}]}}]}, True),
    ({"detail": {"stopCode": [{"exists": False}]}}, True),
    ({"detail": {"stopCode": [{"anything-but": "UserInitiated"}]}}, False),
    ({"detail": {"lastStatus": ["STOPPED"], "group": [{"prefix": "family:"}]}}, False),
]


@pytest.mark.parametrize(("pattern", "expected"), CASES, ids=[json.dumps(case[0]) for case in CASES])
def test_operator_matches_as_eventbridge_and_moto_agree(pattern, expected):
    assert event_patterns.matches(pattern, event()) is expected
    assert moto_matches(pattern, event()) is expected


def test_only_the_named_fields_count():
    pattern = {"source": ["aws.ecs"], "detail": {"clusterArn": ["x"], "stopCode": ["TaskFailedToStart"]}}
    assert event_patterns.matches(pattern, event(), only={("source",)})
    assert not event_patterns.matches(pattern, event(), only={("detail", "clusterArn")})
    assert event_patterns.matches(pattern, event("x"), only={("detail", "clusterArn")})
    branches = {"detail": {"$or": [{"stopCode": ["A"]}, {"clusterArn": ["x"]}]}}
    assert event_patterns.matches(branches, event(), only={("source",)})


def test_escaped_star_in_a_wildcard_is_literal():
    assert event_patterns.matches(cluster({"wildcard": r"arn:\*"}), event("arn:*"))
    assert not event_patterns.matches(cluster({"wildcard": r"arn:\*"}), event("arn:aws"))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (cluster({"prefx": "arn:"}), "detail.clusterArn: unknown operator 'prefx'"),
        ({"detail": {"clusterArn": ARN}}, "detail.clusterArn must be an object or an array"),
        ({"detail": {"clusterArn": []}}, "detail.clusterArn: empty arrays are not allowed"),
        (cluster({"numeric": [">", "1"]}), "numeric operators are"),
        (cluster({"exists": "yes"}), "exists takes true or false"),
        ({"$or": [{"source": ["aws.ecs"]}]}, "$or takes an array of at least two patterns"),
    ],
)
def test_patterns_eventbridge_rejects_are_errors(pattern, message):
    with pytest.raises(event_patterns.PatternError, match=message.replace("$", r"\$")):
        event_patterns.matches(pattern, event())


def test_moto_differs_from_eventbridge():
    """Why the pack does not use moto's evaluator: a misspelt operator matches everything there, and fields of
    objects inside arrays (each container's exit code) match nothing."""
    assert moto_matches(cluster({"prefx": "nothing"}), event())
    exit_code = {"detail": {"containers": {"exitCode": [{"numeric": [">", 0]}]}}}
    assert not moto_matches(exit_code, event())
    assert event_patterns.matches(exit_code, event())


@pytest.mark.parametrize(("exit_codes", "expected"), [([">", 0], True), ([">", 0, "<=", 0.5], False)])
def test_numeric_ranges_and_objects_inside_arrays(exit_codes, expected):
    pattern = {"detail": {"containers": {"exitCode": [{"numeric": exit_codes}]}}}
    assert event_patterns.matches(pattern, event()) is expected
    assert event_patterns.matches({"detail": {"containers": {"exitCode": [1.0]}}}, event())


def test_parse_names_what_is_wrong():
    with pytest.raises(event_patterns.PatternError, match="not valid JSON"):
        event_patterns.parse("{")
    with pytest.raises(event_patterns.PatternError, match="not a JSON object"):
        event_patterns.parse("[]")
