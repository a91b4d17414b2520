"""The OpenAPI document states every refusal of the channel API: first read from the document (every
operation with an id lists 404, the scopes are the ones the server knows, metrics:read among them), then
checked against the running server: each refusal it gives is one the operation lists, as problem JSON."""
import json
import re
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

from balie_harness import raw_request
from test_api import make_token
from test_auth import balie_cli, db_rows

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((REPO / "www/openapi.json").read_text())
TIMEOUT = 10
API_SCOPES = ["customers:read", "contacts:read", "contacts:write", "sessions:read"]


def operations():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def operation(path, method="get"):
    return DOCUMENT["paths"][path][method]


def resolved(response):
    while "$ref" in response:
        response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def takes_token(op):
    return op.get("security", DOCUMENT["security"]) != []


def scopes_in_source() -> set[str]:
    source = (REPO / "Sources/BalieCore/API/ApiToken.swift").read_text()
    enum = source[source.index("enum ApiScope"):source.index("}", source.index("enum ApiScope"))]
    return set(re.findall(r'case \w+ = "([^"]+)"', enum))


# ------------------------------------------------------------------------------------------------
# the document itself


def test_document_is_valid():
    validate(DOCUMENT)


def test_every_operation_with_a_path_parameter_lists_404_problem_json():
    checked = 0
    for path, method, op in operations():
        if not any(p["in"] == "path" for p in op.get("parameters", [])):
            continue
        checked += 1
        assert "404" in op["responses"], f"{method.upper()} {path} takes an id but lists no 404"
        assert "application/problem+json" in resolved(op["responses"]["404"])["content"], f"{method.upper()} {path}"
    assert checked >= 4  # customers/{number}, its contacts (GET and POST), sessions/{id}


def test_metrics_read_and_every_scope_are_documented():
    scheme = DOCUMENT["components"]["securitySchemes"]["bearer"]
    known = scopes_in_source()
    assert "metrics:read" in known
    for scope in known:
        assert f"`{scope}`" in scheme["description"], f"scope {scope} is not in the security scheme's description"
    # Each operation with a token names exactly one scope the server knows; metrics:read gives none of them.
    for path, method, op in operations():
        if takes_token(op):
            [requirement] = op["security"]
            assert requirement["bearer"] and set(requirement["bearer"]) <= known - {"metrics:read"}, f"{method} {path}"
    assert "/metrics" in DOCUMENT["info"]["description"] and "metrics:read" in DOCUMENT["info"]["description"]
    assert "/metrics" not in DOCUMENT["paths"]


def test_token_branches_are_documented():
    info = DOCUMENT["info"]["description"]
    for word in ("--branch", "--all-branches", "404"):
        assert word in info
    for path in ("/api/v1/sessions", "/api/v1/sessions/{id}", "/api/v1/help-requests"):
        assert "branch" in operation(path)["description"], path


def test_every_operation_with_a_token_lists_the_shared_refusals():
    for path, method, op in operations():
        statuses = set(op["responses"])
        assert {"400", "413", "414"} <= statuses, f"{method.upper()} {path}"
        if takes_token(op):
            assert {"401", "403", "429", "503"} <= statuses, f"{method.upper()} {path}"
            assert "WWW-Authenticate" in resolved(op["responses"]["401"])["headers"]
            # Wrong bearer tokens are throttled per address (issue 21).
            assert resolved(op["responses"]["429"])["headers"]["Retry-After"]["required"] is True
        else:
            assert "429" not in statuses, f"{method.upper()} {path}"
        if "503" in statuses:
            assert resolved(op["responses"]["503"])["headers"]["Retry-After"]["required"] is True
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert "application/problem+json" in resolved(response)["content"], f"{method.upper()} {path} {status}"


def test_no_status_the_server_never_gives():
    # 406 (no content negotiation), 412 (no If-Match): the server never answers them, so no operation may
    # promise them (429 is only for wrong bearer tokens, checked above).
    for path, method, op in operations():
        assert not {"406", "412"} & set(op["responses"]), f"{method.upper()} {path}"


# ------------------------------------------------------------------------------------------------
# against the running server


