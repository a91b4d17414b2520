"""Branches and kiosks as real things (issue #18), end to end against the real `balie serve`.

One server, two branches: Noord with two customer kiosks, Zuid with one. Each kiosk is enrolled the way an
admin does it (`balie kiosk add` prints a one-time code, typed at /enrol), so the server has no single-kiosk
shortcut (`--no-kiosk-shortcut`): a browser that is not enrolled is not a kiosk. Then every object records the
kiosk and branch of the request that made it, the limit of waiting help requests holds per kiosk, staff,
remote colleagues and API tokens reach only their own branches, and the holes the issue names stay closed.
"""
from __future__ import annotations

import re
import sqlite3

import pytest
import requests

from test_api import make_token
from test_auth import PASSWORD, TIMEOUT, add_staff, balie_cli, csrf_of, db_rows, location, signed_in

CODE_LINE = re.compile(r"Enrolment code for (\S+) \((\S+)\): ([A-Z0-9]{4}-[A-Z0-9]{4})")


def cli(*args) -> str:
    result = balie_cli(*args)
    assert result.returncode == 0, f"balie {' '.join(map(str, args))}: {result.stdout}{result.stderr}"
    return result.stdout


def add_kiosk(server, name: str, branch: str, kind: str = "customer") -> str:
    """`balie kiosk add` → the one-time enrolment code it prints."""
    out = cli("kiosk", "add", "--database", server.database, "--name", name, "--branch", branch, "--kind", kind)
    match = CODE_LINE.search(out)
    assert match and match.group(1) == name and match.group(2) == branch, out
    return match.group(3)


def enrol(server, code: str, client: requests.Session | None = None) -> requests.Response:
    client = client or requests.Session()
    form = client.get(server.url("/enrol"), timeout=TIMEOUT)
    assert form.status_code == 200, form.text[:300]
    return client.post(server.url("/enrol"), data={"csrf": csrf_of(form.text), "code": code}, allow_redirects=False,
                       timeout=TIMEOUT)


def enrolled_kiosk(server, name: str, branch: str) -> requests.Session:
    client = requests.Session()
    response = enrol(server, add_kiosk(server, name, branch), client)
    assert response.status_code == 200 and client.cookies.get("balie_kiosk"), f"{response.status_code}: {response.text[:300]}"
    return client


def kiosk_post(client: requests.Session, server, path: str, **data) -> requests.Response:
    """A form from the kiosk's own start page (its CSRF token is bound to the kiosk's visit)."""
    page = client.get(server.url("/"), timeout=TIMEOUT)
    assert page.status_code == 200, f"start page: {page.status_code}"
    return client.post(server.url(path), data={"csrf": csrf_of(page.text), **data}, allow_redirects=False, timeout=TIMEOUT)


def staff_post(client: requests.Session, server, path: str, **data) -> requests.Response:
    page = client.get(server.url("/staff"), timeout=TIMEOUT)
    assert page.status_code == 200, f"/staff: {page.status_code}"
    return client.post(server.url(path), data={"csrf": csrf_of(page.text), **data}, allow_redirects=False, timeout=TIMEOUT)


def new_id(response) -> int:
    assert response.status_code == 303, f"{response.status_code}: {response.text[:400]}"
    return int(location(response)[0].rstrip("/").split("/")[-1])


def one(server, sql: str, args=()):
    rows = db_rows(server.database, sql, args)
    assert rows, sql
    return rows[0]


@pytest.fixture(scope="module")
def network(start_server_module):
    server = start_server_module("--no-kiosk-shortcut")
    cli("branch", "add", "--database", server.database, "--code", "noord", "--name", "Bibliotheek Noord",
        "--hours", "mon=09:00-17:00;tue=09:00-17:00;sat=10:00-14:00")
    cli("branch", "add", "--database", server.database, "--code", "zuid", "--name", "Stadskantoor Zuid")
    add_staff(server.database, "nina", "staff", branches=("noord",))
    add_staff(server.database, "zara", "staff", branches=("zuid",))
    add_staff(server.database, "multi", "staff", branches=("noord", "zuid"))
    add_staff(server.database, "rob", "remote", branches=("noord",))
    add_staff(server.database, "sam", "supervisor", branches=("noord",))
    kiosks = {
        "a": enrolled_kiosk(server, "kiosk-a", "noord"),
        "b": enrolled_kiosk(server, "kiosk-b", "noord"),
        "c": enrolled_kiosk(server, "kiosk-c", "zuid"),
    }
    return server, kiosks


