"""Bad stack configs: each is rejected with a message naming the key path, the value and what is allowed."""

import re

import pytest

from ecs_event_patterns.config.settings import SettingsError
from ecs_event_patterns.config.stack_config import parse_stack_config

PROD_ALERTS = {"emails": ["platform-oncall@example.com"]}

# (raw config, stack, the one problem line it must produce, exactly)
BAD_CONFIGS = [
    pytest.param(
        {"queue": {"min_tasks": 3, "max_tasks": 2}},
        "dev",
        "queue.max_tasks: 2 is below min_tasks 3",
        id="max-below-min",
    ),
    pytest.param(
        {"upload": {"cpu": 256, "memory": 4096}},
        "dev",
        "upload.cpu/memory: 256/4096 is not a Fargate size; 256 allows 512, 1024, 2048",
        id="fargate-memory",
    ),
    pytest.param(
        {"queue": {"cpu": 2048, "memory": 2048}},
        "dev",
        "queue.cpu/memory: 2048/2048 is not a Fargate size; 2048 allows 4096 to 16384 in steps of 1024",
        id="fargate-memory-range",
    ),
    pytest.param(
        {"batch": {"cpu": 16384, "memory": 131072}},
        "dev",
        "batch.cpu/memory: 16384/131072 is not a Fargate size; 16384 allows 32768 to 122880 in steps of 8192",
        id="fargate-above-16-vcpu-max",
    ),
    pytest.param(
        {"batch": {"cpu": 3000, "memory": 4096}},
        "dev",
        "batch.cpu/memory: 3000/4096 is not a Fargate size; cpu must be one of 256, 512, 1024, 2048, 4096, "
        "8192, 16384",
        id="fargate-cpu",
    ),
    pytest.param(
        {"batch": {"schedule": "every hour"}},
        "dev",
        'batch.schedule: "every hour" is not a rate(...), cron(...) or at(...) expression',
        id="schedule-free-text",
    ),
    pytest.param(
        {"batch": {"schedule": "rate(1 hours)"}},
        "dev",
        'batch.schedule: "rate(1 hours)" is not a valid rate(...) expression: write rate(1 hour); '
        "a value of 1 takes the singular unit",
        id="rate-plural-for-one",
    ),
    pytest.param(
        {"batch": {"schedule": "rate(5 hour)"}},
        "dev",
        'batch.schedule: "rate(5 hour)" is not a valid rate(...) expression: write rate(5 hours); '
        "a value of 5 takes the plural unit",
        id="rate-singular-for-five",
    ),
    pytest.param(
        {"batch": {"schedule": "cron(0 8 * * MON-FRI *)"}},
        "dev",
        'batch.schedule: "cron(0 8 * * MON-FRI *)" is not a valid cron(...) expression: '
        "day-of-month '*' and "
        "day-of-week 'MON-FRI': exactly one of them must be '?' (the Scheduler cannot use both)",
        id="cron-both-days",
    ),
    pytest.param(
        {"batch": {"schedule": "cron(0 8 * * ?)"}},
        "dev",
        'batch.schedule: "cron(0 8 * * ?)" is not a valid cron(...) expression: expected 6 fields '
        "(minutes hours day-of-month month day-of-week year), got 5; for example cron(0 8 ? * MON-FRI *)",
        id="cron-five-fields",
    ),
    pytest.param(
        {"batch": {"schedule": "at(2027-02-30T00:00:00)"}},
        "dev",
        'batch.schedule: "at(2027-02-30T00:00:00)" is not a valid at(...) expression: 2027-02-30T00:00:00 '
        "is not a date and time that exists",
        id="at-impossible-date",
    ),
    pytest.param(
        {"batch": {"timezone": "Europe/Berln"}},
        "dev",
        'batch.timezone: "Europe/Berln" is not an IANA time zone; did you mean "Europe/Berlin"?',
        id="timezone",
    ),
    pytest.param(
        {"queue": {"max_receive_count": 0}},
        "dev",
        "queue.max_receive_count: 0 is outside the allowed range 1 to 1000",
        id="max-receive-count",
    ),
    pytest.param(
        {"queue": {"visibility_timeout_seconds": 120, "job_timeout_seconds": 60}},
        "dev",
        "queue.visibility_timeout_seconds: 120 is not above stop_timeout_seconds 120; a job still finishing "
        "after SIGTERM would be handed to a second worker",
        id="visibility-vs-stop-timeout",
    ),
    pytest.param(
        {"queue": {"job_timeout_seconds": 300}},
        "dev",
        "queue.visibility_timeout_seconds: 300 is not above job_timeout_seconds 300; a message would become "
        "visible again while its job still runs",
        id="visibility-vs-job-timeout",
    ),
    pytest.param(
        {"upload": {"stop_timeout_seconds": 1}},
        "dev",
        "upload.stop_timeout_seconds: 1 is outside the allowed range 2 to 120",
        id="stop-timeout",
    ),
    pytest.param(
        {"upload": {"key_prefix": "/incoming/"}},
        "dev",
        'upload.key_prefix: "/incoming/" starts with \'/\'; S3 keys have no leading slash, write "incoming/"',
        id="key-prefix-slash",
    ),
    pytest.param(
        {"upload": {"key_prefix": "x" * 1025}},
        "dev",
        "upload.key_prefix: is 1025 bytes long in UTF-8; S3 keys allow at most 1024",
        id="key-prefix-too-long",
    ),
    pytest.param(
        {"upload": {"key_suffixes": [".csv", ""]}},
        "dev",
        'upload.key_suffixes[1]: "" is empty; give a non-empty value',
        id="empty-suffix",
    ),
    pytest.param(
        {"batch": {"input_prefix": "data/", "output_prefix": "data/reports/"}},
        "dev",
        'batch.output_prefix: "data/reports/" overlaps input_prefix "data/"; the report job would '
        "read its own "
        'output (use separate prefixes such as "input/" and "reports/")',
        id="prefix-overlap",
    ),
    pytest.param(
        {"alerts": {"emails": ["oncall@example"]}},
        "dev",
        'alerts.emails[0]: "oncall@example" is not an e-mail address: the domain ("example") must be '
        "dot-separated labels of letters, digits and inner hyphens",
        id="email-no-tld",
    ),
    pytest.param(
        {"alerts": {"emails": ["platform oncall@example.com"]}},
        "dev",
        "alerts.emails[0]: \"platform oncall@example.com\" is not an e-mail address: the part before '@' "
        '("platform oncall") must be 1 to 64 letters, digits or any of !#$%&\'*+/=?^_`{|}~- with '
        "single dots "
        "between them",
        id="email-space",
    ),
    pytest.param(
        {"alerts": {"emails": ["Ops@example.com", "ops@example.com"]}},
        "dev",
        'alerts.emails[1]: "ops@example.com" is listed twice',
        id="email-duplicate",
    ),
    pytest.param(
        {"cpu_architecture": "arm64"},
        "dev",
        'cpu_architecture: "arm64" is not one of X86_64, ARM64; did you mean "ARM64"?',
        id="architecture",
    ),
    pytest.param(
        {"network": {"mode": "isolated-vpc", "egress": "internet"}},
        "dev",
        'network.egress: "internet" is not one of vpc-endpoints, nat',
        id="egress",
    ),
    pytest.param(
        {"network": {"mode": "isolated-vpc", "vpc_cidr": "8.8.0.0/16"}},
        "dev",
        'network.vpc_cidr: "8.8.0.0/16" is not in a private range (10.0.0.0/8, 172.16.0.0/12, '
        "192.168.0.0/16)",
        id="public-cidr",
    ),
    pytest.param(
        {"network": {"mode": "isolated-vpc", "vpc_cidr": "10.0.0.0/8"}},
        "dev",
        'network.vpc_cidr: "10.0.0.0/8" is a /8; allowed: /16 to /24',
        id="cidr-too-large",
    ),
    pytest.param(
        {"network": {"mode": "isolated-vpc", "az_count": 1}},
        "dev",
        "network.az_count: 1 is outside the allowed range 2 to 6",
        id="az-count",
    ),
    pytest.param(
        {"network": {"vpc_cidr": "10.1.0.0/16"}},
        "dev",
        'network.vpc_cidr: "10.1.0.0/16" applies only when network.mode is "isolated-vpc" (it is '
        '"default-vpc"); '
        "remove it or set network.mode",
        id="vpc-setting-in-default-vpc",
    ),
    pytest.param(
        {"logs": {"retention_days": 10}},
        "dev",
        "logs.retention_days: 10 is not a CloudWatch Logs retention; allowed: 1, 3, 5, 7, 14, 30, "
        "60, 90, 120, "
        "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (nearest: 7 or 14)",
        id="retention",
    ),
    pytest.param(
        {"upload": {"retry": {"max_attempts": 186}}},
        "dev",
        "upload.retry.max_attempts: 186 is outside the allowed range 0 to 185",
        id="retry-attempts",
    ),
    pytest.param(
        {"batch": {"retry": {"max_event_age_seconds": 59}}},
        "dev",
        "batch.retry.max_event_age_seconds: 59 is outside the allowed range 60 to 86400",
        id="retry-event-age",
    ),
    pytest.param(
        {"batch": {"flexible_window_minutes": 1441}},
        "dev",
        "batch.flexible_window_minutes: 1441 is outside the allowed range 0 to 1440",
        id="flexible-window",
    ),
    pytest.param(
        {"batch": {"concurrency": 0}},
        "dev",
        "batch.concurrency: 0 is outside the allowed range 1 to 64",
        id="batch-concurrency",
    ),
    pytest.param(
        {"queue": {"worker_concurrency": 11}},
        "dev",
        "queue.worker_concurrency: 11 is outside the allowed range 1 to 10",
        id="worker-concurrency",
    ),
    pytest.param(
        {"queue": {"on_demand_base": 4, "max_tasks": 3}},
        "dev",
        "queue.max_tasks: 3 is below on_demand_base 4",
        id="on-demand-base",
    ),
    pytest.param(
        {"queue": {"message_retention_seconds": 1209601}},
        "dev",
        "queue.message_retention_seconds: 1209601 is outside the allowed range 60 to 1209600",
        id="message-retention",
    ),
    pytest.param(
        {"queue": {"max_tasks": 5000}},
        "dev",
        "queue.max_tasks: 5000 is outside the allowed range 1 to 1000",
        id="max-tasks-cap",
    ),
    pytest.param(
        {"queue": {"backlog_per_task": 0}},
        "dev",
        "queue.backlog_per_task: 0 is outside the allowed range 1 to 100000",
        id="backlog",
    ),
    pytest.param(
        {"queue": {"max_tasks": "ten"}},
        "dev",
        'queue.max_tasks: "ten" is not a whole number',
        id="int-as-word",
    ),
    pytest.param(
        {"queue": {"max_tasks": 2.5}},
        "dev",
        "queue.max_tasks: 2.5 is not a whole number",
        id="int-as-float",
    ),
    pytest.param(
        {"data": {"point_in_time_recovery": "yes"}},
        "dev",
        'data.point_in_time_recovery: "yes" is not true or false',
        id="bool-as-yes",
    ),
    pytest.param(
        {"queue": {"use_spot": 1}},
        "dev",
        "queue.use_spot: 1 is not true or false",
        id="bool-as-number",
    ),
    pytest.param(
        {"queue": {"max_tasks": None}},
        "dev",
        "queue.max_tasks: null is not allowed; remove the key to use the default",
        id="null",
    ),
    pytest.param(
        {"alerts": {"emails": "platform-oncall@example.com"}},
        "dev",
        'alerts.emails: "platform-oncall@example.com" is a single string; write a list, such as '
        '["platform-oncall@example.com"]',
        id="list-as-string",
    ),
    pytest.param(
        {"queue": "max_tasks=3"},
        "dev",
        'queue: "max_tasks=3" is not an object (a mapping of keys to values)',
        id="section-not-object",
    ),
    pytest.param(
        {"queue": {"max_task": 3}},
        "dev",
        'queue.max_task: unknown key; did you mean "max_tasks"?',
        id="unknown-key-close",
    ),
    pytest.param(
        {"logs": {"keep": 7}},
        "dev",
        "logs.keep: unknown key; allowed: retention_days",
        id="unknown-key-far",
    ),
    pytest.param(
        {"queue.max_tasks": "50"},
        "dev",
        "queue.max_tasks: is a top-level key with a dot in its name; a key inside queue is set with "
        "`pulumi config set --path 'queue.max_tasks' <value>` (then remove this one with "
        "`pulumi config rm 'queue.max_tasks'`)",
        id="nested-key-set-without-path",
    ),
    pytest.param(
        {"queu": {}},
        "dev",
        'queu: unknown key; did you mean "queue"?',
        id="unknown-section",
    ),
    pytest.param(
        {"upload": {"size": {"cpu": 512, "memory": 1024}}},
        "dev",
        "upload.size: unknown key; allowed: enabled, needs, cpu, memory, key_prefix, key_suffixes, "
        "retry, stop_timeout_seconds, store_results, container",
        id="size-is-flattened",
    ),
    pytest.param(
        {"environment": "production"},
        "team-a",
        'environment: "production" is not one of dev, staging, prod; did you mean "prod"?',
        id="environment-value",
    ),
    pytest.param(
        {},
        "team-a",
        'environment: not set, and stack "team-a" is not named dev, staging or prod; '
        "set ecs-event-patterns:environment to one of them",
        id="environment-required",
    ),
    pytest.param(
        {"environment": "dev"},
        "prod",
        'environment: "dev" contradicts the stack name "prod"',
        id="environment-contradicts-stack",
    ),
    pytest.param(
        {"alerts": {"emails": []}},
        "prod",
        "alerts.emails: [] is empty; prod needs at least one address, or stopped-task and dead-letter alerts "
        "reach nobody",
        id="prod-without-alerts",
    ),
    pytest.param(
        {"alerts": PROD_ALERTS, "network": {"mode": "default-vpc"}},
        "prod",
        'network.mode: "default-vpc" is not allowed in prod; use "isolated-vpc" (private subnets, no '
        "public IPs "
        "on tasks)",
        id="prod-default-vpc",
    ),
    pytest.param(
        {"alerts": PROD_ALERTS, "data": {"point_in_time_recovery": "false"}},
        "prod",
        "data.point_in_time_recovery: false is not allowed in prod; the results table must survive a "
        "bad write "
        "or a mistaken delete",
        id="prod-without-pitr",
    ),
    pytest.param(
        {"alerts": PROD_ALERTS, "data": {"deletion_protection": False}},
        "prod",
        "data.deletion_protection: false is not allowed in prod; the results table must survive a bad write "
        "or a mistaken delete",
        id="prod-without-deletion-protection",
    ),
]


