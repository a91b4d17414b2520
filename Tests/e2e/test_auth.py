"""Staff sign-in and kiosk-grade security (issue #3), end to end through real HTTP against `balie serve`.

Run from the repository root:  python3 -m pytest Tests/e2e/test_auth.py -q

Accounts are made with the real command line (`balie staff add`, password on standard input) in the
same database the server uses; the audit trail and the session table are read straight from SQLite
(read-only) to check what the server did and did not store.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-kiosk-2026"
ROLES = ["staff", "supervisor", "remote", "admin"]
DEMO_USER = {"staff": "anna", "supervisor": "sanne", "remote": "yusuf", "admin": "admin"}
PASSWORD = "amber-lantern-river-4271"
TIMEOUT = 10

CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def balie_binary() -> Path:
    configured = os.environ.get("BALIE_BIN")
    path = Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "balie"
    return path if path.is_absolute() else REPO_ROOT / path


def balie_cli(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALIE_")}
    return subprocess.run(
        [str(balie_binary()), *map(str, args)], input=stdin, capture_output=True, text=True, timeout=30,
        cwd=REPO_ROOT, env=env,
    )


def add_staff(database: Path, username: str, role: str, password: str = PASSWORD, name: str | None = None,
              branches: tuple[str, ...] = ()):
    extra = [part for code in branches for part in ("--branch", code)]
    result = balie_cli("staff", "add", "--database", database, "--username", username,
                       "--name", name or f"Test {username}", "--role", role, *extra, stdin=password + "\n")
    assert result.returncode == 0, f"balie staff add {username} failed: {result.stdout}{result.stderr}"


def staff_status(database: Path) -> dict[str, str]:
    """username → 'active' | 'disabled', from `balie staff list` (username, role, branch, status, name)."""
    result = balie_cli("staff", "list", "--database", database)
    assert result.returncode == 0, result.stderr
    status = {}
    for line in result.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) >= 4:
            status[fields[0]] = fields[3]
    return status


def db_rows(database: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def audit_actions(database: Path, subject: str | None = None) -> list[str]:
    if subject is None:
        return [r[0] for r in db_rows(database, "SELECT action FROM audit_event ORDER BY id")]
    return [r[0] for r in db_rows(database, "SELECT action FROM audit_event WHERE subject = ? ORDER BY id", (subject,))]


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, f"no hidden csrf input in the page:\n{html[:1500]}"
    return match.group(1)


def set_cookies(response) -> list[str]:
    """The raw Set-Cookie header lines, one per cookie."""
    return list(response.raw.headers.getlist("Set-Cookie"))


def cookie_line(response, name: str) -> str | None:
    for line in set_cookies(response):
        if line.split("=", 1)[0].strip() == name:
            return line
    return None


def cookie_parts(line: str) -> tuple[str, set[str]]:
    """(value, attributes lower-cased, e.g. {'httponly', 'samesite=strict', 'path=/'})."""
    first, *attrs = [p.strip() for p in line.split(";")]
    value = first.split("=", 1)[1]
    return value, {a.lower().replace(" ", "") for a in attrs if a}


def sign_in_form(client: requests.Session, base: str, path: str = "/sign-in", **kw) -> str:
    page = client.get(base + path, timeout=TIMEOUT, **kw)
    assert page.status_code == 200, f"GET {path}: {page.status_code}"
    return csrf_of(page.text)


def post_sign_in(client, base, username, password, return_to: str | None = None, csrf: str | None = None, **kw):
    token = csrf if csrf is not None else sign_in_form(client, base, **kw)
    data = {"csrf": token, "username": username, "password": password}
    if return_to is not None:
        data["return"] = return_to
    return client.post(base + "/sign-in", data=data, allow_redirects=False, timeout=TIMEOUT, **kw)


def signed_in(server, username, password=DEMO_PASSWORD) -> requests.Session:
    client = requests.Session()
    response = post_sign_in(client, server.base_url, username, password)
    assert response.status_code == 303, f"sign-in as {username}: {response.status_code}\n{response.text[:800]}"
    assert client.cookies.get("balie_session"), f"no balie_session cookie after signing in as {username}"
    return client


def staff_csrf(client, base) -> str:
    page = client.get(base + "/staff", allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200, f"GET /staff: {page.status_code}"
    return csrf_of(page.text)


def location(response) -> tuple[str, dict]:
    parsed = urlparse(response.headers.get("Location", ""))
    return parsed.path, parse_qs(parsed.query)


def assert_redirect_to_sign_in(response, return_to: str | None = None, expired: bool = False):
    assert response.status_code == 302, f"expected 302 to sign-in, got {response.status_code}: {response.text[:300]}"
    path, query = location(response)
    assert path == "/sign-in", response.headers.get("Location")
    if return_to is not None:
        assert query.get("return") == [return_to], response.headers.get("Location")
    if expired:
        assert query.get("expired") == ["1"], f"no expired=1 in {response.headers.get('Location')}"


def assert_html_page(response):
    assert response.headers.get("Content-Type", "").startswith("text/html"), response.headers
    assert "<h1" in response.text and "<html" in response.text, response.text[:500]


def assert_no_swift_leaks(html: str, where: str):
    """Template values that were Swift optionals must never reach the page as 'nil' or 'Optional(…)'."""
    assert not re.search(r">\s*nil\s*<", html), f"{where}: the page shows a bare 'nil'"
    assert "Optional(" not in html, f"{where}: the page shows 'Optional(…)'"


# ------------------------------------------------------------------------------------------------
# servers
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(start_server_module):
    """The demo accounts (anna, sanne, yusuf, admin) plus a throw-away target account for admin actions."""
    server = start_server_module("--demo")
    add_staff(server.database, "target", "staff")
    return server


# ------------------------------------------------------------------------------------------------
# sign-in: wrong and right password, cookie flags, rotation
# ------------------------------------------------------------------------------------------------


def test_sign_in_page_has_the_form(demo):
    client = requests.Session()
    page = client.get(demo.url("/sign-in"), timeout=TIMEOUT)
    assert page.status_code == 200
    assert_html_page(page)
    for name in ("csrf", "return", "username", "password"):
        assert f'name="{name}"' in page.text, f"/sign-in has no field {name}"
    assert 'type="password"' in page.text
    assert page.headers.get("Cache-Control") == "no-store"
    visit = cookie_line(page, "balie_visit")
    assert visit, f"GET /sign-in sets no balie_visit cookie (CSRF needs it): {set_cookies(page)}"
    _, attrs = cookie_parts(visit)
    assert {"httponly", "samesite=strict", "path=/"} <= attrs, visit


def test_sign_in_and_staff_pages_show_no_swift_nil(demo):
    """Optional template values (the sign-in notice) must not render as the text 'nil' or 'Optional(…)'."""
    client = requests.Session()
    pages = {
        "GET /sign-in": client.get(demo.url("/sign-in"), timeout=TIMEOUT),
        "GET /sign-in?signed_out=1": client.get(demo.url("/sign-in?signed_out=1"), timeout=TIMEOUT),
        "GET /sign-in?expired=1": client.get(demo.url("/sign-in?expired=1"), timeout=TIMEOUT),
        "401 wrong password": post_sign_in(client, demo.base_url, "anna", "not-the-right-password"),
        "422 empty form": post_sign_in(client, demo.base_url, "", ""),
    }
    admin = signed_in(demo, "admin")
    pages["GET /staff"] = admin.get(demo.url("/staff"), timeout=TIMEOUT)
    pages["GET /admin/staff"] = admin.get(demo.url("/admin/staff"), timeout=TIMEOUT)
    leaks = []
    for name, response in pages.items():
        found = re.search(r".{0,60}(>\s*nil\s*<|Optional\().{0,10}", response.text, re.S)
        if found:
            leaks.append(f"{name}: {found.group(0)!r}")
    assert not leaks, "\n".join(leaks)


def test_wrong_password_is_refused(demo):
    client = requests.Session()
    response = post_sign_in(client, demo.base_url, "anna", "not-the-right-password")
    assert response.status_code == 401, response.status_code
    assert_html_page(response)
    assert "error-summary" in response.text, "a wrong password shows no error summary"
    assert "not-the-right-password" not in response.text, "the wrong password is echoed back in the page"
    assert cookie_line(response, "balie_session") is None, "a failed sign-in set a session cookie"
    assert_redirect_to_sign_in(client.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT), "/staff")
    # An unknown username gets exactly the same answer (no user enumeration).
    unknown = post_sign_in(requests.Session(), demo.base_url, "nobody-here", "not-the-right-password")
    assert unknown.status_code == 401


def test_right_password_signs_in_with_strict_cookie(demo):
    client = requests.Session()
    response = post_sign_in(client, demo.base_url, "anna", DEMO_PASSWORD)
    assert response.status_code == 303, response.text[:500]
    assert location(response)[0] == "/staff"
    line = cookie_line(response, "balie_session")
    assert line, f"no balie_session Set-Cookie: {set_cookies(response)}"
    value, attrs = cookie_parts(line)
    assert "httponly" in attrs, line
    assert "samesite=strict" in attrs, line
    assert "path=/" in attrs, line
    assert "secure" not in attrs, f"Secure on plain HTTP without --behind-tls-proxy: {line}"
    assert not any(a.startswith("domain=") for a in attrs), line
    # 256 random bits, base64url without padding: 43 characters.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value), f"session token is not 256-bit base64url: {value!r}"
    home = client.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT)
    assert home.status_code == 200
    assert "Anna" in home.text
    assert home.headers.get("Cache-Control") == "no-store"


def test_sign_in_returns_to_the_requested_page_but_never_off_site(demo):
    client = requests.Session()
    first = client.get(demo.url("/admin/staff"), allow_redirects=False, timeout=TIMEOUT)
    assert_redirect_to_sign_in(first, "/admin/staff")
    csrf = sign_in_form(client, demo.base_url, first.headers["Location"])
    response = post_sign_in(client, demo.base_url, "admin", DEMO_PASSWORD, return_to="/admin/staff", csrf=csrf)
    assert response.status_code == 303 and location(response)[0] == "/admin/staff", response.headers
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
                 "/\u00a0/evil.example"):
        other = requests.Session()
        response = post_sign_in(other, demo.base_url, "anna", DEMO_PASSWORD, return_to=evil)
        assert response.status_code == 303
        target = response.headers["Location"]
        assert target.startswith("/") and not target.startswith("//") and "evil" not in target, (
            f"open redirect: return={evil!r} → Location {target!r}"
        )


def test_every_sign_in_rotates_the_token(demo):
    client = requests.Session()
    first = post_sign_in(client, demo.base_url, "sanne", DEMO_PASSWORD)
    token1 = cookie_parts(cookie_line(first, "balie_session"))[0]
    second = post_sign_in(client, demo.base_url, "sanne", DEMO_PASSWORD)
    assert second.status_code == 303
    token2 = cookie_parts(cookie_line(second, "balie_session"))[0]
    assert token1 != token2, "a second sign-in kept the same session token"
    old = requests.Session()
    old.cookies.set("balie_session", token1)
    assert_redirect_to_sign_in(old.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT))
    new = requests.Session()
    new.cookies.set("balie_session", token2)
    assert new.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200


def test_session_fixation_a_planted_cookie_is_replaced(demo):
    planted = "A" * 43
    client = requests.Session()
    client.cookies.set("balie_session", planted)
    page = client.get(demo.url("/sign-in"), timeout=TIMEOUT)
    assert page.status_code == 200
    assert cookie_line(page, "balie_visit"), (
        "GET /sign-in with an unknown or expired balie_session cookie (and no balie_visit yet) sets no balie_visit "
        f"cookie, so the form's CSRF token can never be accepted (Set-Cookie: {set_cookies(page)})"
    )
    response = post_sign_in(client, demo.base_url, "anna", DEMO_PASSWORD, csrf=csrf_of(page.text))
    assert response.status_code == 303, f"sign-in after a stale session cookie: {response.status_code}"
    token = cookie_parts(cookie_line(response, "balie_session"))[0]
    assert token != planted
    attacker = requests.Session()
    attacker.cookies.set("balie_session", planted)
    assert_redirect_to_sign_in(attacker.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT))


def test_sign_out_ends_the_session_and_clears_site_data(demo):
    client = signed_in(demo, "yusuf")
    token = client.cookies.get("balie_session")
    csrf = staff_csrf(client, demo.base_url)
    response = client.post(demo.url("/sign-out"), data={"csrf": csrf}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303
    path, query = location(response)
    assert path == "/sign-in" and query.get("signed_out") == ["1"], response.headers.get("Location")
    clear = response.headers.get("Clear-Site-Data", "")
    for part in ('"cache"', '"cookies"', '"storage"'):
        assert part in clear, f"Clear-Site-Data is {clear!r}"
    line = cookie_line(response, "balie_session")
    assert line, "sign-out does not expire the balie_session cookie"
    value, attrs = cookie_parts(line)
    assert value == "" or any(a.startswith("max-age=0") or a.startswith("expires=") for a in attrs), line
    replay = requests.Session()
    replay.cookies.set("balie_session", token)
    assert_redirect_to_sign_in(replay.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT))


def test_lock_ends_the_session_and_shows_the_customer_start(demo):
    client = signed_in(demo, "anna")
    token = client.cookies.get("balie_session")
    csrf = staff_csrf(client, demo.base_url)
    response = client.post(demo.url("/lock"), data={"csrf": csrf}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303 and location(response)[0] == "/", response.headers
    replay = requests.Session()
    replay.cookies.set("balie_session", token)
    assert_redirect_to_sign_in(replay.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT))
    assert "lock" in audit_actions(demo.database, "anna")


# ------------------------------------------------------------------------------------------------
# expiry
# ------------------------------------------------------------------------------------------------


def test_idle_expiry(start_server):
    server = start_server("--demo", "--session-idle-timeout", "2")
    client = signed_in(server, "anna")
    assert client.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200
    time.sleep(3.2)
    response = client.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT)
    assert_redirect_to_sign_in(response, "/staff", expired=True)
    assert "session-expired" in audit_actions(server.database), audit_actions(server.database)
    assert db_rows(server.database, "SELECT count(*) FROM staff_session")[0][0] == 0, "the expired session is still stored"
    # The page the redirect leads to explains what happened.
    page = client.get(server.url(response.headers["Location"]), timeout=TIMEOUT)
    assert page.status_code == 200
    friendly = requests.get(server.url("/session-expired"), timeout=TIMEOUT)
    assert friendly.status_code == 200
    assert_html_page(friendly)


def test_absolute_expiry_even_when_active(start_server):
    server = start_server("--demo", "--session-idle-timeout", "2", "--session-absolute-timeout", "3")
    client = requests.Session()
    csrf = sign_in_form(client, server.base_url)
    started = time.monotonic()
    assert post_sign_in(client, server.base_url, "anna", DEMO_PASSWORD, csrf=csrf).status_code == 303
    history = []
    expired_at = None
    while time.monotonic() - started < 7:
        response = client.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT)
        elapsed = time.monotonic() - started
        history.append((round(elapsed, 2), response.status_code))
        if response.status_code != 200:
            assert_redirect_to_sign_in(response, "/staff", expired=True)
            expired_at = elapsed
            break
        time.sleep(0.5)
    assert expired_at is not None, f"the session never ended within 7 s: {history}"
    assert expired_at >= 2.9, f"ended before the absolute timeout of 3 s: {history}"
    assert expired_at < 4.5, f"ended too late: {history}"
    # Kept alive past the idle timeout of 2 s by the requests every half second.
    assert any(t > 2.1 and status == 200 for t, status in history), f"the idle timeout ended an active session: {history}"


# ------------------------------------------------------------------------------------------------
# CSRF
# ------------------------------------------------------------------------------------------------


def test_csrf_wrong_token_on_lock_changes_nothing(demo):
    client = signed_in(demo, "sanne")
    good = staff_csrf(client, demo.base_url)
    other = signed_in(demo, "anna")
    foreign = staff_csrf(other, demo.base_url)  # a valid token, but bound to another session
    locks_before = audit_actions(demo.database).count("lock")
    for data in ({"csrf": "wrong"}, {}, {"csrf": foreign}, {"csrf": good[:-1] + ("A" if good[-1] != "A" else "B")}):
        response = client.post(demo.url("/lock"), data=data, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 403, f"POST /lock with {data}: {response.status_code}"
        assert_html_page(response)
        assert client.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200, (
            f"the session ended after a rejected POST /lock with {data}"
        )
    assert audit_actions(demo.database).count("lock") == locks_before
    # The right token still works (and ends the session).
    ok = client.post(demo.url("/lock"), data={"csrf": good}, allow_redirects=False, timeout=TIMEOUT)
    assert ok.status_code == 303


def test_csrf_missing_token_on_admin_disable_changes_nothing(demo):
    admin = signed_in(demo, "admin")
    assert staff_status(demo.database)["target"] == "active"
    for data in ({}, {"csrf": ""}, {"csrf": "x" * 43}):
        response = admin.post(demo.url("/admin/staff/target/disable"), data=data, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 403, f"{data}: {response.status_code}"
        assert_html_page(response)
    assert staff_status(demo.database)["target"] == "active", "a POST without a CSRF token disabled the account"
    assert "staff-disabled" not in audit_actions(demo.database, "target")


def test_csrf_token_before_sign_in_is_bound_to_the_visit(demo):
    """A sign-in form token taken from another visit is refused: login CSRF."""
    attacker = requests.Session()
    foreign = sign_in_form(attacker, demo.base_url)
    victim = requests.Session()
    victim.get(demo.url("/sign-in"), timeout=TIMEOUT)
    response = post_sign_in(victim, demo.base_url, "anna", DEMO_PASSWORD, csrf=foreign)
    assert response.status_code == 403, response.status_code
    assert cookie_line(response, "balie_session") is None


# ------------------------------------------------------------------------------------------------
# throttling
# ------------------------------------------------------------------------------------------------


def test_lockout_after_five_failures(start_server):
    server = start_server()
    add_staff(server.database, "locked", "staff")
    add_staff(server.database, "bystander", "staff")
    client = requests.Session()
    wrong = ["wrong-password-%d-xyz" % i for i in range(5)]
    for attempt in wrong:
        response = post_sign_in(client, server.base_url, "locked", attempt)
        assert response.status_code == 401, f"attempt with {attempt}: {response.status_code}"
    response = post_sign_in(client, server.base_url, "locked", PASSWORD)
    assert response.status_code == 429, f"6th attempt with the right password: {response.status_code}"
    assert_html_page(response)
    assert "error-summary" in response.text
    assert cookie_line(response, "balie_session") is None
    actions = audit_actions(server.database, "locked")
    assert actions.count("sign-in-failed") == 5, actions
    assert "sign-in-throttled" in actions, actions
    assert "sign-in" not in actions, actions
    failures = db_rows(server.database, "SELECT count(*) FROM sign_in_failure WHERE username = 'locked'")[0][0]
    assert failures >= 5
    rows = db_rows(server.database, "SELECT action, subject, origin, coalesce(detail, '') FROM audit_event")
    dump = repr(rows)
    for attempt in wrong + [PASSWORD]:
        assert attempt not in dump, "a password reached the audit trail"
    origins = {r[2] for r in rows if r[1] == "locked"}
    assert all(o for o in origins), f"audit rows without origin: {rows}"
    # Another username from the same address is not locked out by these five.
    assert post_sign_in(requests.Session(), server.base_url, "bystander", PASSWORD).status_code == 303


def test_failures_per_address_are_limited(start_server):
    server = start_server()
    add_staff(server.database, "victim", "staff")
    client = requests.Session()
    csrf = sign_in_form(client, server.base_url)
    statuses = []
    for i in range(20):  # 4 each for 5 usernames: no single username reaches 5
        response = post_sign_in(client, server.base_url, f"guess{i % 5}", "wrong-password-xyz", csrf=csrf)
        statuses.append(response.status_code)
    assert statuses.count(401) >= 19, statuses
    response = post_sign_in(client, server.base_url, "victim", PASSWORD, csrf=csrf)
    assert response.status_code == 429, f"after 20 failures from one address: {response.status_code}"


# ------------------------------------------------------------------------------------------------
# authorization: every route, every role, and no session
# ------------------------------------------------------------------------------------------------

# (method, path, roles allowed, status when allowed)
ROUTES = [
    ("GET", "/staff", set(ROLES), 200),
    ("GET", "/admin/staff", {"admin"}, 200),
    ("POST", "/admin/staff/target/disable", {"admin"}, 303),
    ("POST", "/admin/staff/target/enable", {"admin"}, 303),
    ("POST", "/session/extend", set(ROLES), 303),
    ("POST", "/sign-out", set(ROLES), 303),
    ("POST", "/lock", set(ROLES), 303),
]
MATRIX = [pytest.param(m, p, r, id=f"{r}-{m}{p}") for m, p, _, _ in ROUTES for r in ROLES + ["none"]]


@pytest.mark.parametrize("method,path,role", MATRIX)
def test_role_matrix(demo, method, path, role):
    allowed, ok_status = next((a, s) for m, p, a, s in ROUTES if m == method and p == path)
    if role == "none":
        client = requests.Session()
        csrf = sign_in_form(client, demo.base_url)  # a valid visit token: the refusal must be about the session
    else:
        client = signed_in(demo, DEMO_USER[role])
        csrf = staff_csrf(client, demo.base_url)
    before = staff_status(demo.database)["target"]
    if method == "GET":
        response = client.get(demo.url(path), allow_redirects=False, timeout=TIMEOUT)
    else:
        response = client.post(demo.url(path), data={"csrf": csrf, "return": "/staff"}, allow_redirects=False,
                                timeout=TIMEOUT)
    if role == "none":
        assert_redirect_to_sign_in(response)
        if method == "GET":
            assert location(response)[1].get("return") == [path]
    elif role in allowed:
        assert response.status_code == ok_status, f"{role} {method} {path}: {response.status_code} {response.text[:300]}"
        if ok_status == 200:
            assert_html_page(response)
    else:
        assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
        assert_html_page(response)
        assert client.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200, (
            "a refused request ended the session"
        )
    after = staff_status(demo.database)["target"]
    if role == "admin" and path.endswith("/disable"):
        assert after == "disabled"
    elif role == "admin" and path.endswith("/enable"):
        assert after == "active"
    else:
        assert after == before, f"{role} {method} {path} changed the target account: {before} → {after}"
    if role == "admin" and "/admin/staff/target/" in path:
        # leave the target active for the next cells, whatever order they run in
        if after != "active":
            assert balie_cli("staff", "enable", "--username", "target", "--database", demo.database).returncode == 0


def test_disabling_an_account_ends_its_sessions(demo):
    victim = signed_in(demo, "target", PASSWORD)
    admin = signed_in(demo, "admin")
    csrf = staff_csrf(admin, demo.base_url)
    try:
        response = admin.post(demo.url("/admin/staff/target/disable"), data={"csrf": csrf}, allow_redirects=False,
                              timeout=TIMEOUT)
        assert response.status_code == 303
        assert_redirect_to_sign_in(victim.get(demo.url("/staff"), allow_redirects=False, timeout=TIMEOUT))
        assert post_sign_in(requests.Session(), demo.base_url, "target", PASSWORD).status_code == 401
        assert "staff-disabled" in audit_actions(demo.database, "target") or "staff-disabled" in audit_actions(demo.database)
    finally:
        balie_cli("staff", "enable", "--username", "target", "--database", demo.database)
    unknown = admin.post(demo.url("/admin/staff/no-such-user/disable"), data={"csrf": csrf}, allow_redirects=False,
                         timeout=TIMEOUT)
    assert unknown.status_code == 404


# ------------------------------------------------------------------------------------------------
# security headers
# ------------------------------------------------------------------------------------------------


def assert_security_headers(response, where: str, page: bool = True):
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == "default-src 'self'", f"{where}: CSP {csp!r}"
    assert directives.get("script-src") == "script-src 'self'", f"{where}: CSP {csp!r}"
    assert directives.get("style-src") == "style-src 'self'", f"{where}: CSP {csp!r}"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", f"{where}: CSP {csp!r}"
    assert directives.get("form-action") == "form-action 'self'", f"{where}: CSP {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{where}: CSP {csp!r}"
    assert h.get("X-Content-Type-Options") == "nosniff", f"{where}: {dict(h)}"
    assert h.get("Referrer-Policy") == "no-referrer", f"{where}: {dict(h)}"
    permissions = h.get("Permissions-Policy", "").replace(" ", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions, f"{where}: Permissions-Policy {h.get('Permissions-Policy')!r}"
    if page:
        assert h.get("Cache-Control") == "no-store", f"{where}: Cache-Control {h.get('Cache-Control')!r}"
    assert "Strict-Transport-Security" not in h, f"{where}: HSTS on plain HTTP"


def test_security_headers_everywhere(demo):
    page = requests.get(demo.url("/"), timeout=TIMEOUT)
    assert page.status_code == 200
    assert_security_headers(page, "GET /")
    sheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert sheet, "no <link rel=stylesheet> on the start page"
    css = requests.get(demo.url(sheet.group(1)), timeout=TIMEOUT)
    assert css.status_code == 200 and css.headers.get("Content-Type", "").startswith("text/css"), css.headers
    assert_security_headers(css, sheet.group(1), page=False)
    missing = requests.get(demo.url("/no-such-page"), timeout=TIMEOUT)
    assert missing.status_code == 404
    assert_security_headers(missing, "404")
    missing_static = requests.get(demo.url("/static/no-such-file.css"), timeout=TIMEOUT)
    assert missing_static.status_code == 404
    assert_security_headers(missing_static, "404 static")
    wrong_method = requests.delete(demo.url("/staff"), timeout=TIMEOUT)
    assert wrong_method.status_code == 405
    assert_security_headers(wrong_method, "405")
    redirect = requests.get(demo.url("/admin/staff"), allow_redirects=False, timeout=TIMEOUT)
    assert redirect.status_code == 302
    assert_security_headers(redirect, "302 to sign-in")
    signin = requests.get(demo.url("/sign-in"), timeout=TIMEOUT)
    assert_security_headers(signin, "/sign-in")
    client = signed_in(demo, "admin")
    for path in ("/staff", "/admin/staff"):
        assert_security_headers(client.get(demo.url(path), timeout=TIMEOUT), path)
    forbidden = client.post(demo.url("/lock"), data={"csrf": "bad"}, allow_redirects=False, timeout=TIMEOUT)
    assert forbidden.status_code == 403
    assert_security_headers(forbidden, "403 CSRF page")
    health = requests.get(demo.url("/healthz"), timeout=TIMEOUT)
    assert_security_headers(health, "/healthz", page=False)


def test_behind_tls_proxy_marks_cookies_secure_and_sends_hsts(start_server):
    server = start_server("--demo", "--behind-tls-proxy")
    page = requests.get(server.url("/sign-in"), timeout=TIMEOUT)
    assert "max-age=" in page.headers.get("Strict-Transport-Security", ""), page.headers
    visit = cookie_line(page, "balie_visit")
    assert visit and "secure" in cookie_parts(visit)[1], visit
    # requests will not send a Secure cookie back over http, so pass it by hand.
    csrf = csrf_of(page.text)
    response = requests.post(server.url("/sign-in"), data={"csrf": csrf, "username": "anna", "password": DEMO_PASSWORD},
                             cookies={"balie_visit": cookie_parts(visit)[0]}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.text[:500]
    _, attrs = cookie_parts(cookie_line(response, "balie_session"))
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attrs, attrs


# ------------------------------------------------------------------------------------------------
# HTTPS by libmicrohttpd itself
# ------------------------------------------------------------------------------------------------

TLS_LISTENING = re.compile(r"^Balie listening on https://127\.0\.0\.1:(\d+)$")


@pytest.fixture
def tls_server(tmp_path):
    """conftest's start_server expects an http:// line; this starts `balie serve` with TLS by hand."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, text=True, timeout=60,
    )
    assert made.returncode == 0, made.stderr
    database = tmp_path / "balie.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALIE_")}
    stderr = open(tmp_path / "stderr.log", "wb")
    process = subprocess.Popen(
        [str(balie_binary()), "serve", "--host", "127.0.0.1", "--port", "0", "--database", str(database), "--demo",
         "--tls-cert", str(cert), "--tls-key", str(key)],
        cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, env=env,
    )
    stderr.close()
    first: list[str] = []
    got = threading.Event()

    def drain():
        for raw in process.stdout:
            if not got.is_set():
                first.append(raw.decode("utf-8", "replace").strip())
                got.set()
        got.set()

    threading.Thread(target=drain, daemon=True).start()
    got.wait(30)
    try:
        assert first, f"no first line; stderr:\n{(tmp_path / 'stderr.log').read_text(errors='replace')[-2000:]}"
        match = TLS_LISTENING.match(first[0])
        assert match, f"first line with TLS is {first[0]!r}, not 'Balie listening on https://127.0.0.1:PORT'"
        yield {"port": int(match.group(1)), "cert": str(cert), "database": database,
               "base": f"https://127.0.0.1:{match.group(1)}"}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def test_https_with_a_test_certificate(tls_server):
    base, cert = tls_server["base"], tls_server["cert"]
    health = requests.get(base + "/healthz", verify=cert, timeout=TIMEOUT)
    assert health.status_code == 200 and health.json().get("status") == "ok"
    hsts = health.headers.get("Strict-Transport-Security", "")
    assert re.search(r"max-age=\d{6,}", hsts), f"HSTS on TLS is {hsts!r}"

    client = requests.Session()
    # verify= on every call: REQUESTS_CA_BUNDLE in the environment would override Session.verify.
    page = client.get(base + "/sign-in", timeout=TIMEOUT, verify=cert)
    assert page.status_code == 200
    assert "Strict-Transport-Security" in page.headers
    visit = cookie_line(page, "balie_visit")
    assert visit and "secure" in cookie_parts(visit)[1], f"balie_visit over TLS without Secure: {visit}"
    response = post_sign_in(client, base, "anna", DEMO_PASSWORD, csrf=csrf_of(page.text), verify=cert)
    assert response.status_code == 303, response.text[:500]
    line = cookie_line(response, "balie_session")
    assert line, set_cookies(response)
    _, attrs = cookie_parts(line)
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attrs, f"session cookie over TLS: {line}"
    assert client.get(base + "/staff", allow_redirects=False, timeout=TIMEOUT, verify=cert).status_code == 200

    # The certificate is really checked: without it, verification fails.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(base + "/healthz", timeout=TIMEOUT)
    # Plain HTTP to the TLS port gets no HTTP answer.
    with pytest.raises(requests.exceptions.RequestException):
        plain = requests.get(f"http://127.0.0.1:{tls_server['port']}/healthz", timeout=5)
        pytest.fail(f"plain HTTP on the TLS port answered {plain.status_code}")
    # And the server still serves TLS afterwards.
    assert requests.get(base + "/healthz", verify=cert, timeout=TIMEOUT).status_code == 200


