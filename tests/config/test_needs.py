"""A job's needs from the stack config and from code: parsed into typed values, every bad one named by its key."""

import json
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest
from ruamel.yaml import YAML

from ecs_event_patterns.config.needs import (
    Condition,
    Needs,
    ObjectAccess,
    RawStatement,
    SecretAccess,
    TableAccess,
)
from ecs_event_patterns.config.settings import QueueSettings, SettingsError
from ecs_event_patterns.config.stack_config import load_stack_config, parse_stack_config
from tests.support.need_arns import ACCOUNT, KEY, ORDERS, PARAMETER, QUEUE, SECRET, STATE_MACHINE, TOPIC
from tools import pulumi_mocks

OWN_PARTITION = "a role can only be granted resources of its own partition: write the ARN as arn:aws:..."


def problems(raw: Mapping[str, object], region: str | None = "us-east-1") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        parse_stack_config(raw, "dev", region)
    return [str(problem) for problem in caught.value.problems]


def test_needs_from_the_stack_config_are_typed_values():
    raw = {
        "queue": {
            "needs": {
                "read_objects": [{"bucket": "arn:aws:s3:::team-data", "prefix": "in/"}],
                "write_objects": [{"bucket": "arn:aws:s3:::team-archive"}],
                "tables": [{"table": ORDERS, "access": "read-write", "indexes": "true"}],
                "send": [QUEUE],
                "publish": [TOPIC],
                "read_secrets": [{"arn": SECRET, "kms_key": KEY}, {"arn": PARAMETER}],
                "statements": [
                    {
                        "Effect": "Allow",
                        "Action": "states:StartExecution",
                        "Resource": [STATE_MACHINE],
                        "Condition": {"StringEquals": {"aws:RequestTag/team": "orders"}},
                    }
                ],
            }
        }
    }

    needs = parse_stack_config(raw, "dev", "us-east-1").queue.needs

    assert needs == Needs(
        read_objects=(ObjectAccess(bucket="arn:aws:s3:::team-data", prefix="in/"),),
        write_objects=(ObjectAccess(bucket="arn:aws:s3:::team-archive", prefix=""),),
        tables=(TableAccess(table=ORDERS, access="read-write", indexes=True),),
        send=(QUEUE,),
        publish=(TOPIC,),
        read_secrets=(SecretAccess(arn=SECRET, kms_key=KEY), SecretAccess(arn=PARAMETER, kms_key="")),
        statements=(
            RawStatement(
                Effect="Allow",
                Action=("states:StartExecution",),
                Resource=(STATE_MACHINE,),
                Condition=Condition({"StringEquals": {"aws:RequestTag/team": ("orders",)}}),
            ),
        ),
    )
    assert hash(needs) == hash(
        Needs(**{field: getattr(needs, field) for field in needs.__dataclass_fields__})
    )


def test_the_default_is_no_needs():
    settings = parse_stack_config({}, "dev", "us-east-1")

    assert settings.upload.needs == settings.batch.needs == settings.queue.needs == Needs()


