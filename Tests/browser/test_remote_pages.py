"""Remote support (help requests) in a real headless Chromium, with two browsers at once where it matters: the
kiosk (a member of staff in a session, or a customer on the start page) and a remote colleague on /remote.

- the whole flow live (Server-Sent Events): the request shows on /remote without a reload, the consent question
  shows on the kiosk without a reload, a message lands in #help-messages without a reload, a change at the kiosk
  refreshes the colleague's #live-session in place, and "Stop het meekijken" ends it on the colleague's screen;
- every page check of the other browser tests (axe WCAG 2.2 AA + target-size/contrast-enhanced, large type,
  large targets, reflow at 320 px, weight, CSP) on the kiosk help page in each state (in Arabic, right to left),
  /remote with and without open requests, /remote/requests/:id awaiting, active and ended, and the start page;
- without JavaScript: the pages refresh themselves (<noscript><meta http-equiv="refresh">), the consent question
  is answered and the stop button works by plain form posts, and a customer can ask for help and withdraw it;
- large targets (the consent buttons and the stop button at least 44×44 CSS px) and large type (the question);
- the consent answer with Tab and Enter only (yes, and no).

Run from the repository root:  python3 -m pytest Tests/browser/test_remote_pages.py -q
Screenshots land in test-output/screenshots/ (remote-*.png).
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess

import pytest
import requests
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from balie_browser import set_viewport
from balie_harness import REPO_ROOT, balie_binary, db_rows
from test_pages import JS_ACTIVE, set_language_cookie, wait_loaded
from test_staff_pages import AXE_SOURCE, page_checks, path_of, sign_in_through_form

PASSWORD = "amber-lantern-river-4271"
LIVE = 10  # seconds a live update may take (the brief: "without manual reload, up to ~10 s")
TIMEOUT = 10
MIN_TARGET = 44
CSRF = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')

# Every EventSource the page makes is kept in window.__sources, so a test can wait until the page listens
# before it triggers the event (an event published before the stream is open is not replayed).
TRACK_EVENT_SOURCES = """
(function () {
  window.__sources = [];
  var Original = window.EventSource;
  if (!Original) return;
  class Tracked extends Original {
    constructor(url, config) { super(url, config); window.__sources.push(this); }
  }
  window.EventSource = Tracked;
})();
"""

TEXT = {  # nl, as locales/nl.json has them
    "waiting": "We zoeken een collega voor u.",
    "question": "Mag {name} op afstand meekijken met deze hulp?",
    "yes": "Ja, dat mag",
    "no": "Nee, liever niet",
    "stop": "Stop het meekijken",
    "ended": "Het meekijken is gestopt.",
    "declined": "U zei nee. Niemand kijkt mee.",
    "awaiting": "De klant krijgt op het scherm de vraag of u mag meekijken.",
    "remote_declined": "De klant wil niet dat u meekijkt.",
    "none_open": "Er wacht nu niemand op hulp.",
    "send": "Stuur naar het scherm",
    "ask": "Hulp van een collega op afstand",
}


@pytest.fixture(autouse=True)
def _axe(axe_source):
    if not AXE_SOURCE:
        AXE_SOURCE.append(axe_source)


# ------------------------------------------------------------------------------------------------
# people, customers, drivers
# ------------------------------------------------------------------------------------------------

_NUMBERS = itertools.count(1)
_TAKEN: set[str] = set()


def add_staff(server, role: str, name: str) -> str:
    """A new account made with the real command line (`balie staff add`, password on stdin); → its username.

    Each test gets its own kiosk and remote accounts: a member of staff holds only a few event streams at once (a
    further one replaces the oldest), so tests running side by side must not share them."""
    username = f"{role}{next(_NUMBERS)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALIE_")}
    result = subprocess.run(
        [str(balie_binary()), "staff", "add", "--database", str(server.database), "--username", username,
         "--name", name, "--role", role], input=PASSWORD + "\n", capture_output=True, text=True, timeout=30,
        cwd=REPO_ROOT, env=env)
    assert result.returncode == 0, f"balie staff add {username} failed: {result.stdout}{result.stderr}"
    return username


def customer_with_consent(server, languages: tuple[str, ...]) -> tuple[str, str]:
    """(number, language) of an unused demo customer whose session-log consent is given, in one of `languages`."""
    rows = db_rows(server.database, """
        SELECT c.number, c.language FROM customer c
        WHERE (SELECT k.given FROM consent k WHERE k.customer_id = c.id AND k.purpose = 'session-log'
               ORDER BY k.at DESC, k.id DESC LIMIT 1) = 1
        ORDER BY c.number""")
    rows = [r for r in rows if r[0] not in _TAKEN]
    preferred = [r for lang in languages for r in rows if r[1] == lang]
    assert preferred, f"the demo data has no unused customer with session-log consent in {languages}"
    _TAKEN.add(preferred[0][0])
    return preferred[0]


def browser(fresh_driver, server, username: str | None, javascript: bool = True, lang: str = "nl"):
    """A new Chromium (quit by the fresh_driver fixture), signed in as `username` unless None."""
    d = fresh_driver(javascript=javascript)
    if javascript:
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRACK_EVENT_SOURCES})
    set_language_cookie(d, server, lang)
    if username:
        sign_in_through_form(d, server, username, PASSWORD)
    return d


def wait_path(d, pattern: str, what: str, timeout: float = TIMEOUT) -> None:
    try:
        WebDriverWait(d, timeout).until(lambda x: re.fullmatch(pattern, path_of(x)))
    except TimeoutException:
        errors = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".error-summary")]
        raise AssertionError(f"{what}: expected {pattern}, still on {d.current_url}; error summary: {errors}") from None
    wait_loaded(d)


def submit(d, button, pattern: str, what: str) -> None:
    """Clicks a form's submit button and waits for the page the form leads to: a new document (the old one is
    marked) at a path matching `pattern`. Many forms here lead back to the same address."""
    d.execute_script("window.__beforeSubmit = 1")
    button.click()
    try:
        WebDriverWait(d, TIMEOUT, poll_frequency=0.1).until(lambda x: _safe(lambda y: y.execute_script(
            "return window.__beforeSubmit !== 1 && document.readyState === 'complete'"), x))
    except TimeoutException:
        raise AssertionError(f"{what}: no new page within {TIMEOUT} s; still {d.current_url}") from None
    wait_path(d, pattern, what)


def main_text(d) -> str:
    return d.execute_script("const m = document.querySelector('main'); return m ? m.textContent : ''")


def wait_live(d, check, what: str, timeout: float = LIVE) -> None:
    """Waits for `check(d)` without touching the page (no get, no refresh): only the page itself may change."""
    try:
        WebDriverWait(d, timeout, poll_frequency=0.2).until(lambda x: _safe(check, x))
    except TimeoutException:
        raise AssertionError(f"{what} did not happen within {timeout} s without a manual reload; {d.current_url} shows:\n"
                             f"{main_text(d)[:1500]}\nscript errors: {script_errors(d)}") from None


def _safe(check, d):
    try:
        return check(d)
    except Exception:  # the page was reloading while we looked
        return False


def wait_text(d, text: str, what: str, timeout: float = LIVE) -> None:
    wait_live(d, lambda x: text in main_text(x) and x.execute_script("return document.readyState") == "complete", what,
              timeout)


def wait_listening(d, what: str, refused_is_final: bool = False) -> None:
    """Until the page's EventSource is open: what happens after this reaches it. With `refused_is_final`, a stream
    the server refused (readyState CLOSED: EventSource does not retry a 429) fails at once."""
    wait_loaded(d)
    try:
        WebDriverWait(d, TIMEOUT, poll_frequency=0.1).until(lambda x: x.execute_script(
            "const s = window.__sources || [];"
            "return s.some(e => e.readyState === 1) || (arguments[0] && s.length > 0 && s.every(e => e.readyState === 2))",
            refused_is_final))
        assert d.execute_script("return (window.__sources || []).some(s => s.readyState === 1)")
    except (TimeoutException, AssertionError):
        states = d.execute_script("return (window.__sources || []).map(s => s.url + ' readyState ' + s.readyState)")
        raise AssertionError(f"{what}: the page's event stream did not open (within {TIMEOUT} s): {states}") from None


def mark(d) -> None:
    d.execute_script("window.__marker = 1")


def marked(d) -> bool:
    return d.execute_script("return window.__marker === 1")


def script_errors(d) -> list:
    try:
        return d.execute_script("return (window.__cspViolations || []).concat(window.__jsErrors || [])")
    except Exception:
        return []


def refresh_meta(d) -> list[int]:
    """The seconds of every meta refresh on the page (inside <noscript>, parsed as markup without JavaScript)."""
    return [int(m.get_attribute("content").split(";")[0]) for m in d.find_elements(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')]


def noscript_refresh_in_source(d) -> bool:
    return bool(re.search(r'<noscript><meta http-equiv="refresh" content="\d+(;url=[^"]+)?"></noscript>', d.page_source))


def rect(d, element) -> dict:
    return d.execute_script("const r = arguments[0].getBoundingClientRect(); return {w: r.width, h: r.height}", element)


def help_row(server, hid: int) -> tuple:
    return db_rows(server.database, "SELECT status, ended_by, helper_id, session_id FROM help_request WHERE id = ?", (hid,))[0]


def help_id(d) -> int:
    match = re.fullmatch(r"/(?:help|remote/requests)/(\d+)", path_of(d))
    assert match, f"not on a help page: {d.current_url}"
    return int(match.group(1))


# ------------------------------------------------------------------------------------------------
# steps, as people take them
# ------------------------------------------------------------------------------------------------


def start_session(d, server, number: str, task: str = "tax-return") -> tuple[int, int]:
    """From the customer's 360° page: start a session, add one task; → (session id, task id)."""
    d.get(server.url(f"/customers/{number}"))
    wait_loaded(d)
    start = d.find_element(By.CSS_SELECTOR, f"form[action='/sessions'] input[name=customer][value='{number}']")
    submit(d, start.find_element(By.XPATH, "ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]"),
           r"/sessions/\d+", "start a session")
    sid = int(path_of(d).rsplit("/", 1)[1])
    Select(d.find_element(By.ID, "task")).select_by_value(task)
    submit(d, d.find_element(By.CSS_SELECTOR, "form.add-task button[type=submit]"), rf"/sessions/{sid}", "add a task")
    tid = int(d.find_element(By.CSS_SELECTOR, "li.session-task").get_attribute("id").split("-")[1])
    return sid, tid


