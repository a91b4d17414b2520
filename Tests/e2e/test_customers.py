"""The shared customer record (issue #4), end to end: real `balie serve` over real HTTP, real `balie import`.

Run from the repository root:  python3 -m pytest Tests/e2e/test_customers.py -q

Customers and contacts come in through the real command line (`balie import customers|contacts FILE.csv`)
into the database the server uses; the audit trail and the tables are read straight from SQLite (read-only,
except for the one test that proves the audit trail refuses UPDATE and DELETE).
"""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from test_auth import (
    DEMO_PASSWORD,
    PASSWORD,
    add_staff,
    assert_html_page,
    assert_no_swift_leaks,
    assert_redirect_to_sign_in,
    balie_cli,
    csrf_of,
    db_rows,
    location,
    signed_in,
)

TIMEOUT = 10

CUSTOMER_HEADER = "customer_number,given_name,family_name,birth_date,postcode,phone,email,preferred_channel,language"
CONTACT_HEADER = "customer_number,channel,at,topic,summary,outcome"

# Names chosen so that none of them is a word that could turn up in a log line by chance.
CUSTOMERS = [
    # number, given, family, birth date, postcode, phone, email, preferred channel, language
    ("200001", "Anneke", "De Vriës", "1948-03-07", "3512 AB", "0612345678", "anneke@example.org", "letter", "nl"),
    ("200002", "Pieterbas", "de Vries", "1960-11-23", "1011AA", "", "", "phone", "nl"),
    ("200003", "Ayşe", "Yılmaz", "1975-05-02", "3011 xy", "", "", "in-person", "tr"),
    ("200004", "Wolterus", "Vrijmoeth", "1982-01-15", "9711 CD", "", "", "email", "nl"),
    ("200005", "Grietje", "Jansen-Oudkerk", "1948-03-07", "2511 EF", "", "", "app", "nl"),   # same birth date
    ("200006", "Hendrikus", "Bosmolen", "1950-08-30", "3512AB", "", "", "letter", "nl"),     # same postcode
    ("200007", "Femke", "Zuidervaart", "1991-12-01", "5611 GH", "", "", "phone", "en"),     # for audit counts
    ("200008", "Jozefien", "Kroonenberg", "1939-06-06", "6511 JK", "", "", "letter", "nl"),  # for consents
]
NAMES = sorted({c[1] for c in CUSTOMERS} | {c[2] for c in CUSTOMERS})

# Several channels, deliberately out of time order in the file.
CONTACTS = [
    ("200001", "letter", "2026-01-10T09:00:00Z", "Brief huurtoeslag", "Brief verstuurd over de huurtoeslag", "verstuurd"),
    ("200001", "phone", "2026-03-05T14:30:00Z", "Vraag over huurtoeslag", "Belde over de brief", "beantwoord"),
    ("200001", "kiosk-assisted", "2026-11-02T10:15:00Z", "Aanvraag samen ingevuld", "Met hulp aan de balie", "afgerond"),
    ("200001", "email", "2026-06-20T08:00:00Z", "Bewijsstukken gemaild", "Loonstrook gestuurd", "ontvangen"),
    ("200001", "chat", "2026-09-12T19:45:00Z", "Chat zonder antwoord", "Chat afgebroken", "onopgelost"),
    ("200002", "web", "2026-02-01T12:00:00Z", "Formulier online", "Halverwege gestopt", "onopgelost"),
]
EXPECTED_ORDER = ["Aanvraag samen ingevuld", "Chat zonder antwoord", "Bewijsstukken gemaild", "Vraag over huurtoeslag",
                  "Brief huurtoeslag"]

INJECTIONS = ["' OR 1=1 --", '"*', "<script>alert(1)</script>", "vri*", "NEAR(de vries)", "de OR vries", '"de" AND "',
              "%", "_", "\\", "a' ; DROP TABLE customer; --"]


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def csv_text(header: str, rows) -> str:
    return header + "\n" + "".join(",".join(row) + "\n" for row in rows)


def write_csv(path: Path, header: str, rows) -> Path:
    path.write_text(csv_text(header, rows), encoding="utf-8")
    return path


def import_file(kind: str, path: Path, database: Path, *extra):
    return balie_cli("import", kind, path, "--database", database, *extra)


def count(database: Path, sql: str, params=()) -> int:
    return db_rows(database, sql, params)[0][0]


def audit_rows(database: Path, action: str, subject: str | None = None) -> list[tuple]:
    sql = "SELECT id, at, action, actor_id, actor_role, subject, origin, detail, reason FROM audit_event WHERE action = ?"
    params: tuple = (action,)
    if subject is not None:
        sql += " AND subject = ?"
        params += (subject,)
    return db_rows(database, sql + " ORDER BY id", params)


def staff_id(database: Path, username: str) -> int:
    return db_rows(database, "SELECT id FROM staff WHERE username = ?", (username,))[0][0]


def english(client: requests.Session) -> requests.Session:
    client.cookies.set("balie_lang", "en")
    return client


def search(client, server, **params) -> requests.Response:
    return client.get(server.url("/customers"), params=params, allow_redirects=False, timeout=TIMEOUT)


