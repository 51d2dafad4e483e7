"""TaskNetwork: no ingress anywhere, HTTPS egress only, and the right subnets per mode."""

import pulumi
import pytest

from ecs_event_patterns.blocks.network import INTERFACE_ENDPOINTS, TaskNetwork, endpoint_zones, subnet_cidrs
from ecs_event_patterns.config.settings import Egress, NetworkMode, NetworkSettings
from tools import pulumi_mocks
from tools.pulumi_mocks import RecordingMonitor

HTTPS_ANYWHERE = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}


def build(settings: NetworkSettings) -> None:
    pulumi_mocks.run(lambda: TaskNetwork("net", settings))


@pulumi.runtime.test
@pytest.mark.parametrize("mode", [NetworkMode.DEFAULT_VPC, NetworkMode.ISOLATED_VPC])
def test_outputs_are_the_private_subnets_and_the_task_security_group(monitor: RecordingMonitor, mode):
    network = TaskNetwork("net", NetworkSettings(mode=mode, az_count=2))

    def check(values: list) -> None:
        subnet_ids, security_group_id = values
        if mode is NetworkMode.DEFAULT_VPC:
            assert subnet_ids == [f"subnet-0default00000000{i}" for i in range(3)]
        else:
            subnets = {subnet.name: subnet.id for subnet in monitor.of_type("aws:ec2/subnet:Subnet")}
            assert subnet_ids == [subnets["net-private-0"], subnets["net-private-1"]]
        assert security_group_id == monitor.by_name("net-tasks").id

    return pulumi.Output.all(network.subnet_ids, network.security_group_id).apply(check)


@pytest.mark.parametrize(
    ("vpc_cidr", "az_count", "private", "public"),
    [
        ("10.0.0.0/16", 2, ["10.0.0.0/18", "10.0.64.0/18"], ["10.0.128.0/18", "10.0.192.0/18"]),
        (
            "10.1.0.0/20",
            3,
            ["10.1.0.0/23", "10.1.2.0/23", "10.1.4.0/23"],
            ["10.1.6.0/23", "10.1.8.0/23", "10.1.10.0/23"],
        ),
    ],
)
def test_subnet_cidrs_do_not_overlap(vpc_cidr, az_count, private, public):
    assert subnet_cidrs(vpc_cidr, az_count) == (private, public)


def test_default_vpc(monitor: RecordingMonitor):
    build(NetworkSettings(mode=NetworkMode.DEFAULT_VPC))

    [subnets_call] = [
        call for call in monitor.recording_mocks.calls if call.token == "aws:ec2/getSubnets:getSubnets"
    ]
    assert subnets_call.args["filters"] == [
        {"name": "vpc-id", "values": ["vpc-0default0000000"]},
        {"name": "default-for-az", "values": ["true"]},
    ]
    [group] = monitor.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert group.name == "net-tasks"
    assert group.inputs["vpcId"] == "vpc-0default0000000"
    assert group.inputs["ingress"] == []
    assert group.inputs["egress"] == [HTTPS_ANYWHERE]
    assert not monitor.of_type("aws:ec2/vpc:Vpc")


