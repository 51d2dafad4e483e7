"""Pulumi components of ecs-event-patterns: the four patterns, their building blocks, the settings."""