def ask_for_help_from_session(d, sid: int) -> int:
    button = d.find_element(By.CSS_SELECTOR, f"form.help-request[action='/sessions/{sid}/help'] button[type=submit]")
    assert TEXT["ask"] in button.text, f"the session's help button says {button.text!r}"
    submit(d, button, r"/help/\d+", "ask for remote help from the session")
    return help_id(d)


def accept_in_browser(r, server, hid: int) -> None:
    """The colleague presses "Ik help" for request `hid` on /remote (already shown)."""
    submit(r, r.find_element(By.CSS_SELECTOR, f"form[action='/remote/requests/{hid}/accept'] button[type=submit]"),
           rf"/remote/requests/{hid}", "accept the request")


def http_sign_in(server, username: str) -> tuple[requests.Session, str]:
    client = requests.Session()
    token = CSRF.search(client.get(server.url("/sign-in"), timeout=TIMEOUT).text).group(1)
    response = client.post(server.url("/sign-in"), data={"csrf": token, "username": username, "password": PASSWORD},
                           allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, f"sign-in {username}: {response.status_code}"
    return client, CSRF.search(client.get(server.url("/staff"), timeout=TIMEOUT).text).group(1)


def http_accept(server, remote_username: str, hid: int) -> tuple[requests.Session, str]:
    client, token = http_sign_in(server, remote_username)
    response = client.post(server.url(f"/remote/requests/{hid}/accept"), data={"csrf": token}, allow_redirects=False,
                           timeout=TIMEOUT)
    assert response.status_code == 303 and response.headers["Location"] == f"/remote/requests/{hid}", (
        response.status_code, response.headers.get("Location"))
    return client, token


def consent_buttons(d) -> tuple:
    yes = d.find_element(By.CSS_SELECTOR, "form.consent-question button[name=answer][value=yes]")
    no = d.find_element(By.CSS_SELECTOR, "form.consent-question button[name=answer][value=no]")
    return yes, no


def stop_button(d):
    """The kiosk's "Stop het meekijken" (in nl; the customer's language otherwise): the one form posting to …/end."""
    buttons = d.find_elements(By.CSS_SELECTOR, "form[action$='/end'] button[type=submit]")
    assert len(buttons) == 1, f"expected one stop button, found {[b.text for b in buttons]}"
    if d.execute_script("return document.documentElement.lang") == "nl":
        assert buttons[0].text.strip() == TEXT["stop"], buttons[0].text
    return buttons[0]


def kiosk_in_consent_state(fresh_driver, server, languages=("nl",), javascript=True):
    """A member of staff's kiosk with a session, a help request, a colleague who accepted (over HTTP), and the
    consent question on screen. → (driver, help id, helper's name, customer number)."""
    kiosk = browser(fresh_driver, server, add_staff(server, "staff", "Kiosk Medewerker"), javascript=javascript)
    helper_name = "Ruben Verhoeven"
    remote = add_staff(server, "remote", helper_name)
    number, _ = customer_with_consent(server, languages)
    sid, _ = start_session(kiosk, server, number)
    hid = ask_for_help_from_session(kiosk, sid)
    if javascript:
        wait_listening(kiosk, "kiosk waiting page")
    http_accept(server, remote, hid)
    question = TEXT["question"].format(name=helper_name)
    if javascript:
        wait_text(kiosk, question, "the consent question on the kiosk")
    else:
        kiosk.get(server.url(f"/help/{hid}"))
        wait_loaded(kiosk)
        assert question in main_text(kiosk)
    return kiosk, hid, helper_name, number


# ------------------------------------------------------------------------------------------------
# 1. the whole flow, live
# ------------------------------------------------------------------------------------------------


def test_whole_flow_live_with_two_browsers(fresh_driver, demo_server):
    server = demo_server
    helper_name = "Yara Bakker"
    kiosk = browser(fresh_driver, server, add_staff(server, "staff", "Kim Balie"))
    remote = browser(fresh_driver, server, add_staff(server, "remote", helper_name))
    number, language = customer_with_consent(server, ("nl",))

    # the colleague watches the list of requests
    remote.get(server.url("/remote"))
    wait_listening(remote, "/remote")
    mark(remote)

    # the kiosk asks from a session
    sid, tid = start_session(kiosk, server, number)
    hid = ask_for_help_from_session(kiosk, sid)
    assert TEXT["waiting"] in main_text(kiosk), main_text(kiosk)[:500]
    wait_listening(kiosk, "kiosk waiting page")
    mark(kiosk)

    # the list shows it by itself (an SSE "requested" makes the page reload; nobody pressed anything)
    accept_css = f"form[action='/remote/requests/{hid}/accept'] button[type=submit]"
    wait_live(remote, lambda x: x.find_elements(By.CSS_SELECTOR, accept_css) and
              x.execute_script("return document.readyState") == "complete", f"request {hid} on /remote")
    assert path_of(remote) == "/remote"
    assert not marked(remote), "the request showed on /remote, yet the page was not reloaded: was it built in place?"
    accept_in_browser(remote, server, hid)
    assert TEXT["awaiting"] in main_text(remote), main_text(remote)[:800]
    assert not remote.find_elements(By.ID, "live-session"), "the colleague sees the session before the customer said yes"
    wait_listening(remote, "the colleague's request page (awaiting the answer)")

    # the kiosk asks the customer, in the customer's language, by itself
    question = TEXT["question"].format(name=helper_name)
    wait_text(kiosk, question, "the consent question on the kiosk")
    assert kiosk.execute_script("return document.documentElement.lang") == language
    assert kiosk.find_element(By.CSS_SELECTOR, ".consent-question__text").text.strip() == question
    yes, no = consent_buttons(kiosk)
    assert TEXT["yes"] in yes.text and TEXT["no"] in no.text, (yes.text, no.text)
    submit(kiosk, yes, rf"/help/{hid}", "answer yes")
    assert stop_button(kiosk).is_displayed()
    assert kiosk.find_element(By.ID, "help-messages").get_attribute("aria-live") == "polite"
    assert helper_name in main_text(kiosk), "the kiosk does not say who is watching"

    # the colleague's page turns into the live session by itself
    wait_live(remote, lambda x: x.find_elements(By.ID, "live-session"), "the live session on the colleague's page")
    wait_listening(remote, "the colleague's active page")
    live = remote.find_element(By.ID, "live-session")
    assert "Belastingaangifte" in live.text, f"the live session does not show the task: {live.text!r}"
    for field in ("message-text", "step-description", "note-text"):
        assert remote.find_elements(By.ID, field), f"no #{field} on the colleague's active page"

    # a message reaches the kiosk without a reload
    wait_listening(kiosk, "kiosk active page")
    mark(kiosk)
    message = "Klik nu op de blauwe knop 'Inloggen met DigiD' rechtsboven."
    remote.find_element(By.ID, "message-text").send_keys(message)
    send = remote.find_element(By.XPATH, f"//form[@action='/remote/requests/{hid}/messages']//button[@type='submit']")
    assert send.text.strip() == TEXT["send"], send.text
    submit(remote, send, rf"/remote/requests/{hid}", "send a message")
    assert message in main_text(remote), "the colleague's page does not list the sent message"
    wait_live(kiosk, lambda x: message in x.find_element(By.ID, "help-messages").text, "the message on the kiosk")
    assert marked(kiosk), "the kiosk page reloaded to show the message; it should arrive in place"
    item = kiosk.find_element(By.CSS_SELECTOR, "#help-messages li.help-message:last-child")
    assert item.find_element(By.CSS_SELECTOR, ".help-message__text").text == message
    assert re.fullmatch(r"\d\d:\d\d", item.find_element(By.CSS_SELECTOR, ".help-message__when").text.strip())
    assert not kiosk.find_elements(By.ID, "help-messages-empty"), "'no messages yet' still shows next to a message"
    size = kiosk.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)",
                                item.find_element(By.CSS_SELECTOR, ".help-message__text"))
    assert size >= 24, f"the message on the kiosk is {size}px"

    # a change at the kiosk refreshes the colleague's view in place; what they were typing stays
    wait_listening(remote, "the colleague's page after sending")
    mark(remote)
    remote.find_element(By.ID, "note-text").send_keys("half af")
    staff = requests.Session()
    for cookie in kiosk.get_cookies():
        staff.cookies.set(cookie["name"], cookie["value"])
    token = CSRF.search(staff.get(server.url(f"/sessions/{sid}"), timeout=TIMEOUT).text).group(1)
    response = staff.post(server.url(f"/sessions/{sid}/tasks/{tid}/steps"),
                          data={"csrf": token, "description": "Samen de DigiD-app geopend", "actor": "customer-with-help"},
                          allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.status_code
    wait_live(remote, lambda x: "Samen de DigiD-app geopend" in x.find_element(By.ID, "live-session").text,
              "the kiosk's new step on the colleague's page")
    assert marked(remote), "the colleague's page reloaded for a session change; #live-session should refresh in place"
    assert remote.find_element(By.ID, "note-text").get_attribute("value") == "half af", "the typed note was lost"
    remote.find_element(By.ID, "note-text").clear()

    # the customer stops; the colleague's page says so by itself
    wait_listening(remote, "the colleague's page before the stop")
    mark(remote)
    submit(kiosk, stop_button(kiosk), rf"/help/{hid}", "stop")
    assert TEXT["ended"] in main_text(kiosk)
    assert not kiosk.find_elements(By.CSS_SELECTOR, "form[action$='/end']"), "a stop button after the stop"
    assert message in main_text(kiosk), "the ended kiosk page no longer lists the colleague's messages"
    wait_text(remote, TEXT["ended"], "'Het meekijken is gestopt.' on the colleague's page")
    assert not marked(remote) and not remote.find_elements(By.ID, "live-session"), "the colleague still sees the session"
    assert not remote.find_elements(By.ID, "message-text"), "the colleague can still write to the screen"

    status, ended_by, helper_id, session_id = help_row(server, hid)
    assert (status, ended_by, session_id) == ("ended", "customer", sid), (status, ended_by, session_id)
    kinds = [k for (k,) in db_rows(server.database, "SELECT kind FROM help_event WHERE help_request_id = ? ORDER BY id", (hid,))]
    for kind in ("accepted", "consent-given", "viewed", "message", "ended"):
        assert kind in kinds, f"no {kind!r} in the help log: {kinds}"
    consent = db_rows(server.database, """
        SELECT k.given, k.method FROM consent k JOIN customer c ON c.id = k.customer_id
        WHERE c.number = ? AND k.purpose = 'remote-viewing' ORDER BY k.id DESC LIMIT 1""", (number,))
    assert consent == [(1, "on-screen")], f"the customer's yes was not stored as consent: {consent}"
    assert not script_errors(kiosk) and not script_errors(remote), (script_errors(kiosk), script_errors(remote))


# ------------------------------------------------------------------------------------------------
# 2. page checks (axe and the rest) on every page and state
# ------------------------------------------------------------------------------------------------


def test_pages_accessible_large_and_light_in_every_state(fresh_driver, demo_server, screenshot_dir):
    server = demo_server
    problems: list[str] = []
    helper_name = "Noor Jansen"
    kiosk = browser(fresh_driver, server, add_staff(server, "staff", "Kees Loket"))
    remote = browser(fresh_driver, server, add_staff(server, "remote", helper_name))
    for d in (kiosk, remote):
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    number, language = customer_with_consent(server, ("ar",))
    assert language == "ar"

    def shot(d, name):
        target = screenshot_dir / f"remote-{name}-1280x1024.png"
        assert d.save_screenshot(str(target))

    # /remote with nobody waiting
    remote.get(server.url("/remote"))
    wait_listening(remote, "/remote")
    assert TEXT["none_open"] in main_text(remote), "open requests left over from another test"
    problems += page_checks(remote, server, "/remote (none open)")

    # the kiosk waits (the screen in the customer's language: Arabic, right to left)
    sid, tid = start_session(kiosk, server, number)
    hid = ask_for_help_from_session(kiosk, sid)
    assert kiosk.execute_script("return [document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    wait_listening(kiosk, "kiosk waiting page")
    problems += page_checks(kiosk, server, "kiosk help page (waiting, ar)")

    # /remote with it open (it comes in live), then the colleague waits for the answer
    wait_live(remote, lambda x: x.find_elements(By.CSS_SELECTOR, f"form[action='/remote/requests/{hid}/accept']")
              and x.execute_script("return document.readyState") == "complete", f"request {hid} on /remote")
    wait_listening(remote, "/remote with a request")
    problems += page_checks(remote, server, "/remote (one open)")
    accept_in_browser(remote, server, hid)
    wait_listening(remote, "the colleague's page (awaiting)")
    problems += page_checks(remote, server, "/remote/requests/:id (awaiting the answer)")

    # the consent question
    wait_live(kiosk, lambda x: x.find_elements(By.CSS_SELECTOR, "form.consent-question") and
              x.execute_script("return document.readyState") == "complete", "the consent question")
    assert helper_name in kiosk.find_element(By.CSS_SELECTOR, ".consent-question__text").text
    wait_listening(kiosk, "kiosk consent page")
    problems += page_checks(kiosk, server, "kiosk help page (consent question, ar)")
    shot(kiosk, "kiosk-consent-ar")

    # active, with a step, a note and a message sent
    submit(kiosk, consent_buttons(kiosk)[0], rf"/help/{hid}", "answer yes")
    wait_listening(kiosk, "kiosk active page")
    wait_live(remote, lambda x: x.find_elements(By.ID, "live-session") and
              x.execute_script("return document.readyState") == "complete", "the live session")
    Select(remote.find_element(By.ID, "step-task")).select_by_value(str(tid))
    remote.find_element(By.ID, "step-description").send_keys("Formulier geopend op de website")
    remote.find_element(By.CSS_SELECTOR, "label[for='step-actor-customer-with-help']").click()
    submit(remote, remote.find_element(By.XPATH, f"//form[@action='/remote/requests/{hid}/steps']//button[@type='submit']"),
           rf"/remote/requests/{hid}", "add a step")
    assert "Formulier geopend op de website" in remote.find_element(By.ID, "live-session").text, main_text(remote)[:800]
    remote.find_element(By.ID, "note-text").send_keys("Klant twijfelt over de aftrekposten")
    submit(remote, remote.find_element(By.XPATH, f"//form[@action='/remote/requests/{hid}/notes']//button[@type='submit']"),
           rf"/remote/requests/{hid}", "add a note")
    remote.find_element(By.ID, "message-text").send_keys("اضغط على الزر الأزرق")  # the customer's language
    submit(remote, remote.find_element(By.XPATH, f"//form[@action='/remote/requests/{hid}/messages']//button[@type='submit']"),
           rf"/remote/requests/{hid}", "send a message")
    wait_live(kiosk, lambda x: "اضغط على الزر الأزرق" in x.find_element(By.ID, "help-messages").text, "the message on the kiosk")
    problems += page_checks(kiosk, server, "kiosk help page (active, message arrived live, ar)")
    shot(kiosk, "kiosk-active-ar")
    wait_listening(remote, "the colleague's active page")
    problems += page_checks(remote, server, "/remote/requests/:id (active, step, note, message)")
    shot(remote, "colleague-active")

    # ended, on both sides
    submit(kiosk, stop_button(kiosk), rf"/help/{hid}", "stop")
    problems += page_checks(kiosk, server, "kiosk help page (ended, ar)")
    wait_text(remote, TEXT["ended"], "the ended text on the colleague's page")
    problems += page_checks(remote, server, "/remote/requests/:id (ended)")

    # the start page with the new help panel, in customer mode
    customer = browser(fresh_driver, server, None)
    for lang in ("nl", "ar"):
        set_language_cookie(customer, server, lang)
        customer.get(server.url("/"))
        wait_loaded(customer)
        forms = customer.find_elements(By.CSS_SELECTOR, "form.help-request[action='/kiosk/help']")
        assert forms and forms[0].find_element(By.TAG_NAME, "button").is_displayed(), f"{lang}: no help button on /"
        problems += page_checks(customer, server, f"start page with the help panel ({lang})")
    assert not problems, "\n\n".join(problems)


# ------------------------------------------------------------------------------------------------
# 3. without JavaScript
# ------------------------------------------------------------------------------------------------


def test_without_javascript_refresh_consent_and_stop(fresh_driver, demo_server):
    server = demo_server
    helper_name = "Femke de Wit"
    kiosk = browser(fresh_driver, server, add_staff(server, "staff", "Piet Loket"), javascript=False)
    remote = browser(fresh_driver, server, add_staff(server, "remote", helper_name), javascript=False)
    number, _ = customer_with_consent(server, ("nl",))

    sid, _ = start_session(kiosk, server, number)
    hid = ask_for_help_from_session(kiosk, sid)
    assert TEXT["waiting"] in main_text(kiosk)
    assert noscript_refresh_in_source(kiosk) and refresh_meta(kiosk) and all(s > 0 for s in refresh_meta(kiosk)), (
        "no <noscript> meta refresh on the waiting kiosk page")

    remote.get(server.url("/remote"))
    assert noscript_refresh_in_source(remote) and refresh_meta(remote), "no <noscript> meta refresh on /remote"
    accept_in_browser(remote, server, hid)
    assert TEXT["awaiting"] in main_text(remote)
    assert noscript_refresh_in_source(remote) and refresh_meta(remote), (
        "no <noscript> meta refresh on the colleague's page while it waits for the answer")

    # the kiosk's own refresh brings the question (nobody navigates)
    question = TEXT["question"].format(name=helper_name)
    wait_text(kiosk, question, "the consent question via the meta refresh", timeout=max(refresh_meta(kiosk)) + LIVE)
    assert noscript_refresh_in_source(kiosk) and refresh_meta(kiosk), "no meta refresh while the question waits"
    yes, _ = consent_buttons(kiosk)
    submit(kiosk, yes, rf"/help/{hid}", "answer yes without JavaScript")  # a plain form post
    assert help_row(server, hid)[0] == "active"
    assert noscript_refresh_in_source(kiosk) and refresh_meta(kiosk), "no meta refresh on the active kiosk page"

    # the colleague's page, now active, and a message by a plain form post
    remote.get(server.url(f"/remote/requests/{hid}"))
    assert remote.find_elements(By.ID, "live-session"), main_text(remote)[:800]
    remote.find_element(By.ID, "message-text").send_keys("Typ uw postcode in het eerste vak.")
    submit(remote, remote.find_element(By.XPATH, f"//form[@action='/remote/requests/{hid}/messages']//button[@type='submit']"),
           rf"/remote/requests/{hid}", "send a message without JavaScript")
    wait_live(kiosk, lambda x: "Typ uw postcode in het eerste vak." in x.find_element(By.ID, "help-messages").text,
              "the message on the kiosk via the meta refresh", timeout=max(refresh_meta(kiosk)) + LIVE)

    # stop, by a plain form post
    submit(kiosk, stop_button(kiosk), rf"/help/{hid}", "stop without JavaScript")
    assert TEXT["ended"] in main_text(kiosk)
    assert not refresh_meta(kiosk), "the ended kiosk page still refreshes itself"
    assert help_row(server, hid)[:2] == ("ended", "customer")
    remote.get(server.url(f"/remote/requests/{hid}"))
    assert TEXT["ended"] in main_text(remote) and not remote.find_elements(By.ID, "live-session")


def test_customer_asks_and_withdraws_without_javascript(fresh_driver, demo_server):
    """Customer mode: the start page's button asks for help; the waiting page refreshes; withdrawing works."""
    server = demo_server
    d = browser(fresh_driver, server, None, javascript=False)
    d.get(server.url("/"))
    button = d.find_element(By.CSS_SELECTOR, "form.help-request[action='/kiosk/help'] button[type=submit]")
    assert TEXT["ask"] in button.text
    submit(d, button, r"/help/\d+", "ask for help on the start page")
    hid = help_id(d)
    assert TEXT["waiting"] in main_text(d)
    assert noscript_refresh_in_source(d) and refresh_meta(d), "no meta refresh on the customer's waiting page"
    status, _, _, session_id = help_row(server, hid)
    assert (status, session_id) == ("open", None)
    # another browser (another visit) cannot see it
    other = browser(fresh_driver, server, None, javascript=False)
    other.get(server.url(f"/help/{hid}"))
    assert TEXT["waiting"] not in main_text(other), "another kiosk visit sees this customer's help request"
    # withdraw
    submit(d, d.find_element(By.CSS_SELECTOR, f"form[action='/help/{hid}/end'] button[type=submit]"), rf"/help/{hid}", "withdraw")
    assert help_row(server, hid)[0] == "cancelled"
    assert not refresh_meta(d) or all(s > 60 for s in refresh_meta(d)), "the withdrawn request's page still refreshes"


# ------------------------------------------------------------------------------------------------
# 4. large targets, large type
# ------------------------------------------------------------------------------------------------


def test_consent_and_stop_are_large(fresh_driver, demo_server):
    kiosk, hid, helper_name, _ = kiosk_in_consent_state(fresh_driver, demo_server)
    body = kiosk.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
    for width, height in ((1280, 1024), (1080, 1920), (320, 800)):
        set_viewport(kiosk, width, height)
        question = kiosk.find_element(By.CSS_SELECTOR, ".consent-question__text")
        size = kiosk.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", question)
        assert size >= 24 and size > body, f"{width}px: the consent question is {size}px (body {body}px)"
        for button in consent_buttons(kiosk):
            box = rect(kiosk, button)
            assert box["w"] >= MIN_TARGET and box["h"] >= MIN_TARGET, f"{width}px: {button.text!r} is {box}"
    set_viewport(kiosk, 1280, 1024)
    submit(kiosk, consent_buttons(kiosk)[0], rf"/help/{hid}", "answer yes")
    for width, height in ((1280, 1024), (1080, 1920), (320, 800)):
        set_viewport(kiosk, width, height)
        stop = stop_button(kiosk)
        box = rect(kiosk, stop)
        assert box["w"] >= MIN_TARGET and box["h"] >= MIN_TARGET, f"{width}px: the stop button is {box}"
        size = kiosk.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", stop)
        assert size >= 24, f"{width}px: the stop button's text is {size}px"
    set_viewport(kiosk, 1280, 1024)
    submit(kiosk, stop_button(kiosk), rf"/help/{hid}", "stop")
    assert help_row(demo_server, hid)[0] == "ended"


# ------------------------------------------------------------------------------------------------
# 5. keyboard only
# ------------------------------------------------------------------------------------------------


def tab_to(d, predicate, what: str, limit: int = 60) -> dict:
    passed = []
    for _ in range(limit):
        d.switch_to.active_element.send_keys(Keys.TAB)
        now = d.execute_script(JS_ACTIVE)
        if now and predicate(d):
            return now
        passed.append(now and f"{now['tag']} {now['text'][:30]!r}")
    raise AssertionError(f"Tab never reached {what}; focus went through {passed}")


def focused_answer(d) -> str | None:
    return d.execute_script("const e = document.activeElement; return e && e.name === 'answer' ? e.value : null")


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_consent_with_keyboard_only(fresh_driver, demo_server, answer):
    kiosk, hid, helper_name, number = kiosk_in_consent_state(fresh_driver, demo_server)
    kiosk.execute_script("document.activeElement && document.activeElement.blur(); window.focus()")
    kiosk.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    first = kiosk.execute_script(JS_ACTIVE)
    assert first and first["tag"] == "a" and (first["href"] or "").startswith("#"), f"first Tab is not the skip link: {first}"
    now = tab_to(kiosk, lambda x: focused_answer(x) is not None, "a consent answer")
    assert focused_answer(kiosk) == "yes", "the first answer Tab reaches is not 'yes'"
    if answer == "no":
        kiosk.switch_to.active_element.send_keys(Keys.TAB)
        assert focused_answer(kiosk) == "no", f"Tab after 'yes' went to {kiosk.execute_script(JS_ACTIVE)}"
        now = kiosk.execute_script(JS_ACTIVE)
    assert (now["outlineWidth"] >= 3 and now["outlineStyle"] != "none") or now["boxShadow"] != "none", (
        f"the focused consent answer shows no focus: {now}")
    kiosk.switch_to.active_element.send_keys(Keys.ENTER)
    expected = {"yes": "active", "no": "declined"}[answer]
    WebDriverWait(kiosk, TIMEOUT).until(lambda x: help_row(demo_server, hid)[0] == expected)
    wait_loaded(kiosk)
    if answer == "no":
        wait_text(kiosk, TEXT["declined"], "the declined text")
        consent = db_rows(demo_server.database, """
            SELECT k.given FROM consent k JOIN customer c ON c.id = k.customer_id
            WHERE c.number = ? AND k.purpose = 'remote-viewing' ORDER BY k.id DESC LIMIT 1""", (number,))
        assert consent == [(0,)], f"the customer's no was not stored: {consent}"
        return
    # and the stop button, also by keyboard
    wait_text(kiosk, TEXT["stop"], "the stop button")
    kiosk.execute_script("document.activeElement && document.activeElement.blur(); window.focus()")
    kiosk.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    tab_to(kiosk, lambda x: x.execute_script(
        "const e = document.activeElement; return !!(e && e.form && e.form.getAttribute('action').endsWith('/end'))"),
        "the stop button")
    kiosk.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(kiosk, TIMEOUT).until(lambda x: help_row(demo_server, hid)[0] == "ended")
    wait_text(kiosk, TEXT["ended"], "the ended text after the stop by keyboard")


# ------------------------------------------------------------------------------------------------
# known product problem: the colleague's list stops being live after a few events in a row
# ------------------------------------------------------------------------------------------------


def customer_asks_over_http(server) -> tuple[requests.Session, str, int]:
    """A kiosk visit in customer mode presses the start page's help button; → (client, csrf, help id)."""
    client = requests.Session()
    token = CSRF.search(client.get(server.url("/"), timeout=TIMEOUT).text).group(1)
    response = client.post(server.url("/kiosk/help"), data={"csrf": token}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, response.status_code
    return client, token, int(response.headers["Location"].rsplit("/", 1)[1])


def test_colleague_pages_stay_live_when_moving_between_them(fresh_driver, demo_server):
    server = demo_server
    username = add_staff(server, "remote", "Lotte Live")
    remote = browser(fresh_driver, server, username)
    client, token, hid = customer_asks_over_http(server)
    try:
        http_accept(server, username, hid)
        pages = ["/remote", f"/remote/requests/{hid}"] * 3
        for number, path in enumerate(pages, start=1):
            remote.get(server.url(path))  # as a click on "Terug naar de vragen om hulp" or on the request would
            wait_listening(remote, f"page {number} ({path}) within a few seconds", refused_is_final=True)
    finally:
        client.post(server.url(f"/help/{hid}/end"), data={"csrf": token}, allow_redirects=False, timeout=TIMEOUT)
