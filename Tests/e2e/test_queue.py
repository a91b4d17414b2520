"""The walk-in queue and the waiting-room display (issue #8), end to end through real HTTP against `balie serve`.

Run from the repository root:  python3 -m pytest Tests/e2e/test_queue.py -q

Customers take a number on GET /queue/take (POST /queue/tickets); staff call, recall, mark no-show, transfer
and start a session from /queue; the display of a branch listens on GET /branches/CODE/display/events (Server-Sent Events). What the
server stored is read straight from SQLite (read-only). Every test that depends on the order of the queue
gets its own server, so the queue starts empty.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from html import unescape

import pytest
import requests

from balie_harness import balie_binary
from test_auth import DEMO_PASSWORD, assert_redirect_to_sign_in, csrf_of, db_rows, location, signed_in, staff_csrf

TIMEOUT = 10
GROUPS = ["digital-government", "banking", "library-learning", "other"]
LETTER = {"digital-government": "D", "banking": "B", "library-learning": "L", "other": "A"}
TICKET_CODE = re.compile(r'<bdi class="ticket__code">([^<]+)</bdi>')


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def take_ticket(server, group: str, extra_help: bool = False, client: requests.Session | None = None,
                extra: dict | None = None) -> int:
    """Takes a number like a customer does (GET the page for its csrf and visit cookie, POST the form); → ticket id."""
    client = client or requests.Session()
    page = client.get(server.url("/queue/take"), timeout=TIMEOUT)
    assert page.status_code == 200, f"GET /queue/take: {page.status_code}"
    data = {"csrf": csrf_of(page.text), "group": group}
    if extra_help:
        data["extra_help"] = "1"
    data.update(extra or {})
    response = client.post(server.url("/queue/tickets"), data=data, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, f"POST /queue/tickets {data}: {response.status_code}\n{response.text[:500]}"
    path, _ = location(response)
    match = re.fullmatch(r"/queue/tickets/(\d+)", path)
    assert match, f"taking a number redirects to {path!r}, not /queue/tickets/ID"
    return int(match.group(1))


def ticket_page(server, ticket_id: int) -> str:
    page = requests.get(server.url(f"/queue/tickets/{ticket_id}"), timeout=TIMEOUT)
    assert page.status_code == 200, f"GET /queue/tickets/{ticket_id}: {page.status_code}"
    return page.text


def code_on_page(html: str) -> str:
    match = TICKET_CODE.search(html)
    assert match, f"the ticket page shows no <bdi class=ticket__code>:\n{html[:1500]}"
    return unescape(match.group(1)).strip()


def ticket_row(database, ticket_id: int) -> dict:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM queue_ticket WHERE id = ?", (ticket_id,)).fetchone()
    finally:
        conn.close()
    assert row is not None, f"no queue_ticket row {ticket_id}"
    return dict(row)


def statuses(database) -> dict[int, str]:
    return dict(db_rows(database, "SELECT id, status FROM queue_ticket"))


class Staff:
    """One signed-in member of staff with the csrf token of their session."""

    def __init__(self, server, username: str, database=None):
        self.server = server
        self.database = database or server.database
        self.username = username
        self.client = signed_in(server, username)
        self.csrf = staff_csrf(self.client, server.base_url)
        self.id = db_rows(self.database, "SELECT id FROM staff WHERE username = ?", (username,))[0][0]

    def post(self, path: str, **data):
        return self.client.post(self.server.url(path), data={"csrf": self.csrf, **data}, allow_redirects=False,
                                timeout=TIMEOUT)

    def call_next(self) -> int | None:
        """POST /queue/call-next; → the id of the ticket that became `called` by this call (from SQLite)."""
        before = statuses(self.database)
        response = self.post("/queue/call-next")
        assert response.status_code == 303 and location(response)[0] == "/queue", \
            f"{self.username} call-next: {response.status_code} {response.headers.get('Location')}"
        after = statuses(self.database)
        newly = [i for i, s in after.items() if s == "called" and before.get(i) == "waiting"]
        assert len(newly) <= 1, f"one call-next called {newly}"
        return newly[0] if newly else None

    def act(self, ticket_id: int, action: str, **data):
        return self.post(f"/queue/tickets/{ticket_id}/{action}", **data)


class EventReader:
    """Reads an event stream (the server's branch display events unless told otherwise) in a thread (requests, stream=True) and
    parses the Server-Sent Events; `client` carries the cookies of a signed-in member of staff or a kiosk visit."""

    def __init__(self, server, last_event_id: str | None = None, path: str | None = None, client=None):
        path = path or server.display_path("/events")
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.response = (client or requests).get(server.url(path), headers=headers, stream=True, timeout=(5, 40))
        self._socket = _socket_of(self.response)
        self.blocks: list[dict] = []  # every block: {"id", "event", "data", "retry", "comment"}
        self.raw = ""
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer = ""
        try:
            for chunk in self.response.iter_content(chunk_size=None):
                text = chunk.decode("utf-8") if isinstance(chunk, bytes) else chunk
                self.raw += text
                buffer += text.replace("\r\n", "\n")
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    self._add(block)
        except BaseException as error:  # closed by close(), or the server went away
            self.error = error
        finally:
            with self._changed:
                self._changed.notify_all()

    def _add(self, block: str) -> None:
        parsed: dict = {}
        for line in block.split("\n"):
            if line.startswith(":"):
                parsed["comment"] = line[1:].strip()
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            parsed[field] = parsed[field] + "\n" + value if field == "data" and "data" in parsed else value
        with self._changed:
            self.blocks.append(parsed)
            self._changed.notify_all()

    @property
    def events(self) -> list[dict]:
        with self._changed:
            return [b for b in self.blocks if "event" in b or "data" in b]

    def called(self) -> list[tuple[int, dict]]:
        return [(int(e["id"]), json.loads(e["data"])) for e in self.events if e.get("event") == "called"]

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def close(self) -> None:
        # Closing the response alone does not wake the thread blocked in recv (it would wait for the next
        # heartbeat, 15 s); shutting the socket down does.
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)
        self.response.close()


def _socket_of(response):
    for path in (("raw", "_connection", "sock"), ("raw", "_fp", "fp", "raw", "_sock")):
        target = response
        for name in path:
            target = getattr(target, name, None)
            if target is None:
                break
        if isinstance(target, socket.socket):
            return target
    return None


@pytest.fixture
def server(start_server):
    """A fresh demo server per test: the queue of the day starts empty."""
    return start_server("--demo")


@pytest.fixture
def readers():
    made: list[EventReader] = []

    def open_reader(server, last_event_id=None) -> EventReader:
        reader = EventReader(server, last_event_id)
        made.append(reader)
        assert reader.wait_for(lambda r: r.blocks, 5), f"no first block on the display events: {reader.raw!r}"
        return reader

    yield open_reader
    for reader in made:
        reader.close()


# ------------------------------------------------------------------------------------------------
# taking a number, order and priority
# ------------------------------------------------------------------------------------------------


def test_tickets_are_numbered_in_order_and_called_in_order(server):
    groups = ["banking", "digital-government", "banking", "other", "library-learning"]
    ids = [take_ticket(server, g) for g in groups]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
    rows = [ticket_row(server.database, i) for i in ids]
    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5], [r["number"] for r in rows]
    assert [r["task_group"] for r in rows] == groups
    assert all(r["status"] == "waiting" and r["priority"] == 0 and r["called_at"] is None for r in rows), rows
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    assert len({(r["branch"], r["day"]) for r in rows}) == 1

    for position, (ticket_id, group) in enumerate(zip(ids, groups)):
        html = ticket_page(server, ticket_id)
        assert code_on_page(html) == f"{LETTER[group]}-{position + 1}", f"ticket {ticket_id}"
        facts = re.search(r'<ul class="ticket__facts">(.*?)</ul>', html, re.S)
        assert facts, "the ticket page has no people-ahead / wait facts"
        items = [unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", facts.group(1), re.S)]
        assert len(items) == 2 and all(items), items
        if position:
            assert re.search(rf"\b{position}\b", items[0]), f"ticket {position + 1}: people ahead says {items[0]!r}"
            assert re.search(r"\d", items[1]), f"ticket {position + 1} with people ahead shows no estimate: {items[1]!r}"

    anna = Staff(server, "anna")
    called = [anna.call_next() for _ in ids]
    assert called == ids, f"called {called}, taken {ids}"
    assert anna.call_next() is None, "call-next on an empty queue called something"
    rows = [ticket_row(server.database, i) for i in ids]
    assert all(r["status"] == "called" and r["called_by"] == anna.id and r["desk"] for r in rows), rows


def test_priority_is_honoured(server):
    first = take_ticket(server, "banking")
    second = take_ticket(server, "digital-government")
    helped = take_ticket(server, "banking", extra_help=True)
    assert ticket_row(server.database, helped)["priority"] == 1
    assert ticket_row(server.database, first)["priority"] == 0

    helped_page = ticket_page(server, helped)
    assert 'status--priority' in helped_page, "the extra-help ticket does not say it is handled with priority"
    assert re.search(r"\b0\b", helped_page) or "volgende" in helped_page, "the priority ticket should be next"
    first_facts = re.search(r'<ul class="ticket__facts">\s*<li>([^<]*)</li>', ticket_page(server, first)).group(1)
    assert re.search(r"\b1\b", first_facts), f"the first ticket has the priority ticket ahead now: {first_facts!r}"

    anna = Staff(server, "anna")
    assert [anna.call_next() for _ in range(3)] == [helped, first, second]


def test_two_staff_calling_at_once_never_call_the_same_ticket(server, readers):
    total = 30
    customer = requests.Session()
    ids = [take_ticket(server, GROUPS[i % 4], extra_help=(i % 7 == 3), client=customer) for i in range(total)]
    reader = readers(server)
    anna, sanne = Staff(server, "anna"), Staff(server, "sanne")
    start = threading.Barrier(2)
    results: dict[str, list] = {"anna": [], "sanne": []}
    errors: list[str] = []

    def calls(staff: Staff) -> None:
        try:
            start.wait(10)
            for _ in range(total):  # together 2 × 30 calls for 30 tickets: the last ones find an empty queue
                response = staff.post("/queue/call-next")
                results[staff.username].append(response.status_code)
        except BaseException as error:
            errors.append(f"{staff.username}: {error!r}")

    threads = [threading.Thread(target=calls, args=(s,)) for s in (anna, sanne)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert all(code == 303 for codes in results.values() for code in codes), results

    rows = db_rows(server.database, "SELECT id, status, called_by, called_at FROM queue_ticket ORDER BY id")
    assert [r[0] for r in rows] == ids
    assert all(r[1] == "called" for r in rows), f"not every ticket was called: {[r for r in rows if r[1] != 'called']}"
    assert {r[2] for r in rows} <= {anna.id, sanne.id}, rows

    # Each call announces the ticket it called: exactly 30 announcements, 30 different codes.
    assert reader.wait_for(lambda r: len(r.called()) >= total, 10), f"{len(reader.called())} call events"
    time.sleep(0.5)
    codes = [data["code"] for _, data in reader.called()]
    assert len(codes) == total, f"{len(codes)} call events for {total} tickets: a ticket was called twice? {codes}"
    assert len(set(codes)) == total, f"the same ticket was called twice: {sorted(c for c in codes if codes.count(c) > 1)}"
    expected = {f"{LETTER[GROUPS[i % 4]]}-{i + 1}" for i in range(total)}
    assert set(codes) == expected, set(codes) ^ expected
    # and the priority tickets were called before all the others
    priority_codes = {f"{LETTER[GROUPS[i % 4]]}-{i + 1}" for i in range(total) if i % 7 == 3}
    assert set(codes[:len(priority_codes)]) == priority_codes, codes


# ------------------------------------------------------------------------------------------------
# no-show, transfer, recall, start
# ------------------------------------------------------------------------------------------------


def test_no_show_and_transfer_keeping_the_place_in_time(server):
    anna = Staff(server, "anna")
    a = take_ticket(server, "banking")
    b = take_ticket(server, "digital-government")
    c = take_ticket(server, "banking")

    assert anna.call_next() == a
    response = anna.act(a, "no-show")
    assert response.status_code == 303 and location(response)[0] == "/queue", response.status_code
    row = ticket_row(server.database, a)
    assert row["status"] == "no-show", row
    assert anna.act(a, "no-show").status_code == 400, "a no-show ticket can be marked no-show again"
    assert anna.act(a, "recall").status_code == 400, "a no-show ticket can be recalled"

    assert anna.call_next() == b
    assert anna.act(b, "transfer", group="nope").status_code == 400, "transfer to an unknown group"
    assert anna.act(c, "transfer", group="banking").status_code == 400, "transfer of a ticket that is not called"
    response = anna.act(b, "transfer", group="banking")
    assert response.status_code == 303 and location(response)[0] == "/queue", response.status_code
    row = ticket_row(server.database, b)
    assert row["status"] == "waiting" and row["task_group"] == "banking" and row["called_by"] is None, row

    d = take_ticket(server, "banking")  # newer than the transferred ticket
    assert [anna.call_next() for _ in range(3)] == [b, c, d], "the transferred ticket lost its place in time"
    assert anna.call_next() is None
    assert ticket_row(server.database, a)["status"] == "no-show", "a no-show ticket came back into the queue"


def test_transfer_keeps_the_number_the_customer_holds(server, readers):
    """The customer holds the code shown when they took the number; after a transfer the display must call that
    same code, or they will never recognise their turn."""
    anna = Staff(server, "anna")
    ticket = take_ticket(server, "banking")
    held = code_on_page(ticket_page(server, ticket))
    reader = readers(server)
    assert anna.call_next() == ticket
    assert anna.act(ticket, "transfer", group="digital-government").status_code == 303
    assert anna.call_next() == ticket
    assert reader.wait_for(lambda r: len(r.called()) >= 2, 5), reader.raw
    announced = [data["code"] for _, data in reader.called()]
    assert announced == [held, held], (
        f"the customer holds {held!r}, but after the transfer the display calls {announced[-1]!r} (calls: {announced})")


def test_recall_announces_again(server, readers):
    anna = Staff(server, "anna")
    ticket = take_ticket(server, "library-learning")
    reader = readers(server)
    assert anna.call_next() == ticket
    first_called = ticket_row(server.database, ticket)["called_at"]
    time.sleep(0.05)
    response = anna.act(ticket, "recall")
    assert response.status_code == 303, response.status_code
    assert reader.wait_for(lambda r: len(r.called()) >= 2, 5), reader.raw
    assert [d["code"] for _, d in reader.called()] == ["L-1", "L-1"]
    row = ticket_row(server.database, ticket)
    assert row["status"] == "called" and row["called_at"] >= first_called, row


def test_start_session_from_a_called_ticket_carries_the_waiting_time(server):
    anna = Staff(server, "anna")
    ticket = take_ticket(server, "digital-government")
    assert anna.act(ticket, "start").status_code == 400, "a waiting (not called) ticket can be started"
    time.sleep(1.5)
    assert anna.call_next() == ticket
    response = anna.act(ticket, "start")
    assert response.status_code == 303, f"start: {response.status_code} {response.text[:300]}"
    path, _ = location(response)
    match = re.fullmatch(r"/sessions/(\d+)", path)
    assert match, f"start redirects to {path!r}"
    sid = int(match.group(1))
    session = db_rows(server.database, "SELECT staff_id, waiting_seconds, customer_id FROM assisted_session WHERE id = ?",
                      (sid,))
    assert session, f"no assisted_session {sid}"
    staff_id, waiting, customer = session[0]
    assert staff_id == anna.id and customer is None, session
    assert waiting is not None and 1 <= waiting <= 60, f"waiting_seconds {waiting} (waited about 1.5 s)"
    row = ticket_row(server.database, ticket)
    assert row["status"] == "serving" and row["session_id"] == sid, row
    shown = anna.client.get(server.url(path), timeout=TIMEOUT)
    assert shown.status_code == 200, f"GET {path}: {shown.status_code}"
    assert anna.act(ticket, "start").status_code == 400, "a ticket in service can be started twice"
    assert db_rows(server.database, "SELECT count(*) FROM assisted_session WHERE id > ?", (sid,))[0][0] == 0


# ------------------------------------------------------------------------------------------------
# restart
# ------------------------------------------------------------------------------------------------


def waiting_codes(client, server) -> list[str]:
    page = client.get(server.url("/queue"), timeout=TIMEOUT)
    assert page.status_code == 200, f"GET /queue: {page.status_code}"
    table = re.search(r'<tbody>(.*?)</tbody>', page.text, re.S)
    return [unescape(c) for c in re.findall(r'<bdi class="queue-code">([^<]+)</bdi>', table.group(1))] if table else []


def test_restart_keeps_the_queue(start_server):
    first = start_server("--demo")
    groups = [("banking", False), ("other", False), ("digital-government", True), ("banking", False),
              ("library-learning", True), ("other", False)]
    ids = [take_ticket(first, g, p) for g, p in groups]
    anna = Staff(first, "anna")
    called = anna.call_next()
    before_rows = db_rows(first.database, "SELECT * FROM queue_ticket ORDER BY id")
    before_order = waiting_codes(anna.client, first)
    assert len(before_order) == 5 and before_order[:1] == ["L-5"], before_order

    first.signal(signal.SIGTERM)
    assert first.wait(15) == 0, f"balie did not exit 0 on SIGTERM:\n{first.stderr_text()[-1500:]}"
    second = start_server("--database", first.database)  # the last --database wins: the same file
    assert db_rows(first.database, "SELECT * FROM queue_ticket ORDER BY id") == before_rows

    staff = Staff(second, "sanne", database=first.database)
    assert waiting_codes(staff.client, second) == before_order, "the waiting order changed after the restart"
    assert ticket_row(first.database, called)["status"] == "called"
    # the same order when called
    order = []
    for _ in range(5):
        before = statuses(first.database)
        assert staff.post("/queue/call-next").status_code == 303
        after = statuses(first.database)
        order += [i for i, s in after.items() if s == "called" and before[i] == "waiting"]
    codes = [code_on_page(ticket_page(second, i)) for i in order]
    assert codes == before_order, f"called {codes} after the restart, the order was {before_order}"
    assert sorted(order + [called]) == ids
    # numbering continues after the restart
    new = take_ticket(second, "banking")
    assert ticket_row(first.database, new)["number"] == 7


# ------------------------------------------------------------------------------------------------
# the display: live events and reconnecting
# ------------------------------------------------------------------------------------------------


def test_display_receives_the_call_event_live(server, readers):
    reader = readers(server)
    assert reader.response.status_code == 200
    assert reader.response.headers.get("Content-Type", "").startswith("text/event-stream"), reader.response.headers
    assert reader.blocks[0].get("retry") == "3000", f"the stream does not start with 'retry: 3000': {reader.raw!r}"

    ticket = take_ticket(server, "banking")
    anna = Staff(server, "anna")
    time.sleep(0.3)
    assert reader.called() == [], "an event arrived before anyone called"
    started = time.monotonic()
    assert anna.call_next() == ticket
    assert reader.wait_for(lambda r: r.called(), 3), f"no 'called' event within 3 s: {reader.raw!r}"
    elapsed = time.monotonic() - started
    event_id, data = reader.called()[0]
    assert data["code"] == "B-1" and data.get("desk"), data
    assert set(data) == {"code", "desk"}, f"the display event carries more than code and desk: {data}"
    assert elapsed < 3, elapsed

    display = requests.get(server.url(server.display_path()), timeout=TIMEOUT)
    assert display.status_code == 200
    assert 'aria-live="polite"' in display.text and 'id="called-list"' in display.text
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', display.text)
    assert '<bdi class="call__code">B-1</bdi>' in display.text, "the display page does not show the called code"


def test_reconnect_with_last_event_id_gets_exactly_the_missed_events(server, readers):
    live = readers(server)
    anna = Staff(server, "anna")
    for group in ("banking", "other", "library-learning"):
        take_ticket(server, group)
    for _ in range(3):
        assert anna.call_next() is not None
    assert live.wait_for(lambda r: len(r.called()) == 3, 5), live.raw
    events = live.called()
    ids = [i for i, _ in events]
    assert ids == sorted(ids) and len(set(ids)) == 3, ids
    assert [d["code"] for _, d in events] == ["B-1", "A-2", "L-3"]

    again = readers(server, last_event_id=ids[0])
    assert again.blocks[0].get("retry") == "3000", again.raw
    assert again.wait_for(lambda r: len(r.called()) >= 2, 5), f"replay after {ids[0]}: {again.raw!r}"
    time.sleep(0.5)
    assert again.called() == events[1:], f"replayed {again.called()}, missed were {events[1:]}"

    up_to_date = readers(server, last_event_id=ids[-1])
    time.sleep(0.5)
    assert up_to_date.called() == [], f"nothing was missed, yet replayed {up_to_date.called()}"
    fresh = readers(server)
    time.sleep(0.5)
    assert fresh.called() == [], "a first connection (no Last-Event-ID) replays old events"

    # the replaying stream goes on live afterwards
    take_ticket(server, "banking")
    assert anna.call_next() is not None
    assert again.wait_for(lambda r: len(r.called()) == 3, 5), again.raw
    assert again.called()[-1][1]["code"] == "B-4" and again.called()[-1][0] > ids[-1]


# ------------------------------------------------------------------------------------------------
# access, bad input, privacy
# ------------------------------------------------------------------------------------------------


def test_queue_requires_staff(server):
    ticket = take_ticket(server, "banking")
    nobody = requests.Session()
    assert_redirect_to_sign_in(nobody.get(server.url("/queue"), allow_redirects=False, timeout=TIMEOUT), "/queue")
    for path in ("/queue/call-next", f"/queue/tickets/{ticket}/start"):
        response = nobody.post(server.url(path), data={}, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code in (302, 303, 403), f"POST {path} signed out: {response.status_code}"
        assert location(response)[0] != "/queue" or response.status_code == 403, response.headers

    remote = signed_in(server, "yusuf")
    assert remote.get(server.url("/queue"), allow_redirects=False, timeout=TIMEOUT).status_code == 403
    token = staff_csrf(remote, server.base_url)
    response = remote.post(server.url("/queue/call-next"), data={"csrf": token}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 403, f"remote call-next: {response.status_code}"
    assert ticket_row(server.database, ticket)["status"] == "waiting", "a refused call-next still called a ticket"

    for username in ("anna", "sanne", "admin"):
        page = signed_in(server, username).get(server.url("/queue"), allow_redirects=False, timeout=TIMEOUT)
        assert page.status_code == 200, f"{username} GET /queue: {page.status_code}"
        assert "B-1" in page.text

    # public pages
    for path in ("/queue/take", f"/queue/tickets/{ticket}", server.display_path()):
        assert requests.get(server.url(path), allow_redirects=False, timeout=TIMEOUT).status_code == 200, path


def test_bad_ticket_ids_are_404(server):
    anna = Staff(server, "anna")
    for bad in ("999999", "abc", "0", "-1", "1.5", "99999999999999999999999"):
        response = requests.get(server.url(f"/queue/tickets/{bad}"), allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 404, f"GET /queue/tickets/{bad}: {response.status_code}"
        for action in ("recall", "no-show", "start", "transfer"):
            response = anna.act(bad, action, group="banking")
            assert response.status_code == 404, f"POST /queue/tickets/{bad}/{action}: {response.status_code}"
    assert db_rows(server.database, "SELECT count(*) FROM queue_ticket")[0][0] == 0


def test_unknown_group_is_a_400_page(server):
    client = requests.Session()
    token = csrf_of(client.get(server.url("/queue/take"), timeout=TIMEOUT).text)
    for data in ({"group": "nope"}, {}, {"group": ""}, {"group": "Banking"}):
        response = client.post(server.url("/queue/tickets"), data={"csrf": token, **data}, allow_redirects=False,
                                timeout=TIMEOUT)
        assert response.status_code == 400, f"POST /queue/tickets {data}: {response.status_code}"
        assert response.headers.get("Content-Type", "").startswith("text/html"), response.headers
        assert "<h1" in response.text and "<html" in response.text
    # without the csrf token (or with another visitor's) nothing is taken either
    assert client.post(server.url("/queue/tickets"), data={"group": "banking"}, allow_redirects=False,
                       timeout=TIMEOUT).status_code == 403
    other = requests.Session()
    other.get(server.url("/queue/take"), timeout=TIMEOUT)
    assert other.post(server.url("/queue/tickets"), data={"csrf": token, "group": "banking"}, allow_redirects=False,
                      timeout=TIMEOUT).status_code == 403, "a csrf token of another visit was accepted"
    assert db_rows(server.database, "SELECT count(*) FROM queue_ticket")[0][0] == 0


def test_no_personal_data_in_tickets(server):
    page = requests.get(server.url("/queue/take"), timeout=TIMEOUT).text
    fields = set(re.findall(r'<(?:input|select|textarea|button)[^>]*\bname="([^"]+)"', page))
    assert fields == {"csrf", "extra_help", "group"}, f"the take-a-number form asks for {fields}"
    sentinel = "Zeynep-Sentinel-1987"
    ticket = take_ticket(server, "other", extra={"name": sentinel, "bsn": "999990019", "email": f"{sentinel}@example.org",
                                                 "phone": "0612345678"})
    columns = [r[1] for r in db_rows(server.database, "PRAGMA table_info(queue_ticket)")]
    assert set(columns) <= {"id", "branch", "day", "number", "task_group", "priority", "status", "created_at", "called_at",
                            "called_by", "desk", "session_id", "finished_at", "code"}, columns
    dump = "\n".join(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True).iterdump())
    for secret in (sentinel, "999990019", "0612345678"):
        assert secret not in dump, f"{secret!r} was stored in the database"
    assert sentinel not in server.stderr_text() and not any(sentinel in line for line in server.stdout_lines)
    html = ticket_page(server, ticket)
    assert sentinel not in html
    assert code_on_page(html) == "A-1"


def test_display_streams_are_capped_by_a_setting(start_server):
    server = start_server("--max-display-streams", "2")
    readers = [EventReader(server) for _ in range(2)]
    try:
        assert all(reader.response.status_code == 200 for reader in readers)
        third = requests.get(server.url(server.display_path("/events")), stream=True, timeout=10)
        assert third.status_code == 503 and third.headers["Retry-After"] == "30"
        third.close()
    finally:
        for reader in readers:
            reader.close()


def test_display_streams_stay_below_max_connections(tmp_path):
    """Streams held open by displays must leave connections for everything else: a cap at or above
    --max-connections is refused at start, with a message that names both options."""
    for cap in ("8", "9", "0"):
        result = subprocess.run([str(balie_binary()), "serve", "--port", "0", "--database", str(tmp_path / "b.sqlite"),
                                 "--max-connections", "8", "--max-display-streams", cap],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode != 0, f"--max-display-streams {cap} with --max-connections 8 was accepted"
        assert "--max-display-streams" in result.stderr and "--max-connections" in result.stderr, result.stderr
