"""Real headless Chromium (Debian's chromium + chromium-driver) driven by selenium, plus axe-core.

The server fixtures (start_server_module, …) come from Tests/conftest.py; starting Chromium lives
in balie_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from balie_browser import SCREENSHOTS, new_driver

@pytest.fixture(scope="session")
def axe_source() -> str:
    import axe_playwright_python

    path = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    assert path.exists(), f"axe.min.js not found in {path.parent}"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo_server(start_server_module):
    return start_server_module("--demo")


@pytest.fixture(scope="module")
def driver():
    d = new_driver(javascript=True)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def nojs_driver():
    d = new_driver(javascript=False)
    yield d
    d.quit()


@pytest.fixture
def fresh_driver():
    """Drivers made here are quit at the end of the test: fresh_driver(javascript=True)."""
    made = []

    def make(**kwargs):
        d = new_driver(**kwargs)
        made.append(d)
        return d

    yield make
    for d in made:
        d.quit()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
