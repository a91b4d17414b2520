"""Staff sign-in pages (issue #3) in a real headless Chromium: accessibility, large type, reflow, weight,
signing in and locking without JavaScript, and the session-timeout warning (WCAG 2.2.1).

Run from the repository root:  python3 -m pytest Tests/browser/test_staff_pages.py -q
Screenshots land in test-output/screenshots/ (staff-*.png).
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from balie_browser import set_viewport
from test_pages import (
    AXE_RULES,
    AXE_TAGS,
    JS_SMALL_TARGETS,
    JS_SMALL_TEXT,
    JS_TRANSFER,
    MAX_PAGE_BYTES,
    MIN_FONT_PX,
    MIN_TARGET_PX,
    describe_violations,
    run_axe,
    set_language_cookie,
    wait_loaded,
)

DEMO_PASSWORD = "demo-kiosk-2026"
STAFF_LANGUAGES = ["nl", "ar", "en"]


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def path_of(driver) -> str:
    return urlparse(driver.current_url).path


def submit_sign_in(d, username: str, password: str) -> None:
    """Types into the real form and presses its submit button."""
    d.find_element(By.ID, "username").clear()
    d.find_element(By.ID, "username").send_keys(username)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, 'form[action="/sign-in"] button[type="submit"]').click()


def sign_in_through_form(d, server, username="admin", password=DEMO_PASSWORD) -> None:
    d.get(server.url("/sign-in"))
    wait_loaded(d)
    submit_sign_in(d, username, password)
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/staff")
    wait_loaded(d)
    assert d.get_cookie("balie_session"), "signed in, but no balie_session cookie in the browser"


def page_checks(d, server, label: str, max_bytes: int = MAX_PAGE_BYTES) -> list[str]:
    """Everything checked on one loaded page; returns the problems (empty when all is well)."""
    problems = []
    set_viewport(d, 1280, 1024)
    time.sleep(0.2)
    wcag = run_axe(d, AXE_SOURCE[0], AXE_TAGS)
    aaa = run_axe(d, AXE_SOURCE[0], AXE_RULES)
    if wcag or aaa:
        problems.append(f"{label}: axe violations\n{describe_violations(wcag + aaa)}")
    small = d.execute_script(JS_SMALL_TEXT, MIN_FONT_PX)
    if small:
        problems.append(f"{label}: text under {MIN_FONT_PX}px:\n  " + "\n  ".join(small[:15]))
    body = d.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
    if body < MIN_FONT_PX:
        problems.append(f"{label}: body font-size {body}px")
    targets = d.execute_script(JS_SMALL_TARGETS, MIN_TARGET_PX)
    if targets:
        problems.append(f"{label}: targets under {MIN_TARGET_PX}x{MIN_TARGET_PX}:\n  " + "\n  ".join(targets[:15]))
    entries = d.execute_script(JS_TRANSFER)
    total = sum(max(e["transfer"], e["encoded"]) for e in entries)
    if total > max_bytes:
        listing = "\n".join(f"  {max(e['transfer'], e['encoded']):>7} {e['name']}" for e in entries)
        problems.append(f"{label}: {total} bytes > {max_bytes}:\n{listing}")
    foreign = [e["name"] for e in entries if urlparse(e["name"]).netloc not in ("", urlparse(server.base_url).netloc)
               and not e["name"].startswith("data:")]
    if foreign:
        problems.append(f"{label}: third-party requests {foreign}")
    csp = d.execute_script("return (window.__cspViolations || []).concat(window.__jsErrors || [])")
    if csp:
        problems.append(f"{label}: CSP violations or script errors: {csp}")
    # Reflow at 320 CSS px without reloading (the error page came from a POST).
    try:
        set_viewport(d, 320, 800)
        time.sleep(0.2)
        width, inner = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner:
            culprits = d.execute_script(
                "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
                ".slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' right=' +"
                " Math.round(e.getBoundingClientRect().right))"
            )
            problems.append(f"{label}: scrollWidth {width} > {inner} at 320px; too wide: {culprits}")
    finally:
        set_viewport(d, 1280, 1024)
    return problems


AXE_SOURCE: list[str] = []  # filled by the fixture below, so page_checks can stay a plain function


@pytest.fixture(autouse=True)
def _axe(axe_source):
    if not AXE_SOURCE:
        AXE_SOURCE.append(axe_source)


# ------------------------------------------------------------------------------------------------
# the staff pages in nl, ar and en
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", STAFF_LANGUAGES)
def test_staff_pages_accessible_large_and_light(fresh_driver, demo_server, lang):
    d = fresh_driver(javascript=True)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    set_language_cookie(d, demo_server, lang)
    problems = []

    # 1. the sign-in page, signed out
    d.get(demo_server.url("/sign-in"))
    wait_loaded(d)
    assert d.execute_script("return document.documentElement.lang") == lang
    if lang == "ar":
        assert d.execute_script("return document.documentElement.getAttribute('dir')") == "rtl"
    problems += page_checks(d, demo_server, f"{lang} /sign-in")

    # 2. the same page with the error summary after a wrong password
    submit_sign_in(d, "admin", "not-the-right-password")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, ".error-summary, [role=alert]"))
    wait_loaded(d)
    summary = d.find_element(By.CSS_SELECTOR, ".error-summary, [role=alert]")
    assert summary.is_displayed() and summary.text.strip(), "the error summary is empty or hidden"
    assert d.execute_script("return document.documentElement.lang") == lang
    problems += page_checks(d, demo_server, f"{lang} /sign-in (wrong password)")

    # 3. sign in as admin through the form, then the staff pages
    submit_sign_in(d, "admin", DEMO_PASSWORD)
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/staff")
    wait_loaded(d)
    assert d.execute_script("return document.documentElement.lang") == lang, "the language changed at sign-in"
    problems += page_checks(d, demo_server, f"{lang} /staff")
    d.get(demo_server.url("/admin/staff"))
    wait_loaded(d)
    assert path_of(d) == "/admin/staff"
    problems += page_checks(d, demo_server, f"{lang} /admin/staff")

    assert not problems, "\n\n".join(problems)


def test_screenshots_of_sign_in_and_staff(fresh_driver, demo_server, screenshot_dir):
    d = fresh_driver(javascript=True)
    set_viewport(d, 1280, 1024)
    written = []
    for lang in ("nl", "ar"):
        d.get(demo_server.url("/healthz"))
        d.delete_all_cookies()
        set_language_cookie(d, demo_server, lang)
        d.get(demo_server.url("/sign-in"))
        wait_loaded(d)
        target = screenshot_dir / f"staff-sign-in-{lang}-1280x1024.png"
        assert d.save_screenshot(str(target))
        written.append(target)
        submit_sign_in(d, "admin", DEMO_PASSWORD)
        WebDriverWait(d, 10).until(lambda x: path_of(x) == "/staff")
        wait_loaded(d)
        target = screenshot_dir / f"staff-home-{lang}-1280x1024.png"
        assert d.save_screenshot(str(target))
        written.append(target)
    assert all(p.stat().st_size > 1000 for p in written), written


# ------------------------------------------------------------------------------------------------
# without JavaScript: sign in, lock the kiosk, back to the customer start
# ------------------------------------------------------------------------------------------------


def test_sign_in_and_lock_without_javascript(nojs_driver, demo_server):
    d = nojs_driver
    d.get(demo_server.url("/healthz"))
    d.delete_all_cookies()
    d.get(demo_server.url("/staff"))
    assert path_of(d) == "/sign-in", f"/staff without a session went to {d.current_url}"
    submit_sign_in(d, "anna", DEMO_PASSWORD)
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/staff")
    assert d.get_cookie("balie_session")
    lock = d.find_element(By.CSS_SELECTOR, 'form[action="/lock"] button[type="submit"]')
    assert lock.size["width"] >= 48 and lock.size["height"] >= 48, lock.size
    lock.click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/")
    assert d.get_cookie("balie_session") is None, "the session cookie survived locking the kiosk"
    assert d.find_elements(By.CSS_SELECTOR, 'a[href^="/kiosk/topics/"]'), "the customer start page shows no topics"
    # Coming back needs the password again.
    d.get(demo_server.url("/staff"))
    assert path_of(d) == "/sign-in", f"after locking, /staff went to {d.current_url}"


# ------------------------------------------------------------------------------------------------
# the session warning (JavaScript) and the server-side timeout behind it
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_session_server(start_server_module):
    return start_server_module("--demo", "--session-idle-timeout", "8")


def _dialog_open(d) -> bool:
    return d.execute_script("const g = document.getElementById('session-dialog'); return !!(g && g.open)")


def test_session_warning_extend_then_expire(fresh_driver, short_session_server):
    server = short_session_server
    d = fresh_driver(javascript=True)
    set_language_cookie(d, server, "en")
    sign_in_through_form(d, server, "sanne")
    assert d.execute_script("return document.body.getAttribute('data-session-seconds')") not in (None, "", "0")
    assert not _dialog_open(d), "the session warning is open right after loading /staff"

    # The warning opens at half the idle time (4 s of 8).
    try:
        WebDriverWait(d, 7, poll_frequency=0.1).until(_dialog_open)
    except TimeoutException:
        pytest.fail("the session warning <dialog> did not open within 7 s (idle timeout 8 s)")
    opened_after = d.execute_script("return performance.now()") / 1000  # seconds since this page began loading
    assert 3 <= opened_after <= 5.5, f"the warning opened {opened_after:.1f} s after the page loaded; expected about 4 s"
    d.execute_script("window.__beforeExtend = true")
    dialog = d.find_element(By.ID, "session-dialog")
    assert "signed in" in dialog.text.lower() or "stay" in dialog.text.lower(), dialog.text
    stay = dialog.find_element(By.CSS_SELECTOR, 'form[action="/session/extend"] button[type="submit"]')
    assert stay.size["width"] >= 48 and stay.size["height"] >= 48, stay.size
    assert "stay signed in" in stay.text.lower(), f"button text is {stay.text!r}"
    stay.click()
    WebDriverWait(d, 5).until(lambda x: path_of(x) == "/staff" and not _dialog_open(x))
    wait_loaded(d)
    extended = time.monotonic()
    assert d.find_elements(By.CSS_SELECTOR, 'form[action="/lock"]'), "not signed in after 'stay signed in'"
    assert not d.execute_script("return window.__beforeExtend === true"), "'stay signed in' did not reload the page"

    # No input now: warning again, then the expired page; the session is really gone on the server.
    WebDriverWait(d, 7, poll_frequency=0.1).until(_dialog_open)
    WebDriverWait(d, 8, poll_frequency=0.2).until(lambda x: path_of(x) == "/session-expired")
    gone_after = time.monotonic() - extended
    assert 6 <= gone_after <= 11, f"went to /session-expired {gone_after:.1f} s after extending; expected about 8 s"
    wait_loaded(d)
    assert d.find_element(By.TAG_NAME, "h1").text.strip()
    cookie = d.get_cookie("balie_session")
    d.get(server.url("/staff"))
    assert path_of(d) == "/sign-in", (
        "the page said the session ended (/session-expired), but the server session is still valid: /staff "
        f"answered {d.current_url} (balie_session cookie after /session-expired: {cookie and cookie['value'][:6]}…). "
        "The page counts data-session-seconds from load and leaves just before the server's idle timeout, and "
        "GET /session-expired itself touches the session; /session-expired should end it."
    )
