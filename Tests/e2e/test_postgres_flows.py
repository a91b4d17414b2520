"""The flows that touch the database, on PostgreSQL (issue #19): sign-in, search, the 360° view, import, an assisted
session from start to summary, the queue, remote support, export, erasure and retention, through real HTTP against
`balie serve --database postgres://…` on a PostgreSQL server of the test's own (test_postgres.Postgres), with the
command line (`balie import`, `export`, `purge`) on the same database. What the server stored is read with psql,
where the SQLite tests (test_auth, test_customers, test_sessions, test_queue, test_remote, test_privacy,
test_privacy_web) read the SQLite file, and checked as they check it.

Two kinds of rows have no import and are written with psql as the organisation's own systems would: a customer's
accessibility needs and note, and the messages sent to them. The retention test moves rows back in time with psql.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import time
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from balie_harness import REPO_ROOT
from test_auth import (
    TIMEOUT,
    assert_html_page,
    assert_redirect_to_sign_in,
    balie_cli,
    cookie_line,
    cookie_parts,
    csrf_of,
    location,
    post_sign_in,
)
from test_customers import (
    CONTACT_HEADER,
    CONTACTS,
    CUSTOMER_HEADER,
    CUSTOMERS,
    EXPECTED_ORDER,
    NAME_SEARCHES,
    english,
    result_numbers,
    search,
    visible_text,
    write_csv,
)
from test_postgres import PASSWORD, cli, post, postgres, signed_in  # noqa: F401 (postgres: the module's own server fixture)
from test_queue import EventReader, code_on_page, take_ticket, ticket_page, waiting_codes
from test_remote import events, new_id, wait_state
from test_sessions import expect_back_on_session as back_on_session, expect_refused as refused, html_lang, text_of

STAFF = [("nina", "Nina de Vries", "staff"), ("sietse", "Sietse Opzichter", "supervisor"), ("rob", "Rob Remote", "remote"),
         ("adri", "Adri Beheer", "admin"), ("olaf", "Olaf Slot", "staff"), ("bea", "Bea Omstander", "staff")]
# The customers of the right of access and erasure: one for the export, one to erase, one that must stay untouched.
PRIVACY_CUSTOMERS = [
    ("777001", "Wendelien", "Zwanenburg-Oostdijk", "1944-05-06", "3512 AB", "06-11223344", "wendelien.zwanenburg@example.nl",
     "phone", "nl"),
    ("777002", "Gerlof", "Terpstra", "1950-01-01", "9711 LM", "", "", "letter", "nl"),
    ("777003", "Hendrika", "Kwakernaat-Bloem", "1941-09-12", "2511 EF", "06-99887766", "hendrika.kwakernaat@example.nl",
     "letter", "nl"),
]
CATALOG = json.loads((REPO_ROOT / "deploy" / "task-catalog.json").read_text(encoding="utf-8"))
DUTCH = {task["id"]: task["names"]["nl"] for task in CATALOG["tasks"]}
DAY = 86_400
NOTHING_PURGED = "0 sessions anonymised, 0 audit rows deleted, 0 tickets deleted, 0 help requests deleted"


# ------------------------------------------------------------------------------------------------
# the server, its accounts, and helpers that read PostgreSQL
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def balie(postgres, start_server_module, tmp_path_factory):
    """One instance on the test's PostgreSQL, a browser on this machine is kiosk-1 of Noord; the customers of
    test_customers and the privacy customers imported through the command line."""
    cli(postgres, "branch", "add", "--code", "noord", "--name", "Bibliotheek Noord")
    for username, name, role in STAFF:
        cli(postgres, "staff", "add", "--username", username, "--name", name, "--role", role, "--branch", "noord",
            stdin=PASSWORD + "\n")
    folder = tmp_path_factory.mktemp("csv")
    imported = cli(postgres, "import", "customers", str(write_csv(folder / "c.csv", CUSTOMER_HEADER, CUSTOMERS + PRIVACY_CUSTOMERS)))
    assert f"customers: {len(CUSTOMERS) + len(PRIVACY_CUSTOMERS)} added, 0 updated." in imported, imported
    cli(postgres, "import", "contacts", str(write_csv(folder / "k.csv", CONTACT_HEADER, CONTACTS)))
    server = start_server_module("--database", postgres.address, "--kiosk", "kiosk-1", "--branch", "noord",
                                 "--anonymous-writes-per-kiosk", "1000", "--anonymous-writes-per-address", "1000")
    server.postgres = postgres
    server.csv = folder
    server.started = time.monotonic()
    yield server
    log = server.stderr_text()
    assert not [line for line in log.splitlines() if re.search(r"\b500\b", line)], log[-3000:]


@pytest.fixture(scope="module")
def nina(balie):
    return english(signed_in(balie, "nina"))


@pytest.fixture(scope="module")
def rob(balie):
    return english(signed_in(balie, "rob"))


def staff_id(postgres, username: str) -> str:
    return postgres.value("SELECT id FROM staff WHERE username = :'u'", u=username)


def audit(postgres, action: str, subject: str | None = None) -> list[tuple]:
    """(actor_id, actor_role, subject, origin, detail, reason) of the audit rows of one action, oldest first."""
    sql = "SELECT actor_id, actor_role, subject, origin, detail, reason FROM audit_event WHERE action = :'a'"
    if subject is None:
        return postgres.query(sql + " ORDER BY id", a=action)
    return postgres.query(sql + " AND subject = :'s' ORDER BY id", a=action, s=subject)


def tables_holding(postgres, values) -> list[str]:
    """'table: value' for every table of the schema with a row that holds one of the values: in the row as text
    (every column; case-insensitive) or in a bytea column as UTF-8 bytes."""
    tables = [row[0] for row in postgres.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")]
    binary = postgres.query("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND data_type = 'bytea'")
    params = {f"v{i}": value for i, value in enumerate(values)}
    selects = []
    for name in params:
        selects += [f"SELECT '{table}', :'{name}' FROM \"{table}\" AS r WHERE strpos(lower(r::text), lower(:'{name}')) > 0"
                    for table in tables]
        selects += [f"SELECT '{table}', :'{name}' FROM \"{table}\" WHERE position(convert_to(:'{name}', 'UTF8') IN \"{column}\") > 0"
                    for table, column in binary]
    assert len(tables) >= 25, tables
    return sorted({f"{table}: {value}" for table, value in postgres.query(" UNION ALL ".join(selects), **params)})


def give_consent(client, server, number: str, purpose: str = "session-log") -> None:
    response = post(client, server, f"/customers/{number}/consents", page=f"/customers/{number}", purpose=purpose, given="true",
                    how="in-person")
    assert response.status_code == 303, response.status_code


def session_row(postgres, sid: int) -> dict:
    columns = ["customer_id", "phase", "effort_score", "self_reliance", "channel_advice", "started_at", "finished_at", "language",
               "waiting_seconds"]
    rows = postgres.query(f"SELECT {', '.join(columns)} FROM assisted_session WHERE id = :'id'", id=sid)
    assert rows, f"no assisted_session row {sid}"
    return dict(zip(columns, rows[0]))


def add_task(client, server, sid: int, task: str) -> int:
    back_on_session(post(client, server, f"/sessions/{sid}/tasks", task=task), sid, f"add task {task}")
    tid = int(server.postgres.value("SELECT max(id) FROM session_task WHERE session_id = :'s'", s=sid))
    assert server.postgres.value("SELECT task_id FROM session_task WHERE id = :'t'", t=tid) == task
    return tid


def close(client, server, sid: int, effort: str | None = None, reliance: str = "yes") -> None:
    """Hand over and answer (or skip) the customer's questions: the session is closed."""
    assert location(post(client, server, f"/sessions/{sid}/handover", channel_advice=""))[0] == f"/sessions/{sid}/feedback"
    answers = {"skip": "1"} if effort is None else {"effort": effort, "self_reliance": reliance}
    assert location(post(client, server, f"/sessions/{sid}/feedback", **answers))[0] == f"/sessions/{sid}/summary"
    assert session_row(server.postgres, sid)["phase"] == "closed"


