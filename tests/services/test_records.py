"""The shared record validation (services.common.records), in process: rules at the edges."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest

from ecs_runtime.lifecycle import StopRequestedError
from services.common import records
from services.common.records import (
    MAX_LINE_BYTES,
    DataFormat,
    FileSummary,
    RecordScanner,
    RejectedFileError,
    detect_format,
)


def scan(data: bytes, data_format: DataFormat) -> tuple[list[dict[str, object]], FileSummary]:
    scanner = RecordScanner(io.BytesIO(data), data_format)
    records = list(scanner.records())
    return records, scanner.summary


def test_csv_quoted_fields_may_span_lines_and_bom_is_dropped() -> None:
    records, summary = scan(b'\xef\xbb\xbfid,text\r\n1,"two\r\nlines, and a ""quote"""\r\n', DataFormat.CSV)

    assert records == [{"id": "1", "text": 'two\r\nlines, and a "quote"'}]
    assert (summary.rows_good, summary.rows_bad) == (1, 0)


def test_csv_malformed_quoting_is_a_bad_row_and_parsing_goes_on() -> None:
    records, summary = scan(b'a,b\n1,"x"y\n2,3\n', DataFormat.CSV)

    assert records == [{"a": "2", "b": "3"}]
    assert summary.rows_bad == 1
    assert summary.problems[0].line == 2
    assert summary.problems[0].reason.startswith("malformed CSV")


def test_overlong_line_is_a_bad_row_and_the_checksum_still_covers_every_byte() -> None:
    data = b'{"a": 1}\n' + b'{"b": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n{"c": 3}\n'

    records, summary = scan(data, DataFormat.JSON_LINES)

    assert records == [{"a": 1}, {"c": 3}]
    assert [(p.line, p.reason) for p in summary.problems] == [(2, f"line longer than {MAX_LINE_BYTES} bytes")]
    assert (summary.size_bytes, summary.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_json_lines_reject_invalid_utf8_and_non_objects() -> None:
    _records, summary = scan(b'{"ok": true}\n{"bad": "\xff"}\n42\n{"x": \n', DataFormat.JSON_LINES)

    assert summary.rows_good == 1
    assert [p.reason.split(":")[0] for p in summary.problems] == [
        "not valid UTF-8",
        "a JSON int, not an object",
        "invalid JSON",
    ]


def test_csv_header_that_is_not_utf8_rejects_the_file() -> None:
    with pytest.raises(RejectedFileError, match="header on line 1 is not valid UTF-8"):
        scan(b"a,\xff\n1,2\n", DataFormat.CSV)


def test_only_the_first_ten_problems_are_kept_but_all_are_counted() -> None:
    _records, summary = scan(b"a,b\n" + b"1\n" * 25, DataFormat.CSV)

    assert (summary.rows_bad, len(summary.problems)) == (25, 10)


def test_stop_event_interrupts_reading() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(StopRequestedError):
        list(RecordScanner(io.BytesIO(b"a\n1\n"), DataFormat.CSV, stop).records())


@pytest.mark.parametrize(
    ("key", "content_type", "expected"),
    [
        ("x/Data.CSV", None, DataFormat.CSV),
        ("x/events.ndjson", "text/csv", DataFormat.JSON_LINES),
        ("x/export", "text/csv; charset=utf-8", DataFormat.CSV),
        ("x/export", "application/x-ndjson", DataFormat.JSON_LINES),
        ("x/export.json", "application/json", None),
    ],
)
def test_format_by_suffix_then_content_type(
    key: str, content_type: str | None, expected: DataFormat | None
) -> None:
    assert detect_format(key, content_type) is expected


MIXED_CSV = (
    b"\xef\xbb\xbfid,text\n"
    b"1,plain\n"
    b'2,"quoted\nover two lines"\n'
    b"3,caf\xc3\xa9\n"
    b"4,\xff broken\n"
    b'5,"second line \xfe\nis not UTF-8"\n'
    b"6," + b"y" * 40 + b"\n"
    b"only one field\n"
    b"\n"
    b" , \n"
    b"7,last without newline"
)


@pytest.fixture(params=[7, 16, 1 << 20], ids=lambda size: f"chunk-{size}")
def small_limits(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of a few bytes and a 30-byte line limit: every rule meets a chunk boundary somewhere."""
    monkeypatch.setattr(records, "READ_CHUNK_BYTES", request.param)
    monkeypatch.setattr(records, "MAX_LINE_BYTES", 30)
    return int(request.param)


def test_rules_hold_across_chunk_boundaries(small_limits: int) -> None:
    rows, summary = scan(MIXED_CSV, DataFormat.CSV)

    assert rows == [
        {"id": "1", "text": "plain"},
        {"id": "2", "text": "quoted\nover two lines"},
        {"id": "3", "text": "café"},
        {"id": "7", "text": "last without newline"},
    ]
    assert [(p.line, p.reason) for p in summary.problems] == [
        (6, "not valid UTF-8"),
        (8, "not valid UTF-8"),
        (9, "line longer than 30 bytes"),
        (10, "expected 2 fields, found 1"),
        (12, "empty row"),
    ]
    assert (summary.rows_good, summary.rows_bad) == (4, 5)
    assert (summary.size_bytes, summary.sha256) == (len(MIXED_CSV), hashlib.sha256(MIXED_CSV).hexdigest())


def test_json_lines_across_chunk_boundaries(small_limits: int) -> None:
    data = b'{"a": 1}\n{"b": "\xff"}\n\n{"c": "' + b"z" * 40 + b'"}\n{"d": "\xc3\xa9"}'

    rows, summary = scan(data, DataFormat.JSON_LINES)

    assert rows == [{"a": 1}, {"d": "é"}]
    assert [(p.line, p.reason) for p in summary.problems] == [
        (2, "not valid UTF-8"),
        (4, "line longer than 30 bytes"),
    ]


def test_an_overlong_last_line_is_reported_after_every_record(small_limits: int) -> None:
    _rows, summary = scan(b"a,b\n1,2\n" + b"x" * 100, DataFormat.CSV)

    assert [(p.line, p.reason) for p in summary.problems] == [(3, "line longer than 30 bytes")]
    assert summary.rows_good == 1


def test_summarize_reads_everything_records_would_without_building_them() -> None:
    summary = RecordScanner(io.BytesIO(MIXED_CSV), DataFormat.CSV).summarize()
    _rows, expected = scan(MIXED_CSV, DataFormat.CSV)

    assert summary.as_dict() == expected.as_dict()
    assert summary.rows_good == 5
