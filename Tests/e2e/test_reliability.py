"""Reliability battery (issue #12), fast versions: crashes, a full disk, a read-only or locked database, slow and
many clients, hostile input. Everything runs against the real `balie serve` over real HTTP.

Run from the repository root (as root: the disk tests mount tmpfs):
    python3 -m pytest Tests/e2e/test_reliability.py -q -s      # -s shows the FIGURE lines

Each test prints `FIGURE name: value` lines; docs/reliability.md lists the figures of the last run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from balie_harness import _ALL_SERVERS, DEMO_KIOSK, LISTENING, REPO_ROOT, START_TIMEOUT, BalieServer, balie_binary
from test_api import make_token
from test_auth import balie_cli, db_rows, signed_in

ALL_SCOPES = ["customers:read", "contacts:read", "contacts:write", "sessions:read"]
TIMEOUT = 10


def figure(name: str, value) -> None:
    print(f"FIGURE {name}: {value}", flush=True)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def contact_body(topic: str, summary: str = "", outcome: str = "ok", at: str | None = None) -> dict:
    # UNIQUE (customer_id, channel, at, topic): the topic is unique per write.
    return {"channel": "phone", "at": at or "2026-11-20T09:30:00Z", "topic": topic, "summary": summary, "outcome": outcome}


def post_contact(session, server, token, number, topic, summary="", key=None, timeout=TIMEOUT):
    return session.post(server.url(f"/api/v1/customers/{number}/contacts"), json=contact_body(topic, summary),
                        headers={**auth(token), "Idempotency-Key": key or topic}, timeout=timeout)


def assert_storage_problem(response, where: str):
    assert response.status_code == 503, f"{where}: expected 503, got {response.status_code}: {response.text[:400]}"
    assert response.headers.get("Content-Type") == "application/problem+json", f"{where}: {response.headers}"
    problem = response.json()
    assert problem.get("type") == "/problems/storage-unavailable", f"{where}: {problem}"
    assert problem.get("status") == 503 and problem.get("detail"), f"{where}: {problem}"


def check_database(database: Path) -> str:
    result = balie_cli("check", "--database", database)
    assert result.returncode == 0 and result.stdout.strip() == "ok", \
        f"balie check {database}: exit {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout.strip()


def launch(database: Path, *args, log_dir: Path) -> BalieServer:
    """`balie serve --database DATABASE --port 0 ARGS` with the log outside the database's folder
    (the disk tests fill that folder); registered for the conftest's kill-at-exit. A browser on this machine
    is the demo's first kiosk, as with `serve --demo`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    if "--kiosk" not in args:
        args = (*args, "--kiosk", DEMO_KIOSK[0], "--branch", DEMO_KIOSK[1])
    stderr_path = log_dir / f"stderr-{uuid.uuid4().hex[:8]}.log"
    command = [str(balie_binary()), "serve", "--host", "127.0.0.1", "--port", "0", "--database", str(database),
               *map(str, args)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALIE_")}
    with open(stderr_path, "wb") as err:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=err, env=env)
    lines: list[str] = []
    got_first = threading.Event()

    def drain():
        for raw in process.stdout:
            lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
            got_first.set()
        got_first.set()

    threading.Thread(target=drain, daemon=True).start()
    got_first.wait(START_TIMEOUT)
    server = BalieServer(process, 0, database, stderr_path, tuple(args), lines)
    _ALL_SERVERS.append(server)
    match = LISTENING.match(lines[0]) if lines else None
    if not match:
        server.stop(timeout=2)
        pytest.fail(f"balie serve on {database} did not start: stdout {lines[:3]}\nstderr:\n{server.stderr_text()[-3000:]}",
                    pytrace=False)
    server.port = int(match.group(1))
    return server


def kill(server: BalieServer) -> None:
    if server.process.poll() is None:
        server.process.kill()
    server.process.wait(timeout=10)


@contextmanager
def tmpfs(size: str):
    """A fresh tmpfs of `size`, unmounted (lazily if still busy) afterwards. Fails clearly if mounting is impossible."""
    directory = Path(tempfile.mkdtemp(prefix="balie-tmpfs-"))
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        directory.rmdir()
        pytest.fail(f"cannot mount a tmpfs here (the disk tests need root and CAP_SYS_ADMIN): "
                    f"{result.stderr.strip() or result.stdout.strip()}", pytrace=False)
    try:
        yield directory
    finally:
        subprocess.run(["chattr", "-R", "-i", str(directory)], capture_output=True)
        if subprocess.run(["umount", str(directory)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(directory)], capture_output=True)
        try:
            directory.rmdir()
        except OSError:
            pass


@pytest.fixture(scope="module")
def demo_database(start_server_module):
    """A demo database with an API token, made once and stopped cleanly (WAL checkpointed): copied per test."""
    server = start_server_module("--demo")
    token = make_token(server.database, "reliability", ALL_SCOPES)
    numbers = [r[0] for r in db_rows(server.database, "SELECT number FROM customer ORDER BY id LIMIT 40")]
    assert server.stop() == 0
    return server.database, token, numbers


