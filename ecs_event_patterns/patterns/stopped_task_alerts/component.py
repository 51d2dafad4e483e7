"""Pattern 4: stopped ECS tasks of a cluster -> EventBridge rule -> encrypted SNS topic -> e-mail.

The topic also receives the alarms for failures that would otherwise be silent
(ecs_event_patterns.blocks.alarms): this component's own rule and dead-letter queue here, and those of the
other patterns through `topic_arn`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ecs_event_patterns.blocks.alarms import dead_letter_queue_alarm, failed_invocations_alarm
from ecs_event_patterns.blocks.dead_letter import event_target_dead_letter_queue, retry_policy
from ecs_event_patterns.config.settings import AlertSettings, TargetRetry
from ecs_event_patterns.iam import arns
from ecs_event_patterns.iam.resource_policies import alert_key_policy, alert_topic_policy
from ecs_event_patterns.patterns.stopped_task_alerts.stopped_task_events import (
    cluster_tasks_console_url,
    stopped_task_event_pattern,
    stopped_task_input_paths,
    stopped_task_input_template,
)

KEY_DELETION_WINDOW_DAYS = 30
"""The longest KMS allows: a key deleted by mistake can be restored for 30 days."""

TARGET_RETRY = TargetRetry(max_attempts=185, max_event_age_seconds=3600)
"""Keep retrying a failing publish for an hour (EventBridge backs off), then the dead-letter queue and its
alarm take over: a broken topic shows within the hour instead of after EventBridge's default 24 hours."""


@dataclass(frozen=True)
class StoppedTaskAlertsArgs:
    cluster_arn: pulumi.Input[str]
    """ARN of the ECS cluster whose stopped tasks alert. Required."""
    settings: AlertSettings = field(default_factory=AlertSettings)
    """Subscribers and noise filters; each default is documented on `AlertSettings`."""


def check_args(name: str, args: StoppedTaskAlertsArgs) -> None:
    """Reject what would fail half-way through a deployment, naming the input."""
    # AlertSettings validates the addresses (format, duplicates) itself.
    if isinstance(args.cluster_arn, str):
        try:
            arns.cluster_name(args.cluster_arn)
        except ValueError as error:
            raise ValueError(f"StoppedTaskAlerts {name}: {error}") from None


def subscription_name(component: str, email: str) -> str:
    """A stable child name per address that does not put the address itself in the URN."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:10]
    return f"{component}-email-{digest}"


class StoppedTaskAlerts(pulumi.ComponentResource):
    """Alerts a person when a task of the cluster stops for a reason worth a look.

    The key children are typed attributes, named as in the job patterns (`rule`, `dead_letter_queue`), so a
    program can subscribe another endpoint to `topic` or alarm on `dead_letter_queue` without editing it.
    """

    topic: aws.sns.Topic
    """The alert topic (KMS-encrypted); alarms of other components publish here."""
    key: aws.kms.Key
    """The customer-managed key that encrypts the topic; its key policy lets EventBridge and this account's
    alarms use it."""
    rule: aws.cloudwatch.EventRule
    """The EventBridge rule matching the cluster's stopped tasks."""
    dead_letter_queue: aws.sqs.Queue
    """Keeps the events the rule could not publish to the topic."""
    topic_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: StoppedTaskAlertsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(name, args)
        super().__init__("ecs-event-patterns:index:StoppedTaskAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Parented, so they ask the component's provider (another region or account), not the default one.
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        region = aws.get_region_output(opts=invoke).region
        account_id = aws.get_caller_identity_output(opts=invoke).account_id

        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the stopped-task alert topic of {name}",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            opts=child,
        )
        aws.kms.Alias(f"{name}-key-alias", name_prefix=f"alias/{name}-", target_key_id=key.key_id, opts=child)
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            # E-mail shows the display name as the sender; SNS allows up to 100 characters.
            display_name=f"ECS alerts {name}"[:100],
            kms_master_key_id=key.arn,
            opts=child,
        )
        # The key policy names the topic (encryption context), so it is attached once the topic exists.
        key_policy = aws.kms.KeyPolicy(
            f"{name}-key-policy",
            key_id=key.key_id,
            policy=alert_key_policy(
                partition=partition, region=region, account_id=account_id, topic_arn=self.topic.arn
            ),
            opts=child,
        )
        for email in args.settings.emails:
            aws.sns.TopicSubscription(
                subscription_name(name, email),
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )

        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            description="ECS tasks of the cluster that stopped for a reason a person should look at",
            event_pattern=pulumi.Output.json_dumps(
                stopped_task_event_pattern(args.cluster_arn, args.settings)
            ),
            opts=child,
        )
        topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=alert_topic_policy(
                partition=partition,
                region=region,
                account_id=account_id,
                topic_arn=self.topic.arn,
                rule_arns=[self.rule.arn],
            ),
            opts=child,
        )
        dead_letters = event_target_dead_letter_queue(
            f"{name}-dead-letters", source_arn=self.rule.arn, parent=self, former_name=f"{name}-dlq"
        )
        console_url = pulumi.Output.all(region, pulumi.Output.from_input(args.cluster_arn)).apply(
            lambda values: cluster_tasks_console_url(values[0], values[1])
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=self.rule.name,
            arn=self.topic.arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths=stopped_task_input_paths(),
                input_template=console_url.apply(stopped_task_input_template),
            ),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(**retry_policy(TARGET_RETRY)),
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=dead_letters.arn),
            # Publishing fails until the topic and key policies let EventBridge in.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[topic_policy, key_policy]),
        )
        failed_invocations_alarm(
            f"{name}-failed-invocations",
            rule_name=self.rule.name,
            topic_arn=self.topic.arn,
            parent=self,
            former_name=f"{name}-rule-failures",
        )
        dead_letter_queue_alarm(
            f"{name}-dead-letters-waiting",
            queue_name=dead_letters.name,
            topic_arn=self.topic.arn,
            parent=self,
            former_name=f"{name}-dlq-messages",
        )

        self.topic_arn = self.topic.arn
        self.key = key
        self.dead_letter_queue = dead_letters
        self.key_arn = key.arn
        self.register_outputs({"topicArn": self.topic_arn, "keyArn": self.key_arn, "ruleArn": self.rule.arn})
