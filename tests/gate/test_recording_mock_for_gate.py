"""What the gate adds to the recording mock: outputs for any type, engine URNs, the analyzer's wire form."""

import base64
import json
import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tools import pulumi_mocks

SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


@pytest.fixture
def monitor() -> pulumi_mocks.RecordingMonitor:
    return pulumi_mocks.install(stack="dev", region="eu-west-1")


@pulumi.runtime.test
def test_outputs_no_input_sets_get_plausible_values(monitor: pulumi_mocks.RecordingMonitor):
    database = aws.rds.Instance("db", instance_class="db.t3.micro", password=pulumi.Output.secret("pw"))

    def check(args: list[object]) -> None:
        address, port, arn, resource_id = args
        physical = f"db-{pulumi_mocks._suffix('db')}"
        assert address == f"{physical}.rds.eu-west-1.amazonaws.com"
        assert port == 0
        assert arn == f"arn:aws:rds:eu-west-1:123456789012:{physical}"
        assert resource_id == f"{physical}-id"
        recorded = monitor.by_name("db")
        assert recorded.urn == "urn:pulumi:dev::ecs-event-patterns::aws:rds/instance:Instance::db"
        assert recorded.wire_inputs["password"] == {**SECRET_SIG, "value": "pw"}
        assert recorded.wire_outputs["address"] == address

    return pulumi.Output.all(database.address, database.port, database.arn, database.id).apply(check)


@pulumi.runtime.test
def test_child_urns_carry_the_parent_type_and_dependencies_are_kept(
    monitor: pulumi_mocks.RecordingMonitor,
):
    class Box(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("test:index:Box", name)
            self.role = aws.iam.Role(
                f"{name}-role", assume_role_policy="{}", opts=pulumi.ResourceOptions(parent=self)
            )
            self.register_outputs({})

    box = Box("box")
    attachment = aws.iam.RolePolicyAttachment(
        "attach", role=box.role.name, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )

    def check(role_name: str) -> None:
        role = monitor.by_name("box-role")
        assert role.urn == "urn:pulumi:dev::ecs-event-patterns::test:index:Box$aws:iam/role:Role::box-role"
        recorded = monitor.by_name("attach")
        assert recorded.wire_inputs["role"] == role_name
        assert recorded.property_dependencies["role"] == (role.urn,)

    return pulumi.Output.all(box.role.name, attachment.urn).apply(lambda args: check(args[0]))


def test_wire_value_downgrades_resource_references_and_drops_nulls():
    reference = {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e"}
    custom = {**reference, "urn": "urn:pulumi:dev::p::aws:iam/role:Role::r", "id": "r-123"}
    component = {**reference, "urn": "urn:pulumi:dev::p::test:index:Box::b"}
    wire = pulumi_mocks.wire_value({"role": custom, "parts": [component, None], "gone": None, "keep": 0})
    assert wire == {"role": "r-123", "parts": ["urn:pulumi:dev::p::test:index:Box::b", None], "keep": 0}


@pulumi.runtime.test
def test_policy_document_invoke_renders_iam_json(monitor: pulumi_mocks.RecordingMonitor):
    document = aws.iam.get_policy_document_output(
        statements=[
            {
                "actions": ["sts:AssumeRole"],
                "principals": [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}],
                "conditions": [
                    {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["123456789012"]}
                ],
            },
            {
                "sid": "Read",
                "effect": "Allow",
                "actions": ["s3:GetObject", "s3:ListBucket"],
                "resources": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            },
        ]
    )

    def check(rendered: str) -> None:
        assert json.loads(rendered) == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
                },
                {
                    "Sid": "Read",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                },
            ],
        }

    return document.json.apply(check)


@pulumi.runtime.test
def test_other_invokes_get_plausible_results(monitor: pulumi_mocks.RecordingMonitor):
    topic = aws.sns.get_topic_output(name="alerts")

    def check(args: list[object]) -> None:
        arn, name = args
        assert (arn, name) == ("arn:aws:sns:eu-west-1:123456789012:alerts", "alerts")

    return pulumi.Output.all(topic.arn, topic.name).apply(check)


@pulumi.runtime.test
def test_ecr_tokens_are_base64_of_user_and_password_as_docker_takes_them(
    monitor: pulumi_mocks.RecordingMonitor,
):
    token = aws.ecr.get_authorization_token_output()
    credentials = aws.ecr.get_credentials_output(registry_id="123456789012")

    def check(args: list[str]) -> None:
        encoded, user, password, endpoint, other = args
        assert base64.b64decode(encoded).decode() == f"{user}:{password}"
        assert user == "AWS"
        assert len(password) > 20
        assert endpoint == "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        assert base64.b64decode(other).decode().split(":", 1) == ["AWS", password]

    return pulumi.Output.all(
        token.authorization_token,
        token.user_name,
        token.password,
        token.proxy_endpoint,
        credentials.authorization_token,
    ).apply(check)


@pulumi.runtime.test
def test_amis_zones_subnets_and_parameters_look_like_aws(monitor: pulumi_mocks.RecordingMonitor):
    image = aws.ec2.get_ami_output(owners=["amazon"], most_recent=True)
    zones = aws.get_availability_zones_output()
    subnet = aws.ec2.get_subnet_output(id="subnet-0default000000001")
    parameter = aws.ssm.get_parameter_output(
        name="/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
    )

    def check(args: list[Any]) -> None:
        ami, arn, architecture, names, zone_ids, subnet_zone, vpc, parameter_value = args
        assert re.fullmatch(r"ami-[0-9a-f]{17}", ami)
        assert arn == f"arn:aws:ec2:eu-west-1::image/{ami}"
        assert architecture == "x86_64"
        assert names == ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"]
        assert zone_ids == ["euw1-az1", "euw1-az2", "euw1-az3", "euw1-az4"]
        assert (subnet_zone, vpc) == ("eu-west-1b", "vpc-0default0000000")
        assert parameter_value == ami

    return pulumi.Output.all(
        image.id,
        image.arn,
        image.architecture,
        zones.names,
        zones.zone_ids,
        subnet.availability_zone,
        subnet.vpc_id,
        parameter.value,
    ).apply(check)


@pytest.mark.parametrize(
    ("region", "prefix"),
    [
        ("us-east-1", "use1"),
        ("ap-southeast-2", "apse2"),
        ("us-gov-west-1", "usgw1"),
        ("eu-central-1", "euc1"),
    ],
)
def test_zone_ids_follow_aws_naming(region, prefix):
    assert pulumi_mocks._zone_prefix(region) == prefix


@pulumi.runtime.test
def test_caller_identity_invoke_answers_with_the_fixed_account(monitor: pulumi_mocks.RecordingMonitor):
    identity = aws.get_caller_identity_output()
    return identity.account_id.apply(lambda account: assert_equal(account, "123456789012"))


def assert_equal(actual: object, expected: object) -> None:
    assert actual == expected


def test_policy_document_renders_everyone_as_the_provider_does():
    rendered = pulumi_mocks.policy_document(
        {
            "statements": [
                {"effect": "Deny", "actions": ["s3:*"], "principals": [{"type": "*", "identifiers": ["*"]}]},
                {"actions": ["s3:GetObject"], "principals": [{"type": "AWS", "identifiers": ["*"]}]},
            ]
        }
    )
    first, second = json.loads(rendered["json"])["Statement"]
    assert first["Principal"] == "*"
    assert second["Principal"] == {"AWS": "*"}
