"""Assisted sessions (issue #5), end to end: real `balie serve --demo` over real HTTP, SQLite read read-only.

Run from the repository root:  python3 -m pytest Tests/e2e/test_sessions.py -q

Every form is posted the way the pages post it (with the page's `csrf`); what the server stored, wiped or
added to the shared record is read straight from the database the server uses.
"""

from __future__ import annotations

import html
import re
import signal
from datetime import date, timedelta

import pytest
import requests

from test_auth import DEMO_PASSWORD, csrf_of, db_rows, location, signed_in

TIMEOUT = 10
INJECTION = "<script>alert(1)</script><img src=x onerror=alert(2)> \"quoted\" & 'x'; DROP TABLE session_step; --"


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def one(database, sql: str, params=()):
    rows = db_rows(database, sql, params)
    return rows[0][0] if rows else None


def english(client: requests.Session) -> requests.Session:
    client.cookies.set("balie_lang", "en")
    return client


def anna(server) -> requests.Session:
    return english(signed_in(server, "anna"))


def session_row(database, sid: int) -> dict:
    cols = ["customer_id", "phase", "effort_score", "self_reliance", "channel_advice", "started_at", "finished_at",
            "language"]
    rows = db_rows(database, f"SELECT {', '.join(cols)} FROM assisted_session WHERE id = ?", (sid,))
    assert rows, f"no assisted_session row {sid}"
    return dict(zip(cols, rows[0]))


def customer_id(database, number: str) -> int:
    return one(database, "SELECT id FROM customer WHERE number = ?", (number,))


LATEST_SESSION_LOG = """(SELECT k.given FROM consent k WHERE k.customer_id = c.id AND k.purpose = 'session-log'
                         ORDER BY k.at DESC, k.id DESC LIMIT 1)"""
UNREAD = "(SELECT count(*) FROM message m WHERE m.customer_id = c.id AND m.important = 1 AND m.read = 0)"

_TAKEN: set[str] = set()  # customers already used by a test of this module (the server is shared)


def pick_customer(database, consent: bool, unread: bool | None = None, language: str | None = None) -> str:
    sql = f"SELECT c.number FROM customer c WHERE coalesce({LATEST_SESSION_LOG}, 0) = ?"
    params: list = [1 if consent else 0]
    if unread is not None:
        sql += f" AND {UNREAD} {'>' if unread else '='} 0"
    if language is not None:
        sql += " AND c.language = ?"
        params.append(language)
    numbers = [r[0] for r in db_rows(database, sql + " ORDER BY c.number", params) if r[0] not in _TAKEN]
    assert numbers, f"no demo customer with consent={consent} unread={unread} language={language} left"
    _TAKEN.add(numbers[0])
    return numbers[0]


def staff_page_csrf(client, server) -> str:
    page = client.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200, page.status_code
    return csrf_of(page.text)


def start_session(client, server, customer: str | None = None) -> int:
    data = {"csrf": staff_page_csrf(client, server)}
    if customer is not None:
        data["customer"] = customer
    response = client.post(server.url("/sessions"), data=data, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, f"POST /sessions: {response.status_code}\n{response.text[:800]}"
    path, _ = location(response)
    match = re.fullmatch(r"/sessions/(\d+)", path)
    assert match, f"POST /sessions redirected to {path!r}"
    return int(match.group(1))


def page(client, server, sid: int, suffix: str = "") -> requests.Response:
    return client.get(server.url(f"/sessions/{sid}{suffix}"), allow_redirects=False, timeout=TIMEOUT)


def post(client, server, path: str, data: dict, csrf: str | None = None) -> requests.Response:
    if csrf is None:
        csrf = staff_page_csrf(client, server)
    return client.post(server.url(path), data={"csrf": csrf, **data}, allow_redirects=False, timeout=TIMEOUT)


def expect_back_on_session(response, sid: int, what: str):
    assert response.status_code == 303, f"{what}: {response.status_code}\n{text_of(response.text)[:800]}"
    assert location(response)[0] == f"/sessions/{sid}", f"{what}: went to {response.headers.get('Location')}"


def expect_refused(response, what: str):
    assert response.status_code == 422, f"{what}: expected 422, got {response.status_code}\n{text_of(response.text)[:600]}"
    assert "error-summary" in response.text, f"{what}: the 422 page has no error summary"


def add_task(client, server, sid: int, task: str) -> int:
    before = one(server.database, "SELECT coalesce(max(id), 0) FROM session_task WHERE session_id = ?", (sid,))
    expect_back_on_session(post(client, server, f"/sessions/{sid}/tasks", {"task": task}), sid, f"add task {task}")
    tid = one(server.database, "SELECT max(id) FROM session_task WHERE session_id = ?", (sid,))
    assert tid and tid > before, f"adding {task} stored no session_task row"
    assert one(server.database, "SELECT task_id FROM session_task WHERE id = ?", (tid,)) == task
    return tid


def add_step(client, server, sid, tid, description, actor, reason=None) -> requests.Response:
    data = {"description": description, "actor": actor}
    if reason is not None:
        data["reason"] = reason
    return post(client, server, f"/sessions/{sid}/tasks/{tid}/steps", data)


def finish(client, server, sid, tid, outcome, **fields) -> requests.Response:
    return post(client, server, f"/sessions/{sid}/tasks/{tid}/finish", {"outcome": outcome, **fields})


def hand_over(client, server, sid, advice: str = "") -> requests.Response:
    return post(client, server, f"/sessions/{sid}/handover", {"channel_advice": advice})


def feedback(client, server, sid, **fields) -> requests.Response:
    return post(client, server, f"/sessions/{sid}/feedback", fields)


def close_quickly(client, server, sid: int, tid: int):
    """Finish the one task (resolved), hand over, skip the questions."""
    expect_back_on_session(finish(client, server, sid, tid, "resolved"), sid, "finish resolved")
    assert hand_over(client, server, sid).status_code == 303
    response = feedback(client, server, sid, skip="1")
    assert response.status_code == 303 and location(response)[0] == f"/sessions/{sid}/summary", response.status_code
    assert session_row(server.database, sid)["phase"] == "closed"


def text_of(page_html: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page_html)))


