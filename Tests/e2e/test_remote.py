"""Remote support end to end against the real `balie serve`: a kiosk asks for help, a remote colleague
accepts, the customer answers on the kiosk screen (yes and no), live events reach the other side over
Server-Sent Events, a message shows on the kiosk, the customer ends the viewing, and every step is in the
audit trail and the request's log. A stream that reconnects with Last-Event-ID receives exactly the
events it missed. Withdrawing the consent ends a live viewing at once (issue #10)."""
from __future__ import annotations

import html
import json
import re

import pytest
import requests

from test_api import make_token
from test_auth import TIMEOUT, csrf_of, db_rows, signed_in
from test_queue import EventReader

TASK = "mobile-banking"


@pytest.fixture(scope="module")
def server(start_server_module):
    return start_server_module("--demo")


def consenting_customer(server) -> str:
    """A demo customer whose sessions are logged into their record."""
    rows = db_rows(server.database, """
        SELECT c.number FROM customer c JOIN consent k ON k.customer_id = c.id
        WHERE k.purpose = 'session-log' AND k.given = 1 ORDER BY c.id LIMIT 1""")
    return rows[0][0]


def post(client: requests.Session, server, path: str, **data) -> requests.Response:
    """Posts a form with the CSRF token of the client's own pages (staff home, or the kiosk start page)."""
    page = client.get(server.url("/staff" if client.cookies.get("balie_session") else "/"), timeout=TIMEOUT)
    return client.post(server.url(path), data={"csrf": csrf_of(page.text), **data}, allow_redirects=False, timeout=TIMEOUT)


def new_id(response) -> int:
    assert response.status_code == 303, f"{response.status_code}: {response.text[:500]}"
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def start_session(server, kiosk, number: str) -> tuple[int, int]:
    session_id = new_id(post(kiosk, server, "/sessions", customer=number))
    assert post(kiosk, server, f"/sessions/{session_id}/tasks", task=TASK).status_code == 303
    task_id = db_rows(server.database, "SELECT id FROM session_task WHERE session_id = ?", (session_id,))[0][0]
    return session_id, task_id


def accepted_request(server):
    """A session at anna's kiosk with a help request that yusuf accepted: (kiosk, remote, number, help id)."""
    kiosk, remote = signed_in(server, "anna"), signed_in(server, "yusuf")
    number = consenting_customer(server)
    session_id, _ = start_session(server, kiosk, number)
    help_id = new_id(post(kiosk, server, f"/sessions/{session_id}/help"))
    post(remote, server, f"/remote/requests/{help_id}/accept")
    return kiosk, remote, number, help_id


def events(reader: EventReader, name: str) -> list[dict]:
    return [json.loads(e["data"]) for e in reader.events if e.get("event") == name]


def wait_state(reader: EventReader, status: str) -> None:
    assert reader.wait_for(lambda r: {"status": status} in events(r, "state"), 5), f"no state {status}: {reader.raw!r}"


def help_row(server, help_id: int) -> dict:
    rows = db_rows(server.database, "SELECT status, helper_id, ended_by FROM help_request WHERE id = ?", (help_id,))
    return dict(zip(("status", "helper_id", "ended_by"), rows[0]))


