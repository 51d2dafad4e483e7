"""Batch pattern: a scheduled run over every object under a prefix not yet done, one report.

A handler gets one object's metadata and a stream of its bytes and returns a JSON summary, which the
report lists; `BatchHandler(process, totals=("lines",))` also adds summary fields up into the report's
totals. Run it with `python -m ecs_runtime.batch` and `HANDLER=package.module:handler`, or from a
program of your own with `ecs_runtime.batch.run(handler)`. services/README.md states the contract.
"""

from ecs_runtime.batch.runner import BatchFunction, BatchHandler, BatchObject, run

__all__ = ["BatchFunction", "BatchHandler", "BatchObject", "run"]
