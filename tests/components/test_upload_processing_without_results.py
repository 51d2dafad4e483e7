"""UploadProcessing for a job that stores no results (`store_results: false`): no table, nothing about one."""

import json

from ecs_event_patterns.config.settings import ContainerSettings, UploadSettings
from ecs_event_patterns.patterns.upload_processing.component import UploadProcessing
from tests.components.test_upload_processing import ACCOUNT, CHILDREN, args
from tests.support.run_task import deploy_and_read, direct_children, policy_statements
from tools.pulumi_mocks import RecordingMonitor

OUTPUTS = ("bucket_name", "bucket_arn", "rule_arn", "image_uri", "task_definition_arn")
OWN_JOB = ContainerSettings(image=f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/team-jobs@sha256:{'a' * 64}")
"""A job that stores no results is a team's own: the bundled ingest worker's results are the table's items."""


def deploy_without_results() -> tuple[UploadProcessing, dict]:
    built: list[UploadProcessing] = []

    def build() -> UploadProcessing:
        built.append(
            UploadProcessing("upload", args(settings=UploadSettings(store_results=False, container=OWN_JOB)))
        )
        return built[0]

    outputs = deploy_and_read(build, OUTPUTS)
    return built[0], outputs


def test_no_table_is_created_and_the_component_says_so(monitor: RecordingMonitor):
    component, _ = deploy_without_results()

    assert not [r for r in monitor.recorded if r.type.startswith("aws:dynamodb/")]
    assert (component.table, component.table_name, component.table_arn) == (None, None, None)
    assert direct_children(monitor, "upload", "ecs-event-patterns:index:UploadProcessing") == CHILDREN - {
        "upload-results"
    }


def test_the_task_role_only_reads_the_uploads(monitor: RecordingMonitor):
    deploy_without_results()
    bucket_arn = monitor.by_name("upload-uploads-bucket").outputs["arn"]

    assert policy_statements(monitor, "upload-ingest-task-policy") == [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": [f"{bucket_arn}/incoming/*"],
        }
    ]


def test_the_container_gets_no_results_table_variable(monitor: RecordingMonitor):
    deploy_without_results()
    [container] = json.loads(monitor.by_name("upload-ingest-definition").inputs["containerDefinitions"])

    assert "RESULTS_TABLE" not in {variable["name"] for variable in container.get("environment", [])}


def test_no_table_outputs_are_registered(monitor: RecordingMonitor):
    _, outputs = deploy_without_results()

    registered = monitor.registered_outputs[monitor.by_name("upload").urn]
    assert set(registered) == {
        "bucketName",
        "bucketArn",
        "ruleArn",
        "deadLetterQueueUrl",
        "deadLetterQueueArn",
        "imageUri",
        "taskDefinitionArn",
    }
    assert registered["ruleArn"] == outputs["rule_arn"]