def counts(postgres, sid: int) -> tuple:
    return postgres.query("SELECT (SELECT count(*) FROM session_task WHERE session_id = :'s'), "
                          "(SELECT count(*) FROM session_step WHERE session_id = :'s'), "
                          "(SELECT count(*) FROM session_note WHERE session_id = :'s')", s=sid)[0]


def contacts_of(postgres, number: str) -> list[tuple]:
    return postgres.query("SELECT k.id, k.channel, k.topic, k.summary, k.outcome FROM contact k JOIN customer c ON c.id = k.customer_id "
                          "WHERE c.number = :'n' ORDER BY k.id", n=number)


def remote_help(server, kiosk, rob, sid: int, message: str) -> int:
    """The kiosk of session `sid` asks for help, rob accepts, the customer says yes, rob sends `message`, the customer
    ends it; → the help request's id."""
    help_id = new_id(post(kiosk, server, f"/sessions/{sid}/help"))
    kiosk_events = EventReader(server, path=f"/help/{help_id}/events", client=kiosk)
    try:
        assert location(post(rob, server, f"/remote/requests/{help_id}/accept"))[0] == f"/remote/requests/{help_id}"
        wait_state(kiosk_events, "accepted")
        assert post(kiosk, server, f"/help/{help_id}/consent", answer="yes").status_code == 303
        wait_state(kiosk_events, "active")
        assert post(rob, server, f"/remote/requests/{help_id}/messages", text=message).status_code == 303
        assert kiosk_events.wait_for(lambda r: any(m["text"] == message for m in events(r, "message")), 10), kiosk_events.raw
        assert post(kiosk, server, f"/help/{help_id}/end").status_code == 303
        wait_state(kiosk_events, "ended")
    finally:
        kiosk_events.close()
    return help_id


# ------------------------------------------------------------------------------------------------
# sign-in
# ------------------------------------------------------------------------------------------------


def test_sign_in_with_the_right_and_a_wrong_password(balie):
    pg = balie.postgres
    client = requests.Session()
    wrong = post_sign_in(client, balie.base_url, "nina", "not-the-right-password")
    assert wrong.status_code == 401 and "error-summary" in wrong.text, wrong.status_code
    assert_html_page(wrong)
    assert "not-the-right-password" not in wrong.text
    assert cookie_line(wrong, "balie_session") is None, "a failed sign-in set a session cookie"
    assert_redirect_to_sign_in(client.get(balie.url("/staff"), allow_redirects=False, timeout=TIMEOUT), "/staff")
    assert post_sign_in(requests.Session(), balie.base_url, "nobody-here", "not-the-right-password").status_code == 401

    right = post_sign_in(client, balie.base_url, "nina", PASSWORD)
    assert right.status_code == 303 and location(right)[0] == "/staff", right.status_code
    token, attributes = cookie_parts(cookie_line(right, "balie_session"))
    assert {"httponly", "samesite=strict", "path=/"} <= attributes and re.fullmatch(r"[A-Za-z0-9_-]{43}", token), attributes
    home = client.get(balie.url("/staff"), allow_redirects=False, timeout=TIMEOUT)
    assert home.status_code == 200 and "Nina de Vries" in html.unescape(home.text)
    # The session is in PostgreSQL as the token's hash, never the token; the audit trail has both attempts.
    stored = {row[0] for row in pg.query("SELECT token_hash FROM staff_session WHERE staff_id = :'id'", id=staff_id(pg, "nina"))}
    assert hashlib.sha256(token.encode()).hexdigest() in stored and token not in stored
    actions = [row[0] for row in pg.query("SELECT action FROM audit_event WHERE subject = 'nina' ORDER BY id")]
    assert "sign-in-failed" in actions and actions[-1] == "sign-in", actions
    assert not pg.query("SELECT id FROM audit_event WHERE strpos(coalesce(detail, '') || coalesce(reason, ''), 'not-the-right') > 0")


def test_five_failures_throttle_the_account_but_not_another(balie):
    pg = balie.postgres
    client = requests.Session()
    attempts = [f"wrong-password-{i}-xyz" for i in range(5)]
    for attempt in attempts:
        assert post_sign_in(client, balie.base_url, "olaf", attempt).status_code == 401
    throttled = post_sign_in(client, balie.base_url, "olaf", PASSWORD)
    assert throttled.status_code == 429, f"the right password after five failures: {throttled.status_code}"
    assert "error-summary" in throttled.text and cookie_line(throttled, "balie_session") is None
    actions = [row[0] for row in pg.query("SELECT action FROM audit_event WHERE subject = 'olaf' ORDER BY id")]
    assert actions.count("sign-in-failed") == 5 and "sign-in-throttled" in actions and "sign-in" not in actions, actions
    assert int(pg.value("SELECT count(*) FROM sign_in_failure WHERE username = 'olaf'")) >= 5
    assert all(row[0] for row in pg.query("SELECT origin FROM audit_event WHERE subject = 'olaf'"))
    dump = repr(pg.query("SELECT action, subject, origin, detail, reason FROM audit_event"))
    assert not [attempt for attempt in attempts + [PASSWORD] if attempt in dump], "a password reached the audit trail"
    # Another username from the same address still signs in.
    assert post_sign_in(requests.Session(), balie.base_url, "bea", PASSWORD).status_code == 303


def test_sign_out_ends_the_session(balie):
    pg = balie.postgres
    client = signed_in(balie, "nina")
    token = client.cookies.get("balie_session")
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert pg.value("SELECT count(*) FROM staff_session WHERE token_hash = :'h'", h=digest) == "1"
    response = post(client, balie, "/sign-out")
    path, query = location(response)
    assert response.status_code == 303 and path == "/sign-in" and query.get("signed_out") == ["1"], response.headers
    assert all(part in response.headers.get("Clear-Site-Data", "") for part in ('"cache"', '"cookies"', '"storage"'))
    value, attributes = cookie_parts(cookie_line(response, "balie_session"))
    assert value == "" or any(a.startswith(("max-age=0", "expires=")) for a in attributes)
    assert pg.value("SELECT count(*) FROM staff_session WHERE token_hash = :'h'", h=digest) == "0", "the session is still stored"
    replay = requests.Session()
    replay.cookies.set("balie_session", token)
    assert_redirect_to_sign_in(replay.get(balie.url("/staff"), allow_redirects=False, timeout=TIMEOUT))


