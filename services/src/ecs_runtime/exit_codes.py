"""Process exit codes. 0 means done; anything else makes the stopped-task alert fire for a person to look."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Done (for ingest also: the event was a duplicate or out of date, nothing to do)."""
    FAILED = 1
    """Unexpected error (a bug, or AWS still failing after the client's retries)."""
    BAD_SETTINGS = 2
    """An environment variable is missing or malformed; the task definition or event target is wrong."""
    INPUT_REJECTED = 3
    """The object cannot be read as a data file (unknown format, not UTF-8, no valid CSV header)."""
    OBJECT_MISSING = 4
    """The object (or the version the event named) no longer exists."""
    ACCESS_DENIED = 5
    """The task role may not read or write what it needs."""
    PARTIAL_FAILURE = 6
    """Some objects of a batch failed; the report names them and the next run retries them."""
    INTERRUPTED = 143
    """Stopped by SIGTERM before the work was done (128 + 15, what a shell reports); nothing half-written."""
