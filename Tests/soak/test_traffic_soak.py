"""Soak (issue #12, item 8; `make soak`): mixed traffic against one server for BALIE_SOAK_SECONDS (600 in
`make soak`): kiosk pages and walk-in tickets, staff sign-in, customer search and the 360° view, assisted
sessions with steps, the channel API with a token (searches, contact lists, contact writes), calls from the
queue and Server-Sent Events listeners on /display/events that come and go. The server's RSS and open file
descriptors (/proc/PID/status, /proc/PID/fd) are sampled every BALIE_SOAK_SAMPLE_SECONDS (5).

Pass: no 5xx and no unexpected answer anywhere, no request failing at the connection; and from the end of
the warm-up to the end, measured both times with all clients gone (connections and streams closed):
RSS grows by at most BALIE_SOAK_RSS_GROWTH_MB (32) and open file descriptors by at most FD_GROWTH_LIMIT.

Run from the repository root (release build: BALIE_BIN=.build/release/balie):
    BALIE_SOAK_SECONDS=60 python3 -m pytest Tests/soak/test_traffic_soak.py -q -s
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from test_api import make_token
from test_auth import csrf_of, db_rows, signed_in
from test_queue import GROUPS, EventReader
from test_reliability import ALL_SCOPES, auth, contact_body, figure, post_step, start_session_with_task

SECONDS = float(os.environ.get("BALIE_SOAK_SECONDS", "600"))
SAMPLE_EVERY = float(os.environ.get("BALIE_SOAK_SAMPLE_SECONDS", "5"))
WARM_UP = float(os.environ.get("BALIE_SOAK_WARM_UP_SECONDS", str(min(60.0, SECONDS * 0.2))))
RSS_GROWTH_LIMIT_MB = float(os.environ.get("BALIE_SOAK_RSS_GROWTH_MB", "32"))
FD_GROWTH_LIMIT = 4
TIMEOUT = 30
KIOSKS, STAFF, API_CLIENTS, LISTENERS = 2, 2, 2, 3


def process_figures(pid: int) -> tuple[float, int, int]:
    """(RSS in MiB, open file descriptors, threads) of a running process."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
    threads = int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))
    return rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd")), threads


class Traffic:
    """Workers that run until `done`, park (closing their connections) while `go` is clear, and count every
    answer; anything but an expected status, or a failed connection, is an error."""

    def __init__(self, server):
        self.server = server
        self.go = threading.Event()
        self.done = threading.Event()
        self.counts: Counter = Counter()
        self.errors: list[str] = []
        self.events = 0
        self.lock = threading.Condition()
        self.parked: set[str] = set()
        self.workers: list[threading.Thread] = []

    def expect(self, kind: str, response: requests.Response, *statuses: int) -> requests.Response:
        with self.lock:
            self.counts[(kind, response.status_code)] += 1
            if response.status_code not in statuses:
                self.errors.append(f"{kind} {response.request.method} {response.request.path_url}: {response.status_code} "
                                   f"{response.text[:200]!r}")
        return response

    def start(self, name: str, body, close) -> None:
        def loop():
            rng = random.Random(name)
            while not self.done.is_set():
                if not self.go.is_set():
                    close()
                    with self.lock:
                        self.parked.add(name)
                        self.lock.notify_all()
                    self.go.wait(0.5)
                    continue
                with self.lock:
                    self.parked.discard(name)
                try:
                    body(rng)
                except requests.RequestException as error:
                    with self.lock:
                        self.errors.append(f"{name}: {type(error).__name__}: {error}")
                    time.sleep(0.5)
            close()

        thread = threading.Thread(target=loop, name=name, daemon=True)
        self.workers.append(thread)
        thread.start()

    def quiesce(self, timeout: float = 60) -> None:
        """Parks every worker (their connections and streams closed) and waits until the server has no open stream."""
        self.go.clear()
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.parked) < len(self.workers):
                assert self.lock.wait(max(0.1, deadline - time.monotonic())) or time.monotonic() < deadline, \
                    f"workers did not park: {sorted(set(t.name for t in self.workers) - self.parked)}"
        # A closed event stream is noticed at the next heartbeat (15 s).
        while time.monotonic() < deadline:
            metrics = requests.get(self.server.url("/metrics"), headers={"Connection": "close"}, timeout=TIMEOUT).text
            if re.search(r"^balie_http_open_streams 0(\.0)?$", metrics, re.M):
                break
            time.sleep(0.5)
        time.sleep(0.5)


