#!/usr/bin/env python3
"""2,000 waiting-room displays on one server (issue #11, benchmark 5).

Opens N Server-Sent-Event streams on GET /display/events with raw asyncio sockets, spread over source
addresses 127.0.0.2, 127.0.0.3, … (at most PER_ADDRESS each, under --max-connections-per-client), and reads
the server's VmRSS with them open. Then, EVENTS times: a visitor takes a ticket (GET /queue/take for the
csrf, POST /queue/tickets) and a signed-in staff member calls it (POST /queue/call-next); the clock starts
just before that POST, and each open stream's arrival of the `called` event is timed. Prints the p50/p99/max
of all arrivals, and how many streams were refused (the broadcaster's listener cap answers 503).

Usage: sse.py BASE_URL SERVER_PID [N=2000] [EVENTS=10] [PER_ADDRESS=50]
Last lines, for run.sh: `opened A of N (refused: {status: count})`, `rss-open X MB`,
`event-latency p50 … p99 … max … ms over K arrivals (missing M)`.
"""

from __future__ import annotations

import asyncio
import re
import resource
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import requests

CSRF = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')
MARK = b"event: called"


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Display:
    def __init__(self, index: int):
        self.index = index
        self.status = None
        self.arrivals: list[float] = []
        self.writer = None

    async def run(self, host: str, port: int, source: str, opened: asyncio.Event | None) -> None:
        try:
            reader, self.writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
            self.writer.write(f"GET /display/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
            await self.writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            self.status = int(head.split(b" ", 2)[1])
        except Exception as error:  # noqa: BLE001 - a refused or failed connection is counted, not fatal
            self.status = f"error {type(error).__name__}"
            return
        if self.status != 200:
            self.writer.close()
            return
        tail = b""
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.perf_counter()
            text = tail + chunk
            for _ in range(text.count(MARK)):
                self.arrivals.append(now)
            tail = text[-len(MARK) + 1:]


def take_ticket(base: str) -> None:
    visitor = requests.Session()
    token = CSRF.search(visitor.get(base + "/queue/take", timeout=30).text).group(1)
    response = visitor.post(base + "/queue/tickets", data={"csrf": token, "group": "banking"}, allow_redirects=False, timeout=30)
    assert response.status_code == 303, f"POST /queue/tickets: {response.status_code}"


def staff_client(base: str) -> tuple[requests.Session, str]:
    staff = requests.Session()
    token = CSRF.search(staff.get(base + "/sign-in", timeout=30).text).group(1)
    response = staff.post(base + "/sign-in", data={"csrf": token, "username": "anna", "password": "demo-kiosk-2026"},
                          allow_redirects=False, timeout=30)
    assert response.status_code == 303, f"sign-in: {response.status_code}"
    token = CSRF.search(staff.get(base + "/queue", timeout=30).text).group(1)
    return staff, token


async def main() -> int:
    base, pid = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    events = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    per_address = int(sys.argv[5]) if len(sys.argv) > 5 else 50
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 1000)), hard))
    url = urlparse(base)
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(2)
    staff, csrf = await loop.run_in_executor(pool, staff_client, base)
    rss_before = rss_mb(pid)

    displays = [Display(i) for i in range(count)]
    tasks = []
    started = time.perf_counter()
    for batch in range(0, count, 100):
        for d in displays[batch: batch + 100]:
            source = f"127.0.0.{2 + d.index // per_address}"
            tasks.append(asyncio.create_task(d.run(url.hostname, url.port, source, None)))
        while sum(d.status is not None for d in displays[: batch + 100]) < min(batch + 100, count):
            await asyncio.sleep(0.01)
    opened = [d for d in displays if d.status == 200]
    refused = Counter(str(d.status) for d in displays if d.status != 200)
    print(f"opening {count} streams took {time.perf_counter() - started:.1f} s; rss before {rss_before:.1f} MB", flush=True)
    await asyncio.sleep(1.0)
    rss_open = rss_mb(pid)

    latencies: list[float] = []
    missing = 0
    for k in range(events):
        await loop.run_in_executor(pool, take_ticket, base)
        t0 = time.perf_counter()
        response = await loop.run_in_executor(
            pool, lambda: staff.post(base + "/queue/call-next", data={"csrf": csrf}, allow_redirects=False, timeout=30))
        assert response.status_code == 303, f"call-next: {response.status_code}"
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and any(len(d.arrivals) <= k for d in opened):
            await asyncio.sleep(0.002)
        for d in opened:
            if len(d.arrivals) > k:
                latencies.append((d.arrivals[k] - t0) * 1000)
            else:
                missing += 1
        await asyncio.sleep(0.2)
    rss_after = rss_mb(pid)
    for d in displays:
        if d.writer is not None:
            d.writer.close()
    for task in tasks:
        task.cancel()
    latencies.sort()
    print(f"opened {len(opened)} of {count} (refused: {dict(refused)})")
    print(f"rss-open {rss_open:.1f} MB (after the {events} events: {rss_after:.1f} MB)")
    if latencies:
        p99 = latencies[max(0, int(len(latencies) * 0.99 + 0.999999) - 1)]
        print(f"event-latency p50 {statistics.median(latencies):.1f} p99 {p99:.1f} max {latencies[-1]:.1f} ms "
              f"over {len(latencies)} arrivals (missing {missing})")
    else:
        print(f"event-latency p50 nan p99 nan max nan ms over 0 arrivals (missing {missing})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
