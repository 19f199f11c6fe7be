"""Processes that act at the same moment: each imports what it needs, then waits for a
moment given on its command line."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_together(code: str, args: Sequence[str], count: int) -> list[str]:
    """Run `count` Python processes of `code` with `args`, then a moment (time.time())
    three seconds ahead as the last argument, for `code` to wait for; their outputs,
    sorted. Fails if any of them fails."""
    at = str(time.time() + 3)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, *args, at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outcomes = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outcomes if err]
    return sorted(out.strip() for out, _ in outcomes)
