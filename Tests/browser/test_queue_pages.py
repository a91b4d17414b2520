"""The walk-in queue (issue #8) in a real headless Chromium: the take-a-number page, a ticket, the staff queue
and the waiting-room display in nl and ar (axe, large type, large targets, reflow at 320 px, weight), taking a
number without JavaScript, the display updating live (Server-Sent Events) without a reload, and screenshots.

Run from the repository root:  python3 -m pytest Tests/browser/test_queue_pages.py -q
Screenshots land in test-output/screenshots/ (queue-*.png).
"""

from __future__ import annotations

import re
import sqlite3
import time
from urllib.parse import urlparse

import pytest

from balie_harness import db_rows
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from balie_browser import set_viewport
from test_pages import set_language_cookie, wait_loaded
from test_staff_pages import AXE_SOURCE, page_checks, path_of, sign_in_through_form

DEMO_PASSWORD = "demo-kiosk-2026"
LANGUAGES = ["nl", "ar"]
LETTER = {"digital-government": "D", "banking": "B", "library-learning": "L", "other": "A"}
CSRF = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')
TIMEOUT = 10


@pytest.fixture(autouse=True)
def _axe(axe_source):
    if not AXE_SOURCE:
        AXE_SOURCE.append(axe_source)




def take_ticket(server, group: str, extra_help: bool = False) -> int:
    client = requests.Session()
    page = client.get(server.url("/queue/take"), timeout=TIMEOUT)
    data = {"csrf": CSRF.search(page.text).group(1), "group": group}
    if extra_help:
        data["extra_help"] = "1"
    response = client.post(server.url("/queue/tickets"), data=data, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[1])


