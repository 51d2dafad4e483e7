"""Queue runtime settings, set in the task definition by the queue_workers component."""

from __future__ import annotations

from pydantic import Field

from ecs_runtime.settings import WorkerSettings


class QueueWorkerSettings(WorkerSettings):
    queue_url: str = Field(pattern=r"^https?://\S+$")
    """QUEUE_URL: the queue to consume."""
    worker_concurrency: int = Field(default=4, ge=1, le=10)
    """WORKER_CONCURRENCY: jobs run at once (default 4); at most one received batch more waits for a slot."""
    job_timeout_seconds: int = Field(default=240, ge=1, le=43200)
    """JOB_TIMEOUT_SECONDS: a job still running after this is cancelled and its message left to retry."""
    visibility_timeout_seconds: int = Field(default=300, ge=1, le=43200)
    """VISIBILITY_TIMEOUT_SECONDS: the queue's visibility timeout; a running job's message is extended
    to this much every third of it."""
    stop_timeout_seconds: int = Field(default=30, ge=2, le=120)
    """STOP_TIMEOUT_SECONDS: the container's `stopTimeout` (seconds from SIGTERM to SIGKILL)."""
    receive_wait_seconds: int = Field(default=20, ge=0, le=20)
    """RECEIVE_WAIT_SECONDS: long-poll wait (default 20, the maximum); tests shorten it."""
    ecs_agent_uri: str | None = None
    """ECS_AGENT_URI: set by ECS; task scale-in protection is held through it while jobs run."""

    @property
    def heartbeat_seconds(self) -> float:
        """Extend well before the message would become visible again (a third of the timeout)."""
        return self.visibility_timeout_seconds / 3

    @property
    def poll_seconds(self) -> int:
        """Long-poll wait: RECEIVE_WAIT_SECONDS, shortened so a poll started just before SIGTERM returns
        before the process exits (messages it brought would otherwise wait out their visibility timeout)."""
        return min(self.receive_wait_seconds, max(1, self.stop_timeout_seconds - 2))

    @property
    def drain_seconds(self) -> float:
        """Time after SIGTERM to let jobs finish; the rest of the stop timeout releases the others.

        At least 1.5 s stay for that: committing jobs finish and the process exits a second before SIGKILL.
        """
        return min(self.stop_timeout_seconds * 0.75, self.stop_timeout_seconds - 1.5)