def test_the_whole_flow_with_consent_yes(server):
    kiosk, remote = signed_in(server, "anna"), signed_in(server, "yusuf")
    number = consenting_customer(server)
    session_id, task_id = start_session(server, kiosk, number)
    watching = EventReader(server, path="/remote/events", client=remote)
    readers = [watching]
    try:
        help_id = new_id(post(kiosk, server, f"/sessions/{session_id}/help"))
        # The remote colleague's list hears of it at once, and shows it.
        assert watching.wait_for(lambda r: {"id": help_id} in events(r, "requested"), 5), watching.raw
        listing = remote.get(server.url("/remote"), timeout=TIMEOUT).text
        assert f"/remote/requests/{help_id}/accept" in listing
        kiosk_events = EventReader(server, path=f"/help/{help_id}/events", client=kiosk)
        readers.append(kiosk_events)
        assert post(remote, server, f"/remote/requests/{help_id}/accept").headers["Location"] == f"/remote/requests/{help_id}"
        wait_state(kiosk_events, "accepted")
        # Until the customer says yes, the colleague sees nothing of the session.
        waiting = remote.get(server.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text
        assert "live-session" not in waiting
        question = kiosk.get(server.url(f"/help/{help_id}"), timeout=TIMEOUT)
        assert question.status_code == 200 and "Yusuf Demir" in question.text and 'name="answer" value="yes"' in question.text
        assert question.headers["Cache-Control"].startswith("no-store")
        assert post(kiosk, server, f"/help/{help_id}/consent", answer="yes").status_code == 303
        wait_state(kiosk_events, "active")
        consent = db_rows(server.database, """
            SELECT k.given, k.method FROM consent k JOIN customer c ON c.id = k.customer_id
            WHERE c.number = ? AND k.purpose = 'remote-viewing' ORDER BY k.id DESC LIMIT 1""", (number,))
        assert consent == [(1, "on-screen")]

        remote_events = EventReader(server, path=f"/remote/requests/{help_id}/events", client=remote)
        readers.append(remote_events)
        live = remote.get(server.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text
        assert 'id="live-session"' in live
        # A message goes to the kiosk screen live, shown escaped.
        sent = post(remote, server, f"/remote/requests/{help_id}/messages", text="Tik op <b>Inloggen</b>")
        assert sent.status_code == 303
        assert kiosk_events.wait_for(lambda r: any(m["text"] == "Tik op <b>Inloggen</b>" for m in events(r, "message")), 5)
        screen = kiosk.get(server.url(f"/help/{help_id}"), timeout=TIMEOUT).text
        assert "Tik op &lt;b&gt;Inloggen&lt;/b&gt;" in screen and "<b>Inloggen</b>" not in screen
        # The kiosk's steps reach the colleague live; the colleague's steps and notes land in the session.
        assert post(kiosk, server, f"/sessions/{session_id}/tasks/{task_id}/steps", description="App geopend",
                    actor="customer-alone", reason="").status_code == 303
        assert remote_events.wait_for(lambda r: events(r, "session"), 5), remote_events.raw
        assert "App geopend" in remote.get(server.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text
        assert post(remote, server, f"/remote/requests/{help_id}/steps", task=str(task_id), description="Wachtwoord hersteld",
                    actor="customer-with-help").status_code == 303
        assert post(remote, server, f"/remote/requests/{help_id}/notes", text="Brief niet bij zich").status_code == 303
        assert db_rows(server.database, "SELECT description FROM session_step WHERE session_id = ? ORDER BY id", (session_id,)) == \
            [("App geopend",), ("Wachtwoord hersteld",)]
        assert db_rows(server.database, "SELECT text FROM session_note WHERE session_id = ?", (session_id,)) == [("Brief niet bij zich",)]

        # The customer ends the viewing: it ends at once on both screens.
        assert post(kiosk, server, f"/help/{help_id}/end").status_code == 303
        wait_state(remote_events, "ended")
        wait_state(kiosk_events, "ended")
        assert help_row(server, help_id)["ended_by"] == "customer"
        after = remote.get(server.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text
        assert "live-session" not in after and "Wachtwoord hersteld" not in after
        refused = post(remote, server, f"/remote/requests/{help_id}/messages", text="Nog iets?")
        assert refused.status_code == 422
        assert db_rows(server.database, "SELECT count(*) FROM help_event WHERE help_request_id = ? AND text = 'Nog iets?'", (help_id,)) == [(0,)]
    finally:
        for reader in readers:
            reader.close()

    actions = {row[0] for row in db_rows(server.database, "SELECT action FROM audit_event WHERE subject = ?", (number,))}
    assert {"help-requested", "help-accepted", "consent-recorded", "remote-viewed", "remote-message-sent", "remote-step-added",
            "remote-note-added", "remote-viewing-ended"} <= actions
    log = [row[0] for row in db_rows(server.database, "SELECT kind FROM help_event WHERE help_request_id = ? ORDER BY id", (help_id,))]
    assert log[:3] == ["requested", "accepted", "consent-given"] and "viewed" in log and log[-1] == "ended"
    assert {"message", "step", "note"} <= set(log)


def test_consent_no_shows_the_colleague_nothing(server):
    kiosk, remote, number, help_id = accepted_request(server)
    remote_events = EventReader(server, path=f"/remote/requests/{help_id}/events", client=remote)
    try:
        assert post(kiosk, server, f"/help/{help_id}/consent", answer="no").status_code == 303
        wait_state(remote_events, "declined")
    finally:
        remote_events.close()
    assert help_row(server, help_id)["status"] == "declined"
    page = remote.get(server.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text
    assert "live-session" not in page
    assert post(remote, server, f"/remote/requests/{help_id}/notes", text="x").status_code == 422
    consent = db_rows(server.database, """
        SELECT k.given FROM consent k JOIN customer c ON c.id = k.customer_id
        WHERE c.number = ? AND k.purpose = 'remote-viewing' ORDER BY k.id DESC LIMIT 1""", (number,))
    assert consent == [(0,)]
    viewed = db_rows(server.database, "SELECT count(*) FROM help_event WHERE help_request_id = ? AND kind = 'viewed'", (help_id,))
    assert viewed == [(0,)]


def test_reconnect_with_last_event_id_receives_exactly_the_missed_events(server):
    kiosk, remote = signed_in(server, "anna"), signed_in(server, "yusuf")
    session_id, _ = start_session(server, kiosk, consenting_customer(server))
    help_id = new_id(post(kiosk, server, f"/sessions/{session_id}/help"))
    first = EventReader(server, path=f"/help/{help_id}/events", client=kiosk)
    try:
        post(remote, server, f"/remote/requests/{help_id}/accept")
        wait_state(first, "accepted")
        last_seen = first.events[-1]["id"]
    finally:
        first.close()
    # While the kiosk is away: the answer and three messages.
    post(kiosk, server, f"/help/{help_id}/consent", answer="yes")
    for text in ("één", "twee", "drie"):
        assert post(remote, server, f"/remote/requests/{help_id}/messages", text=text).status_code == 303
    again = EventReader(server, path=f"/help/{help_id}/events", client=kiosk, last_event_id=last_seen)
    try:
        assert again.wait_for(lambda r: len(r.events) >= 4, 5), again.raw
        got = [(e["event"], json.loads(e["data"])) for e in again.events]
        assert [(name, data.get("status") or data.get("text")) for name, data in got] == \
            [("state", "active"), ("message", "één"), ("message", "twee"), ("message", "drie")]
        ids = [int(e["id"]) for e in again.events]
        assert ids == sorted(ids) and ids[0] > int(last_seen) and len(set(ids)) == 4
        # Nothing more than what was missed, and later events still arrive.
        post(remote, server, f"/remote/requests/{help_id}/messages", text="vier")
        assert again.wait_for(lambda r: len(r.events) == 5, 5)
    finally:
        again.close()
    post(kiosk, server, f"/help/{help_id}/end")


def test_withdrawing_consent_stops_a_live_viewing(server):
    kiosk, remote, number, help_id = accepted_request(server)
    post(kiosk, server, f"/help/{help_id}/consent", answer="yes")
    remote_events = EventReader(server, path=f"/remote/requests/{help_id}/events", client=remote)
    try:
        withdrawn = post(kiosk, server, f"/customers/{number}/consents", purpose="remote-viewing", given="false", how="in-person")
        assert withdrawn.status_code == 303
        wait_state(remote_events, "ended")
    finally:
        remote_events.close()
    assert help_row(server, help_id) | {"helper_id": None} == {"status": "ended", "helper_id": None, "ended_by": "consent-withdrawn"}
    assert "live-session" not in remote.get(server.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text


def test_customer_mode_help_belongs_to_the_screen_that_asked(server):
    visitor, stranger, remote = requests.Session(), requests.Session(), signed_in(server, "yusuf")
    help_id = new_id(post(visitor, server, "/kiosk/help", group="banking"))
    assert visitor.get(server.url(f"/help/{help_id}"), timeout=TIMEOUT).status_code == 200
    stranger.get(server.url("/"), timeout=TIMEOUT)
    assert stranger.get(server.url(f"/help/{help_id}"), timeout=TIMEOUT).status_code == 404
    assert signed_in(server, "anna").get(server.url(f"/help/{help_id}"), timeout=TIMEOUT).status_code == 404
    post(remote, server, f"/remote/requests/{help_id}/accept")
    assert post(visitor, server, f"/help/{help_id}/consent", answer="yes").status_code == 303
    # No session in customer mode: the colleague can send messages, but there is no session to change.
    assert post(remote, server, f"/remote/requests/{help_id}/messages", text="Kies Betalen").status_code == 303
    assert "Kies Betalen" in visitor.get(server.url(f"/help/{help_id}"), timeout=TIMEOUT).text
    assert post(remote, server, f"/remote/requests/{help_id}/notes", text="x").status_code == 422
    # Without JavaScript the page refreshes itself, counting the untouched seconds; at the idle time (120 s) it asks
    # "Are you still there?" like every customer page, so an abandoned kiosk still resets.
    fresh = visitor.get(server.url(f"/help/{help_id}"), timeout=TIMEOUT).text
    assert f'content="5;url=/help/{help_id}?waited=5"' in fresh
    late = visitor.get(server.url(f"/help/{help_id}?waited=115"), timeout=TIMEOUT).text
    assert f'content="5;url=/kiosk/still-there?return=/help/{help_id}"' in late
    # The screen resets for the next customer: the viewing ends.
    assert post(visitor, server, "/kiosk/reset").status_code == 303
    assert help_row(server, help_id)["status"] == "ended" and help_row(server, help_id)["ended_by"] == "kiosk"


def test_limits_messages_requests_and_streams(server):
    kiosk, remote = signed_in(server, "anna"), signed_in(server, "yusuf")
    session_id, _ = start_session(server, kiosk, consenting_customer(server))
    help_id = new_id(post(kiosk, server, f"/sessions/{session_id}/help"))
    post(remote, server, f"/remote/requests/{help_id}/accept")
    post(kiosk, server, f"/help/{help_id}/consent", answer="yes")
    too_long = post(remote, server, f"/remote/requests/{help_id}/messages", text="x" * 501)
    assert too_long.status_code == 422 and "500" in too_long.text
    assert post(remote, server, f"/remote/requests/{help_id}/messages", text="é" * 500).status_code == 303
    assert post(remote, server, f"/remote/requests/{help_id}/messages", text="   ").status_code == 422
    post(kiosk, server, f"/help/{help_id}/end")

    # At most three requests waiting from one kiosk; the fourth gets a clear 429 page.
    visitor = requests.Session()
    waiting = [new_id(post(visitor, server, "/kiosk/help")) for _ in range(3)]
    refused = post(visitor, server, "/kiosk/help")
    assert refused.status_code == 429 and "<html" in refused.text
    for request_id in waiting:
        post(visitor, server, f"/help/{request_id}/end")
    assert all(help_row(server, i)["status"] == "cancelled" for i in waiting)

    # Four streams per user: a fifth replaces the oldest, which the server ends at once.
    readers = [EventReader(server, path="/remote/events", client=remote) for _ in range(5)]
    try:
        assert all(reader.response.status_code == 200 for reader in readers)
        assert readers[0].wait_for(lambda r: r.error is not None or r._thread.is_alive() is False, 5), "the oldest stream was not ended"
        metrics = requests.get(server.url("/metrics"), timeout=TIMEOUT).text
        assert "\nbalie_help_streams 4\n" in metrics
    finally:
        for reader in readers:
            reader.close()


def test_a_page_misses_no_event_between_rendering_and_connecting(server):
    kiosk, remote = signed_in(server, "anna"), signed_in(server, "yusuf")
    session_id, _ = start_session(server, kiosk, consenting_customer(server))
    help_id = new_id(post(kiosk, server, f"/sessions/{session_id}/help"))
    page = kiosk.get(server.url(f"/help/{help_id}"), timeout=TIMEOUT).text
    events_url = html.unescape(re.search(r'data-help-events="([^"]+)"', page).group(1))
    assert "?since=" in events_url
    # The colleague accepts after the page was rendered but before its stream connects.
    post(remote, server, f"/remote/requests/{help_id}/accept")
    late = EventReader(server, path=events_url, client=kiosk)
    try:
        wait_state(late, "accepted")
    finally:
        late.close()
    post(kiosk, server, f"/help/{help_id}/end")


def test_roles_only_remote_colleagues_take_requests(server):
    anna = signed_in(server, "anna")
    assert anna.get(server.url("/remote"), allow_redirects=False, timeout=TIMEOUT).status_code == 403
    assert requests.get(server.url("/remote"), allow_redirects=False, timeout=TIMEOUT).status_code == 302


def test_help_requests_in_the_api(server):
    kiosk, remote = signed_in(server, "anna"), signed_in(server, "yusuf")
    session_id, _ = start_session(server, kiosk, consenting_customer(server))
    help_id = new_id(post(kiosk, server, f"/sessions/{session_id}/help"))
    token = make_token(server.database, "contact-centre", ["sessions:read"])
    auth = {"Authorization": f"Bearer {token}"}
    listed = requests.get(server.url("/api/v1/help-requests?status=open"), headers=auth, timeout=TIMEOUT)
    assert listed.status_code == 200 and listed.headers["ETag"]
    item = next(i for i in listed.json()["items"] if i["id"] == help_id)
    assert item["status"] == "open" and item["session_id"] == session_id and "customer_number" not in item
    post(remote, server, f"/remote/requests/{help_id}/accept")
    assert help_id not in [i["id"] for i in requests.get(server.url("/api/v1/help-requests?status=open"), headers=auth, timeout=TIMEOUT).json()["items"]]
    bad = requests.get(server.url("/api/v1/help-requests?status=whatever"), headers=auth, timeout=TIMEOUT)
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json")
    page = requests.get(server.url("/api/v1/help-requests?limit=1"), headers=auth, timeout=TIMEOUT).json()
    assert len(page["items"]) == 1
    if "next_cursor" in page:
        more = requests.get(server.url(f"/api/v1/help-requests?limit=1&cursor={page['next_cursor']}"), headers=auth, timeout=TIMEOUT).json()
        assert more["items"][0]["id"] < page["items"][0]["id"]
    post(kiosk, server, f"/help/{help_id}/end")
