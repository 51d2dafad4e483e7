"""Bundled batch job, an example of `ecs_runtime.batch`: validate each object, write one report."""