def copy_database(source: Path, target_dir: Path) -> Path:
    target = target_dir / "balie.sqlite"
    shutil.copy2(source, target)
    for suffix in ("-wal",):
        if Path(str(source) + suffix).exists():
            shutil.copy2(str(source) + suffix, str(target) + suffix)
    return target


def topics_stored(database: Path, prefix: str) -> dict[str, tuple]:
    rows = db_rows(database, """SELECT c.topic, c.summary, c.outcome, c.channel, c.source_system, k.number
                                FROM contact c JOIN customer k ON k.id = c.customer_id WHERE c.topic LIKE ?""", (prefix + "%",))
    return {r[0]: r[1:] for r in rows}


# ------------------------------------------------------------------------------------------------
# 1. crash: kill -9 under write load, three rounds at random moments
# ------------------------------------------------------------------------------------------------

CRASH_ROUNDS = 3
CRASH_WRITERS = 20


class CrashLedger:
    """What the writers sent: `acknowledged` got a success answer; `in_flight` was sent and got none (the
    server died under it: stored whole or not at all). Keys are unique per write; values what it should hold."""

    def __init__(self):
        self.acknowledged: dict[str, tuple] = {}
        self.in_flight: dict[str, tuple] = {}
        self.lock = threading.Lock()


def kill_9_rounds(database: Path, log_dir: Path, *, rounds: int, writers: int, rng: random.Random,
                  prepare, send, success: int, verify, window=(0.4, 2.0)) -> list[tuple[float, int]]:
    """`rounds` times: start the server on `database`; `writers` threads each write in a loop (`prepare(round,
    writer, i)` → (key, expected), then `send(server, writer, key, expected)` → status, raising
    `requests.RequestException` when the server is gone); `kill -9` after a random moment in `window`;
    restart on the same file and call `verify(server, ledger, round)`; stop cleanly; `balie check` = ok.
    Every answer before the kill must be `success`. Returns (seconds before the kill, answers) per round."""
    ledger = CrashLedger()
    per_round = []
    for round_no in range(rounds):
        server = launch(database, log_dir=log_dir)
        stop = threading.Event()
        answers: list[str] = []

        def writer(w: int):
            i = 0
            while not stop.is_set():
                key, expected = prepare(round_no, w, i)
                with ledger.lock:
                    ledger.in_flight[key] = expected
                try:
                    status = send(server, w, key, expected)
                except requests.RequestException:
                    return  # the server died under us: outcome unknown, stays in in_flight
                with ledger.lock:
                    if status == success:
                        ledger.acknowledged[key] = ledger.in_flight.pop(key)
                        answers.append(key)
                    else:
                        ledger.in_flight.pop(key)
                        answers.append(f"!{status}")
                i += 1

        threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(writers)]
        for t in threads:
            t.start()
        delay = rng.uniform(*window)
        time.sleep(delay)
        server.process.kill()  # SIGKILL: no graceful stop, no checkpoint
        server.process.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=15)
        errors = [a for a in answers if a.startswith("!")]
        assert not errors, f"round {round_no}: non-{success} answers before the crash: {errors[:10]}"
        per_round.append((round(delay, 2), len(answers)))

        # Restart on the same database: everything acknowledged so far is there, whole.
        again = launch(database, log_dir=log_dir)
        try:
            assert requests.get(again.url("/healthz"), timeout=TIMEOUT).status_code == 200
            verify(again, ledger, round_no)
        finally:
            assert again.stop() == 0, again.stderr_text()[-2000:]
        check_database(database)
    return per_round


def crash_seed() -> random.Random:
    seed = int(os.environ.get("BALIE_RELIABILITY_SEED", str(int(time.time()))))
    figure("crash seed (BALIE_RELIABILITY_SEED)", seed)
    return random.Random(seed)


def test_kill_9_under_write_load_loses_no_acknowledged_write(demo_database, tmp_path):
    source, token, numbers = demo_database
    database = copy_database(source, tmp_path)
    rng = crash_seed()
    sessions = [requests.Session() for _ in range(CRASH_WRITERS)]

    def prepare(round_no, w, i):
        summary = f"round {round_no} writer {w} write {i} " + "x" * rng.randint(0, 500) + "."
        return f"crash-r{round_no}-w{w}-{i}", (numbers[(w + i) % len(numbers)], summary)

    def send(server, w, topic, expected):
        number, summary = expected
        return post_contact(sessions[w], server, token, number, topic, summary).status_code

    def verify(again, ledger, round_no):
        stored = topics_stored(database, "crash-")
        missing = sorted(set(ledger.acknowledged) - set(stored))
        assert not missing, f"round {round_no}: {len(missing)} acknowledged writes lost after kill -9: {missing[:10]}"
        for topic, (number, summary) in ledger.acknowledged.items():
            assert stored[topic] == (summary, "ok", "phone", "reliability", number), f"{topic} half-written: {stored[topic]}"
        # Unacknowledged writes are all-or-nothing; a retry with the same key stores them exactly once.
        session = requests.Session()
        for topic, (number, summary) in list(ledger.in_flight.items()):
            if topic in stored:
                assert stored[topic] == (summary, "ok", "phone", "reliability", number), f"{topic} half-written"
            retry = post_contact(session, again, token, number, topic, summary)
            assert retry.status_code == 201, f"retry of {topic}: {retry.status_code} {retry.text[:300]}"
            ledger.acknowledged[topic] = ledger.in_flight.pop(topic)
        counts = db_rows(database, "SELECT topic, count(*) FROM contact WHERE topic LIKE 'crash-%' GROUP BY topic HAVING count(*) > 1")
        assert not counts, f"duplicated contacts after retry: {counts[:5]}"
        verify.total = len(ledger.acknowledged)

    per_round = kill_9_rounds(database, tmp_path / "logs", rounds=CRASH_ROUNDS, writers=CRASH_WRITERS, rng=rng,
                              prepare=prepare, send=send, success=201, verify=verify)
    figure("crash rounds (kill after seconds, writes acknowledged before the kill)", per_round)
    figure("crash acknowledged writes found after restart", f"{verify.total} of {verify.total}")