def html_lang(page_html: str) -> str | None:
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", page_html)
    return match.group(1) if match else None


def contacts_of(database, number: str) -> list[tuple]:
    return db_rows(database, "SELECT id, channel, topic, summary, outcome FROM contact WHERE customer_id = ? ORDER BY id",
                   (customer_id(database, number),))


def counts(database, sid: int) -> dict:
    return {
        "tasks": one(database, "SELECT count(*) FROM session_task WHERE session_id = ?", (sid,)),
        "steps": one(database, "SELECT count(*) FROM session_step WHERE session_id = ?", (sid,)),
        "notes": one(database, "SELECT count(*) FROM session_note WHERE session_id = ?", (sid,)),
    }


def assert_no_server_errors(server):
    assert server.is_running(), f"the server stopped:\n{server.stderr_text()[-2000:]}"
    log = server.stderr_text()
    bad = [line for line in log.splitlines() if re.search(r"\b500\b", line)]
    assert not bad, "the server answered 500:\n" + "\n".join(bad[-10:])


# ------------------------------------------------------------------------------------------------
# the server
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(start_server_module):
    server = start_server_module("--demo")
    yield server
    assert_no_server_errors(server)


# ------------------------------------------------------------------------------------------------
# identified session: two tasks, three actors, a note, hand-over, CES, contact in the record
# ------------------------------------------------------------------------------------------------


