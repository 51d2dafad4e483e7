"""A recording mock of the Pulumi engine: realistic ids and ARNs, every registration kept for assertions.

Used by the program's tests and by the offline policy gate. Outputs follow AWS formats in one region and
one fixed account so that code which parses an ARN or builds a console link sees what it would see in AWS.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib
import json
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import MockCallArgs, MockResourceArgs
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import SETTINGS, get_root_resource, set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


ZONE_LETTERS = "abcd"
"""The mock's available zones: `<region>a` to `<region>d`."""
ENDPOINT_ZONE_GAPS: Mapping[str, tuple[str, ...]] = {"sts": ("b",)}
"""Real regions have zones where a given interface endpoint service is not offered
(DescribeVpcEndpointServices lists the zones it is in); the mock has one such gap, so a program that ignores
it puts a subnet where the endpoint cannot be."""


@dataclass(frozen=True)
class RecordedResource:
    """One registration as the engine saw it: camelCase inputs, the mock's outputs, the resource graph."""

    urn: str
    id: str
    type: str
    name: str
    custom: bool
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    parent: str
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]]
    provider: str = ""
    retain_on_delete: bool = False
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    transforms: int = 0
    """How many transforms the registration carries (the engine applies them to a component's children)."""
    wire_inputs: Mapping[str, Any] = field(default_factory=dict)
    """Inputs as the engine passes them to policy packs: JSON, secrets and unknowns in their wire form."""
    wire_outputs: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    """URNs this resource answers for, as the engine resolves them: its own `aliases` and its parents'."""
    source_file: str = ""
    """Where the program created the resource (the SDK sends it with the registration), for reports that
    point at a line: a `file://` URI, and `source_line`."""
    source_line: int = 0


@dataclass(frozen=True)
class RecordedCall:
    token: str
    args: Mapping[str, Any]
    provider: str = ""
    """The provider reference the invoke went to (`<urn>::<id>`); empty for the default provider."""


def _suffix(name: str) -> str:
    """Stand-in for Pulumi's random auto-name suffix, stable across runs so assertions can name it."""
    return hashlib.sha256(name.encode()).hexdigest()[:7]


