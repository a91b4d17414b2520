"""`balie backup` while the server takes writes, then `balie restore` into a stopped instance: every write
acknowledged before the backup began is in the copy, and the copy passes SQLite's integrity check."""
import sqlite3
import threading
import time

import requests

from test_api import make_token
from test_auth import balie_cli, db_rows


def test_backup_under_write_load_then_restore(start_server, tmp_path):
    server = start_server("--demo")
    token = make_token(server.database, "loader", ["contacts:write"])
    number = db_rows(server.database, "SELECT number FROM customer ORDER BY id LIMIT 1")[0][0]
    acknowledged: list[tuple[float, str]] = []  # (time of the 201, topic)
    stop = threading.Event()
    lock = threading.Lock()

    def writer(worker: int):
        session = requests.Session()
        i = 0
        while not stop.is_set():
            topic = f"load-{worker}-{i}"
            response = session.post(server.url(f"/api/v1/customers/{number}/contacts"),
                                    json={"channel": "phone", "at": f"2026-11-20T10:{worker:02d}:{i % 60:02d}Z", "topic": topic},
                                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": topic}, timeout=10)
            if response.status_code == 201:
                with lock:
                    acknowledged.append((time.monotonic(), topic))
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    backup_started = time.monotonic()
    result = balie_cli("backup", tmp_path / "backups", "--database", server.database, "--keep", "3")
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert result.returncode == 0, result.stderr
    backup = result.stdout.strip()
    assert backup.endswith(".sqlite")

    before = {topic for at, topic in acknowledged if at < backup_started}
    assert len(before) > 20, "the load did not write enough before the backup"
    assert server.stop() == 0

    restored = tmp_path / "restored.sqlite"
    done = balie_cli("restore", backup, "--database", restored)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(f"file:{restored}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = {row[0] for row in conn.execute("SELECT topic FROM contact WHERE topic LIKE 'load-%'")}
    finally:
        conn.close()
    missing = before - present
    assert not missing, f"{len(missing)} acknowledged writes are missing from the backup, e.g. {sorted(missing)[:5]}"
    assert balie_cli("check", "--database", restored).stdout.strip() == "ok"


def test_restore_refuses_while_serving(start_server, tmp_path):
    server = start_server()
    result = balie_cli("backup", tmp_path, "--database", server.database)
    assert result.returncode == 0
    refused = balie_cli("restore", result.stdout.strip(), "--database", server.database)
    assert refused.returncode != 0
    assert "stop it first" in refused.stderr + refused.stdout


def test_backups_are_rotated(start_server, tmp_path):
    server = start_server()
    for _ in range(3):
        assert balie_cli("backup", tmp_path, "--database", server.database, "--keep", "2").returncode == 0
        time.sleep(1.05)
    assert len(list(tmp_path.glob("balie-*.sqlite"))) == 2
