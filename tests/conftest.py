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


def pytest_configure(config):
    """Compile the model's kernels once, here in the main process, before any worker or subprocess
    starts. With an empty cache (a fresh clone, or after a change of a compiled module) every xdist
    worker and every command-line subprocess would otherwise compile the same kernels at the same
    time (tests/test_cli.py starts two dozen at once); after this they all load the cache. One
    default run of a round and a half reaches every mechanism's compiled code."""
    if hasattr(config, "workerinput"):  # an xdist worker: its controller has done it
        return
    from model import RedCycleModel

    RedCycleModel(n_residents=200, steps=40, rng=0).run()