def test_identified_session_with_two_tasks_lands_in_the_record(demo):
    db = demo.database
    client = anna(demo)
    number = pick_customer(db, consent=False, unread=False)
    cid = customer_id(db, number)
    given, family, language = db_rows(db, "SELECT given_name, family_name, language FROM customer WHERE id = ?", (cid,))[0]

    # consent to log sessions into the record, recorded the normal way
    record = client.get(demo.url(f"/customers/{number}"), timeout=TIMEOUT)
    response = client.post(demo.url(f"/customers/{number}/consents"), allow_redirects=False, timeout=TIMEOUT,
                           data={"csrf": csrf_of(record.text), "purpose": "session-log", "given": "true", "how": "in-person"})
    assert response.status_code == 303, f"recording consent: {response.status_code}"
    contacts_before = contacts_of(db, number)

    sid = start_session(client, demo, number)
    row = session_row(db, sid)
    assert row["customer_id"] == cid, f"with consent the session must be logged for the customer: {row}"
    assert row["phase"] == "open" and row["finished_at"] is None and row["started_at"] > 0, row
    assert row["language"] == language, f"the session does not take the customer's language: {row}"
    started = db_rows(db, "SELECT subject, actor_role FROM audit_event WHERE action = 'session-started' AND detail = ?",
                      (f"session {sid}",))
    assert started == [(number, "staff")], f"session-started audit rows: {started}"

    # the staff page names the customer and links to the record
    shown = page(client, demo, sid)
    assert shown.status_code == 200, shown.status_code
    assert f'href="/customers/{number}"' in shown.text and given in html.unescape(shown.text)
    assert shown.headers.get("Cache-Control") == "no-store"

    tax = add_task(client, demo, sid, "tax-return")
    bill = add_task(client, demo, sid, "pay-bill")
    shown = page(client, demo, sid).text
    assert 'id="task-%d"' % tax in shown and 'id="task-%d"' % bill in shown
    assert "Fill in a tax return" in shown and "Pay a bill" in shown

    # steps with the three actors; staff-on-behalf without a reason is refused and stores nothing
    expect_back_on_session(add_step(client, demo, sid, tax, "Logged in with DigiD on her own", "customer-alone"), sid,
                           "customer-alone step")
    expect_back_on_session(add_step(client, demo, sid, tax, "Filled in the income page together", "customer-with-help"),
                           sid, "customer-with-help step")
    before = counts(db, sid)
    for reason in (None, "", "   "):
        refused = add_step(client, demo, sid, tax, "Sent the return for her", "staff-on-behalf", reason)
        expect_refused(refused, f"staff-on-behalf with reason {reason!r}")
        assert "Write down why you did it for the customer." in text_of(refused.text)
    assert counts(db, sid) == before, "a refused staff-on-behalf step was stored anyway"
    expect_back_on_session(add_step(client, demo, sid, tax, "Sent the return for her", "staff-on-behalf",
                                    "Her hands shake too much to use the mouse"), sid, "staff-on-behalf step")
    steps = db_rows(db, "SELECT description, actor, reason FROM session_step WHERE session_task_id = ? ORDER BY id", (tax,))
    assert steps == [
        ("Logged in with DigiD on her own", "customer-alone", None),
        ("Filled in the income page together", "customer-with-help", None),
        ("Sent the return for her", "staff-on-behalf", "Her hands shake too much to use the mouse"),
    ], steps
    for bad in ({"actor": "the-cat"}, {"actor": ""}, {"description": ""}):
        data = {"description": "x", "actor": "customer-alone", **bad}
        expect_refused(post(client, demo, f"/sessions/{sid}/tasks/{tax}/steps", data), f"bad step {bad}")
    assert counts(db, sid)["steps"] == 3

    expect_back_on_session(post(client, demo, f"/sessions/{sid}/notes", {"text": "Bring the annual statement next time"}),
                           sid, "note")
    expect_refused(post(client, demo, f"/sessions/{sid}/notes", {"text": "   "}), "empty note")
    assert db_rows(db, "SELECT text FROM session_note WHERE session_id = ?", (sid,)) == [("Bring the annual statement next time",)]

    # hand-over is refused while a task has no outcome
    early = hand_over(client, demo, sid, "phone")
    expect_refused(early, "hand-over with unfinished tasks")
    assert session_row(db, sid)["phase"] == "open"

    # outcomes: resolved; referred (a partner of another task is refused, then a valid one with the hand-over text)
    expect_back_on_session(finish(client, demo, sid, tax, "resolved"), sid, "finish resolved")
    expect_refused(finish(client, demo, sid, tax, "resolved"), "finishing a finished task again")
    expect_refused(finish(client, demo, sid, bill, "referred", partner="duo", detail="Invoice handed over"),
                   "referral to a partner not listed for the task")
    expect_refused(finish(client, demo, sid, bill, "referred", partner="bank", detail=""), "referral without hand-over text")
    expect_refused(finish(client, demo, sid, bill, "maybe"), "unknown outcome")
    assert one(db, "SELECT outcome FROM session_task WHERE id = ?", (bill,)) is None
    expect_back_on_session(finish(client, demo, sid, bill, "referred", partner="bank",
                                  detail="Invoice and account number handed over"), sid, "finish referred")
    tasks = db_rows(db, "SELECT task_id, outcome, outcome_detail, partner FROM session_task WHERE session_id = ? ORDER BY id",
                    (sid,))
    assert tasks == [("tax-return", "resolved", "", None),
                     ("pay-bill", "referred", "Invoice and account number handed over", "bank")], tasks
    expect_refused(add_step(client, demo, sid, tax, "too late", "customer-alone"), "step on a finished task")

    # hand-over: the screen turns to the customer
    response = hand_over(client, demo, sid, "phone")
    assert response.status_code == 303 and location(response)[0] == f"/sessions/{sid}/feedback", response.status_code
    row = session_row(db, sid)
    assert row["phase"] == "customer-feedback" and row["channel_advice"] == "phone", row
    assert page(client, demo, sid).headers.get("Location", "").endswith(f"/sessions/{sid}/feedback")
    questions = page(client, demo, sid, "/feedback")
    assert questions.status_code == 200
    assert html_lang(questions.text) == language, f"the feedback page is not in the customer's language {language}"
    for value in range(1, 8):
        assert f'name="effort" value="{value}"' in questions.text, f"no CES choice {value}"
    # staff actions are closed while the customer answers
    expect_refused(post(client, demo, f"/sessions/{sid}/notes", {"text": "sneaky"}), "note during customer feedback")

    # CES 6 and "with a little help"
    response = feedback(client, demo, sid, effort="6", self_reliance="with-a-little-help")
    assert response.status_code == 303 and location(response)[0] == f"/sessions/{sid}/summary", response.status_code
    row = session_row(db, sid)
    assert (row["phase"], row["effort_score"], row["self_reliance"]) == ("closed", 6, "with-a-little-help"), row
    assert row["finished_at"] and row["finished_at"] >= row["started_at"], row
    closed = db_rows(db, "SELECT actor_role FROM audit_event WHERE action = 'session-closed' AND detail = ?",
                     (f"session {sid}",))
    assert closed == [("staff",)], closed
    # identified: free text stays
    assert counts(db, sid) == {"tasks": 2, "steps": 3, "notes": 1}
    assert one(db, "SELECT description FROM session_step WHERE session_task_id = ? ORDER BY id LIMIT 1", (tax,))

    # answering again changes nothing
    feedback(client, demo, sid, effort="1", self_reliance="not-yet")
    row = session_row(db, sid)
    assert (row["effort_score"], row["self_reliance"]) == (6, "with-a-little-help"), row

    # one new contact in the record: channel kiosk-assisted, topic = the task names
    new = [c for c in contacts_of(db, number) if c not in contacts_before]
    assert len(new) == 1, f"expected one new contact, got {new}"
    _, channel, topic, summary, outcome = new[0]
    assert channel == "kiosk-assisted", new
    assert "Belastingaangifte doen" in topic and "Een rekening betalen" in topic, topic
    assert "Bank (klantenservice)" in summary or "Doorverwezen" in summary or "bank" in summary.lower(), summary
    record = client.get(demo.url(f"/customers/{number}"), timeout=TIMEOUT)
    assert record.status_code == 200
    record_text = text_of(record.text)
    assert "Belastingaangifte doen" in record_text or "Fill in a tax return" in record_text, (
        "the 360° page does not show the new kiosk-assisted contact")

    # the take-home summary, in the customer's language; GET /sessions/ID now leads there
    assert page(client, demo, sid).headers.get("Location", "").endswith(f"/sessions/{sid}/summary")
    summary_page = page(client, demo, sid, "/summary")
    assert summary_page.status_code == 200
    assert html_lang(summary_page.text) == language
    assert "Bank (klantenservice)" in html.unescape(summary_page.text), "the summary does not name the referral partner"


# ------------------------------------------------------------------------------------------------
# anonymous, and without consent
# ------------------------------------------------------------------------------------------------


