"""End-to-end checks of Balie's HTTP foundation (issue #2), through real HTTP against `balie serve`.

Run from the repository root:  python3 -m pytest Tests/e2e -q
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["nl", "en", "tr", "ar", "pl", "uk"]
OWN_NAMES = {
    "nl": "Nederlands",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
    "uk": "Українська",
}


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(start_server_module):
    """One server with default settings (./www, default limits) for the read-only checks."""
    return start_server_module()


def get_raw(server, path, method="GET", headers=None, body=None):
    """http.client keeps the path exactly as given (requests/urllib3 would normalise `..`)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []
        self.buttons = []
        self.links = []
        self.html_attrs = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "button":
            self.buttons.append(attrs)
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "html":
            self.html_attrs = attrs


def parse_html(text: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(text)
    return parser


def csrf_from(html: str) -> str:
    tokens = [i.get("value") for i in parse_html(html).inputs if i.get("name") == "csrf"]
    assert tokens and tokens[0], "page has no hidden input name=csrf with a value"
    return tokens[0]


def visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html)).strip()


def assert_security_headers(headers: dict, where: str) -> None:
    h = {k.lower(): v for k, v in headers.items()}
    assert h.get("x-content-type-options", "").lower() == "nosniff", f"{where}: X-Content-Type-Options: {h}"
    assert h.get("referrer-policy", "").lower() == "no-referrer", f"{where}: Referrer-Policy: {h}"
    csp = h.get("content-security-policy", "")
    assert re.search(r"frame-ancestors\s+'none'", csp), f"{where}: CSP lacks frame-ancestors 'none': {csp!r}"


def assert_html_error_page(status, headers, body, expected_status, lang="nl"):
    assert status == expected_status, f"expected {expected_status}, got {status}: {body[:300]!r}"
    assert headers.get("content-type", "").lower().replace(" ", "") == "text/html;charset=utf-8", headers
    text = body.decode("utf-8")
    assert re.search(rf'<html[^>]*\blang="{lang}"', text), f'no <html lang="{lang}"> in {text[:300]!r}'
    words = visible_text(text)
    assert len(words) >= 20, f"error page has no plain-language message: {words!r}"
    assert "Traceback" not in text and "Fatal error" not in text


# ------------------------------------------------------------------------------------------------
# start-up, health, routing
# ------------------------------------------------------------------------------------------------


def test_first_stdout_line_names_the_chosen_port(server):
    assert server.stdout_lines[0] == f"Balie listening on http://127.0.0.1:{server.port}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5):
        pass


def test_healthz_answers_ok_json(server):
    r = requests.get(server.url("/healthz"), timeout=10)
    assert r.status_code == 200
    assert media_type(r.headers.get("Content-Type")) == "application/json"
    assert r.json() == {"status": "ok"}


def test_post_healthz_is_405_with_allow(server):
    r = requests.post(server.url("/healthz"), data=b"", timeout=10)
    assert r.status_code == 405
    allow = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert allow == {"GET", "HEAD"}, f"Allow: {r.headers.get('Allow')!r}"


def test_unknown_path_is_404_html_page_in_dutch(server):
    status, headers, body = get_raw(server, "/no-such-page")
    assert_html_error_page(status, headers, body, 404, lang="nl")
    assert "no-store" in headers.get("cache-control", "")


def test_unknown_path_with_english_cookie_is_english(server):
    _, _, nl_body = get_raw(server, "/no-such-page")
    status, headers, body = get_raw(server, "/no-such-page", headers={"Cookie": "balie_lang=en"})
    assert_html_error_page(status, headers, body, 404, lang="en")
    assert visible_text(body.decode()) != visible_text(nl_body.decode()), "English 404 page reads the same as Dutch"


@pytest.mark.parametrize("path", ["/api/no-such-thing", "/api/v1/no-such-thing"])
def test_unknown_api_path_is_problem_json(server, path):
    r = requests.get(server.url(path), timeout=10)
    assert r.status_code == 404
    assert media_type(r.headers.get("Content-Type")) == "application/problem+json"
    problem = r.json()
    for key in ("type", "title", "status", "detail"):
        assert key in problem, f"problem lacks {key!r}: {problem}"
    assert problem["status"] == 404
    assert isinstance(problem["type"], str) and problem["type"]
    assert isinstance(problem["title"], str) and problem["title"]


# ------------------------------------------------------------------------------------------------
# keep-alive and HEAD
# ------------------------------------------------------------------------------------------------


