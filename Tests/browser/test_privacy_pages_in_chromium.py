"""The privacy pages (issue #10) in a real headless Chromium: the access page a customer takes home, the two
erasure steps with their error states and the done page, and the audit viewer, in nl, ar and en (axe, large
type, large targets, reflow at 320 px, weight); the whole of each flow without JavaScript; screenshots.

Run from the repository root:  python3 -m pytest Tests/browser/test_privacy_pages_in_chromium.py -q
Screenshots land in test-output/screenshots/ (privacy-*.png).
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from balie_browser import set_viewport
from balie_harness import db_rows
from test_customer_pages import LANGUAGES, signed_in_driver
from test_pages import MAX_PAGE_BYTES, wait_loaded
from test_staff_pages import _axe, page_checks, path_of  # noqa: F401 (_axe: the autouse fixture that loads axe)


@pytest.fixture(scope="module")
def customers(demo_server) -> list[str]:
    """Demo customers with contacts and a message, richest first: the first is shown, the others are erased."""
    rows = db_rows(demo_server.database, """
        SELECT c.number FROM customer c
        WHERE EXISTS (SELECT 1 FROM message m WHERE m.customer_id = c.id) AND EXISTS (SELECT 1 FROM contact WHERE customer_id = c.id)
        ORDER BY (SELECT count(*) FROM contact WHERE customer_id = c.id) DESC, c.number
        LIMIT 6""")
    assert len(rows) == 6, "the demo data has too few customers with contacts and messages"
    return [row[0] for row in rows]


def open_and_check(d, server, path: str, label: str, max_bytes: int = MAX_PAGE_BYTES) -> list[str]:
    d.get(server.url(path))
    wait_loaded(d)
    return page_checks(d, server, label, max_bytes)


# An export shows the whole record, so it grows with it (leaving things out would not be an export): on top
# of the page budget, each assisted session it lists may add this much (a session with its tasks and steps).
EXPORT_BYTES_PER_SESSION = 3 * 1024


def submit(d, form_action: str) -> None:
    d.find_element(By.CSS_SELECTOR, f'form[action="{form_action}"] button[type="submit"]').click()


def assert_error_summary(d, label: str) -> None:
    summary = d.find_elements(By.CSS_SELECTOR, ".error-summary")
    assert summary and summary[0].is_displayed() and summary[0].text.strip(), f"{label}: no error summary"


# ------------------------------------------------------------------------------------------------
# the pages in nl, ar and en
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_access_and_audit_pages_accessible_large_and_light(fresh_driver, demo_server, customers, lang):
    d = signed_in_driver(fresh_driver, demo_server, lang, username="sanne" if lang != "en" else "admin")
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    number = customers[0]
    sessions = db_rows(demo_server.database, """SELECT count(*) FROM assisted_session
                                                WHERE customer_id = (SELECT id FROM customer WHERE number = ?)""", (number,))[0][0]
    problems = open_and_check(d, demo_server, f"/customers/{number}/export", f"{lang} export ({sessions} sessions)",
                              MAX_PAGE_BYTES + sessions * EXPORT_BYTES_PER_SESSION)
    assert d.execute_script("return document.documentElement.lang") == lang
    if lang == "ar":
        assert d.execute_script("return document.documentElement.getAttribute('dir')") == "rtl"
    assert d.find_elements(By.CSS_SELECTOR, ".timeline__item"), "the access page shows no contacts"
    assert d.find_elements(By.CSS_SELECTOR, f'a[href="/customers/{number}/export.json"]')
    problems += open_and_check(d, demo_server, "/audit", f"{lang} audit")
    problems += open_and_check(d, demo_server, f"/audit?customer={number}", f"{lang} audit by customer")
    assert d.find_elements(By.CSS_SELECTOR, "table tbody tr"), "the audit page shows no rows for the customer"
    problems += open_and_check(d, demo_server, "/audit?from=31-02-2026&customer=a%20b", f"{lang} audit with errors")
    assert_error_summary(d, f"{lang} audit")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_erasure_pages_accessible_large_and_light(fresh_driver, demo_server, customers, lang):
    number = customers[1 + LANGUAGES.index(lang)]
    d = signed_in_driver(fresh_driver, demo_server, lang, username="admin")
    problems = open_and_check(d, demo_server, f"/customers/{number}/erase", f"{lang} erase")
    submit(d, f"/customers/{number}/erase")  # no reason
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, ".error-summary"))
    wait_loaded(d)
    assert_error_summary(d, f"{lang} erase without reason")
    problems += page_checks(d, demo_server, f"{lang} erase without reason")
    d.find_element(By.ID, "reason").send_keys("Verzoek van de klant")
    submit(d, f"/customers/{number}/erase")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.ID, "confirm_number"))
    wait_loaded(d)
    problems += page_checks(d, demo_server, f"{lang} erase confirm")
    d.find_element(By.ID, "confirm_number").send_keys("000")
    submit(d, f"/customers/{number}/erase/confirm")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, ".error-summary"))
    wait_loaded(d)
    assert_error_summary(d, f"{lang} erase confirm with the wrong number")
    problems += page_checks(d, demo_server, f"{lang} erase confirm with the wrong number")
    assert db_rows(demo_server.database, "SELECT count(*) FROM customer WHERE number = ?", (number,)) == [(1,)]
    d.find_element(By.ID, "confirm_number").clear()
    d.find_element(By.ID, "confirm_number").send_keys(number)
    submit(d, f"/customers/{number}/erase/confirm")
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/privacy/erased")
    wait_loaded(d)
    problems += page_checks(d, demo_server, f"{lang} erased")
    assert db_rows(demo_server.database, "SELECT count(*) FROM customer WHERE number = ?", (number,)) == [(0,)]
    assert not problems, "\n\n".join(problems)


# ------------------------------------------------------------------------------------------------
# without JavaScript
# ------------------------------------------------------------------------------------------------


def test_without_javascript_export_audit_and_erase(fresh_driver, demo_server, customers):
    d = signed_in_driver(fresh_driver, demo_server, "en", javascript=False, username="admin")
    number = customers[4]
    # From the record to the access page; the print button needs script and is hidden without it.
    d.get(demo_server.url(f"/customers/{number}"))
    d.find_element(By.CSS_SELECTOR, f'a[href="/customers/{number}/export"]').click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == f"/customers/{number}/export")
    assert d.find_element(By.TAG_NAME, "h1").text.strip()
    assert not d.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()

    # The audit viewer from the staff page, filtered through its form.
    d.get(demo_server.url("/staff"))
    d.find_element(By.CSS_SELECTOR, 'a[href="/audit"]').click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/audit")
    d.find_element(By.ID, "customer").send_keys(number)
    submit(d, "/audit")
    WebDriverWait(d, 10).until(lambda x: f"customer={number}" in x.current_url)
    subjects = {row.find_elements(By.TAG_NAME, "td")[3].text for row in d.find_elements(By.CSS_SELECTOR, "table tbody tr")}
    assert subjects == {number}, subjects

    # Erasure: the link on the record, the reason, the number typed again.
    d.get(demo_server.url(f"/customers/{number}"))
    d.find_element(By.CSS_SELECTOR, f'a[href="/customers/{number}/erase"]').click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == f"/customers/{number}/erase")
    d.find_element(By.ID, "reason").send_keys("Request of the customer (GDPR art. 17)")
    submit(d, f"/customers/{number}/erase")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.ID, "confirm_number"))
    d.find_element(By.ID, "confirm_number").send_keys(number)
    submit(d, f"/customers/{number}/erase/confirm")
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/privacy/erased")
    assert number not in d.find_element(By.TAG_NAME, "main").text
    assert db_rows(demo_server.database, "SELECT count(*) FROM customer WHERE number = ?", (number,)) == [(0,)]
    reason = db_rows(demo_server.database, "SELECT reason FROM audit_event WHERE action = 'customer-erased' ORDER BY id DESC LIMIT 1")
    assert reason == [("Request of the customer (GDPR art. 17)",)]


# ------------------------------------------------------------------------------------------------
# screenshots
# ------------------------------------------------------------------------------------------------


def test_screenshots_of_the_privacy_pages(fresh_driver, demo_server, customers, screenshot_dir):
    written = []
    for lang in ("nl", "ar"):
        d = signed_in_driver(fresh_driver, demo_server, lang, username="admin")
        set_viewport(d, 1280, 1024)
        for path, name in ((f"/customers/{customers[0]}/export", "export"), (f"/customers/{customers[0]}/erase", "erase"),
                           ("/audit", "audit")):
            d.get(demo_server.url(path))
            wait_loaded(d)
            time.sleep(0.2)
            target = screenshot_dir / f"privacy-{name}-{lang}-1280x1024.png"
            assert d.save_screenshot(str(target))
            written.append(target)
    assert all(p.stat().st_size > 5000 for p in written), [(p.name, p.stat().st_size) for p in written]