@pytest.fixture(scope="module")
def served(start_server_module):
    server = start_server_module("--demo")
    branches = [row[0] for row in db_rows(server.database, "SELECT code FROM branch ORDER BY code")]
    assert len(branches) >= 2
    tokens = {
        "all": make_token(server.database, "refusals-all", API_SCOPES),
        "first": make_token(server.database, "refusals-first", API_SCOPES, branches=(branches[0],)),
        "none": make_token(server.database, "refusals-none", API_SCOPES, branches=()),
        "metrics": make_token(server.database, "refusals-metrics", ["metrics:read"]),
    }
    return server, branches, tokens


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_documented(response, path, method="get"):
    """The answer's status is listed on the operation, and an error is problem JSON."""
    listed = operation(path, method)["responses"]
    status = str(response.status_code)
    assert status in listed, f"{method.upper()} {path} answered {status}, not in {sorted(listed)}: {response.text[:200]}"
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/problem+json", response.headers
        body = response.json()
        assert body["status"] == response.status_code and body["type"].startswith("/problems/")


def concrete(server, path):
    number = db_rows(server.database, "SELECT number FROM customer ORDER BY id LIMIT 1")[0][0]
    session = db_rows(server.database, "SELECT id FROM assisted_session ORDER BY id LIMIT 1")[0][0]
    query = {"/api/v1/customers": "?q=de", "/api/v1/customers-by-postcode": "?postcode=3512AB&birth_date=1950-01-01"}
    return path.replace("{number}", number).replace("{id}", str(session)) + query.get(path, "")


