"""Bundled queue job (an example of `ecs_runtime.queue`): CSV to JSON Lines, and validation, of S3 objects."""
