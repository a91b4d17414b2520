"""The privacy rights on the web (issue #10), end to end through real HTTP against `balie serve`: the access
page and its JSON for supervisors, erasure for admins with two confirmations (then a byte scan of the
database file), and the audit viewer with its filters, pages and CSV export. The database is read straight
from SQLite (read-only; one message row is written as the organisation's own systems would) to check what
the server stored.

Run from the repository root:  python3 -m pytest Tests/e2e/test_privacy_web.py -q
(Not test_privacy_pages.py: that basename is the browser tests', and `make test` runs both folders in one pytest.)
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
from datetime import date, timedelta

import requests

from test_auth import add_staff, balie_cli, csrf_of, db_rows, signed_in, assert_redirect_to_sign_in, PASSWORD
from test_privacy import assert_not_in_database_file, prepare

TIMEOUT = 10
NUMBER = "777001"
OTHER = "777002"
MESSAGE_TITLE = "Aanslag gemeentebelasting Zwanenburg"
FOLLOW_UP_WHO = "Team kwijtschelding"
PERSONAL_VALUES = ("Wendelien", "Zwanenburg", NUMBER, "wendelien.zwanenburg@example.nl", "06-11223344", "Kwijtschelding")
READERS = {"staff": "anna", "supervisor": "sanne", "remote": "yusuf", "admin": "admin"}


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def rich_customer(start_server, tmp_path):
    """777001 with a contact, a consent, two sessions (steps, a note, a follow-up), a message and audit rows."""
    server, session_id = prepare(start_server, tmp_path)
    client = signed_in(server, "anna")
    token = csrf_of(client.get(server.url(f"/customers/{NUMBER}"), timeout=TIMEOUT).text)
    started = client.post(server.url("/sessions"), data={"csrf": token, "customer": NUMBER}, timeout=TIMEOUT, allow_redirects=False)
    second = started.headers["Location"].rsplit("/", 1)[1]
    client.post(server.url(f"/sessions/{second}/tasks"), data={"csrf": token, "task": "tax-return"}, timeout=TIMEOUT, allow_redirects=False)
    task = db_rows(server.database, "SELECT id FROM session_task WHERE session_id = ?", (second,))[0][0]
    due = (date.today() + timedelta(days=10)).isoformat()
    finished = client.post(server.url(f"/sessions/{second}/tasks/{task}/finish"), timeout=TIMEOUT, allow_redirects=False,
                           data={"csrf": token, "outcome": "follow-up", "who": FOLLOW_UP_WHO, "due": due, "channel": "phone"})
    assert finished.status_code == 303, finished.text[:500]
    assert client.post(server.url(f"/sessions/{second}/handover"), data={"csrf": token}, timeout=TIMEOUT,
                       allow_redirects=False).status_code == 303
    assert client.post(server.url(f"/sessions/{second}/feedback"), data={"csrf": token, "skip": "1"}, timeout=TIMEOUT,
                       allow_redirects=False).status_code == 303
    # Messages come from the organisation's own systems (there is no import for them): write one as they would.
    conn = sqlite3.connect(server.database, timeout=5)
    try:
        with conn:
            conn.execute("INSERT INTO message(customer_id, title, sent_at, important, read) "
                         "SELECT id, ?, 1796000000.0, 1, 0 FROM customer WHERE number = ?", (MESSAGE_TITLE, NUMBER))
    finally:
        conn.close()
    counts = db_rows(server.database, """
        SELECT (SELECT count(*) FROM contact WHERE customer_id = c.id), (SELECT count(*) FROM consent WHERE customer_id = c.id),
               (SELECT count(*) FROM message WHERE customer_id = c.id), (SELECT count(*) FROM follow_up WHERE customer_id = c.id),
               (SELECT count(*) FROM assisted_session WHERE customer_id = c.id)
        FROM customer c WHERE number = ?""", (NUMBER,))[0]
    assert all(counts) and counts[4] == 2, f"the customer misses a kind of data: {counts}"
    return server


def staff_id(server, username: str) -> int:
    return db_rows(server.database, "SELECT id FROM staff WHERE username = ?", (username,))[0][0]


def page_text(response) -> str:
    return html.unescape(response.text)


def main_text(response) -> str:
    """The page's <main> without tags: what the page says, not the header with the signed-in name."""
    body = response.text.split('<main', 1)[1].split('</main>', 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def table_rows(response) -> list[list[str]]:
    """The cells of every row in the page's first table body, as text."""
    if "<tbody>" not in response.text:
        return []
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/csv"), response.headers
    assert response.headers["Content-Disposition"].startswith("attachment"), response.headers
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def audit_viewed_rows(server) -> list[tuple]:
    return db_rows(server.database, "SELECT actor_id, subject, detail FROM audit_event WHERE action = 'audit-viewed' ORDER BY id")


# ------------------------------------------------------------------------------------------------
# access: the take-home page and its JSON
# ------------------------------------------------------------------------------------------------


def test_export_page_and_json_hold_every_kind_and_nothing_of_another(start_server, tmp_path):
    server = rich_customer(start_server, tmp_path)
    sanne = signed_in(server, "sanne")
    record = sanne.get(server.url(f"/customers/{NUMBER}"), timeout=TIMEOUT)
    assert f'href="/customers/{NUMBER}/export"' in record.text, "no link to the access page for a supervisor"
    assert f'href="/customers/{NUMBER}/erase"' not in record.text, "a supervisor sees the erase link"

    page = sanne.get(server.url(f"/customers/{NUMBER}/export"), timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = main_text(page)
    for expected in ("Wendelien Zwanenburg-Oostdijk", NUMBER, "06-05-1944", "3512 AB", "06-11223344",
                     "wendelien.zwanenburg@example.nl", "Kwijtschelding Zwanenburg", "Belde over kwijtschelding",
                     "Hulp opslaan in het dossier", "Toestemming gegeven", MESSAGE_TITLE, FOLLOW_UP_WHO,
                     "Aangifte Zwanenburg ingevuld", "Klant deed het met hulp", "Zwanenburg komt terug", "Opgelost",
                     "Klantgegevens bekeken", "Hulp begonnen"):
        assert expected in text, f"the access page lacks {expected!r}"
    for foreign in ("Terpstra", "Gerlof", OTHER, "Aanslag\n"):
        assert foreign not in text, f"the access page shows {foreign!r} of another customer"
    others = [row[0] for row in db_rows(server.database, "SELECT number FROM customer WHERE number != ?", (NUMBER,))]
    assert not [n for n in others if re.search(rf"\b{re.escape(n)}\b", text)], "another customer's number is on the page"
    assert "nil" not in re.findall(r">\s*(nil)\s*<", page.text) and "Optional(" not in page.text

    download = sanne.get(server.url(f"/customers/{NUMBER}/export.json"), timeout=TIMEOUT)
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("application/json")
    assert download.headers["Content-Disposition"] == f'attachment; filename="balie-export-{NUMBER}.json"'
    assert download.headers["Cache-Control"] == "no-store"
    web = download.json()
    same = sanne.get(server.url(f"/customers/{NUMBER}/export?format=json"), timeout=TIMEOUT)
    assert same.headers["Content-Disposition"].startswith("attachment") and same.json()["customer"] == web["customer"]
    for kind in ("contacts", "consents", "messages", "follow_ups", "sessions", "audit"):
        assert web[kind], f"the JSON has no {kind}"
    customer_id = web["customer"]["id"]
    for kind in ("contacts", "consents", "messages", "follow_ups", "sessions"):
        assert {row["customer_id"] for row in web[kind]} == {customer_id}, f"{kind} of another customer in the JSON"
    assert {row["subject"] for row in web["audit"]} == {NUMBER}
    strings = json.dumps(web, ensure_ascii=False)
    assert "Terpstra" not in strings and f'"{OTHER}"' not in strings
    assert any(step["description"] == "Aangifte Zwanenburg ingevuld" for s in web["sessions"] for step in s["steps"])

    # The same content as the command line (which adds its own audit row after reading, as the web does).
    cli = balie_cli("export", "customer", NUMBER, "--database", server.database)
    assert cli.returncode == 0, cli.stderr
    from_cli = json.loads(cli.stdout)
    assert {k: v for k, v in from_cli.items() if k != "audit"} == {k: v for k, v in web.items() if k != "audit"}
    assert from_cli["audit"][:len(web["audit"])] == web["audit"]

    sanne_id = staff_id(server, "sanne")
    exported = db_rows(server.database, "SELECT actor_id, actor_role, detail, origin FROM audit_event "
                                        "WHERE action = 'customer-exported' AND subject = ? ORDER BY id", (NUMBER,))
    assert [row[:3] for row in exported[:3]] == [(sanne_id, "supervisor", "page"), (sanne_id, "supervisor", "json"),
                                                 (sanne_id, "supervisor", "json")], exported
    assert all("127.0.0.1" in row[3] for row in exported[:3]) and exported[3][3] == "cli"


def test_export_of_an_unknown_customer_is_404(start_server):
    server = start_server("--demo")
    sanne = signed_in(server, "sanne")
    for path in ("/customers/999999/export", "/customers/999999/export.json", "/customers/999999/erase"):
        client = signed_in(server, "admin") if path.endswith("erase") else sanne
        assert client.get(server.url(path), timeout=TIMEOUT).status_code == 404, path
    assert db_rows(server.database, "SELECT count(*) FROM audit_event WHERE subject = '999999'") == [(0,)]


# ------------------------------------------------------------------------------------------------
# roles
# ------------------------------------------------------------------------------------------------

# (method, path, roles that may) — erasure is for admins only; access and the audit trail for supervisors too.
PRIVACY_ROUTES = [
    ("GET", f"/customers/{NUMBER}/export", {"supervisor", "admin"}),
    ("GET", f"/customers/{NUMBER}/export.json", {"supervisor", "admin"}),
    ("GET", "/audit", {"supervisor", "admin"}),
    ("GET", "/audit.csv", {"supervisor", "admin"}),
    ("GET", f"/customers/{NUMBER}/erase", {"admin"}),
    ("POST", f"/customers/{NUMBER}/erase", {"admin"}),
    ("POST", f"/customers/{NUMBER}/erase/confirm", {"admin"}),
    ("GET", "/privacy/erased", {"admin"}),
]


def test_roles_for_every_privacy_route(start_server, tmp_path):
    server, _ = prepare(start_server, tmp_path)
    for role, username in list(READERS.items()) + [("none", None)]:
        client = signed_in(server, username) if username else requests.Session()
        token = csrf_of(client.get(server.url("/staff" if username else "/sign-in"), timeout=TIMEOUT).text)
        for method, path, allowed in PRIVACY_ROUTES:
            if method == "GET":
                response = client.get(server.url(path), allow_redirects=False, timeout=TIMEOUT)
            else:  # a valid token, a reason, but the wrong number: never erases
                response = client.post(server.url(path), data={"csrf": token, "reason": "Verzoek", "confirm_number": "0"},
                                       allow_redirects=False, timeout=TIMEOUT)
            label = f"{role} {method} {path}"
            if role == "none":
                assert_redirect_to_sign_in(response)
            elif role in allowed:
                assert response.status_code in (200, 422), f"{label}: {response.status_code}"
                assert response.headers["Cache-Control"] == "no-store", label
            else:
                assert response.status_code == 403, f"{label}: {response.status_code}"
    assert db_rows(server.database, "SELECT count(*) FROM customer WHERE number = ?", (NUMBER,)) == [(1,)]
    # Links only for those who may follow them.
    for role, username in READERS.items():
        client = signed_in(server, username)
        home = client.get(server.url("/staff"), timeout=TIMEOUT).text
        assert ('href="/audit"' in home) == (role in ("supervisor", "admin")), f"{role}: audit link on the staff page"
        if role == "remote":
            continue  # remote colleagues do not open records
        record = client.get(server.url(f"/customers/{NUMBER}"), timeout=TIMEOUT).text
        assert (f'/customers/{NUMBER}/export"' in record) == (role in ("supervisor", "admin")), f"{role}: export link"
        assert (f'/customers/{NUMBER}/erase"' in record) == (role == "admin"), f"{role}: erase link"


# ------------------------------------------------------------------------------------------------
# erasure: two confirmations, then nothing of the customer in the file
# ------------------------------------------------------------------------------------------------


def test_erasure_needs_a_reason_and_the_number_typed_again(start_server, tmp_path):
    server = rich_customer(start_server, tmp_path)
    admin = signed_in(server, "admin")
    first = admin.get(server.url(f"/customers/{NUMBER}/erase"), timeout=TIMEOUT)
    assert first.status_code == 200 and 'name="reason"' in first.text
    token = csrf_of(first.text)
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd><bdi>(\d+)</bdi></dd>", first.text))
    contacts = db_rows(server.database, "SELECT count(*) FROM contact JOIN customer c ON c.id = customer_id WHERE number = ?", (NUMBER,))
    assert counts.get("Contacten") == str(contacts[0][0]) and counts.get("Keren hulp bij de kiosk") == "2", counts
    assert counts.get("Berichten") == "1" and counts.get("Afspraken voor later contact") == "1", counts

    def still_there():
        return db_rows(server.database, "SELECT count(*) FROM customer WHERE number = ?", (NUMBER,)) == [(1,)]

    # A missing, too short or naming reason: the first step again, 422, with the error summary.
    for reason in ("", "ab", "Wendelien wil het", f"klant {NUMBER}"):
        refused = admin.post(server.url(f"/customers/{NUMBER}/erase"), data={"csrf": token, "reason": reason}, timeout=TIMEOUT)
        assert refused.status_code == 422, f"reason {reason!r}: {refused.status_code}"
        assert 'class="error-summary"' in refused.text and 'href="#reason"' in refused.text, reason
        assert 'aria-invalid="true"' in refused.text
        assert still_there()

    reason = "Verzoek van de klant (AVG art. 17)"
    second = admin.post(server.url(f"/customers/{NUMBER}/erase"), data={"csrf": token, "reason": reason}, timeout=TIMEOUT)
    assert second.status_code == 200 and 'name="confirm_number"' in second.text
    assert f'<input type="hidden" name="reason" value="{html.escape(reason)}">' in second.text
    assert "Ja, definitief wissen" in second.text
    assert still_there()

    confirm = server.url(f"/customers/{NUMBER}/erase/confirm")
    for typed in ("", OTHER, "77700"):
        wrong = admin.post(confirm, data={"csrf": token, "reason": reason, "confirm_number": typed}, timeout=TIMEOUT)
        assert wrong.status_code == 422, f"typed {typed!r}: {wrong.status_code}"
        assert 'class="error-summary"' in wrong.text and 'href="#confirm_number"' in wrong.text
        assert still_there()
    # Skipping the first step (no reason) or the form's token does not erase either.
    assert admin.post(confirm, data={"csrf": token, "confirm_number": NUMBER}, timeout=TIMEOUT).status_code == 422
    assert admin.post(confirm, data={"csrf": "x", "reason": reason, "confirm_number": NUMBER}, timeout=TIMEOUT).status_code == 403
    assert still_there()
    assert db_rows(server.database, "SELECT count(*) FROM audit_event WHERE action = 'customer-erased'") == [(0,)]

    stats_before = db_rows(server.database, "SELECT count(*), sum(effort_score) FROM assisted_session")
    done = admin.post(confirm, data={"csrf": token, "reason": reason, "confirm_number": f" {NUMBER} "},
                      timeout=TIMEOUT, allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"].startswith("/privacy/erased?"), done.headers
    done_page = admin.get(server.url(done.headers["Location"]), timeout=TIMEOUT)
    assert done_page.status_code == 200
    for value in PERSONAL_VALUES:
        assert value not in page_text(done_page), f"the done page shows {value!r}"
    assert not still_there()
    assert db_rows(server.database, "SELECT count(*) FROM customer WHERE number = ?", (OTHER,)) == [(1,)]
    assert db_rows(server.database, "SELECT count(*), sum(effort_score) FROM assisted_session") == stats_before
    erased = db_rows(server.database, "SELECT actor_id, actor_role, subject, reason FROM audit_event WHERE action = 'customer-erased'")
    assert erased == [(staff_id(server, "admin"), "admin", erased[0][2], reason)] and erased[0][2].startswith("erased-")
    assert admin.get(server.url(f"/customers/{NUMBER}/export"), timeout=TIMEOUT).status_code == 404

    assert server.stop() == 0
    assert_not_in_database_file(server, PERSONAL_VALUES + (MESSAGE_TITLE, "Aangifte Zwanenburg"))
    assert balie_cli("check", "--database", server.database).stdout.strip() == "ok"


# ------------------------------------------------------------------------------------------------
# the audit viewer
# ------------------------------------------------------------------------------------------------


def test_audit_viewer_filters_by_customer_and_by_staff_and_the_csv_matches(start_server, tmp_path):
    server, _ = prepare(start_server, tmp_path)
    sanne = signed_in(server, "sanne")
    sanne_id = staff_id(server, "sanne")

    by_customer = sanne.get(server.url(f"/audit?customer={NUMBER}"), timeout=TIMEOUT)
    assert by_customer.status_code == 200 and by_customer.headers["Cache-Control"] == "no-store"
    rows = table_rows(by_customer)
    expected = db_rows(server.database, "SELECT count(*) FROM audit_event WHERE subject = ?", (NUMBER,))[0][0]
    assert rows and len(rows) == expected, (len(rows), expected)
    assert {row[4] for row in rows} == {NUMBER}, "a row about someone else"
    assert rows[0][3] == "Logboek bekeken" and rows[0][1] == "Sanne Visser (sanne)" and rows[0][2] == "Leidinggevende", rows[0]
    assert any(row[3] == "Klantgegevens bekeken" and row[1].endswith("(anna)") and row[2] == "Medewerker" for row in rows)
    assert audit_viewed_rows(server)[-1][:2] == (sanne_id, NUMBER)
    assert NUMBER not in (audit_viewed_rows(server)[-1][2] or ""), "the detail repeats the customer number"

    by_staff = table_rows(sanne.get(server.url("/audit?staff=anna"), timeout=TIMEOUT))
    anna_rows = db_rows(server.database, "SELECT count(*) FROM audit_event WHERE actor_id = ?", (staff_id(server, "anna"),))[0][0]
    assert by_staff and len(by_staff) == min(anna_rows, 50) and all(row[1].endswith("(anna)") for row in by_staff)
    assert "staff=anna" in audit_viewed_rows(server)[-1][2]

    both = table_rows(sanne.get(server.url(f"/audit?customer={NUMBER}&staff=sanne"), timeout=TIMEOUT))
    assert both and all(row[4] == NUMBER and row[1].endswith("(sanne)") for row in both)

    today = date.today().strftime("%d-%m-%Y")
    tomorrow = (date.today() + timedelta(days=1)).strftime("%d-%m-%Y")
    assert table_rows(sanne.get(server.url(f"/audit?customer={NUMBER}&from={today}&to={today}"), timeout=TIMEOUT))
    assert table_rows(sanne.get(server.url(f"/audit?from={tomorrow}"), timeout=TIMEOUT)) == []

    # The CSV holds exactly the filtered rows, its own viewing included (it is written before the rows are read).
    exported = read_csv(sanne.get(server.url(f"/audit.csv?customer={NUMBER}"), timeout=TIMEOUT))
    in_db = db_rows(server.database, "SELECT id, action, subject, reason, origin FROM audit_event WHERE subject = ? ORDER BY id DESC", (NUMBER,))
    assert [(int(r["id"]), r["action"], r["subject"], r["reason"] or None, r["origin"]) for r in exported] == in_db
    assert exported[0]["action"] == "audit-viewed" and exported[0]["staff_username"] == "sanne" and exported[0]["role"] == "supervisor"
    assert list(exported[0].keys()) == ["id", "at", "action", "staff_username", "staff_name", "role", "subject", "origin", "reason", "detail"]
    assert audit_viewed_rows(server)[-1][2].startswith("csv:")
    by_staff_csv = read_csv(sanne.get(server.url("/audit.csv?staff=anna"), timeout=TIMEOUT))
    assert len(by_staff_csv) == anna_rows and {r["staff_username"] for r in by_staff_csv} == {"anna"}


def test_audit_viewer_pages_newest_first(start_server, tmp_path):
    server, _ = prepare(start_server, tmp_path)
    anna = signed_in(server, "anna")
    for _ in range(60):
        anna.get(server.url(f"/customers/{OTHER}"), timeout=TIMEOUT)
    admin = signed_in(server, "admin")
    seen, path, pages = [], f"/audit?customer={OTHER}&staff=anna", 0
    while path:
        page = admin.get(server.url(path), timeout=TIMEOUT)
        assert page.status_code == 200
        rows = table_rows(page)
        assert len(rows) <= 50
        seen += rows
        pages += 1
        older = re.search(r'<a class="button button--secondary" href="([^"]+)" rel="next">', page.text)
        path = html.unescape(older.group(1)) if older else None
        if path:
            assert "before=" in path and "staff=anna" in path and f"customer={OTHER}" in path
    assert pages == 2 and len(seen) == 60
    stamps = [row[0] for row in seen]
    assert stamps == sorted(stamps, key=lambda s: (s[6:10], s[3:5], s[0:2], s[11:]), reverse=True)
    assert admin.get(server.url("/audit?before=abc"), timeout=TIMEOUT).status_code == 400


def test_bad_filters_are_explained_and_not_audited(start_server):
    server = start_server("--demo")
    sanne = signed_in(server, "sanne")
    before = len(audit_viewed_rows(server))
    for query, field in (("customer=12%2034", "customer"), ("staff=Ann%20A", "staff"), ("from=31-02-2026", "from"),
                         ("to=morgen", "to"), ("from=02-01-2026&to=01-01-2026", "to")):
        for path in ("/audit", "/audit.csv"):
            response = sanne.get(server.url(f"{path}?{query}"), timeout=TIMEOUT)
            assert response.status_code == 422, f"{path}?{query}: {response.status_code}"
            assert 'class="error-summary"' in response.text and f'href="#{field}"' in response.text, query
    assert len(audit_viewed_rows(server)) == before


def test_csv_neutralises_formulas_and_quotes_what_needs_it(start_server, tmp_path):
    server, _ = prepare(start_server, tmp_path)
    evil_name = '=HYPERLINK("http://evil.example","klik, hier")'
    add_staff(server.database, "mallory", "staff", name=evil_name)
    mallory = signed_in(server, "mallory", PASSWORD)
    reason = "@SUM(1+1)*cmd|' /C calc'!A0"
    assert mallory.get(server.url(f"/customers/{NUMBER}"), params={"reason": reason}, timeout=TIMEOUT).status_code == 200
    sanne = signed_in(server, "sanne")
    response = sanne.get(server.url("/audit.csv?staff=mallory"), timeout=TIMEOUT)
    rows = read_csv(response)
    viewed = next(r for r in rows if r["action"] == "customer-viewed")
    assert viewed["staff_name"] == "'" + evil_name, viewed
    assert viewed["reason"] == "'" + reason, viewed
    for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")):
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), f"a cell a spreadsheet would run: {cell!r}"
    # On the page the same values are only text.
    page = sanne.get(server.url("/audit?staff=mallory"), timeout=TIMEOUT)
    assert evil_name in page_text(page) and '"http://evil.example"' not in page.text
