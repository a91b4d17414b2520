"""The large-type kiosk front (issue #6) in a real headless Chromium.

Run from the repository root:  python3 -m pytest Tests/browser -q
Screenshots land in test-output/screenshots/.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlparse

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from balie_browser import set_viewport

LANGUAGES = ["nl", "en", "tr", "ar", "pl", "uk"]
PAGES = [
    "/",
    "/kiosk/topics/digital-government",
    "/kiosk/call-staff/done",
    "/language?return=/",
    "/kiosk/still-there?return=/",
    "/components",
    "/no-such-page",
]
EXPECTED_STATUS = {"/no-such-page": 404}
MAX_PAGE_BYTES = 60 * 1024
MIN_FONT_PX = 24
MIN_TARGET_PX = 48

AXE_TAGS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
AXE_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast-enhanced", "target-size"]}}


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def slug(path: str) -> str:
    s = path.strip("/").split("?")[0].replace("/", "_")
    return s or "start"


def wait_loaded(driver, timeout=15):
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def set_language_cookie(driver, server, lang: str) -> None:
    if not driver.current_url.startswith(server.base_url):
        driver.get(server.url("/healthz"))
    driver.delete_cookie("balie_lang")
    driver.add_cookie({"name": "balie_lang", "value": lang, "path": "/"})


def open_page(driver, server, path: str, lang: str) -> None:
    set_language_cookie(driver, server, lang)
    driver.get(server.url(path))
    wait_loaded(driver)
    got = driver.execute_script("return document.documentElement.lang")
    assert got == lang, f"{path}: <html lang> is {got!r} with cookie balie_lang={lang}"


def run_axe(driver, axe_source: str, options: dict) -> list:
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(axe_source)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, arguments[0]).then(
          r => done(JSON.stringify(r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))})))),
          e => done(JSON.stringify({error: String(e)})));
        """,
        options,
    )
    data = json.loads(result)
    assert not isinstance(data, dict), f"axe failed to run: {data}"
    return data


def describe_violations(violations: list) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:6]:
            summary = (node.get("summary") or "").replace("\n", " ")[:240]
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def browser_errors(driver) -> list[str]:
    problems = []
    for entry in driver.get_log("browser"):
        message = entry.get("message", "")
        if entry.get("level") == "SEVERE" or "Content Security Policy" in message or "Content-Security-Policy" in message:
            problems.append(f"{entry.get('level')}: {message}")
    return problems


JS_VISIBLE = """
function visible(el) {
  const s = getComputedStyle(el);
  if (s.display === 'none' || s.visibility === 'hidden' || s.visibility === 'collapse') return false;
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) return false;
  if (r.right <= 0 || r.bottom <= 0) return false;  // moved off-screen (e.g. a skip link until focused)
  if (el.closest('[hidden], [aria-hidden="true"], dialog:not([open])')) return false;
  return true;
}
"""

JS_SMALL_TEXT = JS_VISIBLE + """
const min = arguments[0];
const bad = [];
const selector = 'body, p, li, label, dd, dt, td, th, legend, button, input, select, textarea, summary';
for (const el of document.querySelectorAll(selector)) {
  if (el.tagName !== 'BODY' && !visible(el)) continue;
  if (el.tagName === 'INPUT' && ['radio', 'checkbox', 'range', 'color'].includes(el.type)) continue;  // no text: their label is checked
  if (el.tagName !== 'BODY' && !el.textContent.trim() && !['INPUT','SELECT','TEXTAREA'].includes(el.tagName)) continue;
  const size = parseFloat(getComputedStyle(el).fontSize);
  if (size < min - 0.01) bad.push(el.tagName.toLowerCase() +
      (el.tagName === 'INPUT' ? '[type=' + el.type + ']' : '') + (el.className ? '.' + el.className : '') +
      ' "' + el.textContent.trim().slice(0, 40) + '" ' + size + 'px');
}
return bad;
"""

JS_TEXT_METRICS = JS_VISIBLE + """
const out = {body: parseFloat(getComputedStyle(document.body).fontSize), h1: [], shortLines: []};
for (const h of document.querySelectorAll('h1')) if (visible(h)) out.h1.push(parseFloat(getComputedStyle(h).fontSize));
for (const p of document.querySelectorAll('p, li')) {
  if (!visible(p) || !p.textContent.trim()) continue;
  const s = getComputedStyle(p);
  const lh = s.lineHeight === 'normal' ? 0 : parseFloat(s.lineHeight);
  if (lh / parseFloat(s.fontSize) < 1.5 - 0.01)
    out.shortLines.push(p.tagName.toLowerCase() + ' "' + p.textContent.trim().slice(0, 40) + '" line-height ' + s.lineHeight);
}
return out;
"""