# ------------------------------------------------------------------------------------------------
# 2. disk full: database on a 3 MB tmpfs
# ------------------------------------------------------------------------------------------------


def fill(path: Path) -> int:
    """Write zeros until the file system is full; returns the bytes written."""
    written = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                written += f.write(chunk)
            except OSError:
                break
        # fill the last partial chunk byte-wise coarse steps
        for size in (4096, 512, 1):
            while True:
                try:
                    written += f.write(b"\0" * size)
                except OSError:
                    break
    return written


def test_full_disk_answers_503_keeps_reads_and_recovers(demo_database, tmp_path):
    source, token, numbers = demo_database
    with tmpfs("3M") as disk:
        database = copy_database(source, disk)
        server = launch(database, log_dir=tmp_path / "logs")
        try:
            session = requests.Session()
            number = numbers[0]
            acknowledged = {}
            for i in range(5):
                topic = f"disk-before-{i}"
                assert post_contact(session, server, token, number, topic, "vooraf").status_code == 201
                acknowledged[topic] = "vooraf"
            filler = disk / "filler"
            filled = fill(filler)
            started = time.monotonic()
            first_failure = None
            accepted_after_fill = 0
            for i in range(2000):
                topic = f"disk-fill-{i}"
                response = post_contact(session, server, token, numbers[i % len(numbers)], topic, "y" * 2000)
                if response.status_code == 201:
                    acknowledged[topic] = "y" * 2000
                    accepted_after_fill += 1
                    continue
                first_failure = response
                break
            seconds_to_503 = time.monotonic() - started
            assert first_failure is not None, "2000 writes of 2 KB on a full 3 MB disk all succeeded?"
            assert_storage_problem(first_failure, "first write on a full disk")
            figure("disk full: filler bytes written", filled)
            figure("disk full: writes accepted after the filler (WAL space left)", accepted_after_fill)
            figure("disk full: seconds from full disk to the first 503", round(seconds_to_503, 3))
            figure("disk full: Retry-After", first_failure.headers.get("Retry-After"))

            # Writes keep failing cleanly; never a 500, the server stays up.
            statuses = [post_contact(session, server, token, number, f"disk-full-{i}", "z").status_code for i in range(20)]
            assert set(statuses) <= {503}, f"writes on a full disk: {statuses}"
            assert server.is_running(), server.stderr_text()[-2000:]
            # Reads go on.
            time.sleep(1.1)  # the health probe caches its answer for a second
            health = session.get(server.url("/healthz"), timeout=TIMEOUT)
            assert health.status_code == 200, f"/healthz on a full disk: {health.status_code} {health.text}"
            read_statuses = {}
            for path in (f"/api/v1/customers/{number}", f"/api/v1/customers/{number}/contacts?limit=100",
                         f"/api/v1/customers?q={number}", "/api/v1/openapi.json"):
                read_statuses[path] = session.get(server.url(path), headers=auth(token), timeout=TIMEOUT).status_code
            figure("disk full: read statuses", read_statuses)
            assert all(s in (200, 503) for s in read_statuses.values()), read_statuses
            assert read_statuses["/api/v1/openapi.json"] == 200
            # Audited reads need an audit row; refusing them with 503 rather than serving unaudited is accepted,
            # but they must not fail otherwise.
            for path, status in read_statuses.items():
                if status == 503:
                    assert_storage_problem(session.get(server.url(path), headers=auth(token), timeout=TIMEOUT), f"GET {path}")
            for page in ("/", "/sign-in"):
                status = session.get(server.url(page), timeout=TIMEOUT).status_code
                assert status in (200, 503), f"GET {page} on a full disk: {status}"

            # Free the space: writing resumes.
            filler.unlink()
            resumed_at = time.monotonic()
            resumed = None
            for i in range(50):
                response = post_contact(session, server, token, number, f"disk-after-{i}", "daarna")
                if response.status_code == 201:
                    acknowledged[f"disk-after-{i}"] = "daarna"
                    resumed = i
                    break
                assert response.status_code == 503, response.text
                time.sleep(0.1)
            assert resumed is not None, "writing did not resume after the filler was deleted"
            figure("disk full: seconds from freeing space to the next 201", round(time.monotonic() - resumed_at, 3))
            time.sleep(1.1)
            assert session.get(server.url("/healthz"), timeout=TIMEOUT).status_code == 200
            stored = topics_stored(database, "disk-")
            missing = sorted(set(acknowledged) - set(stored))
            assert not missing, f"acknowledged writes missing after the full disk: {missing[:10]}"
            assert not [t for t in stored if t.startswith("disk-full-")], "a write answered 503 was stored"
            assert all(stored[t][0] == s for t, s in acknowledged.items())
            figure("disk full: acknowledged writes intact", f"{len(acknowledged)} of {len(acknowledged)}")
        finally:
            code = server.stop()
        assert code == 0, f"exit code {code} after the full disk\n{server.stderr_text()[-2000:]}"
        check_database(database)


