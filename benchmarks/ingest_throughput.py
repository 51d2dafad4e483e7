"""Ingest memory and throughput: `services.ingest` beside a raw streamed read and the minimal pipeline.

Each size is one generated CSV object (6 short fields a row, the shape of real exports) streamed into
moto by multipart upload. The worker runs as its container would (a subprocess with only environment
variables) under `/usr/bin/time -f %M` for its own peak RSS; so do the two baselines
(`benchmarks.ingest_baselines`). MiB/s is each process's own processing time (from its first S3 call to
its result), so interpreter start-up is not counted. Every run's row count is checked.

`python -m benchmarks.ingest_throughput [--quick]` prints the figures.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import Figure, Samples, Section, interleaved, moto_server
from tests.services.support import (
    REPO_ROOT,
    Aws,
    GeneratedObject,
    create_results_table,
    parse_logs,
    upload_generated_csv,
)

SHORT_ROWS = (
    b"id,customer,created_at,amount,currency,status\n",
    b"1234567,customer 1234567,2026-12-01T10:00:00Z,42.50,EUR,ok\n",
)
BUCKET = "bench-ingest"
MIB = 1 << 20
TIME = "/usr/bin/time"


@dataclass(frozen=True)
class _Run:
    seconds: float
    peak_kib: int
    rows: int


def _measured(command: list[str], env: dict[str, str]) -> tuple[list[dict[str, object]], int]:
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak-kib"
        finished = subprocess.run(
            [TIME, "-o", str(peak_file), "-f", "%M", *command],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        if finished.returncode != 0:
            raise RuntimeError(f"{command} failed ({finished.returncode}): {finished.stderr[-2000:]}")
        return parse_logs(finished.stdout), int(peak_file.read_text().split()[-1])


def _run(aws: Aws, key: str, generated: GeneratedObject, candidate: str, sequencer: int) -> _Run:
    if candidate == "ingest":
        env = {
            **aws.env,
            "BUCKET": BUCKET,
            "OBJECT_KEY": urllib.parse.quote_plus(key, safe="/"),
            "OBJECT_SIZE": str(generated.size),
            "OBJECT_ETAG": generated.etag,
            # A new sequencer each run: an equal one would be skipped as a duplicate event.
            "OBJECT_SEQUENCER": f"{sequencer:016X}",
            "RESULTS_TABLE": "results",
        }
        logs, peak = _measured([sys.executable, "-m", "services.ingest"], env)
        [processed] = [line for line in logs if line["event"] == "object.processed"]
        rows = int(str(processed["rows_good"]))
        expected = generated.rows
    else:
        env = {**aws.env, "BUCKET": BUCKET, "OBJECT_KEY": key}
        logs, peak = _measured([sys.executable, "-m", "benchmarks.ingest_baselines", candidate], env)
        [processed] = logs
        rows = int(str(processed["rows"])) - 1 if candidate == "minimal" else generated.rows
        expected = generated.rows
    if rows != expected:
        raise RuntimeError(f"{candidate} counted {rows} rows of {expected}")
    return _Run(float(str(processed["seconds"])), peak, rows)


SIZES_MIB = (1, 100, 1024)


def measure(quick: bool) -> Section:
    sizes = (1, 100) if quick else SIZES_MIB
    figures: list[Figure] = []
    peaks: dict[int, Samples] = {}
    sequencer = iter(range(1, 10**6))
    with moto_server() as endpoint:
        aws = Aws(endpoint)
        s3 = aws.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        create_results_table(aws.client("dynamodb"), "results")
        for size in sizes:
            key = f"incoming/bench {size} MiB.csv"
            part = min(size, 8) * MIB
            generated = upload_generated_csv(
                s3, BUCKET, key, parts=max(1, size * MIB // part), part_bytes=part, shape=SHORT_ROWS
            )
            runs: dict[str, list[_Run]] = {"ingest": [], "minimal": [], "raw": []}

            def runner(
                candidate: str,
                key: str = key,
                generated: GeneratedObject = generated,
                kept: list[_Run] | None = None,
            ) -> Callable[[], float]:
                def once() -> float:
                    run = _run(aws, key, generated, candidate, next(sequencer))
                    assert kept is not None
                    kept.append(run)
                    return generated.size / MIB / run.seconds

                return once

            repeats = 3 if size <= 1 else 2 if size <= 100 else 1
            speeds = interleaved(
                {name: runner(name, kept=runs[name]) for name in runs}, 1 if quick else repeats
            )
            mibs = {name: Samples(tuple(values), "MiB/s") for name, values in speeds.items()}
            peaks[size] = Samples(tuple(run.peak_kib / 1024 for run in runs["ingest"]), "MiB")
            held = size >= 100
            figures += [
                Figure(
                    f"ingest.{size}MiB.throughput_vs_minimal",
                    mibs["ingest"],
                    mibs["minimal"],
                    goal="ratio >= 0.8" if held else "",
                    met=mibs["ingest"].median >= 0.8 * mibs["minimal"].median if held else None,
                ),
                Figure(f"ingest.{size}MiB.throughput_vs_raw_read", mibs["ingest"], mibs["raw"]),
                Figure(
                    f"ingest.{size}MiB.peak_rss_vs_minimal",
                    peaks[size],
                    Samples(tuple(run.peak_kib / 1024 for run in runs["minimal"]), "MiB"),
                ),
            ]
            s3.delete_object(Bucket=BUCKET, Key=key)  # moto keeps objects in memory
    smallest, largest = min(sizes), max(sizes)
    growth = peaks[largest].median - peaks[smallest].median
    figures.append(
        Figure(
            f"ingest.peak_rss_growth_{smallest}MiB_to_{largest}MiB",
            Samples((growth,), "MiB"),
            goal="< 50 MiB",
            met=growth < 50,
        )
    )
    notes = [
        f"Objects of {', '.join(f'{s} MiB' for s in sizes)} with rows like "
        f"`{SHORT_ROWS[1].decode().strip()}`; "
        "runs interleaved ingest, minimal, raw: 3 repetitions at 1 MiB, 2 at 100 MiB, 1 at 1 GiB (a 1 GiB "
        "run takes minutes here). Peak RSS is each process's own, from `/usr/bin/time -f %M`."
    ]
    return Section("Ingest memory and throughput", figures, notes)


def main(argv: list[str]) -> int:
    for figure in measure(quick="--quick" in argv).figures:
        print(figure.line())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
