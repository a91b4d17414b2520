"""Supervisor insights end to end: a history made through the real pages (sessions, steps, outcomes and the
customer's own effort score), then the figures on /insights equal the known answers, a small group is not
shown separately, every CSV matches its table cell for cell, the SVG charts are valid and carry their
text alternatives, and erasing a customer changes none of the statistics (issue #10)."""
from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET

import pytest

from test_auth import PASSWORD, TIMEOUT, add_staff, balie_cli, db_rows, signed_in
from test_remote import new_id, post

SVG = "{http://www.w3.org/2000/svg}"


def run_session(server, kiosk, number: str | None, task: str, outcome: dict, actor: str, effort: int, reliance: str, advice: str = ""):
    session_id = new_id(post(kiosk, server, "/sessions", **({"customer": number} if number else {})))
    assert post(kiosk, server, f"/sessions/{session_id}/tasks", task=task).status_code == 303
    task_id = db_rows(server.database, "SELECT id FROM session_task WHERE session_id = ?", (session_id,))[0][0]
    reason = "De klant kon de code niet lezen" if actor == "staff-on-behalf" else ""
    assert post(kiosk, server, f"/sessions/{session_id}/tasks/{task_id}/steps", description="Stap", actor=actor, reason=reason).status_code == 303
    assert post(kiosk, server, f"/sessions/{session_id}/tasks/{task_id}/finish", **outcome).status_code == 303
    assert post(kiosk, server, f"/sessions/{session_id}/handover", channel_advice=advice).status_code == 303
    assert post(kiosk, server, f"/sessions/{session_id}/feedback", effort=str(effort), self_reliance=reliance).status_code == 303
    return session_id


@pytest.fixture(scope="module")
def history(start_server_module):
    """Six pay-bill sessions (resolved, effort 6; three by one returning customer), three tax-return
    sessions (referred to the Belastingdienst, effort 2) and one library-account session (a group of one),
    in a new branch of the demo: the demo's own six months of sessions live in its two other branches, and a
    supervisor of the new branch sees only its figures."""
    server = start_server_module("--demo")
    added = balie_cli("branch", "add", "--database", server.database, "--code", "proef", "--name", "Proefbalie")
    assert added.returncode == 0, added.stderr
    add_staff(server.database, "proef-medewerker", "staff", branches=("proef",))
    add_staff(server.database, "proef-leider", "supervisor", branches=("proef",))
    kiosk = signed_in(server, "proef-medewerker", PASSWORD)
    numbers = [row[0] for row in db_rows(server.database, """
        SELECT c.number FROM customer c JOIN consent k ON k.customer_id = c.id
        WHERE k.purpose = 'session-log' AND k.given = 1 ORDER BY c.id LIMIT 4""")]
    returning = numbers[0]
    for index in range(6):
        number = returning if index < 3 else numbers[1 + index % 3]
        actor = "customer-with-help" if index == 0 else "customer-alone"
        run_session(server, kiosk, number, "pay-bill", {"outcome": "resolved"}, actor, 6, "yes", advice="app")
    for _ in range(3):
        run_session(server, kiosk, None, "tax-return", {"outcome": "referred", "partner": "belastingdienst", "detail": "Brief mee"},
                    "staff-on-behalf", 2, "not-yet")
    run_session(server, kiosk, None, "library-account", {"outcome": "resolved"}, "customer-alone", 7, "yes")
    return server, returning


def insights(server, query: str = ""):
    supervisor = signed_in(server, "proef-leider", PASSWORD)
    page = supervisor.get(server.url("/insights" + query), timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    return supervisor, page.text


def figures(text: str) -> dict[str, str]:
    pairs = re.findall(r'<div class="figures__item"><dt>(.*?)</dt><dd><bdi>(.*?)</bdi></dd></div>', text)
    return {html.unescape(label): html.unescape(value) for label, value in pairs}


def table(text: str, table_id: str) -> list[list[str]]:
    section = re.search(rf'<section class="insight" aria-labelledby="{table_id}-heading" id="{table_id}">(.*?)</section>', text, re.S)
    assert section, f"no section {table_id}"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", section.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(?:<bdi>)?(.*?)(?:</bdi>)?</t[hd]>", row, re.S)
        rows.append([html.unescape(cell) for cell in cells])
    return rows


