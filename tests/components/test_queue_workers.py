"""QueueWorkers: queues, task role, service and scaling as SQS, IAM, ECS and Application Auto Scaling get them."""

import dataclasses
import json
from typing import Any

import pulumi
import pytest

from ecs_event_patterns.blocks.cluster import EcsCluster
from ecs_event_patterns.blocks.task import TaskPlatform
from ecs_event_patterns.config.settings import CpuArchitecture, DataSettings, FargateSize, QueueSettings
from ecs_event_patterns.patterns.queue_workers.component import (
    QueueWorkers,
    QueueWorkersArgs,
    capacity_provider_strategy,
)
from tests.support.queue_policies import tls_only_statement
from tools import pulumi_mocks
from tools.pulumi_mocks import RecordingMonitor

CLUSTER_NAME = "main-1a2b3c4"
CLUSTER_ARN = f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER_NAME}"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts-1a2b3c4"
SETTINGS = QueueSettings(
    size=FargateSize(cpu=512, memory=1024),
    min_tasks=0,
    max_tasks=8,
    backlog_per_task=50,
    max_receive_count=7,
    job_timeout_seconds=200,
    visibility_timeout_seconds=360,
    message_retention_seconds=86400,
    worker_concurrency=3,
    use_spot=True,
    on_demand_base=0,
    stop_timeout_seconds=90,
)


def args(**overrides: Any) -> QueueWorkersArgs:
    values: dict[str, Any] = {
        "settings": SETTINGS,
        "platform": TaskPlatform(
            cluster_arn=CLUSTER_ARN,
            subnet_ids=["subnet-1", "subnet-2"],
            security_group_ids=["sg-1"],
            assign_public_ip=False,
            cpu_architecture=CpuArchitecture.ARM64,
            log_retention_days=30,
        ),
        "cluster_name": CLUSTER_NAME,
        "alarm_topic_arn": TOPIC_ARN,
    }
    values.update(overrides)
    return QueueWorkersArgs(**values)


def build(**overrides: Any) -> None:
    pulumi_mocks.run(lambda: QueueWorkers("jobs", args(**overrides)))


def queue_and_service_names(monitor: RecordingMonitor) -> tuple[str, str]:
    return monitor.by_name("jobs-queue").outputs["name"], monitor.by_name("jobs-service").outputs["name"]


def alarm_metric(query_id: str, namespace: str, metric_name: str, dimensions: dict[str, str]) -> dict:
    """A metric feeding an alarm's expression: the maximum of each minute."""
    return {
        "id": query_id,
        "returnData": False,
        "metric": {
            "namespace": namespace,
            "metricName": metric_name,
            "dimensions": dimensions,
            "stat": "Maximum",
            "period": 60,
        },
    }