def too_large_head(server, method, target):
    """A request whose Content-Length is over the limit: refused from the head, before any body is sent."""
    return raw_request(server.port, f"{method.upper()} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    f"Content-Type: application/json\r\nContent-Length: {(1 << 20) + 1}\r\n\r\n")


TOKEN_OPERATIONS = [(path, method) for path, method, op in operations() if takes_token(op)]


@pytest.mark.parametrize("path,method", TOKEN_OPERATIONS)
def test_shared_refusals_are_listed(served, path, method):
    server, _, tokens = served
    url = server.url(concrete(server, path))
    call = getattr(requests, method)
    unauthorized = call(url, timeout=TIMEOUT)
    assert unauthorized.status_code == 401 and unauthorized.headers["WWW-Authenticate"] == 'Bearer realm="balie"'
    assert_documented(unauthorized, path, method)
    revoked_like = call(url, headers=bearer("x" * 43), timeout=TIMEOUT)
    assert revoked_like.status_code == 401
    # A metrics:read token has none of the API's scopes.
    forbidden = call(url, headers=bearer(tokens["metrics"]), timeout=TIMEOUT)
    assert forbidden.status_code == 403 and forbidden.json()["type"] == "/problems/forbidden"
    assert_documented(forbidden, path, method)
    long_tag = call(url, headers={**bearer(tokens["all"]), "If-None-Match": "x" * 201}, timeout=TIMEOUT)
    assert long_tag.status_code == 400
    assert_documented(long_tag, path, method)
    bad_encoding = call(url + ("&" if "?" in url else "?") + "x=%ff", headers=bearer(tokens["all"]), timeout=TIMEOUT)
    assert bad_encoding.status_code == 400
    assert_documented(bad_encoding, path, method)
    too_long = call(url + ("&" if "?" in url else "?") + "x=" + "a" * 9000, headers=bearer(tokens["all"]), timeout=TIMEOUT)
    assert too_long.status_code == 414
    assert_documented(too_long, path, method)
    too_large = too_large_head(server, method, concrete(server, path))
    assert too_large.status == 413 and too_large.header("Content-Type") == "application/problem+json"
    assert "413" in operation(path, method)["responses"]


def test_the_openapi_document_lists_its_own_refusals(served):
    server, _, _ = served
    assert_documented(requests.get(server.url("/api/v1/openapi.json?x=%ff"), timeout=TIMEOUT), "/api/v1/openapi.json")
    assert too_large_head(server, "get", "/api/v1/openapi.json").status == 413
    assert "413" in operation("/api/v1/openapi.json")["responses"]
    too_long = requests.get(server.url("/api/v1/openapi.json?x=" + "a" * 9000), timeout=TIMEOUT)
    assert too_long.status_code == 414
    assert_documented(too_long, "/api/v1/openapi.json")


def test_a_token_sees_only_its_branches(served):
    server, branches, tokens = served
    first, other = branches[0], branches[1]
    rows = db_rows(server.database, "SELECT id, branch FROM assisted_session WHERE branch IN (?, ?) ORDER BY id DESC", (first, other))
    own = next(session for session, branch in rows if branch == first)
    foreign = next(session for session, branch in rows if branch == other)

    def listed(token, path):
        response = requests.get(server.url(path), headers=bearer(token), timeout=TIMEOUT)
        assert_documented(response, path.split("?")[0])
        assert response.status_code == 200
        return response.json()["items"]

    branch_of = dict(db_rows(server.database, "SELECT id, branch FROM assisted_session"))
    assert {branch_of[item["id"]] for item in listed(tokens["first"], "/api/v1/sessions?limit=100")} == {first}
    assert listed(tokens["first"], f"/api/v1/sessions?branch={other}") == []
    assert listed(tokens["all"], f"/api/v1/sessions?branch={other}")
    assert listed(tokens["none"], "/api/v1/sessions") == []
    assert listed(tokens["none"], "/api/v1/help-requests") == []
    assert {item["branch"] for item in listed(tokens["first"], "/api/v1/help-requests?limit=100")} <= {first}

    for token, session, status in ((tokens["first"], own, 200), (tokens["first"], foreign, 404), (tokens["all"], foreign, 200),
                                   (tokens["none"], own, 404)):
        response = requests.get(server.url(f"/api/v1/sessions/{session}"), headers=bearer(token), timeout=TIMEOUT)
        assert response.status_code == status, response.text
        assert_documented(response, "/api/v1/sessions/{id}")
    # Another branch's session is answered exactly like one that does not exist.
    missing = requests.get(server.url(f"/api/v1/sessions/{2**62}"), headers=bearer(tokens["first"]), timeout=TIMEOUT).json()
    hidden = requests.get(server.url(f"/api/v1/sessions/{foreign}"), headers=bearer(tokens["first"]), timeout=TIMEOUT).json()
    assert {k: v for k, v in missing.items() if k != "request_id"} == {k: v for k, v in hidden.items() if k != "request_id"}


NUMBER = "/api/v1/customers/{number}"
CONTACTS = "/api/v1/customers/{number}/contacts"
SESSION = "/api/v1/sessions/{id}"


@pytest.mark.parametrize("path,target,status", [
    ("/api/v1/customers", "/api/v1/customers?q=", 422),
    ("/api/v1/customers", "/api/v1/customers?q=a%C2%85", 422),  # U+0085, a C1 control character
    ("/api/v1/customers", "/api/v1/customers?q=de&limit=0", 422),
    ("/api/v1/customers-by-postcode", "/api/v1/customers-by-postcode?postcode=nope&birth_date=1950-01-01", 422),
    ("/api/v1/customers-by-postcode", "/api/v1/customers-by-postcode?postcode=3512AB&birth_date=1950-02-30", 422),
    (NUMBER, "/api/v1/customers/not%20a%20number", 422),
    (NUMBER, "/api/v1/customers/NOSUCH0000", 404),
    (CONTACTS, "/api/v1/customers/NOSUCH0000/contacts", 404),
    (CONTACTS, CONTACTS + "?cursor=nonsense", 422),
    ("/api/v1/sessions", "/api/v1/sessions?from=2026-02-30", 422),
    ("/api/v1/sessions", "/api/v1/sessions?branch=a%C2%85", 422),
    ("/api/v1/sessions", "/api/v1/sessions?cursor=0", 422),
    (SESSION, "/api/v1/sessions/0", 422),
    (SESSION, "/api/v1/sessions/99999999999", 404),
    ("/api/v1/help-requests", "/api/v1/help-requests?status=gone", 422),
])
def test_operation_refusals_are_listed(served, path, target, status):
    server, _, tokens = served
    response = requests.get(server.url(concrete(server, target)), headers=bearer(tokens["all"]), timeout=TIMEOUT)
    assert response.status_code == status, response.text
    assert_documented(response, path)


def test_contact_refusals_are_listed(served):
    server, _, tokens = served
    path = "/api/v1/customers/{number}/contacts"
    url = server.url(concrete(server, path))
    body = {"channel": "phone", "at": "2026-11-20T09:30:00Z", "topic": "Refusal check"}
    headers = {**bearer(tokens["all"]), "Idempotency-Key": "refusals-1"}
    answers = {
        "no key": (requests.post(url, json=body, headers=bearer(tokens["all"]), timeout=TIMEOUT), 422),
        "no key, unknown customer": (requests.post(server.url("/api/v1/customers/NOSUCH0000/contacts"), json=body,
                                                   headers=bearer(tokens["all"]), timeout=TIMEOUT), 422),
        "unknown customer": (requests.post(server.url("/api/v1/customers/NOSUCH0000/contacts"), json=body, headers=headers,
                                           timeout=TIMEOUT), 404),
        "not JSON": (requests.post(url, data=json.dumps(body), headers={**headers, "Content-Type": "text/plain"}, timeout=TIMEOUT), 415),
        "no type": (requests.post(url, data=json.dumps(body).encode(), headers=headers, timeout=TIMEOUT), 415),
        "not an object": (requests.post(url, json=[body], headers=headers, timeout=TIMEOUT), 422),
        "first": (requests.post(url, json=body, headers=headers, timeout=TIMEOUT), 201),
        "replay": (requests.post(url, json=body, headers=headers, timeout=TIMEOUT), 201),
        "other body, same key": (requests.post(url, json={**body, "summary": "anders"}, headers=headers, timeout=TIMEOUT), 409),
        "too large": (requests.post(url, data=b" " * ((1 << 20) + 1), headers={**headers, "Content-Type": "application/json"},
                                    timeout=TIMEOUT), 413),
    }
    for name, (response, status) in answers.items():
        assert response.status_code == status, f"{name}: {response.status_code} {response.text[:200]}"
        assert_documented(response, path, "post")
    assert answers["replay"][0].headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" in operation(path, "post")["responses"]["201"]["headers"]
    # `at`: the document's pattern refuses exactly what the server refuses among RFC 3339 date-times.
    pattern = re.compile(DOCUMENT["components"]["schemas"]["NewContact"]["properties"]["at"]["pattern"])
    for index, (at, status) in enumerate((("2026-11-20T09:30:00Z", 201), ("2026-11-20T10:30:00+01:00", 201),
                                          ("2026-11-20T09:30:00z", 201), ("2026-11-20T09:30:00.5Z", 422),
                                          ("2026-11-20t09:30:00Z", 422), ("2026-11-20T09:30:60Z", 422),
                                          ("2026-11-20T09:30:00", 422))):
        response = requests.post(url, json={**body, "at": at, "topic": f"At check {index}"},
                                 headers={**bearer(tokens["all"]), "Idempotency-Key": f"refusals-at-{index}"}, timeout=TIMEOUT)
        assert response.status_code == status, f"{at}: {response.text[:200]}"
        assert bool(pattern.match(at)) == (status == 201), at


def test_metrics_as_the_document_says(start_server):
    """/metrics: this machine, or a token with metrics:read; anyone else 404 (a page, not problem JSON)."""
    server = start_server("--no-kiosk-shortcut", "--trusted-proxy", "127.0.0.1")
    reader = make_token(server.database, "scraper", ["metrics:read"])
    api_only = make_token(server.database, "api-only", API_SCOPES)
    revoked = make_token(server.database, "old-scraper", ["metrics:read"])
    assert balie_cli("token", "revoke", "--database", server.database, "--name", "old-scraper").returncode == 0
    outside = {"X-Forwarded-For": "203.0.113.5"}
    local = requests.get(server.url("/metrics"), timeout=TIMEOUT)
    assert local.status_code == 200 and local.headers["Content-Type"].startswith("text/plain")
    for headers in ({}, bearer(api_only), bearer(revoked), {"Authorization": f"bearer {reader}"}):
        refused = requests.get(server.url("/metrics"), headers={**outside, **headers}, timeout=TIMEOUT)
        assert refused.status_code == 404 and refused.headers["Content-Type"].startswith("text/html"), headers
    allowed = requests.get(server.url("/metrics"), headers={**outside, **bearer(reader)}, timeout=TIMEOUT)
    assert allowed.status_code == 200 and "balie_uptime_seconds" in allowed.text
    # metrics:read opens no API operation.
    forbidden = requests.get(server.url("/api/v1/sessions"), headers=bearer(reader), timeout=TIMEOUT)
    assert forbidden.status_code == 403
    assert_documented(forbidden, "/api/v1/sessions")
