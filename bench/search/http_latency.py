#!/usr/bin/env python3
"""Customer search over HTTP (issue #11, benchmark 3b): the channel API's searches, one request at a time on
one keep-alive connection, timed per request (send to last byte of the answer) with `time.perf_counter`.

Usage: http_latency.py BASE_URL TOKEN QUERIES.tsv [PER_KIND=1000]
Prints one line per kind: `http KIND: n=… p50=… ms p90=… ms p99=… ms max=… ms status=…`.
"""

from __future__ import annotations

import http.client
import sys
import time
from collections import Counter
from urllib.parse import quote, urlparse


def percentile(sorted_values: list[float], p: float) -> float:
    rank = max(0, min(len(sorted_values) - 1, int(-(-p / 100 * len(sorted_values) // 1)) - 1))
    return sorted_values[rank]


def main() -> int:
    base, token, queries_path = sys.argv[1], sys.argv[2], sys.argv[3]
    per_kind = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    url = urlparse(base)
    kinds: dict[str, list[str]] = {}
    with open(queries_path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] in ("name", "name2", "number"):
                target = "/api/v1/customers?limit=20&q=" + quote(fields[1])
            elif fields[0] == "postcode":
                target = f"/api/v1/customers-by-postcode?limit=20&postcode={quote(fields[1])}&birth_date={fields[2]}"
            else:
                continue
            kinds.setdefault(fields[0], []).append(target)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for kind, targets in kinds.items():
        targets = targets[:per_kind]
        # Warm-up, untimed.
        for target in targets[: max(1, len(targets) // 10)]:
            connection.request("GET", target, headers=headers)
            connection.getresponse().read()
        times: list[float] = []
        statuses: Counter = Counter()
        for target in targets:
            started = time.perf_counter()
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            response.read()
            times.append((time.perf_counter() - started) * 1000)
            statuses[response.status] += 1
        times.sort()
        print(f"http {kind}: n={len(times)} p50={percentile(times, 50):.3f} ms p90={percentile(times, 90):.3f} ms "
              f"p99={percentile(times, 99):.3f} ms max={times[-1]:.3f} ms status={dict(statuses)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
