"""Assisted sessions (issue #5) in a real headless Chromium: the whole flow from a customer's 360° page
(start, add a task, log a step, finish, hand over, the customer's two questions, the take-home summary), with
every page check of #6 (axe, large type, large targets, reflow at 320 px, weight) on the session page, the
feedback page and the summary in nl and ar; the same flow without JavaScript; the questions keyboard only;
screenshots.

Run from the repository root:  python3 -m pytest Tests/browser/test_session_pages.py -q
Screenshots land in test-output/screenshots/ (session-*.png).
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest

from balie_harness import db_rows
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from balie_browser import set_viewport
from test_pages import set_language_cookie, wait_loaded
from test_staff_pages import AXE_SOURCE, page_checks, path_of, sign_in_through_form

DEMO_PASSWORD = "demo-kiosk-2026"
TIMEOUT = 10
SIZES = ((1280, 1024), (1080, 1920))


@pytest.fixture(autouse=True)
def _axe(axe_source):
    if not AXE_SOURCE:
        AXE_SOURCE.append(axe_source)


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------




_TAKEN: set[str] = set()


def consenting_customer(database, languages: tuple[str, ...]) -> tuple[str, str]:
    """(number, language) of a demo customer whose latest session-log consent is given, preferring `languages`."""
    rows = db_rows(database, """
        SELECT c.number, c.language FROM customer c
        WHERE (SELECT k.given FROM consent k WHERE k.customer_id = c.id AND k.purpose = 'session-log'
               ORDER BY k.at DESC, k.id DESC LIMIT 1) = 1
        ORDER BY c.number""")
    rows = [r for r in rows if r[0] not in _TAKEN]
    assert rows, "the demo data has no (unused) customer with session-log consent"
    preferred = [r for lang in languages for r in rows if r[1] == lang]
    number, language = (preferred or rows)[0]
    _TAKEN.add(number)
    return number, language


def session_row(database, sid: int) -> tuple:
    return db_rows(database, "SELECT customer_id, phase, effort_score, self_reliance, channel_advice FROM assisted_session "
                             "WHERE id = ?", (sid,))[0]


def session_id(driver) -> int:
    match = re.match(r"/sessions/(\d+)", path_of(driver))
    assert match, f"not on a session page: {driver.current_url}"
    return int(match.group(1))


def signed_in_driver(fresh_driver, server, lang: str, javascript: bool = True):
    d = fresh_driver(javascript=javascript)
    set_language_cookie(d, server, lang)
    sign_in_through_form(d, server, "anna", DEMO_PASSWORD)
    return d


def click_label(d, input_id: str) -> None:
    """Chooses a radio the way a person does: by its (large) label."""
    d.find_element(By.CSS_SELECTOR, f"label[for='{input_id}']").click()
    assert d.find_element(By.ID, input_id).is_selected(), f"clicking the label of #{input_id} did not select it"


def submit_in(d, form_css: str) -> None:
    d.find_element(By.CSS_SELECTOR, f"{form_css} button[type=submit]").click()


def wait_path(d, pattern: str, what: str) -> None:
    try:
        WebDriverWait(d, 10).until(lambda x: re.fullmatch(pattern, path_of(x)))
    except Exception:
        errors = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".error-summary")]
        raise AssertionError(f"{what}: expected {pattern}, still on {d.current_url}; error summary: {errors}")
    wait_loaded(d)


def screenshots(d, directory, name: str) -> list:
    written = []
    for width, height in SIZES:
        set_viewport(d, width, height)
        time.sleep(0.2)
        target = directory / f"{name}-{width}x{height}.png"
        assert d.save_screenshot(str(target))
        written.append(target)
    set_viewport(d, 1280, 1024)
    return written


def run_flow(d, server, number: str, *, checks: bool, label: str, shots=None) -> tuple[int, int, list[str]]:
    """From the 360° page to the summary; returns (session id, task id, page-check problems)."""
    problems: list[str] = []
    d.get(server.url(f"/customers/{number}"))
    wait_loaded(d)
    start = d.find_element(By.CSS_SELECTOR, f"form[action='/sessions'] input[name=customer][value='{number}']")
    start.find_element(By.XPATH, "ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_path(d, r"/sessions/\d+", "start a session from the 360° page")
    sid = session_id(d)

    # add a task
    Select(d.find_element(By.ID, "task")).select_by_value("tax-return")
    submit_in(d, "form.add-task")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, "li.session-task"))
    wait_loaded(d)
    tid = int(d.find_element(By.CSS_SELECTOR, "li.session-task").get_attribute("id").split("-")[1])

    # log a step
    d.find_element(By.ID, f"description-{tid}").send_keys("Logged in with DigiD together")
    click_label(d, f"actor-{tid}-customer-with-help")
    submit_in(d, f"form[action='/sessions/{sid}/tasks/{tid}/steps']")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, f"#task-{tid} li.step"))
    wait_loaded(d)
    assert "Logged in with DigiD together" in d.find_element(By.ID, f"task-{tid}").text
    if checks:  # the session page with one task, its step and its forms
        problems += page_checks(d, server, f"{label} session page")
    if shots is not None:
        shots += screenshots(d, shots.directory, f"session-{label}-staff")

    # finish the task, hand over
    click_label(d, f"outcome-{tid}-resolved")
    submit_in(d, f"form[action='/sessions/{sid}/tasks/{tid}/finish']")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, f"#task-{tid}.session-task--finished"))
    wait_loaded(d)
    Select(d.find_element(By.ID, "channel_advice")).select_by_value("phone")
    submit_in(d, f"form[action='/sessions/{sid}/handover']")
    wait_path(d, rf"/sessions/{sid}/feedback", "hand over")
    if checks:
        problems += page_checks(d, server, f"{label} feedback page")
    if shots is not None:
        shots += screenshots(d, shots.directory, f"session-{label}-feedback")

    # the customer answers
    click_label(d, "effort-6")
    click_label(d, "reliance-with-a-little-help")
    d.find_element(By.CSS_SELECTOR, "form.feedback button[type=submit]:not([name=skip])").click()
    wait_path(d, rf"/sessions/{sid}/summary", "answer the two questions")
    assert "Belastingaangifte" in d.page_source or d.find_elements(By.CSS_SELECTOR, ".summary-task"), "no task on the summary"
    if checks:
        problems += page_checks(d, server, f"{label} summary page")
    if shots is not None:
        shots += screenshots(d, shots.directory, f"session-{label}-summary")
    return sid, tid, problems


class Shots(list):
    def __init__(self, directory):
        super().__init__()
        self.directory = directory


# ------------------------------------------------------------------------------------------------
# the flow with JavaScript, nl and ar, page checks and screenshots
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, customer_languages", [("nl", ("tr", "ar")), ("ar", ("ar", "tr"))])
def test_session_flow_pages_accessible_large_and_light(fresh_driver, demo_server, screenshot_dir, lang, customer_languages):
    db = demo_server.database
    number, customer_language = consenting_customer(db, customer_languages)
    d = signed_in_driver(fresh_driver, demo_server, lang)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    shots = Shots(screenshot_dir)
    languages_seen = {}

    def lang_of() -> tuple[str, str]:
        return (d.execute_script("return document.documentElement.lang"),
                d.execute_script("return document.documentElement.getAttribute('dir')"))

    sid, tid, problems = run_flow(d, demo_server, number, checks=True, label=lang, shots=shots)
    # customer-facing pages: the customer's language (and direction)
    d.get(demo_server.url(f"/sessions/{sid}/summary"))
    wait_loaded(d)
    languages_seen["summary"] = lang_of()
    expected_dir = "rtl" if customer_language == "ar" else "ltr"
    assert languages_seen["summary"] == (customer_language, expected_dir), (
        f"the summary for a customer whose language is {customer_language} shows as {languages_seen['summary']}")
    # staff pages stay in the staff member's language
    d.get(demo_server.url("/staff"))
    wait_loaded(d)
    assert lang_of()[0] == lang

    row = session_row(db, sid)
    assert row[0] is not None and row[1] == "closed" and row[2] == 6 and row[4] == "phone", row
    assert db_rows(db, "SELECT actor, description FROM session_step WHERE session_task_id = ?", (tid,)) == [
        ("customer-with-help", "Logged in with DigiD together")]
    assert len(shots) == 6 and all(p.stat().st_size > 5000 for p in shots), [(p.name, p.stat().st_size) for p in shots]
    assert not problems, "\n\n".join(problems)
    assert row[3] == "with-a-little-help", (
        f"the customer chose 'with a little help' in the browser, but assisted_session.self_reliance is {row[3]!r}")


def test_feedback_page_is_in_the_customer_language(fresh_driver, demo_server):
    """The screen turned to the customer: lang (and dir) of the customer's language, whatever the staff language."""
    db = demo_server.database
    number, customer_language = consenting_customer(db, ("ar", "tr", "uk", "pl"))
    d = signed_in_driver(fresh_driver, demo_server, "nl")
    d.get(demo_server.url(f"/customers/{number}"))
    start = d.find_element(By.CSS_SELECTOR, f"form[action='/sessions'] input[name=customer][value='{number}']")
    start.find_element(By.XPATH, "ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_path(d, r"/sessions/\d+", "start")
    sid = session_id(d)
    assert d.execute_script("return document.documentElement.lang") == "nl", "the staff page left the staff language"
    Select(d.find_element(By.ID, "task")).select_by_value("pay-bill")
    submit_in(d, "form.add-task")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, "li.session-task"))
    tid = int(d.find_element(By.CSS_SELECTOR, "li.session-task").get_attribute("id").split("-")[1])
    click_label(d, f"outcome-{tid}-resolved")
    submit_in(d, f"form[action='/sessions/{sid}/tasks/{tid}/finish']")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, f"#task-{tid}.session-task--finished"))
    submit_in(d, f"form[action='/sessions/{sid}/handover']")
    wait_path(d, rf"/sessions/{sid}/feedback", "hand over")
    got = d.execute_script("return [document.documentElement.lang, document.documentElement.getAttribute('dir')]")
    assert got == [customer_language, "rtl" if customer_language == "ar" else "ltr"], (
        f"feedback page for a customer in {customer_language}: {got}")
    labels = [e.text for e in d.find_elements(By.CSS_SELECTOR, "label[for^='effort-']")]
    assert len(labels) == 7 and all(t.strip() for t in labels), f"every CES choice needs a label: {labels}"


