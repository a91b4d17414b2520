"""deploy/central/nginx.conf, tested: two `balie serve` instances on one PostgreSQL behind nginx, no sticky
sessions. Requests go to both instances; a kiosk enrolled through one is a kiosk on the other; a sign-in and
a form work whichever instance answers; the client address comes from nginx's X-Forwarded-For
(`--trusted-proxy`); when one instance stops, nginx sends everything to the other and nothing is lost.
The test starts PostgreSQL, the instances and nginx itself, on free ports, and stops them."""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from balie_harness import REPO_ROOT
from test_auth import TIMEOUT, csrf_of
from test_postgres import PASSWORD, cli, free_port, postgres  # noqa: F401 (postgres: the module's own server fixture)

CONFIG = REPO_ROOT / "deploy" / "central" / "nginx.conf"


@pytest.fixture(scope="module")
def central(postgres, start_server_module, tmp_path_factory):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: apt-get install nginx (make test does)", pytrace=False)
    cli(postgres, "branch", "add", "--code", "noord", "--name", "Bibliotheek Noord")
    cli(postgres, "staff", "add", "--username", "nina", "--name", "Nina de Vries", "--role", "staff", "--branch", "noord",
        stdin=PASSWORD + "\n")
    instances = [start_server_module("--database", postgres.address, "--trusted-proxy", "127.0.0.1") for _ in range(2)]
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    text = CONFIG.read_text(encoding="utf-8")
    for name, value in (("@LISTEN@", f"127.0.0.1:{port}"), ("@BALIE_A@", f"127.0.0.1:{instances[0].port}"),
                        ("@BALIE_B@", f"127.0.0.1:{instances[1].port}"), ("@PREFIX@", str(prefix))):
        text = text.replace(name, value)
    assert "@" not in re.sub(r"#.*", "", text), "a placeholder was left"
    config = prefix / "nginx.conf"
    config.write_text(text, encoding="utf-8")
    check = subprocess.run([nginx, "-t", "-c", str(config), "-p", str(prefix)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([nginx, "-c", str(config), "-p", str(prefix), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield base, instances, postgres
    process.terminate()
    process.wait(timeout=10)


def answered_by(instance, before: int) -> int:
    """Requests an instance logged since `before` lines of its log."""
    return len([line for line in instance.stderr_text().splitlines()[before:] if "GET /sign-in" in line])


def test_requests_reach_both_instances_and_state_is_shared(central):
    base, instances, postgres = central
    marks = [len(s.stderr_text().splitlines()) for s in instances]
    for _ in range(10):
        assert requests.get(base + "/sign-in", timeout=TIMEOUT).status_code == 200
    # The access log is written in batches: give it a moment.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(answered_by(s, m) >= 2 for s, m in zip(instances, marks)):
        time.sleep(0.2)
    assert all(answered_by(s, m) >= 2 for s, m in zip(instances, marks)), "nginx did not spread the requests"
    # Behind the proxy no browser is a kiosk by being local: enrol one through nginx.
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", cli(postgres, "kiosk", "add", "--name", "kiosk-1", "--branch", "noord")).group(1)
    kiosk = requests.Session()
    form = kiosk.get(base + "/enrol", timeout=TIMEOUT)
    assert kiosk.post(base + "/enrol", data={"csrf": csrf_of(form.text), "code": code}, timeout=TIMEOUT).status_code == 200
    # Whichever instance answers, the kiosk is a kiosk and its forms are good.
    for _ in range(4):
        page = kiosk.get(base + "/queue/take", timeout=TIMEOUT)
        assert page.status_code == 200
        taken = kiosk.post(base + "/queue/tickets", data={"csrf": csrf_of(page.text), "group": "banking"}, allow_redirects=False,
                           timeout=TIMEOUT)
        assert taken.status_code == 303, taken.text[:300]
    staff = requests.Session()
    form = staff.get(base + "/sign-in", timeout=TIMEOUT)
    assert staff.post(base + "/sign-in", data={"csrf": csrf_of(form.text), "username": "nina", "password": PASSWORD},
                      allow_redirects=False, timeout=TIMEOUT).status_code == 303
    for _ in range(4):
        page = staff.get(base + "/queue", timeout=TIMEOUT)
        assert page.status_code == 200
        assert staff.post(base + "/queue/call-next", data={"csrf": csrf_of(page.text)}, allow_redirects=False,
                          timeout=TIMEOUT).status_code == 303
    assert "B-4" in staff.get(base + "/queue", timeout=TIMEOUT).text
    # The audit trail names the visitor's address as nginx forwarded it, not nginx's own.
    failed = requests.Session()
    form = failed.get(base + "/sign-in", timeout=TIMEOUT)
    failed.post(base + "/sign-in", data={"csrf": csrf_of(form.text), "username": "nobody", "password": "wrong-password-1"},
                headers={"X-Forwarded-For": "6.6.6.6"}, timeout=TIMEOUT)
    origins = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "balie", "-d", "balie", "-At", "-c",
                              "SELECT origin FROM audit_event WHERE action = 'sign-in-failed' ORDER BY id DESC LIMIT 1"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    assert origins.endswith("/127.0.0.1"), f"the client chose its own address: {origins}"


def test_when_one_instance_stops_the_other_answers(central):
    base, instances, _ = central
    assert instances[0].stop() == 0
    statuses = [requests.get(base + "/healthz", timeout=TIMEOUT).status_code for _ in range(10)]
    assert statuses == [200] * 10, statuses
