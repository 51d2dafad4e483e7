"""Pattern 4: stopped ECS tasks of a cluster -> EventBridge rule -> encrypted SNS topic -> e-mail."""

from components.patterns.stopped_task_alerts.component import StoppedTaskAlerts, StoppedTaskAlertsArgs

__all__ = ["StoppedTaskAlerts", "StoppedTaskAlertsArgs"]