def test_anonymous_session_from_the_staff_page_keeps_only_statistics(demo):
    db = demo.database
    client = anna(demo)
    contacts_before = one(db, "SELECT count(*) FROM contact")
    sid = start_session(client, demo)
    assert session_row(db, sid)["customer_id"] is None
    shown = page(client, demo, sid)
    assert "not saved in any customer" in text_of(shown.text), "the anonymous session shows no notice"
    assert 'href="/customers/' not in shown.text
    tid = add_task(client, demo, sid, "mobile-banking")
    expect_back_on_session(add_step(client, demo, sid, tid, "Installed the bank app", "customer-with-help"), sid, "step")
    expect_back_on_session(post(client, demo, f"/sessions/{sid}/notes", {"text": "anonymous note text"}), sid, "note")
    close_quickly(client, demo, sid, tid)
    row = session_row(db, sid)
    assert row["customer_id"] is None and row["effort_score"] is None and row["self_reliance"] is None, row
    assert db_rows(db, "SELECT actor, description, reason FROM session_step WHERE session_id = ?", (sid,)) == [
        ("customer-with-help", "", None)], "anonymous: the step should keep only who did it"
    assert counts(db, sid)["notes"] == 0
    assert one(db, "SELECT count(*) FROM contact") == contacts_before, "an anonymous session added a contact"
    assert one(db, "SELECT subject FROM audit_event WHERE action = 'session-started' AND detail = ?", (f"session {sid}",)) is None


@pytest.mark.parametrize("history", ["never-asked", "withdrawn"])
def test_session_without_consent_is_anonymous_and_wiped_at_close(demo, history):
    db = demo.database
    client = anna(demo)
    number = pick_customer(db, consent=False, unread=True if history == "never-asked" else None)
    cid = customer_id(db, number)
    given, family, language = db_rows(db, "SELECT given_name, family_name, language FROM customer WHERE id = ?", (cid,))[0]
    if history == "withdrawn":  # given, then withdrawn: the latest answer counts
        for answer in ("true", "false"):
            record = client.get(demo.url(f"/customers/{number}"), timeout=TIMEOUT)
            response = client.post(demo.url(f"/customers/{number}/consents"), allow_redirects=False, timeout=TIMEOUT,
                                   data={"csrf": csrf_of(record.text), "purpose": "session-log", "given": answer,
                                         "how": "in-person"})
            assert response.status_code == 303
    contacts_before = contacts_of(db, number)
    follow_ups_before = one(db, "SELECT count(*) FROM follow_up WHERE customer_id = ?", (cid,))
    messages_before = db_rows(db, "SELECT id, read FROM message WHERE customer_id = ? ORDER BY id", (cid,))
    secret = f"Secret-{history}-Zwaluwstaart"

    sid = start_session(client, demo, number)
    row = session_row(db, sid)
    assert row["customer_id"] is None, f"no consent, yet the session is linked to customer {cid}: {row}"
    shown = page(client, demo, sid)
    assert family not in html.unescape(shown.text), "the anonymous session page shows the customer's name"
    assert "/read" not in shown.text, "the anonymous session offers the customer's messages to read together"
    tid = add_task(client, demo, sid, "allowances")
    expect_back_on_session(add_step(client, demo, sid, tid, f"{secret} step", "staff-on-behalf", f"{secret} reason"), sid,
                           "step")
    expect_back_on_session(post(client, demo, f"/sessions/{sid}/notes", {"text": f"{secret} note"}), sid, "note")
    due = (date.today() + timedelta(days=7)).isoformat()
    expect_back_on_session(finish(client, demo, sid, tid, "follow-up", who=f"{secret} who", due=due, channel="letter"), sid,
                           "finish follow-up")
    assert hand_over(client, demo, sid, "letter").status_code == 303
    assert feedback(client, demo, sid, effort="3", self_reliance="not-yet").status_code == 303

    row = session_row(db, sid)
    assert (row["customer_id"], row["phase"], row["effort_score"], row["self_reliance"]) == (None, "closed", 3, "not-yet"), row
    steps = db_rows(db, "SELECT description, reason, actor FROM session_step WHERE session_id = ?", (sid,))
    assert steps == [("", None, "staff-on-behalf")], f"free text left in the steps: {steps}"
    assert counts(db, sid)["notes"] == 0, "notes of an anonymous session survived the close"
    task = db_rows(db, "SELECT outcome, outcome_detail, follow_up_who FROM session_task WHERE id = ?", (tid,))
    assert task == [("follow-up", "", None)], task
    assert contacts_of(db, number) == contacts_before, "a session without consent added a contact to the customer"
    assert one(db, "SELECT count(*) FROM follow_up WHERE customer_id = ?", (cid,)) == follow_ups_before
    assert db_rows(db, "SELECT id, read FROM message WHERE customer_id = ? ORDER BY id", (cid,)) == messages_before
    # the secret is nowhere in the database
    leaks = []
    for table, column in (("session_step", "description"), ("session_step", "reason"), ("session_task", "outcome_detail"),
                          ("session_task", "follow_up_who"), ("session_note", "text"), ("contact", "summary"),
                          ("contact", "topic"), ("follow_up", "description"), ("audit_event", "detail")):
        if one(db, f"SELECT count(*) FROM {table} WHERE {column} LIKE ?", (f"%{secret}%",)):
            leaks.append(f"{table}.{column}")
    assert not leaks, f"free text of a session without consent remains in {leaks}"
    started = db_rows(db, "SELECT subject FROM audit_event WHERE action = 'session-started' AND detail = ?", (f"session {sid}",))
    assert started == [(None,)], f"the audit trail ties the anonymous session to the customer: {started}"
    # the customer-facing pages still use the customer's language
    assert html_lang(page(client, demo, sid, "/summary").text) == language