# ------------------------------------------------------------------------------------------------
# search
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q, must_find, must_not_find", NAME_SEARCHES)
def test_search_folds_case_and_accents(balie, nina, q, must_find, must_not_find):
    response = search(nina, balie, q=q)
    assert response.status_code == 200 and response.headers.get("Cache-Control") == "no-store", response.status_code
    found = set(result_numbers(response.text))
    assert must_find <= found and not (must_not_find & found), f"q={q!r} found {sorted(found)}"


def test_search_by_number_postcode_and_nothing_found_each_leave_one_audit_row(balie, nina):
    pg = balie.postgres
    before = len(audit(pg, "customer-searched"))
    by_number = search(nina, balie, q="200003")
    assert by_number.status_code == 200 and result_numbers(by_number.text) == ["200003"]
    assert "Yılmaz" in html.unescape(by_number.text)
    both = search(nina, balie, postcode="3512ab", birth_date="7-3-1948")
    assert result_numbers(both.text) == ["200001"], "200005 has the birth date, 200006 the postcode"
    nobody = search(nina, balie, q="299999")
    assert nobody.status_code == 200 and result_numbers(nobody.text) == [] and "Nobody found" in nobody.text
    assert result_numbers(search(nina, balie, q="a' ; DROP TABLE customer; --").text) == []
    assert pg.value("SELECT count(*) FROM customer WHERE number LIKE '20000_'") == str(len(CUSTOMERS))
    rows = audit(pg, "customer-searched")[before:]
    assert [row[4] for row in rows] == ["number: 1 shown", "postcode+birth-date: 1 shown", "number: 0 shown", "name: 0 shown"], rows
    assert all(row[0] == staff_id(pg, "nina") and row[1] == "staff" and row[2] is None and row[3] for row in rows), rows
    flat = repr(rows).lower()
    assert not [secret for secret in ("200003", "299999", "3512", "1948") if secret in flat], f"searched values in the audit: {rows}"
    # A refused search is no search.
    assert search(nina, balie, postcode="x", birth_date="1").status_code == 422
    assert len(audit(pg, "customer-searched")) == before + len(rows)


# ------------------------------------------------------------------------------------------------
# the 360° view
# ------------------------------------------------------------------------------------------------


def test_customer_view_shows_everything_and_each_view_is_audited(balie, nina):
    pg, number = balie.postgres, "200001"
    # What the organisation's own systems write: accessibility needs, a note, an unread important and a read message.
    pg.query("UPDATE customer SET accessibility_needs = 'large-text,interpreter', note = 'Komt graag op dinsdagochtend' "
             "WHERE number = :'n'", n=number)
    pg.query("INSERT INTO message (customer_id, title, sent_at, important, read) SELECT id, 'Aanslag waterschap Vriës', "
             "extract(epoch FROM now()) - 86400, true, false FROM customer WHERE number = :'n'; "
             "INSERT INTO message (customer_id, title, sent_at, important, read) SELECT id, 'Nieuwsbrief al gelezen', "
             "extract(epoch FROM now()) - 7200, true, true FROM customer WHERE number = :'n'", n=number)
    give_consent(nina, balie, number)
    # An open follow-up, the way it is made: the outcome of a session's task.
    sid = new_id(post(nina, balie, "/sessions", customer=number))
    tid = add_task(nina, balie, sid, "benefits-uwv")
    due = date.today() + timedelta(days=10)
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{tid}/finish", outcome="follow-up", who="Karel van het UWV-team",
                         due=due.isoformat(), channel="phone"), sid, "follow-up")
    close(nina, balie, sid)
    follow_ups = pg.query("SELECT f.description, f.channel, f.done FROM follow_up f JOIN customer c ON c.id = f.customer_id "
                          "WHERE c.number = :'n'", n=number)
    assert len(follow_ups) == 1 and "Karel van het UWV-team" in follow_ups[0][0] and follow_ups[0][1:] == ("phone", "f"), follow_ups

    views = len(audit(pg, "customer-viewed", number))
    page = nina.get(balie.url(f"/customers/{number}"), allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers.get("Cache-Control") == "no-store"
    text, raw = visible_text(page.text), html.unescape(page.text)
    assert re.search(r"Good (morning|afternoon|evening)", text) and "Anneke De Vriës" in text
    section = lambda start, end: visible_text(raw[raw.find(f'id="{start}"'):raw.find(f'id="{end}"')])  # noqa: E731
    assert "Large text" in section("needs-heading", "reach-heading") and "Needs an interpreter" in section("needs-heading", "reach-heading")
    assert "Komt graag op dinsdagochtend" in section("needs-heading", "reach-heading")
    reach = section("reach-heading", "consents-heading")
    for value in ("Letter", "0612345678", "anneke@example.org", "3512 AB", "Nederlands"):
        assert value in reach, f"{value} is not in the contact details: {reach}"
    consent = next(card for card in re.findall(r'<li class="card">(.*?)</li>', page.text, re.S) if 'value="session-log"' in card)
    assert "Consent given" in visible_text(consent) and "Nina de Vries" in visible_text(consent), visible_text(consent)
    follow = section("follow-ups-heading", "messages-heading")
    assert "Karel van het UWV-team" in follow and due.strftime("%d-%m-%Y") in follow and "Phone" in follow, follow
    messages = section("messages-heading", "history-heading")
    assert "Unread important messages" in text and "Aanslag waterschap Vriës" in messages and "Nieuwsbrief al gelezen" not in messages
    topics = [html.unescape(t) for t in re.findall(r"<h3[^>]*>(.*?)</h3>", page.text[page.text.find('id="contacts-heading"'):])]
    assert DUTCH["benefits-uwv"] in topics[0] and topics[1:6] == EXPECTED_ORDER, f"contacts not newest first: {topics}"
    # One view, one audit row, with who looked and from where; a reason given is stored with it.
    rows = audit(pg, "customer-viewed", number)
    assert len(rows) == views + 1, f"one view left {len(rows) - views} rows"
    assert rows[-1][:3] == (staff_id(pg, "nina"), "staff", number) and rows[-1][3], rows[-1]
    nina.get(balie.url(f"/customers/{number}?reason=Balievraag%20huurtoeslag"), timeout=TIMEOUT)
    assert audit(pg, "customer-viewed", number)[-1][5] == "Balievraag huurtoeslag"
    assert nina.get(balie.url("/customers/299999"), timeout=TIMEOUT).status_code == 404
    assert audit(pg, "customer-viewed", "299999") == []


# ------------------------------------------------------------------------------------------------
# import
# ------------------------------------------------------------------------------------------------


def test_import_adds_then_updates_and_the_search_follows(balie, nina, tmp_path):
    pg = balie.postgres
    imports = len(audit(pg, "customers-imported")), len(audit(pg, "contacts-imported"))
    rows = [("300001", "Marijke", "Goedhart", "1950-01-01", "1234 AB", "", "", "letter", "nl"),
            ("300002", "Teunis", "Verhoeven", "1961-02-02", "1234AB", "", "", "phone", "nl"),
            ("300003", "Ilse", "Welgoed", "", "", "", "", "", "")]
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    assert "customers: 3 added, 0 updated." in cli(pg, "import", "customers", str(path))
    assert "customers: 0 added, 3 updated." in cli(pg, "import", "customers", str(path))
    assert pg.value("SELECT count(*) FROM customer WHERE number LIKE '30000_'") == "3"
    assert pg.query("SELECT postcode, birth_date, preferred_channel FROM customer WHERE number = '300002'") == [("1234 AB", "1961-02-02", "phone")]
    contacts = [("300001", "phone", "2026-11-02T10:15:00Z", "Vraag", "Belde", "beantwoord"),
                ("300001", "branch", "2026-11-03T10:15:00Z", "Bezoek", "Kwam langs", "geholpen")]
    contacts_path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, contacts)
    assert "2 added, 0 updated." in cli(pg, "import", "contacts", str(contacts_path))
    assert "0 added, 2 updated." in cli(pg, "import", "contacts", str(contacts_path))
    assert [row[1:3] for row in contacts_of(pg, "300001")] == [("phone", "Vraag"), ("branch", "Bezoek")]
    # A new name in the next export: still one customer, and the search words follow it.
    rows[0] = ("300001", "Marijke", "Goedhart-Nieuwland", "1950-01-01", "1234 AB", "", "", "letter", "nl")
    assert "customers: 0 added, 3 updated." in cli(pg, "import", "customers", str(write_csv(path, CUSTOMER_HEADER, rows)))
    words = {row[0] for row in pg.query("SELECT w.word FROM customer_name_word w JOIN customer c ON c.id = w.customer_id "
                                        "WHERE c.number = '300001'")}
    assert words == {"marijke", "goedhart", "nieuwland"}, words
    assert result_numbers(search(nina, balie, q="nieuwland").text) == ["300001"]
    assert result_numbers(search(nina, balie, q="goedhart").text) == ["300001"]
    assert "Goedhart-Nieuwland" in html.unescape(nina.get(balie.url("/customers/300001"), timeout=TIMEOUT).text)
    assert (len(audit(pg, "customers-imported")), len(audit(pg, "contacts-imported"))) == (imports[0] + 3, imports[1] + 2)
    for row in audit(pg, "customers-imported") + audit(pg, "contacts-imported"):
        assert row[2] is None and row[3] and not re.search(r"Goedhart|Verhoeven|Welgoed|Marijke", repr(row)), row


