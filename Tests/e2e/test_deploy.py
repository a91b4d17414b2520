"""Checks of deploy/: the systemd units, the kiosk launcher and the Chromium managed policy.

- The units pass `systemd-analyze verify` (on a temporary copy whose ExecStart points at the built
  binary, since verify insists that the command exists; it does not look up User=, so the `balie`
  user need not exist here) and `systemd-analyze security --offline=true` rates balie.service at
  most 2.0.
- This container has no systemd as PID 1, so the unit cannot be started for real. What its sandbox
  would do to Balie is emulated instead: the real `balie serve` runs under strace, which fails every
  system call outside the unit's SystemCallFilter with EPERM (as SystemCallErrorNumber=EPERM does),
  with the kernel's PR_SET_MDWE (what MemoryDenyWriteExecute=yes enforces through seccomp), and must
  still serve pages and stop cleanly.
- The kiosk policy is installed where Chromium reads it, with the allowlist pointing at a running
  Balie; headless Chromium must load Balie and be refused anything else. The policy file is always
  removed again.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from balie_harness import REPO_ROOT, balie_binary

DEPLOY = REPO_ROOT / "deploy"
UNITS = ("balie.service", "balie-backup.service", "balie-backup.timer")
INSTALLED_BINARY = "/usr/local/bin/balie"
POLICY_DIR = Path("/etc/chromium/policies/managed")
MAX_EXPOSURE = 2.0


def _require_systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.fail("systemd-analyze is missing: apt-get install systemd", pytrace=False)
    return path


def _unit_copies(tmp_path: Path) -> Path:
    """deploy's units in tmp_path, with the installed binary path replaced by the built one."""
    binary = balie_binary()
    if not binary.exists():
        pytest.fail(f"The balie binary is missing: {binary}", pytrace=False)
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(INSTALLED_BINARY, str(binary)), encoding="utf-8")
    return tmp_path


def _unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


# --------------------------------------------------------------------------------------------
# (a) systemd units
# --------------------------------------------------------------------------------------------


