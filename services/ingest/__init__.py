"""Bundled upload job, an example of `ecs_runtime.upload`: validate the object an event names."""
