# Balie: `make run` serves the demo on http://127.0.0.1:8080, `make test` runs every test.
# Both install what is missing first (Debian packages and Python packages; run as root). PostgreSQL's server
# comes without a system cluster (create_main_cluster = false): the tests start throwaway servers of their own.
# `make soak` runs the long reliability battery (see docs/reliability.md).

SWIFT ?= swift
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8080
APT_PACKAGES := pkg-config libmicrohttpd-dev zlib1g-dev libargon2-dev libsqlite3-dev sqlite3 libpq-dev postgresql nginx chromium chromium-driver wrk curl systemd strace openssl
PIP_MODULES := pytest selenium axe_playwright_python requests schemathesis openapi_spec_validator prometheus_client
PIP_PACKAGES := pytest selenium axe-playwright-python requests schemathesis openapi-spec-validator prometheus-client

.PHONY: all deps build build-tests run test test-swift test-e2e test-browser bench soak clean

all: build

deps:
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 is needed: install it from swift.org (expected at /opt/swift/usr/bin)."; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; \
	  mkdir -p /etc/postgresql-common/createcluster.d && \
	  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/balie-no-system-cluster.conf; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@$(PYTHON) -c "import $(shell echo $(PIP_MODULES) | tr ' ' ',')" 2>/dev/null || \
	  $(PYTHON) -m pip install -q --root-user-action=ignore $(PIP_PACKAGES)

build: deps
	$(SWIFT) build

build-tests: deps
	$(SWIFT) build --build-tests

run: build
	.build/debug/balie serve --demo --host $(HOST) --port $(PORT)

test: build-tests
	$(SWIFT) test --skip-build
	$(PYTHON) -m pytest -q Tests/e2e Tests/browser

# The six benchmarks of issue #11 (bench/README.md), about 10 minutes once bench/data/ holds the generated
# million-customer database (its first generation takes a few minutes more); writes bench/results.md.
bench: deps
	$(SWIFT) build -c release
	bench/run-all.sh

# The long reliability battery (issue #12; docs/reliability.md), about 35 minutes on 2 cores: the crash
# soak (20 rounds of kill -9) and 10 minutes of mixed traffic against a release build, every fuzz target
# for FUZZ_SECONDS, then the Swift tests under ThreadSanitizer and AddressSanitizer in build folders of
# their own (the command-line tests run the unsanitized debug binary, so they are skipped there). Leak detection
# stays on under AddressSanitizer; Tests/lsan.supp suppresses only the 144 bytes XCTest's own runner leaks.
BALIE_SOAK_SECONDS ?= 600
FUZZ_SECONDS ?= 120
SANITIZER_SKIP := --skip CommandLineTests

soak: deps
	$(SWIFT) build -c release
	BALIE_BIN=$(CURDIR)/.build/release/balie BALIE_SOAK_SECONDS=$(BALIE_SOAK_SECONDS) $(PYTHON) -m pytest -q -s Tests/soak
	fuzz/run.sh $(FUZZ_SECONDS)
	$(SWIFT) test --sanitize=thread --scratch-path .build/tsan $(SANITIZER_SKIP)
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan.supp:print_suppressions=1 $(SWIFT) test --sanitize=address --scratch-path .build/asan $(SANITIZER_SKIP)

clean:
	rm -rf .build test-output
