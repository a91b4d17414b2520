"""Shared fixtures for the end-to-end and browser tests. They live in balie_harness.py, a module with a
name of its own: `Tests/browser/conftest.py` is also called `conftest`, so importing helpers from
"conftest" would find whichever of the two pytest loaded last."""
from balie_harness import *  # noqa: F401,F403 (fixtures and hooks)
from balie_harness import _kill_leftovers  # noqa: F401