# ------------------------------------------------------------------------------------------------
# without JavaScript
# ------------------------------------------------------------------------------------------------


def test_session_flow_without_javascript(fresh_driver, demo_server):
    db = demo_server.database
    number, _ = consenting_customer(db, ("nl",))
    d = signed_in_driver(fresh_driver, demo_server, "nl", javascript=False)
    sid, tid, _ = run_flow(d, demo_server, number, checks=False, label="nojs")
    print_button = d.find_elements(By.CSS_SELECTOR, "[data-print]")
    assert not print_button or not print_button[0].is_displayed(), "the print button (needs JavaScript) shows without it"
    done = d.find_element(By.CSS_SELECTOR, "a[href='/staff']")
    assert done.size["width"] >= 48 and done.size["height"] >= 48, done.size
    row = session_row(db, sid)
    assert row[0] is not None and row[1:3] == ("closed", 6), row
    assert db_rows(db, "SELECT outcome FROM session_task WHERE id = ?", (tid,)) == [("resolved",)]
    assert db_rows(db, "SELECT count(*) FROM contact c JOIN customer u ON u.id = c.customer_id "
                       "WHERE u.number = ? AND c.channel = 'kiosk-assisted' AND c.topic LIKE '%Belastingaangifte%'",
                   (number,))[0][0] == 1, "no kiosk-assisted contact after the session without JavaScript"
    assert row[3] == "with-a-little-help", f"self-reliance chosen without JavaScript was stored as {row[3]!r}"


