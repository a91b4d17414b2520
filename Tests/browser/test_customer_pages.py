"""The shared customer record (issue #4) in a real headless Chromium: search, the 360° page and the full
contact history in nl, ar and en (axe, large type, large targets, reflow at 320 px, weight), keyboard only,
without JavaScript (search, open, record a consent), and screenshots.

Run from the repository root:  python3 -m pytest Tests/browser/test_customer_pages.py -q
Screenshots land in test-output/screenshots/ (customer-*.png).
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from balie_harness import db_rows
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from balie_browser import set_viewport
from test_pages import set_language_cookie, wait_loaded
from test_staff_pages import AXE_SOURCE, page_checks, path_of, sign_in_through_form, submit_sign_in

DEMO_PASSWORD = "demo-kiosk-2026"
LANGUAGES = ["nl", "ar", "en"]


@pytest.fixture(autouse=True)
def _axe(axe_source):
    if not AXE_SOURCE:
        AXE_SOURCE.append(axe_source)




@pytest.fixture(scope="module")
def rich_customer(demo_server) -> str:
    """A demo customer with more than ten contacts on several channels and an unread important message."""
    rows = db_rows(demo_server.database, """
        SELECT c.number FROM customer c
        WHERE EXISTS (SELECT 1 FROM message m WHERE m.customer_id = c.id AND m.important = 1 AND m.read = 0)
          AND (SELECT count(*) FROM contact WHERE customer_id = c.id) > 10
        ORDER BY (SELECT count(DISTINCT channel) FROM contact WHERE customer_id = c.id) DESC, c.number
        LIMIT 1""")
    assert rows, "the demo data has no customer with >10 contacts and an unread important message"
    return rows[0][0]


def signed_in_driver(fresh_driver, server, lang: str, javascript: bool = True, username: str = "anna"):
    d = fresh_driver(javascript=javascript)
    set_language_cookie(d, server, lang)
    sign_in_through_form(d, server, username, DEMO_PASSWORD)
    return d


# ------------------------------------------------------------------------------------------------
# the pages in nl, ar and en
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_customer_pages_accessible_large_and_light(fresh_driver, demo_server, rich_customer, lang):
    d = signed_in_driver(fresh_driver, demo_server, lang)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    pages = [
        ("/customers", "empty"),
        ("/customers?q=de+vries", "results"),
        ("/customers?postcode=x&birth_date=1", "error"),
        (f"/customers/{rich_customer}", "record"),
        (f"/customers/{rich_customer}/contacts?page=1", "contacts"),
    ]
    problems = []
    for path, kind in pages:
        d.get(demo_server.url(path))
        wait_loaded(d)
        assert d.execute_script("return document.documentElement.lang") == lang, f"{path}: wrong <html lang>"
        if lang == "ar":
            assert d.execute_script("return document.documentElement.getAttribute('dir')") == "rtl", path
        if kind == "results":
            links = d.find_elements(By.CSS_SELECTOR, "table a[href^='/customers/']")
            assert links, f"{lang} {path}: no results for 'de vries' in the demo data"
        if kind == "error":
            summary = d.find_elements(By.CSS_SELECTOR, ".error-summary, [role=alert]")
            assert summary and summary[0].is_displayed() and summary[0].text.strip(), f"{lang} {path}: no error summary"
        if kind == "record":
            assert d.find_elements(By.ID, "messages-heading") and d.find_elements(By.CSS_SELECTOR, ".timeline__item")
            assert d.find_elements(By.CSS_SELECTOR, f"a[href='/customers/{rich_customer}/contacts?page=1']")
        if kind == "contacts":
            assert len(d.find_elements(By.CSS_SELECTOR, ".timeline__item")) > 10
        problems += page_checks(d, demo_server, f"{lang} {path}")
    assert not problems, "\n\n".join(problems)


# ------------------------------------------------------------------------------------------------
# keyboard only
# ------------------------------------------------------------------------------------------------


def tab_until(d, predicate_js: str, limit: int = 60) -> list[str]:
    """Presses Tab until `predicate_js` (with `el` = document.activeElement) holds; returns what was passed."""
    passed = []
    for _ in range(limit):
        d.switch_to.active_element.send_keys(Keys.TAB)
        el_desc = d.execute_script(
            "const el = document.activeElement; return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +"
            " (el.getAttribute('href') ? '[' + el.getAttribute('href') + ']' : '')")
        passed.append(el_desc)
        if d.execute_script("const el = document.activeElement; return " + predicate_js):
            return passed
    raise AssertionError(f"Tab never reached the element; focus went through {passed}")


def test_keyboard_only_search_and_open(fresh_driver, demo_server):
    d = signed_in_driver(fresh_driver, demo_server, "nl")
    d.get(demo_server.url("/customers"))
    wait_loaded(d)
    d.execute_script("document.activeElement && document.activeElement.blur(); window.focus()")
    d.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)  # start from the top, like a fresh page
    if d.execute_script("return document.activeElement.id") != "q":
        tab_until(d, "el.id === 'q'")
    d.switch_to.active_element.send_keys("de vries")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: "q=de" in x.current_url)
    wait_loaded(d)
    first = d.find_element(By.CSS_SELECTOR, "table a[href^='/customers/']").get_attribute("href")
    passed = tab_until(d, "el.matches(\"table a[href^='/customers/']\")")
    focused = d.switch_to.active_element
    assert focused.get_attribute("href") == first, f"Tab reached {focused.get_attribute('href')} before {first}"
    outline = d.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.boxShadow]")
    assert outline[0] != "none" or outline[2] != "none", f"the focused result link has no visible focus: {outline}"
    focused.send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: path_of(x).startswith("/customers/1"))
    wait_loaded(d)
    assert first.endswith(path_of(d)), f"Enter on {first} opened {d.current_url}"
    assert d.find_element(By.TAG_NAME, "h1").text.strip()
    assert len(passed) < 40, f"{len(passed)} Tabs from the search box to the first result: {passed}"


# ------------------------------------------------------------------------------------------------
# without JavaScript
# ------------------------------------------------------------------------------------------------


def test_without_javascript_search_open_and_record_consent(fresh_driver, demo_server):
    d = signed_in_driver(fresh_driver, demo_server, "en", javascript=False, username="anna")
    d.get(demo_server.url("/customers"))
    q = d.find_element(By.ID, "q")
    q.send_keys("de vries")
    q.find_element(By.XPATH, "ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(d, 10).until(lambda x: "q=de" in x.current_url)
    link = d.find_element(By.CSS_SELECTOR, "table a[href^='/customers/']")
    number = link.get_attribute("href").rsplit("/", 1)[1]
    link.click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == f"/customers/{number}")

    # a purpose this customer has not given consent for yet
    cards = d.find_elements(By.CSS_SELECTOR, "li.card")
    assert len(cards) == 4, f"{len(cards)} consent cards"
    card = next((c for c in cards if c.find_element(By.CSS_SELECTOR, "input[name=given]").get_attribute("value") == "true"),
                None)
    assert card is not None, "every purpose already has consent; cannot test recording it"
    purpose = card.find_element(By.CSS_SELECTOR, "input[name=purpose]").get_attribute("value")
    card.find_element(By.CSS_SELECTOR, "select[name=how] option[value='paper']").click()
    button = card.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert button.size["width"] >= 48 and button.size["height"] >= 48, button.size
    button.click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == f"/customers/{number}")
    wait_loaded(d)
    card = next(c for c in d.find_elements(By.CSS_SELECTOR, "li.card")
                if c.find_element(By.CSS_SELECTOR, "input[name=purpose]").get_attribute("value") == purpose)
    anna = db_rows(demo_server.database, "SELECT full_name FROM staff WHERE username = 'anna'")[0][0]
    assert "Consent given" in card.text, card.text
    assert anna in card.text and "On paper" in card.text, f"the card does not say who and how: {card.text!r}"
    rows = db_rows(demo_server.database, """
        SELECT a.actor_role FROM audit_event a WHERE a.action = 'consent-recorded' AND a.subject = ?""", (number,))
    assert rows and rows[-1][0] == "staff", rows


# ------------------------------------------------------------------------------------------------
# screenshots
# ------------------------------------------------------------------------------------------------


def test_screenshots_of_the_customer_page(fresh_driver, demo_server, rich_customer, screenshot_dir):
    written = []
    for lang in ("nl", "ar"):
        d = signed_in_driver(fresh_driver, demo_server, lang)
        for width, height in ((1280, 1024), (1080, 1920)):
            set_viewport(d, width, height)
            d.get(demo_server.url(f"/customers/{rich_customer}"))
            wait_loaded(d)
            time.sleep(0.2)
            target = screenshot_dir / f"customer-360-{lang}-{width}x{height}.png"
            assert d.save_screenshot(str(target))
            written.append(target)
    assert all(p.stat().st_size > 5000 for p in written), [(p.name, p.stat().st_size) for p in written]