# ------------------------------------------------------------------------------------------------
# unread messages read together
# ------------------------------------------------------------------------------------------------


def test_unread_message_read_together_marks_it_read_and_adds_a_contact(demo):
    db = demo.database
    client = anna(demo)
    number = pick_customer(db, consent=True, unread=True)
    cid = customer_id(db, number)
    mid, title = db_rows(db, "SELECT id, title FROM message WHERE customer_id = ? AND important = 1 AND read = 0 "
                             "ORDER BY id LIMIT 1", (cid,))[0]
    contacts_before = contacts_of(db, number)
    sid = start_session(client, demo, number)
    shown = page(client, demo, sid)
    action = f"/sessions/{sid}/messages/{mid}/read"
    assert f'action="{action}"' in shown.text, f"the session page offers no 'read together' for message {mid}"
    assert title in html.unescape(shown.text)

    expect_back_on_session(post(client, demo, action, {}), sid, "read together")
    assert one(db, "SELECT read FROM message WHERE id = ?", (mid,)) == 1
    new = [c for c in contacts_of(db, number) if c not in contacts_before]
    assert len(new) == 1 and new[0][1] == "kiosk-assisted", f"read together should add one kiosk-assisted contact: {new}"
    assert title in new[0][3], f"the contact does not name the message: {new}"
    assert f'action="{action}"' not in page(client, demo, sid).text, "the message is still listed as unread"

    # again: nothing more happens
    post(client, demo, action, {})
    assert len(contacts_of(db, number)) == len(contacts_before) + 1, "reading the same message twice added a second contact"

    # a message of another customer, or a message that does not exist: 404, nothing changes
    other = db_rows(db, "SELECT id FROM message WHERE customer_id != ? AND read = 0 ORDER BY id LIMIT 1", (cid,))[0][0]
    response = post(client, demo, f"/sessions/{sid}/messages/{other}/read", {})
    assert response.status_code == 404, response.status_code
    assert one(db, "SELECT read FROM message WHERE id = ?", (other,)) == 0
    assert post(client, demo, f"/sessions/{sid}/messages/999999/read", {}).status_code == 404
    anonymous = start_session(client, demo)
    assert post(client, demo, f"/sessions/{anonymous}/messages/{other}/read", {}).status_code == 404
    assert one(db, "SELECT read FROM message WHERE id = ?", (other,)) == 0


# ------------------------------------------------------------------------------------------------
# the customer's questions: only after hand-over, 1..7
# ------------------------------------------------------------------------------------------------


def test_effort_score_cannot_be_stored_before_hand_over(demo):
    db = demo.database
    client = anna(demo)
    sid = start_session(client, demo, pick_customer(db, consent=True, unread=False))
    tid = add_task(client, demo, sid, "forms")
    early = feedback(client, demo, sid, effort="7", self_reliance="yes")
    assert early.status_code in (303, 302, 422), early.status_code
    assert early.status_code != 303 or location(early)[0] == f"/sessions/{sid}", early.headers.get("Location")
    skip = feedback(client, demo, sid, skip="1")
    assert skip.status_code != 303 or location(skip)[0] == f"/sessions/{sid}", skip.headers.get("Location")
    expect_back_on_session(finish(client, demo, sid, tid, "resolved"), sid, "finish")
    feedback(client, demo, sid, effort="7", self_reliance="yes")  # all tasks done, but not handed over yet
    row = session_row(db, sid)
    assert (row["phase"], row["effort_score"], row["self_reliance"], row["finished_at"]) == ("open", None, None, None), (
        f"feedback posted before hand-over was stored: {row}")
    # the feedback page is not shown to staff before hand-over either
    questions = page(client, demo, sid, "/feedback")
    assert questions.status_code in (302, 303) and location(questions)[0] == f"/sessions/{sid}"
    summary = page(client, demo, sid, "/summary")
    assert summary.status_code in (302, 303) and location(summary)[0] == f"/sessions/{sid}"


@pytest.mark.parametrize("effort", ["8", "0", "-1", "70"])
def test_effort_outside_1_to_7_is_refused(demo, effort):
    db = demo.database
    client = anna(demo)
    sid = start_session(client, demo)
    tid = add_task(client, demo, sid, "appointments")
    expect_back_on_session(finish(client, demo, sid, tid, "resolved"), sid, "finish")
    assert hand_over(client, demo, sid).status_code == 303
    response = feedback(client, demo, sid, effort=effort, self_reliance="yes")
    assert response.status_code == 422, f"effort={effort}: {response.status_code}"
    row = session_row(db, sid)
    assert (row["phase"], row["effort_score"], row["self_reliance"]) == ("customer-feedback", None, None), row
    assert 'name="effort"' in response.text, "the 422 page does not show the questions again"
    # a valid answer afterwards still works
    assert feedback(client, demo, sid, effort="7", self_reliance="yes").status_code == 303
    assert session_row(db, sid)["effort_score"] == 7


# ------------------------------------------------------------------------------------------------
# follow-up outcome
# ------------------------------------------------------------------------------------------------


