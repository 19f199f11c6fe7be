"""Processes that act at the same moment: each gets ready (imports, opens what it needs),
says so and waits; once all are ready, they are released at once.

The parent (`run_together`) and its children (`at_once`) meet through two pipes: each
child writes a byte to one when ready, and all wait on the other, which the parent closes
to release them together.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_PIPES = "TOGETHER_PIPES"  # a child's ends of the pipes: "READY,GO"
_RAN = "together: ran "  # the line a child prints after its section: when it ran


def run_together(code: str, args: Sequence[str], count: int, timeout: float = 120) -> list[str]:
    """Run `count` Python processes of `code` with `args`, `code` running its section in
    `with at_once():`; their outputs, sorted. Fails if any process fails, or ran its
    section alone (overlapping no other's)."""
    ready_in, ready_out = os.pipe()
    go_in, go_out = os.pipe()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env={**os.environ, _PIPES: f"{ready_out},{go_in}"},
            pass_fds=(ready_out, go_in),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    os.close(ready_out)
    os.close(go_in)
    try:
        _wait_until_ready(ready_in, processes, time.monotonic() + timeout)
    except BaseException:
        for process in processes:
            process.kill()
            process.communicate()
        raise
    finally:
        os.close(go_out)  # every child waiting on `go` sees its end at this moment
        os.close(ready_in)
    outcomes = [p.communicate(timeout=timeout) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outcomes if err]
    outputs, sections = [], []
    for out, _ in outcomes:
        lines = out.splitlines()
        [ran] = [line for line in lines if line.startswith(_RAN)]
        start, end = ran.removeprefix(_RAN).split()
        sections.append((float(start), float(end)))
        outputs.append("\n".join(line for line in lines if line != ran).strip())
    alone = [
        (start, end)
        for n, (start, end) in enumerate(sections)
        if not any(s < end and start < e for m, (s, e) in enumerate(sections) if m != n)
    ]
    assert not alone, f"sections that overlapped no other: {alone} of {sorted(sections)}"
    return sorted(outputs)


def _wait_until_ready(ready: int, processes: list[subprocess.Popen[str]], deadline: float) -> None:
    """Until each process has said it is ready; fails if one ends first, or at `deadline`."""
    said = 0
    while said < len(processes):
        assert time.monotonic() < deadline, f"only {said} of {len(processes)} ready in time"
        if select.select([ready], [], [], 0.1)[0]:
            said += len(os.read(ready, len(processes)))
        for process in processes:
            assert process.poll() is None, f"ended before ready: {process.communicate()}"


@contextmanager
def at_once() -> Iterator[None]:
    """In a process of `run_together`: say it is ready, wait until all are released, run
    the body, then print when it ran (`time.monotonic()`: one clock for the machine)."""
    ready, go = (int(fd) for fd in os.environ[_PIPES].split(","))
    os.write(ready, b".")
    os.close(ready)
    os.read(go, 1)  # nothing is written: this returns when the parent closes its end
    start = time.monotonic()
    try:
        yield
    finally:
        print(f"{_RAN}{start} {time.monotonic()}", flush=True)
