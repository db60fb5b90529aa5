"""Result folders that never destroy anything this tool did not write.

Rules (docs/ODD.md, "Input data and outputs"; tested in tests/test_bad_input.py):

* a folder is replaced only when it is empty or holds a previous result of this tool and nothing
  else: a ``summary.json`` whose ``"tool"`` is ``redcycle`` and whose ``"files"`` list every entry
  of the folder, each a plain file (no sub-folder, no link) named as this tool names its results;
* results are written into a temporary folder *beside* the target (``.<name>.redcycle-<pid>-…``)
  and put in place by one atomic rename: onto a free name with ``RENAME_NOREPLACE``, over a
  previous result with ``RENAME_EXCHANGE`` (Linux ``renameat2``), so a kill at any moment leaves
  under the target's name the old result or the new one, whole, and two runs into one folder
  never mix (the later one wins, whole);
* hidden folders left by killed runs (their process is gone) are removed by the next run into
  the same place, and only when they hold nothing but result files.

Everything here that can refuse does so in :func:`check_target`, before any work.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

TOOL = "redcycle"
RESULT_FILES = ("timeseries.csv", "timeseries.parquet", "rounds.csv", "summary.json", "rung_shares.png", "spiral.png")
_TMP_TAG = ".redcycle-"
_SLUG_MAX = 80


class OutputFolderError(ValueError):
    """An output folder this tool may not write or replace (a one-line message)."""


def slug(name: str) -> str:
    """A folder name from a scenario's label: no separators, no '..', no leading dot, never empty."""
    text = unicodedata.normalize("NFC", str(name))
    text = re.sub(r"[^\w.-]+", "_", text).strip("._-")
    text = re.sub(r"\.{2,}", ".", text)[:_SLUG_MAX].rstrip("._-")
    return text or "scenario"


def _holds_only(folder: Path, files) -> bool:
    try:
        return all(p.name in files and p.is_file() and not p.is_symlink() for p in folder.iterdir())
    except OSError:
        return False


def holds_only_own(folder: Path, files, manifest: str, vouches) -> bool:
    """True when ``folder`` is empty, or holds nothing but plain files named in ``files`` (no sub-folder,
    no link), among them the JSON ``manifest``, and ``vouches(manifest_dict, names_present)`` is true.
    What each command may replace (a run's result, a comparison, a calibration) is this with its own
    file names and its own test of the manifest."""
    if not _holds_only(folder, files):
        return False
    try:
        names = {p.name for p in folder.iterdir()}
        if not names:
            return True
        with open(folder / manifest, encoding="utf-8") as fh:
            data = json.load(fh)
        return isinstance(data, dict) and bool(vouches(data, names))
    except (OSError, ValueError, TypeError):
        return False


def _result_manifest_vouches(manifest: dict, names: set[str]) -> bool:
    """A run's summary.json vouches for a folder when this tool wrote it and it lists every file there
    (a forged list cannot doom a thesis: only this tool's own file names can be listed at all)."""
    listed = manifest.get("files")
    return manifest.get("tool") == TOOL and isinstance(listed, list) and names <= set(listed) | {"summary.json"}


def replaceable(folder: Path) -> bool:
    """A run's result folder may be replaced: empty, or a previous result of this tool and nothing else."""
    return holds_only_own(folder, RESULT_FILES, "summary.json", _result_manifest_vouches)