# ------------------------------------------------------------------------------------------------
# 3. read-only database
# ------------------------------------------------------------------------------------------------


def test_read_only_database_answers_503_and_reads_go_on(demo_database, tmp_path):
    """Root ignores file modes. A running server's files are made immutable with `chattr +i` (a tmpfs
    remount to read-only is refused with EBUSY while the server has the files open for writing); then the
    server is stopped, the tmpfs remounted read-only and the server started on it."""
    source, token, numbers = demo_database
    with tmpfs("16M") as disk:
        database = copy_database(source, disk)
        server = launch(database, log_dir=tmp_path / "logs")
        session = requests.Session()
        number = numbers[1]
        files = [str(database) + suffix for suffix in ("", "-wal", "-shm") if Path(str(database) + suffix).exists()]
        try:
            assert post_contact(session, server, token, number, "ro-before", "vooraf").status_code == 201
            busy = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
            figure("read-only: remount ro while the server runs", f"exit {busy.returncode} {busy.stderr.strip().splitlines()[0] if busy.stderr.strip() else ''}")
            if busy.returncode == 0:
                subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
            # `chattr +i` only stops new opens for writing: the running server's open descriptors keep writing
            # (kernel semantics, not a server fault). Recorded, not asserted.
            chattr = subprocess.run(["chattr", "+i", *files], capture_output=True, text=True)
            try:
                answer = post_contact(session, server, token, number, "ro-chattr-open-fd", "open descriptor")
                figure("read-only: write after chattr +i on the open files", answer.status_code)
                assert answer.status_code in (201, 503), answer.text
            finally:
                subprocess.run(["chattr", "-i", *files], capture_output=True)
            resumed = post_contact(session, server, token, number, "ro-after-chattr", "weer")
            assert resumed.status_code == 201, f"writing did not resume after chattr -i: {resumed.status_code} {resumed.text[:300]}"
        finally:
            code = server.stop()
        assert code == 0, f"exit {code}\n{server.stderr_text()[-2000:]}"

        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True)
        try:
            ro = try_launch(database, log_dir=tmp_path / "logs")
            if isinstance(ro, str):
                figure("read-only: serve on a read-only file system", f"refused to start: {ro.strip()}")
                assert "another balie server" not in ro.lower(), \
                    f"a read-only database is reported as a lock held by another server: {ro.strip()}"
                assert "read-only" in ro.lower() or "read only" in ro.lower(), f"unclear start-up error: {ro.strip()}"
            else:
                try:
                    check_read_only(ro, session, token, number, "started on ro")
                finally:
                    code = ro.stop()
                assert code == 0, f"exit {code}\n{ro.stderr_text()[-2000:]}"
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], capture_output=True)
        stored = topics_stored(database, "ro-")
        assert {"ro-before", "ro-after-chattr"} <= set(stored), stored
        assert not [t for t in stored if t.startswith("ro-immutable") or t.startswith("ro-started")], stored
        check_database(database)


