"""The Pulumi side and the workers agree: environment names, checkpoint location, table key."""

from pydantic_settings import BaseSettings

from ecs_event_patterns.config.settings import QueueSettings
from ecs_event_patterns.patterns.queue_workers import component as queue_workers
from ecs_event_patterns.patterns.scheduled_batch import component as scheduled_batch
from ecs_event_patterns.patterns.upload_processing import component as upload_processing
from ecs_event_patterns.patterns.upload_processing import object_created_events
from ecs_runtime.batch import checkpoint
from ecs_runtime.batch.settings import BatchSettings
from ecs_runtime.queue.settings import QueueWorkerSettings
from ecs_runtime.upload import results
from ecs_runtime.upload.settings import UploadSettings
from services.worker.operations import OutputSettings


def env_names(settings_class: type[BaseSettings]) -> set[str]:
    return {name.upper() for name in settings_class.model_fields}


def test_ingest_reads_what_the_rule_and_task_definition_set():
    from_events = set(object_created_events.OBJECT_ENVIRONMENT)
    assert from_events | {"RESULTS_TABLE"} == env_names(UploadSettings)


def test_worker_reads_what_the_task_definition_sets():
    environment = queue_workers.worker_environment(
        queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/q",
        bucket_name="b",
        settings=QueueSettings(),
    )
    # ECS sets ECS_AGENT_URI itself; RECEIVE_WAIT_SECONDS keeps its 20 s default (only tests lower it).
    # The runtime's settings and the bundled handlers' own (OUTPUT_BUCKET, OUTPUT_PREFIX).
    read = env_names(QueueWorkerSettings) | env_names(OutputSettings)
    assert set(environment) == read - {"ECS_AGENT_URI", "RECEIVE_WAIT_SECONDS"}


def test_report_reads_what_the_task_definition_sets_and_its_markers_are_listable():
    assert {"BUCKET", "INPUT_PREFIX", "OUTPUT_PREFIX", "CONCURRENCY"} == env_names(BatchSettings)
    assert scheduled_batch.CHECKPOINT_MARKERS == checkpoint.MARKERS


def test_results_table_key_matches_the_ingest_items():
    assert set(results.item_key("bucket", "key", None)) == {
        upload_processing.PARTITION_KEY,
        upload_processing.SORT_KEY,
    }
