"""Crash soak (issue #12, item 1, long version; `make soak`): `kill -9` the server at random moments while
50 staff clients write session steps through the pages, at least 20 rounds, restarting on the same file.

Run from the repository root (a release build is faster: BALIE_BIN=.build/release/balie):
    python3 -m pytest Tests/soak/test_crash_soak.py -q -s
Knobs: BALIE_SOAK_CRASH_ROUNDS (20), BALIE_SOAK_CRASH_WRITERS (50), BALIE_SOAK_CRASH_SESSIONS (8 per client),
BALIE_RELIABILITY_SEED (the time).
"""

from __future__ import annotations

import os
import time

import requests

from test_auth import db_rows, signed_in
from test_reliability import (TIMEOUT, check_database, copy_database, crash_seed, demo_database, figure,  # noqa: F401
                              kill_9_rounds, launch, post_step, start_session_with_task)

ROUNDS = int(os.environ.get("BALIE_SOAK_CRASH_ROUNDS", "20"))
WRITERS = int(os.environ.get("BALIE_SOAK_CRASH_WRITERS", "50"))
SESSIONS_PER_CLIENT = int(os.environ.get("BALIE_SOAK_CRASH_SESSIONS", "8"))
STEPS_PER_SESSION = 450
STEP_SQL = "SELECT description, session_id, session_task_id, actor FROM session_step WHERE description LIKE 'crash-%'"


def stored_steps(database) -> dict[str, list[tuple]]:
    stored: dict[str, list[tuple]] = {}
    for description, sid, tid, actor in db_rows(database, STEP_SQL):
        stored.setdefault(description.split(" ", 1)[0], []).append((sid, tid, description, actor))
    return stored


def test_kill_9_while_50_clients_write_session_steps(demo_database, tmp_path):
    source, _, numbers = demo_database
    database = copy_database(source, tmp_path)
    rng = crash_seed()
    started = time.monotonic()

    # 50 staff clients (signed in as anna), each with assisted sessions and tasks of its own: a session takes at
    # most SessionRules.maxStepsPerSession (500) steps, so a client moves to its next session every
    # STEPS_PER_SESSION attempts (with group commit a client writes a few hundred steps in 20 rounds).
    setup = launch(database, log_dir=tmp_path / "logs")
    clients = []
    try:
        for w in range(WRITERS):
            client = signed_in(setup, "anna")
            client.cookies.set("balie_lang", "en")
            sessions = [start_session_with_task(client, setup, numbers[w % len(numbers)]) for _ in range(SESSIONS_PER_CLIENT)]
            clients.append((client, sessions))
    finally:
        assert setup.stop() == 0, setup.stderr_text()[-2000:]
    attempts = [0] * WRITERS

    absent: set[str] = set()  # sent, no answer, and not stored after the restart: must stay absent

    def prepare(round_no, w, i):
        key = f"crash-r{round_no}-c{w}-{i}"
        sessions = clients[w][1]
        sid, tid, _ = sessions[min(attempts[w] // STEPS_PER_SESSION, len(sessions) - 1)]
        attempts[w] += 1
        return key, (sid, tid, f"{key} " + "x" * rng.randint(0, 400) + ".", "customer-with-help")

    def send(server, w, key, expected):
        client, sessions = clients[w]
        csrf = next(csrf for sid, _, csrf in sessions if sid == expected[0])
        return post_step(client, server, expected[0], expected[1], csrf, expected[2]).status_code

    def verify(again, ledger, round_no):
        stored = stored_steps(database)
        doubled = {k: v for k, v in stored.items() if len(v) > 1}
        assert not doubled, f"round {round_no}: steps stored twice: {list(doubled.items())[:3]}"
        stored = {k: v[0] for k, v in stored.items()}
        missing = sorted(set(ledger.acknowledged) - set(stored))
        assert not missing, f"round {round_no}: {len(missing)} acknowledged steps lost after kill -9: {missing[:10]}"
        for key, expected in ledger.acknowledged.items():
            assert stored[key] == expected, f"round {round_no}: {key} half-written: {stored[key]} != {expected}"
        # A step sent without an answer is stored whole or not at all, and stays that way.
        for key, expected in list(ledger.in_flight.items()):
            if key in stored:
                assert stored[key] == expected, f"round {round_no}: unanswered {key} half-written: {stored[key]}"
                ledger.acknowledged[key] = ledger.in_flight.pop(key)
                verify.unanswered_stored += 1
            else:
                del ledger.in_flight[key]
                absent.add(key)
        phantom = set(stored) - set(ledger.acknowledged)
        assert not phantom, f"round {round_no}: steps stored that were never sent or came back: {sorted(phantom)[:10]}"
        assert not absent & set(stored), f"round {round_no}: a step found absent after an earlier restart came back"
        verify.total = len(ledger.acknowledged)

    verify.unanswered_stored = 0
    per_round = kill_9_rounds(database, tmp_path / "logs", rounds=ROUNDS, writers=WRITERS, rng=rng,
                              prepare=prepare, send=send, success=303, verify=verify, window=(0.3, 4.0))
    figure(f"crash soak: {ROUNDS} rounds, {WRITERS} clients (kill after seconds, steps answered before the kill)", per_round)
    figure("crash soak: steps answered 303 and found whole after restart", f"{verify.total - verify.unanswered_stored} of "
           f"{verify.total - verify.unanswered_stored}")
    figure("crash soak: steps without an answer (killed in flight): stored whole / not stored",
           f"{verify.unanswered_stored} / {len(absent)}")
    figure("crash soak: integrity_check after every round", "ok")
    figure("crash soak: seconds", round(time.monotonic() - started, 1))