JS_SMALL_TARGETS = JS_VISIBLE + """
const min = arguments[0];
const bad = [];
const seen = new Set();
const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
for (let el of document.querySelectorAll(selector)) {
  if (el.tagName === 'INPUT' && el.type === 'hidden') continue;
  if (el.tagName === 'INPUT' && (el.type === 'radio' || el.type === 'checkbox')) {
    // A radio or checkbox counts through its label; a control drawn at full target size itself counts too.
    const label = (el.labels && el.labels[0]) || el.closest('label');
    if (!label) { bad.push('radio/checkbox without a label: ' + (el.name || el.id)); continue; }
    const own = el.getBoundingClientRect();
    if (visible(el) && own.width >= min - 0.5 && own.height >= min - 0.5) { seen.add(label); continue; }
    el = label;
  }
  if (seen.has(el)) continue;
  seen.add(el);
  if (!visible(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.width < min - 0.5 || r.height < min - 0.5) {
    const name = (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
    bad.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '') +
      ' "' + name + '" ' + Math.round(r.width) + 'x' + Math.round(r.height));
  }
}
return bad;
"""

JS_TRANSFER = """
const nav = performance.getEntriesByType('navigation')[0];
const list = [{name: nav.name, transfer: nav.transferSize, encoded: nav.encodedBodySize}];
for (const r of performance.getEntriesByType('resource'))
  list.push({name: r.name, transfer: r.transferSize, encoded: r.encodedBodySize});
return list;
"""


# ------------------------------------------------------------------------------------------------
# per page and language
# ------------------------------------------------------------------------------------------------

PAGE_LANG = [pytest.param(p, l, id=f"{l}-{slug(p)}") for l in LANGUAGES for p in PAGES]


@pytest.mark.parametrize("path,lang", PAGE_LANG)
def test_axe_has_no_violations(driver, demo_server, axe_source, path, lang):
    set_viewport(driver, 1280, 1024)
    open_page(driver, demo_server, path, lang)
    wcag = run_axe(driver, axe_source, AXE_TAGS)
    aaa = run_axe(driver, axe_source, AXE_RULES)
    assert not wcag and not aaa, (
        f"{lang} {path}: axe violations\nWCAG 2.x A/AA:\n{describe_violations(wcag)}\n"
        f"color-contrast-enhanced / target-size:\n{describe_violations(aaa)}"
    )


@pytest.mark.parametrize("path,lang", PAGE_LANG)
def test_body_text_is_large(driver, demo_server, path, lang):
    set_viewport(driver, 1280, 1024)
    open_page(driver, demo_server, path, lang)
    small = driver.execute_script(JS_SMALL_TEXT, MIN_FONT_PX)
    assert not small, f"{lang} {path}: text under {MIN_FONT_PX}px:\n" + "\n".join(small[:25])
    metrics = driver.execute_script(JS_TEXT_METRICS)
    assert metrics["h1"], f"{lang} {path}: no visible <h1>"
    assert all(size > metrics["body"] for size in metrics["h1"]), f"{lang} {path}: h1 not larger than body: {metrics}"
    assert not metrics["shortLines"], f"{lang} {path}: line height under 1.5:\n" + "\n".join(metrics["shortLines"][:10])


@pytest.mark.parametrize("path,lang", PAGE_LANG)
def test_interactive_targets_are_large(driver, demo_server, path, lang):
    set_viewport(driver, 1280, 1024)
    open_page(driver, demo_server, path, lang)
    small = driver.execute_script(JS_SMALL_TARGETS, MIN_TARGET_PX)
    assert not small, f"{lang} {path}: targets under {MIN_TARGET_PX}x{MIN_TARGET_PX}px:\n" + "\n".join(small[:25])


@pytest.mark.parametrize("path,lang", PAGE_LANG)
def test_no_console_errors_or_csp_violations(driver, demo_server, path, lang):
    set_viewport(driver, 1280, 1024)
    driver.get_log("browser")  # drop earlier entries
    open_page(driver, demo_server, path, lang)
    time.sleep(0.3)
    violations = driver.execute_script("return (window.__cspViolations || []).concat(window.__jsErrors || [])")
    errors = browser_errors(driver)
    if path in EXPECTED_STATUS:
        # The 404 page's own status is reported by Chromium as a failed load; that one is expected.
        errors = [e for e in errors if not (path in e and str(EXPECTED_STATUS[path]) in e)]
    assert not violations and not errors, f"{lang} {path}:\n" + "\n".join(list(violations) + errors)


