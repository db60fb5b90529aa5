"""Shared test settings.

Hypothesis runs derandomized by default, so that the suite (and CI) checks the same examples every
time and stays reproducible; explore new examples with ``HYPOTHESIS_PROFILE=explore uv run pytest
tests/test_invariants.py`` (random, five times the examples) and keep any failure it finds as a
regression test."""

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True, max_examples=700)
settings.register_profile("explore", derandomize=False, max_examples=7500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
