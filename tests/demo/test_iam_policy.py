"""The IAM evaluator the least-privilege check relies on: IAM's documented rules, each able to fail."""

from typing import Any

import pytest

from tools.demo.iam_policy import PolicyError, Statement, evaluate, statements, wildcard_match

BUCKET = "arn:aws:s3:::my.bucket"


def policy(*statement: dict[str, Any]) -> list[Statement]:
    return statements([{"Version": "2012-10-17", "Statement": list(statement)}])


def allow(action: str, resource: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        found["Condition"] = condition
    return found


def test_wildcards_are_iam_globs_not_regular_expressions():
    assert wildcard_match("arn:aws:s3:::my.bucket/in/*", "arn:aws:s3:::my.bucket/in/a b.csv")
    assert not wildcard_match("arn:aws:s3:::my.bucket/*", "arn:aws:s3:::myxbucket/a")  # `.` is literal
    assert wildcard_match("s3:Get?bject", "s3:GetObject")
    assert not wildcard_match("s3:Get?bject", "s3:GetXXObject")


def test_actions_compare_case_insensitively_resources_case_sensitively():
    document = policy(allow("S3:getobject", f"{BUCKET}/in/*"))
    assert evaluate(document, "s3:GetObject", f"{BUCKET}/in/a", {}).allowed
    assert not evaluate(document, "s3:GetObject", f"{BUCKET}/IN/a", {}).allowed


def test_a_condition_that_does_not_hold_is_an_implicit_deny_not_an_explicit_one():
    document = policy(
        allow("s3:ListBucket", BUCKET, {"StringLike": {"s3:prefix": ["input/*", "done/*"]}}),
        allow("s3:ListBucket", BUCKET, {"StringEquals": {"s3:prefix": "other/"}}),
    )
    assert evaluate(document, "s3:ListBucket", BUCKET, {"s3:prefix": "done/x"}).statement == 0
    assert evaluate(document, "s3:ListBucket", BUCKET, {"s3:prefix": "other/"}).statement == 1
    assert not evaluate(document, "s3:ListBucket", BUCKET, {"s3:prefix": "reports/"}).allowed
    assert not evaluate(document, "s3:ListBucket", BUCKET, {}).allowed  # a missing key fails the condition


def test_if_exists_and_negated_operators_hold_without_the_key():
    document = policy(allow("s3:ListBucket", BUCKET, {"StringLikeIfExists": {"s3:prefix": "input/*"}}))
    assert evaluate(document, "s3:ListBucket", BUCKET, {}).allowed
    negated = policy(allow("s3:ListBucket", BUCKET, {"StringNotLike": {"s3:prefix": "secret/*"}}))
    assert evaluate(negated, "s3:ListBucket", BUCKET, {}).allowed
    assert not evaluate(negated, "s3:ListBucket", BUCKET, {"s3:prefix": "secret/a"}).allowed


def test_an_explicit_deny_wins_and_not_action_and_not_resource_exclude():
    document = policy(
        allow("s3:*", f"{BUCKET}/*"),
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/*"},
        {"Effect": "Allow", "NotAction": "s3:*", "NotResource": "arn:aws:sqs:*:*:private"},
    )
    assert not evaluate(document, "s3:DeleteObject", f"{BUCKET}/a", {}).allowed
    assert evaluate(document, "s3:PutObject", f"{BUCKET}/a", {}).allowed
    assert evaluate(document, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:public", {}).allowed
    assert not evaluate(document, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:private", {}).allowed


def test_an_unknown_condition_operator_is_an_error_not_a_guess():
    document = policy(allow("s3:GetObject", "*", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}))
    with pytest.raises(PolicyError, match="DateGreaterThan"):
        evaluate(document, "s3:GetObject", f"{BUCKET}/a", {"aws:CurrentTime": "x"})
