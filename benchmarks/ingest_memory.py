"""Peak memory and time of `services.ingest` on a generated CSV object (default 208 MiB).

Starts its own moto_server on 127.0.0.1, streams the object in by multipart upload, runs the worker
as its container would (a subprocess with only environment variables) under /usr/bin/time, and prints
the worker's own peak RSS beside the budget. Run: `.venv/bin/python -m benchmarks.ingest_memory [MiB]`.
"""

from __future__ import annotations

import sys
import urllib.parse

from tests.services.support import Aws, create_results_table, moto_server, run_measured, upload_generated_csv

BUDGET_MIB = 150
PART_MIB = 8


def main(argv: list[str]) -> int:
    size_mib = int(argv[1]) if len(argv) > 1 else 208
    with moto_server() as endpoint:
        aws = Aws(endpoint)
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="bench")
        create_results_table(aws.client("dynamodb"), "results")
        key = "incoming/bench data.csv"
        generated = upload_generated_csv(s3, "bench", key, parts=max(1, size_mib // PART_MIB))
        env = {
            **aws.env,
            "BUCKET": "bench",
            "OBJECT_KEY": urllib.parse.quote_plus(key, safe="/"),
            "OBJECT_SIZE": str(generated.size),
            "OBJECT_ETAG": generated.etag,
            "OBJECT_SEQUENCER": "01",
            "RESULTS_TABLE": "results",
        }
        finished, peak_kib = run_measured("ingest", env, timeout=600)
    if finished.returncode != 0:
        print(f"ingest failed with exit code {finished.returncode}: {finished.stderr}", file=sys.stderr)
        return 1
    processed = finished.event("object.processed")
    seconds = processed["seconds"]
    print(f"object           {generated.size / 2**20:8.1f} MiB, {generated.rows} rows")
    print(f"peak RSS         {peak_kib / 1024:8.1f} MiB   (budget {BUDGET_MIB} MiB)")
    print(f"processing time  {seconds:8.2f} s     ({generated.size / 2**20 / seconds:.0f} MiB/s)")
    return 0 if peak_kib / 1024 < BUDGET_MIB else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