def test_keep_alive_reuses_one_socket(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        assert first.status == 200 and json.loads(first.read()) == {"status": "ok"}
        sock = conn.sock
        assert sock is not None, "server closed the connection after the first request"
        local = sock.getsockname()
        for _ in range(3):
            conn.request("GET", "/healthz")
            again = conn.getresponse()
            assert again.status == 200 and json.loads(again.read()) == {"status": "ok"}
            assert conn.sock is sock and conn.sock.getsockname() == local, "a new connection was opened"
    finally:
        conn.close()


def test_pipelined_requests_on_one_raw_socket(server, raw):
    with raw.Connection(server.port) as conn:
        conn.send(
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /no-such-page HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        first = conn.read_response()
        second = conn.read_response()
        assert first.status == 200 and json.loads(first.body) == {"status": "ok"}
        assert second.status == 404
        conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.read_response().status == 200


@pytest.mark.parametrize("path", ["/healthz", "/static/css/balie.css", "/no-such-page", "/", "/language?return=/"])
def test_head_matches_get_without_body(server, raw, path):
    get = raw.request(server.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    with raw.Connection(server.port) as conn:
        # HEAD, then GET on the same socket: if HEAD had sent a body, the GET answer would be garbled.
        conn.send(f"HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n")
        head = conn.read_response(head_request=True)
        conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        after = conn.read_response()
    assert head.status == get.status
    assert get.header("Content-Length") == str(len(get.body))
    assert head.header("Content-Length") is not None, "HEAD answer lacks Content-Length"
    if path.startswith(("/healthz", "/static/")):
        assert head.header("Content-Length") == get.header("Content-Length")
    else:
        # HTML pages carry a request id / CSRF token whose length may differ by a digit between two requests.
        difference = int(head.header("Content-Length")) - int(get.header("Content-Length"))
        assert abs(difference) <= 2, f"HEAD Content-Length {head.header('Content-Length')} vs GET {get.header('Content-Length')}"
    for name in ("Content-Type", "Cache-Control", "ETag", "X-Content-Type-Options", "Referrer-Policy"):
        assert head.header(name) == get.header(name), f"{name} differs: HEAD {head.header(name)!r}, GET {get.header(name)!r}"
    assert head.header("Content-Security-Policy"), "HEAD answer lacks the security headers"
    assert head.body == b""
    assert after.status == 200 and json.loads(after.body) == {"status": "ok"}, "HEAD response carried a body"


# ------------------------------------------------------------------------------------------------
# static files
# ------------------------------------------------------------------------------------------------

STATIC_SAMPLES = {
    "test/hello.txt": (b"hello from balie\n", "text/plain"),
    "test/data.json": (b'{"a": 1}\n', "application/json"),
    "test/icon.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>\n', "image/svg+xml"),
    "test/pixel.png": (bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d605d10000000049454e44ae426082"), "image/png"),
    "test/style.css": (b"body { color: black; }\n", "text/css"),
    "test/app.js": (b"console.log('x');\n", {"text/javascript", "application/javascript"}),
}


@pytest.fixture(scope="module")
def static_server(start_server_module, tmp_path_factory):
    """A server over a copy of www with known sample files and escape attempts planted in it."""
    import shutil

    import os

    www = tmp_path_factory.mktemp("www") / "www"
    source = Path(os.environ.get("BALIE_TEST_WWW") or REPO_ROOT / "www")
    if source.is_dir():
        shutil.copytree(source, www, symlinks=True)
    (www / "static").mkdir(parents=True, exist_ok=True)
    (www / "templates").mkdir(parents=True, exist_ok=True)
    for rel, (data, _) in STATIC_SAMPLES.items():
        path = www / "static" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    outside = www.parent / "secret.txt"
    outside.write_text("TOP-SECRET-OUTSIDE-STATIC\n")
    (www / "static" / "test" / "link-to-secret.txt").symlink_to(outside)
    outside_dir = www.parent / "outside"
    outside_dir.mkdir()
    (outside_dir / "Package.swift").write_text("// swift-tools-version: TOP-SECRET\n")
    (www / "static" / "test" / "link-to-repo").symlink_to(outside_dir, target_is_directory=True)
    inside = www / "static" / "test" / "hello.txt"
    (www / "static" / "test" / "link-inside.txt").symlink_to(inside)
    return start_server_module(www=www)


@pytest.mark.parametrize("rel", sorted(STATIC_SAMPLES))
def test_static_content_types(static_server, rel):
    data, expected = STATIC_SAMPLES[rel]
    r = requests.get(static_server.url(f"/static/{rel}"), timeout=10)
    assert r.status_code == 200
    assert r.content == data
    expected = {expected} if isinstance(expected, str) else expected
    assert media_type(r.headers.get("Content-Type")) in expected, r.headers.get("Content-Type")


@pytest.mark.parametrize("rel,expected", [("css/balie.css", "text/css"), ("js/balie.js", "text/javascript")])
def test_static_content_types_of_real_assets(server, rel, expected):
    if not (REPO_ROOT / "www" / "static" / rel).exists():
        pytest.fail(f"www/static/{rel} does not exist (yet)")
    r = requests.get(server.url(f"/static/{rel}"), timeout=10)
    assert r.status_code == 200
    assert media_type(r.headers.get("Content-Type")) in {expected, "application/javascript"}
    assert r.content == (REPO_ROOT / "www" / "static" / rel).read_bytes()


def test_static_etag_and_304(static_server):
    url = static_server.url("/static/test/hello.txt")
    first = requests.get(url, timeout=10)
    assert first.status_code == 200
    etag = first.headers.get("ETag")
    assert etag and re.fullmatch(r'(W/)?"[^"]+"', etag), f"ETag: {etag!r}"
    assert first.headers.get("Cache-Control") == "public, max-age=0, must-revalidate"
    second = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert second.status_code == 304
    assert second.content == b""
    assert second.headers.get("ETag") == etag
    stale = requests.get(url, headers={"If-None-Match": '"not-the-etag"'}, timeout=10)
    assert stale.status_code == 200 and stale.content == first.content


def test_fingerprinted_stylesheet_is_immutable(server):
    page = requests.get(server.url("/"), timeout=10)
    assert page.status_code == 200, f"start page: {page.status_code}"
    hrefs = [l.get("href", "") for l in parse_html(page.text).links if "stylesheet" in (l.get("rel") or "")]
    fingerprinted = [h for h in hrefs if re.fullmatch(r"/static/css/balie\.[0-9a-f]{10}\.css", h)]
    assert fingerprinted, f"no <link rel=stylesheet href=/static/css/balie.<10 hex>.css> in the page; links: {hrefs}"
    r = requests.get(server.url(fingerprinted[0]), timeout=10)
    assert r.status_code == 200
    assert r.headers.get("Cache-Control") == "public, max-age=31536000, immutable"
    assert media_type(r.headers.get("Content-Type")) == "text/css"
    plain = requests.get(server.url("/static/css/balie.css"), timeout=10)
    assert plain.status_code == 200 and plain.content == r.content
    assert plain.headers.get("Cache-Control") == "public, max-age=0, must-revalidate"


ESCAPES = [
    "/static/../Package.swift",
    "/static/%2e%2e/Package.swift",
    "/static/css/..%2f..%2fPackage.swift",
    "/static/%2e%2e%2fPackage.swift",
    "/static/.%2e/Package.swift",
    "/static/css/../../Package.swift",
    f"/static/{REPO_ROOT}/Package.swift",
    "/static/%2fetc%2fpasswd",
    "/static/..%5c..%5cPackage.swift",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_static_path_escape_is_404(server, path):
    status, _, body = get_raw(server, path)
    assert status == 404, f"{path} → {status}"
    assert b"swift-tools-version" not in body and b"root:" not in body


@pytest.mark.parametrize(
    "path", ["/static/test/link-to-secret.txt", "/static/test/link-to-repo/Package.swift"]
)
def test_static_symlink_out_of_folder_is_404(static_server, path):
    # control: the plain file next to the links is served
    assert requests.get(static_server.url("/static/test/hello.txt"), timeout=10).status_code == 200
    status, _, body = get_raw(static_server, path)
    assert status == 404, f"{path} → {status}"
    assert b"TOP-SECRET" not in body and b"swift-tools-version" not in body


@pytest.mark.parametrize("path", ["/static/%zz", "/static/%", "/static/a%2", "/?q=%ff", "/?q=%zz", "/no-such-page?x=%c3%28"])
def test_bad_percent_encoding_is_400(server, path):
    status, headers, body = get_raw(server, path)
    assert status == 400, f"{path} → {status}: {body[:200]!r}"


# ------------------------------------------------------------------------------------------------
# limits
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limits(start_server_module):
    return start_server_module("--max-body-bytes", "1024", "--max-url-length", "100")


def _post_announced(raw, port, length, send_body: bool):
    with raw.Connection(port) as conn:
        conn.send(
            f"POST /language HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {length}\r\n\r\n"
        )
        if send_body:
            try:
                conn.send(b"a" * length)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return conn.read_response()
        try:
            # The server should refuse from the header alone, without waiting for the body.
            return conn.read_response(timeout=5)
        except socket.timeout:
            conn.send(b"a" * length)
            return conn.read_response()


def test_body_over_limit_announced_is_413(small_limits, raw):
    response = _post_announced(raw, small_limits.port, 1025, send_body=False)
    assert response.status == 413, response


def test_body_at_limit_is_not_413(small_limits, raw):
    response = _post_announced(raw, small_limits.port, 1024, send_body=True)
    assert response.status != 413 and response.status < 500, response


def test_body_over_default_limit_of_1_mib_is_413(server, raw):
    response = _post_announced(raw, server.port, (1 << 20) + 1, send_body=False)
    assert response.status == 413, response


def test_chunked_body_over_limit_is_413(small_limits, raw):
    with raw.Connection(small_limits.port) as conn:
        conn.send(
            "POST /language HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )

        def feed():
            try:
                for _ in range(8):  # 8 × 512 = 4 KiB > 1 KiB
                    conn.send(b"200\r\n" + b"a" * 512 + b"\r\n")
                conn.send(b"0\r\n\r\n")
            except OSError:
                pass

        sender = threading.Thread(target=feed)
        sender.start()
        response = conn.read_response()
        sender.join(5)
    assert response.status == 413, response


def test_url_longer_than_limit_is_414(small_limits, raw):
    at_limit = "/" + "a" * 99  # 100 characters: allowed, simply not found
    over = "/" + "a" * 100  # 101 characters
    assert raw.request(small_limits.port, f"GET {at_limit} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 404
    assert raw.request(small_limits.port, f"GET {over} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 414
    with_query = "/?" + "q=" + "b" * 120
    assert raw.request(small_limits.port, f"GET {with_query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 414


def test_url_longer_than_default_8192_is_414(server, raw):
    ok = raw.request(server.port, "GET /" + "a" * 8000 + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.status == 404
    long = raw.request(server.port, "GET /" + "a" * 8300 + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert long.status == 414


def test_headers_up_to_the_16_kib_connection_memory_are_read(server, raw):
    """ServerConfiguration.connectionMemoryBytes (16 KiB) holds the request line and headers and the
    answer's headers: an 8000-character URL with 2 KB of headers, or 6 KB of headers (a browser sends
    well under 2 KB here), get their page; 40 KB of headers gets 431."""
    def filler(kb: int) -> str:
        return "".join(f"X-Filler-{i}: {'c' * 90}\r\n" for i in range(kb * 10))
    long_url = raw.request(server.port, "GET /?q=" + "a" * 8000 + f" HTTP/1.1\r\nHost: x\r\n{filler(2)}Connection: close\r\n\r\n")
    assert long_url.status == 200
    many_headers = raw.request(server.port, f"GET / HTTP/1.1\r\nHost: x\r\n{filler(6)}Connection: close\r\n\r\n")
    assert many_headers.status == 200
    big = raw.request(server.port, f"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 40000}\r\nConnection: close\r\n\r\n")
    assert big.status in (431, 400)


def test_per_client_connection_limit(start_server, raw):
    srv = start_server("--max-connections-per-client", "2")
    first = raw.Connection(srv.port)
    second = raw.Connection(srv.port)
    third = None
    try:
        for conn in (first, second):
            conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.read_response().status == 200
        try:
            third = raw.Connection(srv.port, timeout=5)
            third.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            refused = third.closed_by_peer(timeout=5)
        except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
            refused = True
        assert refused, "a third connection from the same client was answered"
        assert not third or not third.buffer, f"third connection got bytes: {third.buffer[:200]!r}"
        for conn in (first, second):
            conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.read_response().status == 200, "the first two connections stopped working"
    finally:
        for conn in (first, second, third):
            if conn:
                conn.close()
    # once those are closed, the client may connect again
    deadline = time.monotonic() + 5
    while True:
        try:
            response = raw.request(srv.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=2)
            assert response.status == 200
            break
        except (ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_idle_keep_alive_connection_is_closed(start_server, raw):
    srv = start_server("--idle-timeout", "1")
    with raw.Connection(srv.port) as conn:
        conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.read_response().status == 200
        idle_from = time.monotonic()
        assert conn.closed_by_peer(timeout=6), "idle connection still open after 6 s with --idle-timeout 1"
        waited = time.monotonic() - idle_from
    assert 0.5 <= waited <= 3.5, f"closed after {waited:.2f} s, expected about 1–3 s"


def test_busy_connection_survives_idle_timeout(start_server, raw):
    srv = start_server("--idle-timeout", "2")
    with raw.Connection(srv.port) as conn:
        for _ in range(5):  # 5 requests 0.8 s apart: never idle for 2 s
            conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.read_response().status == 200
            time.sleep(0.8)


# ------------------------------------------------------------------------------------------------
# request smuggling and malformed requests
# ------------------------------------------------------------------------------------------------

SMUGGLED = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize(
    "framing",
    [
        pytest.param("Content-Length: 5\r\nContent-Length: 48\r\n", id="two-different-content-lengths"),
        pytest.param("Content-Length: 5\r\nContent-Length: 5\r\n", id="two-equal-content-lengths"),
        pytest.param("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", id="content-length-and-chunked"),
        pytest.param("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", id="chunked-and-content-length"),
    ],
)
def test_request_smuggling_shapes_are_400(server, raw, framing):
    body = "0\r\n\r\n" + SMUGGLED
    with raw.Connection(server.port) as conn:
        conn.send(f"POST /language HTTP/1.1\r\nHost: x\r\n{framing}\r\n{body}")
        response = conn.read_response()
        assert response.status == 400, response
        # The smuggled request inside the body must never be answered on its own.
        try:
            conn.closed_by_peer(timeout=1.5)
        except OSError:
            pass
        assert b"HTTP/1." not in conn.buffer, f"a second response followed: {conn.buffer[:200]!r}"


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GARBAGE\r\n\r\n", id="no-request-line"),
        pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", id="header-without-colon"),
        pytest.param(b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", id="encoded-nul"),
        pytest.param(b"GET /?a=%00&b=%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n", id="nul-and-bad-utf8-query"),
        pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", id="negative-length"),
        pytest.param(b"POST /language HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", id="non-numeric-length"),
        pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", id="huge-header"),
        pytest.param(b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", id="unknown-version"),
    ],
)
def test_malformed_requests_get_4xx_never_500(server, raw, request_bytes):
    try:
        with raw.Connection(server.port) as conn:
            conn.send(request_bytes + b"\r\n")
            try:
                response = conn.read_response(timeout=5)
                assert 400 <= response.status < 500 or response.status == 505, response
            except (ConnectionError, socket.timeout):
                pass  # closing the connection without an answer is acceptable for garbage
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200, "server stopped answering"
    assert server.is_running()


# ------------------------------------------------------------------------------------------------
# security headers
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,headers",
    [
        ("GET", "/healthz", {}),
        ("POST", "/healthz", {}),
        ("GET", "/no-such-page", {}),
        ("GET", "/api/v1/no-such-thing", {}),
        ("GET", "/static/css/balie.css", {}),
        ("GET", "/static/%zz", {}),
        ("GET", "/", {}),
        ("GET", "/language?return=/", {}),
    ],
)
def test_security_headers_on_every_response(server, method, path, headers):
    status, got, body = get_raw(server, path, method=method, headers=headers, body=b"" if method == "POST" else None)
    assert_security_headers(got, f"{method} {path} ({status})")
    if media_type(got.get("content-type")) == "text/html":
        assert "no-store" in got.get("cache-control", ""), f"{path}: HTML without Cache-Control: no-store"


def test_security_headers_on_304(server):
    first = requests.get(server.url("/static/css/balie.css"), timeout=10)
    assert first.status_code == 200
    status, headers, _ = get_raw(server, "/static/css/balie.css", headers={"If-None-Match": first.headers["ETag"]})
    assert status == 304
    assert_security_headers(headers, "304")


def test_security_headers_on_413(small_limits, raw):
    response = _post_announced(raw, small_limits.port, 5000, send_body=False)
    assert response.status == 413
    assert_security_headers(dict(response.header_list), "413")


# ------------------------------------------------------------------------------------------------
# access log
# ------------------------------------------------------------------------------------------------


def test_access_log_on_stderr_without_query_values(server):
    requests.get(server.url("/no-such-page?name=XYZZY-SECRET-123"), timeout=10)
    requests.post(server.url("/language"), data={"secret": "PLUGH-BODY-456"}, timeout=10)
    deadline = time.monotonic() + 3
    log = ""
    while time.monotonic() < deadline:
        log = server.stderr_text()
        if "404" in log:
            break
        time.sleep(0.1)
    assert "404" in log, f"no access log line with status 404 on stderr: {log[-1000:]!r}"
    assert "XYZZY-SECRET-123" not in log, "the access log holds a query value"
    assert "PLUGH-BODY-456" not in log, "the access log holds a body value"


# ------------------------------------------------------------------------------------------------
# forms: language choice, CSRF, invalid UTF-8
# ------------------------------------------------------------------------------------------------


def test_language_page_lists_each_language_in_its_own_name(server):
    s = requests.Session()
    r = s.get(server.url("/language?return=/"), timeout=10)
    assert r.status_code == 200
    assert media_type(r.headers.get("Content-Type")) == "text/html"
    assert "no-store" in r.headers.get("Cache-Control", "")
    assert "balie_visit" in s.cookies, f"no balie_visit cookie set; Set-Cookie: {r.headers.get('Set-Cookie')}"
    parsed = parse_html(r.text)
    assert csrf_from(r.text)
    values = {b.get("value") for b in parsed.buttons}
    assert set(LANGUAGES) <= values, f"language buttons: {values}"
    for code, name in OWN_NAMES.items():
        assert name.lower() in r.text.lower(), f"{code}: own name {name!r} missing"


def test_visit_cookie_flags(server):
    r = requests.get(server.url("/language?return=/"), timeout=10)
    cookies = r.raw.headers.getlist("Set-Cookie") if hasattr(r.raw.headers, "getlist") else [r.headers.get("Set-Cookie", "")]
    visit = [c for c in cookies if c.startswith("balie_visit=")]
    assert visit, f"no balie_visit cookie: {cookies}"
    flags = visit[0].lower()
    assert "httponly" in flags and "samesite=" in flags and "path=/" in flags, visit[0]


def test_language_form_sets_language_and_redirects(server):
    s = requests.Session()
    token = csrf_from(s.get(server.url("/language?return=/"), timeout=10).text)
    r = s.post(server.url("/language"), data={"csrf": token, "lang": "en", "return": "/"}, allow_redirects=False, timeout=10)
    assert r.status_code in (302, 303), f"{r.status_code}: {r.text[:300]}"
    assert r.headers.get("Location") in ("/", server.url("/")), r.headers.get("Location")
    assert s.cookies.get("balie_lang") == "en"
    page = s.get(server.url("/no-such-page"), timeout=10)
    assert re.search(r'<html[^>]*\blang="en"', page.text)


def test_language_form_return_cannot_leave_the_site(server):
    s = requests.Session()
    token = csrf_from(s.get(server.url("/language?return=/"), timeout=10).text)
    # A tab or line break is dropped by browsers from a URL: "/\t/evil.example" would become "//evil.example".
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)", "/\t/evil.example/",
                 "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "/\u2028/evil.example", "/\u200b/evil.example",
                 "/ok//evil.example"):
        r = s.post(server.url("/language"), data={"csrf": token, "lang": "en", "return": evil}, allow_redirects=False, timeout=10)
        assert r.status_code < 500
        if 300 <= r.status_code < 400:
            location = r.headers.get("Location", "")
            assert re.match(r"^/(?![/\\])", location), f"return={evil!r} redirected off-site to {location!r}"


def test_language_form_with_invalid_utf8_is_400_page(server):
    s = requests.Session()
    token = csrf_from(s.get(server.url("/language?return=/"), timeout=10).text)
    body = f"csrf={token}&lang=%ff&return=%2F".encode()
    r = s.post(
        server.url("/language"), data=body, headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False, timeout=10,
    )
    assert_html_error_page(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content, 400)


@pytest.mark.parametrize("case", ["wrong-token", "missing-token", "no-visit-cookie"])
def test_language_form_without_valid_csrf_is_403_page(server, case):
    s = requests.Session()
    token = csrf_from(s.get(server.url("/language?return=/"), timeout=10).text)
    data = {"lang": "en", "return": "/"}
    if case == "wrong-token":
        data["csrf"] = ("A" if token[0] != "A" else "B") + token[1:]
    elif case == "no-visit-cookie":
        data["csrf"] = token
        s.cookies.clear()
    r = s.post(server.url("/language"), data=data, allow_redirects=False, timeout=10)
    assert_html_error_page(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content, 403)
    assert s.cookies.get("balie_lang") != "en", "the language changed despite a bad CSRF token"


# ------------------------------------------------------------------------------------------------
# graceful stop
# ------------------------------------------------------------------------------------------------


def test_sigterm_finishes_in_flight_request_and_exits_0(start_server, raw):
    srv = start_server()
    conn = raw.Connection(srv.port)
    try:
        conn.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
        time.sleep(0.3)  # let the server read the headers
        srv.signal(signal.SIGTERM)
        time.sleep(0.5)
        assert srv.is_running(), "server exited while a request was still in flight"
        # new connections are no longer accepted
        refused = False
        try:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=2) as late:
                late.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                late.settimeout(2)
                refused = late.recv(100) == b""
        except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
            refused = True
        assert refused, "a new connection was answered after SIGTERM"
        conn.send("67890")
        response = conn.read_response(timeout=5)
        assert response.status == 405, response
        assert response.header("Content-Length") is None or len(response.body) == int(response.header("Content-Length"))
    finally:
        conn.close()
    assert srv.wait(timeout=8) == 0, f"exit code {srv.returncode}; stderr: {srv.stderr_text()[-1000:]}"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_idle_server_with_exit_0(start_server, signum):
    srv = start_server()
    assert requests.get(srv.url("/healthz"), timeout=10).status_code == 200
    started = time.monotonic()
    srv.signal(signum)
    assert srv.wait(timeout=8) == 0
    assert time.monotonic() - started < 5, "stopping an idle server took too long"


def test_database_is_created(server):
    assert server.database.exists(), "the --database file was not created"


def metrics_when(server, condition, timeout: float = 2.0) -> str:
    """/metrics once `condition(text)` holds (or the last text after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        text = requests.get(server.url("/metrics"), timeout=10).text
        if condition(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_metrics_in_prometheus_format_without_personal_data(start_server):
    import re as _re
    server = start_server()
    requests.get(server.url("/healthz"), timeout=10)
    requests.get(server.url("/no-such-page?name=Fatma"), timeout=10)
    response = requests.get(server.url("/metrics"), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    # A request is counted when libmicrohttpd reports it complete, just after the client has its answer.
    text = metrics_when(server, lambda t: 'status="404"' in t)
    assert _re.search(r'^balie_http_requests_total\{route="/healthz",method="GET",status="200"\} [1-9]', text, _re.M), text
    assert _re.search(r'^balie_http_requests_total\{route="-",method="GET",status="404"\} [1-9]', text, _re.M), text
    for name in ("balie_http_requests_in_flight", "balie_customers", "balie_open_sessions", "balie_uptime_seconds"):
        assert _re.search(rf"^# TYPE {name} gauge$", text, _re.M) and _re.search(rf"^{name} [0-9.]+$", text, _re.M), name
    assert "Fatma" not in text and "no-such-page" not in text


def test_metrics_parse_with_a_prometheus_parser_and_move_with_requests(start_server):
    from prometheus_client.parser import text_string_to_metric_families

    server = start_server()

    def scrape(condition=lambda text: True) -> dict:
        text = metrics_when(server, condition)
        return {family.name: family for family in text_string_to_metric_families(text)}

    def value(families, name, sample_name, **labels):
        for sample in families[name].samples:
            if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
        return 0.0

    before = scrape()
    for _ in range(3):
        requests.get(server.url("/healthz"), timeout=10)
    before_count = value(before, "balie_http_requests", "balie_http_requests_total", route="/healthz", status="200")
    after = scrape(lambda text: f'route="/healthz",method="GET",status="200"}} {int(before_count) + 3}' in text)
    assert value(after, "balie_http_requests", "balie_http_requests_total", route="/healthz", status="200") == \
        value(before, "balie_http_requests", "balie_http_requests_total", route="/healthz", status="200") + 3
    histogram = after["balie_http_request_duration_seconds"]
    assert histogram.type == "histogram"
    count = value(after, "balie_http_request_duration_seconds", "balie_http_request_duration_seconds_count", route="/healthz", method="GET")
    inf = value(after, "balie_http_request_duration_seconds", "balie_http_request_duration_seconds_bucket", route="/healthz", le="+Inf")
    assert count >= 3 and inf == count
    for name in ("balie_sessions_started", "balie_sessions_finished", "balie_db_write_errors"):
        assert after[name].type == "counter", name
    for name in ("balie_queue_waiting", "balie_help_streams", "balie_http_open_streams"):
        assert after[name].type == "gauge", name
    assert after["balie_db_commit_seconds"].type == "histogram"
    # A write moves the commit histogram.
    commits = value(after, "balie_db_commit_seconds", "balie_db_commit_seconds_count")
    client = requests.Session()
    page = client.get(server.url("/queue/take"), timeout=10).text
    import re as _re
    token = _re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert client.post(server.url("/queue/tickets"), data={"group": "banking", "csrf": token}, timeout=10, allow_redirects=False).status_code == 303
    final = scrape()
    assert value(final, "balie_db_commit_seconds", "balie_db_commit_seconds_count") > commits
    assert value(final, "balie_queue_waiting", "balie_queue_waiting") == 1


def test_static_text_is_gzipped_when_the_client_accepts_it(start_server):
    import gzip as _gzip

    server = start_server()
    page = requests.get(server.url("/"), timeout=10).text
    import re as _re
    css = _re.search(r'href="(/static/css/balie\.[0-9a-f]+\.css)"', page).group(1)
    plain = requests.get(server.url(css), headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in plain.headers and plain.headers["Vary"] == "Accept-Encoding"
    raw = requests.get(server.url(css), headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
    body = raw.raw.read(decode_content=False)
    assert raw.headers["Content-Encoding"] == "gzip" and raw.headers["Content-Length"] == str(len(body))
    assert _gzip.decompress(body) == plain.content and len(body) < len(plain.content) / 3
    assert raw.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "br, gzip;q=0"}, "etag", "gzip-etag", {"If-None-Match": '"stale"'}],
    ids=["plain", "gzip", "gzip-refused", "304", "304-gzip", "stale-tag"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_static_fast_path_answers_as_the_application_does(server, method, headers):
    """A GET or HEAD of a known static file with no query and no body is answered by the server
    before routing (Server.preparedAnswer); with a query it goes through the application. Both must
    give the same status, headers and body."""
    page = requests.get(server.url("/"), timeout=10).text
    sheet = re.search(r'href="(/static/css/balie\.[0-9a-f]+\.css)"', page).group(1)
    for path in (sheet, "/static/css/balie.css", "/static/js/balie.js"):
        if isinstance(headers, str):
            accept = {"Accept-Encoding": "gzip"} if headers == "gzip-etag" else {}
            tag = get_raw(server, path, headers=accept)[1]["etag"]
            sent = {**accept, "If-None-Match": tag}
        else:
            sent = headers
        fast = get_raw(server, path, method=method, headers=sent)
        routed = get_raw(server, path + "?via=router", method=method, headers=sent)
        assert fast[0] == routed[0] and fast[0] in (200, 304), (path, fast[0], routed[0])
        drop = {"date"}
        assert {k: v for k, v in fast[1].items() if k not in drop} == {k: v for k, v in routed[1].items() if k not in drop}, path
        assert fast[2] == routed[2], path
        if method == "HEAD" or fast[0] == 304:
            assert fast[2] == b""


def test_static_fast_path_is_logged_and_counted(start_server):
    """Answers given before routing still reach the access log and /metrics under the route /static/*."""
    server = start_server()
    before = requests.get(server.url("/metrics"), timeout=10).text
    count = lambda text: sum(  # noqa: E731
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
        if line.startswith('balie_http_requests_total{route="/static/*",method="GET",status="200"}'))
    for _ in range(5):
        assert get_raw(server, "/static/css/balie.css")[0] == 200
    assert get_raw(server, "/static/css/balie.css", method="HEAD")[0] == 200
    after = requests.get(server.url("/metrics"), timeout=10).text
    assert count(after) - count(before) == 5
    assert 'balie_http_requests_total{route="/static/*",method="HEAD",status="200"}' in after
    server.stop()
    lines = [line for line in server.stderr_text().splitlines() if " GET /static/* 200 " in line]
    assert len(lines) >= 5
    assert all(re.search(r" GET /static/\* 200 \d+us id=[0-9a-z]+-\d+$", line) for line in lines), lines[:3]
    ids = [line.rsplit("id=", 1)[1] for line in lines]
    assert len(set(ids)) == len(ids), "request ids repeat"
