"""Shared test settings.

Hypothesis runs derandomized by default, so that the suite (and CI) checks the same examples every
time and stays reproducible; explore new examples with ``HYPOTHESIS_PROFILE=explore uv run pytest
tests/test_invariants.py`` (random, five times the examples) and keep any failure it finds as a
regression test.

numba's cache of the compiled kernel (model/jit.py) goes to ``.pytest_cache/numba`` in this checkout
unless NUMBA_CACHE_DIR is set: every worker and every subprocess of the suite loads it from there, so
only the first run after a change of model/rule.py compiles (a few seconds), and the tests write
nothing in the user's home."""

import os
from pathlib import Path

from hypothesis import settings

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "numba"))

settings.register_profile("default", derandomize=True, max_examples=700)
settings.register_profile("explore", derandomize=False, max_examples=7500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