def test_import_with_bad_lines_stores_nothing_and_names_each_line(balie, tmp_path):
    pg = balie.postgres
    imports = len(audit(pg, "customers-imported")), len(audit(pg, "contacts-imported"))
    rows = [("300101", "Marijke", "Goedhart", "1950-01-01", "1234 AB", "", "", "letter", "nl"),
            ("300102", "Teun", "Slechtedatum", "1950-13-45", "1234 AB", "", "", "letter", "nl"),     # line 3
            ("300103", "Ilse", "Welgoed", "", "", "", "", "", ""),
            ("300104", "Bram", "Foutpostcode", "1951-02-02", "ABCD 12", "", "", "phone", "nl"),     # line 5
            ("300105", "Sien", "Kanaalloos", "1952-03-03", "1234 AB", "", "", "pigeon", "nl")]      # line 6
    path = write_csv(tmp_path / "bad.csv", CUSTOMER_HEADER, rows)
    result = balie_cli("import", "customers", path, "--database", pg.address)
    assert result.returncode == 1 and f"Nothing imported from {path}:" in result.stderr, result.stdout + result.stderr
    assert re.findall(r"line (\d+):", result.stderr) == ["3", "5", "6"], result.stderr
    assert all(len(line.split(":", 1)[1].strip()) > 3 for line in result.stderr.splitlines() if line.strip().startswith("line "))
    assert "added" not in result.stdout
    assert pg.value("SELECT count(*) FROM customer WHERE number LIKE '3001%'") == "0"
    assert pg.value("SELECT count(*) FROM customer_name_word WHERE word = 'goedhart'") == "1", "only 300001 of the other test"

    before = contacts_of(pg, "200002")
    for contacts, named in (
            ([("200002", "phone", "2026-11-02T10:15:00Z", "Vraag", "Belde", "beantwoord"),
              ("399999", "email", "2026-11-02T11:15:00Z", "Onbekend", "Wie?", "-")], "unknown customer_number: 399999"),
            ([("200002", "fax", "2026-11-02T10:15:00Z", "Fax", "x", "y")], "line 2:"),
            ([("200002", "phone", "2026-02-30T10:15:00Z", "Dertig februari", "x", "y")], "line 2:"),
            ([("200002", "phone", "2026-11-02T10:15:00Z", "", "x", "y")], "line 2:")):
        result = balie_cli("import", "contacts", write_csv(tmp_path / "bad-contacts.csv", CONTACT_HEADER, contacts), "--database", pg.address)
        assert result.returncode == 1 and "Nothing imported" in result.stderr and named in result.stderr, result.stderr
    assert contacts_of(pg, "200002") == before, "a refused contacts file stored a contact"
    assert (len(audit(pg, "customers-imported")), len(audit(pg, "contacts-imported"))) == imports


# ------------------------------------------------------------------------------------------------
# an assisted session from start to summary
# ------------------------------------------------------------------------------------------------


