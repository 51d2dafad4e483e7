"""Pattern 3, queue workers: SQS queue (+ dead-letter queue) -> ECS service on Fargate, scaled on the backlog.

Producers put a JSON message naming an object under `INPUT_PREFIX` of the data bucket; the worker
(`python -m services.worker`) turns it into JSON Lines under `OUTPUT_PREFIX`. How the service scales
(down to zero and back) is described in `ecs_event_patterns.patterns.queue_workers.scaling`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks import alarms
from ecs_event_patterns.blocks.cluster import FARGATE, FARGATE_SPOT
from ecs_event_patterns.blocks.dead_letter import dead_letter_queue
from ecs_event_patterns.blocks.queue_policy import attach_tls_only_policy
from ecs_event_patterns.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from ecs_event_patterns.config.settings import QueueSettings
from ecs_event_patterns.iam import arns, grants
from ecs_event_patterns.iam.documents import Statement
from ecs_event_patterns.patterns import job_pattern
from ecs_event_patterns.patterns.job_pattern import JobPattern, JobPatternArgs
from ecs_event_patterns.patterns.queue_workers import scaling as queue_scaling

WORKER = "worker"
"""Build target of services/Dockerfile; the container runs `python -m services.worker`."""
INPUT_PREFIX = "input/"
"""The worker reads job inputs only under this prefix of the data bucket."""
OUTPUT_PREFIX = "output/"
"""... and writes results only under this one."""
RECEIVE_WAIT_SECONDS = 20
"""Long polling: the most SQS allows; fewer empty receives, and messages reach an idle worker at once."""


@dataclass(frozen=True, kw_only=True)
class QueueWorkersArgs(JobPatternArgs):
    settings: QueueSettings = field(default_factory=QueueSettings)
    """Queue, task size, scaling bounds and Spot use; each default is documented on `QueueSettings`."""
    cluster_name: pulumi.Input[str]
    """Name of the cluster `platform.cluster_arn` points at (`EcsCluster.cluster_name`): the scalable
    target's resource id and the dimension of its Container Insights metrics. The service also waits for
    it, and `EcsCluster.cluster_name` resolves only once the Fargate capacity providers are attached."""


def worker_environment(
    *, queue_url: pulumi.Input[str], bucket_name: pulumi.Input[str], settings: QueueSettings
) -> dict[str, pulumi.Input[str]]:
    """The contract with `services.worker`: every variable the container reads, in one place."""
    return {
        "QUEUE_URL": queue_url,
        "OUTPUT_BUCKET": bucket_name,
        "OUTPUT_PREFIX": OUTPUT_PREFIX,
        "WORKER_CONCURRENCY": str(settings.worker_concurrency),
        "JOB_TIMEOUT_SECONDS": str(settings.job_timeout_seconds),
        "VISIBILITY_TIMEOUT_SECONDS": str(settings.visibility_timeout_seconds),
        "STOP_TIMEOUT_SECONDS": str(settings.stop_timeout_seconds),
    }


def worker_statements(
    *, queue_arn: pulumi.Input[str], bucket_arn: pulumi.Input[str], cluster_arn: pulumi.Input[str]
) -> list[Statement]:
    """Everything the worker may do: consume its queue, read inputs, write outputs, protect its tasks."""
    return [
        *grants.consume_messages(queue_arn),
        *grants.read_objects(bucket_arn, INPUT_PREFIX),
        *grants.write_objects(bucket_arn, OUTPUT_PREFIX),
        *grants.protect_own_tasks(cluster_arn),
    ]


def redrive_policy(dead_letter_queue_arn: pulumi.Input[str], max_receive_count: int) -> pulumi.Output[str]:
    """Source queue: after `max_receive_count` receives a message moves to the dead-letter queue."""
    # SQS wants maxReceiveCount as a number (a string is accepted by the API, then shows as drift).
    return pulumi.Output.json_dumps(
        {"deadLetterTargetArn": dead_letter_queue_arn, "maxReceiveCount": max_receive_count}
    )


def redrive_allow_policy(source_queue_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Dead-letter queue: only this source queue may use it."""
    return pulumi.Output.json_dumps({"redrivePermission": "byQueue", "sourceQueueArns": [source_queue_arn]})