def result_numbers(page_html: str) -> list[str]:
    return re.findall(r'href="/customers/(\d+)"', page_html)


def visible_text(page_html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", page_html)
    return re.sub(r"\s+", " ", html.unescape(text))


def assert_no_store(response, where: str):
    assert response.headers.get("Cache-Control") == "no-store", (
        f"{where}: Cache-Control {response.headers.get('Cache-Control')!r} on a page with personal data"
    )


def assert_server_healthy(server):
    assert server.is_running(), f"the server stopped:\n{server.stderr_text()[-2000:]}"
    assert requests.get(server.url("/healthz"), timeout=TIMEOUT).status_code == 200
    log = server.stderr_text()
    assert " 500 " not in log and "internal_error" not in log, (
        "the server logged a 500:\n" + "\n".join(l for l in log.splitlines() if "500" in l or "error" in l)[-2000:]
    )


# ------------------------------------------------------------------------------------------------
# the server with imported customers
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crm(start_server_module, tmp_path_factory):
    """A server on a database filled with CUSTOMERS and CONTACTS through `balie import`, and four accounts."""
    server = start_server_module()
    folder = tmp_path_factory.mktemp("csv")
    customers = import_file("customers", write_csv(folder / "customers.csv", CUSTOMER_HEADER, CUSTOMERS), server.database)
    assert customers.returncode == 0, customers.stderr
    assert f"customers: {len(CUSTOMERS)} added, 0 updated." in customers.stdout, customers.stdout
    contacts = import_file("contacts", write_csv(folder / "contacts.csv", CONTACT_HEADER, CONTACTS), server.database)
    assert contacts.returncode == 0, contacts.stderr
    add_staff(server.database, "clara", "staff", name="Clara Klerkwijk")
    add_staff(server.database, "sietse", "supervisor", name="Sietse Opzichter")
    add_staff(server.database, "rosa", "remote", name="Rosa Verweg")
    add_staff(server.database, "adri", "admin", name="Adri Beheer")
    return server


@pytest.fixture(scope="module")
def clerk(crm):
    return english(signed_in(crm, "clara", PASSWORD))


# ------------------------------------------------------------------------------------------------
# search by each key
# ------------------------------------------------------------------------------------------------


def test_search_by_customer_number(crm, clerk):
    response = search(clerk, crm, q="200003")
    assert response.status_code == 200, response.text[:500]
    assert_html_page(response)
    assert result_numbers(response.text) == ["200003"], response.text
    assert "Yılmaz" in html.unescape(response.text)
    assert_no_store(response, "GET /customers?q=NUMBER")
    # an unknown number finds nobody, with a 200 and the "nobody found" text
    nobody = search(clerk, crm, q="299999")
    assert nobody.status_code == 200 and result_numbers(nobody.text) == []
    assert "Nobody found" in nobody.text


# Searches by name of CUSTOMERS: (q, numbers it must find, numbers it must not find); also run on PostgreSQL.
NAME_SEARCHES = [
    pytest.param("de vries", {"200001", "200002"}, {"200004", "200005"}, id="lower-finds-accented-capital"),
    pytest.param("VRIËS", {"200001", "200002"}, {"200004"}, id="upper-accented-finds-plain-lower"),
    pytest.param("De Vriës", {"200001", "200002"}, set(), id="exact-accented"),
    pytest.param("yilmaz", {"200003"}, set(), id="dotless-i"),
    pytest.param("YILMAZ", {"200003"}, set(), id="dotless-i-upper"),
    pytest.param("ayse", {"200003"}, set(), id="cedilla"),
    pytest.param("vri", {"200001", "200002", "200004"}, {"200005", "200006"}, id="prefix"),
    pytest.param("anneke vri", {"200001"}, {"200002", "200004"}, id="given-and-family-prefix"),
]


@pytest.mark.parametrize("q, must_find, must_not_find", NAME_SEARCHES)
def test_search_by_name_ignores_accents_and_case(crm, clerk, q, must_find, must_not_find):
    response = search(clerk, crm, q=q)
    assert response.status_code == 200, f"q={q!r}: {response.status_code}\n{response.text[:500]}"
    found = set(result_numbers(response.text))
    assert must_find <= found, f"q={q!r} found {sorted(found)}, missing {sorted(must_find - found)}"
    assert not (must_not_find & found), f"q={q!r} also found {sorted(must_not_find & found)}"
    assert_no_store(response, f"GET /customers?q={q}")


@pytest.mark.parametrize(
    "postcode, birth_date",
    [("3512ab", "7-3-1948"), ("3512 AB", "07-03-1948"), (" 3512  ab ", "07-3-1948"), ("3512AB", "7-03-1948")],
)
def test_search_by_postcode_and_birth_date(crm, clerk, postcode, birth_date):
    response = search(clerk, crm, postcode=postcode, birth_date=birth_date)
    assert response.status_code == 200, f"{postcode!r} {birth_date!r}: {response.status_code}\n{response.text[:800]}"
    # 200005 has the same birth date elsewhere, 200006 the same postcode with another birth date.
    assert result_numbers(response.text) == ["200001"], f"{postcode!r} + {birth_date!r} → {result_numbers(response.text)}"
    assert_no_store(response, "GET /customers?postcode=&birth_date=")


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "x" * 101},
        {"postcode": "x", "birth_date": "1"},
        {"postcode": "3512AB", "birth_date": ""},
        {"postcode": "", "birth_date": "07-03-1948"},
        {"postcode": "3512AB", "birth_date": "31-02-1948"},
        {"postcode": "3512AB", "birth_date": "1948-03-07"},
        {"postcode": "12345", "birth_date": "07-03-1948"},
    ],
    ids=["empty-q", "long-q", "garbage", "no-birth-date", "no-postcode", "31-feb", "iso-date", "bad-postcode"],
)
def test_bad_search_input_gets_422_with_an_error_summary(crm, clerk, params):
    response = search(clerk, crm, **params)
    assert response.status_code == 422, f"{params}: {response.status_code}\n{response.text[:500]}"
    assert_html_page(response)
    assert "error-summary" in response.text, f"{params}: 422 without an error summary"
    assert 'aria-invalid="true"' in response.text, f"{params}: no field marked invalid"
    assert result_numbers(response.text) == []
    assert_no_store(response, f"422 {params}")
    assert_no_swift_leaks(response.text, f"422 {params}")


