"""The channel API through real HTTP: tokens, scopes, problem JSON, idempotent contacts, cursors, ETags,
the OpenAPI document (validated), and schemathesis against the running server."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

from test_auth import balie_cli, db_rows

REPO = Path(__file__).resolve().parents[2]
ALL_SCOPES = ["customers:read", "contacts:read", "contacts:write", "sessions:read"]


def make_token(database, name, scopes, branches: tuple[str, ...] | None = None):
    """A token for `scopes`; `branches` None means every branch (--all-branches), else the branches named."""
    where = ["--all-branches"] if branches is None else [part for code in branches for part in ("--branch", code)]
    result = balie_cli("token", "add", "--database", database, "--name", name, *sum((["--scope", s] for s in scopes), []), *where)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert len(token) == 43
    return token


@pytest.fixture(scope="module")
def api(start_server_module, tmp_path_factory):
    server = start_server_module("--demo")
    token = make_token(server.database, "crm", ALL_SCOPES)
    readonly = make_token(server.database, "reader", ["customers:read"])
    return server, token, readonly


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_openapi_document_is_valid_and_served(api):
    server, _, _ = api
    served = requests.get(server.url("/api/v1/openapi.json"), timeout=10)
    assert served.status_code == 200
    document = served.json()
    validate(document)
    assert document == json.loads((REPO / "www/openapi.json").read_text())
    assert document["openapi"].startswith("3.1")


def test_without_a_valid_token_problem_json_401(api):
    server, _, _ = api
    for headers in ({}, auth("x" * 43), {"Authorization": "Basic abc"}):
        response = requests.get(server.url("/api/v1/customers?q=vries"), headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert {"type", "title", "status", "detail"} <= set(response.json())


def test_scope_is_enforced(api):
    server, _, readonly = api
    assert requests.get(server.url("/api/v1/customers?q=vries"), headers=auth(readonly), timeout=10).status_code == 200
    refused = requests.get(server.url("/api/v1/sessions"), headers=auth(readonly), timeout=10)
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/forbidden"


def test_customer_read_is_audited_with_etag(api):
    server, token, _ = api
    number = db_rows(server.database, "SELECT number FROM customer ORDER BY id LIMIT 1")[0][0]
    before = db_rows(server.database, "SELECT count(*) FROM audit_event WHERE subject = ? AND action = 'customer-viewed'", (number,))[0][0]
    first = requests.get(server.url(f"/api/v1/customers/{number}"), headers=auth(token), timeout=10)
    assert first.status_code == 200 and first.json()["number"] == number
    etag = first.headers["ETag"]
    again = requests.get(server.url(f"/api/v1/customers/{number}"), headers={**auth(token), "If-None-Match": etag}, timeout=10)
    assert again.status_code == 304
    after = db_rows(server.database, "SELECT count(*) FROM audit_event WHERE subject = ? AND action = 'customer-viewed'", (number,))[0][0]
    assert after == before + 2
    assert db_rows(server.database, "SELECT count(*) FROM audit_event WHERE action = 'api-request' AND origin LIKE 'api:crm/%'")[0][0] >= 2


def test_audited_read_writes_both_rows_in_one_durable_commit(api):
    """What the client saw (customer-searched) and the request itself (api-request) are stored together,
    before the answer: one commit per audited API read, counted in /metrics."""
    server, token, _ = api

    def commits() -> float:
        text = requests.get(server.url("/metrics"), timeout=10).text
        return float(next(line.split()[-1] for line in text.splitlines() if line.startswith("balie_db_commit_seconds_count")))

    searched = "SELECT count(*) FROM audit_event WHERE action = 'customer-searched' AND origin LIKE 'api:crm/%'"
    requested = "SELECT count(*) FROM audit_event WHERE action = 'api-request' AND origin LIKE 'api:crm/%'"
    before = (commits(), db_rows(server.database, searched)[0][0], db_rows(server.database, requested)[0][0])
    for _ in range(5):
        assert requests.get(server.url("/api/v1/customers?q=de"), headers=auth(token), timeout=10).status_code == 200
    after = (commits(), db_rows(server.database, searched)[0][0], db_rows(server.database, requested)[0][0])
    assert after[1] - before[1] == 5 and after[2] - before[2] == 5
    assert after[0] - before[0] == 5, f"commits: {before[0]} -> {after[0]}"


def test_idempotent_contact_post_ten_times_stores_one(api):
    server, token, _ = api
    number = db_rows(server.database, "SELECT number FROM customer ORDER BY id LIMIT 1 OFFSET 5")[0][0]
    body = {"channel": "phone", "at": "2026-11-20T09:30:00Z", "topic": "Vraag over huurtoeslag", "summary": "Belde terug", "outcome": "uitgelegd"}
    headers = {**auth(token), "Idempotency-Key": "crm-call-778899"}
    answers = [requests.post(server.url(f"/api/v1/customers/{number}/contacts"), json=body, headers=headers, timeout=10) for _ in range(10)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers[1:]] == ["true"] * 9
    stored = db_rows(server.database, """SELECT count(*) FROM contact c JOIN customer k ON k.id = c.customer_id
                                         WHERE k.number = ? AND c.topic = ?""", (number, body["topic"]))[0][0]
    assert stored == 1
    changed = requests.post(server.url(f"/api/v1/customers/{number}/contacts"), json={**body, "summary": "anders"}, headers=headers, timeout=10)
    assert changed.status_code == 409
    listed = requests.get(server.url(f"/api/v1/customers/{number}/contacts?limit=100"), headers=auth(token), timeout=10).json()
    assert any(item["topic"] == body["topic"] and item["channel"] == "phone" for item in listed["items"])


@pytest.mark.parametrize("body", [
    {"channel": "kiosk-assisted", "at": "2026-11-20T09:30:00Z", "topic": "x"},
    {"channel": "phone", "at": "gisteren", "topic": "x"},
    {"channel": "phone", "at": "2026-11-20T09:30:00Z", "topic": ""},
    {"channel": "phone", "at": "2026-11-20T09:30:00Z", "topic": "x", "extra": 1},
    {"channel": "phone", "at": "2026-11-20T09:30:00Z", "topic": 5},
    {"channel": "phone", "at": "2026-11-20T09:30:00Z", "topic": "x" * 201},
    ["not", "an", "object"],
])
def test_invalid_contacts_are_refused_and_not_stored(api, body):
    server, token, _ = api
    number = db_rows(server.database, "SELECT number FROM customer ORDER BY id LIMIT 1 OFFSET 6")[0][0]
    before = db_rows(server.database, "SELECT count(*) FROM contact")[0][0]
    response = requests.post(server.url(f"/api/v1/customers/{number}/contacts"), json=body,
                             headers={**auth(token), "Idempotency-Key": f"bad-{hash(json.dumps(body))}"}, timeout=10)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert db_rows(server.database, "SELECT count(*) FROM contact")[0][0] == before


def test_missing_idempotency_key_is_refused(api):
    server, token, _ = api
    response = requests.post(server.url("/api/v1/customers/100003/contacts"), headers=auth(token),
                             json={"channel": "phone", "at": "2026-11-20T09:30:00Z", "topic": "x"}, timeout=10)
    assert response.status_code == 422


def test_contacts_page_with_a_cursor(api):
    server, token, _ = api
    number, count = db_rows(server.database, """SELECT k.number, count(*) FROM contact c JOIN customer k ON k.id = c.customer_id
                                               GROUP BY k.id ORDER BY count(*) DESC LIMIT 1""")[0]
    seen, cursor = [], None
    while True:
        url = f"/api/v1/customers/{number}/contacts?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = requests.get(server.url(url), headers=auth(token), timeout=10).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert len(seen) == count == len(set(seen))
    bad = requests.get(server.url(f"/api/v1/customers/{number}/contacts?cursor=nonsense"), headers=auth(token), timeout=10)
    assert bad.status_code == 422


def test_revoked_token_stops_working(api):
    server, _, _ = api
    token = make_token(server.database, "temporary", ["customers:read"])
    assert requests.get(server.url("/api/v1/customers?q=a"), headers=auth(token), timeout=10).status_code == 200
    assert balie_cli("token", "revoke", "--database", server.database, "--name", "temporary").returncode == 0
    assert requests.get(server.url("/api/v1/customers?q=a"), headers=auth(token), timeout=10).status_code == 401
    assert not db_rows(server.database, "SELECT count(*) FROM api_token WHERE token_hash = ?", (token,))[0][0], "stored in clear"


def test_schemathesis_finds_nothing(api, tmp_path):
    server, token, _ = api
    result = subprocess.run([shutil.which("schemathesis") or "schemathesis","run", server.url("/api/v1/openapi.json"), "-H", f"Authorization: Bearer {token}",
                                       "--max-examples", "25", "--seed", "20261123", "--checks", "all"],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    # Exit 0: no 5xx, no answer outside the schema, no invalid input accepted, no valid input refused.
    assert result.returncode == 0, result.stdout[-6000:]