def test_follow_up_outcome_becomes_a_follow_up_for_the_customer(demo):
    db = demo.database
    client = anna(demo)
    number = pick_customer(db, consent=True, unread=False)
    cid = customer_id(db, number)
    before = one(db, "SELECT count(*) FROM follow_up WHERE customer_id = ?", (cid,))
    sid = start_session(client, demo, number)
    tid = add_task(client, demo, sid, "benefits-uwv")
    yesterday_but_one = (date.today() - timedelta(days=3)).isoformat()
    due = (date.today() + timedelta(days=10)).isoformat()
    for bad in ({"who": "Karel", "due": yesterday_but_one, "channel": "phone"},
                {"who": "Karel", "due": "not-a-date", "channel": "phone"},
                {"who": "Karel", "due": due, "channel": "pigeon"},
                {"who": "", "due": due, "channel": "phone"}):
        expect_refused(finish(client, demo, sid, tid, "follow-up", **bad), f"follow-up {bad}")
    assert one(db, "SELECT outcome FROM session_task WHERE id = ?", (tid,)) is None
    expect_back_on_session(finish(client, demo, sid, tid, "follow-up", who="Karel van het UWV-team", due=due, channel="phone"),
                           sid, "follow-up")
    assert hand_over(client, demo, sid).status_code == 303
    assert feedback(client, demo, sid, skip="1").status_code == 303
    rows = db_rows(db, "SELECT description, channel, done FROM follow_up WHERE customer_id = ? ORDER BY id", (cid,))
    assert len(rows) == before + 1, rows
    assert "Karel van het UWV-team" in rows[-1][0] and rows[-1][1:] == ("phone", 0), rows[-1]
    assert "Karel van het UWV-team" in html.unescape(page(client, demo, sid, "/summary").text)


# ------------------------------------------------------------------------------------------------
# the staff page lists open sessions
# ------------------------------------------------------------------------------------------------


def test_open_session_is_listed_on_the_staff_page_until_closed(demo):
    db = demo.database
    client = anna(demo)
    number = pick_customer(db, consent=True, unread=False)
    given = one(db, "SELECT given_name FROM customer WHERE number = ?", (number,))
    sid = start_session(client, demo, number)
    home = client.get(demo.url("/staff"), timeout=TIMEOUT).text
    assert f'href="/sessions/{sid}"' in home, "the open session is not listed on /staff"
    assert given in html.unescape(home)
    # another member of staff sees it too (to take over or finish)
    sanne = english(signed_in(demo, "sanne"))
    assert f'href="/sessions/{sid}"' in sanne.get(demo.url("/staff"), timeout=TIMEOUT).text
    assert page(sanne, demo, sid).status_code == 200
    tid = add_task(client, demo, sid, "digid-app")
    assert hand_over(client, demo, sid).status_code == 422
    assert f'href="/sessions/{sid}"' in client.get(demo.url("/staff"), timeout=TIMEOUT).text
    close_quickly(client, demo, sid, tid)
    assert f'href="/sessions/{sid}"' not in client.get(demo.url("/staff"), timeout=TIMEOUT).text, (
        "a closed session is still listed as open on /staff")


# ------------------------------------------------------------------------------------------------
# bad ids, foreign task ids, roles, CSRF
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sessions/abc", "/sessions/999999", "/sessions/-1", "/sessions/1.5",
                                  "/sessions/999999/feedback", "/sessions/999999/summary", "/sessions/abc/summary"])
