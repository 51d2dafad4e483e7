"""Batch settings, set in the task definition by the scheduled_batch component."""

from __future__ import annotations

from pydantic import Field, model_validator

from ecs_runtime.settings import WorkerSettings


class BatchSettings(WorkerSettings):
    bucket: str = Field(min_length=3, max_length=63)
    """BUCKET: holds both the input and the output prefix."""
    input_prefix: str = Field(min_length=1)
    """INPUT_PREFIX: objects under it are processed (e.g. `input/`)."""
    output_prefix: str = Field(min_length=1)
    """OUTPUT_PREFIX: reports and checkpoints go under it (e.g. `reports/`); must not overlap the input."""
    concurrency: int = Field(default=8, ge=1, le=64)
    """CONCURRENCY: objects processed at once (default 8)."""

    @model_validator(mode="after")
    def _prefixes_apart(self) -> BatchSettings:
        if self.input_prefix.startswith(self.output_prefix) or self.output_prefix.startswith(
            self.input_prefix
        ):
            raise ValueError(
                f"INPUT_PREFIX {self.input_prefix!r} and OUTPUT_PREFIX {self.output_prefix!r} overlap: "
                "the report would read its own output"
            )
        return self