def check_target(out: str | os.PathLike) -> Path:
    """The absolute output folder, or OutputFolderError saying why it may not be (re)written.

    Checks, before any work: the name is a folder name; an existing target is a real folder that
    is empty or a previous result of this tool alone; the folder where the temporary folder will
    be made (the target's parent, or its first existing ancestor) is a writable folder.
    """
    text = os.fspath(out)
    if not text.strip():
        raise OutputFolderError("--out is empty; allowed: a folder path")
    target = Path(os.path.abspath(text))
    if target.name in ("", ".", ".."):
        raise OutputFolderError(f"--out '{text}' names no folder; allowed: a folder path such as results/mine")
    if target.is_symlink():
        raise OutputFolderError(f"--out '{text}' is a symbolic link; allowed: a real folder path")
    if target.exists():
        if not target.is_dir():
            raise OutputFolderError(f"--out '{text}' exists and is not a folder; allowed: a folder path")
        if not replaceable(target):
            raise OutputFolderError(
                f"--out '{text}' holds files this tool did not write; allowed: a new folder, an empty one, "
                "or a previous result of this tool (its summary.json lists everything in it)")
    parent = target.parent
    while not parent.exists():
        if parent.is_symlink():  # a dangling link
            raise OutputFolderError(f"cannot write results to '{text}': '{parent}' is a broken link")
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(f"cannot write results to '{text}': '{parent}' is not a writable folder")
    return target


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(target: Path, files=RESULT_FILES) -> list[Path]:
    """Remove hidden folders of killed runs into ``target`` (process gone, nothing in them but plain
    files named in ``files``: what that command writes)."""
    removed = []
    pattern = re.compile(re.escape(f".{target.name}{_TMP_TAG}") + r"(\d+)-")
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return removed
    for p in siblings:
        m = pattern.match(p.name)
        if not m or p.is_symlink() or not p.is_dir() or _pid_alive(int(m.group(1))):
            continue
        if _holds_only(p, files):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def make_parents(target: Path) -> list[Path]:
    """Create the target's missing parent folders; return them (deepest last) to undo on failure."""
    made = []
    missing = []
    parent = target.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for p in reversed(missing):
        try:
            p.mkdir()
        except FileExistsError:
            continue
        made.append(p)
    return made


def remove_empty(folders: list[Path]) -> None:
    for p in reversed(folders):
        try:
            p.rmdir()
        except OSError:
            break


def temporary_folder(target: Path) -> Path:
    """A new hidden folder beside ``target``, named after it and this process, with umask modes."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP_TAG}{os.getpid()}-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it owner-only; results should follow the umask
    return tmp


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100


def _renameat2(src: Path, dst: Path, flags: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fn = libc.renameat2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), str(dst))


def _has_renameat2() -> bool:
    try:
        ctypes.CDLL(None).renameat2  # noqa: B018
    except (AttributeError, OSError):
        return False
    return True


def put_in_place(tmp: Path, target: Path, may_replace=replaceable) -> None:
    """Move the finished ``tmp`` to ``target`` atomically; a previous result there is swapped out
    and removed. Raises OutputFolderError if, meanwhile, ``target`` came to hold what ``may_replace``
    refuses (by default: anything but a run's previous result)."""
    for _ in range(100):  # each pass loses only to another run that just finished
        try:
            if _has_renameat2():
                _renameat2(tmp, target, _RENAME_NOREPLACE)
            elif target.exists():
                raise FileExistsError(errno.EEXIST, "exists", str(target))
            else:
                os.rename(tmp, target)
            return
        except FileExistsError:
            pass
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EINVAL, errno.ENOSYS):
                raise
            if exc.errno in (errno.EINVAL, errno.ENOSYS) and not target.exists():
                os.rename(tmp, target)  # a file system without renameat2 flags
                return
        if target.is_symlink() or not target.is_dir() or not may_replace(target):
            raise OutputFolderError(f"'{target}' came to hold files this tool did not write during the run; "
                                    "it is left as it is and the new result is discarded")
        try:
            if not _has_renameat2():
                raise OSError(errno.ENOSYS, "no renameat2")
            _renameat2(tmp, target, _RENAME_EXCHANGE)
        except FileNotFoundError:
            continue  # the target vanished meanwhile: try the free name again
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS):
                raise
            _replace_by_two_renames(tmp, target)
            return
        shutil.rmtree(tmp, ignore_errors=True)  # ``tmp`` now holds the previous result
        return
    raise OutputFolderError(f"'{target}' is being replaced by other runs without pause; try again")


def _replace_by_two_renames(tmp: Path, target: Path) -> None:
    """Where renameat2 is missing: the old result goes to a hidden name first (a kill between the
    renames leaves it there, and the next run's clean-up removes it)."""
    old = target.with_name(f".{target.name}{_TMP_TAG}{os.getpid()}-old")
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
