#!/usr/bin/env python3
"""Start-up time and idle memory (issue #11, benchmark 6). Starts `balie serve` on a port picked here, polls
GET /healthz every millisecond from the moment of the fork, and reports the time to the first 200 (median
and worst of 5 starts); then, with the server idle for 3 s, its VmRSS. Also idle VmRSS on an empty database.
Usage: startup.py BALIE DATABASE WORKDIR
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(port: int) -> int | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/healthz")
        status = connection.getresponse().status
        connection.close()
        return status
    except OSError:
        return None


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start(balie: str, database: str, workdir: str) -> tuple[subprocess.Popen, int, float]:
    port = free_port()
    log = open(os.path.join(workdir, "serve.log"), "ab")
    started = time.perf_counter()
    process = subprocess.Popen([balie, "serve", "--port", str(port), "--database", database, "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=log)
    while True:
        if healthz(port) == 200:
            return process, port, (time.perf_counter() - started) * 1000
        if process.poll() is not None or time.perf_counter() - started > 30:
            raise SystemExit(f"balie serve did not answer /healthz: exit {process.poll()}")
        time.sleep(0.001)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=15)


def main() -> int:
    balie, database, workdir = sys.argv[1:4]
    times = []
    rss = float("nan")
    for round_no in range(5):
        process, _, elapsed = start(balie, database, workdir)
        times.append(elapsed)
        if round_no == 4:
            time.sleep(3)
            rss = rss_mb(process.pid)
        stop(process)
    print(f"start-to-healthz runs: {', '.join(f'{t:.1f}' for t in times)} ms")
    print(f"start-to-healthz median {statistics.median(times):.1f} worst {max(times):.1f} ms")
    print(f"idle-rss million {rss:.1f} MB (3 s after the first 200, one /healthz answered)")
    empty = os.path.join(workdir, "empty.sqlite")
    process, _, elapsed = start(balie, empty, workdir)
    time.sleep(3)
    print(f"idle-rss empty {rss_mb(process.pid):.1f} MB (fresh database, created and migrated in {elapsed:.0f} ms)")
    stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