# Reflow at 320 CSS px (= 1280 px at 400 % zoom): every page in nl and ar, the start page in every language.
REFLOW = [pytest.param(p, l, id=f"{l}-{slug(p)}") for l in LANGUAGES for p in PAGES if l in ("nl", "ar") or p == "/"]


@pytest.mark.parametrize("path,lang", REFLOW)
def test_no_horizontal_scroll_at_320px(driver, demo_server, path, lang):
    try:
        set_viewport(driver, 320, 800)
        open_page(driver, demo_server, path, lang)
        width, inner = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert inner == 320, f"viewport is {inner}px, not 320px"
        if width > inner:
            culprits = driver.execute_script(
                "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
                ".slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' right=' +"
                " Math.round(e.getBoundingClientRect().right))"
            )
            pytest.fail(f"{lang} {path}: scrollWidth {width} > {inner} at 320px; too wide: {culprits}")
    finally:
        set_viewport(driver, 1280, 1024)


@pytest.mark.parametrize("path", PAGES)
def test_page_transfers_at_most_60_kb(fresh_driver, demo_server, path):
    d = fresh_driver(javascript=True)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    d.get(demo_server.url(path))
    wait_loaded(d)
    time.sleep(0.5)  # let late resources (icons, script-inserted) finish
    entries = d.execute_script(JS_TRANSFER)
    total = sum(max(e["transfer"], e["encoded"]) for e in entries)
    listing = "\n".join(f"  {max(e['transfer'], e['encoded']):>7} {e['name']}" for e in entries)
    print(f"{path}: {total} bytes\n{listing}")
    assert total <= MAX_PAGE_BYTES, f"{path}: {total} bytes > {MAX_PAGE_BYTES}:\n{listing}"
    foreign = [e["name"] for e in entries if urlparse(e["name"]).netloc not in ("", urlparse(demo_server.base_url).netloc)
               and not e["name"].startswith("data:")]
    assert not foreign, f"{path}: third-party requests: {foreign}"


# ------------------------------------------------------------------------------------------------
# language choice, right to left
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_form_in_the_browser(driver, demo_server, lang):
    driver.get(demo_server.url("/healthz"))
    driver.delete_all_cookies()
    driver.get(demo_server.url("/language?return=/"))
    wait_loaded(driver)
    button = driver.find_element(By.CSS_SELECTOR, f'button[value="{lang}"]')
    button.click()
    WebDriverWait(driver, 10).until(lambda d: urlparse(d.current_url).path == "/")
    wait_loaded(driver)
    assert driver.execute_script("return document.documentElement.lang") == lang
    direction = driver.execute_script("return document.documentElement.getAttribute('dir')")
    if lang == "ar":
        assert direction == "rtl"
    else:
        assert direction in (None, "", "ltr"), f"{lang}: dir={direction!r}"
    cookie = driver.get_cookie("balie_lang")
    assert cookie and cookie["value"] == lang, cookie


JS_LAYOUT = """
const rect = el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, width: r.width}; };
const lang = document.querySelector('header a[href^="/language"], a[href^="/language"]');
const tiles = [...document.querySelectorAll('a[href^="/kiosk/topics/"]')];
return {
  dir: document.documentElement.getAttribute('dir'),
  bodyDirection: getComputedStyle(document.body).direction,
  width: window.innerWidth,
  lang: lang ? rect(lang) : null,
  tiles: tiles.slice(0, 2).map(rect),
  h1: document.querySelector('h1') ? rect(document.querySelector('h1')) : null,
  h1Align: document.querySelector('h1') ? getComputedStyle(document.querySelector('h1')).textAlign : null,
};
"""