def test_isolated_vpc_with_endpoints(monitor: RecordingMonitor):
    build(NetworkSettings(mode=NetworkMode.ISOLATED_VPC, vpc_cidr="10.20.0.0/16", az_count=3))

    [vpc] = monitor.of_type("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.20.0.0/16"
    assert vpc.inputs["enableDnsHostnames"]
    assert vpc.inputs["enableDnsSupport"]
    subnets = sorted(monitor.of_type("aws:ec2/subnet:Subnet"), key=lambda subnet: subnet.name)
    # The mock offers sts in every zone but us-east-1b: an sts endpoint cannot serve a subnet there.
    assert [s.inputs["availabilityZone"] for s in subnets] == ["us-east-1a", "us-east-1c", "us-east-1d"]
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    assert not monitor.of_type("aws:ec2/internetGateway:InternetGateway")
    assert not monitor.of_type("aws:ec2/natGateway:NatGateway")

    endpoints = {e.name: e.inputs for e in monitor.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert endpoints["net-s3"]["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert endpoints["net-s3"]["vpcEndpointType"] == "Gateway"
    assert len(endpoints["net-dynamodb"]["routeTableIds"]) == 3
    for service in INTERFACE_ENDPOINTS:
        endpoint = endpoints[f"net-{service.replace('.', '-')}"]
        assert endpoint["serviceName"] == f"com.amazonaws.us-east-1.{service}"
        assert endpoint["vpcEndpointType"] == "Interface"
        assert endpoint["privateDnsEnabled"] is True
        assert len(endpoint["subnetIds"]) == 3

    tasks = monitor.by_name("net-tasks").inputs
    assert tasks["ingress"] == []
    assert tasks["egress"][0] == {
        "protocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrBlocks": ["10.20.0.0/16"],
    }
    assert tasks["egress"][1]["fromPort"] == 443
    gateway_prefix_lists = [
        monitor.by_name(f"net-{service}").outputs["prefixListId"] for service in ("s3", "dynamodb")
    ]
    assert tasks["egress"][1]["prefixListIds"] == gateway_prefix_lists
    assert all(prefix_list.startswith("pl-") for prefix_list in gateway_prefix_lists)
    endpoints_group = monitor.by_name("net-endpoints").inputs
    [ingress] = endpoints_group["ingress"]
    assert ingress["securityGroups"] == [monitor.by_name("net-tasks").id]
    assert (ingress["fromPort"], ingress["toPort"]) == (443, 443)
    assert endpoints_group["egress"] == []


def test_isolated_vpc_with_nat(monitor: RecordingMonitor):
    build(NetworkSettings(mode=NetworkMode.ISOLATED_VPC, egress=Egress.NAT, az_count=2))

    assert len(monitor.of_type("aws:ec2/natGateway:NatGateway")) == 2
    assert len(monitor.of_type("aws:ec2/subnet:Subnet")) == 4
    routes = monitor.of_type("aws:ec2/route:Route")
    assert {r.inputs["destinationCidrBlock"] for r in routes} == {"0.0.0.0/0"}
    assert not monitor.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert monitor.by_name("net-tasks").inputs["egress"] == [HTTPS_ANYWHERE]
    assert all(resource.name.startswith("net") for resource in monitor.recorded)


def test_zones_are_where_every_interface_endpoint_is_offered():
    available = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    offered = {"logs": available, "sqs": ["eu-west-1a", "eu-west-1c"], "sts": available}
    assert endpoint_zones(available, offered, 2) == ["eu-west-1a", "eu-west-1c"]
    assert endpoint_zones(available, {}, 2) == ["eu-west-1a", "eu-west-1b"]
    with pytest.raises(ValueError, match=r"^network\.az_count: 3 zones") as error:
        endpoint_zones(available, offered, 3)
    assert str(error.value) == (
        "network.az_count: 3 zones need every interface endpoint (logs, sqs, sts), but only 2 of the "
        "region's available zones (eu-west-1a, eu-west-1b, eu-west-1c) offer them all (sqs is not offered "
        "in eu-west-1b); lower network.az_count or use network.egress nat"
    )


def test_too_few_zones_with_every_endpoint_fail_the_run(monitor: RecordingMonitor):
    monitor.recording_mocks.endpoint_zone_gaps = {"sts": ("b",), "ecr.dkr": ("c",)}
    with pytest.raises(
        Exception,
        match=r"only 2 of the region's available zones .*\(ecr\.dkr is not offered in us-east-1c; "
        r"sts is not offered in us-east-1b\); lower network\.az_count or use network\.egress nat",
    ):
        build(NetworkSettings(mode=NetworkMode.ISOLATED_VPC, az_count=3))


def test_with_nat_the_zones_need_no_endpoint(monitor: RecordingMonitor):
    build(NetworkSettings(mode=NetworkMode.ISOLATED_VPC, egress=Egress.NAT, az_count=2))

    subnets = monitor.of_type("aws:ec2/subnet:Subnet")
    assert {s.inputs["availabilityZone"] for s in subnets} == {"us-east-1a", "us-east-1b"}
    assert not [c for c in monitor.recording_mocks.calls if c.token.endswith("getVpcEndpointService")]


def test_no_ecs_endpoint_for_fargate_tasks():
    """ECS developer guide: "Tasks using the Fargate launch type don't require the interface VPC endpoints
    for Amazon ECS"; task protection goes to the Fargate-managed agent at $ECS_AGENT_URI."""
    assert not {"ecs", "ecs-agent", "ecs-telemetry"} & set(INTERFACE_ENDPOINTS)
