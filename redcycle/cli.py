"""The ``redcycle`` console script: ``run.py``'s ``main``.

``run.py`` is a top-level module both in a checkout (beside ``model/``) and in an installed wheel
(pyproject.toml force-includes it), so ``uv run run.py`` and ``redcycle`` run the same code; this
thin entry point keeps the console script inside a package while run.py's body stays where the
developers edit it.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from run import main as run_main

    return run_main(argv)