@pytest.mark.parametrize("q", INJECTIONS)
def test_injection_attempts_in_q_are_harmless(crm, clerk, q):
    before = count(crm.database, "SELECT count(*) FROM customer")
    response = search(clerk, crm, q=q)
    assert response.status_code in (200, 422), f"q={q!r}: {response.status_code}\n{response.text[:800]}"
    assert_html_page(response)
    assert "<script>alert(1)</script>" not in response.text, f"q={q!r}: markup came back unescaped"
    if q == "<script>alert(1)</script>":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text, "the search value is not shown back, escaped"
    found = result_numbers(response.text)
    if q not in ("vri*",):
        # nothing here is a real name: an injection that "works" would list everybody
        assert found == [], f"q={q!r} found {found}: the query was not taken as plain text"
    assert count(crm.database, "SELECT count(*) FROM customer") == before
    assert_no_store(response, f"q={q!r}")
    assert_server_healthy(crm)


# ------------------------------------------------------------------------------------------------
# the 360° page
# ------------------------------------------------------------------------------------------------


def test_customer_page_shows_contacts_from_several_channels_newest_first(crm, clerk):
    response = clerk.get(crm.url("/customers/200001"), allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    assert_html_page(response)
    assert_no_store(response, "GET /customers/200001")
    assert_no_swift_leaks(response.text, "/customers/200001")
    text = visible_text(response.text)
    assert "Anneke" in text and "De Vriës" in text, "the page does not greet the customer by name"
    h1 = visible_text(re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S).group(1))
    assert "Anneke De Vriës" in h1 and re.search(r"Good (morning|afternoon|evening)", h1), f"greeting is {h1!r}"
    # accessibility needs come before contact details, consents and contacts
    order = [response.text.find(f'id="{h}"') for h in ("needs-heading", "reach-heading", "consents-heading",
                                                         "contacts-heading")]
    assert -1 not in order and order == sorted(order), f"sections out of order: {order}"
    contacts_html = response.text[response.text.find('id="contacts-heading"'):]
    topics = [html.unescape(t) for t in re.findall(r"<h3[^>]*>(.*?)</h3>", contacts_html)]
    assert topics[: len(EXPECTED_ORDER)] == EXPECTED_ORDER, f"contacts not newest first: {topics}"
    for channel in ("Phone", "Letter", "Chat"):
        assert channel in visible_text(contacts_html), f"channel {channel} missing in the contacts"
    for value in ("0612345678", "anneke@example.org", "3512 AB", "07-03-1948"):
        assert value in text, f"{value} is not on the 360° page"