def physical_name(name: str, inputs: Mapping[str, Any], *keys: str) -> str:
    """The name AWS would see: an explicit input when the program set one, else an auto-name."""
    for key in keys:
        value = inputs.get(key)
        if isinstance(value, str) and value:
            return value
    prefix = inputs.get("namePrefix")
    if isinstance(prefix, str) and prefix:
        return prefix + _suffix(name)
    return f"{name}-{_suffix(name)}"


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes like AWS would, and records both."""

    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    preview: bool = False
    """As `pulumi preview` sees new resources: no computed outputs (ids, ARNs, names AWS generates), so every
    value computed from another resource is unknown."""
    calls: list[RecordedCall] = field(default_factory=list)
    endpoint_zone_gaps: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(ENDPOINT_ZONE_GAPS)
    )
    """Interface endpoint service -> zone letters where the mock does not offer it."""

    @property
    def partition(self) -> str:
        """The region's partition, as `aws.get_partition` answers: China and GovCloud have their own."""
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def dns_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        account = self.account_id if service != "s3" else ""
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if self.preview:
            # A resource about to be created has only its inputs; the SDK makes every other output unknown.
            return "", dict(args.inputs) if args.typ.startswith("aws:") else {}
        # A provider resource's state echoes its inputs. Multi-language components (awsx) declare outputs of
        # other types under the same names (resource references), so they get only their own outputs.
        outputs = dict(args.inputs) if args.typ.startswith("aws:") else {}
        resource_id, extra = self._outputs_for(args.typ, args.name, args.inputs)
        outputs.update(extra)
        if args.typ.startswith("aws:"):
            outputs.setdefault("tagsAll", args.inputs.get("tags") or {})
        physical = str(outputs.get("name") or physical_name(args.name, args.inputs, "name"))
        for key, kind in declared_outputs(args.typ).items():
            if key not in outputs:
                value = self._plausible(args.typ, key, kind, physical)
                if value is not None:
                    outputs[key] = value
        return resource_id, outputs

    def _plausible(self, typ: str, key: str, kind: Any, physical: str) -> Any:
        """What AWS returns for an output no input set: identifiers in AWS formats, empty values otherwise."""
        if kind is str:
            service = typ.split(":")[1].split("/")[0]
            lowered = key.lower()
            if lowered.endswith("arn"):
                return self.arn(service, physical)
            if lowered.endswith(("url", "endpoint", "address", "dnsname", "domainname", "hostname")):
                host = f"{physical}.{service}.{self.region}.{self.dns_suffix}"
                return f"https://{host}" if lowered.endswith("url") else host
            if lowered.endswith("id"):
                return f"{physical}-{_suffix(key)}"
            if lowered.endswith("name"):
                return physical
            return ""
        if kind in (int, float):
            return 0
        if kind is bool:
            return False
        origin = typing.get_origin(kind)
        if origin in (list, tuple, Sequence):
            return []
        if origin in (dict, Mapping):
            return {}
        return None

    def _outputs_for(self, typ: str, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The id and the outputs AWS computes for a resource: from `_OUTPUTS` by type, else a generic id
        and, for AWS types, an ARN in the resource's service."""
        outputs = _OUTPUTS.get(typ)
        if outputs is not None:
            return outputs(self, name, inputs)
        physical = physical_name(name, inputs, "name")
        extra: dict[str, Any] = {}
        if typ.startswith("aws:") and "/" in typ:
            extra["arn"] = self.arn(typ.split(":")[1].split("/")[0], physical)
        return f"{physical}-id", extra

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        # The base class also allows (result, failures); a plain dict means no failures.
        self.calls.append(RecordedCall(args.token, dict(args.args), args.provider))
        function = args.token
        answer = _INVOKES.get(function)
        if answer is not None:
            return answer(self, args.args)
        result = dict(args.args)
        physical = str(result.get("name") or function.rsplit(":", 1)[-1])
        for key, kind in declared_results(function).items():
            if key not in result:
                value = self._plausible(function, key, kind, physical)
                if value is not None:
                    result[key] = value
        return result


Outputs = tuple[str, dict[str, Any]]
"""A resource's id and the outputs AWS computes for it."""


def _bucket(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    bucket = physical_name(name, inputs, "bucket")
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:{mocks.partition}:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.{mocks.dns_suffix}",
        "bucketRegionalDomainName": f"{bucket}.s3.{mocks.region}.{mocks.dns_suffix}",
        "region": mocks.region,
    }


def _queue(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    queue = physical_name(name, inputs, "name")
    url = f"https://sqs.{mocks.region}.{mocks.dns_suffix}/{mocks.account_id}/{queue}"
    return url, {"name": queue, "arn": mocks.arn("sqs", queue), "url": url}


def _table(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    table = physical_name(name, inputs, "name")
    arn = mocks.arn("dynamodb", f"table/{table}")
    return table, {"name": table, "arn": arn, "streamArn": f"{arn}/stream/2026-01-01T00:00:00.000"}


def _topic(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    topic = physical_name(name, inputs, "name")
    arn = mocks.arn("sns", topic)
    return arn, {"name": topic, "arn": arn}


def _subscription(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    arn = f"{inputs.get('topic', mocks.arn('sns', 'topic'))}:{_suffix(name)}-0000-4000-8000-000000000000"
    return arn, {"arn": arn}


def _role(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    role = physical_name(name, inputs, "name")
    path = inputs.get("path") or "/"
    return role, {
        "name": role,
        "arn": f"arn:{mocks.partition}:iam::{mocks.account_id}:role{path}{role}",
        "uniqueId": "AROA" + _suffix(name).upper() * 2,
    }


def _managed_policy(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    policy = physical_name(name, inputs, "name")
    arn = f"arn:{mocks.partition}:iam::{mocks.account_id}:policy/{policy}"
    return arn, {"name": policy, "arn": arn, "policyId": "ANPA" + _suffix(name).upper() * 2}


def _cluster(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    cluster = physical_name(name, inputs, "name")
    arn = mocks.arn("ecs", f"cluster/{cluster}")
    return arn, {"name": cluster, "arn": arn}


def _task_definition(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    family = physical_name(name, inputs, "family")
    return family, {
        "family": family,
        "arn": mocks.arn("ecs", f"task-definition/{family}:1"),
        "arnWithoutRevision": mocks.arn("ecs", f"task-definition/{family}"),
        "revision": 1,
    }


def _service(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    service = physical_name(name, inputs, "name")
    cluster = str(inputs.get("cluster", "cluster")).rsplit("/", 1)[-1]
    arn = mocks.arn("ecs", f"service/{cluster}/{service}")
    return arn, {"name": service, "arn": arn}


def _event_rule(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    rule = physical_name(name, inputs, "name")
    bus = inputs.get("eventBusName") or "default"
    path = f"rule/{rule}" if bus == "default" else f"rule/{bus}/{rule}"
    return rule, {"name": rule, "arn": mocks.arn("events", path)}


def _log_group(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    group = physical_name(name, inputs, "name")
    return group, {"name": group, "arn": mocks.arn("logs", f"log-group:{group}")}


def _alarm(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    alarm = physical_name(name, inputs, "name")
    return alarm, {"name": alarm, "arn": mocks.arn("cloudwatch", f"alarm:{alarm}")}


def _key(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    key_id = f"{_suffix(name)}-1234-4abc-8def-{_suffix(name + 'k')}01234"[:36]
    return key_id, {"keyId": key_id, "arn": mocks.arn("kms", f"key/{key_id}")}


def _alias(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    alias = physical_name(name, inputs, "name")
    return alias, {"arn": mocks.arn("kms", alias), "targetKeyArn": inputs.get("targetKeyId", "")}


def _schedule(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    schedule = physical_name(name, inputs, "name")
    group = inputs.get("groupName") or "default"
    return f"{group}/{schedule}", {
        "name": schedule,
        "groupName": group,
        "arn": mocks.arn("scheduler", f"schedule/{group}/{schedule}"),
    }


def _schedule_group(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    group = physical_name(name, inputs, "name")
    return group, {"name": group, "arn": mocks.arn("scheduler", f"schedule-group/{group}")}


def _security_group(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    group_id = "sg-0" + _suffix(name) * 2
    return group_id, {"arn": mocks.arn("ec2", f"security-group/{group_id}"), "ownerId": mocks.account_id}


def _vpc(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    vpc_id = "vpc-0" + _suffix(name) * 2
    return vpc_id, {"arn": mocks.arn("ec2", f"vpc/{vpc_id}"), "defaultSecurityGroupId": "sg-0default0"}


def _subnet(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    subnet_id = "subnet-0" + _suffix(name) * 2
    return subnet_id, {"arn": mocks.arn("ec2", f"subnet/{subnet_id}")}


def _vpc_endpoint(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    endpoint_id = "vpce-0" + _suffix(name) * 2
    endpoint = {"arn": mocks.arn("ec2", f"vpc-endpoint/{endpoint_id}")}
    if inputs.get("vpcEndpointType") == "Gateway":
        endpoint["prefixListId"] = "pl-0" + _suffix(name)
    return endpoint_id, endpoint


def _repository_url(mocks: RecordingMocks, repository: str) -> str:
    return f"{mocks.account_id}.dkr.ecr.{mocks.region}.{mocks.dns_suffix}/{repository}"


def _repository(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    repo = physical_name(name, inputs, "name")
    return repo, {
        "name": repo,
        "arn": mocks.arn("ecr", f"repository/{repo}"),
        "repositoryUrl": _repository_url(mocks, repo),
        "registryId": mocks.account_id,
    }


def _awsx_repository(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    return physical_name(name, inputs, "name"), {
        "url": _repository_url(mocks, physical_name(name, inputs, "name"))
    }


def _awsx_image(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    repo_url = inputs.get("repositoryUrl") or _repository_url(mocks, name)
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    return name, {"imageUri": f"{repo_url}@sha256:{digest}"}


def _docker_build_image(_mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    """docker-build's `ref`: a pushed image's first tag with the build's digest (its docstring)."""
    digest = "sha256:" + hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    tags = [str(tag) for tag in inputs.get("tags") or []]
    ref = (f"{tags[0]}@{digest}" if inputs.get("push") else tags[0]) if tags else ""
    return name, {"ref": ref, "digest": digest}


def _scalable_target(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    resource = str(inputs.get("resourceId", name))
    return resource, {"arn": mocks.arn("application-autoscaling", f"scalable-target/0ec2{_suffix(name)}")}


def _scaling_policy(mocks: RecordingMocks, name: str, inputs: Mapping[str, Any]) -> Outputs:
    policy = physical_name(name, inputs, "name")
    resource_id = inputs.get("resourceId", "")
    arn = mocks.arn(
        "autoscaling", f"scalingPolicy:{_suffix(name)}-0000:resource/{resource_id}:policyName/{policy}"
    )
    return policy, {"name": policy, "arn": arn, "alarmArns": []}


_OUTPUTS: dict[str, Callable[[RecordingMocks, str, Mapping[str, Any]], Outputs]] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sqs/queue:Queue": _queue,
    "aws:dynamodb/table:Table": _table,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _managed_policy,
    "aws:ecs/cluster:Cluster": _cluster,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _service,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:kms/key:Key": _key,
    "aws:kms/alias:Alias": _alias,
    "aws:scheduler/schedule:Schedule": _schedule,
    "aws:scheduler/scheduleGroup:ScheduleGroup": _schedule_group,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ecr/repository:Repository": _repository,
    "awsx:ecr:Repository": _awsx_repository,
    "awsx:ecr:Image": _awsx_image,
    "docker-build:index:Image": _docker_build_image,
    "aws:appautoscaling/target:Target": _scalable_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
}
"""Type token -> the id and outputs AWS computes for such a resource (ARNs, URLs, generated ids)."""


Invoke = Callable[[RecordingMocks, Mapping[str, Any]], dict[str, Any]]
"""(the mock, the invoke's arguments) -> what the provider's data source returns."""


def _caller_identity(mocks: RecordingMocks, _args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "accountId": mocks.account_id,
        "arn": f"arn:{mocks.partition}:iam::{mocks.account_id}:user/ci",
        "userId": "AIDAEXAMPLEUSERID",
        "id": mocks.account_id,
    }


def _region(mocks: RecordingMocks, _args: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": mocks.region, "region": mocks.region, "id": mocks.region, "endpoint": ""}


def _partition(mocks: RecordingMocks, _args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "partition": mocks.partition,
        "dnsSuffix": mocks.dns_suffix,
        "id": mocks.partition,
        "reverseDnsPrefix": ".".join(reversed(mocks.dns_suffix.split("."))),
    }


def _endpoint_service(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    service, service_type = args["service"], args["serviceType"]
    # In China some endpoint services (ECR's, Batch's) are named cn.com.amazonaws.<region>.<service>.
    china_named = mocks.partition == "aws-cn" and service.startswith("ecr.")
    prefix = "cn.com.amazonaws" if china_named else "com.amazonaws"
    name = f"{prefix}.{mocks.region}.{service}"
    gaps = mocks.endpoint_zone_gaps.get(service, ()) if service_type == "Interface" else ()
    zones = [f"{mocks.region}{letter}" for letter in ZONE_LETTERS if letter not in gaps]
    return {
        "id": name,
        "serviceName": name,
        "service": service,
        "serviceType": service_type,
        "availabilityZones": zones,
    }


_DEFAULT_VPC = "vpc-0default0000000"


def _vpc_lookup(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    vpc_id = str(args.get("id") or _DEFAULT_VPC)
    return {
        "id": vpc_id,
        "arn": mocks.arn("ec2", f"vpc/{vpc_id}"),
        "cidrBlock": "172.31.0.0/16",
        "default": vpc_id == _DEFAULT_VPC,
        "ownerId": mocks.account_id,
        "mainRouteTableId": "rtb-0default0000000",
        "enableDnsSupport": True,
        "enableDnsHostnames": True,
    }


def _subnet_ids(mocks: RecordingMocks) -> list[str]:
    return [f"subnet-0default00000000{index}" for index in range(3)]


def _subnets(mocks: RecordingMocks, _args: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": mocks.region, "ids": _subnet_ids(mocks)}


def _subnet_lookup(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    subnet_id = str(args.get("id") or _subnet_ids(mocks)[0])
    index = _subnet_ids(mocks).index(subnet_id) if subnet_id in _subnet_ids(mocks) else 0
    return {
        "id": subnet_id,
        "arn": mocks.arn("ec2", f"subnet/{subnet_id}"),
        "vpcId": _DEFAULT_VPC,
        "availabilityZone": f"{mocks.region}{ZONE_LETTERS[index]}",
        "availabilityZoneId": f"{_zone_prefix(mocks.region)}-az{index + 1}",
        "cidrBlock": f"172.31.{16 * index}.0/20",
        "defaultForAz": True,
        "mapPublicIpOnLaunch": True,
        "ownerId": mocks.account_id,
    }


_DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c", "gov": "g"}


def _zone_prefix(region: str) -> str:
    """AWS's zone id prefix: `us-east-1` -> `use1`, `ap-southeast-2` -> `apse2`, `us-gov-west-1` ->
    `usgw1`."""
    parts = region.split("-")
    middle = ""
    for part in parts[1:-1]:
        for word, letter in _DIRECTIONS.items():
            part = part.replace(word, letter)
        middle += part
    return parts[0] + middle + parts[-1]


def _availability_zones(mocks: RecordingMocks, _args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": mocks.region,
        "names": [f"{mocks.region}{letter}" for letter in ZONE_LETTERS],
        "zoneIds": [f"{_zone_prefix(mocks.region)}-az{index}" for index in range(1, len(ZONE_LETTERS) + 1)],
        "groupNames": [mocks.region],
    }


def _registry(mocks: RecordingMocks) -> str:
    return f"{mocks.account_id}.dkr.ecr.{mocks.region}.{mocks.dns_suffix}"


_ECR_PASSWORD = "eyJwYXlsb2FkIjoibW9jayIsInZlcnNpb24iOiIyIn0"  # noqa: S105 - a stand-in, shaped like ECR's
"""ECR's password is an opaque token; docker logs in with user `AWS` and it."""


def _ecr_token(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    """ECR's authorization token is base64 of `AWS:<password>`, as `docker login` takes it apart."""
    token = base64.b64encode(f"AWS:{_ECR_PASSWORD}".encode()).decode()
    return {
        "authorizationToken": token,
        "userName": "AWS",
        "password": _ECR_PASSWORD,
        "proxyEndpoint": f"https://{_registry(mocks)}",
        "expiresAt": "2030-01-01T00:00:00Z",
        "registryId": str(args.get("registryId") or mocks.account_id),
        "id": mocks.region,
    }


_ECS_AMI = "ami-0c1a7f89451184c8b"


def _ami(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    name = "amzn2-ami-ecs-hvm-2.0.20260101-x86_64-ebs"
    return {
        "id": _ECS_AMI,
        "imageId": _ECS_AMI,
        "arn": f"arn:{mocks.partition}:ec2:{mocks.region}::image/{_ECS_AMI}",
        "name": name,
        "architecture": "x86_64",
        "ownerId": "591542846629",
        "owners": list(args.get("owners") or ["amazon"]),
        "imageLocation": f"amazon/{name}",
        "rootDeviceName": "/dev/xvda",
        "rootDeviceType": "ebs",
        "virtualizationType": "hvm",
        "state": "available",
        "mostRecent": bool(args.get("mostRecent")),
        "creationDate": "2026-01-01T00:00:00.000Z",
    }


def _ami_ids(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": mocks.region, "ids": [_ECS_AMI], "owners": list(args.get("owners") or ["amazon"])}


def _ssm_parameter(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    """Public AMI parameters (`/aws/service/ecs/optimized-ami/.../image_id`) answer an AMI id; others a
    placeholder string."""
    name = str(args.get("name") or "")
    value = _ECS_AMI if name.startswith("/aws/service/") and "ami" in name else "mock-parameter-value"
    return {
        "id": name,
        "name": name,
        "arn": mocks.arn("ssm", f"parameter/{name.lstrip('/')}"),
        "type": "String",
        "value": value,
        "insecureValue": value,
        "version": 1,
        "withDecryption": bool(args.get("withDecryption", True)),
    }


def _role_lookup(mocks: RecordingMocks, args: Mapping[str, Any]) -> dict[str, Any]:
    name = str(args.get("name") or "role")
    return {
        "id": name,
        "name": name,
        "arn": f"arn:{mocks.partition}:iam::{mocks.account_id}:role/{name}",
        "uniqueId": "AROA" + _suffix(name).upper() * 2,
        "path": "/",
        "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": []}),
    }


_INVOKES: dict[str, Invoke] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:ec2/getVpcEndpointService:getVpcEndpointService": _endpoint_service,
    "aws:ec2/getVpc:getVpc": _vpc_lookup,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getSubnet:getSubnet": _subnet_lookup,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:ec2/getAmiIds:getAmiIds": _ami_ids,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_token,
    "aws:ecr/getCredentials:getCredentials": _ecr_token,
    "aws:iam/getRole:getRole": _role_lookup,
    "aws:iam/getPolicyDocument:getPolicyDocument": lambda _mocks, args: policy_document(args),
}
"""Invoke token -> the answer of the provider's data source, as AWS would give it; others get their
arguments back plus a plausible value for every field their result class declares."""


def _one_or_many(values: Any) -> Any:
    """IAM JSON as the provider renders it: a single value as a string, several as a list."""
    items = list(values or [])
    return items[0] if len(items) == 1 else items


def policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    """`aws.iam.get_policy_document` rendered like the provider does, so programs that build IAM JSON
    with it get the real document (and the policies see it)."""
    rendered = []
    for statement in args.get("statements") or []:
        item: dict[str, Any] = {}
        if statement.get("sid"):
            item["Sid"] = statement["sid"]
        item["Effect"] = statement.get("effect") or "Allow"
        for key, name in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if statement.get(key):
                item[name] = _one_or_many(statement[key])
        for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            principals = statement.get(key) or []
            if principals == [{"type": "*", "identifiers": ["*"]}]:
                # The provider renders type "*" with identifiers ["*"] as the bare string (the Terraform
                # data source's documented form for "everyone"); {"AWS": "*"} stays an object.
                item[name] = "*"
            elif principals:
                item[name] = {p["type"]: _one_or_many(p.get("identifiers")) for p in principals}
        conditions: dict[str, dict[str, Any]] = {}
        for condition in statement.get("conditions") or []:
            conditions.setdefault(condition["test"], {})[condition["variable"]] = _one_or_many(
                condition.get("values")
            )
        if conditions:
            item["Condition"] = conditions
        rendered.append(item)
    document: dict[str, Any] = {"Version": args.get("version") or "2012-10-17", "Statement": rendered}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    text = json.dumps(document, indent=2)
    return {"json": text, "minifiedJson": json.dumps(document, separators=(",", ":")), "id": _suffix(text)}


def _sdk_class(token: str, class_name: str) -> Any:
    """The Python class in the SDK module a token names (`aws:sqs/queue:Queue` -> `pulumi_aws.sqs`)."""
    package, module = token.split(":")[0], token.split(":")[1].split("/")[0]
    module_name = "pulumi_" + package.replace("-", "_") + ("" if module == "index" else f".{module}")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return None


def _always_present(cls: Any, *, outputs: bool) -> dict[str, Any]:
    """Engine name -> value type of the class's `@pulumi.getter` properties that are not Optional."""
    found: dict[str, Any] = {}
    for attribute in vars(cls).values() if cls is not None else ():
        getter = attribute.fget if isinstance(attribute, property) else None
        name = getattr(getter, "_pulumi_name", None)
        kind = getattr(getter, "__annotations__", {}).get("return")
        if outputs:
            if typing.get_origin(kind) is not pulumi.Output:
                continue
            (kind,) = typing.get_args(kind) or (None,)
        if not name or kind is None or type(None) in typing.get_args(kind):
            continue
        found[name] = kind
    return found


@functools.cache
def declared_outputs(typ: str) -> dict[str, Any]:
    """Outputs a resource always has, from its SDK class (`aws:sqs/queue:Queue` is `pulumi_aws.sqs.Queue`)."""
    if typ.count(":") != 2:
        return {}
    return _always_present(_sdk_class(typ, typ.rsplit(":", 1)[1]), outputs=True)


@functools.cache
def declared_results(token: str) -> dict[str, Any]:
    """Fields an invoke's result always has (`aws:ec2/getAmi:getAmi` gives `pulumi_aws.ec2.GetAmiResult`)."""
    if token.count(":") != 2:
        return {}
    function = token.rsplit(":", 1)[1]
    return _always_present(_sdk_class(token, function[:1].upper() + function[1:] + "Result"), outputs=False)


_RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_SIG_KEY = "4dabf18193072939515e22adb298388d"


def wire_value(value: Any) -> Any:
    """A property in the form the engine gives analyzers: nulls dropped, resource references as their id
    (custom resources) or URN (components); secret and unknown markers kept."""
    if isinstance(value, dict):
        if value.get(_SIG_KEY) == _RESOURCE_REFERENCE_SIG:
            return value.get("id") or value.get("urn", "")
        return {key: wire_value(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [wire_value(item) for item in value]
    return value


def urn_of(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """A URN as the engine makes it: the parent's full type chain, but not the root stack's type."""
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != "pulumi:pulumi:Stack":
            type_ = f"{parent_type}${type_}"
    return "urn:pulumi:" + "::".join([stack, project, type_, name])


class RecordingMonitor(MockMonitor):
    """Keeps every registration with its parent and dependencies, which the stock monitor drops."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording_mocks = mocks
        self.recorded: list[RecordedResource] = []
        self.registered_outputs: dict[str, dict[str, Any]] = {}
        """Component URN -> what its `register_outputs` call registered (the stock monitor drops it)."""
        self.aliases_of: dict[str, tuple[str, ...]] = {}
        """URN -> the URNs its resource answers for through aliases (its own and inherited)."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine makes them: the parent's full type chain, but not the root stack's type."""
        return urn_of(pulumi.get_stack(), pulumi.get_project(), parent, type_, name)

    def _alias_urns(self, request: Any, urn: str) -> tuple[str, ...]:
        """The URNs a registration answers for, resolved as the engine's step generator does: each alias
        spec's unset fields default to the resource's own, and every URN the parent answers for gives the
        child one too (with the parent's old name in place of its new one where the child's name starts
        with it, the `f"{name}-..."` convention)."""
        stack, project = pulumi.get_stack(), pulumi.get_project()
        own: list[str] = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                own.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            own.append(
                urn_of(
                    spec.stack or stack,
                    spec.project or project,
                    parent,
                    spec.type or request.type,
                    spec.name or request.name,
                )
            )
        found = list(own)
        parent_name = request.parent.rsplit("::", 1)[-1]
        for parent_alias in self.aliases_of.get(request.parent, ()):
            for child in (urn, *own):
                name = child.rsplit("::", 1)[-1]
                if name.startswith(parent_name):
                    name = parent_alias.rsplit("::", 1)[-1] + name[len(parent_name) :]
                child_type = child.split("::")[2].rsplit("$", 1)[-1]
                found.append(urn_of(stack, project, parent_alias, child_type, name))
        return tuple(dict.fromkeys(alias for alias in found if alias != urn))

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == "pulumi:pulumi:Stack":
            return response
        registration = self.resources[response.urn]
        inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
        aliases = self._alias_urns(request, response.urn)
        self.aliases_of[response.urn] = aliases
        self.recorded.append(
            RecordedResource(
                urn=response.urn,
                id=response.id,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                inputs=inputs,
                outputs=registration.state,
                parent=request.parent,
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(value.urns) for key, value in request.propertyDependencies.items()
                },
                provider=request.provider,
                retain_on_delete=bool(request.retainOnDelete),
                protect=bool(request.protect),
                ignore_changes=tuple(request.ignoreChanges),
                transforms=len(request.transforms),
                wire_inputs=wire_value(json_format.MessageToDict(request.object)),
                wire_outputs=wire_value(json_format.MessageToDict(response.object)),
                aliases=aliases,
                source_file=request.sourcePosition.uri,
                source_line=request.sourcePosition.line,
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.registered_outputs[request.urn] = pulumi.runtime.rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    def of_type(self, typ: str) -> list[RecordedResource]:
        return [resource for resource in self.recorded if resource.type == typ]

    def by_name(self, name: str) -> RecordedResource:
        matches = [resource for resource in self.recorded if resource.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


def install(
    *,
    project: str = "ecs-event-patterns",
    stack: str = "dev",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    preview: bool = False,
) -> RecordingMonitor:
    """Point the Pulumi runtime at a fresh recording mock; call before the program is imported."""
    mocks = RecordingMocks(region=region, account_id=account_id, preview=preview)
    monitor = RecordingMonitor(mocks)
    # A fresh root stack, so exports of an earlier program in this process do not leak into this one.
    set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    return monitor


def run(program: Callable[[], object]) -> dict[str, Any]:
    """Run `program` on the installed mock; return its stack exports once everything has settled.

    Assertions on `RecordingMonitor.recorded` after this see the whole resource graph, and an exception in
    the program or in any of its applies is raised here.
    """
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()

    def body() -> None:
        program()

    _sync_await(run_pulumi_func(body))
    exports = getattr(get_root_resource(), "outputs", {})
    resolved = _sync_await(pulumi.Output.from_input(exports).future())
    return dict(resolved or {})


def resolve(output: pulumi.Output[Any]) -> Any:
    """The value of an Output of a program that `run` has finished (e.g. a component attribute's `urn`)."""
    return _sync_await(output.future())
