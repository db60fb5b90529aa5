"""Where numba keeps the model's compiled code, and the one ``njit`` the model compiles with.

The ladder's weekly kernel (model/rule.py) is compiled with numba the first time it runs and
cached on disk (``cache=True``), so later processes load it instead of compiling it again. numba
would write its cache beside the source files; here it goes to a folder this project controls:

* ``NUMBA_CACHE_DIR`` when it is set (numba's own variable, honoured as numba documents it);
* else ``$XDG_CACHE_HOME/redcycle/numba`` (``~/.cache/redcycle/numba`` without it), never the
  installed package's folder;
* a folder that cannot be written is replaced by ``redcycle-numba`` in the system's temporary
  folder (numba would otherwise fall back to writing beside the source).

numba files the cache under the full path of each source file, so two checkouts never share
entries, and it recompiles when a source file changes. ``NUMBA_DISABLE_JIT=1`` runs the very same
functions as plain Python (slow; for debugging: tests/test_kernel.py runs a small case both ways).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """The folder numba caches the model's compiled functions in (see the module docstring)."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "redcycle" / "numba"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


# numba reads NUMBA_CACHE_DIR when it is imported (and again whenever its environment changes),
# so the default is put in the environment first; child processes (workers) inherit it. A folder
# numba cannot write would send it back to writing beside the source: then the system's temporary
# folder is used instead.
def chosen_cache_dir() -> Path:
    """:func:`cache_dir` if it can be written, else ``redcycle-numba`` in the temporary folder."""
    folder = cache_dir()
    return folder if _writable(folder) else Path(tempfile.gettempdir()) / "redcycle-numba"


os.environ["NUMBA_CACHE_DIR"] = str(chosen_cache_dir())

import numba  # noqa: E402  (after the cache folder is chosen)

numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]  # type: ignore[attr-defined]  # in case numba was imported before


def njit(func=None, *, inline: bool = False):
    """numba's ``njit`` as the model uses it: compiled on first call, cached on disk, no fastmath
    (IEEE arithmetic in the written order, so results equal numpy's bit for bit). ``inline``: a
    small function is inlined where compiled code calls it (no call or reference counts per
    resident); called from Python it is an ordinary compiled function."""
    options = dict(cache=True, nogil=True, inline="always" if inline else "never")
    if func is None:
        return lambda f: numba.njit(**options)(f)  # type: ignore[call-overload]  # numba's stubs lack `inline`
    return numba.njit(**options)(func)  # type: ignore[call-overload]
