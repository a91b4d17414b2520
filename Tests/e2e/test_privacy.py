"""Right of access and right to erasure through the real CLI: the export holds every kind of data and
nothing of other customers; after erasure no byte of the database file names the customer, sessions stay
as anonymous statistics, and the audit trail records who erased and why."""
import json

import requests

from test_auth import balie_cli, db_rows, signed_in

CUSTOMERS = (
    "customer_number,given_name,family_name,birth_date,postcode,phone,email,preferred_channel,language\n"
    "777001,Wendelien,Zwanenburg-Oostdijk,1944-05-06,3512 AB,06-11223344,wendelien.zwanenburg@example.nl,phone,nl\n"
    "777002,Gerlof,Terpstra,1950-01-01,9711 LM,,,letter,nl\n"
)
CONTACTS = (
    "customer_number,channel,at,topic,summary,outcome\n"
    "777001,phone,2026-11-01T10:00:00Z,Kwijtschelding Zwanenburg,Belde over kwijtschelding,uitgelegd\n"
    "777002,letter,2026-11-02T10:00:00Z,Aanslag,Brief verstuurd,verstuurd\n"
)


def prepare(start_server, tmp_path):
    server = start_server("--demo")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "k.csv").write_text(CONTACTS)
    assert balie_cli("import", "customers", tmp_path / "c.csv", "--database", server.database).returncode == 0
    assert balie_cli("import", "contacts", tmp_path / "k.csv", "--database", server.database).returncode == 0
    client = signed_in(server, "anna")
    page = client.get(server.url("/customers/777001"), timeout=10)
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    assert client.post(server.url("/customers/777001/consents"), timeout=10, allow_redirects=False,
                       data={"csrf": token, "purpose": "session-log", "given": "true", "how": "in-person"}).status_code == 303
    started = client.post(server.url("/sessions"), data={"csrf": token, "customer": "777001"}, timeout=10, allow_redirects=False)
    session_id = started.headers["Location"].rsplit("/", 1)[1]
    client.post(server.url(f"/sessions/{session_id}/tasks"), data={"csrf": token, "task": "tax-return"}, timeout=10, allow_redirects=False)
    task = db_rows(server.database, "SELECT id FROM session_task WHERE session_id = ?", (session_id,))[0][0]
    client.post(server.url(f"/sessions/{session_id}/tasks/{task}/steps"), timeout=10, allow_redirects=False,
                data={"csrf": token, "description": "Aangifte Zwanenburg ingevuld", "actor": "customer-with-help", "reason": ""})
    client.post(server.url(f"/sessions/{session_id}/notes"), data={"csrf": token, "text": "Zwanenburg komt terug"}, timeout=10, allow_redirects=False)
    client.post(server.url(f"/sessions/{session_id}/tasks/{task}/finish"), data={"csrf": token, "outcome": "resolved"}, timeout=10, allow_redirects=False)
    client.post(server.url(f"/sessions/{session_id}/handover"), data={"csrf": token}, timeout=10, allow_redirects=False)
    client.post(server.url(f"/sessions/{session_id}/feedback"), data={"csrf": token, "effort": "6", "self_reliance": "yes"}, timeout=10, allow_redirects=False)
    return server, session_id


def assert_not_in_database_file(server, values) -> None:
    """A byte scan of the stopped server's database file and write-ahead log, as written and in lower case."""
    raw = b""
    for suffix in ("", "-wal"):
        path = server.database.with_name(server.database.name + suffix)
        if path.exists():
            raw += path.read_bytes()
    for value in values:
        for encoded in (value.encode(), value.lower().encode()):
            assert encoded not in raw, f"{value!r} is still in the database file"


def test_export_holds_every_kind_and_nothing_of_others(start_server, tmp_path):
    server, _ = prepare(start_server, tmp_path)
    result = balie_cli("export", "customer", "777001", "--database", server.database)
    assert result.returncode == 0, result.stderr
    export = json.loads(result.stdout)
    assert export["customer"]["family_name"] == "Zwanenburg-Oostdijk"
    assert [c["topic"] for c in export["contacts"]].count("Kwijtschelding Zwanenburg") == 1
    assert export["consents"] and export["sessions"][0]["steps"][0]["description"] == "Aangifte Zwanenburg ingevuld"
    assert export["sessions"][0]["notes"][0]["text"] == "Zwanenburg komt terug"
    assert any(row["action"] == "customer-viewed" for row in export["audit"])
    assert "Terpstra" not in result.stdout and "777002" not in result.stdout
    assert db_rows(server.database, "SELECT count(*) FROM audit_event WHERE action = 'customer-exported' AND subject = '777001'")[0][0] == 1


def test_erasure_leaves_no_trace_in_the_file(start_server, tmp_path):
    server, session_id = prepare(start_server, tmp_path)
    stats_before = db_rows(server.database, "SELECT count(*), sum(effort_score) FROM assisted_session WHERE phase = 'closed'")
    result = balie_cli("erase", "customer", "777001", "--reason", "Verzoek van de klant (AVG art. 17)", "--database", server.database)
    assert result.returncode == 0, result.stderr
    assert server.stop() == 0
    assert_not_in_database_file(server, ("Wendelien", "Zwanenburg", "777001", "wendelien.zwanenburg@example.nl", "06-11223344",
                                         "Kwijtschelding"))
    assert db_rows(server.database, "SELECT count(*), sum(effort_score) FROM assisted_session WHERE phase = 'closed'") == stats_before
    assert db_rows(server.database, "SELECT customer_id FROM assisted_session WHERE id = ?", (session_id,)) == [(None,)]
    erased = db_rows(server.database, "SELECT reason, subject FROM audit_event WHERE action = 'customer-erased'")
    assert erased and erased[0][0].startswith("Verzoek") and erased[0][1].startswith("erased-")
    assert db_rows(server.database, "SELECT count(*) FROM customer WHERE number = '777002'") == [(1,)]
    assert balie_cli("check", "--database", server.database).stdout.strip() == "ok"


def test_erasing_an_unknown_customer_fails_clearly(start_server, tmp_path):
    server = start_server()
    result = balie_cli("erase", "customer", "999999", "--reason", "test reason", "--database", server.database)
    assert result.returncode != 0 and "No customer" in result.stderr + result.stdout