def test_queue_and_dead_letter_queue(monitor: RecordingMonitor):
    build()

    dead_letters = monitor.by_name("jobs-dead-letters")
    assert dead_letters.inputs["sqsManagedSseEnabled"] is True
    assert dead_letters.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    queue = monitor.by_name("jobs-queue").inputs
    assert queue["sqsManagedSseEnabled"] is True
    assert queue["visibilityTimeoutSeconds"] == 360
    assert queue["messageRetentionSeconds"] == 86400
    assert queue["receiveWaitTimeSeconds"] == 20
    assert json.loads(queue["redrivePolicy"]) == {
        "deadLetterTargetArn": dead_letters.outputs["arn"],
        "maxReceiveCount": 7,
    }
    assert dead_letters.parent == monitor.by_name("jobs").urn
    allow = monitor.by_name("jobs-dead-letters-allow").inputs
    assert allow["queueUrl"] == dead_letters.outputs["url"]
    assert json.loads(allow["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [monitor.by_name("jobs-queue").outputs["arn"]],
    }


def test_task_role_may_do_exactly_what_the_worker_needs(monitor: RecordingMonitor):
    build()

    queue_arn = monitor.by_name("jobs-queue").outputs["arn"]
    bucket_arn = monitor.by_name("jobs-data-bucket").outputs["arn"]
    policy = monitor.by_name("jobs-worker-task-policy").inputs
    assert policy["role"] == monitor.by_name("jobs-worker-task-role").outputs["name"]
    assert json.loads(policy["policy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
            ],
            "Resource": [queue_arn],
        },
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{bucket_arn}/input/*"]},
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": [f"{bucket_arn}/output/*"],
        },
        {
            "Effect": "Allow",
            "Action": ["ecs:UpdateTaskProtection"],
            "Resource": [f"arn:aws:ecs:us-east-1:123456789012:task/{CLUSTER_NAME}/*"],
        },
    ]
    # That one inline policy is all the task role has.
    task_role = policy["role"]
    assert [
        r.name for r in monitor.of_type("aws:iam/rolePolicy:RolePolicy") if r.inputs["role"] == task_role
    ] == ["jobs-worker-task-policy"]
    assert not monitor.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def test_task_definition_runs_the_worker_with_its_settings(monitor: RecordingMonitor):
    build()

    definition = monitor.by_name("jobs-worker-definition").inputs
    assert (definition["cpu"], definition["memory"]) == ("512", "1024")
    assert definition["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    [container] = json.loads(definition["containerDefinitions"])
    assert container["name"] == "worker"
    assert container["stopTimeout"] == 90
    assert {item["name"]: item["value"] for item in container["environment"]} == {
        "QUEUE_URL": monitor.by_name("jobs-queue").outputs["url"],
        "OUTPUT_BUCKET": monitor.by_name("jobs-data-bucket").outputs["bucket"],
        "OUTPUT_PREFIX": "output/",
        "WORKER_CONCURRENCY": "3",
        "JOB_TIMEOUT_SECONDS": "200",
        "VISIBILITY_TIMEOUT_SECONDS": "360",
        "STOP_TIMEOUT_SECONDS": "90",
    }
    assert monitor.by_name("jobs-worker-image-image").inputs["target"] == "worker"


def test_service(monitor: RecordingMonitor):
    build()

    service = monitor.by_name("jobs-service")
    inputs = service.inputs
    assert inputs["cluster"] == CLUSTER_ARN
    assert inputs["taskDefinition"] == monitor.by_name("jobs-worker-definition").outputs["arn"]
    assert inputs["desiredCount"] == 0
    assert service.ignore_changes == ("desiredCount",)
    assert inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1}
    ]
    assert inputs["platformVersion"] == "LATEST"
    assert inputs["networkConfiguration"] == {
        "subnets": ["subnet-1", "subnet-2"],
        "securityGroups": ["sg-1"],
        "assignPublicIp": False,
    }
    assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (inputs["deploymentMinimumHealthyPercent"], inputs["deploymentMaximumPercent"]) == (100, 200)
    assert inputs["enableExecuteCommand"] is False
    assert inputs["waitForSteadyState"] is False
    assert "loadBalancers" not in inputs
    assert "launchType" not in inputs  # a capacity provider strategy and a launch type exclude each other
    # Else the provider refuses any later change of the strategy (use_spot, on_demand_base) on a live stack.
    assert inputs["forceNewDeployment"] is True


@pytest.mark.parametrize(
    ("use_spot", "on_demand_base", "expected"),
    [
        (False, 0, [{"capacity_provider": "FARGATE", "base": 0, "weight": 1}]),
        (False, 2, [{"capacity_provider": "FARGATE", "base": 0, "weight": 1}]),
        (True, 0, [{"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": 1}]),
        (
            True,
            2,
            [
                {"capacity_provider": "FARGATE", "base": 2, "weight": 0},
                {"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": 1},
            ],
        ),
    ],
)
def test_capacity_provider_strategy(use_spot: bool, on_demand_base: int, expected: list[dict]):
    settings = dataclasses.replace(SETTINGS, use_spot=use_spot, on_demand_base=on_demand_base)
    assert capacity_provider_strategy(settings) == expected


def test_with_the_shared_cluster_the_service_waits_for_its_capacity_providers(monitor: RecordingMonitor):
    def program() -> None:
        cluster = EcsCluster("main")
        platform = dataclasses.replace(args().platform, cluster_arn=cluster.arn)
        QueueWorkers("jobs", args(platform=platform, cluster_name=cluster.cluster_name))

    pulumi_mocks.run(program)

    cluster = monitor.by_name("main-cluster").outputs
    service = monitor.by_name("jobs-service")
    assert service.inputs["cluster"] == cluster["arn"]
    # A strategy naming FARGATE_SPOT fails on a cluster that does not have it yet.
    assert monitor.by_name("main-capacity").urn in service.dependencies
    assert monitor.by_name("jobs-scaling").inputs["resourceId"] == (
        f"service/{cluster['name']}/{service.outputs['name']}"
    )


def test_service_uses_the_strategy_of_its_settings(monitor: RecordingMonitor):
    build(settings=dataclasses.replace(SETTINGS, min_tasks=2, on_demand_base=1))

    assert monitor.by_name("jobs-service").inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 0},
        {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1},
    ]
    assert monitor.by_name("jobs-service").inputs["desiredCount"] == 2


def test_scalable_target(monitor: RecordingMonitor):
    build()

    _, service_name = queue_and_service_names(monitor)
    target = monitor.by_name("jobs-scaling").inputs
    assert target == {
        "serviceNamespace": "ecs",
        "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": f"service/{CLUSTER_NAME}/{service_name}",
        "minCapacity": 0,
        "maxCapacity": 8,
    }
    for policy in ("jobs-backlog-per-task", "jobs-wake", "jobs-sleep"):
        inputs = monitor.by_name(policy).inputs
        assert {key: inputs[key] for key in target if key in inputs} == {
            "serviceNamespace": "ecs",
            "scalableDimension": "ecs:service:DesiredCount",
            "resourceId": f"service/{CLUSTER_NAME}/{service_name}",
        }, policy
        # A policy needs its scalable target registered first.
        assert monitor.by_name("jobs-scaling").urn in monitor.by_name(policy).dependencies, policy


def test_target_tracking_on_backlog_per_task(monitor: RecordingMonitor):
    build()

    queue_name, service_name = queue_and_service_names(monitor)
    policy = monitor.by_name("jobs-backlog-per-task").inputs
    assert policy["policyType"] == "TargetTrackingScaling"
    configuration = policy["targetTrackingScalingPolicyConfiguration"]
    assert configuration["targetValue"] == 50.0
    assert configuration["disableScaleIn"] is False
    assert (configuration["scaleOutCooldown"], configuration["scaleInCooldown"]) == (60, 300)
    assert configuration["customizedMetricSpecification"] == {
        "metrics": [
            {
                "id": "visible",
                "returnData": False,
                "metricStat": {
                    "metric": {
                        "namespace": "AWS/SQS",
                        "metricName": "ApproximateNumberOfMessagesVisible",
                        "dimensions": [{"name": "QueueName", "value": queue_name}],
                    },
                    "stat": "Average",
                },
            },
            {
                "id": "desired",
                "returnData": False,
                "metricStat": {
                    "metric": {
                        "namespace": "ECS/ContainerInsights",
                        "metricName": "DesiredTaskCount",
                        "dimensions": [
                            {"name": "ClusterName", "value": CLUSTER_NAME},
                            {"name": "ServiceName", "value": service_name},
                        ],
                    },
                    "stat": "Average",
                },
            },
            {"id": "tasks", "expression": "FILL(desired, 0)", "label": "Desired tasks", "returnData": False},
            {
                "id": "per_task",
                "expression": "IF(tasks > 0, visible / tasks, visible)",
                "label": "Visible messages per task",
                "returnData": False,
            },
            {
                "id": "backlog_per_task",
                "expression": "IF(per_task < 0.001, 0.001, per_task)",
                "label": "Visible messages per desired task, above 0",
                "returnData": True,
            },
        ]
    }


def test_wake_from_zero(monitor: RecordingMonitor):
    build()

    queue_name, _ = queue_and_service_names(monitor)
    policy = monitor.by_name("jobs-wake")
    assert policy.inputs["policyType"] == "StepScaling"
    assert policy.inputs["stepScalingPolicyConfiguration"] == {
        "adjustmentType": "ChangeInCapacity",
        "cooldown": 300,
        "metricAggregationType": "Maximum",
        "stepAdjustments": [{"metricIntervalLowerBound": "0", "scalingAdjustment": 1}],
    }
    alarm = monitor.by_name("jobs-wake-alarm").inputs
    assert alarm["alarmActions"] == [policy.outputs["arn"]]
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (1, 1)
    assert alarm["treatMissingData"] == "notBreaching"
    # The queue's own metrics only: no Container Insights metric, which may not exist at zero tasks.
    assert alarm["metricQueries"] == [
        alarm_metric("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue_name}),
        alarm_metric(
            "in_flight", "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", {"QueueName": queue_name}
        ),
        {
            "id": "waiting_for_a_task",
            "expression": "IF(in_flight < 1, visible, 0)",
            "label": "Visible messages while none is in flight",
            "returnData": True,
        },
    ]


def test_sleep_only_when_nothing_is_visible_in_flight_or_received(monitor: RecordingMonitor):
    build()

    queue_name, service_name = queue_and_service_names(monitor)
    policy = monitor.by_name("jobs-sleep")
    assert policy.inputs["stepScalingPolicyConfiguration"] == {
        "adjustmentType": "ExactCapacity",
        "cooldown": 300,
        "metricAggregationType": "Maximum",
        "stepAdjustments": [{"metricIntervalUpperBound": "0", "scalingAdjustment": 0}],
    }
    alarm = monitor.by_name("jobs-sleep-alarm").inputs
    assert alarm["alarmActions"] == [policy.outputs["arn"]]
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("LessThanOrEqualToThreshold", 0)
    assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (15, 15)
    assert alarm["treatMissingData"] == "notBreaching"
    assert alarm["metricQueries"] == [
        alarm_metric("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue_name}),
        alarm_metric(
            "desired",
            "ECS/ContainerInsights",
            "DesiredTaskCount",
            {"ClusterName": CLUSTER_NAME, "ServiceName": service_name},
        ),
        alarm_metric(
            "in_flight", "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", {"QueueName": queue_name}
        ),
        {
            "id": "received",
            "returnData": False,
            "metric": {
                "namespace": "AWS/SQS",
                "metricName": "NumberOfMessagesReceived",
                "dimensions": {"QueueName": queue_name},
                "stat": "Sum",
                "period": 60,
            },
        },
        {
            "id": "outstanding",
            "expression": "IF(FILL(desired, 0) > 0, visible + in_flight + received, 1)",
            "label": "Messages waiting, in flight or received while tasks are wanted",
            "returnData": True,
        },
    ]


def test_without_scale_to_zero_target_tracking_alone_scales(monitor: RecordingMonitor):
    build(settings=dataclasses.replace(SETTINGS, min_tasks=1))

    assert monitor.by_name("jobs-scaling").inputs["minCapacity"] == 1
    assert monitor.by_name("jobs-service").inputs["desiredCount"] == 1
    assert [r.name for r in monitor.of_type("aws:appautoscaling/policy:Policy")] == ["jobs-backlog-per-task"]
    assert [r.name for r in monitor.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")] == [
        "jobs-dead-letters-waiting"
    ]


def test_data_bucket_follows_the_data_settings(monitor: RecordingMonitor):
    build(data=DataSettings(retain_on_delete=True))

    bucket = monitor.by_name("jobs-data-bucket")
    assert bucket.retain_on_delete
    assert bucket.inputs["forceDestroy"] is False
    assert monitor.by_name("jobs-data").parent == monitor.by_name("jobs").urn


def test_children_are_named_from_and_parented_to_the_component(monitor: RecordingMonitor):
    build()

    component = monitor.by_name("jobs")
    assert component.type == "ecs-event-patterns:index:QueueWorkers"
    children = {resource.name for resource in monitor.recorded if resource.parent == component.urn}
    assert children == {
        "jobs-data",
        "jobs-dead-letters",
        "jobs-queue",
        "jobs-dead-letters-allow",
        "jobs-dead-letters-policy",
        "jobs-queue-policy",
        "jobs-dead-letters-waiting",
        "jobs-worker",
        "jobs-service",
        "jobs-scaling",
        "jobs-backlog-per-task",
        "jobs-wake",
        "jobs-wake-alarm",
        "jobs-sleep",
        "jobs-sleep-alarm",
    }
    assert all(resource.name.startswith("jobs") for resource in monitor.recorded)


def test_both_queues_refuse_requests_without_tls(monitor: RecordingMonitor):
    build()

    for queue_name in ("jobs-queue", "jobs-dead-letters"):
        queue = monitor.by_name(queue_name).outputs
        policy = monitor.by_name(f"{queue_name}-policy").inputs
        assert policy["queueUrl"] == queue["url"]
        assert json.loads(policy["policy"]) == {
            "Version": "2012-10-17",
            "Statement": [tls_only_statement(queue["arn"])],
        }


def test_dead_letters_alarm_the_topic(monitor: RecordingMonitor):
    build()

    alarm = monitor.by_name("jobs-dead-letters-waiting").inputs
    dead_letters = monitor.by_name("jobs-dead-letters").outputs["name"]
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["dimensions"] == {"QueueName": dead_letters}
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert alarm["alarmActions"] == [TOPIC_ARN]
    assert alarm["okActions"] == [TOPIC_ARN]


def expected_outputs(monitor: RecordingMonitor) -> dict[str, Any]:
    queue, dead_letters = monitor.by_name("jobs-queue").outputs, monitor.by_name("jobs-dead-letters").outputs
    return {
        "queue_url": queue["url"],
        "queue_arn": queue["arn"],
        "dead_letter_queue_url": dead_letters["url"],
        "dead_letter_queue_arn": dead_letters["arn"],
        "service_name": monitor.by_name("jobs-service").outputs["name"],
        "bucket_name": monitor.by_name("jobs-data-bucket").outputs["bucket"],
        "bucket_arn": monitor.by_name("jobs-data-bucket").outputs["arn"],
        "image_uri": monitor.by_name("jobs-worker-image-image").outputs["imageUri"],
        "task_definition_arn": monitor.by_name("jobs-worker-definition").outputs["arn"],
    }


@pulumi.runtime.test
def test_outputs(monitor: RecordingMonitor):
    workers = QueueWorkers("jobs", args())
    outputs = {
        "queue_url": workers.queue_url,
        "queue_arn": workers.queue_arn,
        "dead_letter_queue_url": workers.dead_letter_queue_url,
        "dead_letter_queue_arn": workers.dead_letter_queue_arn,
        "service_name": workers.service_name,
        "bucket_name": workers.bucket_name,
        "bucket_arn": workers.bucket_arn,
        "image_uri": workers.image_uri,
        "task_definition_arn": workers.task_definition_arn,
    }

    def check(seen: dict[str, Any]) -> None:
        assert seen == expected_outputs(monitor)

    return pulumi.Output.all(**outputs).apply(check)


def test_register_outputs_carries_the_same_values(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: QueueWorkers("jobs", args()))

    registered = monitor.registered_outputs[monitor.by_name("jobs").urn]
    camel = {
        "".join(p.title() if i else p for i, p in enumerate(k.split("_"))): v
        for k, v in expected_outputs(monitor).items()
    }
    assert registered == camel


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"settings": {"min_tasks": 0}}, r"QueueWorkers jobs: settings is a dict, not a QueueSettings"),
        (
            {"settings": QueueSettings(enabled=False)},
            r"QueueWorkers jobs: settings.enabled is false, so this pattern is not to be deployed",
        ),
        ({"cluster_name": ""}, r"QueueWorkers jobs: cluster_name is empty"),
        (
            {"cluster_name": "other"},
            r"cluster_name 'other' is not the cluster of platform.cluster_arn "
            r"'arn:aws:ecs:us-east-1:123456789012:cluster/main-1a2b3c4'",
        ),
        (
            {"alarm_topic_arn": "arn:aws:sqs:us-east-1:123456789012:alerts"},
            r"alarm_topic_arn 'arn:aws:sqs:us-east-1:123456789012:alerts' is not an SNS topic ARN",
        ),
        (
            {"platform": dataclasses.replace(args().platform, cluster_arn=CLUSTER_NAME)},
            rf"QueueWorkers jobs: platform.cluster_arn: '{CLUSTER_NAME}' is not an ECS cluster ARN",
        ),
    ],
)
def test_invalid_args_fail_before_any_resource(monitor: RecordingMonitor, overrides: dict, message: str):
    with pytest.raises((TypeError, ValueError), match=message):
        QueueWorkers("jobs", args(**overrides))
    assert monitor.recorded == []


def test_settings_and_data_default_to_the_documented_values():
    defaults = QueueWorkersArgs(
        platform=args().platform, cluster_name=CLUSTER_NAME, alarm_topic_arn=TOPIC_ARN
    )

    assert defaults.settings == QueueSettings()
    assert defaults.data == DataSettings()
