"""Branches and kiosks (issue #18) in a real headless Chromium: enrolling a kiosk by typing its code, the page
a browser that is not a kiosk gets, the admin pages for kiosks and branches, and the branch switch on the
staff page, each checked with axe-core (WCAG 2.2 AA and AAA contrast), large type, large targets and reflow,
in Dutch and in Arabic (right to left).

Run from the repository root:  python3 -m pytest Tests/browser/test_branch_pages.py -q
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from test_auth import balie_cli  # noqa: E402
from test_pages import set_language_cookie, wait_loaded  # noqa: E402
from test_staff_pages import DEMO_PASSWORD, _axe, page_checks, path_of, sign_in_through_form  # noqa: E402,F401

LANGUAGES = ["nl", "ar"]
CODE_LINE = re.compile(r"Enrolment code for \S+ \(\S+\): ([A-Z0-9]{4}-[A-Z0-9]{4})")


def wait_for_main(driver, condition, timeout=10):
    """Waits until the <main> of the page after a form post meets the condition. While the new page replaces the
    old one, Chromium can answer with a stale element or with "Node with given id does not belong to the
    document" (a plain WebDriverException): both mean "not yet", so the wait goes on."""
    WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda x: condition(x.find_element(By.TAG_NAME, "main")))


@pytest.fixture(scope="module")
def bare_server(start_server_module):
    """A server without the single-kiosk shortcut: this browser is a kiosk only once it is enrolled."""
    server = start_server_module("--no-kiosk-shortcut")
    result = balie_cli("branch", "add", "--database", server.database, "--code", "noord", "--name", "Bibliotheek Noord")
    assert result.returncode == 0, result.stderr
    return server


def enrolment_code(server, name: str) -> str:
    result = balie_cli("kiosk", "add", "--database", server.database, "--name", name, "--branch", "noord")
    assert result.returncode == 0, result.stderr
    return CODE_LINE.search(result.stdout).group(1)


def check_language(d, lang: str, label: str) -> None:
    assert d.execute_script("return document.documentElement.lang") == lang, label
    if lang == "ar":
        assert d.execute_script("return document.documentElement.getAttribute('dir')") == "rtl", label


@pytest.mark.parametrize("lang", LANGUAGES)
def test_enrolling_a_kiosk_by_typing_its_code(fresh_driver, bare_server, lang):
    d = fresh_driver(javascript=True)
    set_language_cookie(d, bare_server, lang)
    problems = []

    d.get(bare_server.url("/"))
    wait_loaded(d)
    check_language(d, lang, "not enrolled")
    assert d.find_elements(By.CSS_SELECTOR, "main a[href='/enrol']"), "the not-enrolled page does not say how to enrol"
    problems += page_checks(d, bare_server, f"{lang} / (not enrolled)")

    d.find_element(By.CSS_SELECTOR, "main a[href='/enrol']").click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/enrol")
    wait_loaded(d)
    problems += page_checks(d, bare_server, f"{lang} /enrol")

    # A wrong code: the error summary, the field marked, focus can reach it.
    d.find_element(By.ID, "code").send_keys("AAAA-BBBB")
    d.find_element(By.CSS_SELECTOR, "form[action='/enrol'] button[type=submit]").click()
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, ".error-summary, [role=alert]"))
    wait_loaded(d)
    assert d.find_element(By.ID, "code").get_attribute("aria-invalid") == "true"
    problems += page_checks(d, bare_server, f"{lang} /enrol (wrong code)")

    # The right code, typed as it is read aloud (lower case, a space), sent with the keyboard.
    field = d.find_element(By.ID, "code")
    field.clear()
    field.send_keys(enrolment_code(bare_server, f"kiosk-{lang}").lower().replace("-", " "))
    field.send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: not x.find_elements(By.ID, "code"))
    wait_loaded(d)
    assert "Bibliotheek Noord" in d.find_element(By.TAG_NAME, "main").text
    cookie = d.get_cookie("balie_kiosk")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    problems += page_checks(d, bare_server, f"{lang} enrolled")

    # Now this browser is the kiosk: the start screen, not the not-enrolled page.
    d.get(bare_server.url("/"))
    wait_loaded(d)
    assert not d.find_elements(By.CSS_SELECTOR, "main a[href='/enrol']")
    assert d.find_elements(By.CSS_SELECTOR, "main a[href^='/kiosk/topics/']"), "no topics on the start screen"
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_pages_for_kiosks_and_branches(fresh_driver, demo_server, lang):
    d = fresh_driver(javascript=True)
    set_language_cookie(d, demo_server, lang)
    sign_in_through_form(d, demo_server, "admin")
    problems = []
    for path, expected in (("/admin/kiosks", ("kiosk-1", "kiosk-3", "wachtruimte")),
                           ("/admin/branches", ("Bibliotheek Centrum", "Stadskantoor"))):
        d.get(demo_server.url(path))
        wait_loaded(d)
        check_language(d, lang, path)
        text = d.find_element(By.TAG_NAME, "main").text
        assert all(word in text for word in expected), f"{path}: {text[:1000]}"
        problems += page_checks(d, demo_server, f"{lang} {path}")

    # Adding a kiosk through the form shows its one-time code on the page, readable aloud.
    d.get(demo_server.url("/admin/kiosks"))
    wait_loaded(d)
    d.find_element(By.ID, "name").send_keys(f"balie-{lang}")
    d.find_element(By.CSS_SELECTOR, "form[action='/admin/kiosks'] button[type=submit]").click()
    wait_for_main(d, lambda main: re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", main.text))
    wait_loaded(d)
    problems += page_checks(d, demo_server, f"{lang} /admin/kiosks (code shown)")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_staff_of_two_branches_switch_on_the_staff_page(fresh_driver, demo_server, lang):
    d = fresh_driver(javascript=True)
    set_language_cookie(d, demo_server, lang)
    sign_in_through_form(d, demo_server, "lotte", DEMO_PASSWORD)
    check_language(d, lang, "/staff")
    lead = d.find_element(By.CSS_SELECTOR, "main .lead").text
    problems = page_checks(d, demo_server, f"{lang} /staff (two branches)")
    select = Select(d.find_element(By.ID, "branch"))
    other = next(option for option in select.options if not option.is_selected())
    other_code, other_name = other.get_attribute("value"), other.text
    select.select_by_value(other_code)
    d.find_element(By.CSS_SELECTOR, "form[action='/staff/branch'] button[type=submit]").click()
    wait_for_main(d, lambda main: main.find_element(By.CSS_SELECTOR, ".lead").text != lead)
    wait_loaded(d)
    assert other_name in d.find_element(By.CSS_SELECTOR, "main .lead").text
    assert Select(d.find_element(By.ID, "branch")).first_selected_option.get_attribute("value") == other_code
    problems += page_checks(d, demo_server, f"{lang} /staff (switched)")
    assert not problems, "\n\n".join(problems)