def capacity_provider_strategy(
    settings: QueueSettings,
) -> list[aws.ecs.ServiceCapacityProviderStrategyArgsDict]:
    """Where tasks run. ECS places `base` tasks on the provider that has it, then splits the rest by
    `weight`; a provider with weight 0 gets its base and nothing more. So with Spot: the first
    `on_demand_base` tasks on regular Fargate, every task above them on Fargate Spot."""
    if not settings.use_spot:
        return [{"capacity_provider": FARGATE, "base": 0, "weight": 1}]
    spot: aws.ecs.ServiceCapacityProviderStrategyArgsDict = {
        "capacity_provider": FARGATE_SPOT,
        "base": 0,
        "weight": 1,
    }
    if settings.on_demand_base == 0:
        return [spot]
    return [{"capacity_provider": FARGATE, "base": settings.on_demand_base, "weight": 0}, spot]


def service_resource_id(
    cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]
) -> pulumi.Output[str]:
    """Application Auto Scaling's id of an ECS service."""
    return pulumi.Output.concat("service/", cluster_name, "/", service_name)


def check_args(name: str, args: QueueWorkersArgs) -> None:
    """The checks every job pattern makes, then what only this one can: the cluster's name matches its ARN.
    QueueSettings checks its own fields and their relations (visibility timeout, min/max tasks)."""
    component = f"QueueWorkers {name}"
    job_pattern.check_args(component, args, args.settings, QueueSettings)
    cluster_name, cluster_arn = args.cluster_name, args.platform.cluster_arn
    if isinstance(cluster_name, str) and not cluster_name:
        raise ValueError(f"{component}: cluster_name is empty; the scaling target and its metrics need it")
    if not isinstance(cluster_arn, str):
        return  # An Output: ECS checks it once it is known.
    try:
        arn_name = arns.cluster_name(cluster_arn)
    except ValueError as error:
        raise ValueError(f"{component}: platform.{error}") from None
    if isinstance(cluster_name, str) and arn_name != cluster_name:
        # Else the service would run in one cluster and scale on the metrics of another.
        raise ValueError(
            f"{component}: cluster_name {cluster_name!r} is not the cluster of platform.cluster_arn "
            f"{cluster_arn!r}"
        )