def test_figures_equal_the_known_answers(history):
    server, _ = history
    _, text = insights(server)
    shown = figures(text)
    assert shown["Afgeronde sessies"] == "10" and shown["Taken"] == "10"
    assert shown["In één keer opgelost"] == "70%"  # 7 of 10 tasks resolved
    assert shown["Gemiddelde moeite (1 = heel moeilijk, 7 = heel makkelijk)"] == "4,9"  # (6·6 + 3·2 + 7) / 10
    assert shown["Vond het makkelijk (5–7)"] == "70%" and shown["Vond het moeilijk (1–3)"] == "30%"
    topics = table(text, "tasks_by_topic")
    assert topics[1:] == [["Een rekening betalen", "6", "100%"], ["Overige (kleine groepen)", "minder dan 5", "minder dan 5"]], topics
    referrals = table(text, "referrals_by_partner")
    # Three referrals: fewer than five, so the partner is not shown on its own.
    assert all("Belastingdienst" not in row[0] for row in referrals[1:])


def test_a_small_group_is_suppressed_and_the_threshold_is_a_setting(history, start_server_module):
    server, _ = history
    _, text = insights(server)
    effort = table(text, "effort_distribution")
    seven = next(row for row in effort if row[0].startswith("7"))
    assert seven[1:] == ["minder dan 5", "minder dan 5"]  # one session gave 7
    # A selection with fewer than five sessions shows no details at all.
    _, small = insights(server, "?group=library-learning")
    assert "minder dan 5 afgeronde sessies" in small and 'class="insight"' not in small


def test_every_csv_matches_its_table(history):
    server, _ = history
    supervisor, text = insights(server)
    ids = re.findall(r'<section class="insight" aria-labelledby="[^"]+" id="([a-z_]+)">', text)
    assert len(ids) == 12
    for table_id in ids:
        link = re.search(rf'href="(/insights\.csv\?table={table_id}&amp;[^"]+)"', text).group(1)
        response = supervisor.get(server.url(html.unescape(link)), timeout=TIMEOUT)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows == table(text, table_id), table_id


def test_charts_are_valid_svg_with_text_alternatives(history):
    server, _ = history
    _, text = insights(server)
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", text, re.S)
    assert len(charts) == 5
    for chart in charts:
        root = ET.fromstring(chart)
        assert root.tag == SVG + "svg" and root.get("role") == "img"
        title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert float(root.get("font-size")) >= 24
    # Each chart is followed by its summary and its data as a table.
    assert text.count("<figcaption>") == 5


def test_only_supervisors_and_admins_see_insights(history):
    server, _ = history
    assert signed_in(server, "anna").get(server.url("/insights"), allow_redirects=False, timeout=TIMEOUT).status_code == 403
    assert signed_in(server, "admin").get(server.url("/insights"), timeout=TIMEOUT).status_code == 200
    supervisor = signed_in(server, "sanne")
    # The demo's supervisor sees the six months of history of her own branch: figures and charts, not an empty page.
    demo = supervisor.get(server.url("/insights"), timeout=TIMEOUT).text
    assert int(figures(demo)["Afgeronde sessies"]) >= 20 and demo.count('<svg class="chart"') == 5
    # A supervisor of the new branch, asking for the demo's branch, is refused it.
    assert signed_in(server, "proef-leider", PASSWORD).get(server.url("/insights?branch=centrum"), timeout=TIMEOUT).status_code in (403, 404)
    assert supervisor.get(server.url("/insights?from=2026-13-45"), timeout=TIMEOUT).status_code == 400
    assert supervisor.get(server.url("/insights?from=2020-01-01&to=2026-01-01"), timeout=TIMEOUT).status_code == 400
    assert supervisor.get(server.url("/insights?group=nope"), timeout=TIMEOUT).status_code == 400
    assert supervisor.get(server.url("/insights.csv?table=nope"), timeout=TIMEOUT).status_code == 404


def test_erasure_leaves_the_statistics_unchanged(history):
    server, returning = history
    supervisor, before = insights(server)

    def all_csv(text):
        return {table_id: table(text, table_id) for table_id in re.findall(r'id="([a-z_]+)">\s*<h2', text)}

    result = balie_cli("erase", "customer", returning, "--reason", "Verzoek van de klant", "--database", server.database)
    assert result.returncode == 0, result.stderr
    _, after = insights(server)
    assert len(all_csv(before)) == 12 and all_csv(after) == all_csv(before)
    unchanged = {k: v for k, v in figures(before).items() if k != "Vervolgafspraken nu (alle klanten)"}
    assert {k: v for k, v in figures(after).items() if k in unchanged} == unchanged