@pytest.mark.parametrize(("raw", "stack", "expected"), BAD_CONFIGS)
def test_bad_config_is_rejected_with_its_own_message(problems_of, raw, stack, expected):
    assert problems_of(raw, stack) == [expected]


def test_every_problem_is_reported_together_in_one_error():
    raw = {
        "queue": {"min_tasks": 1, "max_tasks": 0, "max_receive_count": "many"},
        "batch": {"schedule": "every hour", "timezone": "Mars/Olympus"},
        "upload": {"cpu": 256, "memory": 4096, "key_prefix": "/in/"},
        "alerts": {"emails": ["not-an-address"]},
        "logs": {"retention_days": 100},
        "network": {"mode": "isolated-vpc", "az_count": 9},
    }
    with pytest.raises(SettingsError) as caught:
        parse_stack_config(raw, "staging")

    lines = str(caught.value).splitlines()
    assert lines[0] == 'config of stack "staging" (namespace ecs-event-patterns): 10 problems:'
    paths = [line.strip().split(": ", 1)[0] for line in lines[1:]]
    assert sorted(paths) == sorted(
        [
            "network.az_count",
            "logs.retention_days",
            "alerts.emails[0]",
            "upload.cpu/memory",
            "upload.key_prefix",
            "batch.schedule",
            "batch.timezone",
            "queue.max_tasks",
            "queue.max_tasks",
            "queue.max_receive_count",
        ]
    )
    assert "  queue.max_tasks: 0 is below min_tasks 1" in lines
    assert "  queue.max_tasks: 0 is outside the allowed range 1 to 1000" in lines
    assert '  queue.max_receive_count: "many" is not a whole number' in lines
    assert all(re.fullmatch(r"  [a-z_.\[\]0-9/]+: .+", line) for line in lines[1:])