# ------------------------------------------------------------------------------------------------
# nothing secret in the database
# ------------------------------------------------------------------------------------------------


def test_database_holds_no_password_or_token_in_clear(start_server):
    server = start_server()
    secret_password = "quartz-meadow-falcon-9182"
    add_staff(server.database, "secretive", "admin", password=secret_password)
    client = signed_in(server, "secretive", secret_password)
    token = client.cookies.get("balie_session")
    # a failed attempt too: wrong passwords must not be stored either
    wrong = "almost-quartz-meadow-0000"
    assert post_sign_in(requests.Session(), server.base_url, "secretive", wrong).status_code == 401
    assert client.get(server.url("/staff"), timeout=TIMEOUT).status_code == 200

    files = [p for p in (server.database, Path(f"{server.database}-wal"), Path(f"{server.database}-journal")) if p.exists()]
    blob = b"".join(p.read_bytes() for p in files)
    assert len(blob) > 4096
    for secret, what in ((secret_password, "password"), (wrong, "wrong password"), (token, "session token")):
        for encoding in (secret.encode("utf-8"), secret.encode("utf-16-le")):
            assert encoding not in blob, f"the {what} is in the database files in clear"

    import hashlib

    stored = {r[0] for r in db_rows(server.database, "SELECT token_hash FROM staff_session")}
    assert hashlib.sha256(token.encode()).hexdigest() in stored, "the session is not stored as sha256(token)"
    (hash_,) = db_rows(server.database, "SELECT password_hash FROM staff WHERE username = 'secretive'")[0]
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", hash_)
    assert match, f"password hash is not an encoded Argon2id string: {hash_[:30]}…"
    memory, iterations, lanes = map(int, match.groups())
    assert memory >= 19 * 1024 and iterations >= 2 and lanes >= 1, f"Argon2id parameters under OWASP's: {hash_[:40]}"


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------

