"""The soak tests (`make soak`, not `make test`) reuse the end-to-end helpers of Tests/e2e (test_reliability,
test_auth, test_sessions): this puts that folder on the import path. Fixtures come from Tests/conftest.py."""

import sys
from pathlib import Path

E2E = str(Path(__file__).resolve().parents[1] / "e2e")
if E2E not in sys.path:
    sys.path.insert(0, E2E)