def try_launch(database: Path, log_dir: Path):
    """A running BalieServer, or the standard error of a server that exited at start-up."""
    command = [str(balie_binary()), "serve", "--host", "127.0.0.1", "--port", "0", "--database", str(database)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALIE_")}
    probe = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
    try:
        out, err = probe.communicate(timeout=3)
        return err.decode("utf-8", "replace") or out.decode("utf-8", "replace") or f"exit {probe.returncode}"
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.wait()
    return launch(database, log_dir=log_dir)


def check_read_only(server, session, token, number, label):
    response = post_contact(session, server, token, number, f"ro-{label}".replace(" ", "-"), "mag niet")
    figure(f"read-only ({label}): contact POST", response.status_code)
    assert_storage_problem(response, f"write to a read-only database ({label})")
    assert server.is_running()
    time.sleep(1.1)
    health = session.get(server.url("/healthz"), timeout=TIMEOUT)
    figure(f"read-only ({label}): /healthz", f"{health.status_code} {health.text}")
    contacts = session.get(server.url(f"/api/v1/customers/{number}/contacts?limit=100"), headers=auth(token), timeout=TIMEOUT)
    figure(f"read-only ({label}): GET contacts", contacts.status_code)
    assert contacts.status_code in (200, 503), contacts.text
    if contacts.status_code == 200:
        assert any(item["topic"] == "ro-before" for item in contacts.json()["items"])
    assert session.get(server.url("/api/v1/openapi.json"), timeout=TIMEOUT).status_code == 200
    assert server.is_running()


def start_session_with_task(client, server, number: str) -> tuple[int, int, str]:
    """An assisted session for `number` with one task, as the staff pages make it; returns (session, task, csrf)."""
    from test_sessions import add_task, start_session, staff_page_csrf
    sid = start_session(client, server, number)
    tid = add_task(client, server, sid, "tax-return")
    return sid, tid, staff_page_csrf(client, server)


def post_step(client, server, sid: int, tid: int, csrf: str, description: str, timeout=TIMEOUT):
    return client.post(server.url(f"/sessions/{sid}/tasks/{tid}/steps"), timeout=timeout, allow_redirects=False,
                       data={"csrf": csrf, "description": description, "actor": "customer-with-help"})


def test_locked_database_answers_503_and_recovers(demo_database, tmp_path):
    """Another process holds SQLite's write lock (`BEGIN EXCLUSIVE`, kept open): writes wait the busy timeout,
    then get a clear 503 (problem JSON for the API, the storage page for forms), never a 500; `/healthz`
    says the database is busy; the server stays up, and writing resumes as soon as the lock is released."""
    source, token, numbers = demo_database
    database = copy_database(source, tmp_path)
    server = launch(database, log_dir=tmp_path / "logs")
    session = requests.Session()
    number = numbers[2]
    try:
        assert post_contact(session, server, token, number, "lock-before", "vooraf").status_code == 201
        client = signed_in(server, "anna")
        client.cookies.set("balie_lang", "en")
        sid, tid, csrf = start_session_with_task(client, server, number)
        assert post_step(client, server, sid, tid, csrf, "lock-step-before").status_code == 303

        holder = sqlite3.connect(database, timeout=1, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            started = time.monotonic()
            held = post_contact(session, server, token, number, "lock-held", "mag niet", timeout=60)
            waited = time.monotonic() - started
            figure("locked: API write answered after seconds (busy timeout)", f"{held.status_code} after {waited:.2f}")
            assert_storage_problem(held, "API write while another process holds the lock")
            started = time.monotonic()
            step = post_step(client, server, sid, tid, csrf, "lock-step-held", timeout=60)
            figure("locked: form write (session step) answered after seconds", f"{step.status_code} after {time.monotonic() - started:.2f}")
            assert step.status_code == 503, f"session step under a lock: {step.status_code} {step.text[:300]}"
            assert step.headers.get("Content-Type", "").startswith("text/html")
            assert "Storage is unavailable" in step.text and step.headers.get("Retry-After")
            time.sleep(1.1)  # past the health probe's cached answer
            started = time.monotonic()
            health = session.get(server.url("/healthz"), timeout=30)
            figure("locked: /healthz", f"{health.status_code} {health.text} in {time.monotonic() - started:.2f} s")
            assert health.status_code == 503 and health.json().get("status") == "database-busy", health.text
            assert time.monotonic() - started < 3, "/healthz took the whole busy timeout"
            assert session.get(server.url("/api/v1/openapi.json"), timeout=TIMEOUT).status_code == 200
            assert server.is_running(), server.stderr_text()[-2000:]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        released = time.monotonic()
        after = post_contact(session, server, token, number, "lock-after", "daarna")
        assert after.status_code == 201, f"writing did not resume after the lock was released: {after.status_code} {after.text[:300]}"
        assert post_step(client, server, sid, tid, csrf, "lock-step-after").status_code == 303
        figure("locked: seconds from release to the next 201", round(time.monotonic() - released, 3))
        time.sleep(1.1)
        health = session.get(server.url("/healthz"), timeout=TIMEOUT)
        assert health.status_code == 200 and health.json() == {"status": "ok"}, health.text
        stored = topics_stored(database, "lock-")
        assert set(stored) == {"lock-before", "lock-after"}, stored
        steps = [r[0] for r in db_rows(database, "SELECT description FROM session_step WHERE description LIKE 'lock-step-%' ORDER BY id")]
        assert steps == ["lock-step-before", "lock-step-after"], steps
    finally:
        code = server.stop()
    assert code == 0, f"exit {code}\n{server.stderr_text()[-2000:]}"
    check_database(database)


# ------------------------------------------------------------------------------------------------
# 4. slow and many clients
# ------------------------------------------------------------------------------------------------


def open_from(address: str, port: int, timeout: float = 5.0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def timed_get(address: str, port: int, path: str = "/healthz") -> tuple[float, int]:
    started = time.monotonic()
    sock = open_from(address, port, timeout=5)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0
    return time.monotonic() - started, status


def alive(sock: socket.socket) -> bool:
    """True when the peer has not closed the connection (non-blocking peek)."""
    try:
        sock.setblocking(False)
        data = sock.recv(1, socket.MSG_PEEK)
        return data != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def test_slowloris_and_idle_connections_do_not_starve_a_normal_client(start_server):
    server = start_server("--idle-timeout", "2", "--max-connections-per-client", "64")
    slow: list[socket.socket] = []
    idle: list[socket.socket] = []
    trickle = threading.Event()
    try:
        for _ in range(60):
            sock = open_from("127.0.0.1", server.port)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            slow.append(sock)

        def trickler():
            n = 0
            while not trickle.wait(0.5):
                for sock in slow:
                    try:
                        sock.sendall(f"X-Slow-{n}: a\r\n".encode())
                    except OSError:
                        pass
                n += 1

        thread = threading.Thread(target=trickler, daemon=True)
        thread.start()
        refused = 0
        for _ in range(500):
            try:
                idle.append(open_from("127.0.0.1", server.port, timeout=2))
            except OSError:
                refused += 1
        time.sleep(0.5)
        idle_open = sum(alive(s) for s in idle)
        figure("slow clients: idle keep-alive connections from 127.0.0.1 still open next to 60 slowloris (of 500)",
               f"{idle_open} (connect refused {refused})")
        assert idle_open <= 64 - 60 + 1, f"per-address limit not applied: {idle_open} extra connections from 127.0.0.1 held"

        # A normal client from another address is served within a second, repeatedly.
        latencies = []
        for _ in range(20):
            seconds, status = timed_get("127.0.0.2", server.port)
            assert status == 200, status
            latencies.append(seconds)
        figure("slow clients: normal client (127.0.0.2) latency ms, max / median",
               f"{max(latencies) * 1000:.1f} / {sorted(latencies)[10] * 1000:.1f}")
        assert max(latencies) < 1.0, latencies

        # Slowloris connections that keep trickling are held (each byte is activity) ...
        time.sleep(3)
        still = sum(alive(s) for s in slow)
        figure("slow clients: trickling slowloris connections still open after 3.5 s (idle timeout 2 s)", f"{still} of 60")
        assert server.is_running()
        # ... and are freed by the idle timeout once they stop.
        trickle.set()
        thread.join(timeout=5)
        stopped = time.monotonic()
        while time.monotonic() - stopped < 6 and any(alive(s) for s in slow):
            time.sleep(0.1)
        freed_after = time.monotonic() - stopped
        assert not any(alive(s) for s in slow), "slowloris connections not closed by the 2 s idle timeout"
        figure("slow clients: seconds until silent slowloris connections were closed", round(freed_after, 2))
        # Once freed, 127.0.0.1 itself is served again.
        for s in idle:
            s.close()
        seconds, status = timed_get("127.0.0.1", server.port)
        assert status == 200 and seconds < 1.0, (status, seconds)
    finally:
        trickle.set()
        for s in slow + idle:
            s.close()
    assert server.is_running()


def test_many_idle_connections_from_many_addresses(start_server):
    """1000 idle connections from 20 loopback addresses (50 each, under the per-address limit) fill the server's
    total; a client from yet another address may be refused then, but the server recovers at the idle timeout."""
    server = start_server("--idle-timeout", "2")
    held = []
    try:
        for a in range(20):
            for _ in range(50):
                try:
                    held.append(open_from(f"127.0.1.{a + 1}", server.port, timeout=2))
                except OSError:
                    break
        time.sleep(0.3)
        open_now = sum(alive(s) for s in held)
        seconds, status = timed_get("127.0.0.2", server.port)
        figure("many clients: 1000 idle connections held, normal client", f"{open_now} open; {status} in {seconds * 1000:.1f} ms")
        assert status == 200 and seconds < 1.0, (status, seconds)
        time.sleep(3)
        assert sum(alive(s) for s in held) == 0, "idle connections survived the 2 s idle timeout"
    finally:
        for s in held:
            s.close()
    assert server.is_running()


# ------------------------------------------------------------------------------------------------
# 5. hostile input
# ------------------------------------------------------------------------------------------------

INJECTIONS = [
    "'; DROP TABLE contact; --",
    "\" OR 1=1 --",
    "' OR '1'='1",
    "1; UPDATE staff SET role='admin'",
    "<script>alert('xss')</script>",
    "\"><img src=x onerror=alert(1)>",
    "{{#t}}{{/t}}{{{csrf}}}",
    "%00%27",
]


@pytest.fixture(scope="module")
def hostile(start_server_module):
    server = start_server_module("--demo")
    token = make_token(server.database, "hostile", ALL_SCOPES)
    number = db_rows(server.database, "SELECT number FROM customer ORDER BY id LIMIT 1 OFFSET 11")[0][0]
    return server, token, number


def snapshot(database: Path) -> dict:
    return {
        "staff": db_rows(database, "SELECT * FROM staff ORDER BY id"),
        "customers": db_rows(database, "SELECT * FROM customer ORDER BY id"),
        "tables": db_rows(database, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
    }


def test_raw_hostile_requests_get_4xx(hostile, raw):
    server, token, number = hostile
    port = server.port
    results = {}

    def send(name, data, expect):
        try:
            response = raw.request(port, data, timeout=10)
            status = response.status
        except (ConnectionError, OSError) as error:  # a close without an answer is not acceptable
            status = f"no answer ({type(error).__name__})"
        results[name] = status
        assert status in expect, f"{name}: got {status}, expected one of {expect}"

    send("header of 40 KiB", f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 40000}\r\n\r\n", {431, 400})
    send("400 headers", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "".join(f"X-H{i}: {'b' * 100}\r\n" for i in range(400)) + "\r\n", {431, 400})
    send("URL of 10000", f"GET /{'a' * 10000} HTTP/1.1\r\nHost: x\r\n\r\n", {414})
    send("body of 2 MiB (Content-Length)",
         f"POST /api/v1/customers/{number}/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
         f"Idempotency-Key: big\r\nContent-Type: application/json\r\nContent-Length: {2 * 1024 * 1024}\r\n\r\n", {413})
    send("%00 in path", "GET /customers/100%00003 HTTP/1.1\r\nHost: x\r\n\r\n", {400, 404})
    send("%00 in static path", "GET /static/css/balie.css%00.png HTTP/1.1\r\nHost: x\r\n\r\n", {400, 404})
    send("%00 in API query", f"GET /api/v1/customers?q=ab%00cd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n", {400, 422})
    # libmicrohttpd 0.9.75 ends the target at a raw NUL ("/healthz\0" is read as "/healthz"): nothing after
    # the NUL reaches Balie, so the answer is that of the clean path or a 400, never anything else.
    send("raw NUL in request line", "GET /healthz\0 HTTP/1.1\r\nHost: x\r\n\r\n", {200, 400})
    send("bad percent escape", "GET /customers/%zz HTTP/1.1\r\nHost: x\r\n\r\n", {400})
    send("5000 query parameters", "GET /healthz?" + "&".join(f"p{i}=1" for i in range(5000)) + " HTTP/1.1\r\nHost: x\r\n\r\n", {414, 400})
    for path in ("/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 "/static/..%2f..%2f..%2fPackage.swift", "/static/%252e%252e/Package.swift", "/static//etc/passwd",
                 "/static/css/..\\..\\..\\Package.swift"):
        response = raw.request(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")
        results[path] = response.status
        assert 400 <= response.status < 500, f"{path}: {response.status}"
        assert b"root:" not in response.body and b"swift-tools-version" not in response.body, path
    figure("hostile raw statuses", results)
    assert requests.get(server.url("/healthz"), timeout=TIMEOUT).status_code == 200


def test_hostile_bodies_get_4xx_and_store_nothing(hostile):
    server, token, number = hostile
    url = server.url(f"/api/v1/customers/{number}/contacts")
    before = db_rows(server.database, "SELECT count(*) FROM contact")[0][0]
    results = {}

    def post(name, body: bytes, content_type="application/json", extra=None):
        headers = {**auth(token), "Idempotency-Key": f"hostile-{name.replace(' ', '-')}", "Content-Type": content_type, **(extra or {})}
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
        results[name] = response.status_code
        assert 400 <= response.status_code < 500, f"{name}: {response.status_code} {response.text[:300]}"
        assert response.headers.get("Content-Type") == "application/problem+json", name

    good = contact_body("hostile")
    post("invalid UTF-8 in JSON string", json.dumps(good).replace("hostile", "host\\u0000ile").encode().replace(b"host", b"ho\xff\xfe"))
    post("invalid UTF-8 bare", b'{"channel":"phone","at":"2026-11-20T09:30:00Z","topic":"\xc3\x28\xa0\xa1"}')
    post("overlong UTF-8 slash", b'{"channel":"phone","at":"2026-11-20T09:30:00Z","topic":"\xc0\xaf"}')
    post("lone surrogate escape", b'{"channel":"phone","at":"2026-11-20T09:30:00Z","topic":"\\ud800"}')
    post("NUL in topic", json.dumps({**good, "topic": "a\u0000b"}).encode())
    post("nested 33", ("[" * 33 + "]" * 33).encode())
    post("nested 100000", ("[" * 100000 + "]" * 100000).encode())
    post("nested objects 1000", ('{"a":' * 1000 + "1" + "}" * 1000).encode())
    post("truncated JSON", b'{"channel":"phone","at":')
    post("huge number", json.dumps({**good}).replace('"phone"', '"phone", "n": 1e999999').encode())
    post("form instead of JSON", b"channel=phone&at=x&topic=y", "application/x-www-form-urlencoded")
    post("5000 JSON members", ("{" + ",".join(f'"k{i}":1' for i in range(5000)) + "}").encode())
    post("body over the limit", b"[" + b"1," * 600000 + b"1]")
    for field in ("channel", "at"):
        for i, value in enumerate(INJECTIONS):
            post(f"injection in {field} {i}", json.dumps({**good, field: value}).encode())
    for i, value in enumerate(INJECTIONS):
        response = requests.post(server.url("/api/v1/customers/") + requests.utils.quote(value, safe="") + "/contacts",
                                 json=good, headers={**auth(token), "Idempotency-Key": f"num-{i}"}, timeout=TIMEOUT)
        results[f"injection in number {i}"] = response.status_code
        assert 400 <= response.status_code < 500, (value, response.status_code, response.text[:200])
    figure("hostile bodies statuses", sorted(set(results.values())))
    assert db_rows(server.database, "SELECT count(*) FROM contact")[0][0] == before, "a refused body left a contact"
    # Idempotency keys are opaque visible ASCII: injection text without spaces is a valid key (201), with
    # spaces or non-ASCII a 422; never a 5xx, and the key is never executed.
    for i, value in enumerate(INJECTIONS):
        response = requests.post(url, json=contact_body(f"key-{i}"), headers={**auth(token), "Idempotency-Key": value.encode("utf-8").decode("latin-1")}, timeout=TIMEOUT)
        results[f"injection in Idempotency-Key {i}"] = response.status_code
        assert response.status_code in (201, 422), (value, response.status_code, response.text[:200])
    # Duplicate member names: recorded, not asserted (RFC 8259 leaves them to the parser; Balie takes the last).
    dup = requests.post(url, data=b'{"channel":"phone","channel":"email","at":"2026-11-20T09:30:00Z","topic":"dup"}',
                        headers={**auth(token), "Idempotency-Key": "hostile-dup", "Content-Type": "application/json"}, timeout=TIMEOUT)
    figure("hostile: JSON with a duplicate member name", f"{dup.status_code} {dup.text[:120]}")
    assert dup.status_code < 500
    assert requests.get(server.url("/healthz"), timeout=TIMEOUT).status_code == 200


def test_hostile_forms_get_4xx(hostile):
    server, _, _ = hostile
    client = requests.Session()
    page = client.get(server.url("/sign-in"), timeout=TIMEOUT)
    assert page.status_code == 200
    statuses = {}
    for name, body in {
        "invalid UTF-8 in form": b"csrf=x&username=\xff\xfe&password=\xc3\x28",
        "5000 form fields": "&".join(f"f{i}=1" for i in range(5000)).encode(),
        "NUL in form": b"csrf=x&username=a%00b&password=c",
        "bad escape in form": b"csrf=x&username=%zz&password=c",
    }.items():
        response = client.post(server.url("/sign-in"), data=body, allow_redirects=False, timeout=TIMEOUT,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        statuses[name] = response.status_code
        assert 400 <= response.status_code < 500, f"{name}: {response.status_code}"
    figure("hostile forms statuses", statuses)


def test_injection_in_every_contact_field_is_stored_verbatim_and_shown_escaped(hostile):
    """Free-text fields (topic, summary, outcome) legitimately hold quotes and angle brackets: the API stores
    them verbatim as data (201) and the 360° page shows them escaped; SQL in them executes nowhere."""
    server, token, number = hostile
    before = snapshot(server.database)
    contacts_before = db_rows(server.database, "SELECT count(*) FROM contact")[0][0]
    stored = []
    for i, value in enumerate(INJECTIONS):
        for field in ("topic", "summary", "outcome"):
            body = contact_body(f"inj-{i}-{field}")
            body[field] = value if field != "topic" else f"inj-{i} {value}"
            response = requests.post(server.url(f"/api/v1/customers/{number}/contacts"), json=body,
                                     headers={**auth(token), "Idempotency-Key": f"inj-{i}-{field}"}, timeout=TIMEOUT)
            assert response.status_code == 201, f"{field}={value!r}: {response.status_code} {response.text[:300]}"
            stored.append(body)
    after = snapshot(server.database)
    assert after == before, "an injection changed staff, customers or the table list"
    assert db_rows(server.database, "SELECT count(*) FROM contact")[0][0] == contacts_before + len(stored)
    for body in stored:
        row = db_rows(server.database, """SELECT c.summary, c.outcome FROM contact c JOIN customer k ON k.id = c.customer_id
                                          WHERE k.number = ? AND c.topic = ?""", (number, body["topic"]))
        assert row == [(body["summary"], body["outcome"])], (body, row)
    # The 360° page shows them escaped.
    client = signed_in(server, "anna")
    html = client.get(server.url(f"/customers/{number}"), timeout=TIMEOUT).text
    html += client.get(server.url(f"/customers/{number}/contacts?page=1"), timeout=TIMEOUT).text
    assert "<script>alert(" not in html and "<img src=x" not in html, "injected HTML reached the page unescaped"
    assert "&lt;script&gt;alert(" in html, "the injected topic is not shown (escaped) on the 360° page"
    assert "{{{csrf}}}" in html or "{{#t}}" in html, "template syntax in a topic was interpreted"


def test_injection_in_customer_search(hostile):
    server, token, number = hostile
    client = signed_in(server, "anna")
    customers = db_rows(server.database, "SELECT count(*) FROM customer")[0][0]
    for value in INJECTIONS + ["%", "_", "*", "' UNION SELECT username, password_hash FROM staff --"]:
        api = requests.get(server.url("/api/v1/customers"), params={"q": value}, headers=auth(token), timeout=TIMEOUT)
        assert api.status_code in (200, 422), (value, api.status_code, api.text[:200])
        if api.status_code == 200:
            assert len(api.json()["items"]) < min(customers, 20), f"{value!r} matched (nearly) everyone"
            assert "argon2" not in api.text
        page = client.get(server.url("/customers"), params={"q": value}, timeout=TIMEOUT)
        assert page.status_code in (200, 422), (value, page.status_code)
        assert "<script>alert(" not in page.text and "<img src=x" not in page.text, value
        assert "argon2" not in page.text
    assert requests.get(server.url("/healthz"), timeout=TIMEOUT).status_code == 200
    check_database(server.database)
