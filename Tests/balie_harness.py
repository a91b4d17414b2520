"""Shared fixtures for Balie's end-to-end (Tests/e2e) and browser (Tests/browser) tests.

Every test talks to the real `balie serve` binary over real HTTP. The binary is
`$BALIE_BIN` if set, else `.build/debug/balie` under the repository root (the
lead builds it; these tests never build). Each server gets a fresh temporary
SQLite database and a free port (`--port 0`; the port is read from the first
line on stdout), and is always stopped again: SIGTERM, wait, SIGKILL on timeout.

Servers started with `--demo` get a copy of one demo database built per test run (`balie demo`), so
they start at once instead of filling six months of history each time. Servers started without
`--demo` and without `--kiosk` get the single-kiosk shortcut (`--kiosk kiosk --branch main`), so a
browser on 127.0.0.1 is a kiosk as before; `--no-kiosk-shortcut` (removed before the server sees it)
starts one without any, for the enrolment tests.
"""

from __future__ import annotations

import atexit
import sqlite3
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
LISTENING = re.compile(r"^Balie listening on http://127\.0\.0\.1:(\d+)$")
START_TIMEOUT = float(os.environ.get("BALIE_START_TIMEOUT", "30"))
STOP_TIMEOUT = 10.0

_ALL_SERVERS: list["BalieServer"] = []


def balie_binary() -> Path:
    configured = os.environ.get("BALIE_BIN")
    path = Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "balie"
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


@dataclass
class BalieServer:
    process: subprocess.Popen
    port: int
    database: Path
    stderr_path: Path
    args: tuple
    stdout_lines: list = field(default_factory=list)
    returncode: int | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @property
    def branch(self) -> str:
        """The branch of the kiosk a browser on this machine is (the demo's kiosk-1, or the shortcut's)."""
        args = [str(a) for a in self.args]
        if "--branch" in args:
            return args[args.index("--branch") + 1]
        return DEMO_KIOSK[1] if "--demo" in args else SHORTCUT_KIOSK[3]

    def display_path(self, suffix: str = "") -> str:
        return f"/branches/{self.branch}/display{suffix}"

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def is_running(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        self.returncode = self.process.wait(timeout=timeout)
        return self.returncode

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, wait, then SIGKILL if it does not stop; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.returncode = self.process.returncode
        return self.returncode


NO_KIOSK_SHORTCUT = "--no-kiosk-shortcut"
SHORTCUT_KIOSK = ("--kiosk", "kiosk", "--branch", "main")
# The kiosk `serve --demo` treats a browser on this machine as (DemoData.demoKiosk).
DEMO_KIOSK = ("kiosk-1", "centrum")

_demo_cache: dict[str, Path] = {}
_demo_lock = threading.Lock()


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("BALIE_")}


def demo_database() -> Path:
    """The demo database of this test run: built once with `balie demo` (in a temporary folder removed at
    exit), checkpointed, so the one file is the whole database."""
    with _demo_lock:
        cached = _demo_cache.get("path")
        if cached is not None and cached.exists():
            return cached
        folder = Path(tempfile.mkdtemp(prefix="balie-demo-"))
        atexit.register(shutil.rmtree, folder, True)
        target = folder / "demo.sqlite"
        command = [str(balie_binary()), "demo", "--database", str(target)]
        result = subprocess.run(command, cwd=REPO_ROOT, env=_clean_env(), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0 or not target.exists():
            pytest.fail(f"{' '.join(command)} failed (exit code {result.returncode}):\n{result.stdout}\n{result.stderr}",
                        pytrace=False)
        _demo_cache["path"] = target
        return target


def _copy_database(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(source) + suffix)
        if extra.exists():
            shutil.copyfile(extra, Path(str(target) + suffix))


def _given_database(args: list[str]) -> Path | None:
    """The database named in the test's own arguments (the last --database wins), if any."""
    given = None
    for index, arg in enumerate(args):
        if arg == "--database" and index + 1 < len(args):
            given = args[index + 1]
        elif arg.startswith("--database="):
            given = arg.split("=", 1)[1]
    if given is None:
        return None
    path = Path(given)
    return path if path.is_absolute() else REPO_ROOT / path


def _has_demo_kiosk(database: Path) -> bool:
    try:
        return bool(db_rows(database, "SELECT 1 FROM kiosk WHERE name = ? AND branch = ?", DEMO_KIOSK))
    except sqlite3.Error:
        return False


def _launch(args: tuple, tmp_dir: Path, www: str | os.PathLike | None, env: dict | None) -> BalieServer:
    binary = balie_binary()
    if not binary.exists():
        pytest.fail(
            f"The balie binary is missing: {binary}. Build it first (swift build) or set BALIE_BIN.",
            pytrace=False,
        )
    tmp_dir.mkdir(parents=True, exist_ok=True)
    database = tmp_dir / "balie.sqlite"
    stderr_path = tmp_dir / "stderr.log"
    given_args = tuple(args)
    args = [str(a) for a in args]
    demo = "--demo" in args or (env or {}).get("BALIE_DEMO", "").lower() in ("1", "true", "yes", "on")
    if NO_KIOSK_SHORTCUT in args:
        args = [a for a in args if a != NO_KIOSK_SHORTCUT]
    elif not demo and "--kiosk" not in args and not any(a.startswith("--kiosk=") for a in args):
        # A restart on a demo database keeps the demo's kiosk; anything else gets the one-kiosk shortcut.
        given = _given_database(args)
        if given is not None and given.exists() and _has_demo_kiosk(given):
            args += ["--kiosk", DEMO_KIOSK[0], "--branch", DEMO_KIOSK[1]]
        else:
            args += list(SHORTCUT_KIOSK)
    if demo and not database.exists():
        # The server sees staff in it and skips filling.
        _copy_database(demo_database(), database)
    command = [str(binary), "serve", "--host", "127.0.0.1", "--port", "0", "--database", str(database)]
    if www is None:
        www = os.environ.get("BALIE_TEST_WWW")  # debugging knob: run against another www folder
    if www is not None:
        command += ["--www", str(www)]
    command += args
    # The server reads BALIE_<OPTION> variables; keep the caller's out so each test says what it uses.
    full_env = _clean_env()
    full_env.update(env or {})
    stderr_file = open(stderr_path, "wb")
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        env=full_env,
    )
    stderr_file.close()

    lines: list[str] = []
    first_line: list[str] = []
    got_first = threading.Event()

    def drain() -> None:
        # Keep reading stdout so the server can never block on a full pipe.
        for raw in process.stdout:
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            lines.append(text)
            if not got_first.is_set():
                first_line.append(text)
                got_first.set()
        got_first.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not got_first.wait(0.05):
        if time.monotonic() > deadline:
            break
    server = BalieServer(process, 0, database, stderr_path, given_args, lines)
    _ALL_SERVERS.append(server)
    if not first_line:
        server.stop(timeout=2)
        pytest.fail(
            f"balie serve printed no first line within {START_TIMEOUT:.0f}s "
            f"(exit code {process.returncode}); command: {' '.join(command)}\nstderr:\n{server.stderr_text()[-3000:]}",
            pytrace=False,
        )
    match = LISTENING.match(first_line[0])
    if not match:
        server.stop(timeout=2)
        pytest.fail(
            f"First stdout line is not 'Balie listening on http://127.0.0.1:PORT' but {first_line[0]!r}; "
            f"command: {' '.join(command)}\nstderr:\n{server.stderr_text()[-3000:]}",
            pytrace=False,
        )
    server.port = int(match.group(1))
    assert server.port > 0, "the server must report the port it picked, not 0"
    return server


