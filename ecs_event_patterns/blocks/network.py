"""Where tasks run: subnets and a security group with no ingress and only HTTPS egress.

`default-vpc` (dev) uses the account's default VPC and gives tasks a public IP. `isolated-vpc` (staging, prod)
builds private subnets whose only way out is VPC endpoints, or a NAT gateway per availability zone.

An interface endpoint has a network interface in each subnet it serves, and an endpoint service is not
offered in every zone of a region (`DescribeVpcEndpointServices` lists its zones). So with endpoints the
subnets go to the first `az_count` zones where every interface endpoint the tasks need is offered, and a
region with too few such zones fails the run with the services and zones named.

No `ecs`, `ecs-agent` or `ecs-telemetry` endpoint: "Tasks using the Fargate launch type don't require the
interface VPC endpoints for Amazon ECS" (ECS developer guide, "Amazon ECS interface VPC endpoints"). The
worker's task scale-in protection calls go to `$ECS_AGENT_URI`, the Fargate-managed agent, which reaches ECS
through Fargate's own interface, not the task's subnets.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.config.settings import Egress, NetworkMode, NetworkSettings

HTTPS = 443
INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "sqs", "sts")
"""What the workers and the image pull call besides S3 and DynamoDB (gateway endpoints); no ECS endpoint, see
the module docstring."""
GATEWAY_ENDPOINTS = ("s3", "dynamodb")


def subnet_cidrs(vpc_cidr: str, az_count: int) -> tuple[list[str], list[str]]:
    """Split the VPC into equal blocks: private subnets first, then public ones (used by NAT egress only)."""
    network = ipaddress.ip_network(vpc_cidr)
    extra_bits = math.ceil(math.log2(2 * az_count))
    blocks = [str(block) for block in network.subnets(prefixlen_diff=extra_bits)]
    return blocks[:az_count], blocks[az_count : 2 * az_count]


def endpoint_zones(available: Sequence[str], offered: Mapping[str, Sequence[str]], count: int) -> list[str]:
    """The first `count` zones of `available` (in the region's order) where every service of `offered`
    (service -> zones it is offered in) is; a clear error when fewer qualify."""
    qualifying = [zone for zone in available if all(zone in zones for zones in offered.values())]
    if len(qualifying) >= count:
        return qualifying[:count]
    gaps = "; ".join(
        f"{service} is not offered in {', '.join(missing)}"
        for service, zones in sorted(offered.items())
        if (missing := [zone for zone in available if zone not in zones])
    )
    raise ValueError(
        f"network.az_count: {count} zones need every interface endpoint "
        f"({', '.join(sorted(offered))}), but only {len(qualifying)} of the region's available zones "
        f"({', '.join(available)}) offer them all ({gaps or 'too few zones'}); lower network.az_count "
        "or use network.egress nat"
    )


def https_egress(
    *,
    cidr_blocks: Sequence[pulumi.Input[str]] | None = None,
    prefix_list_ids: Sequence[pulumi.Input[str]] | None = None,
) -> aws.ec2.SecurityGroupEgressArgs:
    return aws.ec2.SecurityGroupEgressArgs(
        protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        cidr_blocks=cidr_blocks,
        prefix_list_ids=prefix_list_ids,
    )


class TaskNetwork(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    subnet_ids: pulumi.Output[list[str]]
    security_group_id: pulumi.Output[str]
    assign_public_ip: bool

    def __init__(
        self, name: str, settings: NetworkSettings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ecs-event-patterns:index:TaskNetwork", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)
        self.assign_public_ip = settings.assign_public_ip
        if settings.mode is NetworkMode.DEFAULT_VPC:
            self._use_default_vpc()
        else:
            self._create_isolated_vpc(settings)
        self.register_outputs(
            {"vpcId": self.vpc_id, "subnetIds": self.subnet_ids, "securityGroupId": self.security_group_id}
        )

    def _invoke_opts(self) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(parent=self)

    def _endpoint_service(
        self, service: str, service_type: str
    ) -> pulumi.Output[aws.ec2.GetVpcEndpointServiceResult]:
        # Looked up, not composed: in China some services' names start "cn." (ECR's, for one).
        return aws.ec2.get_vpc_endpoint_service_output(
            service=service, service_type=service_type, opts=self._invoke_opts()
        )

    def _task_security_group(self, egress: list[aws.ec2.SecurityGroupEgressArgs]) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-tasks",
            vpc_id=self.vpc_id,
            description="ECS tasks: no ingress; HTTPS egress to AWS APIs only",
            ingress=[],
            egress=egress,
            opts=self._child,
        )

    def _use_default_vpc(self) -> None:
        vpc = aws.ec2.get_vpc_output(default=True, opts=self._invoke_opts())
        subnets = aws.ec2.get_subnets_output(
            filters=vpc.id.apply(
                lambda vpc_id: [
                    aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc_id]),
                    aws.ec2.GetSubnetsFilterArgs(name="default-for-az", values=["true"]),
                ]
            ),
            opts=self._invoke_opts(),
        )
        self.vpc_id = vpc.id
        self.subnet_ids = subnets.ids
        self.security_group_id = self._task_security_group([https_egress(cidr_blocks=["0.0.0.0/0"])]).id

    def _create_isolated_vpc(self, settings: NetworkSettings) -> None:
        name, child = self._name, self._child
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=settings.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # interface endpoints need private DNS
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        self.vpc_id = vpc.id
        available = aws.get_availability_zones_output(state="available", opts=self._invoke_opts()).names
        interface_services: dict[str, pulumi.Output[aws.ec2.GetVpcEndpointServiceResult]] = {}
        if settings.egress is Egress.NAT:
            zones: pulumi.Output[list[str]] = available
        else:
            interface_services = {
                service: self._endpoint_service(service, "Interface") for service in INTERFACE_ENDPOINTS
            }
            zones = pulumi.Output.all(
                available, *[found.availability_zones for found in interface_services.values()]
            ).apply(
                lambda values: endpoint_zones(
                    values[0], dict(zip(interface_services, values[1:], strict=True)), settings.az_count
                )
            )
        private_cidrs, public_cidrs = subnet_cidrs(settings.vpc_cidr, settings.az_count)
        private_subnets: list[aws.ec2.Subnet] = []
        private_route_tables: list[aws.ec2.RouteTable] = []
        for index, cidr in enumerate(private_cidrs):
            table = aws.ec2.RouteTable(f"{name}-private-{index}", vpc_id=vpc.id, opts=child)
            subnet = self._subnet(f"{name}-private-{index}", vpc, cidr, zones[index], table)
            private_subnets.append(subnet)
            private_route_tables.append(table)
        self.subnet_ids = pulumi.Output.all(*[subnet.id for subnet in private_subnets])

        if settings.egress is Egress.NAT:
            self._create_nat_egress(vpc, zones, public_cidrs, private_route_tables)
            self.security_group_id = self._task_security_group([https_egress(cidr_blocks=["0.0.0.0/0"])]).id
            return
        self._create_endpoints(vpc, settings, interface_services, private_subnets, private_route_tables)

    def _subnet(
        self,
        name: str,
        vpc: aws.ec2.Vpc,
        cidr: str,
        zone: pulumi.Input[str],
        route_table: aws.ec2.RouteTable,
    ) -> aws.ec2.Subnet:
        # No subnet hands out public IPs: NAT gateways get Elastic IPs, tasks get none.
        subnet = aws.ec2.Subnet(
            name,
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={"Name": name},
            opts=self._child,
        )
        aws.ec2.RouteTableAssociation(
            name, subnet_id=subnet.id, route_table_id=route_table.id, opts=self._child
        )
        return subnet

    def _create_endpoints(
        self,
        vpc: aws.ec2.Vpc,
        settings: NetworkSettings,
        interface_services: Mapping[str, pulumi.Output[aws.ec2.GetVpcEndpointServiceResult]],
        private_subnets: list[aws.ec2.Subnet],
        private_route_tables: list[aws.ec2.RouteTable],
    ) -> None:
        name, child = self._name, self._child
        gateways = [
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=vpc.id,
                service_name=self._endpoint_service(service, "Gateway").service_name,
                vpc_endpoint_type="Gateway",
                route_table_ids=[table.id for table in private_route_tables],
                opts=child,
            )
            for service in GATEWAY_ENDPOINTS
        ]
        tasks = self._task_security_group(
            [
                https_egress(cidr_blocks=[settings.vpc_cidr]),
                https_egress(prefix_list_ids=[gateway.prefix_list_id for gateway in gateways]),
            ]
        )
        self.security_group_id = tasks.id
        endpoints_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            vpc_id=vpc.id,
            description="Interface endpoints: HTTPS from the tasks only",
            ingress=[
                {"protocol": "tcp", "from_port": HTTPS, "to_port": HTTPS, "security_groups": [tasks.id]}
            ],
            egress=[],
            opts=child,
        )
        for service, found in interface_services.items():
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=vpc.id,
                service_name=found.service_name,
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[subnet.id for subnet in private_subnets],
                security_group_ids=[endpoints_group.id],
                opts=child,
            )

    def _create_nat_egress(
        self,
        vpc: aws.ec2.Vpc,
        zones: pulumi.Output[list[str]],
        public_cidrs: list[str],
        private_route_tables: list[aws.ec2.RouteTable],
    ) -> None:
        name, child = self._name, self._child
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, opts=child)
        public_table = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            opts=child,
        )
        for index, (cidr, private_table) in enumerate(zip(public_cidrs, private_route_tables, strict=True)):
            subnet = self._subnet(f"{name}-public-{index}", vpc, cidr, zones[index], public_table)
            address = aws.ec2.Eip(f"{name}-nat-{index}", domain="vpc", opts=child)
            nat = aws.ec2.NatGateway(
                f"{name}-nat-{index}", subnet_id=subnet.id, allocation_id=address.id, opts=child
            )
            aws.ec2.Route(
                f"{name}-private-{index}-default",
                route_table_id=private_table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=child,
            )