def test_assisted_session_from_start_to_summary(balie, nina):
    pg, number = balie.postgres, "200004"
    give_consent(nina, balie, number)
    contacts_before = contacts_of(pg, number)
    sid = new_id(post(nina, balie, "/sessions", customer=number))
    row = session_row(pg, sid)
    assert row["customer_id"] == pg.value("SELECT id FROM customer WHERE number = :'n'", n=number), row
    assert (row["phase"], row["finished_at"], row["language"]) == ("open", None, "nl") and float(row["started_at"]) > 0, row
    assert pg.query("SELECT subject, actor_role FROM audit_event WHERE action = 'session-started' AND detail = :'d'",
                    d=f"session {sid}") == [(number, "staff")]
    shown = nina.get(balie.url(f"/sessions/{sid}"), timeout=TIMEOUT)
    assert shown.status_code == 200 and f'href="/customers/{number}"' in shown.text and "Wolterus" in html.unescape(shown.text)

    tax, bill = add_task(nina, balie, sid, "tax-return"), add_task(nina, balie, sid, "pay-bill")
    assert "Fill in a tax return" in nina.get(balie.url(f"/sessions/{sid}"), timeout=TIMEOUT).text
    step = lambda tid, description, actor, **extra: post(nina, balie, f"/sessions/{sid}/tasks/{tid}/steps",  # noqa: E731
                                                         description=description, actor=actor, **extra)
    back_on_session(step(tax, "Logged in with DigiD on his own", "customer-alone"), sid, "customer-alone")
    back_on_session(step(tax, "Filled in the income page together", "customer-with-help"), sid, "with help")
    before = counts(pg, sid)
    refused(step(tax, "Sent the return for him", "staff-on-behalf", reason="  "), "staff-on-behalf without a reason")
    assert counts(pg, sid) == before, "a refused step was stored"
    back_on_session(step(tax, "Sent the return for him", "staff-on-behalf", reason="His hands shake too much"), sid, "staff-on-behalf")
    assert pg.query("SELECT description, actor, reason FROM session_step WHERE session_task_id = :'t' ORDER BY id", t=tax) == [
        ("Logged in with DigiD on his own", "customer-alone", None),
        ("Filled in the income page together", "customer-with-help", None),
        ("Sent the return for him", "staff-on-behalf", "His hands shake too much")]
    back_on_session(post(nina, balie, f"/sessions/{sid}/notes", text="Bring the annual statement next time"), sid, "note")

    refused(post(nina, balie, f"/sessions/{sid}/handover", channel_advice="phone"), "hand-over with a task unfinished")
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{tax}/finish", outcome="resolved"), sid, "resolved")
    refused(post(nina, balie, f"/sessions/{sid}/tasks/{bill}/finish", outcome="referred", partner="duo", detail="x"), "wrong partner")
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{bill}/finish", outcome="referred", partner="bank",
                         detail="Invoice and account number handed over"), sid, "referred")
    assert pg.query("SELECT task_id, outcome, outcome_detail, partner FROM session_task WHERE session_id = :'s' ORDER BY id", s=sid) == [
        ("tax-return", "resolved", "", None), ("pay-bill", "referred", "Invoice and account number handed over", "bank")]

    handed = post(nina, balie, f"/sessions/{sid}/handover", channel_advice="phone")
    assert location(handed)[0] == f"/sessions/{sid}/feedback"
    assert (session_row(pg, sid)["phase"], session_row(pg, sid)["channel_advice"]) == ("customer-feedback", "phone")
    questions = nina.get(balie.url(f"/sessions/{sid}/feedback"), timeout=TIMEOUT)
    assert html_lang(questions.text) == "nl" and all(f'name="effort" value="{v}"' in questions.text for v in range(1, 8))
    refused(post(nina, balie, f"/sessions/{sid}/feedback", effort="8", self_reliance="yes"), "CES 8")
    answered = post(nina, balie, f"/sessions/{sid}/feedback", effort="6", self_reliance="with-a-little-help")
    assert location(answered)[0] == f"/sessions/{sid}/summary"
    row = session_row(pg, sid)
    assert (row["phase"], row["effort_score"], row["self_reliance"]) == ("closed", "6", "with-a-little-help"), row
    assert float(row["finished_at"]) >= float(row["started_at"])
    assert pg.query("SELECT actor_role FROM audit_event WHERE action = 'session-closed' AND detail = :'d'", d=f"session {sid}") == [("staff",)]
    assert counts(pg, sid) == ("2", "3", "1"), "an identified session keeps its free text"
    post(nina, balie, f"/sessions/{sid}/feedback", effort="1", self_reliance="not-yet")
    assert (session_row(pg, sid)["effort_score"], session_row(pg, sid)["self_reliance"]) == ("6", "with-a-little-help")

    new = [contact for contact in contacts_of(pg, number) if contact not in contacts_before]
    assert len(new) == 1 and new[0][1] == "kiosk-assisted", new
    assert DUTCH["tax-return"] in new[0][2] and DUTCH["pay-bill"] in new[0][2], new
    assert location(nina.get(balie.url(f"/sessions/{sid}"), allow_redirects=False, timeout=TIMEOUT))[0] == f"/sessions/{sid}/summary"
    summary = nina.get(balie.url(f"/sessions/{sid}/summary"), timeout=TIMEOUT)
    assert summary.status_code == 200 and html_lang(summary.text) == "nl"
    assert "Bank (klantenservice)" in html.unescape(summary.text) and DUTCH["tax-return"] in html.unescape(summary.text)
    assert f'href="/sessions/{sid}"' not in nina.get(balie.url("/staff"), timeout=TIMEOUT).text


def test_session_without_consent_is_anonymous_and_keeps_no_free_text(balie, nina):
    pg, number = balie.postgres, "200005"
    secret = "Zwaluwstaart-geheim"
    contacts_before = contacts_of(pg, number)
    sid = new_id(post(nina, balie, "/sessions", customer=number))
    assert session_row(pg, sid)["customer_id"] is None, "no consent, yet the session is linked to the customer"
    assert "Jansen-Oudkerk" not in html.unescape(nina.get(balie.url(f"/sessions/{sid}"), timeout=TIMEOUT).text)
    tid = add_task(nina, balie, sid, "allowances")
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{tid}/steps", description=f"{secret} step", actor="staff-on-behalf",
                         reason=f"{secret} reason"), sid, "step")
    back_on_session(post(nina, balie, f"/sessions/{sid}/notes", text=f"{secret} note"), sid, "note")
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{tid}/finish", outcome="follow-up", who=f"{secret} who",
                         due=(date.today() + timedelta(days=7)).isoformat(), channel="letter"), sid, "follow-up")
    close(nina, balie, sid, effort="3", reliance="not-yet")
    row = session_row(pg, sid)
    assert (row["customer_id"], row["effort_score"], row["self_reliance"]) == (None, "3", "not-yet"), row
    assert pg.query("SELECT description, reason, actor FROM session_step WHERE session_id = :'s'", s=sid) == [("", None, "staff-on-behalf")]
    assert pg.query("SELECT outcome, outcome_detail, follow_up_who FROM session_task WHERE id = :'t'", t=tid) == [("follow-up", "", None)]
    assert counts(pg, sid)[2] == "0" and contacts_of(pg, number) == contacts_before
    assert tables_holding(pg, [secret]) == [], "free text of a session without consent is still stored"
    assert pg.query("SELECT subject FROM audit_event WHERE action = 'session-started' AND detail = :'d'", d=f"session {sid}") == [(None,)]


# ------------------------------------------------------------------------------------------------
# the queue
# ------------------------------------------------------------------------------------------------