BAD_NEEDS = [
    pytest.param(
        {"read_objects": [{"bucket": "arn:aws-cn:s3:::team-data"}]},
        'queue.needs.read_objects[0].bucket: "arn:aws-cn:s3:::team-data" is in partition aws-cn, but the '
        f'stack\'s region "us-east-1" is in aws; {OWN_PARTITION}',
        id="bucket-of-another-partition",
    ),
    pytest.param(
        {"statements": [{"Action": "s3:*", "Resource": "arn:aws:s3:::team-data/*"}]},
        'queue.needs.statements[0].Action: "s3:*" allows every s3 action; list the exact actions the job calls',
        id="service-wide-action",
    ),
    pytest.param(
        {"statements": [{"Action": ["s3:GetObject", "*"], "Resource": "arn:aws:s3:::team-data/*"}]},
        'queue.needs.statements[0].Action: "*" allows every action of every service; list the exact actions '
        "the job calls",
        id="star-action",
    ),
    pytest.param(
        {"statements": [{"Action": "s3:Get*", "Resource": "arn:aws:s3:::team-data/*"}]},
        'queue.needs.statements[0].Action: "s3:Get*" is a wildcard, which also grants actions AWS adds later; '
        "list the exact actions the job calls",
        id="partial-wildcard-action",
    ),
    pytest.param(
        {"statements": [{"Action": "GetObject", "Resource": "arn:aws:s3:::team-data/*"}]},
        'queue.needs.statements[0].Action: "GetObject" is not service:Action (such as "s3:GetObject"); list the '
        "exact actions the job calls",
        id="action-without-service",
    ),
    pytest.param(
        {"statements": [{"Action": "sqs:SendMessage", "Resource": "*"}]},
        'queue.needs.statements[0].Resource: "*" is every resource; name the exact ARNs (a wildcard inside '
        "one, such as arn:aws:s3:::team-data/in/*, is allowed)",
        id="resource-star",
    ),
    pytest.param(
        {"statements": [{"Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:*"}]},
        f'queue.needs.statements[0].Resource: "arn:aws:sqs:us-east-1:{ACCOUNT}:*" is every sqs resource; name '
        "the exact ARNs (a wildcard inside one, such as arn:aws:s3:::team-data/in/*, is allowed)",
        id="every-resource-of-a-service",
    ),
    pytest.param(
        {"statements": [{"NotAction": "iam:*", "Resource": "arn:aws:s3:::team-data/*"}]},
        [
            "queue.needs.statements[0].Action: not set, and it has no default",
            "queue.needs.statements[0].NotAction: refused: NotAction grants every action it does not list; "
            "list the actions in Action",
        ],
        id="not-action",
    ),
    pytest.param(
        {
            "statements": [
                {"Action": "s3:GetObject", "NotResource": "arn:aws:s3:::a/*", "Resource": "arn:aws:s3:::b/*"}
            ]
        },
        "queue.needs.statements[0].NotResource: refused: NotResource grants every resource it does not list; "
        "list the ARNs in Resource",
        id="not-resource",
    ),
    pytest.param(
        {"statements": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]},
        'queue.needs.statements[0].Effect: "allow" is not one of Allow, Deny; did you mean "Allow"?',
        id="effect",
    ),
    pytest.param(
        {"read_objects": [{"bucket": "team-data"}]},
        'queue.needs.read_objects[0].bucket: "team-data" is not an S3 bucket ARN such as '
        'arn:aws:s3:::team-data; for the bucket "team-data" write "arn:aws:s3:::team-data" '
        "(arn:aws-cn:s3::: in China)",
        id="bare-bucket-name",
    ),
    pytest.param(
        {"read_secrets": [{"arn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:orders/db"}]},
        f'queue.needs.read_secrets[0].arn: "arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:orders/db" is not '
        f"a Secrets Manager secret ARN such as {SECRET} or an SSM parameter ARN such as {PARAMETER}; a secret's "
        "ARN ends in the 6 characters AWS appends to its name (copy it from the console or `aws secretsmanager "
        "describe-secret`), or in `-??????` to stand for them",
        id="secret-without-its-suffix",
    ),
    pytest.param(
        {"read_secrets": [{"arn": ORDERS}]},
        f'queue.needs.read_secrets[0].arn: "{ORDERS}" is not a Secrets Manager secret ARN such as {SECRET} or an '
        f"SSM parameter ARN such as {PARAMETER}",
        id="not-a-secret-or-parameter",
    ),
    pytest.param(
        {"read_secrets": [{"arn": SECRET, "kms_key": f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/orders"}]},
        f'queue.needs.read_secrets[0].kms_key: "arn:aws:kms:us-east-1:{ACCOUNT}:alias/orders" is not a KMS key '
        "ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        id="key-alias",
    ),
    pytest.param(
        {"tables": [{"table": ORDERS, "access": "write", "indexes": True}]},
        'queue.needs.tables[0].indexes: true with access "write": indexes are only read (query, scan); set '
        'access to "read-write" or remove indexes',
        id="indexes-of-a-write-only-table",
    ),
    pytest.param(
        {"tables": [{"table": ORDERS, "access": "readwrite"}]},
        'queue.needs.tables[0].access: "readwrite" is not one of read, write, read-write; did you mean '
        '"read-write"?',
        id="table-access",
    ),
    pytest.param(
        {"send": QUEUE},
        f'queue.needs.send: "{QUEUE}" is not a list; write a list, such as ["{QUEUE}"]',
        id="single-value-for-a-list",
    ),
    pytest.param(
        {"publish": [QUEUE]},
        f'queue.needs.publish[0]: "{QUEUE}" is not an SNS topic ARN such as '
        "arn:aws:sns:us-east-1:123456789012:orders",
        id="queue-for-a-topic",
    ),
    pytest.param(
        {"read_object": []},
        'queue.needs.read_object: unknown key; did you mean "read_objects"?',
        id="unknown-need",
    ),
]


@pytest.mark.parametrize(("needs", "expected"), BAD_NEEDS)
def test_a_bad_need_in_the_config_is_named_by_its_full_key(needs, expected):
    assert problems({"queue": {"needs": needs}}) == (expected if isinstance(expected, list) else [expected])


def test_every_problem_at_once_the_region_s_partition_too():
    raw = {
        "queue": {
            "max_tasks": 0,
            "needs": {
                "read_objects": [{"bucket": "arn:aws-cn:s3:::team-data"}],
                "statements": [
                    {"Action": "s3:*", "Resource": ["arn:aws:s3:::a/*", "arn:aws-us-gov:s3:::b/*"]}
                ],
            },
        },
        "batch": {"needs": {"publish": [TOPIC.replace("arn:aws:", "arn:aws-cn:")]}},
    }

    assert problems(raw) == [
        'queue.needs.statements[0].Action: "s3:*" allows every s3 action; list the exact actions the job '
        "calls",
        "queue.max_tasks: 0 is outside the allowed range 1 to 1000",
        f'batch.needs.publish[0]: "{TOPIC.replace("arn:aws:", "arn:aws-cn:")}" is in partition aws-cn, but the '
        f'stack\'s region "us-east-1" is in aws; {OWN_PARTITION}',
        'queue.needs.read_objects[0].bucket: "arn:aws-cn:s3:::team-data" is in partition aws-cn, but the '
        f'stack\'s region "us-east-1" is in aws; {OWN_PARTITION}',
        'queue.needs.statements[0].Resource[1]: "arn:aws-us-gov:s3:::b/*" is in partition aws-us-gov, but the '
        f'stack\'s region "us-east-1" is in aws; {OWN_PARTITION}',
    ]


def test_needs_in_china_take_china_s_partition():
    raw = {
        "queue": {"needs": {"read_objects": [{"bucket": "arn:aws-cn:s3:::team-data"}], "publish": [TOPIC]}}
    }

    assert problems(raw, "cn-north-1") == [
        f'queue.needs.publish[0]: "{TOPIC}" is in partition aws, but the stack\'s region "cn-north-1" is in '
        "aws-cn; a role can only be granted resources of its own partition: write the ARN as arn:aws-cn:..."
    ]


def test_without_a_region_the_needs_of_all_patterns_agree_on_one_partition():
    raw = {
        "upload": {"needs": {"publish": [TOPIC]}},
        "queue": {"needs": {"read_objects": [{"bucket": "arn:aws-cn:s3:::team-data"}]}},
    }

    assert problems(raw, region=None) == [
        'queue.needs.read_objects[0].bucket: "arn:aws-cn:s3:::team-data" is in partition aws-cn, but '
        f"upload.needs.publish[0] is in aws; {OWN_PARTITION}"
    ]


def test_an_unknown_partition_is_refused():
    assert problems(
        {"queue": {"needs": {"statements": [{"Action": "s3:GetObject", "Resource": "arn:aws-x:s3:::b/*"}]}}}
    ) == [
        "queue.needs.statements[0].Resource: \"arn:aws-x:s3:::b/*\" has partition 'aws-x'; allowed: aws, "
        "aws-cn, aws-us-gov; name the exact ARNs (a wildcard inside one, such as arn:aws:s3:::team-data/in/*, is "
        "allowed)"
    ]


def test_load_stack_config_checks_the_needs_against_aws_region():
    pulumi_mocks.install(stack="dev")
    needs = {"read_objects": [{"bucket": "arn:aws-cn:s3:::team-data"}]}
    pulumi.runtime.config.set_all_config(
        {"ecs-event-patterns:queue": json.dumps({"needs": needs}), "aws:region": "eu-west-1"}
    )
    try:
        with pytest.raises(SettingsError) as caught:
            load_stack_config()
    finally:
        pulumi.runtime.config.set_all_config({})

    assert [str(problem) for problem in caught.value.problems] == [
        'queue.needs.read_objects[0].bucket: "arn:aws-cn:s3:::team-data" is in partition aws-cn, but the '
        f'stack\'s region "eu-west-1" is in aws; {OWN_PARTITION}'
    ]


def test_bad_needs_from_code_name_their_keys():
    with pytest.raises(SettingsError) as caught:
        QueueSettings(
            needs=Needs(
                statements=[
                    {"Action": "s3:*", "Resource": "arn:aws:s3:::team-data/*"},  # type: ignore[list-item]
                    RawStatement(Action="sqs:SendMessage", Resource=QUEUE),
                ],
                publish=[TOPIC.replace("arn:aws:", "arn:aws-cn:")],
            )
        )

    assert [str(problem) for problem in caught.value.problems] == [
        'statements[0].Action: "s3:*" allows every s3 action; list the exact actions the job calls'
    ]
    with pytest.raises(SettingsError) as caught:
        RawStatement(Action="sqs:SendMessage", Resource="*")
    assert [str(problem) for problem in caught.value.problems] == [
        'Resource: "*" is every resource; name the exact ARNs (a wildcard inside one, such as '
        "arn:aws:s3:::team-data/in/*, is allowed)"
    ]


def test_needs_from_code_agree_on_one_partition():
    with pytest.raises(SettingsError) as caught:
        Needs(publish=[TOPIC], send=[QUEUE.replace("arn:aws:", "arn:aws-cn:")])

    # The first ARN named (in the order of Needs' fields) is the one the others are compared with.
    assert [str(problem) for problem in caught.value.problems] == [
        f'publish[0]: "{TOPIC}" is in partition aws, but send[0] is in aws-cn; a role can only be granted '
        "resources of its own partition: write the ARN as arn:aws-cn:..."
    ]


def test_needs_written_naturally_in_code():
    needs = QueueSettings(
        needs={  # type: ignore[arg-type]
            "read_objects": [{"bucket": "arn:aws:s3:::team-data", "prefix": "in/"}],
            "statements": [{"Action": "states:StartExecution", "Resource": STATE_MACHINE}],
        }
    ).needs

    assert needs == Needs(
        read_objects=[ObjectAccess(bucket="arn:aws:s3:::team-data", prefix="in/")],
        statements=[RawStatement(Action=["states:StartExecution"], Resource=[STATE_MACHINE])],
    )
    assert isinstance(needs.read_objects, tuple)
    assert isinstance(needs.statements[0].Action, tuple)


def test_the_documented_example_is_what_the_parser_reads_and_the_code_example_builds():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = doc.split("## Needs: what a job may touch", 1)[1].split("\n## ", 1)[0]
    yaml_block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    python_block = section.split("```python\n", 1)[1].split("```", 1)[0]
    config = YAML(typ="safe").load(yaml_block)["config"]
    written: dict[str, object] = {}
    exec(python_block, written)  # noqa: S102 - the doc's own example, run as a reader would

    settings = parse_stack_config({"queue": config["ecs-event-patterns:queue"]}, "dev", config["aws:region"])

    assert settings.queue.needs == written["needs"]
    assert len(list(settings.queue.needs.named_arns())) == 5