def test_a_value_of_the_wrong_type_does_not_also_break_the_rules_that_involve_it(problems_of):
    # min_tasks is unusable; the rule "max_tasks >= min_tasks" must not be reported against its stand-in.
    assert problems_of({"queue": {"min_tasks": "two", "max_tasks": 0}}) == [
        'queue.min_tasks: "two" is not a whole number',
        "queue.max_tasks: 0 is outside the allowed range 1 to 1000",
    ]


def test_a_broken_section_does_not_add_prod_rules_about_it(problems_of):
    # The bad address makes the alerts section unusable: no second problem claiming prod has no address.
    assert problems_of({"alerts": {"emails": ["oncall"]}}, "prod") == [
        "alerts.emails[0]: \"oncall\" is not an e-mail address: it must contain exactly one '@'"
    ]


def test_problems_in_other_sections_are_still_reported_when_the_environment_is_unknown(problems_of):
    assert problems_of({"environment": "qa", "queue": {"max_tasks": 0}}, "team-a") == [
        'environment: "qa" is not one of dev, staging, prod',
        "queue.max_tasks: 0 is outside the allowed range 1 to 1000",
    ]


def test_list_items_of_the_wrong_type_are_named(problems_of):
    assert problems_of({"upload": {"key_suffixes": [".csv", 7]}}) == [
        "upload.key_suffixes: every item must be a string; not strings: upload.key_suffixes[1] 7"
    ]
