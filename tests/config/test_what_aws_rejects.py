"""Combinations AWS would accept at `pulumi up` and then never run right: rejected in the one problem list."""

import pytest

from ecs_event_patterns.blocks.dead_letter import DEAD_LETTER_RETENTION_SECONDS
from ecs_event_patterns.config.settings import (
    MAX_MESSAGE_RETENTION,
    MAX_SOURCE_RETENTION,
    CpuArchitecture,
    Environment,
    QueueSettings,
    SettingsError,
    StackSettings,
    UploadSettings,
)
from ecs_event_patterns.config.stack_config import parse_stack_config

ARM64_ON_SPOT = (
    'cpu_architecture: "ARM64" cannot run on Fargate Spot, which runs Linux X86_64 tasks only, and '
    "queue.use_spot is true; set queue.use_spot to false (regular Fargate runs ARM64) or cpu_architecture "
    'to "X86_64"'
)


@pytest.mark.parametrize("spot", [{}, {"queue": {"use_spot": "true"}}], ids=["spot-by-default", "spot-set"])
def test_arm64_with_fargate_spot_is_rejected_naming_both_keys(problems_of, spot):
    assert problems_of({"cpu_architecture": "ARM64", **spot}) == [ARM64_ON_SPOT]


def test_arm64_on_regular_fargate_is_accepted():
    settings = parse_stack_config({"cpu_architecture": "ARM64", "queue": {"use_spot": False}}, "dev")

    assert (settings.cpu_architecture, settings.queue.use_spot) == (CpuArchitecture.ARM64, False)


def test_arm64_with_spot_is_rejected_in_code_too():
    with pytest.raises(SettingsError) as caught:
        StackSettings(environment=Environment.DEV, cpu_architecture=CpuArchitecture.ARM64)

    assert [(p.path, p.involves) for p in caught.value.problems] == [
        ("cpu_architecture", ("cpu_architecture", "queue.use_spot", "queue.enabled"))
    ]


def test_a_broken_queue_section_does_not_add_the_spot_rule(problems_of):
    assert problems_of({"cpu_architecture": "ARM64", "queue": {"use_spot": "yes"}}) == [
        'queue.use_spot: "yes" is not true or false'
    ]


def test_the_rule_knows_the_dead_letter_queues_retention():
    assert DEAD_LETTER_RETENTION_SECONDS == MAX_MESSAGE_RETENTION


@pytest.mark.parametrize(("retention", "left"), [(1_209_600, 0), (604_801, 604_799)])
def test_source_retention_must_be_clearly_shorter_than_the_dead_letter_queues(problems_of, retention, left):
    assert problems_of({"queue": {"message_retention_seconds": retention}}) == [
        f"queue.message_retention_seconds: {retention} is not clearly shorter than the dead-letter queue's "
        "1209600 (14 days): SQS counts a message's expiry from when it was first sent, so one that fails late "
        f"would have {left} s left in the dead-letter queue; at most 604800 (7 days) leaves a week to notice "
        "the alarm and redrive it"
    ]


def test_a_week_of_source_retention_is_the_most_allowed():
    assert QueueSettings(message_retention_seconds=MAX_SOURCE_RETENTION).message_retention_seconds == 604_800
    assert parse_stack_config({"queue": {"message_retention_seconds": "604800"}}, "dev")


IAM_WILDCARD = (
    "contains {}, a wildcard in the task role's IAM grants (the task could reach keys outside the prefix); "
    "use a prefix without it"
)
EVENT_KEY = (
    "contains ( ): S3 URL-encodes object keys in its events and the encoding of these characters is not "
    "documented, so the rule might never match"
)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("upload", "key_prefix", "in?/", '"in?/" ' + IAM_WILDCARD.format("?")),
        ("upload", "key_prefix", "in*/", '"in*/" ' + IAM_WILDCARD.format("*")),
        ("batch", "input_prefix", "data/*/", '"data/*/" ' + IAM_WILDCARD.format("*")),
        ("batch", "output_prefix", "out?*", '"out?*" ' + IAM_WILDCARD.format("* and ?")),
        (
            "batch",
            "input_prefix",
            "${aws:username}/",
            '"${aws:username}/" contains ${, which IAM reads as a policy variable; use a prefix without it',
        ),
        ("upload", "key_prefix", "uploads (new)/", '"uploads (new)/" ' + EVENT_KEY),
    ],
)
def test_prefixes_that_would_be_wildcards_or_unmatchable_are_rejected(
    problems_of, section, key, value, expected
):
    assert problems_of({section: {key: value}}) == [f"{section}.{key}: {expected}"]


def test_a_suffix_the_event_pattern_cannot_match_is_rejected(problems_of):
    assert problems_of({"upload": {"key_suffixes": [".csv", "(1).csv"]}}) == [
        'upload.key_suffixes[1]: "(1).csv" ' + EVENT_KEY
    ]


def test_batch_prefixes_are_not_matched_in_events_so_parentheses_are_fine():
    settings = parse_stack_config({"batch": {"input_prefix": "in (raw)/", "output_prefix": "out/"}}, "dev")

    assert settings.batch.input_prefix == "in (raw)/"


def test_every_new_rule_lands_in_the_one_error_list():
    raw = {
        "cpu_architecture": "ARM64",
        "upload": {"key_prefix": "uploads (new)/"},
        "batch": {"input_prefix": "in*/"},
        "queue": {"message_retention_seconds": 1_209_600, "max_tasks": 0},
    }
    with pytest.raises(SettingsError) as caught:
        parse_stack_config(raw, "staging")

    assert sorted(p.path for p in caught.value.problems) == [
        "batch.input_prefix",
        "cpu_architecture",
        "queue.max_tasks",
        "queue.message_retention_seconds",
        "upload.key_prefix",
    ]


def test_upload_settings_built_in_code_refuse_an_unmatchable_prefix():
    with pytest.raises(SettingsError, match=r"key_prefix: \"uploads \(new\)/\" contains \( \)"):
        UploadSettings(key_prefix="uploads (new)/")


def test_a_rule_between_queue_keys_does_not_hide_the_spot_rule(problems_of):
    assert problems_of({"cpu_architecture": "ARM64", "queue": {"min_tasks": 3, "max_tasks": 2}}) == [
        "queue.max_tasks: 2 is below min_tasks 3",
        ARM64_ON_SPOT,
    ]