# ------------------------------------------------------------------------------------------------
# the customer's questions, keyboard only
# ------------------------------------------------------------------------------------------------


def session_in_feedback_phase(server) -> int:
    """An anonymous session with one resolved task, handed over, made through plain HTTP."""
    client = requests.Session()
    page = client.get(server.url("/sign-in"), timeout=TIMEOUT)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.post(server.url("/sign-in"), data={"csrf": csrf, "username": "sanne", "password": DEMO_PASSWORD},
                       allow_redirects=False, timeout=TIMEOUT).status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(server.url("/staff"), timeout=TIMEOUT).text).group(1)
    response = client.post(server.url("/sessions"), data={"csrf": csrf}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.status_code
    sid = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(server.url(f"/sessions/{sid}/tasks"), data={"csrf": csrf, "task": "forms"}, timeout=TIMEOUT)
    tid = db_rows(server.database, "SELECT id FROM session_task WHERE session_id = ?", (sid,))[0][0]
    client.post(server.url(f"/sessions/{sid}/tasks/{tid}/finish"), data={"csrf": csrf, "outcome": "resolved"}, timeout=TIMEOUT)
    response = client.post(server.url(f"/sessions/{sid}/handover"), data={"csrf": csrf}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.status_code
    return sid


def active(d) -> str:
    return d.execute_script("const e = document.activeElement; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')")


def test_feedback_keyboard_only(fresh_driver, demo_server):
    sid = session_in_feedback_phase(demo_server)
    d = signed_in_driver(fresh_driver, demo_server, "nl")
    d.get(demo_server.url(f"/sessions/{sid}/feedback"))
    wait_loaded(d)
    d.execute_script("document.activeElement && document.activeElement.blur(); window.focus()")
    passed = []
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(40):
        if d.execute_script("return document.activeElement.name") == "effort":
            break
        passed.append(active(d))
        d.switch_to.active_element.send_keys(Keys.TAB)
    else:
        raise AssertionError(f"Tab never reached a CES choice; focus went through {passed}")
    assert active(d) == "input#effort-1", f"Tab into the CES group landed on {active(d)}"
    shadow = d.execute_script(
        "const l = document.querySelector(\"label[for='effort-1']\"), s = getComputedStyle(l);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]")
    assert shadow[0] != "none" or shadow[2] != "none", f"the focused CES choice shows no focus: {shadow}"
    d.switch_to.active_element.send_keys(Keys.SPACE)
    assert d.find_element(By.ID, "effort-1").is_selected(), "Space did not choose the focused CES answer"
    for _ in range(4):
        d.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    assert d.find_element(By.ID, "effort-5").is_selected(), f"arrows did not move the choice to 5; focus on {active(d)}"
    # on to the second question, then submit with Enter
    d.switch_to.active_element.send_keys(Keys.TAB)
    assert d.execute_script("return document.activeElement.type") == "radio" and active(d).startswith("input#reliance-"), (
        f"Tab after the CES group went to {active(d)}")
    d.switch_to.active_element.send_keys(Keys.SPACE)
    chosen = d.execute_script("return document.activeElement.value")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    wait_path(d, rf"/sessions/{sid}/summary", "Enter on the questions")
    row = session_row(demo_server.database, sid)
    assert row[1:3] == ("closed", 5), f"keyboard answer 5 stored as {row}"
    assert row[3] == chosen, f"keyboard answer {chosen!r} to 'next time I can do this myself' stored as {row[3]!r}"