def test_arabic_is_right_to_left_and_mirrored(driver, demo_server):
    set_viewport(driver, 1280, 1024)
    open_page(driver, demo_server, "/", "nl")
    nl = driver.execute_script(JS_LAYOUT)
    open_page(driver, demo_server, "/", "ar")
    ar = driver.execute_script(JS_LAYOUT)
    assert ar["dir"] == "rtl" and ar["bodyDirection"] == "rtl", ar
    assert nl["bodyDirection"] == "ltr", nl
    assert nl["lang"] and ar["lang"], "no language link (a[href^='/language']) on the start page"
    middle = nl["width"] / 2
    nl_center = nl["lang"]["left"] + nl["lang"]["width"] / 2
    ar_center = ar["lang"]["left"] + ar["lang"]["width"] / 2
    assert (nl_center - middle) * (ar_center - middle) < 0, (
        f"language link does not swap sides: nl at x={nl_center:.0f}, ar at x={ar_center:.0f} (width {nl['width']})"
    )
    assert len(nl["tiles"]) >= 2, "fewer than two topic tiles on the start page"
    if abs(nl["tiles"][0]["top"] - nl["tiles"][1]["top"]) < 2:  # first two tiles side by side
        assert nl["tiles"][0]["left"] < nl["tiles"][1]["left"], nl["tiles"]
        assert ar["tiles"][0]["left"] > ar["tiles"][1]["left"], f"tiles not mirrored in Arabic: {ar['tiles']}"
    else:  # stacked: the first tile hugs the start edge
        assert ar["tiles"][0]["right"] >= nl["tiles"][0]["right"] - 1, (nl["tiles"], ar["tiles"])
    assert nl["h1"] and ar["h1"]
    assert ar["h1Align"] in ("start", "right", "center", "-webkit-right") and nl["h1Align"] in ("start", "left", "center")


# ------------------------------------------------------------------------------------------------
# flows
# ------------------------------------------------------------------------------------------------

CALL_STAFF = (
    'form[action*="call-staff"] button, form[action*="call-staff"] [type="submit"], a[href*="/kiosk/call-staff"]'
)


def find_call_staff(driver):
    for el in driver.find_elements(By.CSS_SELECTOR, CALL_STAFF):
        if el.is_displayed():
            return el
    raise AssertionError(f"no visible call-staff button ({CALL_STAFF}) on {driver.current_url}")


def test_flow_without_javascript(nojs_driver, demo_server):
    d = nojs_driver
    d.get(demo_server.url("/"))
    assert d.find_element(By.TAG_NAME, "html").get_dom_attribute("lang") == "nl"
    tiles = d.find_elements(By.CSS_SELECTOR, 'a[href="/kiosk/topics/digital-government"]') or d.find_elements(
        By.CSS_SELECTOR, 'a[href^="/kiosk/topics/"]'
    )
    assert tiles, "no topic tile on the start page"
    tiles[0].click()
    WebDriverWait(d, 10).until(lambda x: urlparse(x.current_url).path.startswith("/kiosk/topics/"))
    find_call_staff(d).click()
    WebDriverWait(d, 10).until(lambda x: urlparse(x.current_url).path == "/kiosk/call-staff/done")
    assert d.find_element(By.TAG_NAME, "h1").text.strip()

    language_links = [a for a in d.find_elements(By.CSS_SELECTOR, 'a[href^="/language"]') if a.is_displayed()]
    assert language_links, "no language link on the done page"
    language_links[0].click()
    WebDriverWait(d, 10).until(lambda x: urlparse(x.current_url).path == "/language")
    d.find_element(By.CSS_SELECTOR, 'button[value="en"]').click()
    WebDriverWait(d, 10).until(lambda x: urlparse(x.current_url).path != "/language")
    assert d.find_element(By.TAG_NAME, "html").get_dom_attribute("lang") == "en"
    assert d.get_cookie("balie_lang")["value"] == "en"


JS_ACTIVE = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const s = getComputedStyle(el);
const form = el.form || el.closest('form');
return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href'), text: (el.textContent || '').trim().slice(0, 60),
        inMain: !!el.closest('main'), form: form ? form.getAttribute('action') : null,
        outlineWidth: parseFloat(s.outlineWidth) || 0, outlineStyle: s.outlineStyle, boxShadow: s.boxShadow};
