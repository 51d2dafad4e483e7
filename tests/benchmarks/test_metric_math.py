"""The metric math evaluator: CloudWatch's operators, IF, FILL and missing data points."""

from __future__ import annotations

import pytest

from benchmarks.scaling.metric_math import ExpressionError, evaluate

PROGRAM_BACKLOG = "IF(FILL(in_flight, 0) > 0 AND per_task < 0.001, 0.001, per_task)"


@pytest.mark.parametrize(
    ("expression", "values", "expected"),
    [
        ("1 + 2 * 3 - -1", {}, 8.0),
        ("(1 + 2) * 3 / 2", {}, 4.5),
        ("a > 1 AND b < 1", {"a": 2, "b": 0}, 1.0),
        ("a > 1 && b < 1", {"a": 2, "b": 1}, 0.0),
        ("a > 1 OR b < 1", {"a": 0, "b": 0}, 1.0),
        ("NOT a", {"a": 0}, 1.0),
        ("a == 2", {"a": 2}, 1.0),
        ("a != 2", {"a": 2}, 0.0),
        ("a <= 2 AND a >= 2", {"a": 2}, 1.0),
        ("IF(tasks > 0, visible / tasks, visible)", {"tasks": 4, "visible": 10}, 2.5),
        ("IF(tasks > 0, visible / tasks, visible)", {"tasks": 0, "visible": 10}, 10),
        ("FILL(desired, 0)", {"desired": None}, 0),
        ("IF(FILL(desired, 0) < 1, visible, 0)", {"desired": None, "visible": 3}, 3),
        ("IF(FILL(desired, 0) < 1, visible, 0)", {"desired": 2, "visible": 3}, 0),
        (PROGRAM_BACKLOG, {"in_flight": 3, "per_task": 0}, 0.001),
        (PROGRAM_BACKLOG, {"in_flight": None, "per_task": 0}, 0),
        (PROGRAM_BACKLOG, {"in_flight": 3, "per_task": 7}, 7),
    ],
)
def test_values(expression, values, expected):
    assert evaluate(expression, values) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("expression", "values"),
    [
        ("visible + in_flight", {"visible": None, "in_flight": 2}),
        ("IF(FILL(desired, 0) < 1, visible, 0)", {"desired": None, "visible": None}),
        ("IF(a > 0, 1, 2)", {"a": None}),
        ("IF(a > 0, 1)", {"a": 0}),
        ("a / b", {"a": 1, "b": 0}),
        ("a > 1 AND b", {"a": 2, "b": None}),
    ],
)
def test_missing_data_stays_missing(expression, values):
    assert evaluate(expression, values) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("visible +", "expected a value, found the end"),
        ("unknown * 2", "no query with id 'unknown'"),
        ("SUM(a)", "SUM with 1 arguments is not supported"),
        ("a ? b", "cannot read '? b'"),
        ("(a", "expected ), found the end"),
        ("a b", "unexpected 'b'"),
    ],
)
def test_bad_expressions_are_named(expression, message):
    with pytest.raises(ExpressionError) as error:
        evaluate(expression, {"a": 1, "b": 2, "visible": 1})
    assert message in str(error.value)