class ServerFactory:
    """`start_server(*args, www=None, env=None)` → a running BalieServer, stopped at teardown."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory):
        self._tmp = tmp_path_factory
        self.servers: list[BalieServer] = []

    def __call__(self, *args, www=None, env=None) -> BalieServer:
        server = _launch(args, self._tmp.mktemp("balie"), www, env)
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def start_server(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="module")
def start_server_module(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="session")
def start_server_session(tmp_path_factory):
    factory = ServerFactory(tmp_path_factory)
    yield factory
    factory.stop_all()


@atexit.register
def _kill_leftovers() -> None:
    for server in _ALL_SERVERS:
        if server.process.poll() is None:
            server.process.kill()


@pytest.fixture
def www_copy(tmp_path) -> Path:
    """A private copy of the repository's www folder, to add files or symlinks to."""
    target = tmp_path / "www"
    source = REPO_ROOT / "www"
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    else:
        (target / "static").mkdir(parents=True)
        (target / "templates").mkdir(parents=True)
    (target / "static").mkdir(exist_ok=True)
    return target


# --------------------------------------------------------------------------------------------
# A tiny raw-socket HTTP/1.1 client for the cases no ordinary client will send.
# --------------------------------------------------------------------------------------------


class RawResponse:
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes, raw_head: bytes):
        self.status = status
        self.reason = reason
        self.header_list = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.header_list:
            if key.lower() == name.lower():
                return value
        return default

    def headers_named(self, name: str) -> list[str]:
        return [v for k, v in self.header_list if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return f"<RawResponse {self.status} {self.reason} {self.header_list} body={self.body[:200]!r}>"


class RawConnection:
    """One TCP connection; send bytes, read whole HTTP responses (Content-Length, chunked or close)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.eof = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            self.sock.settimeout(timeout)
        chunk = self.sock.recv(65536)
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"connection closed before {marker!r}; got {self.buffer[:300]!r}")
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _read_exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if not self._fill():
                raise ConnectionError(f"connection closed after {len(self.buffer)} of {n} body bytes")
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_response(self, head_request: bool = False, timeout: float = 10.0) -> RawResponse:
        self.sock.settimeout(timeout)
        head = self._read_until(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status_line = lines[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        assert parts[0].startswith("HTTP/1."), f"not an HTTP response: {status_line!r}"
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        response = RawResponse(status, reason, headers, b"", head)
        if head_request or status in (204, 304) or 100 <= status < 200:
            return response
        if (response.header("Transfer-Encoding") or "").lower() == "chunked":
            body = b""
            while True:
                size_line = self._read_until(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers until an empty line
                    while self._read_until(b"\r\n"):
                        pass
                    break
                body += self._read_exact(size)
                self._read_exact(2)
            response.body = body
        elif response.header("Content-Length") is not None:
            response.body = self._read_exact(int(response.header("Content-Length")))
        else:
            while self._fill():
                pass
            response.body, self.buffer = self.buffer, b""
        return response

    def closed_by_peer(self, timeout: float) -> bool:
        """True when the server closes (EOF or reset) within `timeout` without sending anything more."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                if not self._fill(timeout=remaining):
                    return True
            except (ConnectionResetError, BrokenPipeError):
                return True
            except socket.timeout:
                return False


def raw_request(port: int, data: bytes | str, head_request: bool = False, timeout: float = 10.0) -> RawResponse:
    with RawConnection(port, timeout=timeout) as conn:
        conn.send(data)
        return conn.read_response(head_request=head_request, timeout=timeout)


@pytest.fixture(scope="session")
def raw():
    """The raw-socket helpers: raw.request(port, bytes), raw.Connection(port)."""

    class _Raw:
        request = staticmethod(raw_request)
        Connection = RawConnection

    return _Raw


def db_rows(database, sql: str, params=()) -> list[tuple]:
    """Rows of a query on the test database, opened read-only so a test never changes what it checks."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
