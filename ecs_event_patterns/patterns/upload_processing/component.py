"""Pattern 1, upload processing: S3 upload -> EventBridge rule -> one Fargate task per object -> DynamoDB.

The bucket sends its events to the default bus; a rule picks `Object Created` events of this bucket under
the key prefix with an allowed suffix and starts the `ingest` worker with the object's details as container
environment. Failed starts are retried, then kept in a dead-letter queue; both failures raise alarms. The
results table exists only where the job stores its results there (`UploadSettings.store_results`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks import alarms
from ecs_event_patterns.blocks.dead_letter import event_target_dead_letter_queue, retry_policy
from ecs_event_patterns.blocks.run_task_target import fargate_placement, run_task_role
from ecs_event_patterns.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from ecs_event_patterns.config.settings import DataSettings, UploadSettings
from ecs_event_patterns.iam import grants, principals
from ecs_event_patterns.iam.documents import Statement
from ecs_event_patterns.patterns import job_pattern
from ecs_event_patterns.patterns.job_pattern import JobPattern, JobPatternArgs
from ecs_event_patterns.patterns.upload_processing.object_created_events import (
    object_created_pattern,
    run_task_overrides_transformer,
)

WORKER = "ingest"
"""services/Dockerfile target and container name; the input transformer overrides this container."""

RESULTS_TABLE_VARIABLE = "RESULTS_TABLE"
"""Contract with services.ingest: the table its result items go to."""

PARTITION_KEY = "pk"
SORT_KEY = "sk"
"""Key schema of the results table, both strings (ecs_runtime.upload.results writes them)."""

RESULT_ITEM_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem")
"""What the ingest worker does to its table: read the recorded sequencer, write a result conditionally."""


def ingest_task_statements(
    bucket_arn: pulumi.Input[str], key_prefix: str, table_arn: pulumi.Input[str] | None
) -> list[Statement]:
    """Everything the ingest worker may do: read uploaded objects (named versions too), and write results
    where there is a results table."""
    results = grants.table_items(table_arn, RESULT_ITEM_ACTIONS) if table_arn is not None else []
    return [*grants.read_objects(bucket_arn, key_prefix, versions=True), *results]


@dataclass(frozen=True, kw_only=True)
class UploadProcessingArgs(JobPatternArgs):
    settings: UploadSettings = field(default_factory=UploadSettings)
    """Key filter, task size, retry policy and stop timeout; defaults: see `UploadSettings`."""


def check_args(name: str, args: UploadProcessingArgs) -> None:
    """The checks every job pattern makes; the key filter's rules are UploadSettings' own."""
    component = f"UploadProcessing {name}"
    job_pattern.check_args(component, args, args.settings, UploadSettings)


class UploadProcessing(JobPattern):
    """Bucket, results table (if the job stores results), ingest worker task, the rule that starts it per
    upload, and its alarms.

    Besides the children every `JobPattern` exposes, its own `table` and `rule`.
    """

    table: aws.dynamodb.Table | None
    """The results table, one item per object version; None when `settings.store_results` is false."""
    rule: aws.cloudwatch.EventRule
    """The rule that starts one task per `Object Created` event under the key filter."""
    table_name: pulumi.Output[str] | None
    table_arn: pulumi.Output[str] | None
    rule_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: UploadProcessingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(name, args)
        super().__init__("ecs-event-patterns:index:UploadProcessing", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        bucket = SecureBucket(
            f"{name}-uploads",
            SecureBucketArgs(eventbridge_notifications=True, retain_on_delete=args.data.retain_on_delete),
            opts=child,
        )
        table = self._results_table(name, args.data) if settings.store_results else None
        task = self._worker_task(
            name,
            args,
            settings,
            worker=WORKER,
            environment={RESULTS_TABLE_VARIABLE: table.name} if table is not None else {},
            task_role_statements=ingest_task_statements(
                bucket.arn, settings.key_prefix, table.arn if table is not None else None
            ),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-object-created",
            description="S3 Object Created in the upload bucket, under the key filter: start one ingest task",
            event_pattern=object_created_pattern(
                bucket.bucket_name, settings.key_prefix, settings.key_suffixes
            ),
            state="ENABLED",
            opts=child,
        )
        dead_letters = event_target_dead_letter_queue(
            f"{name}-dead-letters", source_arn=rule.arn, parent=self
        )
        events_role = run_task_role(
            f"{name}-events",
            service=principals.EVENTBRIDGE,
            source_arn=rule.arn,
            task=task,
            cluster_arn=args.platform.cluster_arn,
            parent=self,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-run-{WORKER}",
            rule=rule.name,
            arn=args.platform.cluster_arn,
            role_arn=events_role.role.arn,
            ecs_target=aws.cloudwatch.EventTargetEcsTargetArgs(**fargate_placement(args.platform, task)),
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                **run_task_overrides_transformer(task.container_name)
            ),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(**retry_policy(settings.retry)),
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=dead_letters.arn),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[events_role.policy]),
        )
        alarms.failed_invocations_alarm(
            f"{name}-failed-invocations", rule_name=rule.name, topic_arn=args.alarm_topic_arn, parent=self
        )
        alarms.dead_letter_queue_alarm(
            f"{name}-dead-letters-waiting",
            queue_name=dead_letters.name,
            topic_arn=args.alarm_topic_arn,
            parent=self,
        )

        job_outputs = self._expose_job(bucket=bucket, dead_letter_queue=dead_letters, task=task)
        self.table = table
        self.rule = rule
        self.table_name = table.name if table is not None else None
        self.table_arn = table.arn if table is not None else None
        self.rule_arn = rule.arn
        table_outputs = {"tableName": table.name, "tableArn": table.arn} if table is not None else {}
        self.register_outputs({**job_outputs, **table_outputs, "ruleArn": self.rule_arn})

    def _results_table(self, name: str, data: DataSettings) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{name}-results",
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attributes=[{"name": PARTITION_KEY, "type": "S"}, {"name": SORT_KEY, "type": "S"}],
            # The AWS-managed key (aws/dynamodb) instead of the default AWS-owned one: key use shows in
            # CloudTrail, and callers need no KMS permissions of their own.
            server_side_encryption={"enabled": True},
            point_in_time_recovery={"enabled": data.point_in_time_recovery},
            deletion_protection_enabled=data.deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=data.retain_on_delete),
        )
