"""The four flows, played on the deployed graph with the real workers, each step on the timeline.

A job pattern's flow is played when the stack deploys that pattern (`upload.enabled`, ...); the
dead-letter alarms and the stopped-task alerts, which every stack has, always.

Every resource comes from the recorded graph: the upload rule and its ECS target (the transformer, the
task definition), the schedule's target, the queue service with its scaling policies, the alert rule
and its SNS target, the dead-letter alarms. The emulator matches events to rules itself (its pattern
matching is good, NOTES-moto.md); the demo plays the targets: the recorded input transformer
(`tools.eventbridge`), RunTask as local processes (`run_task`), and, for each task that stops, the
`ECS Task State Change` event ECS would put on the bus (`task_events`).

Time is compressed in one place, said on the timeline: the work queue's visibility timeout is shortened
in the emulator so a refused message comes back within seconds instead of minutes, and reaches the
dead-letter queue after the recorded maxReceiveCount while the demo watches.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import eventbridge
from tools.demo import alarms, alert_mail, scaling, task_events
from tools.demo.deploy import Deployment
from tools.demo.graph import Graph, GraphError, Resource
from tools.demo.run_task import LocalTask, RunTaskRequest, SkippedTaskError, TaskRunner
from tools.demo.s3_events import Sequencers, to_aws_shape
from tools.demo.timeline import Timeline

RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE = "aws:scheduler/schedule:Schedule"
SERVICE = "aws:ecs/service:Service"
TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"
TASK_WAIT_SECONDS = 90
COMPRESSED_VISIBILITY_SECONDS = 2
BURST = 12


@dataclass
class Results:
    """What the flows produced, for the timeline's summary and the end-to-end tests."""

    tasks: list[LocalTask] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, str] = field(default_factory=dict)
    """Sample file name -> the key it was uploaded under."""
    unmatched_uploads: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None
    queue_outputs: list[str] = field(default_factory=list)
    queue_counts: dict[str, int] = field(default_factory=dict)
    dead_letter_counts: dict[str, int] = field(default_factory=dict)
    scaling: list[scaling.Decision] = field(default_factory=list)
    stopped_events: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    """Each notification the alert topic delivered: the SNS document (Subject, Message, ...)."""
    alerted_tasks: list[str] = field(default_factory=list)
    filtered_tasks: list[str] = field(default_factory=list)


def _arn_service(arn: str) -> str:
    return arn.split(":")[2] if arn.startswith("arn:") else ""


def _family(task_definition_arn: str) -> str:
    return task_definition_arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def _env(definition: Resource, name: str) -> str:
    for container in definition.document("containerDefinitions"):
        for item in container.get("environment", []):
            if item["name"] == name:
                return str(item["value"])
    raise GraphError(f"task definition {definition.name} sets no {name}")


def _key_prefix(pattern: dict[str, Any]) -> str:
    """The literal start of the first key filter of an S3 rule (`incoming/` of `incoming/*.csv`)."""
    filters = ((pattern.get("detail") or {}).get("object") or {}).get("key") or [""]
    first = filters[0]
    if isinstance(first, dict):
        text = str(first.get("wildcard") or first.get("prefix") or "")
        return text.split("*", 1)[0]
    return str(first)


JOB_PATTERN_COMPONENTS = {
    "upload": "ecs-event-patterns:index:UploadProcessing",
    "batch": "ecs-event-patterns:index:ScheduledBatch",
    "queue": "ecs-event-patterns:index:QueueWorkers",
}


def deployed_job_patterns(graph: Graph) -> list[str]:
    """The job patterns the stack enables (`<pattern>.enabled`), by the components the program registered."""
    return [pattern for pattern, component in JOB_PATTERN_COMPONENTS.items() if graph.of_type(component)]


