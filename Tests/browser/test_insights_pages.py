"""The supervisor insights page in real Chromium: axe (WCAG 2.2 AA and the AAA contrast rules), large type
and targets, reflow at 320 px, no third-party requests, in nl, ar and en, on a history made through the
pages so that every chart and table is drawn; and the charts keep their text alternative."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from test_auth import signed_in  # noqa: E402
from test_insights import run_session  # noqa: E402
from test_pages import set_language_cookie, wait_loaded  # noqa: E402
from test_staff_pages import _axe, page_checks, sign_in_through_form  # noqa: E402,F401


@pytest.fixture(scope="module")
def history_server(demo_server):
    kiosk = signed_in(demo_server, "anna")
    for index in range(6):
        run_session(demo_server, kiosk, None, "pay-bill", {"outcome": "resolved"}, "customer-alone", 6, "yes", advice="app")
    return demo_server


@pytest.mark.parametrize("lang", ["nl", "ar", "en"])
def test_insights_page_accessible_large_and_light(fresh_driver, history_server, lang):
    d = fresh_driver(javascript=True)
    set_language_cookie(d, history_server, lang)
    sign_in_through_form(d, history_server, username="sanne")
    d.get(history_server.url("/insights"))
    wait_loaded(d)
    charts = d.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 5, "every chart is drawn on this history"
    for chart in charts:
        assert chart.get_attribute("role") == "img"
        labelled = chart.get_attribute("aria-labelledby").split()
        assert all(d.find_element(By.ID, part).get_attribute("textContent").strip() for part in labelled)
    problems = page_checks(d, history_server, f"{lang} /insights")
    assert not problems, "\n\n".join(problems)


def test_insights_filter_works_without_javascript(nojs_driver, history_server):
    d = nojs_driver
    sign_in_through_form(d, history_server, username="sanne")
    d.get(history_server.url("/insights"))
    wait_loaded(d)
    d.find_element(By.ID, "group").send_keys("Bank")
    d.find_element(By.CSS_SELECTOR, ".insights-filter button[type=submit]").click()
    # The click only starts the navigation: wait for the new address, not for the old page's readyState.
    WebDriverWait(d, 10).until(lambda x: "group=banking" in x.current_url)
    wait_loaded(d)
    assert d.find_elements(By.CSS_SELECTOR, "section.insight")
