"""The Pulumi side and the workers agree: environment names, checkpoint location, table key."""

from pydantic_settings import BaseSettings

from components.config.settings import QueueSettings
from components.patterns.queue_workers import component as queue_workers
from components.patterns.scheduled_batch import component as scheduled_batch
from components.patterns.upload_processing import component as upload_processing
from components.patterns.upload_processing import object_created_events
from services.ingest import results
from services.ingest.settings import IngestSettings
from services.report import checkpoint
from services.report.settings import ReportSettings
from services.worker.settings import QueueWorkerSettings


def env_names(settings_class: type[BaseSettings]) -> set[str]:
    return {name.upper() for name in settings_class.model_fields}


def test_ingest_reads_what_the_rule_and_task_definition_set():
    from_events = set(object_created_events.OBJECT_ENVIRONMENT)
    assert from_events | {"RESULTS_TABLE"} == env_names(IngestSettings)


def test_worker_reads_what_the_task_definition_sets():
    environment = queue_workers.worker_environment(
        queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/q",
        bucket_name="b",
        settings=QueueSettings(),
    )
    # ECS sets ECS_AGENT_URI itself; RECEIVE_WAIT_SECONDS keeps its 20 s default (only tests lower it).
    assert set(environment) == env_names(QueueWorkerSettings) - {"ECS_AGENT_URI", "RECEIVE_WAIT_SECONDS"}


def test_report_reads_what_the_task_definition_sets_and_its_markers_are_listable():
    assert {"BUCKET", "INPUT_PREFIX", "OUTPUT_PREFIX", "CONCURRENCY"} == env_names(ReportSettings)
    assert scheduled_batch.CHECKPOINT_MARKERS == checkpoint.MARKERS


def test_results_table_key_matches_the_ingest_items():
    assert set(results.item_key("bucket", "key", None)) == {
        upload_processing.PARTITION_KEY,
        upload_processing.SORT_KEY,
    }
