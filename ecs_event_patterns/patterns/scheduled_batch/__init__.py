"""Pattern 2, scheduled batch: EventBridge Scheduler -> one Fargate task per run -> reports in S3."""

from ecs_event_patterns.patterns.scheduled_batch.component import ScheduledBatch, ScheduledBatchArgs

__all__ = ["ScheduledBatch", "ScheduledBatchArgs"]
