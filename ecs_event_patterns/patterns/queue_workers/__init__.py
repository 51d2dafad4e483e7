"""Pattern 3, queue workers: SQS queue (+ dead-letter queue) -> ECS service on Fargate, scaled on backlog."""

from ecs_event_patterns.patterns.queue_workers.component import QueueWorkers, QueueWorkersArgs

__all__ = ["QueueWorkers", "QueueWorkersArgs"]