def staff_session(server, username: str = "anna") -> tuple[requests.Session, str]:
    client = requests.Session()
    token = CSRF.search(client.get(server.url("/sign-in"), timeout=TIMEOUT).text).group(1)
    response = client.post(server.url("/sign-in"), data={"csrf": token, "username": username, "password": DEMO_PASSWORD},
                           allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, f"sign-in {username}: {response.status_code}"
    page = client.get(server.url("/staff"), timeout=TIMEOUT)
    return client, CSRF.search(page.text).group(1)


def call_next(server, staff) -> str:
    """Calls the next ticket over HTTP as staff; → the code of the ticket it called."""
    client, token = staff
    before = dict(db_rows(server.database, "SELECT id, status FROM queue_ticket"))
    response = client.post(server.url("/queue/call-next"), data={"csrf": token}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.status_code
    rows = db_rows(server.database, "SELECT id, task_group, number FROM queue_ticket WHERE status = 'called'")
    new = [(g, n) for i, g, n in rows if before.get(i) == "waiting"]
    assert len(new) == 1, f"call-next called {new}"
    return f"{LETTER[new[0][0]]}-{new[0][1]}"


@pytest.fixture(scope="module")
def queue(demo_server):
    """Waiting tickets (one with priority) and a called one, so every part of the pages shows."""
    ids = [take_ticket(demo_server, "banking"), take_ticket(demo_server, "digital-government", extra_help=True)]
    staff = staff_session(demo_server)
    called = call_next(demo_server, staff)
    ids += [take_ticket(demo_server, "library-learning"), take_ticket(demo_server, "other"),
            take_ticket(demo_server, "banking", extra_help=True)]
    return {"ids": ids, "called": called, "staff": staff}


# ------------------------------------------------------------------------------------------------
# the pages in nl and ar
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_queue_pages_accessible_large_and_light(fresh_driver, demo_server, queue, lang):
    d = fresh_driver(javascript=True)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    set_language_cookie(d, demo_server, lang)
    ticket = queue["ids"][-2]  # waiting, with people ahead: the page shows an estimate
    pages = [("/queue/take", "take"), (f"/queue/tickets/{ticket}", "ticket"), (demo_server.display_path(), "display"), ("/queue", "staff")]
    problems = []
    for path, kind in pages:
        if kind == "staff":
            sign_in_through_form(d, demo_server, "anna", DEMO_PASSWORD)
        d.get(demo_server.url(path))
        wait_loaded(d)
        assert path_of(d) == path, f"{path} went to {d.current_url}"
        assert d.execute_script("return document.documentElement.lang") == lang, f"{path}: wrong <html lang>"
        if lang == "ar":
            assert d.execute_script("return document.documentElement.getAttribute('dir')") == "rtl", path
        if kind == "take":
            assert len(d.find_elements(By.CSS_SELECTOR, "button[name=group]")) == 4
        if kind == "ticket":
            code = d.find_element(By.CSS_SELECTOR, ".ticket__code")
            assert code.text.strip() == "A-4", code.text
            size = d.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", code)
            assert size >= 48, f"{lang}: the ticket number is {size}px, not very large type"
        if kind == "display":
            live = d.find_element(By.ID, "called-list")
            assert live.get_attribute("aria-live") in ("polite", "assertive")
            assert queue["called"] in live.text, f"{lang}: the display does not show {queue['called']}: {live.text!r}"
        if kind == "staff":
            assert d.find_elements(By.CSS_SELECTOR, "form[action='/queue/call-next'] button"), "no call-next button"
            assert d.find_elements(By.CSS_SELECTOR, "li.called"), "no called ticket on /queue"
            assert len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 3, "no waiting tickets on /queue"
        problems += page_checks(d, demo_server, f"{lang} {path}")
    assert not problems, "\n\n".join(problems)


# ------------------------------------------------------------------------------------------------
# without JavaScript: from the start page to a ticket
# ------------------------------------------------------------------------------------------------


def test_take_a_number_without_javascript(fresh_driver, demo_server, queue):
    d = fresh_driver(javascript=False)
    set_language_cookie(d, demo_server, "nl")
    d.get(demo_server.url("/"))
    links = [a for a in d.find_elements(By.CSS_SELECTOR, 'a[href="/queue/take"]') if a.is_displayed()]
    assert links, "no visible 'take a number' link on the start page"
    links[0].click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/queue/take")
    d.find_element(By.CSS_SELECTOR, "label[for=extra_help]").click()
    assert d.find_element(By.ID, "extra_help").is_selected(), "clicking the label does not tick 'extra help'"
    tile = d.find_element(By.CSS_SELECTOR, 'button[name=group][value="library-learning"]')
    assert tile.size["width"] >= 48 and tile.size["height"] >= 48, tile.size
    tile.click()
    WebDriverWait(d, 10).until(lambda x: re.fullmatch(r"/queue/tickets/\d+", path_of(x)))
    ticket = int(path_of(d).rsplit("/", 1)[1])
    group, number, priority = db_rows(demo_server.database,
                                      "SELECT task_group, number, priority FROM queue_ticket WHERE id = ?", (ticket,))[0]
    assert (group, priority) == ("library-learning", 1)
    assert d.find_element(By.CSS_SELECTOR, ".ticket__code").text.strip() == f"L-{number}"
    assert d.find_elements(By.CSS_SELECTOR, ".status--priority"), "the ticket does not mention the priority"
    assert d.find_element(By.TAG_NAME, "h1").text.strip()

    # the display without JavaScript refreshes itself
    d.get(demo_server.url("/display"))
    refresh = d.find_elements(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')
    assert refresh and int(refresh[0].get_attribute("content")) > 0, "no meta refresh on /display without JavaScript"


# ------------------------------------------------------------------------------------------------
# the display, live
# ------------------------------------------------------------------------------------------------


def test_display_shows_a_new_call_live_without_reload(fresh_driver, demo_server, queue):
    d = fresh_driver(javascript=True)
    set_language_cookie(d, demo_server, "nl")
    d.get(demo_server.url("/display"))
    wait_loaded(d)
    d.execute_script("window.__notReloaded = true")
    # give EventSource a moment to connect (the call would still be replayed only on a reconnect)
    WebDriverWait(d, 5).until(lambda x: x.execute_script(
        "return performance.getEntriesByType('resource').some(e => e.name.indexOf('/display/events') >= 0)"
        " || document.readyState === 'complete'"))
    time.sleep(1.0)
    take_ticket(demo_server, "other")
    code = call_next(demo_server, queue["staff"])
    started = time.monotonic()
    try:
        WebDriverWait(d, 10).until(lambda x: x.execute_script(
            "const c = document.querySelector('#called-list .call__code'); return c && c.textContent.trim()") == code)
    except Exception:
        raise AssertionError(f"{code} did not appear at the top of #called-list within 10 s: "
                             f"{d.find_element(By.ID, 'called-list').text!r}; errors: "
                             f"{d.execute_script('return (window.__cspViolations || []).concat(window.__jsErrors || [])')}")
    assert time.monotonic() - started < 10
    assert d.execute_script("return window.__notReloaded === true"), "the display reloaded instead of updating live"
    box = d.find_element(By.ID, "called-list")
    assert box.get_attribute("aria-live") == "polite"
    first = box.find_element(By.CSS_SELECTOR, "li.call")
    assert first.find_element(By.CSS_SELECTOR, ".call__desk").text.strip(), "the new call does not say where to go"
    codes = [c.text.strip() for c in box.find_elements(By.CSS_SELECTOR, ".call__code")]
    assert codes.count(code) == 1 and len(codes) <= 6, codes
    assert not d.execute_script("return (window.__cspViolations || []).concat(window.__jsErrors || [])")


# ------------------------------------------------------------------------------------------------
# screenshots
# ------------------------------------------------------------------------------------------------


def test_screenshots_of_the_ticket_and_the_display(driver, demo_server, queue, screenshot_dir):
    written = []
    ticket = queue["ids"][-2]
    for lang in LANGUAGES:
        set_language_cookie(driver, demo_server, lang)
        for width, height in ((1280, 1024), (1080, 1920)):
            set_viewport(driver, width, height)
            for path, name in ((f"/queue/tickets/{ticket}", "ticket"), ("/display", "display")):
                driver.get(demo_server.url(path))
                wait_loaded(driver)
                time.sleep(0.2)
                target = screenshot_dir / f"queue-{name}-{lang}-{width}x{height}.png"
                assert driver.save_screenshot(str(target))
                written.append(target)
    set_viewport(driver, 1280, 1024)
    assert all(p.stat().st_size > 5000 for p in written), [(p.name, p.stat().st_size) for p in written]
