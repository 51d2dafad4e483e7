"""EventBridge Scheduler schedule expressions, checked as the Scheduler reads them.

`rate(value unit)`: a positive whole number and minute(s), hour(s) or day(s), singular exactly when the value
is 1. `cron(minutes hours day-of-month month day-of-week year)`: six fields; exactly one of day-of-month and
day-of-week is `?`. `at(yyyy-mm-ddThh:mm:ss)`: one run at that local time of the schedule's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_RATE_UNITS = {"minute": "minutes", "hour": "hours", "day": "days"}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_EXPRESSION = re.compile(r"(rate|cron|at)\((.*)\)", re.DOTALL)
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


@dataclass(frozen=True)
class _CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Names for low, low+1, ... (JAN=1, SUN=1)."""
    question_mark: bool = False
    """`?` (no specific value) is allowed: only day-of-month and day-of-week."""


_MINUTES = _CronField("minutes", 0, 59)
_HOURS = _CronField("hours", 0, 23)
_DAY_OF_MONTH = _CronField("day-of-month", 1, 31, question_mark=True)
_MONTH = _CronField("month", 1, 12, names=_MONTHS)
_DAY_OF_WEEK = _CronField("day-of-week", 1, 7, names=_WEEKDAYS, question_mark=True)
_YEAR = _CronField("year", 1970, 2199)
_CRON_FIELDS = (_MINUTES, _HOURS, _DAY_OF_MONTH, _MONTH, _DAY_OF_WEEK, _YEAR)


def schedule_problem(expression: str) -> str | None:
    """Why `expression` is not a schedule expression the Scheduler accepts, or None when it is one."""
    match = _EXPRESSION.fullmatch(expression)
    if match is None:
        return "is not a rate(...), cron(...) or at(...) expression"
    kind, body = match.groups()
    detail = {"rate": _rate_problem, "cron": _cron_problem, "at": _at_problem}[kind](body)
    return None if detail is None else f"is not a valid {kind}(...) expression: {detail}"


def _rate_problem(body: str) -> str | None:
    parts = body.split()
    if len(parts) != 2:
        return "expected rate(value unit), such as rate(1 hour) or rate(15 minutes)"
    value, unit = parts
    if not value.isdigit() or int(value) < 1:
        return f"the value {value!r} must be a positive whole number"
    singular = next((s for s, plural in _RATE_UNITS.items() if unit in (s, plural)), None)
    if singular is None:
        return f"the unit {unit!r} must be one of minute, minutes, hour, hours, day, days"
    expected = singular if int(value) == 1 else _RATE_UNITS[singular]
    if unit != expected:
        number = "singular" if int(value) == 1 else "plural"
        return f"write rate({int(value)} {expected}); a value of {int(value)} takes the {number} unit"
    return None


def _at_problem(body: str) -> str | None:
    if not _AT.fullmatch(body):
        return "expected at(yyyy-mm-ddThh:mm:ss), such as at(2027-01-01T00:00:00)"
    try:
        # A naive time on purpose: the Scheduler reads it in the schedule's own time zone.
        datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return f"{body} is not a date and time that exists"
    return None


def _cron_problem(body: str) -> str | None:
    values = body.split()
    if len(values) != len(_CRON_FIELDS):
        return (
            f"expected 6 fields (minutes hours day-of-month month day-of-week year), got {len(values)}; "
            "for example cron(0 8 ? * MON-FRI *)"
        )
    day_of_month, day_of_week = values[2], values[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return (
            f"day-of-month {day_of_month!r} and day-of-week {day_of_week!r}: exactly one of them must be '?' "
            "(the Scheduler cannot use both)"
        )
    for field, value in zip(_CRON_FIELDS, values, strict=True):
        problem = _cron_field_problem(field, value)
        if problem is not None:
            return f"{field.name} {value!r}: {problem}"
    return None


def _cron_field_problem(field: _CronField, value: str) -> str | None:
    if value == "?":
        return None if field.question_mark else "'?' is allowed only in day-of-month and day-of-week"
    items = value.split(",")
    if field is _DAY_OF_WEEK and "#" in value and len(items) > 1:
        return "a day-of-week with '#' must be the only value of the field"
    for item in items:
        problem = _cron_item_problem(field, item)
        if problem is not None:
            return problem
    return None


def _cron_item_problem(field: _CronField, item: str) -> str | None:
    upper = item.upper()
    if field is _DAY_OF_MONTH and upper in ("L", "LW"):
        return None
    if field is _DAY_OF_MONTH and upper.endswith("W"):
        return _value_problem(field, upper[:-1])
    if field is _DAY_OF_WEEK and upper == "L":
        return None
    if field is _DAY_OF_WEEK and upper.endswith("L"):
        return _value_problem(field, upper[:-1])
    if field is _DAY_OF_WEEK and "#" in upper:
        day, _, nth = upper.partition("#")
        if nth not in ("1", "2", "3", "4", "5"):
            return f"the week {nth!r} after '#' must be 1 to 5"
        return _value_problem(field, day)
    base, slash, step = upper.partition("/")
    if slash and (not step.isdigit() or not 1 <= int(step) <= field.high):
        return f"the step {step!r} after '/' must be a whole number from 1 to {field.high}"
    if base == "*":
        return None
    first, dash, last = base.partition("-")
    return _value_problem(field, first) or (_value_problem(field, last) if dash else None)


def _value_problem(field: _CronField, value: str) -> str | None:
    if value in field.names:
        return None
    if value.isdigit() and field.low <= int(value) <= field.high:
        return None
    names = f" or {field.names[0]}-{field.names[-1]}" if field.names else ""
    return f"{value!r} is not a valid {field.name} value ({field.low}-{field.high}{names})"