def test_mixed_traffic_soak(start_server):
    server = start_server("--demo")
    pid = server.process.pid
    token = make_token(server.database, "soak", ALL_SCOPES)
    customers = db_rows(server.database, "SELECT number, family_name FROM customer ORDER BY id LIMIT 40")
    numbers = [c[0] for c in customers]
    names = sorted({c[1] for c in customers})
    traffic = Traffic(server)
    url = server.url

    # Kiosks: the start screen, topics, the language page, a static file, now and then a walk-in ticket.
    for k in range(KIOSKS):
        kiosk = requests.Session()

        def kiosk_round(rng, kiosk=kiosk):
            traffic.expect("kiosk", kiosk.get(url("/"), timeout=TIMEOUT), 200)
            traffic.expect("kiosk", kiosk.get(url(f"/kiosk/topics/{rng.choice(GROUPS)}"), timeout=TIMEOUT), 200)
            traffic.expect("kiosk", kiosk.get(url("/language"), timeout=TIMEOUT), 200)
            traffic.expect("static", kiosk.get(url("/static/css/balie.css"), timeout=TIMEOUT), 200)
            if rng.random() < 0.2:
                page = traffic.expect("queue", kiosk.get(url("/queue/take"), timeout=TIMEOUT), 200)
                traffic.expect("queue", kiosk.post(url("/queue/tickets"), data={"csrf": csrf_of(page.text), "group": rng.choice(GROUPS)},
                                                   allow_redirects=False, timeout=TIMEOUT), 303)
            if rng.random() < 0.1:
                traffic.expect("health", kiosk.get(url("/healthz"), timeout=TIMEOUT), 200)
                traffic.expect("health", kiosk.get(url("/metrics"), timeout=TIMEOUT), 200)

        traffic.start(f"kiosk-{k}", kiosk_round, kiosk.close)

    # Staff: search, the 360° view, a session with steps, calls from the queue; signs out and in again now and then.
    for s in range(STAFF):
        state = {"client": None}

        def staff_round(rng, state=state, s=s):
            if state["client"] is None or rng.random() < 0.02:
                if state["client"] is not None:
                    csrf = csrf_of(traffic.expect("staff", state["client"].get(url("/staff"), timeout=TIMEOUT), 200).text)
                    traffic.expect("sign-out", state["client"].post(url("/sign-out"), data={"csrf": csrf}, allow_redirects=False,
                                                                    timeout=TIMEOUT), 303)
                client = signed_in(server, "anna" if s % 2 == 0 else "sanne")
                client.cookies.set("balie_lang", "en")
                traffic.counts[("sign-in", 303)] += 1
                state.update(client=client, session=start_session_with_task(client, server, rng.choice(numbers)), steps=0)
            client = state["client"]
            traffic.expect("search", client.get(url("/customers"), params={"q": rng.choice(names)}, timeout=TIMEOUT), 200)
            traffic.expect("record", client.get(url(f"/customers/{rng.choice(numbers)}"), timeout=TIMEOUT), 200)
            sid, tid, csrf = state["session"]
            traffic.expect("step", post_step(client, server, sid, tid, csrf, f"soak step {state['steps']}"), 303)
            state["steps"] += 1
            traffic.expect("session", client.get(url(f"/sessions/{sid}"), timeout=TIMEOUT), 200)
            if state["steps"] % 25 == 0:
                state["session"] = start_session_with_task(client, server, rng.choice(numbers))
            if rng.random() < 0.2:
                traffic.expect("queue", client.post(url("/queue/call-next"), data={"csrf": csrf}, allow_redirects=False,
                                                    timeout=TIMEOUT), 303)

        traffic.start(f"staff-{s}", staff_round, lambda state=state: state["client"] and state["client"].close())

    # API clients: search, contact lists, contact writes (Idempotency-Key).
    for a in range(API_CLIENTS):
        api = requests.Session()
        api.headers.update(auth(token))
        written = [0]

        def api_round(rng, api=api, a=a, written=written):
            traffic.expect("api-read", api.get(url("/api/v1/customers"), params={"q": rng.choice(names)}, timeout=TIMEOUT), 200)
            number = rng.choice(numbers)
            traffic.expect("api-read", api.get(url(f"/api/v1/customers/{number}/contacts"), params={"limit": 20}, timeout=TIMEOUT), 200)
            key = f"soak-{a}-{written[0]}"
            written[0] += 1
            traffic.expect("api-write", api.post(url(f"/api/v1/customers/{number}/contacts"), json=contact_body(key, "soak"),
                                                 headers={"Idempotency-Key": key}, timeout=TIMEOUT), 201)

        traffic.start(f"api-{a}", api_round, api.close)

    # Waiting-room displays: listen for 2–15 s, go away, come back.
    for d in range(LISTENERS):
        holder = {"reader": None}

        def close_reader(holder=holder):
            if holder["reader"] is not None:
                holder["reader"].close()
                with traffic.lock:
                    traffic.events += len(holder["reader"].events)
                holder["reader"] = None

        def display_round(rng, holder=holder, close_reader=close_reader):
            reader = EventReader(server)
            holder["reader"] = reader
            traffic.expect("sse", reader.response, 200)
            until = time.monotonic() + rng.uniform(2, 15)
            while time.monotonic() < until and traffic.go.is_set():
                time.sleep(0.2)
            close_reader()

        traffic.start(f"display-{d}", display_round, close_reader)

    samples: list[tuple[float, float, int, int]] = []
    sampling = threading.Event()

    def sampler():
        started = time.monotonic()
        while not sampling.wait(SAMPLE_EVERY):
            if server.is_running():
                samples.append((time.monotonic() - started, *process_figures(pid)))

    idle_before = process_figures(pid)
    threading.Thread(target=sampler, daemon=True).start()
    started = time.monotonic()
    try:
        traffic.go.set()
        time.sleep(WARM_UP)
        traffic.quiesce()
        warm = process_figures(pid)
        traffic.go.set()
        time.sleep(max(0.0, SECONDS - WARM_UP))
        traffic.quiesce()
        end = process_figures(pid)
    finally:
        traffic.done.set()
        traffic.go.set()
        sampling.set()
        for worker in traffic.workers:
            worker.join(timeout=30)
    elapsed = time.monotonic() - started
    assert server.is_running(), f"the server died during the soak:\n{server.stderr_text()[-3000:]}"

    requests_done = sum(traffic.counts.values())
    by_kind = Counter()
    for (kind, _), n in traffic.counts.items():
        by_kind[kind] += n
    statuses = Counter()
    for (_, status), n in traffic.counts.items():
        statuses[status] += n
    rss = [s[1] for s in samples]
    fds = [s[2] for s in samples]
    after_warm = [s for s in samples if s[0] >= WARM_UP]
    slope = 0.0
    if len(after_warm) >= 2:
        t0, r0 = after_warm[0][0], after_warm[0][1]
        t1, r1 = after_warm[-1][0], after_warm[-1][1]
        slope = (r1 - r0) / max(1e-9, (t1 - t0) / 60)
    figure("soak: seconds (warm-up)", f"{elapsed:.0f} ({WARM_UP:.0f})")
    figure("soak: requests (client side) and per second", f"{requests_done} ({requests_done / elapsed:.0f}/s)")
    figure("soak: requests by kind", dict(sorted(by_kind.items())))
    figure("soak: statuses", dict(sorted(statuses.items())))
    figure("soak: display events received", traffic.events)
    figure("soak: idle before traffic: RSS MiB, fds, threads", f"{idle_before[0]:.1f}, {idle_before[1]}, {idle_before[2]}")
    figure("soak: idle after warm-up: RSS MiB, fds, threads", f"{warm[0]:.1f}, {warm[1]}, {warm[2]}")
    figure("soak: idle at the end: RSS MiB, fds, threads", f"{end[0]:.1f}, {end[1]}, {end[2]}")
    if samples:
        figure("soak: under traffic: RSS MiB min / max, fds min / max, threads max",
               f"{min(rss):.1f} / {max(rss):.1f}, {min(fds)} / {max(fds)}, {max(s[3] for s in samples)}")
    figure("soak: RSS slope after warm-up, MiB per minute (first to last sample)", f"{slope:.2f}")
    figure("soak: samples (s, RSS MiB, fds, threads)", [(round(t), round(r, 1), f, n) for t, r, f, n in samples])
    figure("soak: errors", len(traffic.errors))

    assert not traffic.errors, f"{len(traffic.errors)} failed or unexpected answers, first: {traffic.errors[:10]}"
    assert not [s for s in statuses if s >= 500], statuses
    assert end[0] - warm[0] <= RSS_GROWTH_LIMIT_MB, \
        f"RSS grew {end[0] - warm[0]:.1f} MiB after warm-up (limit {RSS_GROWTH_LIMIT_MB} MiB)"
    assert end[1] - warm[1] <= FD_GROWTH_LIMIT, f"open file descriptors grew from {warm[1]} to {end[1]} after warm-up"
