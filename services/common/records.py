"""Streaming parse and validation of CSV and JSON Lines objects, with a SHA-256 of the bytes read.

Validation rules (also in services/README.md):
- The file is read as UTF-8 (a leading byte-order mark is dropped). Blank lines are skipped, not counted.
- JSON Lines: each non-blank line must be valid UTF-8 and parse to a JSON object (`{...}`).
- CSV (RFC 4180, `,` and `"`): the first non-blank record is the header; its names must be non-empty and
  unique, otherwise the whole file is rejected. Each data record must be valid UTF-8, have exactly as many
  fields as the header and at least one non-blank field.
- Any physical line longer than MAX_LINE_BYTES is a bad row (and is never held in memory whole).
A zero-byte object is valid and has no rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from services.common.lifecycle import StopRequestedError

MAX_LINE_BYTES = 1 << 20
READ_CHUNK_BYTES = 1 << 20
MAX_PROBLEMS_KEPT = 10
csv.field_size_limit(MAX_LINE_BYTES)


class DataFormat(StrEnum):
    CSV = "csv"
    JSON_LINES = "jsonl"


_SUFFIXES = {".csv": DataFormat.CSV, ".jsonl": DataFormat.JSON_LINES, ".ndjson": DataFormat.JSON_LINES}
_CONTENT_TYPES = {
    "text/csv": DataFormat.CSV,
    "application/csv": DataFormat.CSV,
    "application/x-ndjson": DataFormat.JSON_LINES,
    "application/jsonl": DataFormat.JSON_LINES,
    "application/x-jsonlines": DataFormat.JSON_LINES,
}


def detect_format(key: str, content_type: str | None) -> DataFormat | None:
    """By the key's suffix first (what uploaders control best), else by the object's Content-Type."""
    lowered = key.lower()
    for suffix, data_format in _SUFFIXES.items():
        if lowered.endswith(suffix):
            return data_format
    media_type = (content_type or "").split(";")[0].strip().lower()
    return _CONTENT_TYPES.get(media_type)


class RejectedFileError(Exception):
    """The object cannot be read as a data file at all; the message says why."""


class Readable(Protocol):
    def read(self, amt: int | None = ..., /) -> bytes: ...


@dataclass
class RowProblem:
    line: int
    reason: str


@dataclass
class FileSummary:
    data_format: DataFormat
    size_bytes: int = 0
    sha256: str = ""
    rows_good: int = 0
    rows_bad: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    """The first MAX_PROBLEMS_KEPT bad rows, so a person can find them."""

    def add_problem(self, line: int, reason: str) -> None:
        self.rows_bad += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(RowProblem(line, reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": str(self.data_format),
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "rows_good": self.rows_good,
            "rows_bad": self.rows_bad,
            "problems": [{"line": p.line, "reason": p.reason} for p in self.problems],
        }


class _HashingReader(io.RawIOBase):
    """Raw stream over an S3 body that hashes and counts every byte and stops when asked to."""

    def __init__(self, body: Readable, stop: threading.Event | None) -> None:
        self._body = body
        self._stop = stop
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._stop is not None and self._stop.is_set():
            raise StopRequestedError
        data = self._body.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.digest.update(data)
        self.size += size
        return size


_OVERLONG = object()


class _LineSource(Protocol):
    def readline(self, size: int | None = ..., /) -> bytes: ...


def _physical_lines(reader: _LineSource) -> Iterator[bytes | object]:
    """Lines as bytes, or _OVERLONG for a line above MAX_LINE_BYTES (skipped without holding it)."""
    while line := reader.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = reader.readline(READ_CHUNK_BYTES)
            yield _OVERLONG
        else:
            yield line


class RecordScanner:
    """Reads one object once: yields each good record as a dict and fills `summary` as it goes.

    The summary (counts, SHA-256 of all bytes) is complete once `records()` is exhausted.
    """

    def __init__(self, body: Readable, data_format: DataFormat, stop: threading.Event | None = None) -> None:
        self._raw = _HashingReader(body, stop)
        self._reader = io.BufferedReader(self._raw, buffer_size=READ_CHUNK_BYTES)
        self.summary = FileSummary(data_format)

    def records(self) -> Iterator[dict[str, Any]]:
        parse = self._json_lines if self.summary.data_format is DataFormat.JSON_LINES else self._csv
        yield from parse()
        # Read what a parser left (nothing, normally) so the checksum covers the whole object.
        while self._reader.read(READ_CHUNK_BYTES):
            pass
        self.summary.size_bytes = self._raw.size
        self.summary.sha256 = self._raw.digest.hexdigest()

    def _text_lines(self, on_overlong: Callable[[int], None]) -> Iterator[tuple[int, str]]:
        """(line number, text); bytes that are not UTF-8 become lone surrogates, which no valid text has."""
        for number, line in enumerate(_physical_lines(self._reader), start=1):
            if not isinstance(line, bytes):
                on_overlong(number)
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line.decode("utf-8", errors="surrogateescape")

    def _overlong(self, number: int) -> None:
        self.summary.add_problem(number, f"line longer than {MAX_LINE_BYTES} bytes")

    def _json_lines(self) -> Iterator[dict[str, Any]]:
        for number, text in self._text_lines(self._overlong):
            if not text.strip():
                continue
            if _has_undecodable(text):
                self.summary.add_problem(number, "not valid UTF-8")
                continue
            try:
                value = json.loads(text)
            except ValueError as error:
                self.summary.add_problem(number, f"invalid JSON: {error}")
                continue
            if not isinstance(value, dict):
                self.summary.add_problem(number, f"a JSON {type(value).__name__}, not an object")
                continue
            self.summary.rows_good += 1
            yield value

    def _csv(self) -> Iterator[dict[str, Any]]:
        numbered = self._text_lines(self._overlong)
        current_line = 0

        def texts() -> Iterator[str]:
            nonlocal current_line
            for number, text in numbered:
                current_line = number
                yield text

        reader = csv.reader(texts(), strict=True)
        header: list[str] | None = None
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if header is None:
                    raise RejectedFileError(
                        f"CSV header on line {current_line} cannot be parsed: {error}"
                    ) from None
                self.summary.add_problem(current_line, f"malformed CSV: {error}")
                continue
            if not row:
                continue
            if header is None:
                header = _checked_header(row, current_line)
                continue
            reason = _row_problem(row, len(header))
            if reason:
                self.summary.add_problem(current_line, reason)
                continue
            self.summary.rows_good += 1
            yield dict(zip(header, row, strict=True))


def _has_undecodable(text: str) -> bool:
    """True when decoding left lone surrogates (bytes that were not UTF-8); checked at C speed."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _checked_header(row: list[str], line: int) -> list[str]:
    names = [name.strip() for name in row]
    if any(_has_undecodable(name) for name in names):
        raise RejectedFileError(f"CSV header on line {line} is not valid UTF-8")
    if not all(names):
        raise RejectedFileError(f"CSV header on line {line} has an empty column name: {row!r}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RejectedFileError(f"CSV header on line {line} repeats column names {duplicates}")
    return names


def _row_problem(row: list[str], width: int) -> str | None:
    if len(row) != width:
        return f"expected {width} fields, found {len(row)}"
    if not any(value.strip() for value in row):
        return "empty row"
    if any(_has_undecodable(value) for value in row):
        return "not valid UTF-8"
    return None
