"""Pattern 4: stopped ECS tasks of a cluster -> EventBridge rule -> encrypted SNS topic -> e-mail."""

from ecs_event_patterns.patterns.stopped_task_alerts.component import StoppedTaskAlerts, StoppedTaskAlertsArgs

__all__ = ["StoppedTaskAlerts", "StoppedTaskAlertsArgs"]
