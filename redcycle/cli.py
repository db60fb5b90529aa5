"""The ``redcycle`` console script: ``run.py``'s ``main``.

``run.py`` is a top-level module both in a checkout (beside ``model/``) and in an installed wheel
(pyproject.toml force-includes it), so ``uv run run.py`` and ``redcycle`` run the same code; this
thin entry point keeps the console script inside a package while run.py's body stays where the
developers edit it.

The ``run.py`` run is the one beside this package's folder: the checkout's own in an editable
install, the shipped copy in a wheel. ``import run`` alone would not do: an editable install made
by hatchling also copies the force-included ``run.py`` into site-packages, which comes before the
checkout on ``sys.path``, so the command would run the copy made at install time, not the file
being edited.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _run_module():
    path = Path(__file__).resolve().parent.parent / "run.py"
    loaded = sys.modules.get("run")
    if loaded is not None and Path(getattr(loaded, "__file__", "")).resolve() == path:
        return loaded
    spec = importlib.util.spec_from_file_location("run", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["run"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    return _run_module().main(argv)
