"""The AWS service principals this project trusts or grants to, each named once."""

ECS_TASKS = "ecs-tasks.amazonaws.com"
EVENTBRIDGE = "events.amazonaws.com"
SCHEDULER = "scheduler.amazonaws.com"
CLOUDWATCH = "cloudwatch.amazonaws.com"