def test_contacts_page_lists_the_history_and_is_audited(crm, clerk):
    before = len(audit_rows(crm.database, "contacts-viewed", "200001"))
    response = clerk.get(crm.url("/customers/200001/contacts?page=1"), allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    assert_no_store(response, "contacts page")
    topics = [html.unescape(t) for t in re.findall(r"<h3[^>]*>(.*?)</h3>", response.text)]
    assert topics == EXPECTED_ORDER, topics
    rows = audit_rows(crm.database, "contacts-viewed", "200001")
    assert len(rows) == before + 1, f"one look at the contacts left {len(rows) - before} contacts-viewed rows"
    assert rows[-1][4] == "staff" and rows[-1][3] == staff_id(crm.database, "clara"), rows[-1]
    for bad in ("page=0", "page=x", "page=-1"):
        got = clerk.get(crm.url(f"/customers/200001/contacts?{bad}"), allow_redirects=False, timeout=TIMEOUT)
        assert 400 <= got.status_code < 500, f"?{bad}: {got.status_code}"


def test_unknown_customer_is_a_404_page(crm, clerk):
    for path in ("/customers/299999", "/customers/299999/contacts?page=1", "/customers/%3Cscript%3E"):
        response = clerk.get(crm.url(path), allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 404, f"{path}: {response.status_code}"
        assert_html_page(response)
        assert_no_store(response, f"404 {path}")
        assert "<script>" not in response.text.split("</head>", 1)[-1].replace('<script src=', '')
    assert audit_rows(crm.database, "customer-viewed", "299999") == []


def test_unread_important_messages_and_history_on_a_demo_customer(start_server):
    """Messages do not come from CSV; the demo data has them. Pick the richest demo customer from the database."""
    demo = start_server("--demo")
    number, customer_id = db_rows(demo.database, """
        SELECT c.number, c.id FROM customer c
        WHERE EXISTS (SELECT 1 FROM message m WHERE m.customer_id = c.id AND m.important = 1 AND m.read = 0)
        ORDER BY (SELECT count(DISTINCT channel) FROM contact WHERE customer_id = c.id) DESC,
                 (SELECT count(*) FROM contact WHERE customer_id = c.id) DESC
        LIMIT 1""")[0]
    unread = [r[0] for r in db_rows(demo.database, "SELECT title FROM message WHERE customer_id = ? AND important = 1 "
                                                   "AND read = 0", (customer_id,))]
    other = [r[0] for r in db_rows(demo.database, "SELECT title FROM message WHERE customer_id = ? AND NOT "
                                                  "(important = 1 AND read = 0)", (customer_id,))]
    contacts = db_rows(demo.database, "SELECT topic, channel, at FROM contact WHERE customer_id = ? ORDER BY at DESC",
                       (customer_id,))
    assert len({c[1] for c in contacts}) >= 3, f"the richest demo customer has contacts on {len({c[1] for c in contacts})} channels"
    anna = english(signed_in(demo, "anna", DEMO_PASSWORD))
    response = anna.get(demo.url(f"/customers/{number}"), allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Unread important messages" in page
    for title in unread:
        assert title in page, f"unread important message {title!r} is not on the page"
    messages_html = page[page.find('id="messages-heading"'):page.find('id="contacts-heading"')]
    for title in other:
        if title not in unread:
            assert title not in messages_html, f"read or unimportant message {title!r} listed as unread important"
    contacts_html = page[page.find('id="contacts-heading"'):]
    topics = re.findall(r"<h3[^>]*>(.*?)</h3>", contacts_html)
    assert len(topics) == min(10, len(contacts)), f"{len(topics)} contacts shown of {len(contacts)}"
    expected = [c[0] for c in contacts[:10]]
    assert topics == expected, f"contacts on the page {topics} are not the newest 10 newest first {expected}"
    if len(contacts) > 10:
        assert f'href="/customers/{number}/contacts?page=1"' in response.text, "no link to the full history"


# ------------------------------------------------------------------------------------------------
# the audit trail
# ------------------------------------------------------------------------------------------------


def test_every_view_leaves_exactly_one_audit_row(crm):
    supervisor = english(signed_in(crm, "sietse", PASSWORD))
    before = audit_rows(crm.database, "customer-viewed", "200007")
    assert before == []
    for _ in range(3):
        assert supervisor.get(crm.url("/customers/200007"), allow_redirects=False, timeout=TIMEOUT).status_code == 200
    rows = audit_rows(crm.database, "customer-viewed", "200007")
    assert len(rows) == 3, f"3 views left {len(rows)} customer-viewed rows: {rows}"
    sid = staff_id(crm.database, "sietse")
    for row in rows:
        _, at, action, actor_id, actor_role, subject, origin, detail, reason = row
        assert actor_id == sid and actor_role == "supervisor" and subject == "200007", row
        assert at and origin, f"no time or origin in {row}"
    # nothing else about 200007 appeared (a view is one row, not one per section)
    assert len(db_rows(crm.database, "SELECT id FROM audit_event WHERE subject = '200007'")) == 3
    # a reason, when given, is stored with the view
    supervisor.get(crm.url("/customers/200007?reason=Balievraag%20huurtoeslag"), timeout=TIMEOUT)
    assert audit_rows(crm.database, "customer-viewed", "200007")[-1][8] == "Balievraag huurtoeslag"


@pytest.mark.parametrize(
    "params, shape, secrets",
    [
        ({"q": "kroonenb"}, "name", ["kroonenb", "Kroonenberg"]),
        ({"q": "200008"}, "number", ["200008"]),
        ({"postcode": "6511jk", "birth_date": "6-6-1939"}, "postcode+birth-date", ["6511", "1939", "06-06"]),
    ],
    ids=["name", "number", "postcode"],
)
def test_searches_leave_a_row_with_the_shape_not_the_values(crm, params, shape, secrets):
    admin = english(signed_in(crm, "adri", PASSWORD))
    before = audit_rows(crm.database, "customer-searched")
    response = search(admin, crm, **params)
    assert response.status_code == 200 and result_numbers(response.text) == ["200008"], response.text[:500]
    rows = audit_rows(crm.database, "customer-searched")
    assert len(rows) == len(before) + 1, f"one search left {len(rows) - len(before)} rows"
    row = rows[-1]
    _, at, action, actor_id, actor_role, subject, origin, detail, reason = row
    assert subject is None, f"a search stored a subject: {row}"
    assert actor_role == "admin" and actor_id == staff_id(crm.database, "adri"), row
    assert detail and detail.startswith(shape), f"detail {detail!r} does not name the query shape {shape!r}"
    assert "1" in detail, f"detail {detail!r} has no count"
    flat = " ".join(str(v) for v in row).lower()
    for secret in secrets:
        assert secret.lower() not in flat, f"the audit row holds the searched value {secret!r}: {row}"
    # a 422 search is not a search: no row
    search(admin, crm, postcode="x", birth_date="1")
    assert len(audit_rows(crm.database, "customer-searched")) == len(rows)


def test_the_audit_trail_refuses_update_and_delete(crm):
    # make sure there is a row to try on
    clara = english(signed_in(crm, "clara", PASSWORD))
    assert clara.get(crm.url("/customers/200002"), timeout=TIMEOUT).status_code == 200
    before = db_rows(crm.database, "SELECT * FROM audit_event ORDER BY id")
    assert before
    conn = sqlite3.connect(crm.database, timeout=10)
    try:
        for sql in ("UPDATE audit_event SET actor_role = 'nobody' WHERE id = (SELECT max(id) FROM audit_event)",
                    "UPDATE audit_event SET subject = NULL",
                    "DELETE FROM audit_event WHERE id = (SELECT min(id) FROM audit_event)",
                    "DELETE FROM audit_event"):
            with pytest.raises(sqlite3.DatabaseError, match="the audit trail can only be appended to"):
                conn.execute(sql)
            conn.rollback()
    finally:
        conn.close()
    assert db_rows(crm.database, "SELECT * FROM audit_event ORDER BY id")[: len(before)] == before


def test_imports_are_audited(crm):
    rows = audit_rows(crm.database, "customers-imported") + audit_rows(crm.database, "contacts-imported")
    actions = sorted(r[2] for r in rows)
    assert actions == ["contacts-imported", "customers-imported"], rows
    for row in rows:
        assert row[5] is None and row[6], f"import row: {row}"
        assert not any(name.lower() in str(row).lower() for name in NAMES), f"an import row holds a name: {row}"


# ------------------------------------------------------------------------------------------------
# who may look
# ------------------------------------------------------------------------------------------------


def test_remote_role_gets_403_and_leaves_no_view_row(crm):
    remote = english(signed_in(crm, "rosa", PASSWORD))
    views = len(audit_rows(crm.database, "customer-viewed"))
    searches = len(audit_rows(crm.database, "customer-searched"))
    for path in ("/customers", "/customers?q=de+vries", "/customers/200001", "/customers/200001/contacts?page=1"):
        response = remote.get(crm.url(path), allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 403, f"remote GET {path}: {response.status_code}"
        assert "Anneke" not in response.text and "Vri" not in response.text, f"{path}: 403 page shows customer data"
        assert_no_store(response, f"403 {path}")
    page = english(signed_in(crm, "clara", PASSWORD)).get(crm.url("/customers/200001"), timeout=TIMEOUT)
    response = remote.post(crm.url("/customers/200001/consents"),
                           data={"csrf": csrf_of(page.text), "purpose": "session-log", "given": "true", "how": "phone"},
                           allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 403, f"remote POST consent: {response.status_code}"
    assert len(audit_rows(crm.database, "customer-viewed")) == views + 1  # only clara's look above
    assert len(audit_rows(crm.database, "customer-searched")) == searches
    assert not [r for r in audit_rows(crm.database, "customer-viewed") if r[4] == "remote"]
    assert not [r for r in audit_rows(crm.database, "consent-recorded") if r[4] == "remote"]


def test_without_a_session_every_customer_page_redirects_to_sign_in(crm):
    anonymous = requests.Session()
    for path in ("/customers", "/customers?q=de+vries", "/customers/200001", "/customers/200001/contacts?page=1"):
        assert_redirect_to_sign_in(anonymous.get(crm.url(path), allow_redirects=False, timeout=TIMEOUT))
    response = anonymous.post(crm.url("/customers/200001/consents"),
                              data={"purpose": "session-log", "given": "true", "how": "phone"},
                              allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code in (302, 403), response.status_code
    assert audit_rows(crm.database, "consent-recorded", "200001") == [] or all(
        r[3] is not None for r in audit_rows(crm.database, "consent-recorded", "200001"))


# ------------------------------------------------------------------------------------------------
# consent
# ------------------------------------------------------------------------------------------------


def consent_card(page_html: str, purpose: str) -> str:
    """The <li class="card"> that holds the form for one purpose."""
    for card in re.findall(r'<li class="card">(.*?)</li>', page_html, re.S):
        if f'name="purpose" value="{purpose}"' in card:
            return card
    raise AssertionError(f"no consent card for {purpose}")


def test_consent_form_records_and_shows_given_with_the_staff_name(crm):
    clara = english(signed_in(crm, "clara", PASSWORD))
    page = clara.get(crm.url("/customers/200008"), timeout=TIMEOUT)
    for purpose in ("session-log", "remote-viewing", "follow-up", "partner-sharing"):
        card = consent_card(page.text, purpose)
        assert 'action="/customers/200008/consents"' in card and 'name="csrf"' in card, card
    card = consent_card(page.text, "remote-viewing")
    assert "Not asked yet" in card, card
    assert 'name="given" value="true"' in card, card
    response = clara.post(crm.url("/customers/200008/consents"),
                          data={"csrf": csrf_of(card), "purpose": "remote-viewing", "given": "true", "how": "on-screen"},
                          allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, f"{response.status_code}: {response.text[:500]}"
    assert location(response)[0] == "/customers/200008", response.headers.get("Location")
    after = clara.get(crm.url("/customers/200008"), timeout=TIMEOUT)
    card = visible_text(consent_card(after.text, "remote-viewing"))
    assert "Consent given" in card, card
    assert "Clara Klerkwijk" in card, f"the consent does not say who recorded it: {card}"
    assert "On the screen" in card, card
    # the other purposes are untouched
    assert "Not asked yet" in visible_text(consent_card(after.text, "partner-sharing"))
    rows = db_rows(crm.database, "SELECT purpose, given, recorded_by, method FROM consent c JOIN customer u ON "
                                 "u.id = c.customer_id WHERE u.number = '200008'")
    assert rows == [("remote-viewing", 1, staff_id(crm.database, "clara"), "on-screen")], rows
    audit = audit_rows(crm.database, "consent-recorded", "200008")
    assert len(audit) == 1 and audit[0][4] == "staff", audit

    # and withdrawn again, by someone else
    sietse = english(signed_in(crm, "sietse", PASSWORD))
    page = sietse.get(crm.url("/customers/200008"), timeout=TIMEOUT)
    card = consent_card(page.text, "remote-viewing")
    assert 'name="given" value="false"' in card, card
    response = sietse.post(crm.url("/customers/200008/consents"),
                           data={"csrf": csrf_of(card), "purpose": "remote-viewing", "given": "false", "how": "phone"},
                           allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303
    card = visible_text(consent_card(sietse.get(crm.url("/customers/200008"), timeout=TIMEOUT).text, "remote-viewing"))
    assert "Consent withdrawn" in card and "Sietse Opzichter" in card, card
    assert len(audit_rows(crm.database, "consent-recorded", "200008")) == 2


@pytest.mark.parametrize(
    "data, expect",
    [
        ({"purpose": "selling-data", "given": "true", "how": "phone"}, 400),
        ({"purpose": "follow-up", "given": "maybe", "how": "phone"}, 400),
        ({"purpose": "follow-up", "given": "true", "how": "telepathy"}, 400),
        ({"purpose": "follow-up", "given": "true"}, 400),
        ({"purpose": "follow-up", "given": "true", "how": "phone", "csrf": "forged"}, 403),
    ],
    ids=["bad-purpose", "bad-given", "bad-how", "no-how", "bad-csrf"],
)
def test_bad_consent_posts_record_nothing(crm, data, expect):
    clara = english(signed_in(crm, "clara", PASSWORD))
    page = clara.get(crm.url("/customers/200004"), timeout=TIMEOUT)
    body = {"csrf": csrf_of(page.text), **data}
    response = clara.post(crm.url("/customers/200004/consents"), data=body, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == expect, f"{data}: {response.status_code}\n{response.text[:300]}"
    assert count(crm.database, "SELECT count(*) FROM consent c JOIN customer u ON u.id = c.customer_id "
                               "WHERE u.number = '200004'") == 0
    assert audit_rows(crm.database, "consent-recorded", "200004") == []
    unknown = clara.post(crm.url("/customers/299999/consents"),
                         data={"csrf": csrf_of(page.text), "purpose": "follow-up", "given": "true", "how": "phone"},
                         allow_redirects=False, timeout=TIMEOUT)
    assert unknown.status_code == 404


# ------------------------------------------------------------------------------------------------
# no personal data in the log; no-store everywhere
# ------------------------------------------------------------------------------------------------


def test_pages_with_personal_data_are_no_store(crm, clerk):
    for path in ("/customers", "/customers?q=de+vries", "/customers?q=", "/customers/200001",
                 "/customers/200001/contacts?page=1", "/customers/299999"):
        assert_no_store(clerk.get(crm.url(path), allow_redirects=False, timeout=TIMEOUT), path)


def test_no_personal_data_in_the_server_log(crm, clerk):
    # make sure every kind of request has happened at least once in this server's life
    search(clerk, crm, q="Kroonenberg")
    search(clerk, crm, q="de vriës")
    search(clerk, crm, postcode="3512AB", birth_date="07-03-1948")
    clerk.get(crm.url("/customers/200001?reason=Zorgtoeslagvraag"), timeout=TIMEOUT)
    clerk.get(crm.url("/customers/200001/contacts?page=1"), timeout=TIMEOUT)
    log = crm.stderr_text()
    assert "/customers" in log, f"no access log lines for /customers at all?\n{log[-1500:]}"
    leaks = []
    secrets = NAMES + ["vriës", "vries", "VRIËS", "yilmaz", "kroonenb", "3512", "1948", "Zorgtoeslagvraag",
                       "anneke@example.org", "0612345678", "Klerkwijk", "Huurtoeslag", "alert(1)", "OR 1=1"]
    for secret in secrets:
        for encoded in {secret, quote(secret), quote(secret).lower(), quote_plus_form(secret)}:
            if encoded.lower() in log.lower():
                line = next(l for l in log.splitlines() if encoded.lower() in l.lower())
                leaks.append(f"{secret!r} ({encoded!r}) in: {line[:200]}")
    assert not leaks, "personal data in the server log:\n" + "\n".join(leaks)


def quote_plus_form(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


# ------------------------------------------------------------------------------------------------
# import: all or nothing, line numbers, re-import
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def empty_db(start_server):
    """A fresh server with one staff account and no customers."""
    server = start_server()
    add_staff(server.database, "clara", "staff", name="Clara Klerkwijk")
    return server


def test_import_with_bad_rows_imports_nothing_and_names_the_lines(empty_db, tmp_path):
    rows = [
        ("300001", "Marijke", "Goedhart", "1950-01-01", "1234 AB", "", "", "letter", "nl"),
        ("300002", "Teun", "Slechtedatum", "1950-13-45", "1234 AB", "", "", "letter", "nl"),      # line 3
        ("300003", "Ilse", "Welgoed", "", "", "", "", "", ""),
        ("300004", "Bram", "Foutpostcode", "1951-02-02", "ABCD 12", "", "", "phone", "nl"),      # line 5
        ("300005", "Sien", "Kanaalloos", "1952-03-03", "1234 AB", "", "", "pigeon", "nl"),       # line 6
    ]
    path = write_csv(tmp_path / "bad.csv", CUSTOMER_HEADER, rows)
    result = import_file("customers", path, empty_db.database)
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert f"Nothing imported from {path}:" in result.stderr, result.stderr
    reported = re.findall(r"line (\d+):", result.stderr)
    assert reported == ["3", "5", "6"], f"reported lines {reported}, expected 3, 5 and 6:\n{result.stderr}"
    for line in result.stderr.splitlines():
        if line.strip().startswith("line "):
            assert len(line.split(":", 1)[1].strip()) > 3, f"no reason on {line!r}"
    assert "added" not in result.stdout
    for table in ("customer", "contact"):
        assert count(empty_db.database, f"SELECT count(*) FROM {table}") == 0, f"rows in {table} after a refused import"
    assert audit_rows(empty_db.database, "customers-imported") == []
    # and the good rows really are not searchable
    clara = english(signed_in(empty_db, "clara", PASSWORD))
    assert result_numbers(search(clara, empty_db, q="Goedhart").text) == []


@pytest.mark.parametrize(
    "content, line",
    [
        (CUSTOMER_HEADER + "\n300001,Lotte,Dubbel,,,,,,\n300001,Lotte,Dubbel,,,,,,\n", "3"),
        (CUSTOMER_HEADER + "\n300001,,Naamloos,,,,,,\n", "2"),
        (CUSTOMER_HEADER + "\n300001,Ans,Tekort,,,\n", "2"),
        (CUSTOMER_HEADER + '\n300001,"Ans,Quote",Open,,,,,,\n300002,"kapot,Rij,,,,,,,\n', "3"),
        (CUSTOMER_HEADER + "\n300001,Ans,Taal,,,,,,nederlands\n", "2"),
    ],
    ids=["duplicate-number", "empty-given-name", "too-few-columns", "unclosed-quote", "bad-language"],
)
def test_other_bad_customer_files(empty_db, tmp_path, content, line):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = import_file("customers", path, empty_db.database)
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}{result.stderr}"
    assert "Nothing imported from" in result.stderr and f"line {line}" in result.stderr, result.stderr
    assert count(empty_db.database, "SELECT count(*) FROM customer") == 0


def test_wrong_header_imports_nothing(empty_db, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("nummer,voornaam,achternaam\n300001,Ans,Kop\n", encoding="utf-8")
    result = import_file("customers", path, empty_db.database)
    assert result.returncode != 0 and "Nothing imported" in result.stderr, result.stderr
    assert count(empty_db.database, "SELECT count(*) FROM customer") == 0


def test_reimport_updates_instead_of_duplicating(empty_db, tmp_path):
    rows = [
        ("300001", "Marijke", "Goedhart", "1950-01-01", "1234 AB", "", "", "letter", "nl"),
        ("300002", "Teunis", "Verhoeven", "1961-02-02", "1234AB", "", "", "phone", "nl"),
        ("300003", "Ilse", "Welgoed", "", "", "", "", "", ""),
    ]
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    first = import_file("customers", path, empty_db.database)
    assert first.returncode == 0, first.stderr
    assert "customers: 3 added, 0 updated." in first.stdout, first.stdout
    second = import_file("customers", path, empty_db.database)
    assert second.returncode == 0, second.stderr
    assert "customers: 0 added, 3 updated." in second.stdout, second.stdout
    assert count(empty_db.database, "SELECT count(*) FROM customer") == 3

    contacts = [
        ("300001", "phone", "2026-11-02T10:15:00Z", "Vraag", "Belde", "beantwoord"),
        ("300001", "branch", "2026-11-03T10:15:00Z", "Bezoek", "Kwam langs", "geholpen"),
    ]
    contacts_path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, contacts)
    assert import_file("contacts", contacts_path, empty_db.database).returncode == 0
    again = import_file("contacts", contacts_path, empty_db.database)
    assert again.returncode == 0, again.stderr
    assert "0 added, 2 updated." in again.stdout, again.stdout
    assert count(empty_db.database, "SELECT count(*) FROM contact") == 2

    # a changed name in the CRM export shows after the next import, still one customer
    rows[0] = ("300001", "Marijke", "Goedhart-Nieuwland", "1950-01-01", "1234 AB", "", "", "letter", "nl")
    write_csv(path, CUSTOMER_HEADER, rows)
    third = import_file("customers", path, empty_db.database)
    assert "customers: 0 added, 3 updated." in third.stdout, third.stdout + third.stderr
    assert count(empty_db.database, "SELECT count(*) FROM customer") == 3
    clara = english(signed_in(empty_db, "clara", PASSWORD))
    page = clara.get(empty_db.url("/customers/300001"), timeout=TIMEOUT)
    assert "Goedhart-Nieuwland" in html.unescape(page.text)
    # the search index follows the new name, and the old one no longer finds her by the new part
    assert result_numbers(search(clara, empty_db, q="nieuwland").text) == ["300001"]
    assert result_numbers(search(clara, empty_db, q="goedhart").text) == ["300001"]
    assert count(empty_db.database, "SELECT count(*) FROM contact") == 2
    assert len(audit_rows(empty_db.database, "customers-imported")) == 3
    assert len(audit_rows(empty_db.database, "contacts-imported")) == 2


def test_contacts_with_an_unknown_customer_import_nothing(empty_db, tmp_path):
    customers = [("300001", "Marijke", "Goedhart", "1950-01-01", "1234 AB", "", "", "letter", "nl")]
    assert import_file("customers", write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customers),
                       empty_db.database).returncode == 0
    contacts = [
        ("300001", "phone", "2026-11-02T10:15:00Z", "Vraag", "Belde", "beantwoord"),
        ("399999", "email", "2026-11-02T11:15:00Z", "Onbekend", "Wie?", "-"),
        ("300001", "letter", "2026-11-04T10:15:00Z", "Brief", "Verstuurd", "verstuurd"),
    ]
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, contacts)
    result = import_file("contacts", path, empty_db.database)
    assert result.returncode != 0, f"exit 0 with an unknown customer:\n{result.stdout}"
    assert "Nothing imported" in result.stderr, result.stderr
    assert "399999" in result.stderr or "line 3" in result.stderr, f"the unknown customer is not named:\n{result.stderr}"
    assert count(empty_db.database, "SELECT count(*) FROM contact") == 0
    assert audit_rows(empty_db.database, "contacts-imported") == []


@pytest.mark.parametrize(
    "row, line",
    [
        (("300001", "fax", "2026-11-02T10:15:00Z", "Fax", "x", "y"), "2"),
        (("300001", "phone", "2-11-2026 10:15", "Tijd", "x", "y"), "2"),
        (("300001", "phone", "2026-11-02T10:15:00Z", "", "x", "y"), "2"),
    ],
    ids=["bad-channel", "bad-time", "empty-topic"],
)
def test_bad_contact_rows(empty_db, tmp_path, row, line):
    customers = [("300001", "Marijke", "Goedhart", "1950-01-01", "1234 AB", "", "", "letter", "nl")]
    import_file("customers", write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customers), empty_db.database)
    result = import_file("contacts", write_csv(tmp_path / "bad.csv", CONTACT_HEADER, [row]), empty_db.database)
    assert result.returncode == 1 and f"line {line}:" in result.stderr, result.stdout + result.stderr
    assert count(empty_db.database, "SELECT count(*) FROM contact") == 0


def test_excel_style_file_and_markup_in_names(empty_db, tmp_path):
    """A CRM export with a UTF-8 BOM, CRLF line ends, quoted commas, an apostrophe and markup in a name."""
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + CUSTOMER_HEADER + "\r\n"
                      '300001,"<img src=x onerror=alert(1)>","O\'Neil, Jr",1950-01-01, 3011  xY ,,,letter,nl\r\n'
                      "300002,Bommel,Eerst,1950-01-01,3011XY,,,phone,nl\r\n").encode("utf-8"))
    result = import_file("customers", path, empty_db.database)
    assert result.returncode == 0 and "customers: 2 added, 0 updated." in result.stdout, result.stdout + result.stderr
    clara = english(signed_in(empty_db, "clara", PASSWORD))
    for q in ("o'neil", "O'Neil, Jr", "jr"):
        response = search(clara, empty_db, q=q)
        assert response.status_code == 200 and result_numbers(response.text) == ["300001"], (q, response.status_code)
        assert "<img src=x" not in response.text, f"q={q!r}: a name with markup is not escaped in the results"
    page = clara.get(empty_db.url("/customers/300001"), timeout=TIMEOUT)
    assert page.status_code == 200
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "O&#39;Neil, Jr" in page.text or "O&#x27;Neil, Jr" in page.text or "O'Neil, Jr" in page.text
    assert "3011 XY" in page.text, "the postcode is not shown in the normal form 1234 AB"
    both = search(clara, empty_db, postcode="3011xy", birth_date="1-1-1950")
    assert sorted(result_numbers(both.text)) == ["300001", "300002"]
