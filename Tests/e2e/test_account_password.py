"""The own password change at /account/password (issue 21), through real HTTP against the real server.

Accounts are made with the real command line (`balie staff add`, password on standard input); a second sign-in
with its own cookie jar stands for the person's other device.
"""

from __future__ import annotations

import html
import re

import pytest
import requests

from test_auth import (TIMEOUT, add_staff, audit_actions, balie_cli, csrf_of, db_rows, post_sign_in, signed_in)

PASSWORD = "amber-lantern-river-4271"
NEW_PASSWORD = "paars-fietspad-regenjas-71"


@pytest.fixture
def server(start_server):
    server = start_server()
    add_staff(server.database, "marieke", "staff", name="Marieke van Dijk")
    return server


def form_csrf(client: requests.Session, server) -> str:
    page = client.get(server.url("/account/password"), allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200, f"GET /account/password: {page.status_code}"
    assert 'action="/account/password"' in page.text
    return csrf_of(page.text)


def change(client, server, current: str, new: str, again: str | None = None, csrf: str | None = None, **headers):
    data = {"current_password": current, "new_password": new, "new_password_again": new if again is None else again}
    token = form_csrf(client, server) if csrf is None else csrf
    if token:
        data["csrf"] = token
    return client.post(server.url("/account/password"), data=data, allow_redirects=False, timeout=TIMEOUT, headers=headers)


def error_texts(page: str) -> list[str]:
    """The error summary's entries, as the person reads them."""
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    assert summary, f"no error summary on the page:\n{page[:2000]}"
    return [html.unescape(text) for text in re.findall(r'<a class="link" href="#[^"]+">([^<]+)</a>', summary.group(0))]


def test_the_staff_home_links_to_the_page(server):
    client = signed_in(server, "marieke", PASSWORD)
    home = client.get(server.url("/staff"), timeout=TIMEOUT)
    assert 'href="/account/password"' in home.text


def test_signed_out_visitors_are_sent_to_sign_in(server):
    response = requests.get(server.url("/account/password"), allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_change_ends_the_other_sessions_and_keeps_this_one(server):
    here = signed_in(server, "marieke", PASSWORD)
    elsewhere = signed_in(server, "marieke", PASSWORD)
    assert elsewhere.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200

    response = change(here, server, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303, response.text[:1500]
    assert response.headers["Location"] == "/account/password?changed=1"
    done = here.get(server.url(response.headers["Location"]), timeout=TIMEOUT)
    assert done.status_code == 200 and "Het is gelukt. U heeft nu een nieuw wachtwoord." in done.text

    # This device stays signed in; the other one is signed out.
    assert here.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200
    gone = elsewhere.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT)
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/sign-in")
    sessions = db_rows(server.database, "SELECT count(*) FROM staff_session WHERE staff_id = (SELECT id FROM staff WHERE username = 'marieke')")
    assert sessions[0][0] == 1

    # The old password no longer signs in, the new one does.
    assert post_sign_in(requests.Session(), server.base_url, "marieke", PASSWORD).status_code == 401
    assert post_sign_in(requests.Session(), server.base_url, "marieke", NEW_PASSWORD).status_code == 303
    assert "password-changed" in audit_actions(server.database, "marieke")
    dump = repr(db_rows(server.database, "SELECT action, subject, origin, coalesce(detail, '') FROM audit_event"))
    assert PASSWORD not in dump and NEW_PASSWORD not in dump, "a password reached the audit trail"


def test_a_wrong_current_password_is_refused_and_throttled(server):
    client = signed_in(server, "marieke", PASSWORD)
    for attempt in range(5):
        response = change(client, server, f"not-my-password-{attempt}", NEW_PASSWORD)
        assert response.status_code == 422, response.status_code
        assert error_texts(response.text) == ["Uw wachtwoord van nu is niet goed. Typ het opnieuw."]
    # The sixth try is stopped by the sign-in throttle, even with the right password.
    response = change(client, server, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 429
    assert error_texts(response.text) == ["Te veel pogingen. Wacht 15 minuten en probeer het dan opnieuw."]
    actions = audit_actions(server.database, "marieke")
    assert actions.count("password-change-failed") == 5 and "sign-in-throttled" in actions and "password-changed" not in actions
    # The wrong tries count towards the same throttle as failed sign-ins.
    assert db_rows(server.database, "SELECT count(*) FROM sign_in_failure WHERE username = 'marieke'")[0][0] == 5


@pytest.mark.parametrize("new, message", [
    ("password1234", "Dit wachtwoord gebruiken veel mensen."),
    ("Bibliotheekpas2026!", "Dit is één gewoon woord"),
    ("marieke", "Het nieuwe wachtwoord is te kort."),
    ("Marieke2026!!", "Gebruik niet uw naam of uw gebruikersnaam als wachtwoord."),
    ("Marieke van Dijk", "Gebruik niet uw naam of uw gebruikersnaam als wachtwoord."),
    ("mariekevandijk", "Gebruik niet uw naam of uw gebruikersnaam als wachtwoord."),
])
def test_a_refused_new_password_gets_a_clear_message(server, new, message):
    client = signed_in(server, "marieke", PASSWORD)
    response = change(client, server, PASSWORD, new)
    assert response.status_code == 422, response.status_code
    texts = error_texts(response.text)
    assert len(texts) == 1 and texts[0].startswith(message), texts
    assert 'aria-invalid="true"' in response.text
    assert post_sign_in(requests.Session(), server.base_url, "marieke", PASSWORD).status_code == 303, "the password changed anyway"


def test_the_username_is_refused(start_server):
    server = start_server()
    add_staff(server.database, "jan.de.vries.2026", "staff", name="Jan de Vries")
    client = signed_in(server, "jan.de.vries.2026", PASSWORD)
    response = change(client, server, PASSWORD, "Jan.De.Vries.2026")
    assert response.status_code == 422
    assert error_texts(response.text) == ["Gebruik niet uw naam of uw gebruikersnaam als wachtwoord."]


def test_the_messages_come_in_the_persons_language(server):
    client = signed_in(server, "marieke", PASSWORD)
    client.cookies.set("balie_lang", "en")
    response = change(client, server, PASSWORD, "password1234", again="something else entirely")
    assert response.status_code == 422
    assert error_texts(response.text) == ["Many people use this password. It is easy to guess. Choose another password.",
                                          "The two new passwords are not the same. Type them again."]


def test_missing_fields_and_a_mismatch_are_each_named(server):
    client = signed_in(server, "marieke", PASSWORD)
    response = change(client, server, "", "", again="")
    assert response.status_code == 422
    assert error_texts(response.text) == ["Vul uw wachtwoord van nu in.", "Vul een nieuw wachtwoord in.",
                                          "Vul het nieuwe wachtwoord nog een keer in."]
    response = change(client, server, PASSWORD, NEW_PASSWORD, again=NEW_PASSWORD + "x")
    assert error_texts(response.text) == ["De twee nieuwe wachtwoorden zijn niet hetzelfde. Typ ze opnieuw."]
    response = change(client, server, PASSWORD, PASSWORD)
    assert error_texts(response.text) == ["Het nieuwe wachtwoord is hetzelfde als het oude. Kies een ander wachtwoord."]
    response = change(client, server, "x" * 5000, "y" * 5000)
    assert response.status_code == 422


def test_without_the_csrf_token_nothing_changes(server):
    client = signed_in(server, "marieke", PASSWORD)
    other = signed_in(server, "marieke", PASSWORD)
    response = change(client, server, PASSWORD, NEW_PASSWORD, csrf="")
    assert response.status_code == 403
    response = change(client, server, PASSWORD, NEW_PASSWORD, csrf="forged-token")
    assert response.status_code == 403
    assert other.get(server.url("/staff"), allow_redirects=False, timeout=TIMEOUT).status_code == 200
    assert post_sign_in(requests.Session(), server.base_url, "marieke", PASSWORD).status_code == 303
    assert "password-changed" not in audit_actions(server.database, "marieke")


def test_the_command_line_refuses_the_same_passwords(server):
    for password, message in [("password1234", "too common"), ("Bibliotheekpas2026!", "dictionary word"),
                              ("Karel de Groot", "the username or the person's name")]:
        result = balie_cli("staff", "add", "--database", server.database, "--username", "karel", "--name", "Karel de Groot",
                           "--role", "staff", stdin=password + "\n")
        assert result.returncode != 0 and message in result.stderr, result.stderr
    result = balie_cli("staff", "reset-password", "--database", server.database, "--username", "marieke", stdin="Marieke2026!!!\n")
    assert result.returncode != 0 and "the username or the person's name" in result.stderr, result.stderr
    result = balie_cli("staff", "reset-password", "--database", server.database, "--username", "marieke", stdin=NEW_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
