"""The central deployment (issue #19): two `balie serve` instances on one PostgreSQL, end to end through real
HTTP. The test starts its own PostgreSQL server in a temporary folder on a free port (as the `postgres` user
when run as root: initdb refuses root) and stops it after; `make test` installs Debian's postgresql package.

What one instance does, the other sees: a sign-in made on one is good on the other, a ticket taken on one is
called from the other, a session started on one opens on the other. When the database goes away, pages and
the API answer 503 with Retry-After (never a 500), and both instances recover by themselves when it is back.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from test_auth import TIMEOUT, balie_cli, csrf_of
from test_queue import EventReader

PASSWORD = "central-desk-password-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Postgres:
    """A PostgreSQL server of the test's own. `settings` go into its postgresql.conf before the first start
    (archiving, replication); `initdb=False` leaves `data` empty, for the caller to fill (pg_basebackup) and start."""

    def __init__(self, settings: dict[str, str] | None = None, initdb: bool = True):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            pytest.fail("PostgreSQL's server programs are missing: apt-get install postgresql (make test does)", pytrace=False)
        self.bin = Path(bins[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="balie-pg-e2e-"))
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres", "postgres")
        if not initdb:
            return
        self.run("initdb", "-D", str(self.data), "-U", "balie", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
        self.configure(settings or {})
        self.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "balie", "-d", "postgres", "-q", "-c",
                        "CREATE DATABASE balie"], check=True, capture_output=True, timeout=30)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def configure(self, settings: dict[str, str]) -> None:
        """Appended to postgresql.conf, where the last line of a name wins; read at the next start."""
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            for name, value in settings.items():
                escaped = value.replace("'", "''")
                conf.write(f"{name} = '{escaped}'\n")

    @property
    def address(self) -> str:
        return f"postgres://balie@127.0.0.1:{self.port}/balie?sslmode=disable"

    def run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, timeout=60,
                       cwd="/tmp", stdin=subprocess.DEVNULL)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60", "-o",
                 f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def query(self, sql: str, **params) -> list[tuple]:
        """Rows of SQL run by psql on the test database, every value as text ('t'/'f' for booleans), NULL as None.
        `:'name'` in the SQL is the parameter `name`, quoted by psql (the script goes on standard input, where psql
        interpolates variables)."""
        null, field, record = "\x1d", "\x1f", "\x1e"
        command = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "balie", "-d", "balie", "-X", "-q", "-A", "-t",
                   "-v", "ON_ERROR_STOP=1", "-F", field, "-R", record, "-P", f"null={null}"]
        for name, value in params.items():
            command += ["-v", f"{name}={value}"]
        result = subprocess.run(command, input=sql, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"psql: {result.stderr}\n{sql}"
        text = result.stdout.rstrip("\n")
        return [tuple(None if value == null else value for value in line.split(field)) for line in text.split(record) if line]

    def value(self, sql: str, **params):
        """The first value of the first row, or None when there is no row."""
        rows = self.query(sql, **params)
        return rows[0][0] if rows else None


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    try:
        server.stop()
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)


def cli(postgres, *args, stdin=None) -> str:
    result = balie_cli(*args[:2], "--database", postgres.address, *args[2:], stdin=stdin)
    assert result.returncode == 0, f"balie {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def import_customer(postgres, folder: Path, number: str, given: str, family: str) -> None:
    people = folder / f"customer-{number}.csv"
    people.write_text("customer_number,given_name,family_name,birth_date,postcode,phone,email,preferred_channel,language\n"
                      f"{number},{given},{family},1950-03-01,1011AB,,,phone,nl\n", encoding="utf-8")
    cli(postgres, "import", "customers", str(people))


def write_contact(session, server, token: str, number: str, topic: str):
    """One API write of a contact (its topic is its idempotency key); None when the instance did not answer."""
    from test_reliability import contact_body

    try:
        return session.post(server.url(f"/api/v1/customers/{number}/contacts"), json=contact_body(topic, "x"),
                            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": topic}, timeout=TIMEOUT)
    except requests.RequestException:
        return None


def stored_topics(postgres, prefix: str) -> set[str]:
    return set(subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "balie", "-d", "balie", "-At", "-c",
                               f"SELECT topic FROM contact WHERE topic LIKE '{prefix}%'"],
                              capture_output=True, text=True, timeout=30).stdout.split())


@pytest.fixture(scope="module")
def instances(postgres, start_server_module):
    cli(postgres, "branch", "add", "--code", "noord", "--name", "Bibliotheek Noord")
    cli(postgres, "staff", "add", "--username", "nina", "--name", "Nina de Vries", "--role", "staff", "--branch", "noord",
        stdin=PASSWORD + "\n")
    cli(postgres, "staff", "add", "--username", "rob", "--name", "Rob Remote", "--role", "remote", "--branch", "noord",
        stdin=PASSWORD + "\n")
    # Both instances treat a browser on this machine as kiosk-1 of Noord (the single-kiosk shortcut).
    # The queue test takes 100 tickets from one kiosk: above the default anonymous write limits.
    return [start_server_module("--database", postgres.address, "--kiosk", "kiosk-1", "--branch", "noord",
                                "--anonymous-writes-per-kiosk", "1000", "--anonymous-writes-per-address", "1000") for _ in range(2)]


def signed_in(server, username="nina") -> requests.Session:
    client = requests.Session()
    page = client.get(server.url("/sign-in"), timeout=TIMEOUT)
    response = client.post(server.url("/sign-in"), data={"csrf": csrf_of(page.text), "username": username, "password": PASSWORD},
                           allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.text[:500]
    return client


def post(client, server, path, page="/staff", **data):
    token = csrf_of(client.get(server.url(page), timeout=TIMEOUT).text)
    return client.post(server.url(path), data={"csrf": token, **data}, allow_redirects=False, timeout=TIMEOUT)


def test_what_one_instance_does_the_other_sees(instances):
    a, b = instances
    nina = signed_in(b)
    # Sign-in sessions live in the database: the cookie from B is good on A.
    assert nina.get(a.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200
    # A ticket taken at the kiosk on A is called from B, and A's queue shows it called.
    kiosk = requests.Session()
    taken = post(kiosk, a, "/queue/tickets", page="/queue/take", group="banking")
    assert taken.status_code == 303, taken.text[:300]
    assert post(nina, b, "/queue/call-next", page="/queue").status_code == 303
    assert "B-1" in nina.get(a.url("/queue"), timeout=TIMEOUT).text
    # A session started on A opens on B; the view is audited in the shared trail.
    started = post(nina, a, "/sessions")
    assert started.status_code == 303
    assert nina.get(b.url(started.headers["Location"]), timeout=TIMEOUT).status_code == 200
    # The CSRF key is shared too: a form from A's page is accepted by B.
    token = csrf_of(nina.get(a.url("/staff"), timeout=TIMEOUT).text)
    assert nina.post(b.url("/lock"), data={"csrf": token}, allow_redirects=False, timeout=TIMEOUT).status_code in (302, 303)
    for server in instances:
        assert " 500 " not in server.stderr_text(), server.stderr_text()[-2000:]


def test_a_call_on_one_instance_reaches_the_display_on_the_other(instances):
    """Live events go through the database (a table and LISTEN/NOTIFY): a display on A hears a call made on B,
    with an id every instance shares; reconnecting to B with Last-Event-ID replays exactly what it missed."""
    a, b = instances
    nina = signed_in(a)
    kiosk = requests.Session()
    for _ in range(3):
        assert post(kiosk, a, "/queue/tickets", page="/queue/take", group="digital-government").status_code == 303
    display = EventReader(a, path="/branches/noord/display/events")
    try:
        assert post(nina, b, "/queue/call-next", page="/queue").status_code == 303
        assert display.wait_for(lambda r: len(r.called()) >= 1, 10), f"no call event on A: {display.raw!r}"
        first_id, first = display.called()[0]
    finally:
        display.close()
    # Two more calls while no display listens, then it reconnects to the other instance.
    for _ in range(2):
        assert post(nina, a, "/queue/call-next", page="/queue").status_code == 303
    again = EventReader(b, last_event_id=first_id, path="/branches/noord/display/events")
    try:
        assert again.wait_for(lambda r: len(r.called()) >= 2, 10), f"missed events not replayed on B: {again.raw!r}"
        time.sleep(0.5)
        replayed = again.called()
        assert len(replayed) == 2 and all(int(event_id) > int(first_id) for event_id, _ in replayed), replayed
        codes = [first["code"]] + [data["code"] for _, data in replayed]
        assert len(set(codes)) == 3 and all(code.startswith("D-") for code in codes), codes
    finally:
        again.close()


def test_remote_support_between_a_kiosk_on_one_instance_and_a_colleague_on_the_other(instances):
    a, b = instances
    kiosk, rob = signed_in(b), signed_in(a, "rob")
    watching = EventReader(a, path="/remote/events", client=rob)
    readers = [watching]
    try:
        session_id = int(post(kiosk, b, "/sessions").headers["Location"].rsplit("/", 1)[1])
        help_id = int(post(kiosk, b, f"/sessions/{session_id}/help").headers["Location"].rsplit("/", 1)[1])
        assert watching.wait_for(lambda r: any(e.get("event") == "requested" and f'"id":{help_id}' in e["data"].replace(" ", "")
                                                for e in r.events), 10), watching.raw
        kiosk_events = EventReader(b, path=f"/help/{help_id}/events", client=kiosk)
        readers.append(kiosk_events)
        assert post(rob, a, f"/remote/requests/{help_id}/accept", page="/remote").status_code == 303
        assert kiosk_events.wait_for(lambda r: any(e.get("event") == "state" and "accepted" in e["data"] for e in r.events), 10), kiosk_events.raw
        assert post(kiosk, b, f"/help/{help_id}/consent", answer="yes").status_code == 303
        assert kiosk_events.wait_for(lambda r: any(e.get("event") == "state" and "active" in e["data"] for e in r.events), 10)
        colleague = EventReader(a, path=f"/remote/requests/{help_id}/events", client=rob)
        readers.append(colleague)
        assert post(rob, a, f"/remote/requests/{help_id}/messages", page="/remote", text="Tik op Inloggen").status_code == 303
        assert kiosk_events.wait_for(lambda r: any(e.get("event") == "message" and "Tik op Inloggen" in e["data"] for e in r.events), 10)
        # The customer ends it on the kiosk (B): the colleague's stream on A hears it and ends.
        assert post(kiosk, b, f"/help/{help_id}/end").status_code == 303
        assert colleague.wait_for(lambda r: any(e.get("event") == "state" and "ended" in e["data"] for e in r.events), 10), colleague.raw
    finally:
        for reader in readers:
            reader.close()


def test_the_limit_of_anonymous_writes_counts_every_instance(postgres, start_server):
    """Three tickets per kiosk in ten minutes, counted in the database: two on A and one on B use it up."""
    pair = [start_server("--database", postgres.address, "--kiosk", "kiosk-2", "--branch", "noord",
                         "--anonymous-writes-per-kiosk", "3") for _ in range(2)]
    a, b = pair
    kiosk = requests.Session()
    statuses = [post(kiosk, server, "/queue/tickets", page="/queue/take", group="other").status_code for server in (a, a, b, a, b)]
    assert statuses == [303, 303, 303, 429, 429], statuses


def test_two_staff_calling_next_on_two_instances_never_get_the_same_ticket(postgres, instances):
    """100 tickets; one member of staff calls next on A and another on B at the same time, until the queue is
    empty: every ticket is called exactly once."""
    import threading

    a, b = instances
    cli(postgres, "staff", "add", "--username", "olga", "--name", "Olga", "--role", "staff", "--branch", "noord", stdin=PASSWORD + "\n")
    kiosk = requests.Session()
    token = csrf_of(kiosk.get(a.url("/queue/take"), timeout=TIMEOUT).text)
    for _ in range(100):
        assert kiosk.post(a.url("/queue/tickets"), data={"csrf": token, "group": "library-learning"}, allow_redirects=False,
                          timeout=TIMEOUT).status_code == 303
    callers = [(signed_in(a), a), (signed_in(b, "olga"), b)]
    errors: list[str] = []
    start = threading.Barrier(2)

    def call(client, server):
        try:
            token = csrf_of(client.get(server.url("/queue"), timeout=TIMEOUT).text)
            start.wait(10)
            for _ in range(60):
                response = client.post(server.url("/queue/call-next"), data={"csrf": token}, allow_redirects=False, timeout=TIMEOUT)
                if response.status_code != 303:
                    errors.append(f"{server.port}: {response.status_code}")
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(repr(error))

    threads = [threading.Thread(target=call, args=pair) for pair in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    rows = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "balie", "-d", "balie", "-At", "-c",
                           "SELECT status, count(*) FROM queue_ticket WHERE task_group = 'library-learning' GROUP BY status"],
                          capture_output=True, text=True, timeout=30).stdout.split()
    assert rows == ["called|100"], rows
    callers_by_id = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "balie", "-d", "balie", "-At", "-c",
                                    "SELECT count(DISTINCT called_by) FROM queue_ticket WHERE task_group = 'library-learning'"],
                                   capture_output=True, text=True, timeout=30).stdout.strip()
    assert callers_by_id == "2", "both instances called tickets"


def test_a_database_that_goes_away_is_503_and_both_instances_recover(postgres, instances):
    a, b = instances
    postgres.stop()
    try:
        page = requests.get(a.url("/customers"), timeout=TIMEOUT)
        assert page.status_code == 503 and page.headers.get("Retry-After") and "<h1" in page.text
        api = requests.get(b.url("/api/v1/customers?q=x"), headers={"Authorization": "Bearer " + "x" * 43}, timeout=TIMEOUT)
        assert api.status_code == 503 and api.headers["Content-Type"] == "application/problem+json"
        assert api.headers.get("Retry-After")
    finally:
        postgres.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if all(requests.get(s.url("/healthz"), timeout=TIMEOUT).status_code == 200 for s in instances):
            break
        time.sleep(0.3)
    for server in instances:
        assert requests.get(server.url("/healthz"), timeout=TIMEOUT).json() == {"status": "ok"}
        assert requests.get(server.url("/"), timeout=TIMEOUT).status_code == 200
        assert " 500 " not in server.stderr_text()


def test_postgres_stopped_under_load_loses_no_acknowledged_write(postgres, instances, tmp_path):
    """Eight API writers on both instances; PostgreSQL stopped for 10 s in the middle: every answer is 201 or
    503 (never a 500), every 201 is in the database afterwards, and writes succeed again within 5 s of its return."""
    import threading

    a, b = instances
    import_customer(postgres, tmp_path, "500001", "Ayşe", "Yılmaz")
    token = cli(postgres, "token", "add", "--name", "crm", "--scope", "contacts:write", "--all-branches").strip()
    stop = threading.Event()
    acknowledged: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def writer(index: int, server) -> None:
        session = requests.Session()
        n = 0
        while not stop.is_set():
            topic = f"load-{index}-{n}"
            n += 1
            response = write_contact(session, server, token, "500001", topic)
            if response is None:
                continue
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 201:
                    acknowledged.append(topic)

    threads = [threading.Thread(target=writer, args=(i, (a, b)[i % 2])) for i in range(8)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        postgres.stop()
        time.sleep(10)
        postgres.start()
        back = time.monotonic()
        recovered = None
        while time.monotonic() - back < 15:
            with lock:
                recent = statuses[-16:]
            if recent and recent.count(201) >= 8:
                recovered = time.monotonic() - back
                break
            time.sleep(0.1)
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert set(statuses) <= {201, 503}, sorted(set(statuses))
    assert 503 in statuses and acknowledged, "the outage was not seen, or nothing was written"
    assert recovered is not None and recovered < 5, f"full service took {recovered} s after PostgreSQL came back"
    stored = stored_topics(postgres, "load-")
    missing = [topic for topic in acknowledged if topic not in stored]
    assert not missing, f"{len(missing)} acknowledged writes are not in the database: {missing[:5]}"
    for server in instances:
        assert " 500 " not in server.stderr_text()


def test_kill_9_of_one_instance_under_50_writers_loses_no_acknowledged_write(postgres, start_server, tmp_path):
    """50 API writers over two instances of their own; one instance is killed with SIGKILL mid-way: every
    acknowledged write is in the database, and the other instance goes on serving."""
    import signal
    import threading

    pair = [start_server("--database", postgres.address, "--kiosk", "kiosk-9", "--branch", "noord") for _ in range(2)]
    token = cli(postgres, "token", "add", "--name", "crm-kill", "--scope", "contacts:write", "--all-branches").strip()
    number = "500009"
    import_customer(postgres, tmp_path, number, "Jan", "de Vriës")
    stop = threading.Event()
    acknowledged: list[str] = []
    after_kill: list[int] = []
    killed = threading.Event()
    lock = threading.Lock()

    def writer(index: int) -> None:
        server = pair[index % 2]
        session = requests.Session()
        n = 0
        while not stop.is_set():
            topic = f"kill-{index}-{n}"
            n += 1
            response = write_contact(session, server, token, number, topic)
            if response is None:
                time.sleep(0.05)
                continue
            with lock:
                if response.status_code == 201:
                    acknowledged.append(topic)
                if killed.is_set() and server is pair[1]:
                    after_kill.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        pair[0].signal(signal.SIGKILL)
        killed.set()
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert after_kill and set(after_kill) == {201}, f"the other instance after the kill: {sorted(set(after_kill))}"
    stored = stored_topics(postgres, "kill-")
    missing = [topic for topic in acknowledged if topic not in stored]
    assert acknowledged and not missing, f"{len(missing)} of {len(acknowledged)} acknowledged writes are missing"


def test_two_instances_starting_together_on_an_empty_database_migrate_once_and_serve(postgres, start_server):
    """The second instance waits for the first one's migration (an advisory lock) and then serves."""
    import threading

    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "balie", "-d", "postgres", "-q", "-c",
                    "CREATE DATABASE balie_fresh"], check=True, capture_output=True, timeout=30)
    address = postgres.address.replace("/balie?", "/balie_fresh?")
    started: list = []
    threads = [threading.Thread(target=lambda: started.append(start_server("--database", address, "--kiosk", "kiosk-1",
                                                                           "--branch", "noord"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(started) == 2
    for server in started:
        assert requests.get(server.url("/healthz"), timeout=TIMEOUT).json() == {"status": "ok"}
        assert requests.get(server.url("/"), timeout=TIMEOUT).status_code == 200
    applied = subprocess.run(["psql", address, "-At", "-c", "SELECT count(*), count(DISTINCT name) FROM schema_migration"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    count, distinct = applied.split("|")
    assert count == distinct and int(count) >= 5, f"migrations applied: {applied}"


def test_commands_that_need_a_file_say_so(postgres, instances):
    """backup and check are SQLite's; migrate and the rest work on PostgreSQL too (instances: nina is there)."""
    for args in (("backup", tempfile.mkdtemp(prefix="balie-backup-")), ("check",)):
        result = balie_cli(args[0], "--database", postgres.address, *args[1:])
        assert result.returncode != 0 and "SQLite file" in (result.stdout + result.stderr), args
    assert re.fullmatch(r"The PostgreSQL database is at migration p\d+-[a-z-]+\.\n", cli(postgres, "migrate"))
    assert re.search(r"nina\tstaff\tnoord\tactive", cli(postgres, "staff", "list"))


def test_the_demo_fills_an_empty_central_database_once(postgres, start_server):
    """`balie serve --demo` on PostgreSQL: two instances started together on an empty database fill it once (the demo
    box is made in memory and copied in under one lock); `balie demo` refuses a database that has people in it."""
    import threading

    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "balie", "-d", "postgres", "-q", "-c",
                    "CREATE DATABASE balie_demo"], check=True, capture_output=True, timeout=30)
    address = postgres.address.replace("/balie?", "/balie_demo?")
    started: list = []
    threads = [threading.Thread(target=lambda: started.append(start_server("--database", address, "--demo"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(started) == 2

    def count(sql: str) -> int:
        return int(subprocess.run(["psql", address, "-At", "-c", sql], capture_output=True, text=True, timeout=30).stdout)

    assert count("SELECT count(*) FROM customer") == 300
    assert count("SELECT count(DISTINCT number) FROM customer") == 300
    assert count("SELECT count(*) FROM staff WHERE username = 'anna'") == 1
    assert count("SELECT count(*) FROM assisted_session") > 1000
    # Either instance serves the demo: sanne's insights show the history, the demo kiosk is the local browser.
    for server in started:
        client = requests.Session()
        page = client.get(server.url("/sign-in"), timeout=TIMEOUT)
        response = client.post(server.url("/sign-in"), data={"csrf": csrf_of(page.text), "username": "sanne",
                                                             "password": "demo-kiosk-2026"}, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 303
        insights = client.get(server.url("/insights"), timeout=TIMEOUT)
        assert insights.status_code == 200 and "<svg" in insights.text
        assert requests.get(server.url("/"), timeout=TIMEOUT).status_code == 200
    again = balie_cli("demo", "--database", address)
    assert again.returncode != 0 and "already has staff or customers" in again.stderr
    assert count("SELECT count(*) FROM customer") == 300
