"""Ctrl-C in the middle of `make demo`: moto and every task it started are stopped, nothing is left."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A demo run of its own, beside the one of test_demo.py (make pytest: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("e2e-interrupt")


def test_ctrl_c_while_tasks_run_stops_moto_and_every_task():
    demo = subprocess.Popen(
        [sys.executable, "-m", "tools.demo", "--stack", "dev"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 240
        for line in demo.stdout:
            lines.append(line)
            if " run-task " in line or time.monotonic() > deadline:
                break
        demo.send_signal(signal.SIGINT)  # what Ctrl-C sends the foreground process
        rest, _ = demo.communicate(timeout=120)
        lines.append(rest)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    output = "".join(lines)
    assert demo.returncode == 130, output
    assert "interrupted; stopping every process it started" in output
    pids = [int(pid) for pid in re.findall(r"\bpid (\d+)", output)]
    assert len(pids) >= 2, output  # moto and at least one task were running
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
