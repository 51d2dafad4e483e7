"""Settings built in code are checked as strictly as settings built from config."""

import pytest

from ecs_event_patterns.config.settings import (
    AlertSettings,
    BatchSettings,
    DataSettings,
    Environment,
    FargateSize,
    NetworkMode,
    NetworkSettings,
    Problem,
    QueueSettings,
    SettingsError,
    StackSettings,
    UploadSettings,
)


def test_settings_error_is_a_value_error_listing_each_problem():
    with pytest.raises(ValueError, match=r"max_tasks: 0 is below min_tasks 1") as caught:
        QueueSettings(min_tasks=1, max_tasks=0)

    error = caught.value
    assert isinstance(error, SettingsError)
    assert error.problems == (
        Problem("max_tasks", "0 is outside the allowed range 1 to 1000"),
        Problem("max_tasks", "0 is below min_tasks 1", ("max_tasks", "min_tasks")),
    )
    assert str(error) == (
        "settings: 2 problems:\n"
        "  max_tasks: 0 is outside the allowed range 1 to 1000\n"
        "  max_tasks: 0 is below min_tasks 1"
    )


def test_fargate_size_from_code():
    with pytest.raises(SettingsError) as caught:
        FargateSize(cpu=256, memory=4096)

    assert [str(p) for p in caught.value.problems] == [
        "cpu/memory: 256/4096 is not a Fargate size; 256 allows 512, 1024, 2048"
    ]


@pytest.mark.parametrize(
    ("cpu", "memories"),
    [
        (256, [512, 1024, 2048]),
        (512, [1024, 2048, 3072, 4096]),
        (1024, list(range(2048, 8193, 1024))),
        (2048, list(range(4096, 16385, 1024))),
        (4096, list(range(8192, 30721, 1024))),
        (8192, list(range(16384, 61441, 4096))),
        (16384, list(range(32768, 122881, 8192))),
    ],
)
def test_every_fargate_size_and_only_those(cpu, memories):
    for memory in memories:
        assert FargateSize(cpu=cpu, memory=memory).memory == memory
    for memory in range(256, 131072 + 1, 256):
        if memory not in memories:
            with pytest.raises(SettingsError):
                FargateSize(cpu=cpu, memory=memory)


def test_a_bool_is_not_a_whole_number_in_code():
    with pytest.raises(SettingsError, match=r"max_tasks: true is not a whole number"):
        QueueSettings(max_tasks=True)


def test_batch_settings_from_code_report_all_their_problems():
    with pytest.raises(SettingsError) as caught:
        BatchSettings(schedule="hourly", timezone="CET ", input_prefix="", stop_timeout_seconds=300)

    assert [str(p) for p in caught.value.problems] == [
        'schedule: "hourly" is not a rate(...), cron(...) or at(...) expression',
        'timezone: "CET " is not an IANA time zone; did you mean "CET"?',
        'output_prefix: "reports/" overlaps input_prefix ""; the report job would read its own output '
        '(use separate prefixes such as "input/" and "reports/")',
        "stop_timeout_seconds: 300 is outside the allowed range 2 to 120",
    ]


def test_upload_settings_reject_duplicate_suffixes():
    with pytest.raises(SettingsError, match=r'key_suffixes\[2\]: "\.csv" is listed twice'):
        UploadSettings(key_suffixes=(".csv", ".jsonl", ".csv"))


def test_alert_settings_reject_zone_files_that_are_not_time_zones():
    with pytest.raises(SettingsError, match=r'timezone: "localtime" is not an IANA time zone'):
        BatchSettings(timezone="localtime")


def test_prod_rules_hold_for_settings_built_in_code():
    with pytest.raises(SettingsError) as caught:
        StackSettings(environment=Environment.PROD)

    assert [p.path for p in caught.value.problems] == [
        "alerts.emails",
        "network.mode",
        "data.point_in_time_recovery",
        "data.deletion_protection",
    ]


def test_prod_settings_built_in_code():
    settings = StackSettings(
        environment=Environment.PROD,
        network=NetworkSettings(mode=NetworkMode.ISOLATED_VPC),
        data=DataSettings(deletion_protection=True, point_in_time_recovery=True),
        alerts=AlertSettings(emails=("platform-oncall@example.com",)),
    )

    assert settings.alerts.emails == ("platform-oncall@example.com",)


def test_dev_and_staging_have_no_prod_rules():
    assert StackSettings(environment=Environment.DEV).alerts.emails == ()
    assert StackSettings(environment=Environment.STAGING).network.mode is NetworkMode.DEFAULT_VPC
