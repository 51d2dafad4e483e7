"""Schedule expressions as EventBridge Scheduler reads them."""

import pytest

from ecs_event_patterns.config.schedule_expression import schedule_problem


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(2 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 8 ? * MON-FRI *)",
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(*/10 * * * ? *)",
        "cron(0 9 1,15 * ? *)",
        "cron(0 18 ? * 6L 2027)",
        "cron(0 12 ? * 2#1 *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 ? JAN-MAR,DEC sun *)",
        "cron(59 23 31 12 ? 2199)",
        "at(2027-01-01T00:00:00)",
        "at(2028-02-29T23:59:59)",
    ],
)
def test_valid_expressions(expression):
    assert schedule_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        (
            "rate(0 minutes)",
            "is not a valid rate(...) expression: the value '0' must be a positive whole number",
        ),
        (
            "rate(1.5 hours)",
            "is not a valid rate(...) expression: the value '1.5' must be a positive whole number",
        ),
        (
            "rate(2 weeks)",
            "is not a valid rate(...) expression: the unit 'weeks' must be one of minute, minutes, hour, "
            "hours, day, days",
        ),
        (
            "rate(hour)",
            "is not a valid rate(...) expression: expected rate(value unit), such as rate(1 hour) or "
            "rate(15 minutes)",
        ),
        (
            "rate(1 minutes)",
            "is not a valid rate(...) expression: write rate(1 minute); a value of 1 takes the singular unit",
        ),
        (
            "cron(60 8 ? * * *)",
            "is not a valid cron(...) expression: minutes '60': '60' is not a valid minutes value (0-59)",
        ),
        (
            "cron(0 24 ? * * *)",
            "is not a valid cron(...) expression: hours '24': '24' is not a valid hours value (0-23)",
        ),
        (
            "cron(0 8 32 * ? *)",
            "is not a valid cron(...) expression: day-of-month '32': '32' is not a valid day-of-month value "
            "(1-31)",
        ),
        (
            "cron(0 8 ? 13 MON *)",
            "is not a valid cron(...) expression: month '13': '13' is not a valid month value "
            "(1-12 or JAN-DEC)",
        ),
        (
            "cron(0 8 ? * FUN *)",
            "is not a valid cron(...) expression: day-of-week 'FUN': 'FUN' is not a valid "
            "day-of-week value (1-7 or SUN-SAT)",
        ),
        (
            "cron(0 8 * * ? 1969)",
            "is not a valid cron(...) expression: year '1969': '1969' is not a valid year value (1970-2199)",
        ),
        (
            "cron(? 8 * * ? *)",
            "is not a valid cron(...) expression: day-of-month '*' and day-of-week '?': "
            "exactly one of them must be '?' (the Scheduler cannot use both)"
            if False
            else "is not a valid cron(...) expression: minutes '?': '?' is allowed only in day-of-month "
            "and day-of-week",
        ),
        (
            "cron(0 8 ? * ? *)",
            "is not a valid cron(...) expression: day-of-month '?' and day-of-week '?': "
            "exactly one of them must be '?' (the Scheduler cannot use both)",
        ),
        (
            "cron(0/0 8 * * ? *)",
            "is not a valid cron(...) expression: minutes '0/0': the step '0' after '/' must "
            "be a whole number from 1 to 59",
        ),
        (
            "cron(0 8 ? * 2#6 *)",
            "is not a valid cron(...) expression: day-of-week '2#6': the week '6' after '#' must be 1 to 5",
        ),
        (
            "cron(0 8 ? * 2#1,3#1 *)",
            "is not a valid cron(...) expression: day-of-week '2#1,3#1': a day-of-week "
            "with '#' must be the only value of the field",
        ),
        (
            "at(2027-01-01 00:00:00)",
            "is not a valid at(...) expression: expected at(yyyy-mm-ddThh:mm:ss), such "
            "as at(2027-01-01T00:00:00)",
        ),
        (
            "at(2027-01-01T24:00:00)",
            "is not a valid at(...) expression: 2027-01-01T24:00:00 is not a date and time that exists",
        ),
        ("RATE(1 hour)", "is not a rate(...), cron(...) or at(...) expression"),
        ("0 8 * * *", "is not a rate(...), cron(...) or at(...) expression"),
    ],
)
def test_invalid_expressions(expression, problem):
    assert schedule_problem(expression) == problem