# ------------------------------------------------------------------------------------------------
# enrolment


def test_a_browser_that_is_not_enrolled_is_told_so_in_its_language(network):
    server, _ = network
    for language, words in (("nl", "Deze computer is nog geen kiosk"), ("en", "This computer is not a kiosk yet")):
        page = requests.get(server.url("/"), cookies={"balie_lang": language}, timeout=TIMEOUT)
        assert page.status_code == 403, page.status_code
        assert re.search(rf'<html[^>]*lang="{language}"', page.text) and 'href="/enrol"' in page.text, page.text[:3000]
        assert words.lower() in page.text.lower(), f"{language}: {page.text[:3000]}"
        assert "no-store" in page.headers.get("Cache-Control", "")
    # Customer mode needs a kiosk: taking a number or calling staff from a plain browser changes nothing.
    client = requests.Session()
    token = csrf_of(client.get(server.url("/enrol"), timeout=TIMEOUT).text)
    before = one(server, "SELECT (SELECT count(*) FROM queue_ticket), (SELECT count(*) FROM staff_call)")
    for path, data in (("/queue/tickets", {"group": "banking"}), ("/kiosk/call-staff", {}), ("/kiosk/help", {})):
        response = client.post(server.url(path), data={"csrf": token, **data}, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 403, f"POST {path} from a browser that is not a kiosk: {response.status_code}"
    assert one(server, "SELECT (SELECT count(*) FROM queue_ticket), (SELECT count(*) FROM staff_call)") == before
    # Staff sign in from any browser.
    assert signed_in(server, "nina", PASSWORD).get(server.url("/staff"), timeout=TIMEOUT).status_code == 200


def test_the_device_cookie_is_strict_and_only_its_hash_is_stored(network):
    server, _ = network
    client = requests.Session()
    response = enrol(server, add_kiosk(server, "kiosk-cookie", "noord"), client)
    cookie = next(c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("balie_kiosk="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=" in cookie, cookie
    value = client.cookies["balie_kiosk"]
    dump = "\n".join(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True).iterdump())
    assert value not in dump, "the device credential is stored in clear"
    assert "Bibliotheek Noord" in response.text and "kiosk-cookie" in response.text


def test_a_code_works_once_and_only_for_fifteen_minutes(network):
    server, _ = network
    code = add_kiosk(server, "kiosk-once", "noord")
    assert enrol(server, code).status_code == 200
    again = requests.Session()
    reused = enrol(server, code, again)
    assert reused.status_code == 422 and not again.cookies.get("balie_kiosk"), "a used code enrolled a second browser"
    assert 'aria-invalid="true"' in reused.text or "error" in reused.text
    # Typed in lower case with spaces, a fresh code still works (codes are read aloud).
    fresh = add_kiosk(server, "kiosk-typed", "noord")
    typed = requests.Session()
    assert enrol(server, " " + fresh.lower().replace("-", " ") + " ", typed).status_code == 200 and typed.cookies.get("balie_kiosk")
    # A code older than 15 minutes is refused.
    late = add_kiosk(server, "kiosk-late", "noord")
    with sqlite3.connect(server.database) as db:
        db.execute("""UPDATE kiosk_enrolment SET created_at = created_at - 16 * 60
                      WHERE kiosk_id = (SELECT id FROM kiosk WHERE name = 'kiosk-late')""")
    expired = requests.Session()
    enrol(server, late, expired)
    assert not expired.cookies.get("balie_kiosk"), "an expired code enrolled a browser"
    refused = db_rows(server.database, "SELECT count(*) FROM audit_event WHERE action = 'kiosk-enrolment-refused'")[0][0]
    assert refused >= 2


def test_revoking_a_kiosk_ends_its_cookie_at_once(network):
    server, _ = network
    kiosk = enrolled_kiosk(server, "kiosk-gone", "zuid")
    assert kiosk.get(server.url("/"), timeout=TIMEOUT).status_code == 200
    cli("kiosk", "revoke", "--database", server.database, "--name", "kiosk-gone", "--branch", "zuid")
    assert kiosk.get(server.url("/"), timeout=TIMEOUT).status_code == 403
    token = csrf_of(kiosk.get(server.url("/enrol"), timeout=TIMEOUT).text)
    response = kiosk.post(server.url("/kiosk/call-staff"), data={"csrf": token}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 403
    assert db_rows(server.database, "SELECT count(*) FROM staff_call WHERE kiosk = 'kiosk-gone'")[0][0] == 0
    listed = cli("kiosk", "list", "--database", server.database)
    assert re.search(r"zuid\tkiosk-gone\tcustomer\trevoked", listed), listed


# ------------------------------------------------------------------------------------------------
# every object records the kiosk and branch of its request


def test_each_kiosk_records_its_own_kiosk_and_branch(network):
    server, kiosks = network
    for key, name, branch in (("a", "kiosk-a", "noord"), ("b", "kiosk-b", "noord"), ("c", "kiosk-c", "zuid")):
        ticket = new_id(kiosk_post(kiosks[key], server, "/queue/tickets", group="banking"))
        assert one(server, "SELECT branch FROM queue_ticket WHERE id = ?", (ticket,))[0] == branch
        assert kiosk_post(kiosks[key], server, "/kiosk/call-staff").status_code == 303
        assert one(server, "SELECT kiosk, branch FROM staff_call ORDER BY id DESC LIMIT 1") == (name, branch)
        help_id = new_id(kiosk_post(kiosks[key], server, "/kiosk/help"))
        assert one(server, "SELECT kiosk, branch FROM help_request WHERE id = ?", (help_id,)) == (name, branch)
        audit = one(server, "SELECT origin, branch FROM audit_event WHERE action = 'help-requested' ORDER BY id DESC LIMIT 1")
        assert audit[1] == branch and audit[0].startswith(name), audit
        assert kiosk_post(kiosks[key], server, f"/help/{help_id}/end").status_code == 303
    # Tickets are numbered per branch: Noord has two banking tickets, Zuid one.
    assert db_rows(server.database, "SELECT branch, count(*) FROM queue_ticket GROUP BY branch ORDER BY branch") == [("noord", 2), ("zuid", 1)]
    # A kiosk is seen: /admin/kiosks and `balie kiosk list` show when.
    assert one(server, "SELECT last_seen_at FROM kiosk WHERE name = 'kiosk-a'")[0] is not None


def test_the_limit_of_waiting_help_requests_holds_per_kiosk(start_server):
    server = start_server("--no-kiosk-shortcut")
    cli("branch", "add", "--database", server.database, "--code", "noord", "--name", "Bibliotheek Noord")
    first, second = enrolled_kiosk(server, "kiosk-1", "noord"), enrolled_kiosk(server, "kiosk-2", "noord")
    for _ in range(3):
        assert kiosk_post(first, server, "/kiosk/help").status_code == 303
    fourth = kiosk_post(first, server, "/kiosk/help")
    assert fourth.status_code == 429 and "<h1" in fourth.text
    assert kiosk_post(second, server, "/kiosk/help").status_code == 303, "another kiosk's waiting requests blocked this one"
    assert db_rows(server.database, "SELECT kiosk, count(*) FROM help_request GROUP BY kiosk ORDER BY kiosk") == [("kiosk-1", 3), ("kiosk-2", 1)]


# ------------------------------------------------------------------------------------------------
# staff, remote colleagues and tokens reach only their branches


def test_staff_open_only_sessions_of_their_branch_and_every_look_is_audited(network):
    server, _ = network
    nina, zara = signed_in(server, "nina", PASSWORD), signed_in(server, "zara", PASSWORD)
    session_id = new_id(staff_post(nina, server, "/sessions"))
    assert one(server, "SELECT branch FROM assisted_session WHERE id = ?", (session_id,))[0] == "noord"
    assert nina.get(server.url(f"/sessions/{session_id}"), timeout=TIMEOUT).status_code == 200
    viewed = one(server, "SELECT actor_id, branch FROM audit_event WHERE action = 'session-viewed' AND detail = ? ORDER BY id DESC LIMIT 1",
                 (f"session {session_id}",))
    assert viewed[1] == "noord"
    before = one(server, "SELECT count(*) FROM session_task")[0]
    for method, path, data in (("get", f"/sessions/{session_id}", {}), ("post", f"/sessions/{session_id}/tasks", {"task": "pay-bill"}),
                               ("post", f"/sessions/{session_id}/notes", {"text": "niet van mij"})):
        response = getattr(zara, method)(server.url(path), data={"csrf": csrf_of(zara.get(server.url("/staff"), timeout=TIMEOUT).text), **data}
                                         if method == "post" else None, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 404, f"{method.upper()} {path} by staff of another branch: {response.status_code}"
    assert one(server, "SELECT count(*) FROM session_task")[0] == before
    refused = db_rows(server.database, "SELECT count(*) FROM audit_event WHERE action = 'access-refused' AND branch IS NOT NULL")[0][0]
    assert refused >= 3
    # Zara's home lists none of Noord's open sessions.
    assert f"/sessions/{session_id}" not in zara.get(server.url("/staff"), timeout=TIMEOUT).text
    assert f"/sessions/{session_id}" in nina.get(server.url("/staff"), timeout=TIMEOUT).text


def test_staff_of_several_branches_switch_and_the_switch_is_theirs_only(network):
    server, _ = network
    multi = signed_in(server, "multi", PASSWORD)
    home = multi.get(server.url("/staff"), timeout=TIMEOUT).text
    assert "Bibliotheek Noord" in home and 'name="branch"' in home
    assert staff_post(multi, server, "/staff/branch", branch="zuid").status_code == 303
    assert "Stadskantoor Zuid" in re.search(r'<p class="lead">(.*?)</p>', multi.get(server.url("/staff"), timeout=TIMEOUT).text, re.S).group(1)
    session_id = new_id(staff_post(multi, server, "/sessions"))
    assert one(server, "SELECT branch FROM assisted_session WHERE id = ?", (session_id,))[0] == "zuid"
    assert one(server, "SELECT branch FROM audit_event WHERE action = 'branch-switched' ORDER BY id DESC LIMIT 1")[0] == "zuid"
    # Nina belongs to Noord only: she cannot switch to Zuid (or to a branch that does not exist).
    nina = signed_in(server, "nina", PASSWORD)
    for code in ("zuid", "nope", ""):
        assert staff_post(nina, server, "/staff/branch", branch=code).status_code == 400
    assert "Bibliotheek Noord" in nina.get(server.url("/staff"), timeout=TIMEOUT).text


def test_a_remote_colleague_serves_only_their_branches_and_consent_comes_from_the_asking_kiosk(network):
    server, kiosks = network
    rob = signed_in(server, "rob", PASSWORD)
    far = new_id(kiosk_post(kiosks["c"], server, "/kiosk/help"))   # Zuid: not Rob's
    near = new_id(kiosk_post(kiosks["b"], server, "/kiosk/help"))  # Noord
    listing = rob.get(server.url("/remote"), timeout=TIMEOUT).text
    assert f"/remote/requests/{near}" in listing and f"/remote/requests/{far}" not in listing
    csrf = csrf_of(listing)
    assert rob.post(server.url(f"/remote/requests/{far}/accept"), data={"csrf": csrf}, allow_redirects=False, timeout=TIMEOUT).status_code == 404
    assert one(server, "SELECT status FROM help_request WHERE id = ?", (far,))[0] == "open"
    assert rob.post(server.url(f"/remote/requests/{near}/accept"), data={"csrf": csrf}, allow_redirects=False, timeout=TIMEOUT).status_code == 303
    # Only the kiosk that asked answers the consent question: the other kiosk of the same branch cannot.
    assert kiosk_post(kiosks["a"], server, f"/help/{near}/consent", answer="yes").status_code == 404
    assert one(server, "SELECT status FROM help_request WHERE id = ?", (near,))[0] == "accepted"
    assert kiosk_post(kiosks["b"], server, f"/help/{near}/consent", answer="yes").status_code == 303
    assert kiosk_post(kiosks["b"], server, f"/help/{near}/end").status_code == 303
    assert kiosk_post(kiosks["c"], server, f"/help/{far}/end").status_code == 303


def test_the_audit_trail_shows_a_supervisor_their_branches_and_a_privacy_officer_all(network):
    server, _ = network
    add_staff(server.database, "olga", "supervisor", branches=("zuid",))
    granted = balie_cli("staff", "add", "--database", server.database, "--username", "pim", "--name", "Pim Privacy",
                        "--role", "supervisor", "--branch", "noord", "--grant", "privacy-officer", stdin=PASSWORD + "\n")
    assert granted.returncode == 0, granted.stderr
    for username in ("nina", "zara"):  # one session looked at in each branch
        staff = signed_in(server, username, PASSWORD)
        session_id = new_id(staff_post(staff, server, "/sessions"))
        assert staff.get(server.url(f"/sessions/{session_id}"), timeout=TIMEOUT).status_code == 200

    def audit_branches(username, query=""):
        """The branches of the audit rows that `username` gets in the audit CSV."""
        response = signed_in(server, username, PASSWORD).get(server.url("/audit.csv" + query), timeout=TIMEOUT)
        assert response.status_code == 200, response.text[:300]
        branch_of = dict(db_rows(server.database, "SELECT id, branch FROM audit_event"))
        return {branch_of.get(int(line.split(",")[0])) for line in response.text.splitlines()[1:] if line[:1].isdigit()}

    # Sam supervises Noord: Nina's rows there, and none from Zuid.
    assert audit_branches("sam", "?staff=nina") == {"noord"}
    # Of Zara (Zuid) Sam sees at most her refused attempts at Noord's sessions, which belong to Noord.
    assert audit_branches("sam", "?staff=zara") <= {"noord"}
    # Olga supervises Zuid: Zara's rows there.
    assert audit_branches("olga", "?staff=zara") == {"zuid"}
    # A privacy officer reads the rows of every branch.
    assert {"noord", "zuid"} <= audit_branches("pim")


def test_whoever_asked_for_help_cannot_accept_it(network):
    """A supervisor may accept help requests of their branch, but not one they asked for themselves."""
    server, _ = network
    sam = signed_in(server, "sam", PASSWORD)
    session_id = new_id(staff_post(sam, server, "/sessions"))
    help_id = new_id(staff_post(sam, server, f"/sessions/{session_id}/help"))
    assert staff_post(sam, server, f"/remote/requests/{help_id}/accept").status_code == 404
    assert one(server, "SELECT status, helper_id FROM help_request WHERE id = ?", (help_id,)) == ("open", None)
    rob = signed_in(server, "rob", PASSWORD)
    assert staff_post(rob, server, f"/remote/requests/{help_id}/accept").status_code == 303
    assert one(server, "SELECT status FROM help_request WHERE id = ?", (help_id,))[0] == "accepted"


def test_api_tokens_read_only_their_branches(network):
    server, _ = network
    zara = signed_in(server, "zara", PASSWORD)
    zuid_session = new_id(staff_post(zara, server, "/sessions"))
    nina = signed_in(server, "nina", PASSWORD)
    noord_session = new_id(staff_post(nina, server, "/sessions"))

    def listed(token, path="/api/v1/sessions?status=open"):
        response = requests.get(server.url(path), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
        assert response.status_code == 200, response.text[:300]
        return {item["id"] for item in response.json()["items"]}

    everywhere = make_token(server.database, "central", ["sessions:read"])
    noord = make_token(server.database, "noord-crm", ["sessions:read"], branches=("noord",))
    nowhere = make_token(server.database, "no-branch", ["sessions:read"], branches=())
    assert {zuid_session, noord_session} <= listed(everywhere)
    assert noord_session in listed(noord) and zuid_session not in listed(noord)
    assert listed(nowhere) == set()
    # One session by its id: another branch's is answered as not there, as problem JSON.
    response = requests.get(server.url(f"/api/v1/sessions/{zuid_session}"), headers={"Authorization": f"Bearer {noord}"}, timeout=TIMEOUT)
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/problem+json")


def test_the_display_is_per_branch(network):
    server, _ = network
    noord = requests.get(server.url("/branches/noord/display"), timeout=TIMEOUT)
    assert noord.status_code == 200 and "/branches/noord/display/events" in noord.text
    assert requests.get(server.url("/branches/nope/display"), timeout=TIMEOUT).status_code == 404
    # A plain browser has no branch, so /display cannot say which one.
    assert requests.get(server.url("/display"), allow_redirects=False, timeout=TIMEOUT).status_code in (403, 404)


# ------------------------------------------------------------------------------------------------
# holes closed


def test_a_visit_cookie_chosen_by_the_client_is_not_taken(network):
    server, _ = network
    planted = "attacker-chosen-visit-value-000000000000000"
    page = requests.get(server.url("/enrol"), headers={"Cookie": f"balie_visit={planted}"}, timeout=TIMEOUT)
    given = [c for c in page.raw.headers.getlist("Set-Cookie") if c.startswith("balie_visit=")]
    assert given and planted not in given[0], f"the planted visit cookie was kept: {given}"
    # A value of the right shape but without the server's signature is not taken either.
    forged = "A" * 43 + "." + "B" * 22
    page = requests.get(server.url("/enrol"), headers={"Cookie": f"balie_visit={forged}"}, timeout=TIMEOUT)
    given = [c for c in page.raw.headers.getlist("Set-Cookie") if c.startswith("balie_visit=")]
    assert given and forged not in given[0], f"a visit cookie without a valid signature was kept: {given}"


def test_no_get_changes_state(network):
    server, kiosks = network
    nina = signed_in(server, "nina", PASSWORD)
    for path in ("/kiosk/reset", "/session-expired"):
        response = nina.get(server.url(path), allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        assert not [c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("balie_session=")], f"GET {path} touched the sign-in"
    # The reset page asks for a press of its button, which posts.
    assert 'method="post" action="/kiosk/reset"' in nina.get(server.url("/kiosk/reset"), timeout=TIMEOUT).text
    assert nina.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200, "a GET ended the session"
    kiosk = kiosks["a"]
    kiosk.get(server.url("/kiosk/reset"), timeout=TIMEOUT)
    assert kiosk.get(server.url("/"), timeout=TIMEOUT).status_code == 200, "a GET reset ended the kiosk's enrolment"


def test_a_form_from_another_site_is_refused(network):
    server, kiosks = network
    kiosk = kiosks["a"]
    token = csrf_of(kiosk.get(server.url("/"), timeout=TIMEOUT).text)
    before = one(server, "SELECT count(*) FROM staff_call")[0]
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
                    {"Referer": "https://evil.example/page"}):
        response = kiosk.post(server.url("/kiosk/call-staff"), data={"csrf": token}, headers=headers, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 403, f"{headers}: {response.status_code}"
    assert one(server, "SELECT count(*) FROM staff_call")[0] == before
    same = kiosk.post(server.url("/kiosk/call-staff"), data={"csrf": token}, headers={"Origin": server.base_url},
                      allow_redirects=False, timeout=TIMEOUT)
    assert same.status_code == 303


def test_anonymous_writes_are_limited_per_kiosk(start_server):
    server = start_server("--no-kiosk-shortcut", "--anonymous-writes-per-kiosk", "3")
    cli("branch", "add", "--database", server.database, "--code", "noord", "--name", "Bibliotheek Noord")
    kiosk = enrolled_kiosk(server, "kiosk-1", "noord")
    statuses = [kiosk_post(kiosk, server, "/queue/tickets", group="banking").status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429], statuses
    assert db_rows(server.database, "SELECT count(*) FROM queue_ticket")[0][0] == 3


def test_behind_a_trusted_proxy_the_forwarded_address_counts(start_server):
    server = start_server("--no-kiosk-shortcut", "--trusted-proxy", "127.0.0.1", "--anonymous-writes-per-address", "2")
    cli("branch", "add", "--database", server.database, "--code", "noord", "--name", "Bibliotheek Noord")
    kiosk = enrolled_kiosk(server, "kiosk-1", "noord")

    def take(address):
        kiosk.headers["X-Forwarded-For"] = address
        return kiosk_post(kiosk, server, "/queue/tickets", group="banking").status_code

    assert [take("203.0.113.5") for _ in range(3)] == [303, 303, 429]
    assert take("203.0.113.6") == 303, "the limit counted the proxy's address, not the visitor's"
    # The audit trail's origin names the visitor's address too.
    client = requests.Session()
    client.headers["X-Forwarded-For"] = "198.51.100.7"
    token = csrf_of(client.get(server.url("/sign-in"), timeout=TIMEOUT).text)
    client.post(server.url("/sign-in"), data={"csrf": token, "username": "nobody", "password": "wrong-password-1"},
                allow_redirects=False, timeout=TIMEOUT)
    origin = one(server, "SELECT origin FROM audit_event WHERE action = 'sign-in-failed' ORDER BY id DESC LIMIT 1")[0]
    assert origin.endswith("/198.51.100.7"), origin
    # A forwarded header from a peer that is not the trusted proxy is ignored (checked in the Swift tests with
    # another peer address; here the peer is always this machine).
    # Metrics: a visitor forwarded from outside is not this machine; they need a metrics:read token, and
    # without one the page is not there.
    outside = {"X-Forwarded-For": "203.0.113.5"}
    reader = make_token(server.database, "prometheus", ["metrics:read"])
    other = make_token(server.database, "crm-metrics", ["sessions:read"])
    assert requests.get(server.url("/metrics"), headers=outside, timeout=TIMEOUT).status_code == 404
    assert requests.get(server.url("/metrics"), headers={**outside, "Authorization": f"Bearer {other}"}, timeout=TIMEOUT).status_code == 404
    assert requests.get(server.url("/metrics"), headers={**outside, "Authorization": f"Bearer {reader}"}, timeout=TIMEOUT).status_code == 200


def test_metrics_from_this_machine_count_per_branch(network):
    server, _ = network
    text = requests.get(server.url("/metrics"), timeout=TIMEOUT).text
    assert re.search(r'balie_queue_waiting\{branch="noord"\} \d+', text), text[:2000]


# ------------------------------------------------------------------------------------------------
# the demo shows it


def test_the_demo_has_two_branches_kiosks_and_history(start_server_module):
    server = start_server_module("--demo")
    assert requests.get(server.url("/"), timeout=TIMEOUT).status_code == 200  # this machine is the demo's kiosk-1
    branches = cli("branch", "list", "--database", server.database)
    assert "centrum" in branches and "stadskantoor" in branches
    kiosks = cli("kiosk", "list", "--database", server.database)
    assert len([line for line in kiosks.splitlines() if "\tactive" in line]) >= 4
    token = make_token(server.database, "demo-central", ["sessions:read"])
    sessions = requests.get(server.url("/api/v1/sessions?limit=100"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert sessions.status_code == 200 and len(sessions.json()["items"]) > 20
    admin = signed_in(server, "admin")
    page = admin.get(server.url("/admin/kiosks"), timeout=TIMEOUT).text
    assert "kiosk-1" in page and "kiosk-3" in page and "Stadskantoor" in page
    # Lotte works in both branches and switches between them.
    lotte = signed_in(server, "lotte")
    home = lotte.get(server.url("/staff"), timeout=TIMEOUT).text
    options = re.findall(r'<option value="([a-z0-9-]+)"', home)
    assert {"centrum", "stadskantoor"} <= set(options), options
    assert staff_post(lotte, server, "/staff/branch", branch="stadskantoor").status_code == 303
    assert "Stadskantoor" in re.search(r'<p class="lead">(.*?)</p>', lotte.get(server.url("/staff"), timeout=TIMEOUT).text, re.S).group(1)