BAD_FORMS = [
    pytest.param("username=" + "a" * 100_000 + "&password=whatever-long-enough", id="huge-username"),
    pytest.param("username=anna&password=" + "p" * 100_000, id="huge-password"),
    pytest.param("username=an%00na&password=whatever-long-enough", id="nul-in-username"),
    pytest.param("username=an%01%1b%7fna&password=whatever-long-enough", id="control-chars"),
    pytest.param("username=%0d%0aSet-Cookie:%20x=1&password=whatever-long-enough", id="crlf-injection"),
    pytest.param("username=%ff&password=whatever-long-enough", id="invalid-utf8-username"),
    pytest.param("username=anna&password=%c3%28%ff%fe", id="invalid-utf8-password"),
    pytest.param("username=%e2%80%ae%e2%80%8banna&password=whatever-long-enough", id="bidi-zero-width"),
    pytest.param("username=%&password=%zz", id="broken-escapes"),
    pytest.param("username=&password=", id="empty"),
    pytest.param("username=anna&username=admin&password=x", id="repeated-field"),
    pytest.param("username=<script>alert(1)</script>&password=whatever-long-enough", id="markup"),
]


@pytest.mark.parametrize("body", BAD_FORMS)
def test_bad_sign_in_input_gets_a_clear_4xx_page(demo, body):
    client = requests.Session()
    csrf = sign_in_form(client, demo.base_url)
    response = client.post(
        demo.url("/sign-in"), data=f"csrf={csrf}&{body}".encode("latin-1"),
        headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False, timeout=TIMEOUT,
    )
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    assert response.status_code not in (404, 405), response.status_code
    assert_html_page(response)
    assert cookie_line(response, "balie_session") is None
    assert "<script>alert(1)</script>" not in response.text, "markup from the form came back unescaped"
    assert not any(line.lower().startswith("x=") for line in set_cookies(response)), "header injection"
    assert len(response.content) < 200_000, "the whole oversized input was echoed back"
    assert_security_headers(response, body[:30])
    if response.status_code in (401, 422, 429):
        assert "error-summary" in response.text, f"{response.status_code} without an error summary"
    # The server keeps serving.
    assert requests.get(demo.url("/healthz"), timeout=TIMEOUT).status_code == 200


def test_bad_input_never_crashes_the_server(demo):
    assert demo.is_running()
    assert "internal_error" not in demo.stderr_text() and " 500 " not in demo.stderr_text(), (
        "the server logged a 500:\n" + "\n".join(l for l in demo.stderr_text().splitlines() if "500" in l)[-2000:]
    )
