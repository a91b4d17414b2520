"""/metrics with requests a client chose badly on purpose (issue #20): a method or path of the client's own cannot
add a series (unknown methods are counted as `other`, routes by their pattern) nor break the text format, which
Prometheus's own parser (prometheus_client) must still read after them."""
from __future__ import annotations

import random
import socket
import string
import time

import requests
from prometheus_client.parser import text_string_to_metric_families

KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other"}
REQUEST_FAMILIES = ("balie_http_requests", "balie_http_request_seconds_sum", "balie_http_request_duration_seconds")


def send_raw(server, request_head: bytes) -> bytes:
    """Sends a request head byte for byte and returns what came back (maybe nothing: the server may just close)."""
    with socket.create_connection((server.host, server.port), timeout=10) as conn:
        conn.sendall(request_head)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return answer


def series(server) -> tuple[set, str]:
    """The label sets of every request series, parsed by prometheus_client, and the page itself."""
    text = requests.get(server.url("/metrics"), timeout=10).text
    found = set()
    for family in text_string_to_metric_families(text):
        if family.name in REQUEST_FAMILIES:
            for sample in family.samples:
                found.add((sample.name, tuple(sorted(sample.labels.items()))))
    return found, text


def settled(server) -> set:
    """The series once the count stops moving (libmicrohttpd reports a request complete just after its answer)."""
    last, deadline = None, time.monotonic() + 5
    while True:
        found, text = series(server)
        total = sum(sample.value for family in text_string_to_metric_families(text)
                    if family.name == "balie_http_requests" for sample in family.samples
                    if sample.labels.get("route") != "/metrics")
        if total == last or time.monotonic() > deadline:
            return found
        last = total
        time.sleep(0.3)


def test_client_chosen_methods_and_paths_add_no_series_and_keep_the_format(start_server):
    server = start_server()
    rng = random.Random(20)
    letters = string.ascii_uppercase

    def odd_requests(count: int) -> list[bytes]:
        heads = []
        for _ in range(count):
            method = "".join(rng.choice(letters) for _ in range(rng.randint(3, 2000)))
            path = "/" + "/".join("".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(rng.randint(1, 40)))
                                  for _ in range(rng.randint(1, 30)))
            heads.append(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            heads.append(f"GET {path}?q={method[:20]} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            heads.append(f"POST /customers/{rng.randint(1, 10**9)} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        # Quotes, backslashes and a line feed in the method (the line feed ends the request line: a bad request).
        heads += [b'FO"O\nBAR / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
                  b'FO"O\\BAR / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
                  b'FO"O / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
                  b'get /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']
        return heads

    # A first round makes whatever bounded series such requests fall in (method `other`, route `-`, their statuses).
    answered = [send_raw(server, head) for head in odd_requests(20)]
    assert any(answer.startswith(b"HTTP/1.1 ") for answer in answered)
    warm = settled(server)

    # Many more, all different: not one new series.
    heads = odd_requests(150)
    statuses = set()
    for head in heads:
        answer = send_raw(server, head)
        if answer.startswith(b"HTTP/1.1 "):
            statuses.add(int(answer[9:12]))
    after = settled(server)
    new = {entry for entry in after - warm if dict(entry[1]).get("route") != "/metrics"}
    assert not new, sorted(new)[:5]
    assert statuses, "no request was answered at all"

    # Every label is of the bounded set; no raw path reached a label, and the page parsed (above) in full.
    _, text = series(server)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if "method" in sample.labels:
                assert sample.labels["method"] in KNOWN_METHODS, sample
            if "route" in sample.labels:
                route = sample.labels["route"]
                assert route == "-" or route.startswith("/") and len(route) < 80, sample
    assert 'method="other"' in text
    assert "FO" not in text and "BAR" not in text

