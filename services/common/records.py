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
import itertools
import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ecs_runtime.lifecycle import StopRequestedError

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


_BOM = b"\xef\xbb\xbf"


class RecordScanner:
    """Reads one object once: checks every record and fills `summary` as it goes.

    `records()` yields each good record as a dict (CSV: header names as keys); `summarize()` reads the
    whole object without building them, for callers that need only the summary. Either way the summary
    (counts, SHA-256 of all bytes) is complete once the object has been read to its end.

    Speed: the object is read in chunks of whole lines; each chunk is decoded once, strictly, and its lines
    reach `csv.reader` through C iterators (`io.StringIO`, `itertools.chain`), so Python runs once per
    record, not per line or field. Only a chunk that is not UTF-8 is split and decoded line by line; its bad
    lines (lone surrogates stand for their bytes) and any overlong line are noted by line number and
    reported with the record they belong to, in file order.
    """

    def __init__(self, body: Readable, data_format: DataFormat, stop: threading.Event | None = None) -> None:
        self._raw = _HashingReader(body, stop)
        self._reader = io.BufferedReader(self._raw, buffer_size=READ_CHUNK_BYTES)
        self.summary = FileSummary(data_format)
        self._lines_read = 0
        self._marked: deque[tuple[int, str | None]] = deque()
        """(line number, problem) in file order: an overlong line, or None for bytes that are not UTF-8."""

    def records(self) -> Iterator[dict[str, Any]]:
        if self.summary.data_format is DataFormat.JSON_LINES:
            yield from self._json_lines()
        else:
            header: list[str] = []
            for row in self._csv_rows(header):
                yield dict(zip(header, row, strict=True))
        self._finish()

    def summarize(self) -> FileSummary:
        rows = self._json_lines() if self.summary.data_format is DataFormat.JSON_LINES else self._csv_rows([])
        for _row in rows:
            pass
        self._finish()
        return self.summary

    def _finish(self) -> None:
        self._take_marks(self._lines_read)  # overlong lines after the last record
        # Read what a parser left (nothing, normally) so the checksum covers the whole object.
        while self._reader.read(READ_CHUNK_BYTES):
            pass
        self.summary.size_bytes = self._raw.size
        self.summary.sha256 = self._raw.digest.hexdigest()

    def _take_marks(self, last_line: int) -> bool:
        """Report the overlong lines up to `last_line`; True when one of them was not UTF-8."""
        undecodable = False
        marked = self._marked
        while marked and marked[0][0] <= last_line:
            line, problem = marked.popleft()
            if problem is None:
                undecodable = True
            else:
                self.summary.add_problem(line, problem)
        return undecodable

    def _lines(self) -> Iterator[str]:
        """Every physical line as text, ending in its `\\n`; an overlong line is an empty line here."""
        return itertools.chain.from_iterable(self._chunks())

    def _chunks(self) -> Iterator[Iterable[str]]:
        read = self._reader.read
        # Chunks no longer than a line may be: then only a chunk's first line (carried over) can be overlong.
        size = min(READ_CHUNK_BYTES, MAX_LINE_BYTES)
        carry = b""
        skipping = False
        """Inside an overlong line: its bytes are dropped up to its end."""
        first = True
        while chunk := read(size):
            if first and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
            first = False
            if skipping:
                end = chunk.find(b"\n")
                if end < 0:
                    continue
                skipping = False
                chunk = chunk[end + 1 :]
                yield self._overlong()
            data = carry + chunk if carry else chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > MAX_LINE_BYTES:
                    carry, skipping = b"", True
                else:
                    carry = data
                continue
            whole, carry = data[:cut], data[cut:]
            if whole.find(b"\n") > MAX_LINE_BYTES:  # only the first line can be that long
                whole = whole[whole.find(b"\n") + 1 :]
                yield self._overlong()
            yield self._decoded(whole)
        if skipping:
            yield self._overlong()
        elif carry:
            yield self._decoded(carry)

    def _overlong(self) -> tuple[str]:
        self._lines_read += 1
        self._marked.append((self._lines_read, f"line longer than {MAX_LINE_BYTES} bytes"))
        return ("\n",)

    def _decoded(self, data: bytes) -> Iterable[str]:
        first_line = self._lines_read + 1
        self._lines_read += data.count(b"\n") + (not data.endswith(b"\n"))
        try:
            return io.StringIO(data.decode("utf-8"), newline="\n")
        except UnicodeDecodeError:
            pass
        pieces = data.split(b"\n")
        physical = [piece + b"\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
        lines = []
        for number, line in enumerate(physical, start=first_line):
            try:
                lines.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                self._marked.append((number, None))
                lines.append(line.decode("utf-8", errors="surrogateescape"))
        return lines

    def _json_lines(self) -> Iterator[dict[str, Any]]:
        summary = self.summary
        for number, text in enumerate(self._lines(), start=1):
            if self._marked and self._take_marks(number):
                summary.add_problem(number, "not valid UTF-8")
                continue
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except ValueError as error:
                summary.add_problem(number, f"invalid JSON: {error}")
                continue
            if not isinstance(value, dict):
                summary.add_problem(number, f"a JSON {type(value).__name__}, not an object")
                continue
            summary.rows_good += 1
            yield value

    def _csv_rows(self, header: list[str]) -> Iterator[list[str]]:
        """Each good data row; `header` (empty when called) receives the header's names once read."""
        reader = csv.reader(self._lines(), strict=True)
        summary = self.summary
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                self._take_marks(reader.line_num)
                if not header:
                    raise RejectedFileError(
                        f"CSV header on line {reader.line_num} cannot be parsed: {error}"
                    ) from None
                summary.add_problem(reader.line_num, f"malformed CSV: {error}")
                continue
            undecodable = bool(self._marked) and self._take_marks(reader.line_num)
            if not row:
                continue
            if not header:
                header += _checked_header(row, reader.line_num, undecodable=undecodable)
                continue
            reason = _row_problem(row, len(header), undecodable=undecodable)
            if reason:
                summary.add_problem(reader.line_num, reason)
                continue
            summary.rows_good += 1
            yield row


def _checked_header(row: list[str], line: int, *, undecodable: bool) -> list[str]:
    if undecodable:
        raise RejectedFileError(f"CSV header on line {line} is not valid UTF-8")
    names = [name.strip() for name in row]
    if not all(names):
        raise RejectedFileError(f"CSV header on line {line} has an empty column name: {row!r}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RejectedFileError(f"CSV header on line {line} repeats column names {duplicates}")
    return names


def _row_problem(row: list[str], width: int, *, undecodable: bool) -> str | None:
    if len(row) != width:
        return f"expected {width} fields, found {len(row)}"
    if not "".join(row).strip():
        return "empty row"
    if undecodable:
        return "not valid UTF-8"
    return None