class QueueWorkers(JobPattern):
    """SQS queue with a dead-letter queue, a Fargate service polling it, and scaling down to zero tasks.

    Besides the children every `JobPattern` exposes, its own `queue` and `service`.
    """

    queue: aws.sqs.Queue
    """The work queue producers send to; after `max_receive_count` receives a message moves to
    `dead_letter_queue`."""
    service: aws.ecs.Service
    """The workers' service; Application Auto Scaling owns its desired count."""
    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    service_name: pulumi.Output[str]

    def __init__(self, name: str, args: QueueWorkersArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args(name, args)
        super().__init__("ecs-event-patterns:index:QueueWorkers", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        bucket = SecureBucket(
            f"{name}-data", SecureBucketArgs(retain_on_delete=args.data.retain_on_delete), opts=child
        )
        # 14 days, the most SQS allows: a message's age counts from its first enqueue, not from its move.
        dead_letters = dead_letter_queue(f"{name}-dead-letters", parent=self)
        queue = aws.sqs.Queue(
            f"{name}-queue",
            sqs_managed_sse_enabled=True,
            visibility_timeout_seconds=settings.visibility_timeout_seconds,
            message_retention_seconds=settings.message_retention_seconds,
            receive_wait_time_seconds=RECEIVE_WAIT_SECONDS,
            redrive_policy=redrive_policy(dead_letters.arn, settings.max_receive_count),
            opts=child,
        )
        attach_tls_only_policy(f"{name}-queue-policy", queue, parent=self)
        # A separate resource: inline on the dead-letter queue it would need the source's ARN first (a cycle).
        aws.sqs.RedriveAllowPolicy(
            f"{name}-dead-letters-allow",
            queue_url=dead_letters.url,
            redrive_allow_policy=redrive_allow_policy(queue.arn),
            opts=child,
        )
        alarms.dead_letter_queue_alarm(
            f"{name}-dead-letters-waiting",
            queue_name=dead_letters.name,
            topic_arn=args.alarm_topic_arn,
            parent=self,
        )

        task = self._worker_task(
            name,
            args,
            settings,
            worker=WORKER,
            environment=worker_environment(
                queue_url=queue.url, bucket_name=bucket.bucket_name, settings=settings
            ),
            task_role_statements=worker_statements(
                queue_arn=queue.arn, bucket_arn=bucket.arn, cluster_arn=args.platform.cluster_arn
            ),
        )
        service = self._service(name, args, task.task_definition.arn)
        self._scaling(name, args, queue_name=queue.name, service_name=service.name)

        job_outputs = self._expose_job(bucket=bucket, dead_letter_queue=dead_letters, task=task)
        self.queue = queue
        self.service = service
        self.queue_url = queue.url
        self.queue_arn = queue.arn
        self.service_name = service.name
        self.register_outputs(
            {
                **job_outputs,
                "queueUrl": self.queue_url,
                "queueArn": self.queue_arn,
                "serviceName": self.service_name,
            }
        )

    def _service(
        self, name: str, args: QueueWorkersArgs, task_definition_arn: pulumi.Input[str]
    ) -> aws.ecs.Service:
        platform = args.platform
        return aws.ecs.Service(
            f"{name}-service",
            # The ARN, once the cluster's name is known: a strategy naming FARGATE_SPOT fails until the
            # cluster has that capacity provider.
            cluster=pulumi.Output.all(platform.cluster_arn, args.cluster_name).apply(lambda arns: arns[0]),
            task_definition=task_definition_arn,
            # The starting point only: Application Auto Scaling owns the desired count from then on.
            desired_count=args.settings.min_tasks,
            capacity_provider_strategies=capacity_provider_strategy(args.settings),
            # The provider refuses to update the strategy of an existing service without it (its docstring:
            # "Updating this argument requires `force_new_deployment = true`"). It only makes each update of
            # the service start a deployment, which a task definition change starts anyway.
            force_new_deployment=True,
            platform_version="LATEST",
            network_configuration={
                "subnets": platform.subnet_ids,
                "security_groups": platform.security_group_ids,
                "assign_public_ip": platform.assign_public_ip,
            },
            # A revision whose tasks never start rolls back instead of retrying forever.
            deployment_circuit_breaker={"enable": True, "rollback": True},
            # New tasks start before old ones stop; old ones get stopTimeout to release their jobs.
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # With desired 0 there is no steady state to wait for; the circuit breaker reports failures.
            wait_for_steady_state=False,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCount"]),
        )

    def _scaling(
        self,
        name: str,
        args: QueueWorkersArgs,
        *,
        queue_name: pulumi.Output[str],
        service_name: pulumi.Output[str],
    ) -> None:
        settings = args.settings
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=service_resource_id(args.cluster_name, service_name),
            min_capacity=settings.min_tasks,
            max_capacity=settings.max_tasks,
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_target: dict[str, Any] = {
            "service_namespace": target.service_namespace,
            "scalable_dimension": target.scalable_dimension,
            "resource_id": target.resource_id,
        }
        aws.appautoscaling.Policy(
            f"{name}-backlog-per-task",
            policy_type="TargetTrackingScaling",
            target_tracking_scaling_policy_configuration=queue_scaling.backlog_per_task_policy(
                queue_name=queue_name,
                cluster_name=args.cluster_name,
                service_name=service_name,
                backlog_per_task=settings.backlog_per_task,
            ),
            **on_target,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if settings.min_tasks > 0:
            return  # The service never reaches zero: target tracking alone scales it.
        steps: Sequence[tuple[str, queue_scaling.StepScaling, queue_scaling.AlarmSpec]] = (
            (
                "wake",
                queue_scaling.wake_policy(),
                queue_scaling.wake_alarm(queue_name),
            ),
            (
                "sleep",
                queue_scaling.sleep_policy(),
                queue_scaling.idle_alarm(queue_name, args.cluster_name, service_name),
            ),
        )
        for step, configuration, alarm in steps:
            policy = aws.appautoscaling.Policy(
                f"{name}-{step}",
                policy_type="StepScaling",
                step_scaling_policy_configuration=configuration,
                **on_target,
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.cloudwatch.MetricAlarm(
                f"{name}-{step}-alarm",
                alarm_description=alarm.description,
                metric_queries=alarm.metric_queries,
                comparison_operator=alarm.comparison_operator,
                threshold=alarm.threshold,
                evaluation_periods=alarm.evaluation_periods,
                datapoints_to_alarm=alarm.evaluation_periods,
                treat_missing_data=alarm.treat_missing_data,
                alarm_actions=[policy.arn],
                opts=pulumi.ResourceOptions(parent=self),
            )