"""


def test_keyboard_only_flow(fresh_driver, demo_server):
    d = fresh_driver(javascript=True)
    d.get(demo_server.url("/"))
    wait_loaded(d)
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    first = d.execute_script(JS_ACTIVE)
    assert first and first["tag"] == "a" and (first["href"] or "").startswith("#"), f"first Tab is not a skip link: {first}"
    skip_target = first["href"][1:]
    assert d.execute_script("return !!document.getElementById(arguments[0])", skip_target), f"skip link target #{skip_target} missing"
    assert first["outlineWidth"] >= 3 and first["outlineStyle"] != "none" or first["boxShadow"] != "none", f"no visible focus: {first}"

    visited = [first]
    for _ in range(80):
        d.switch_to.active_element.send_keys(Keys.TAB)
        now = d.execute_script(JS_ACTIVE)
        assert now, "focus fell back to <body>"
        visited.append(now)
        assert (now["outlineWidth"] >= 3 and now["outlineStyle"] != "none") or now["boxShadow"] != "none", (
            f"focused element has no 3px focus outline: {now}"
        )
        if (now["form"] and "call-staff" in now["form"] and now["tag"] in ("button", "input")) or (
            now["tag"] == "a" and "call-staff" in (now["href"] or "")
        ):
            break
    else:
        pytest.fail("call-staff control not reached by Tab; focus order:\n" + "\n".join(str(v) for v in visited))
    d.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: urlparse(x.current_url).path == "/kiosk/call-staff/done")


def test_skip_link_moves_focus_to_main(fresh_driver, demo_server):
    d = fresh_driver(javascript=True)
    d.get(demo_server.url("/"))
    wait_loaded(d)
    d.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    d.switch_to.active_element.send_keys(Keys.ENTER)
    d.switch_to.active_element.send_keys(Keys.TAB)
    now = d.execute_script(JS_ACTIVE)
    assert now and now["inMain"], f"after the skip link, Tab goes to {now}, not into <main>"


@pytest.fixture(scope="module")
def idle_server(start_server_module):
    return start_server_module("--demo", "--idle-seconds", "6", "--idle-warn-seconds", "4")


def _wait_dialog_open(d, timeout):
    WebDriverWait(d, timeout, poll_frequency=0.1).until(
        lambda x: x.execute_script("const g = document.querySelector('dialog'); return !!(g && g.open)")
    )


def test_idle_warning_and_reset(fresh_driver, idle_server):
    d = fresh_driver(javascript=True)
    start = "/kiosk/topics/digital-government"
    d.get(idle_server.url("/healthz"))
    d.add_cookie({"name": "balie_lang", "value": "en", "path": "/"})
    d.get(idle_server.url(start))
    wait_loaded(d)
    assert d.execute_script("return document.documentElement.lang") == "en"
    visit_before = (d.get_cookie("balie_visit") or {}).get("value")

    for round_ in range(2):  # the warning can be answered again and again
        try:
            _wait_dialog_open(d, 5)
        except TimeoutException:
            pytest.fail(f"idle warning <dialog> did not open within 5 s (round {round_ + 1})")
        buttons = [b for b in d.find_elements(By.CSS_SELECTOR, "dialog[open] button") if b.is_displayed()]
        assert buttons, "the open idle dialog has no button"
        size = buttons[0].size
        assert size["width"] >= 48 and size["height"] >= 48, f"'still here' button is {size}"
        buttons[0].click()
        WebDriverWait(d, 3).until(lambda x: not x.execute_script("return document.querySelector('dialog').open"))
        assert urlparse(d.current_url).path == start, f"page changed after 'still here': {d.current_url}"
        assert d.execute_script("return document.documentElement.lang") == "en"

    # now no input at all: warning, then reset to the start screen in Dutch
    _wait_dialog_open(d, 5)
    WebDriverWait(d, 12, poll_frequency=0.2).until(lambda x: urlparse(x.current_url).path == "/")
    wait_loaded(d)
    assert d.execute_script("return document.documentElement.lang") == "nl"
    lang_cookie = d.get_cookie("balie_lang")
    assert lang_cookie is None or lang_cookie["value"] == "nl", f"balie_lang survived the reset: {lang_cookie}"
    visit_after = (d.get_cookie("balie_visit") or {}).get("value")
    assert visit_before is None or visit_after != visit_before, "the previous visitor's balie_visit survived the reset"


# ------------------------------------------------------------------------------------------------
# screenshots for people to look at
# ------------------------------------------------------------------------------------------------

SCREENSHOT_PAGES = ["/", "/kiosk/topics/digital-government", "/language?return=/", "/components"]


@pytest.mark.parametrize("lang", ["nl", "ar"])
@pytest.mark.parametrize("width,height", [(1280, 1024), (1080, 1920)], ids=["1280x1024", "1080x1920"])
def test_screenshots(driver, demo_server, screenshot_dir, lang, width, height):
    try:
        set_viewport(driver, width, height)
        written = []
        for path in SCREENSHOT_PAGES:
            open_page(driver, demo_server, path, lang)
            target = screenshot_dir / f"{slug(path)}-{lang}-{width}x{height}.png"
            assert driver.save_screenshot(str(target)), f"could not write {target}"
            assert target.stat().st_size > 1000
            written.append(target)
        assert len(written) == len(SCREENSHOT_PAGES)
    finally:
        set_viewport(driver, 1280, 1024)