def test_queue_ticket_called_shown_on_the_display_and_done(balie, nina):
    pg = balie.postgres
    kiosk = requests.Session()
    display = EventReader(balie)
    try:
        assert display.wait_for(lambda r: r.blocks, 5) and display.blocks[0].get("retry") == "3000", display.raw
        first = take_ticket(balie, "banking", client=kiosk)
        second = take_ticket(balie, "other", client=kiosk)
        held = code_on_page(ticket_page(balie, first))
        assert re.fullmatch(r"B-\d+", held) and int(held[2:]) + 1 == int(code_on_page(ticket_page(balie, second))[2:])
        assert pg.query("SELECT branch, task_group, status, priority, called_at FROM queue_ticket WHERE id = :'t'", t=first) == [
            ("noord", "banking", "waiting", "f", None)]
        assert location(post(nina, balie, "/queue/call-next", page="/queue"))[0] == "/queue"
        assert display.wait_for(lambda r: r.called(), 5), f"no call event: {display.raw!r}"
        (_, called), = display.called()
        assert called["code"] == held and called["desk"] and set(called) == {"code", "desk"}, called
    finally:
        display.close()
    status, called_by, desk, called_at = pg.query("SELECT status, called_by, desk, called_at FROM queue_ticket WHERE id = :'t'", t=first)[0]
    assert (status, called_by) == ("called", staff_id(pg, "nina")) and desk and called_at, (status, called_by, desk)
    shown = requests.get(balie.url(balie.display_path()), timeout=TIMEOUT)
    assert shown.status_code == 200 and f'<bdi class="call__code">{held}</bdi>' in shown.text
    assert held not in waiting_codes(nina, balie) and code_on_page(ticket_page(balie, second)) in waiting_codes(nina, balie)

    sid = new_id(post(nina, balie, f"/queue/tickets/{first}/start", page="/queue"))
    assert pg.query("SELECT status, session_id FROM queue_ticket WHERE id = :'t'", t=first) == [("serving", str(sid))]
    row = session_row(pg, sid)
    assert row["customer_id"] is None and row["waiting_seconds"] is not None and int(row["waiting_seconds"]) >= 0, row
    tid = add_task(nina, balie, sid, "mobile-banking")
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{tid}/finish", outcome="resolved"), sid, "resolved")
    close(nina, balie, sid)
    status, finished = pg.query("SELECT status, finished_at FROM queue_ticket WHERE id = :'t'", t=first)[0]
    assert status == "done" and finished, "the ticket is not done when its session closed"
    assert pg.value("SELECT status FROM queue_ticket WHERE id = :'t'", t=second) == "waiting"


# ------------------------------------------------------------------------------------------------
# remote support
# ------------------------------------------------------------------------------------------------


def test_remote_support_from_request_to_end(balie, nina, rob):
    pg, number = balie.postgres, "200007"
    give_consent(nina, balie, number)
    sid = new_id(post(nina, balie, "/sessions", customer=number))
    tid = add_task(nina, balie, sid, "mobile-banking")
    watching = EventReader(balie, path="/remote/events", client=rob)
    readers = [watching]
    try:
        help_id = new_id(post(nina, balie, f"/sessions/{sid}/help"))
        assert watching.wait_for(lambda r: {"id": help_id} in events(r, "requested"), 10), watching.raw
        assert f"/remote/requests/{help_id}/accept" in rob.get(balie.url("/remote"), timeout=TIMEOUT).text
        kiosk_events = EventReader(balie, path=f"/help/{help_id}/events", client=nina)
        readers.append(kiosk_events)
        assert location(post(rob, balie, f"/remote/requests/{help_id}/accept"))[0] == f"/remote/requests/{help_id}"
        wait_state(kiosk_events, "accepted")
        assert "live-session" not in rob.get(balie.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text
        question = nina.get(balie.url(f"/help/{help_id}"), timeout=TIMEOUT)
        assert "Rob Remote" in question.text and 'name="answer" value="yes"' in question.text
        assert post(nina, balie, f"/help/{help_id}/consent", answer="yes").status_code == 303
        wait_state(kiosk_events, "active")
        assert pg.query("SELECT k.given, k.method FROM consent k JOIN customer c ON c.id = k.customer_id WHERE c.number = :'n' "
                        "AND k.purpose = 'remote-viewing' ORDER BY k.id DESC LIMIT 1", n=number) == [("t", "on-screen")]
        remote_events = EventReader(balie, path=f"/remote/requests/{help_id}/events", client=rob)
        readers.append(remote_events)
        assert 'id="live-session"' in rob.get(balie.url(f"/remote/requests/{help_id}"), timeout=TIMEOUT).text
        assert post(rob, balie, f"/remote/requests/{help_id}/messages", text="Tik op <b>Inloggen</b>").status_code == 303
        assert kiosk_events.wait_for(lambda r: any(m["text"] == "Tik op <b>Inloggen</b>" for m in events(r, "message")), 10)
        screen = nina.get(balie.url(f"/help/{help_id}"), timeout=TIMEOUT).text
        assert "Tik op &lt;b&gt;Inloggen&lt;/b&gt;" in screen and "<b>Inloggen</b>" not in screen
        assert post(nina, balie, f"/sessions/{sid}/tasks/{tid}/steps", description="App geopend", actor="customer-alone").status_code == 303
        assert remote_events.wait_for(lambda r: events(r, "session"), 10), remote_events.raw
        assert post(rob, balie, f"/remote/requests/{help_id}/steps", task=str(tid), description="Wachtwoord hersteld",
                    actor="customer-with-help").status_code == 303
        assert post(rob, balie, f"/remote/requests/{help_id}/notes", text="Brief niet bij zich").status_code == 303
        assert pg.query("SELECT description FROM session_step WHERE session_id = :'s' ORDER BY id", s=sid) == [
            ("App geopend",), ("Wachtwoord hersteld",)]
        assert post(nina, balie, f"/help/{help_id}/end").status_code == 303
        wait_state(remote_events, "ended")
        wait_state(kiosk_events, "ended")
    finally:
        for reader in readers:
            reader.close()
    assert pg.query("SELECT status, helper_id, ended_by FROM help_request WHERE id = :'h'", h=help_id) == [
        ("ended", staff_id(pg, "rob"), "customer")]
    assert post(rob, balie, f"/remote/requests/{help_id}/messages", text="Nog iets?").status_code == 422
    assert pg.value("SELECT count(*) FROM help_event WHERE help_request_id = :'h' AND text = 'Nog iets?'", h=help_id) == "0"
    kinds = [row[0] for row in pg.query("SELECT kind FROM help_event WHERE help_request_id = :'h' ORDER BY id", h=help_id)]
    assert kinds[:3] == ["requested", "accepted", "consent-given"] and kinds[-1] == "ended" and {"viewed", "message", "step", "note"} <= set(kinds)
    actions = {row[0] for row in pg.query("SELECT action FROM audit_event WHERE subject = :'n'", n=number)}
    assert {"help-requested", "help-accepted", "consent-recorded", "remote-viewed", "remote-message-sent", "remote-step-added",
            "remote-note-added", "remote-viewing-ended"} <= actions, actions


# ------------------------------------------------------------------------------------------------
# export, erasure, retention
# ------------------------------------------------------------------------------------------------


def rich_customer(balie, nina, rob, number: str, marker: str) -> int:
    """Everything a customer can have: an imported contact, a consent, an unread important message (as the
    organisation's systems write it), and a closed session with steps, a note, a follow-up and a remote colleague's
    help with a message; each free text names `marker`. → the session's id."""
    pg = balie.postgres
    contacts = write_csv(balie.csv / f"contacts-{number}.csv", CONTACT_HEADER,
                         [(number, "phone", "2026-11-01T10:00:00Z", f"Kwijtschelding {marker}", f"Belde over {marker}", "uitgelegd")])
    cli(pg, "import", "contacts", str(contacts))
    pg.query("INSERT INTO message (customer_id, title, sent_at, important, read) SELECT id, :'t', 1796000000, true, false "
             "FROM customer WHERE number = :'n'", t=f"Aanslag {marker}", n=number)
    give_consent(nina, balie, number)
    sid = new_id(post(nina, balie, "/sessions", customer=number))
    tid = add_task(nina, balie, sid, "tax-return")
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{tid}/steps", description=f"Aangifte {marker} ingevuld",
                         actor="customer-with-help"), sid, "step")
    back_on_session(post(nina, balie, f"/sessions/{sid}/notes", text=f"{marker} komt terug"), sid, "note")
    remote_help(balie, nina, rob, sid, f"Tik op Volgende, {marker}")
    back_on_session(post(nina, balie, f"/sessions/{sid}/tasks/{tid}/finish", outcome="follow-up", who=f"Team {marker}",
                         due=(date.today() + timedelta(days=10)).isoformat(), channel="phone"), sid, "follow-up")
    close(nina, balie, sid, effort="6")
    kinds = pg.query("""SELECT (SELECT count(*) FROM contact WHERE customer_id = c.id), (SELECT count(*) FROM consent WHERE customer_id = c.id),
                               (SELECT count(*) FROM message WHERE customer_id = c.id), (SELECT count(*) FROM follow_up WHERE customer_id = c.id),
                               (SELECT count(*) FROM assisted_session WHERE customer_id = c.id)
                        FROM customer c WHERE number = :'n'""", n=number)[0]
    # contacts: the imported one and the session's; consents: session-log and remote-viewing.
    assert kinds == ("2", "2", "1", "1", "1"), f"the customer misses a kind of data: {kinds}"
    return sid