class Flows:
    def __init__(self, deployment: Deployment, runner: TaskRunner, timeline: Timeline, samples: Path) -> None:
        self.deployment = deployment
        self.graph = deployment.graph
        self.runner = runner
        self.timeline = timeline
        self.samples = samples
        self.results = Results()
        self._sequencers = Sequencers()
        self._client = deployment.endpoint.client

    # EventBridge: every event on the bus, routed to the recorded rules, their recorded targets played

    def _targets(self, rule: Resource) -> list[Resource]:
        return self.graph.find(TARGET, lambda target: target.inputs.get("rule") == rule.outputs["name"])

    def _bus_events(self) -> list[dict[str, Any]]:
        """Every event the emulator put on the bus since the last call, in AWS's documented shape."""
        sqs = self._client("sqs")
        events: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(
                QueueUrl=self.deployment.bus_spy, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            if not messages:
                return events
            for message in messages:
                events.append(to_aws_shape(json.loads(message["Body"]), self._sequencers))
                sqs.delete_message(QueueUrl=self.deployment.bus_spy, ReceiptHandle=message["ReceiptHandle"])

    def _rules_matching(self, event: dict[str, Any]) -> list[Resource]:
        return [
            rule
            for rule in self.graph.of_type(RULE)
            if rule.inputs.get("eventPattern")
            and rule.inputs.get("state", "ENABLED") == "ENABLED"
            and eventbridge.matches(self.deployment.real(rule.inputs["eventPattern"]), event)
        ]

    def _deliver(self, rule: Resource, event: dict[str, Any]) -> list[LocalTask]:
        started: list[LocalTask] = []
        for target in self._targets(rule):
            transformer = target.inputs.get("inputTransformer")
            if transformer:
                payload = eventbridge.apply_input_transformer(
                    transformer.get("inputPaths") or {}, transformer["inputTemplate"], event
                )
                lines = payload.splitlines() or [""]
                more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
                self.timeline.say("transform", f"{target.name}: {lines[0][:300]}{more}")
            else:
                payload = str(target.inputs.get("input") or json.dumps(event))
            service = _arn_service(str(target.inputs["arn"]))
            if service == "ecs":
                ecs = target.inputs["ecsTarget"]
                request = RunTaskRequest(
                    task_definition_arn=str(ecs["taskDefinitionArn"]),
                    cluster_arn=str(target.inputs["arn"]),
                    group=str(ecs.get("group") or f"family:{_family(str(ecs['taskDefinitionArn']))}"),
                    started_by=f"events-rule/{rule.outputs['name']}",
                    overrides=json.loads(payload),
                    launch_type=str(ecs.get("launchType") or "FARGATE"),
                )
                task = self._run(request, f"rule {rule.name}")
                if task is not None:
                    started.append(task)
            elif service == "sns":
                topic = self.deployment.real(target.inputs["arn"])
                self._client("sns").publish(TopicArn=topic, Message=payload)
                self.timeline.say("sns", f"{target.name}: published to {topic.rsplit(':', 1)[-1]}")
            elif service == "sqs":
                queue_url = self._queue_url(self.deployment.real(target.inputs["arn"]))
                self._client("sqs").send_message(QueueUrl=queue_url, MessageBody=payload)
            else:
                self.timeline.say("skip", f"{target.name}: a {service} target is not played by the demo")
        return started

    def _queue_url(self, arn: str) -> str:
        name, account = arn.rsplit(":", 1)[-1], arn.split(":")[4]
        return str(
            self._client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        )

    # ECS: tasks and their stopped events

    def _run(self, request: RunTaskRequest, by: str) -> LocalTask | None:
        try:
            task = self.runner.run(request)
        except SkippedTaskError as reason:
            self.results.skipped.append(str(reason))
            self.timeline.say("skip", f"{by}: {reason}")
            return None
        self.results.tasks.append(task)
        self.timeline.say(
            "run-task",
            f"{by} -> task {task.id[:12]} of {_family(request.task_definition_arn)} ({task.request.group}),"
            f" pid {', '.join(str(container.process.pid) for container in task.containers)}",
        )
        return task

    def _finished(self, task: LocalTask) -> None:
        if not task.wait(TASK_WAIT_SECONDS):
            self.timeline.say(
                "ecs", f"task {task.id[:12]} still running after {TASK_WAIT_SECONDS} s: stopping it"
            )
            task.stop(("UserInitiated", "Task stopped by the demo: timed out"), grace_seconds=5)
        self._stopped(task)

    def _stopped(self, task: LocalTask) -> None:
        codes = ", ".join(f"{name} exit {code}" for name, code in task.exit_codes.items())
        last = task.logs()[-1] if task.logs() else {}
        self.timeline.say(
            "ecs",
            f"task {task.id[:12]} STOPPED ({task.stop_code[0]}: {codes}); last log: {last.get('event', '-')}",
        )
        event = task_events.entry(task.stopped())
        self.results.stopped_events.append(json.loads(event["Detail"]))
        failed = self._client("events").put_events(Entries=[event])["FailedEntryCount"]
        if failed:
            raise RuntimeError(f"the emulator refused the stopped event of {task.arn}")

    # the flows

    def upload_processing(self) -> None:
        self.timeline.heading(
            "1. Upload processing: S3 -> EventBridge rule -> transformer -> ingest task -> DynamoDB"
        )
        rule = self._s3_rule()
        pattern = json.loads(rule.inputs["eventPattern"])
        bucket = self.deployment.real(pattern["detail"]["bucket"]["name"][0])
        prefix = _key_prefix(pattern)
        s3 = self._client("s3")
        files = sorted((self.samples / "upload").iterdir())
        for path in files:
            key = prefix + path.name
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
            self.results.uploads[path.name] = key
            self.timeline.say("s3", f"PutObject s3://{bucket}/{key} ({path.stat().st_size} bytes)")
        delivered = set()
        tasks = []
        for event in self._bus_events():
            if event.get("detail-type") != "Object Created":
                continue
            key = urllib.parse.unquote_plus(event["detail"]["object"]["key"])
            for matched in self._rules_matching(event):
                delivered.add(key)
                self.timeline.say(
                    "rule", f"{matched.name} matched Object Created {event['detail']['object']['key']}"
                )
                tasks += self._deliver(matched, event)
        self.results.unmatched_uploads = [
            name for name, key in self.results.uploads.items() if key not in delivered
        ]
        for name in self.results.unmatched_uploads:
            self.timeline.say(
                "rule", f"{rule.name}: no match for {self.results.uploads[name]} (outside the key filter)"
            )
        for task in tasks:
            self._finished(task)
        table = self.deployment.real(_env(self._task_definition_of(self._targets(rule)[0]), "RESULTS_TABLE"))
        items = self._client("dynamodb").scan(TableName=table)["Items"]
        self.results.items = [
            {name: next(iter(value.values())) for name, value in item.items()} for item in items
        ]
        for item in sorted(self.results.items, key=lambda item: str(item.get("pk"))):
            summary = {
                name: item[name] for name in ("status", "rows_good", "rows_bad", "format") if name in item
            }
            self.timeline.say("dynamodb", f"{table}: {item.get('pk')} {json.dumps(summary)}")

    def _s3_rule(self) -> Resource:
        return self.graph.one(
            RULE,
            lambda rule: "aws.s3" in json.loads(rule.inputs.get("eventPattern") or "{}").get("source", []),
            "the upload rule (source aws.s3)",
        )

    def _task_definition_of(self, target: Resource) -> Resource:
        return self.runner.definition(str(target.inputs["ecsTarget"]["taskDefinitionArn"]))

    def scheduled_batch(self) -> None:
        self.timeline.heading(
            "2. Scheduled batch: the schedule fires (now, once) -> report task -> report object"
        )
        schedule = self.graph.one(SCHEDULE, lambda _: True, "the batch schedule")
        target = schedule.inputs["target"]
        ecs = target["ecsParameters"]
        definition = self.runner.definition(str(ecs["taskDefinitionArn"]))
        bucket = self.deployment.real(_env(definition, "BUCKET"))
        input_prefix, output_prefix = _env(definition, "INPUT_PREFIX"), _env(definition, "OUTPUT_PREFIX")
        s3 = self._client("s3")
        for path in sorted((self.samples / "batch").iterdir()):
            s3.put_object(Bucket=bucket, Key=input_prefix + path.name, Body=path.read_bytes())
            self.timeline.say("s3", f"PutObject s3://{bucket}/{input_prefix}{path.name}")
        expression = schedule.inputs.get("scheduleExpression")
        zone = schedule.inputs.get("scheduleExpressionTimezone", "UTC")
        self.timeline.say("scheduler", f"{schedule.name} ({expression}, {zone}) fires now")
        request = RunTaskRequest(
            task_definition_arn=str(ecs["taskDefinitionArn"]),
            cluster_arn=str(target["arn"]),
            group=str(ecs.get("group") or f"family:{_family(str(ecs['taskDefinitionArn']))}"),
            # The demo's own label: the ECS guide does not say what Scheduler sets.
            started_by=f"scheduler/{schedule.outputs.get('name')}",
            overrides=json.loads(target["input"]) if target.get("input") else {},
            launch_type=str(ecs.get("launchType") or "FARGATE"),
        )
        task = self._run(request, f"schedule {schedule.name}")
        if task is None:
            return
        self._finished(task)
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=output_prefix).get("Contents", [])
        reports = [
            item["Key"] for item in listed if item["Key"].endswith(".json") and "/state/" not in item["Key"]
        ]
        for key in reports:
            self.results.report = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            self.timeline.say(
                "s3", f"report s3://{bucket}/{key}: totals {json.dumps(self.results.report.get('totals'))}"
            )

    def queue_workers(self) -> None:
        self.timeline.heading(
            "3. Queue workers: a burst -> scaling policy -> worker tasks -> queue drains, poison -> DLQ"
        )
        service = self.graph.one(SERVICE, lambda _: True, "the queue service")
        definition = self.runner.definition(str(service.inputs["taskDefinition"]))
        queue_url = self.deployment.real(_env(definition, "QUEUE_URL"))
        bucket = self.deployment.real(_env(definition, "OUTPUT_BUCKET"))
        output_prefix = _env(definition, "OUTPUT_PREFIX")
        sqs, s3 = self._client("sqs"), self._client("s3")
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        dead_letter_url = self._queue_url(redrive["deadLetterTargetArn"])
        sqs.set_queue_attributes(
            QueueUrl=queue_url, Attributes={"VisibilityTimeout": str(COMPRESSED_VISIBILITY_SECONDS)}
        )
        self.timeline.say(
            "time",
            f"visibility timeout {attributes['VisibilityTimeout']} s -> {COMPRESSED_VISIBILITY_SECONDS} s"
            " in the emulator "
            f"(time compressed; maxReceiveCount {redrive['maxReceiveCount']} as recorded)",
        )
        message = json.loads((self.samples / "queue" / "message.json").read_text())
        source = self.samples / "queue" / message["key"].rsplit("/", 1)[-1]
        s3.put_object(Bucket=bucket, Key=message["key"], Body=source.read_bytes())
        self.timeline.say("s3", f"PutObject s3://{bucket}/{message['key']}")
        for index in range(BURST):
            body = {
                **message,
                "bucket": bucket,
                "operation": "validate" if index % 4 == 3 else message["operation"],
            }
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
        sqs.send_message(QueueUrl=queue_url, MessageBody=(self.samples / "queue" / "poison.txt").read_text())
        self.timeline.say(
            "sqs", f"SendMessage x {BURST} job messages + 1 poison message to {queue_url.rsplit('/', 1)[-1]}"
        )
        work_queue = self.graph.one(
            QUEUE, lambda queue: self.deployment.real(queue.outputs.get("url")) == queue_url, "the work queue"
        )
        scale_out, scale_in = scaling.burst(self.graph, definition, work_queue, BURST, poison=1)
        self.results.scaling.extend([scale_out, scale_in])
        self.timeline.say("scaling", f"{BURST + 1} messages -> {scale_out.tasks} task(s): {scale_out.why}")
        decision = scale_out
        cluster = str(service.inputs["cluster"])
        deployment_id = f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"
        workers = []
        for _ in range(decision.tasks):
            request = RunTaskRequest(
                task_definition_arn=str(service.inputs["taskDefinition"]),
                cluster_arn=cluster,
                group=f"service:{service.outputs['name']}",
                started_by=deployment_id,
            )
            task = self._run(request, f"service {service.name}")
            if task is not None:
                workers.append(task)
        if not workers:
            return
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            visible, in_flight = self._depth(queue_url)
            dead = self._depth(dead_letter_url)[0]
            if visible == 0 and in_flight == 0 and dead >= 1:
                break
            time.sleep(0.5)
        self.results.queue_counts = {"visible": visible, "in_flight": in_flight}
        self.timeline.say(
            "sqs", f"queue drained: {visible} visible, {in_flight} in flight; dead-letter queue holds {dead}"
        )
        for task in workers:
            for line in task.logs("message.malformed")[:1]:
                self.timeline.say(
                    "worker",
                    f"task {task.id[:12]}: message.malformed, receive {line.get('receive_count')}:"
                    f" {line.get('problem', '')[:80]}",
                )
        decision = scale_in
        self.timeline.say("scaling", f"queue empty -> {decision.tasks} task(s): {decision.why}")
        stop_timeout = max(
            int(container.get("stopTimeout", 30)) for container in definition.document("containerDefinitions")
        )
        for task in workers[decision.tasks :]:
            code, reason = task_events.SERVICE_SCALE_IN
            task.stop((code, reason.format(deployment=deployment_id)), grace_seconds=stop_timeout)
            self._stopped(task)
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=output_prefix).get("Contents", [])
        self.results.queue_outputs = [item["Key"] for item in listed]
        self.timeline.say("s3", f"{len(listed)} result object(s) under s3://{bucket}/{output_prefix}")

    def _depth(self, queue_url: str) -> tuple[int, int]:
        attributes = self._client("sqs").get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def dead_letter_alarms(self) -> None:
        self.timeline.heading("Dead-letter alarms: each queue's depth against its recorded alarm")
        for alarm in alarms.queue_depth_alarms(self.graph):
            queue = self.graph.with_output(QUEUE, "name", alarm.queue_name)
            depth = self._depth(self.deployment.real(queue.outputs["url"]))[0]
            self.results.dead_letter_counts[alarm.queue_name] = depth
            evaluation = alarms.evaluate(
                alarm, depth, self.deployment.names.real_account, self.deployment.endpoint.region
            )
            state = "ALARM" if evaluation.in_alarm else "OK"
            self.timeline.say(
                "cloudwatch", f"{alarm.name}: {depth} message(s) in {alarm.queue_name} -> {state}"
            )
            if evaluation.in_alarm:
                for topic in alarm.resource.inputs.get("alarmActions") or []:
                    self._client("sns").publish(
                        TopicArn=self.deployment.real(topic),
                        Subject=evaluation.subject[:100],
                        Message=alarms.message_text(evaluation),
                    )
                    self.timeline.say("sns", f"alarm message published to {str(topic).rsplit(':', 1)[-1]}")

    def stopped_task_alerts(self) -> None:
        self.timeline.heading(
            "4. Stopped-task alerts: STOPPED events -> alert rule -> transformer -> SNS -> e-mail"
        )
        rule = self.graph.one(
            RULE,
            lambda rule: "aws.ecs" in json.loads(rule.inputs.get("eventPattern") or "{}").get("source", []),
            "the stopped-task alert rule (source aws.ecs)",
        )
        alerting: list[dict[str, Any]] = []
        for event in self._bus_events():
            if event.get("source") != "aws.ecs":
                continue
            detail = event["detail"]
            name = (
                f"task {detail['taskArn'].rsplit('/', 1)[-1][:12]} ({detail['group']}, {detail['stopCode']})"
            )
            if rule in self._rules_matching(event):
                self.results.alerted_tasks.append(detail["taskArn"])
                self.timeline.say("rule", f"{rule.name} matched {name}")
                alerting.append(event)
            else:
                self.results.filtered_tasks.append(detail["taskArn"])
                self.timeline.say("rule", f"{rule.name} filtered {name}: no alert")
        for event in alerting:
            self._deliver(rule, event)
        self._read_topics()

    def _read_topics(self) -> None:
        sqs = self._client("sqs")
        for topic in self.graph.of_type(TOPIC):
            url = self.deployment.topic_spies[str(topic.outputs["arn"])]
            while True:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                    "Messages", []
                )
                if not messages:
                    break
                for message in messages:
                    notification = json.loads(message["Body"])
                    self.results.alerts.append(notification)
                    self.timeline.say("e-mail", f"to the subscribers of {topic.outputs['name']}:")
                    self.timeline.block(
                        alert_mail.render(notification, str(topic.inputs.get("displayName", "")))
                    )
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def play(self) -> Results:
        """The flow of each job pattern the stack deploys, then the alarms and the stopped-task alerts."""
        flows = {"upload": self.upload_processing, "batch": self.scheduled_batch, "queue": self.queue_workers}
        deployed = deployed_job_patterns(self.graph)
        for pattern, flow in flows.items():
            if pattern in deployed:
                flow()
            else:
                self.timeline.say(
                    "demo", f"stack {self.graph.stack} does not deploy {pattern} ({pattern}.enabled: false)"
                )
        self.dead_letter_alarms()
        self.stopped_task_alerts()
        return self.results
