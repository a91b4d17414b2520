"""API tokens with an expiry, rotation without downtime, and throttled, audited wrong tokens (issue 21), through
real HTTP and the real command line."""

from __future__ import annotations

import pytest
import requests

from test_auth import balie_cli, db_rows

TIMEOUT = 10


@pytest.fixture
def server(start_server):
    return start_server("--demo")


def create(server, name: str, *extra: str) -> str:
    result = balie_cli("token", "create", "--database", server.database, "--name", name, "--scope", "customers:read",
                       "--branch", "centrum", *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def ask(server, token: str):
    return requests.get(server.url("/api/v1/customers?q=Jansen"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)


def listing(server) -> dict[str, list[str]]:
    result = balie_cli("token", "list", "--database", server.database)
    assert result.returncode == 0, result.stderr
    return {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()}


def refusals(server) -> list[tuple]:
    return db_rows(server.database, "SELECT subject, origin, detail FROM audit_event WHERE action = 'token-refused' ORDER BY id")


def test_a_new_token_expires_in_a_year_by_default_and_the_list_says_so(server):
    token = create(server, "crm")
    assert ask(server, token).status_code == 200
    row = listing(server)["crm"]
    assert row[3] == "active" and row[4].startswith("expires ")
    created = db_rows(server.database, "SELECT created_at, expires_at FROM api_token WHERE name = 'crm'")[0]
    assert abs(created[1] - created[0] - 365 * 86400) < 5


def test_an_expired_token_is_refused_saying_it_expired(server):
    token = create(server, "old-app", "--expires-in", "0")
    response = ask(server, token)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="balie"'
    assert "expired" in response.json()["detail"]
    assert listing(server)["old-app"][3] == "expired"
    assert ("old-app",) == refusals(server)[-1][:1] and "expired token" in refusals(server)[-1][2]




@pytest.mark.parametrize("args", [["--expires-in", "-1"], ["--expires-in", "99999"], ["--expires-in", "soon"]])
def test_bad_expiry_is_refused_by_the_command_line(server, args):
    result = balie_cli("token", "create", "--database", server.database, "--name", "x", "--scope", "customers:read", *args)
    assert result.returncode != 0 and result.stderr.strip()
    assert "x" not in listing(server)


def test_rotation_keeps_both_working_then_the_old_one_ends(server):
    old = create(server, "contact-centre")
    result = balie_cli("token", "rotate", "--database", server.database, "--name", "contact-centre")
    assert result.returncode == 0, result.stderr
    new = result.stdout.strip()
    assert new and new != old
    assert ask(server, old).status_code == 200 and ask(server, new).status_code == 200
    tokens = listing(server)
    assert tokens["contact-centre"][1:3] == ["customers:read", "centrum"], "the same scopes and branches"
    rotated = [name for name in tokens if name.startswith("contact-centre~")]
    assert len(rotated) == 1 and tokens[rotated[0]][3] == "active"

    # A second rotation with no overlap: the token of the first rotation's new one ends at once.
    result = balie_cli("token", "rotate", "--database", server.database, "--name", "contact-centre", "--overlap-days", "0")
    assert result.returncode == 0, result.stderr
    newest = result.stdout.strip()
    assert ask(server, newest).status_code == 200
    refused = ask(server, new)
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    assert ask(server, old).status_code == 200, "the first overlap still runs"
    actions = db_rows(server.database, "SELECT action, subject FROM audit_event WHERE action IN ('token-created', 'token-rotated') ORDER BY id")
    assert actions == [("token-created", "contact-centre"), ("token-rotated", "contact-centre"), ("token-rotated", "contact-centre")]
    assert balie_cli("token", "rotate", "--database", server.database, "--name", "nobody").returncode != 0


def test_wrong_tokens_are_throttled_per_address_and_audited(server):
    good = create(server, "app")
    wrong = [f"wrong-token-{i:02d}-abcdefghijklmnopqrstuvwxyz" for i in range(20)]
    for text in wrong:
        assert ask(server, text).status_code == 401
    throttled = ask(server, wrong[0])
    assert throttled.status_code == 429
    assert throttled.headers["Content-Type"].startswith("application/problem+json")
    assert int(throttled.headers["Retry-After"]) > 0
    # From this address every bearer now waits, as a locked sign-in does.
    assert ask(server, good).status_code == 429
    rows = refusals(server)
    assert sum(1 for row in rows if "unknown token" in row[2]) == 20 and any("throttled" in row[2] for row in rows)
    dump = repr(db_rows(server.database, "SELECT * FROM audit_event"))
    assert not any(text in dump for text in wrong), "a token's text reached the audit trail"
