"""The project's folders the code reads at run time: ``scenarios/``, ``sweeps/`` and ``docs/about.md``.

In a checkout (or an editable install) they are the checkout's own folders. In an installed wheel
they are shipped inside this package, under ``model/_data/`` (pyproject.toml's force-include), and
found with :mod:`importlib.resources`. One rule for both: the shipped copy when there is one, else
the checkout's folder beside ``model/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SHIPPED = "_data"
"""The folder inside the installed ``model`` package that holds the shipped copies."""


def project_path(name: str) -> Path:
    """The path of the project folder or file ``name`` (``"scenarios"``, ``"sweeps"``, ``"docs/about.md"``)."""
    shipped = resources.files(__package__).joinpath(SHIPPED, *name.split("/"))
    if shipped.is_dir() or shipped.is_file():
        return Path(str(shipped))
    return Path(__file__).resolve().parent.parent / name