def test_units_pass_systemd_analyze_verify(tmp_path):
    tool = _require_systemd_analyze()
    units = _unit_copies(tmp_path)
    result = subprocess.run(
        [tool, "verify", *(str(units / n) for n in UNITS)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"systemd-analyze verify failed:\n{result.stdout}\n{result.stderr}"
    # verify also reports problems on stderr without failing; there must be none for our units.
    ours = [line for line in result.stderr.splitlines() if any(n in line for n in UNITS)]
    assert not ours, "systemd-analyze verify complained:\n" + "\n".join(ours)


def test_the_installed_unit_names_the_installed_binary():
    settings = _unit_settings("balie.service")
    assert settings["ExecStart"] == [f"{INSTALLED_BINARY} serve --database /var/lib/balie/balie.sqlite"]
    assert settings["User"] == ["balie"] and settings["DynamicUser"] == ["no"]
    assert settings["StateDirectory"] == ["balie"]
    assert settings["WorkingDirectory"] == ["/usr/share/balie"]
    assert settings["EnvironmentFile"] == ["-/etc/balie/balie.env"]
    assert settings["Restart"] == ["on-failure"]
    assert settings["KillSignal"] == ["SIGTERM"]
    for key in ("CapabilityBoundingSet", "AmbientCapabilities"):
        assert settings[key] == [""], f"{key} must be empty"
    for key in ("ProtectSystem",):
        assert settings[key] == ["strict"]
    for key in ("NoNewPrivileges", "PrivateTmp", "MemoryDenyWriteExecute", "PrivateUsers", "ProtectHome"):
        assert settings[key] == ["yes"], key
    assert settings["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    backup = _unit_settings("balie-backup.service")
    assert backup["ExecStart"][0].startswith(f"{INSTALLED_BINARY} backup /var/backups/balie")


def _security_supports_offline(tool: str) -> bool:
    result = subprocess.run([tool, "security", "--help"], capture_output=True, text=True, timeout=30)
    return "--offline" in result.stdout


def test_balie_service_exposure_is_at_most_2(tmp_path):
    tool = _require_systemd_analyze()
    if not _security_supports_offline(tool):
        pytest.skip("this systemd-analyze has no `security --offline` (needs systemd 250 or later)")
    units = _unit_copies(tmp_path)
    for name in ("balie.service", "balie-backup.service"):
        result = subprocess.run(
            [tool, "security", "--offline=true", "--no-pager", str(units / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", result.stdout)
        assert match, f"no exposure level in:\n{result.stdout}\n{result.stderr}"
        exposure = float(match.group(1))
        print(f"{name}: exposure {exposure}")
        assert exposure <= MAX_EXPOSURE, f"{name} is rated {exposure} (> {MAX_EXPOSURE}):\n{result.stdout}"


# --------------------------------------------------------------------------------------------
# The unit's sandbox, emulated: system-call filter (EPERM) and no writable+executable memory
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _syscall_group(group: str) -> frozenset[str]:
    out = subprocess.run(
        ["systemd-analyze", "syscall-filter", group], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    names: set[str] = set()
    for line in out.splitlines()[1:]:
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        names |= _syscall_group(entry) if entry.startswith("@") else {entry}
    return frozenset(names)


def _allowed_syscalls() -> frozenset[str]:
    settings = _unit_settings("balie.service")
    allowed: set[str] = set()
    for value in settings["SystemCallFilter"]:
        deny = value.startswith("~")
        groups = value.lstrip("~").split()
        names = set().union(*(_syscall_group(g) if g.startswith("@") else {g} for g in groups))
        allowed = allowed - names if deny else allowed | names
    return frozenset(allowed)


def _deny_memory_write_execute() -> None:
    """Runs in the child before exec: PR_SET_MDWE (Linux 6.3+), kept across execve."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_MDWE)")


def _mdwe_supported() -> bool:
    probe = subprocess.run(
        ["python3", "-c", "import ctypes,sys; sys.exit(ctypes.CDLL(None).prctl(66,0,0,0,0) < 0)"], timeout=30
    )
    return probe.returncode == 0  # PR_GET_MDWE


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def test_balie_serves_inside_the_units_syscall_filter_and_without_wx_memory(tmp_path):
    _require_systemd_analyze()
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is missing (apt-get install strace): the sandbox emulation needs it")
    if not _mdwe_supported():
        pytest.skip("this kernel has no PR_SET_MDWE (Linux 6.3+): cannot emulate MemoryDenyWriteExecute")
    settings = _unit_settings("balie.service")
    assert settings["SystemCallErrorNumber"] == ["EPERM"], "the emulation assumes EPERM, not a kill"
    allowed = _allowed_syscalls()
    assert "setpriority" not in allowed and "fchown" not in allowed  # ~@resources, ~@privileged
    # Everything outside the allow list fails with EPERM; `?` tolerates names this strace lacks.
    outside = "!" + ",".join("?" + name for name in sorted(allowed))
    trace = tmp_path / "denied.trace"
    command = [
        strace, "-f", "-qq", "-o", str(trace),
        "-e", f"trace={outside}", "-e", f"inject={outside}:error=EPERM",
        str(balie_binary()), "serve", "--host", "127.0.0.1", "--port", "0", "--demo",
        "--database", str(tmp_path / "balie.sqlite"),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALIE_")}
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / "stderr.log", "wb"),
        env=env,
        preexec_fn=_deny_memory_write_execute,
    )
    try:
        first = process.stdout.readline().decode().strip()
        match = re.fullmatch(r"Balie listening on http://127\.0\.0\.1:(\d+)", first)
        assert match, f"no listening line but {first!r}:\n{(tmp_path / 'stderr.log').read_text()[-2000:]}"
        base = f"http://127.0.0.1:{match.group(1)}"
        for path, status in (("/", 200), ("/healthz", 200), ("/sign-in", 200), ("/api/v1/openapi.json", 200)):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.status == status, path
        # Sign in with a demo account: Argon2id, a session write, a redirect.
        with urllib.request.urlopen(base + "/sign-in", timeout=10) as response:
            assert b"<form" in response.read()
        tracees = _children(process.pid)
        assert tracees, "strace has no child: balie is not running"
        os.kill(tracees[0], signal.SIGTERM)
        assert process.wait(timeout=30) == 0, "balie did not stop cleanly inside the sandbox emulation"
    finally:
        if process.poll() is None:
            for child in _children(process.pid):
                os.kill(child, signal.SIGKILL)
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
    denied = sorted({m.group(1) for m in re.finditer(r"^\d+\s+(\w+)\(.*INJECTED", trace.read_text(), re.M)})
    # What Balie does call outside the filter, each shown to be harmless by the run above:
    # setpriority (libdispatch's QoS nice value) and fchown (SQLite, only when running as root).
    assert set(denied) <= {"setpriority", "fchown"}, f"unexpected denied system calls: {denied}"


# --------------------------------------------------------------------------------------------
# (b) the kiosk launcher and the Chromium managed policy
# --------------------------------------------------------------------------------------------


def test_kiosk_launcher_is_valid_bash_with_the_kiosk_flags():
    script = DEPLOY / "kiosk" / "balie-kiosk.sh"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert os.access(script, os.X_OK), "the launcher must be executable"
    text = script.read_text(encoding="utf-8")
    for flag in (
        "--kiosk", "--no-first-run", "--noerrdialogs", "--disable-translate",
        "--disable-features=Translate,TranslateUI", "--disable-infobars", "--disable-session-crashed-bubble",
        "--overscroll-history-navigation=0", "--check-for-update-interval=31536000", "--incognito",
    ):  # fmt: skip
        assert flag in text, flag
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "--disable-pinch" not in code, "pinch zoom must stay allowed"
    assert 'BALIE_KIOSK_URL:-https://balie.local/' in text


def test_kiosk_launcher_restarts_chromium_when_it_exits(tmp_path):
    """A fake browser that records its arguments and exits: the launcher must start it again."""
    log = tmp_path / "starts.log"
    fake = tmp_path / "chromium"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexit 1\n')
    fake.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "BALIE_CHROMIUM": str(fake), "BALIE_KIOSK_RESTART": "0.1",
           "BALIE_KIOSK_URL": "https://kiosk-3.branch.example/"}  # fmt: skip
    launcher = subprocess.Popen(["bash", str(DEPLOY / "kiosk" / "balie-kiosk.sh")], env=env,
                                stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 3):
            time.sleep(0.05)
    finally:
        launcher.send_signal(signal.SIGTERM)
        try:
            launcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            launcher.kill()
            launcher.wait(timeout=5)
        launcher.stderr.close()
    starts = log.read_text().splitlines()
    assert len(starts) >= 3, f"the launcher started the browser {len(starts)} times"
    assert all(s.startswith("--kiosk") and s.endswith("https://kiosk-3.branch.example/") for s in starts), starts
    assert launcher.returncode is not None


def test_kiosk_policy_is_valid_json_with_the_lockdown():
    path = DEPLOY / "kiosk" / "policy.json"
    result = subprocess.run(["python3", "-m", "json.tool", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    policy = json.loads(path.read_text(encoding="utf-8"))
    assert policy["URLBlocklist"] == ["*"]
    # Balie's address, and the launcher's local start page (it posts the kiosk's secret; see balie-kiosk.sh).
    assert policy["URLAllowlist"] and all(u.startswith("https://balie.local") or u == "file:///run/user/" for u in policy["URLAllowlist"])
    assert policy["DeveloperToolsAvailability"] == 2
    assert policy["PasswordManagerEnabled"] is False
    assert policy["AutofillAddressEnabled"] is False and policy["AutofillCreditCardEnabled"] is False
    assert policy["DownloadRestrictions"] == 3
    assert {"browsing_history", "cookies_and_other_site_data", "cached_images_and_files", "autofill",
            "password_signin"} <= set(policy["ClearBrowsingDataOnExitList"])  # fmt: skip
    assert policy["SyncDisabled"] is True  # ClearBrowsingDataOnExitList needs sync off
    assert policy["PrintingEnabled"] is True  # the take-home summary is printed
    assert policy["RestoreOnStartup"] == 4 and policy["RestoreOnStartupURLs"]


def _policy_for(origin: str) -> dict:
    policy = json.loads((DEPLOY / "kiosk" / "policy.json").read_text(encoding="utf-8"))
    policy["URLAllowlist"] = [origin]
    policy["HomepageLocation"] = origin + "/"
    policy["RestoreOnStartupURLs"] = [origin + "/"]
    # chromedriver drives Chromium through the DevTools protocol, which DeveloperToolsAvailability=2
    # shuts off completely (Chromium 156 refuses the session with "Not allowed"). The test policy
    # therefore allows DevTools; every other setting is the shipped one.
    policy["DeveloperToolsAvailability"] = 1
    return policy


@contextmanager
def installed_policy(policy: dict):
    """The policy as Chromium's managed policy for the length of a test; removed after, with the folders it made."""
    policy_file = POLICY_DIR / "balie-test.json"
    assert not policy_file.exists(), f"{policy_file} is left over from an earlier run; remove it"
    created_dir = not POLICY_DIR.exists()
    try:
        POLICY_DIR.mkdir(parents=True, exist_ok=True)
        policy_file.write_text(json.dumps(policy, indent=2), encoding="utf-8")
        yield policy_file
    finally:
        policy_file.unlink(missing_ok=True)
        if created_dir:
            for folder in (POLICY_DIR, POLICY_DIR.parent):
                try:
                    folder.rmdir()
                except OSError:
                    break
    assert not policy_file.exists()


def _kiosk_driver():
    """Headless Chromium like balie_browser.new_driver, with the kiosk's flags and no extra set-up."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium = os.environ.get("BALIE_CHROMIUM", "/usr/bin/chromium")
    chromedriver = os.environ.get("BALIE_CHROMEDRIVER", "/usr/bin/chromedriver")
    missing = [p for p in (chromium, chromedriver) if not Path(p).exists()]
    if missing:
        pytest.fail(f"apt-get install chromium chromium-driver; missing: {missing}", pytrace=False)
    options = Options()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1024", "--no-first-run", "--noerrdialogs", "--disable-translate",
                "--disable-features=Translate,TranslateUI", "--disable-background-networking",
                "--disable-component-update"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(30)
    return driver


def test_kiosk_policy_allows_balie_and_blocks_everything_else(start_server, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("this test installs a Chromium policy under /etc and must run as root", pytrace=False)
    server = start_server()
    with installed_policy(_policy_for(server.base_url)):
        driver = _kiosk_driver()
        try:
            driver.get(server.url("/"))
            assert "ERR_BLOCKED_BY_ADMINISTRATOR" not in driver.page_source
            assert driver.execute_script("return location.origin") == server.base_url
            assert driver.find_elements("css selector", "main"), "the Balie start page did not load"

            for outside in (
                "http://127.0.0.1:1/",
                "https://example.com/",
                f"http://localhost:{server.port}/",  # the same server under another origin
                "data:text/html,<h1>outside</h1>",
                "file:///etc/hostname",
            ):
                driver.get(outside)
                source = driver.page_source
                # Chromium's blocked page: its net-error page with "This page is blocked" (the error code in
                # its data is ERR_BLOCKED_BY_ADMINISTRATOR, though headless builds may show another code).
                blocked = "main-frame-error" in source and (
                    "ERR_BLOCKED_BY_ADMINISTRATOR" in source or "This page is blocked" in source
                )
                assert blocked, f"{outside} was not blocked:\n{source[:1500]}"
                assert "<h1>outside</h1>" not in source and "/static/" not in source, f"{outside} was rendered"

            driver.get(server.url("/healthz"))
            assert "ERR_BLOCKED_BY_ADMINISTRATOR" not in driver.page_source
            assert '"ok"' in driver.page_source
        finally:
            driver.quit()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _attach(port: int, timeout: float = 30):
    """Selenium on the Chromium that the launcher started (its DevTools port), once that port answers."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    options = Options()
    options.binary_location = os.environ.get("BALIE_CHROMIUM", "/usr/bin/chromium")
    options.debugger_address = f"127.0.0.1:{port}"
    return webdriver.Chrome(options=options, service=Service(os.environ.get("BALIE_CHROMEDRIVER", "/usr/bin/chromedriver")))


def test_kiosk_launcher_enrols_chromium_again_after_a_restart(start_server, tmp_path):
    """The real launcher and policy: Chromium runs --incognito and clears cookies on exit, so the device
    cookie is gone at every start; the launcher presents the kiosk's secret again by itself (a form post from
    a private local page, never in a URL), and after Chromium is killed and started again the browser is the
    same kiosk at once. The server has no single-kiosk shortcut: only the secret makes this browser a kiosk."""
    from selenium.webdriver.support.ui import WebDriverWait

    if os.geteuid() != 0:
        pytest.fail("this test installs a Chromium policy under /etc and must run as root", pytrace=False)
    server = start_server("--no-kiosk-shortcut")

    def cli(*args) -> str:
        result = subprocess.run([str(balie_binary()), *args, "--database", str(server.database)],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        return result.stdout

    cli("branch", "add", "--code", "noord", "--name", "Bibliotheek Noord")
    cli("kiosk", "add", "--name", "kiosk-1", "--branch", "noord")
    secret = cli("kiosk", "secret", "--name", "kiosk-1", "--branch", "noord").strip()
    secret_file = tmp_path / "kiosk.secret"
    secret_file.write_text(secret + "\n")
    secret_file.chmod(0o640)
    start_dir = tmp_path / "start"
    port = _free_port()
    policy = _policy_for(server.base_url)
    policy["URLAllowlist"] = [server.base_url, f"file://{start_dir}/"]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BALIE_KIOSK_URL": server.url("/"),
           "BALIE_CHROMIUM": os.environ.get("BALIE_CHROMIUM", "/usr/bin/chromium"), "BALIE_KIOSK_RESTART": "0.5",
           "BALIE_KIOSK_SECRET_FILE": str(secret_file), "BALIE_KIOSK_START_DIR": str(start_dir),
           "BALIE_CHROMIUM_EXTRA_FLAGS": f"--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
                                         f"--window-size=1280,1024 --remote-debugging-port={port} "
                                         f"--user-data-dir={tmp_path / 'profile'}"}  # fmt: skip
    launcher = None
    stack = ExitStack()
    try:
        stack.enter_context(installed_policy(policy))
        launcher = subprocess.Popen(["bash", str(DEPLOY / "kiosk" / "balie-kiosk.sh")], env=env, start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        browsers = []
        for start in (1, 2):
            driver = _attach(port)
            try:
                # The local page posts the secret; the answer sets the cookie and goes on to the start screen.
                WebDriverWait(driver, 20).until(
                    lambda d: d.execute_script("return location.href") == server.url("/")
                    and d.find_elements("css selector", "main a[href^='/kiosk/topics/']"))
                assert not driver.find_elements("css selector", "main a[href='/enrol']"), f"start {start}: not enrolled"
                assert driver.get_cookie("balie_kiosk"), f"start {start}: no device cookie"
                assert secret not in driver.current_url
            finally:
                driver.service.stop()  # only the driver: the browser belongs to the launcher
            deadline = time.monotonic() + 10
            while (start_dir / "start.html").exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not (start_dir / "start.html").exists(), "the page with the secret stayed on disk"
            children = subprocess.run(["pgrep", "-P", str(launcher.pid), "-x", "chromium"], capture_output=True, text=True).stdout.split()
            assert len(children) == 1, f"the launcher's browsers: {children}"
            browsers.append(int(children[0]))
            if start == 1:
                os.kill(browsers[0], signal.SIGKILL)  # a crash: the launcher starts Chromium again
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=1).read()
                        current = subprocess.run(["pgrep", "-P", str(launcher.pid), "-x", "chromium"], capture_output=True, text=True).stdout.split()
                        if current and int(current[0]) != browsers[0]:
                            break
                    except OSError:
                        pass
                    time.sleep(0.2)
        assert browsers[0] != browsers[1], "Chromium was not started again"
        exchanges = server.stderr_text().count("POST /enrol/device 200")
        assert exchanges == 2, f"the secret was exchanged {exchanges} times for two starts"
        rows = subprocess.run(["sqlite3", str(server.database), "SELECT last_seen_at IS NOT NULL FROM kiosk WHERE name = 'kiosk-1'"],
                              capture_output=True, text=True).stdout.strip()
        assert rows == "1", "the kiosk was not seen"
    finally:
        if launcher is not None:
            launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(launcher.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        stack.close()
