"""The own password change (/account/password, issue 21) in a real headless Chromium, in nl and ar: axe (WCAG
and the AAA rules the other pages meet), large type, targets, reflow at 320 px; empty, refused and done.

Run from the repository root:  python3 -m pytest Tests/browser/test_account_pages.py -q
"""

from __future__ import annotations

import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from balie_harness import REPO_ROOT, balie_binary
from test_pages import set_language_cookie, wait_loaded
from test_staff_pages import AXE_SOURCE, page_checks, path_of, sign_in_through_form

PASSWORD = "amber-lantern-river-4271"


@pytest.fixture(autouse=True)
def _axe(axe_source):
    # page_checks reads axe from test_staff_pages' list, which that module's own fixture fills.
    if not AXE_SOURCE:
        AXE_SOURCE.append(axe_source)


def add_account(server, username: str) -> None:
    result = subprocess.run(
        [str(balie_binary()), "staff", "add", "--database", str(server.database), "--username", username,
         "--name", "Noor Haddad", "--role", "staff"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=30,
        cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr


def fill(d, current: str, new: str, again: str) -> None:
    for field, value in (("current_password", current), ("new_password", new), ("new_password_again", again)):
        d.find_element(By.ID, field).send_keys(value)
    d.find_element(By.CSS_SELECTOR, 'form[action="/account/password"] button[type="submit"]').click()


@pytest.mark.parametrize("lang", ["nl", "ar"])
def test_account_password_page_accessible(fresh_driver, demo_server, lang):
    username = f"noor-{lang}"
    add_account(demo_server, username)
    d = fresh_driver(javascript=True)
    set_language_cookie(d, demo_server, lang)
    sign_in_through_form(d, demo_server, username, PASSWORD)
    d.find_element(By.CSS_SELECTOR, 'a[href="/account/password"]').click()
    WebDriverWait(d, 10).until(lambda x: path_of(x) == "/account/password")
    wait_loaded(d)
    assert d.execute_script("return document.documentElement.lang") == lang
    if lang == "ar":
        assert d.execute_script("return document.documentElement.getAttribute('dir')") == "rtl"
    problems = page_checks(d, demo_server, f"{lang} /account/password")

    # Refused: a wrong current password and a listed new one, each named in the summary and at its field.
    fill(d, "not-my-password-at-all", "password1234", "password1234")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, ".error-summary"))
    wait_loaded(d)
    summary = d.find_element(By.CSS_SELECTOR, ".error-summary")
    assert summary.is_displayed() and len(summary.find_elements(By.CSS_SELECTOR, "li")) == 1, summary.text
    assert d.find_element(By.ID, "new_password").get_attribute("aria-invalid") == "true"
    problems += page_checks(d, demo_server, f"{lang} /account/password (refused)")

    fill(d, "", "not-my-password-at-all", "something else")
    WebDriverWait(d, 10).until(lambda x: len(x.find_elements(By.CSS_SELECTOR, ".error-summary li")) == 2)
    wait_loaded(d)
    problems += page_checks(d, demo_server, f"{lang} /account/password (two fields refused)")

    # Done: the page says so in plain words.
    fill(d, PASSWORD, "paars-fietspad-regenjas-71", "paars-fietspad-regenjas-71")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, "[role=status]"))
    wait_loaded(d)
    assert d.find_element(By.CSS_SELECTOR, "[role=status]").text.strip()
    problems += page_checks(d, demo_server, f"{lang} /account/password (changed)")
    assert not problems, "\n\n".join(problems)
