"""Which job patterns a stack deploys: `upload.enabled`, `batch.enabled`, `queue.enabled` (issue 9)."""

import pytest

from ecs_event_patterns.config.settings import (
    JOB_PATTERNS,
    BatchSettings,
    Environment,
    QueueSettings,
    SettingsError,
    StackSettings,
    UploadSettings,
)
from ecs_event_patterns.config.stack_config import parse_stack_config
from tests.config.conftest import Problems

NONE_ENABLED = (
    "upload.enabled/batch.enabled/queue.enabled: all false; a stack deploys at least one job pattern (without "
    "one it would be a network, a cluster and an alert topic with nothing to run): enable one, e.g. "
    "`pulumi config set --path 'queue.enabled' true`, or remove the stack with `pulumi destroy` and "
    "`pulumi stack rm`"
)
PROD = {"alerts": {"emails": ["oncall@example.com"]}}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_pattern_is_enabled_by_default(stack: str):
    settings = parse_stack_config(PROD if stack == "prod" else {}, stack)

    assert [getattr(settings, name).enabled for name in JOB_PATTERNS] == [True, True, True]


def test_a_pattern_is_disabled_with_the_string_the_cli_stores():
    settings = parse_stack_config({"queue": {"enabled": "false"}, "batch": {"enabled": False}}, "dev")

    assert (settings.upload.enabled, settings.batch.enabled, settings.queue.enabled) == (True, False, False)


def test_no_job_pattern_at_all_is_an_error_naming_the_three_keys(problems_of: Problems):
    raw = {name: {"enabled": False} for name in JOB_PATTERNS}

    assert problems_of(raw) == [NONE_ENABLED]


def test_no_job_pattern_is_an_error_in_code_too():
    with pytest.raises(SettingsError) as caught:
        StackSettings(
            environment=Environment.DEV,
            upload=UploadSettings(enabled=False),
            batch=BatchSettings(enabled=False),
            queue=QueueSettings(enabled=False),
        )

    assert [p.involves for p in caught.value.problems] == [
        ("upload.enabled", "batch.enabled", "queue.enabled")
    ]


def test_a_wrong_switch_is_named_and_does_not_also_count_as_disabled(problems_of: Problems):
    raw = {"upload": {"enabled": "yes"}, "batch": {"enabled": False}, "queue": {"enabled": False}}

    assert problems_of(raw) == ['upload.enabled: "yes" is not true or false']


def test_a_disabled_patterns_settings_are_kept_and_still_checked(problems_of: Problems):
    """Turning a pattern off keeps its tuned settings (allowed), and turning it on again never surfaces a
    stale error, because they are validated while it is off."""
    settings = parse_stack_config({"batch": {"enabled": False, "schedule": "rate(2 hours)"}}, "dev")
    assert (settings.batch.enabled, settings.batch.schedule) == (False, "rate(2 hours)")

    assert problems_of({"queue": {"enabled": False, "min_tasks": 2, "max_tasks": 1}}) == [
        "queue.max_tasks: 1 is below min_tasks 2"
    ]


def test_arm64_needs_no_spot_setting_when_the_queue_is_off():
    """Spot is the queue service's only; without the queue, ARM64 runs every task on regular Fargate."""
    settings = parse_stack_config({"cpu_architecture": "ARM64", "queue": {"enabled": False}}, "dev")

    assert (settings.cpu_architecture.value, settings.queue.use_spot) == ("ARM64", True)


def test_prod_needs_table_protection_only_when_it_deploys_the_results_table(problems_of: Problems):
    unprotected = {"data": {"deletion_protection": False, "point_in_time_recovery": False}}
    without_upload = parse_stack_config({**PROD, **unprotected, "upload": {"enabled": False}}, "prod")
    assert without_upload.data.deletion_protection is False

    assert problems_of({**PROD, **unprotected}, "prod") == [
        "data.point_in_time_recovery: false is not allowed in prod; the results table must survive a bad "
        "write or a mistaken delete",
        "data.deletion_protection: false is not allowed in prod; the results table must survive a bad write "
        "or a mistaken delete",
    ]
