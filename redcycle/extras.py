"""Which optional extra each command needs, and a one-line error when it is not installed.

The core install (mesa, numpy, scipy, networkx, matplotlib, pandas, pyarrow) runs a model:
``run``, ``params``, ``scenarios``, ``rerun`` and ``model.simulate``. The rest needs an extra
(pyproject.toml's ``[project.optional-dependencies]``); ``all`` installs every one.
"""

from __future__ import annotations

from importlib.util import find_spec

EXTRAS: dict[str, tuple[str, ...]] = {
    "app": ("solara", "solara_assets", "ipyvue", "reacton", "markdown"),
    "experiments": ("SALib", "optuna", "tqdm"),
    "cluster": ("distributed",),
}
"""Each extra and the modules it brings that the project imports."""

NEEDS: dict[str, tuple[str, ...]] = {
    "app": ("app",),
    "compare": ("experiments",),
    "sweep": ("experiments",),
    "sensitivity": ("experiments",),
    "calibrate": ("experiments",),
}
"""The extras each command needs (a command not listed needs only the core install)."""


def missing(extra: str) -> str | None:
    """The first module of ``extra`` that is not installed (None when all are)."""
    return next((m for m in EXTRAS[extra] if find_spec(m) is None), None)


def check(command: str, dask: bool = False) -> str | None:
    """A one-line message when ``command`` (with ``--dask`` when ``dask``) needs an extra that is not
    installed, naming the extra and how to install it; None when everything it needs is there."""
    for extra in NEEDS.get(command, ()) + (("cluster",) if dask else ()):
        module = missing(extra)
        if module is not None:
            what = f"'{command}' with --dask" if extra == "cluster" else f"'{command}'"
            return (
                f"{what} needs the '{extra}' extra ({module} is not installed); allowed: install it with "
                f"pip install 'redcycle[{extra}]' (or 'redcycle[all]'), or use uv sync in a checkout"
            )
    return None
