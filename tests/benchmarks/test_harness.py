"""The benchmark harness: interleaving, the figure line, RESULTS.md entries and the delay proxy."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.harness import Figure, Samples, Section, append_entry, delay_proxy, interleaved, machine


def test_candidates_run_in_turns():
    order: list[str] = []

    def candidate(name: str, value: float):
        def measure() -> float:
            order.append(name)
            return value

        return measure

    measured = interleaved({"a": candidate("a", 1.0), "b": candidate("b", 2.0)}, repeats=3)

    assert order == ["a", "b", "a", "b", "a", "b"]
    assert measured == {"a": [1.0, 1.0, 1.0], "b": [2.0, 2.0, 2.0]}


def test_at_least_one_repetition():
    with pytest.raises(ValueError, match="repeats must be at least 1, got 0"):
        interleaved({"a": lambda: 1.0}, repeats=0)


def test_samples_show_median_and_range():
    samples = Samples((80.2, 86.0, 84.14), "msg/s")

    assert samples.median == 84.14
    assert samples.text() == "84.1 msg/s [80.2-86.0]"
    assert Samples((0.0421,), "s").text() == "0.0421 s"


def test_figure_line_names_value_baseline_and_ratio():
    figure = Figure(
        "queue.worker",
        Samples((80.0, 90.0, 85.0), "msg/s"),
        Samples((100.0, 100.0, 100.0), "msg/s"),
        goal="ratio >= 0.8",
        met=True,
    )

    assert figure.ratio == pytest.approx(0.85)
    assert figure.line() == (
        "queue.worker: 85.0 msg/s [80.0-90.0] (baseline: 100 msg/s [100-100], ratio: 0.85); goal ratio >= 0.8: met"
    )
    assert Figure("gate.prod", Samples((3.2,), "s")).line() == "gate.prod: 3.20 s"
    missed = Figure("x", Samples((1.0,), "s"), Samples((0.0,), "s"), goal="ratio <= 2", met=False)
    assert missed.line() == "x: 1.00 s (baseline: 0 s, ratio: n/a); goal ratio <= 2: MISSED"


def test_entries_are_appended_with_date_and_machine(tmp_path: Path):
    results = tmp_path / "RESULTS.md"
    section = Section("Gate", [Figure("gate.dev", Samples((2.0,), "s"))], ["| a | b |"])

    append_entry([section], when=datetime(2026, 12, 1, 22, 5, tzinfo=UTC), path=results)
    append_entry([Section("Later")], when=datetime(2026, 12, 2, 9, 0, tzinfo=UTC), path=results)

    text = results.read_text()
    assert text.startswith("# Benchmark results\n")
    first = text.index(
        f"## 2026-12-01 22:05 UTC · {machine()}\n\n### Gate\n\n- `gate.dev: 2.00 s`\n\n| a | b |\n"
    )
    assert first < text.index("## 2026-12-02 09:00 UTC")
    assert "cores, Python 3." in machine()


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[::-1])

    def log_message(self, *args: object) -> None:
        pass


def test_delay_proxy_forwards_bytes_and_delays_each_call():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with delay_proxy(f"http://127.0.0.1:{server.server_address[1]}", delay_ms=150) as endpoint:
            body = bytes(range(256)) * 1000
            started = time.monotonic()
            for _ in range(2):
                request = urllib.request.Request(endpoint, data=body)  # noqa: S310 (the local proxy)
                with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
                    assert reply.read() == body[::-1]
            assert time.monotonic() - started >= 0.3
    finally:
        server.shutdown()
        server.server_close()


def test_delay_proxy_only_forwards_to_localhost():
    with pytest.raises(ValueError, match=r"127\.0\.0\.1:PORT only"), delay_proxy("http://example.com:80", 20):
        pass