def test_bad_session_ids_are_404(demo, path):
    client = anna(demo)
    response = client.get(demo.url(path), allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 404, f"GET {path}: {response.status_code}"
    assert "<h1" in response.text


@pytest.mark.parametrize("suffix, data", [
    ("/tasks", {"task": "forms"}),
    ("/notes", {"text": "x"}),
    ("/handover", {}),
    ("/feedback", {"effort": "5"}),
    ("/tasks/1/steps", {"description": "x", "actor": "customer-alone"}),
    ("/tasks/1/finish", {"outcome": "resolved"}),
])
def test_posts_to_unknown_sessions_are_404(demo, suffix, data):
    client = anna(demo)
    for sid in ("999999", "abc"):
        response = post(client, demo, f"/sessions/{sid}{suffix}", data)
        assert response.status_code == 404, f"POST /sessions/{sid}{suffix}: {response.status_code}"


def test_task_id_from_another_session_is_refused(demo):
    db = demo.database
    client = anna(demo)
    first = start_session(client, demo)
    foreign = add_task(client, demo, first, "library-account")
    second = start_session(client, demo)
    own = add_task(client, demo, second, "learn-computer")
    before_first, before_second = counts(db, first), counts(db, second)
    expect_refused(add_step(client, demo, second, foreign, "wrong session", "customer-alone"), "step on a foreign task")
    expect_refused(finish(client, demo, second, foreign, "resolved"), "finishing a foreign task")
    expect_refused(add_step(client, demo, second, 999999, "no such task", "customer-alone"), "step on an unknown task")
    response = add_step(client, demo, second, "abc", "no such task", "customer-alone")
    assert response.status_code in (404, 422), response.status_code
    expect_refused(post(client, demo, f"/sessions/{second}/tasks", {"task": "no-such-task"}), "unknown catalogue task")
    expect_refused(post(client, demo, f"/sessions/{second}/tasks", {}), "no task chosen")
    assert counts(db, first) == before_first and counts(db, second) == before_second
    assert one(db, "SELECT outcome FROM session_task WHERE id = ?", (foreign,)) is None, "a foreign task was finished"
    # the foreign task does not count for the second session's hand-over either
    expect_back_on_session(finish(client, demo, second, own, "resolved"), second, "own task")
    assert hand_over(client, demo, second).status_code == 303
    assert hand_over(client, demo, first).status_code == 422


def test_remote_role_and_signed_out_visitors_cannot_use_sessions(demo):
    client = anna(demo)
    sid = start_session(client, demo)
    remote = english(signed_in(demo, "yusuf"))
    assert remote.get(demo.url(f"/sessions/{sid}"), allow_redirects=False, timeout=TIMEOUT).status_code == 403
    csrf = staff_page_csrf(remote, demo)
    assert remote.post(demo.url("/sessions"), data={"csrf": csrf}, allow_redirects=False, timeout=TIMEOUT).status_code == 403
    assert remote.post(demo.url(f"/sessions/{sid}/tasks"), data={"csrf": csrf, "task": "forms"}, allow_redirects=False,
                       timeout=TIMEOUT).status_code == 403
    nobody = requests.Session()
    response = nobody.get(demo.url(f"/sessions/{sid}"), allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302 and location(response)[0] == "/sign-in"
    assert counts(demo.database, sid)["tasks"] == 0


def test_posts_without_csrf_are_refused_and_store_nothing(demo):
    db = demo.database
    client = anna(demo)
    sid = start_session(client, demo)
    sessions_before = one(db, "SELECT count(*) FROM assisted_session")
    for path, data in (("/sessions", {}), (f"/sessions/{sid}/tasks", {"task": "forms"}),
                       (f"/sessions/{sid}/notes", {"text": "forged"})):
        for token in (None, "forged"):
            body = dict(data) if token is None else {"csrf": token, **data}
            response = client.post(demo.url(path), data=body, allow_redirects=False, timeout=TIMEOUT)
            assert response.status_code == 403, f"POST {path} csrf={token}: {response.status_code}"
    assert one(db, "SELECT count(*) FROM assisted_session") == sessions_before
    assert counts(db, sid) == {"tasks": 0, "steps": 0, "notes": 0}


# ------------------------------------------------------------------------------------------------
# markup in free text is shown as text
# ------------------------------------------------------------------------------------------------


def test_markup_in_free_text_is_escaped_on_every_page(demo):
    db = demo.database
    client = anna(demo)
    number = pick_customer(db, consent=True, unread=False)
    sid = start_session(client, demo, number)
    tid = add_task(client, demo, sid, "pay-bill")
    other = add_task(client, demo, sid, "forms")
    expect_back_on_session(add_step(client, demo, sid, tid, INJECTION, "staff-on-behalf", INJECTION), sid, "step")
    expect_back_on_session(post(client, demo, f"/sessions/{sid}/notes", {"text": INJECTION}), sid, "note")
    expect_back_on_session(finish(client, demo, sid, other, "not-possible", detail=INJECTION), sid, "not possible")
    stored = db_rows(db, "SELECT description, reason FROM session_step WHERE session_id = ?", (sid,))
    assert stored == [(INJECTION, INJECTION)], "the text was not stored verbatim"
    shown = page(client, demo, sid).text
    assert "<script>alert(1)" not in shown and "<img src=x" not in shown, "markup from a step reached the page unescaped"
    assert shown.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4, (
        "the step, its reason, the note and the outcome should each show the markup as text")
    refused = add_step(client, demo, sid, tid, INJECTION, "staff-on-behalf", "")
    assert refused.status_code == 422 and "<script>alert(1)" not in refused.text
    expect_back_on_session(finish(client, demo, sid, tid, "referred", partner="bank", detail=INJECTION), sid, "referred")
    assert hand_over(client, demo, sid).status_code == 303
    assert feedback(client, demo, sid, effort="5", self_reliance="yes").status_code == 303
    summary = page(client, demo, sid, "/summary").text
    assert "<script>alert(1)" not in summary and "&lt;script&gt;" in summary, "the summary shows the markup unescaped"
    record = client.get(demo.url(f"/customers/{number}"), timeout=TIMEOUT).text
    assert "<script>alert(1)" not in record and "<img src=x" not in record
    assert one(db, "SELECT count(*) FROM session_step") > 0, "the SQL in the text did something"


# ------------------------------------------------------------------------------------------------
# restart mid-session
# ------------------------------------------------------------------------------------------------


def test_restart_mid_session_resumes_on_the_same_database(start_server):
    first = start_server("--demo")
    db = first.database
    number = db_rows(db, f"SELECT c.number FROM customer c WHERE coalesce({LATEST_SESSION_LOG}, 0) = 1 "
                         f"AND {UNREAD} = 0 ORDER BY c.number LIMIT 1")[0][0]
    client = anna(first)
    sid = start_session(client, first, number)
    tid = add_task(client, first, sid, "government-inbox")
    expect_back_on_session(add_step(client, first, sid, tid, "Opened the Berichtenbox together", "customer-with-help"), sid,
                           "step")
    before = counts(db, sid)

    first.signal(signal.SIGTERM)
    assert first.wait(15) == 0, f"balie did not exit 0 on SIGTERM:\n{first.stderr_text()[-1500:]}"

    second = start_server("--database", db)  # the last --database wins: the same file
    second_client = anna(second)
    shown = page(second_client, second, sid)
    assert shown.status_code == 200, f"after the restart GET /sessions/{sid}: {shown.status_code}"
    text = text_of(shown.text)
    assert "Read messages in the government inbox" in text, "the task is gone after the restart"
    assert "Opened the Berichtenbox together" in text, "the step is gone after the restart"
    assert f'href="/sessions/{sid}"' in second_client.get(second.url("/staff"), timeout=TIMEOUT).text
    assert counts(db, sid) == before
    expect_back_on_session(finish(second_client, second, sid, tid, "resolved"), sid, "finish after restart")
    assert hand_over(second_client, second, sid, "app").status_code == 303
    assert feedback(second_client, second, sid, effort="6", self_reliance="yes").status_code == 303
    row = session_row(db, sid)
    assert (row["phase"], row["effort_score"], row["channel_advice"]) == ("closed", 6, "app"), row
    contact = db_rows(db, "SELECT channel, topic FROM contact WHERE customer_id = ? AND channel = 'kiosk-assisted' "
                          "ORDER BY at DESC LIMIT 1", (customer_id(db, number),))
    assert contact and "Berichten lezen in de Berichtenbox" in contact[0][1], contact
    assert_no_server_errors(second)


# ------------------------------------------------------------------------------------------------
# the forms as the pages render them (what a browser really sends)
# ------------------------------------------------------------------------------------------------


def radio_names(page_html: str) -> dict[str, set[str]]:
    """radio group name → its values, from the page."""
    groups: dict[str, set[str]] = {}
    for tag in re.findall(r"<input[^>]*type=\"radio\"[^>]*>", page_html):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        groups.setdefault(name, set()).add(re.search(r'value="([^"]*)"', tag).group(1))
    return groups


def test_feedback_form_as_rendered_stores_both_answers(demo):
    """Submit the questions with the field names the page itself uses, as a browser would."""
    db = demo.database
    client = anna(demo)
    sid = start_session(client, demo)
    tid = add_task(client, demo, sid, "phone-tablet-basics")
    expect_back_on_session(finish(client, demo, sid, tid, "resolved"), sid, "finish")
    assert hand_over(client, demo, sid).status_code == 303
    form = page(client, demo, sid, "/feedback").text
    groups = radio_names(form)
    effort_field = next(n for n, v in groups.items() if v == {str(i) for i in range(1, 8)})
    reliance_field = next(n for n, v in groups.items() if "with-a-little-help" in v)
    response = client.post(demo.url(f"/sessions/{sid}/feedback"), allow_redirects=False, timeout=TIMEOUT,
                           data={"csrf": csrf_of(form), effort_field: "6", reliance_field: "with-a-little-help"})
    assert response.status_code == 303
    row = session_row(db, sid)
    assert row["effort_score"] == 6, row
    assert row["self_reliance"] == "with-a-little-help", (
        f"the feedback page names its self-reliance radios {reliance_field!r}, but the server reads 'self_reliance': "
        f"the customer's answer is lost (stored {row['self_reliance']!r})")


def test_feedback_refusal_explains_itself(demo):
    client = anna(demo)
    sid = start_session(client, demo)
    tid = add_task(client, demo, sid, "passwords-codes")
    expect_back_on_session(finish(client, demo, sid, tid, "resolved"), sid, "finish")
    assert hand_over(client, demo, sid).status_code == 303
    response = feedback(client, demo, sid, effort="8", self_reliance="yes")
    assert response.status_code == 422
    assert "error-summary" in response.text and "Choose an answer from 1 to 7" in text_of(response.text), (
        "POST feedback with effort=8 answers 422 but the page says nothing about what was wrong")


def test_error_summary_links_lead_to_a_field(demo):
    client = anna(demo)
    sid = start_session(client, demo)
    tid = add_task(client, demo, sid, "pay-bill")
    refusals = {
        "step without reason": add_step(client, demo, sid, tid, "x", "staff-on-behalf"),
        "empty note": post(client, demo, f"/sessions/{sid}/notes", {"text": ""}),
        "wrong partner": finish(client, demo, sid, tid, "referred", partner="duo", detail="x"),
        "hand-over too early": hand_over(client, demo, sid),
        "unknown task": post(client, demo, f"/sessions/{sid}/tasks", {"task": "no-such-task"}),
    }
    broken = []
    for what, response in refusals.items():
        assert response.status_code == 422, f"{what}: {response.status_code}"
        summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)
        for target in re.findall(r'href="#([^"]+)"', summary):
            if f'id="{target}"' not in response.text:
                broken.append(f"{what}: href=#{target} has no element with that id")
    assert not broken, "\n".join(broken)


def test_step_with_unknown_actor_names_the_actor(demo):
    client = anna(demo)
    sid = start_session(client, demo)
    tid = add_task(client, demo, sid, "forms")
    response = add_step(client, demo, sid, tid, "Filled in page one", "")
    expect_refused(response, "step without actor")
    message = text_of(re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0))
    assert "Choose how the task ended" not in message, (
        f"a step without 'who did it' is refused with the outcome message: {message!r}")


# ------------------------------------------------------------------------------------------------
# the finished session is visible to the other channels through the API's contact list
# ------------------------------------------------------------------------------------------------

def test_finished_session_is_in_the_api_contact_list(demo):
    import json
    from balie_harness import REPO_ROOT
    from test_api import make_token
    server = demo
    token = make_token(server.database, "contact-centre-sessions", ["contacts:read"])
    client = anna(server)
    number = pick_customer(server.database, consent=True)
    sid = start_session(client, server, number)
    tid = add_task(client, server, sid, "pay-bill")
    close_quickly(client, server, sid, tid)
    listed = requests.get(server.url(f"/api/v1/customers/{number}/contacts?limit=5"),
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert listed.status_code == 200, listed.text
    newest = listed.json()["items"][0]
    assert newest["channel"] == "kiosk-assisted" and newest["source_system"] == "balie", newest
    catalog = json.loads((REPO_ROOT / "deploy" / "task-catalog.json").read_text())
    dutch = next(task["names"]["nl"] for task in catalog["tasks"] if task["id"] == "pay-bill")
    assert newest["topic"] == dutch, newest