def test_supervisor_exports_a_customer_as_json(balie, nina, rob):
    pg, number = balie.postgres, "777001"
    sid = rich_customer(balie, nina, rob, number, "Zwanenburg")
    sietse = english(signed_in(balie, "sietse"))
    record = sietse.get(balie.url(f"/customers/{number}"), timeout=TIMEOUT).text
    assert f'href="/customers/{number}/export"' in record and f'href="/customers/{number}/erase"' not in record
    page = sietse.get(balie.url(f"/customers/{number}/export"), timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    shown = visible_text(page.text)
    for expected in ("Wendelien Zwanenburg-Oostdijk", "06-05-1944", "wendelien.zwanenburg@example.nl", "Kwijtschelding Zwanenburg",
                     "Aanslag Zwanenburg", "Team Zwanenburg", "Aangifte Zwanenburg ingevuld", "Zwanenburg komt terug"):
        assert expected in shown, f"the access page lacks {expected!r}"
    assert "Terpstra" not in shown and "777002" not in shown

    download = sietse.get(balie.url(f"/customers/{number}/export.json"), timeout=TIMEOUT)
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("application/json")
    assert download.headers["Content-Disposition"] == f'attachment; filename="balie-export-{number}.json"'
    web = download.json()
    customer_id = web["customer"]["id"]
    assert isinstance(customer_id, int) and str(customer_id) == pg.value("SELECT id FROM customer WHERE number = :'n'", n=number)
    assert web["customer"]["family_name"] == "Zwanenburg-Oostdijk" and "search_name" not in web["customer"]
    for kind in ("contacts", "consents", "messages", "follow_ups", "sessions"):
        assert web[kind] and {row["customer_id"] for row in web[kind]} == {customer_id}, f"{kind}: {web[kind]}"
    assert {row["subject"] for row in web["audit"]} == {number} and {"customer-viewed", "session-started"} <= {r["action"] for r in web["audit"]}
    assert web["messages"][0]["important"] == 1 and web["messages"][0]["read"] == 0, "flags as SQLite's 0 and 1"
    (session,) = web["sessions"]
    assert session["id"] == sid and session["effort_score"] == 6 and isinstance(session["started_at"], float)
    assert [s["description"] for s in session["steps"]] == ["Aangifte Zwanenburg ingevuld"]
    assert [n["text"] for n in session["notes"]] == ["Zwanenburg komt terug"]
    assert [t["task_id"] for t in session["tasks"]] == ["tax-return"] and session["tasks"][0]["follow_up_who"] == "Team Zwanenburg"
    strings = json.dumps(web, ensure_ascii=False)
    assert "Terpstra" not in strings and '"777002"' not in strings and "Kwakernaat" not in strings

    # The command line gives the same document (and audits itself after reading, as the web does).
    from_cli = json.loads(cli(pg, "export", "customer", number))
    assert {k: v for k, v in from_cli.items() if k != "audit"} == {k: v for k, v in web.items() if k != "audit"}
    assert from_cli["audit"][:len(web["audit"])] == web["audit"]
    exported = audit(pg, "customer-exported", number)
    sietse_id = staff_id(pg, "sietse")
    assert [row[:2] + (row[4],) for row in exported[:2]] == [(sietse_id, "supervisor", "page"), (sietse_id, "supervisor", "json")]
    assert "127.0.0.1" in exported[0][3] and exported[-1][3] == "cli" and len(exported) == 3, exported
    assert english(signed_in(balie, "nina")).get(balie.url(f"/customers/{number}/export.json"), timeout=TIMEOUT).status_code == 403


def test_admin_erases_a_customer_and_nothing_of_them_is_left(balie, nina, rob):
    pg, number = balie.postgres, "777003"
    sid = rich_customer(balie, nina, rob, number, "Kwakernaat")
    personal = ("Hendrika", "Kwakernaat", number, "hendrika.kwakernaat@example.nl", "06-99887766")
    assert len(tables_holding(pg, personal)) >= 8, "the customer's data is not where the test looks for it"
    stats = pg.query("SELECT count(*), sum(effort_score) FROM assisted_session")
    other = pg.query("SELECT * FROM customer WHERE number = '777002'")

    adri = english(signed_in(balie, "adri"))
    first = adri.get(balie.url(f"/customers/{number}/erase"), timeout=TIMEOUT)
    assert first.status_code == 200 and 'name="reason"' in first.text
    token = csrf_of(first.text)
    refused(adri.post(balie.url(f"/customers/{number}/erase"), data={"csrf": token, "reason": "Hendrika wil het"}, timeout=TIMEOUT),
            "a reason that names the customer")
    reason = "Verzoek van de klant (AVG art. 17)"
    second = adri.post(balie.url(f"/customers/{number}/erase"), data={"csrf": token, "reason": reason}, timeout=TIMEOUT)
    assert second.status_code == 200 and 'name="confirm_number"' in second.text
    confirm = balie.url(f"/customers/{number}/erase/confirm")
    refused(adri.post(confirm, data={"csrf": token, "reason": reason, "confirm_number": "777002"}, timeout=TIMEOUT), "another number")
    assert pg.value("SELECT count(*) FROM customer WHERE number = :'n'", n=number) == "1"
    audited = pg.value("SELECT count(*) FROM audit_event WHERE subject = :'n'", n=number)
    done = adri.post(confirm, data={"csrf": token, "reason": reason, "confirm_number": number}, allow_redirects=False, timeout=TIMEOUT)
    assert done.status_code == 303 and done.headers["Location"].startswith("/privacy/erased?"), done.headers
    assert adri.get(balie.url(done.headers["Location"]), timeout=TIMEOUT).status_code == 200

    leftovers = tables_holding(pg, personal + ("Aangifte Kwakernaat", "Team Kwakernaat", "Tik op Volgende, Kwakernaat"))
    assert leftovers == [], f"erased, yet still stored: {leftovers}"
    assert pg.query("SELECT count(*), sum(effort_score) FROM assisted_session") == stats, "the statistics changed"
    assert pg.query("SELECT customer_id, effort_score, phase FROM assisted_session WHERE id = :'s'", s=sid) == [(None, "6", "closed")]
    assert pg.query("SELECT description, reason FROM session_step WHERE session_id = :'s'", s=sid) == [("", None)]
    assert pg.value("SELECT count(*) FROM session_note WHERE session_id = :'s'", s=sid) == "0"
    (erased,) = audit(pg, "customer-erased")
    pseudonym = erased[2]
    assert erased[:2] == (staff_id(pg, "adri"), "admin") and erased[5] == reason and re.fullmatch(r"erased-[0-9a-f]{12}", pseudonym), erased
    # The audit rows about them keep who did what, under the pseudonym, without their reasons.
    assert pg.query("SELECT count(*), count(reason) FROM audit_event WHERE subject = :'p' AND action <> 'customer-erased'",
                    p=pseudonym) == [(audited, "0")]
    assert pg.query("SELECT * FROM customer WHERE number = '777002'") == other
    assert adri.get(balie.url(f"/customers/{number}"), timeout=TIMEOUT).status_code == 404
    assert adri.get(balie.url(f"/customers/{number}/export"), timeout=TIMEOUT).status_code == 404


def test_retention_purge_removes_old_rows_once_and_the_daily_job_too(balie, nina, start_server):
    pg = balie.postgres
    # The instance's daily job runs 5 s after its start: wait until it has, before anything here is made old.
    time.sleep(max(0.0, balie.started + 6.5 - time.monotonic()))
    number = "200008"
    give_consent(nina, balie, number)
    old = new_id(post(nina, balie, "/sessions", customer=number))
    tid = add_task(nina, balie, old, "library-account")
    back_on_session(post(nina, balie, f"/sessions/{old}/tasks/{tid}/steps", description="Pas verlengd met Jozefien",
                         actor="customer-with-help"), old, "step")
    back_on_session(post(nina, balie, f"/sessions/{old}/notes", text="Jozefien komt volgend jaar"), old, "note")
    back_on_session(post(nina, balie, f"/sessions/{old}/tasks/{tid}/finish", outcome="resolved"), old, "resolved")
    close(nina, balie, old, effort="5")
    recent = new_id(post(nina, balie, "/sessions", customer=number))
    add_task(nina, balie, recent, "learn-computer")
    ticket, fresh_ticket = take_ticket(balie, "library-learning"), take_ticket(balie, "library-learning")
    kiosk = requests.Session()
    help_id = new_id(post(kiosk, balie, "/kiosk/help", page="/", group="banking"))
    for _ in range(2):
        assert nina.get(balie.url("/customers/200006"), timeout=TIMEOUT).status_code == 200
    # Time passes: the session finished 400 days ago, the ticket and the kiosk's help request are 40 days old,
    # the views of 200006 800 days (the audit trail allows changes only with its maintenance setting on).
    now = datetime.now(timezone.utc).timestamp()
    pg.query("UPDATE assisted_session SET started_at = :'t'::double precision - 600, finished_at = :'t'::double precision WHERE id = :'s'", t=now - 400 * DAY, s=old)
    pg.query("UPDATE queue_ticket SET created_at = created_at - 40 * 86400 WHERE id = :'id'", id=ticket)
    pg.query("UPDATE help_request SET created_at = created_at - 40 * 86400 WHERE id = :'id'", id=help_id)
    pg.query("SET balie.audit_maintenance = 'on'; UPDATE audit_event SET at = at - 800 * 86400 "
             "WHERE action = 'customer-viewed' AND subject = '200006'")
    old_views = pg.value("SELECT count(*) FROM audit_event WHERE at < :'t'", t=now - 730 * DAY)
    assert old_views == "2", old_views
    everything = lambda: [pg.query(f"SELECT * FROM {table} ORDER BY 1") for table in  # noqa: E731
                          ("assisted_session", "session_step", "session_note", "queue_ticket", "help_request", "audit_event")]
    before = everything()

    expected = "1 sessions anonymised, 2 audit rows deleted, 1 tickets deleted, 1 help requests deleted"
    assert cli(pg, "purge", "--dry-run").strip() == f"Would purge: {expected}."
    assert everything() == before, "a dry run changed something"
    assert cli(pg, "purge").strip() == f"Purged: {expected}."
    assert pg.query("SELECT customer_id, effort_score, phase FROM assisted_session WHERE id = :'s'", s=old) == [(None, "5", "closed")]
    assert pg.query("SELECT description, reason, actor FROM session_step WHERE session_id = :'s'", s=old) == [("", None, "customer-with-help")]
    assert pg.value("SELECT count(*) FROM session_note WHERE session_id = :'s'", s=old) == "0"
    assert pg.value("SELECT customer_id FROM assisted_session WHERE id = :'s'", s=recent) == pg.value(
        "SELECT id FROM customer WHERE number = :'n'", n=number), "a recent session lost its customer"
    assert pg.query("SELECT id FROM queue_ticket WHERE id IN (:'a', :'b')", a=ticket, b=fresh_ticket) == [(str(fresh_ticket),)]
    assert pg.value("SELECT count(*) FROM help_request WHERE id = :'h'", h=help_id) == "0"
    assert pg.value("SELECT count(*) FROM help_event WHERE help_request_id = :'h'", h=help_id) == "0"
    assert pg.value("SELECT count(*) FROM audit_event WHERE action = 'customer-viewed' AND subject = '200006'") == "0"
    assert tables_holding(pg, ["Jozefien komt", "Pas verlengd"]) == []
    # Once: a second purge finds nothing more.
    assert cli(pg, "purge").strip() == f"Purged: {NOTHING_PURGED}."
    assert [row[4] for row in audit(pg, "purged")] == [expected, NOTHING_PURGED] and {row[3] for row in audit(pg, "purged")} == {"cli"}

    # The daily job of an instance does the same: another ticket 40 days old, and a second instance started.
    pg.query("UPDATE queue_ticket SET created_at = created_at - 40 * 86400 WHERE id = :'id'", id=fresh_ticket)
    other = start_server("--database", pg.address, "--kiosk", "kiosk-1", "--branch", "noord")
    deadline = time.monotonic() + 15
    while not audit(pg, "purged")[2:] and time.monotonic() < deadline and other.is_running():
        time.sleep(0.2)
    assert [row[3:5] for row in audit(pg, "purged")[2:]] == [("serve", "0 sessions anonymised, 0 audit rows deleted, 1 tickets deleted, "
                                                                      "0 help requests deleted")], other.stderr_text()[-2000:]
    assert pg.value("SELECT count(*) FROM queue_ticket WHERE id = :'id'", id=fresh_ticket) == "0"
