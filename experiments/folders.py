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
import tempfile
import unicodedata
from pathlib import Path

TOOL = "redcycle"
RESULT_FILES = ("timeseries.csv", "timeseries.parquet", "rounds.csv", "summary.json", "rung_shares.png", "spiral.png")
REPLICATION_FILES = ("replications.csv", "replications.md")
"""Beside a run's files when it was replicated (``run --reps N``): each seed's final outcomes, and
their mean with a 95% interval."""
OWN_FILES = RESULT_FILES + REPLICATION_FILES
"""Every file a run's folder may hold."""
_TMP_TAG = ".redcycle-"
_SLUG_MAX = 80
NAME_MAX = 255
"""Longest folder name (bytes) most file systems take; a temporary name never exceeds it either."""
_STEM_MAX = NAME_MAX - 64  # room for ".", the tag, a process id and mkdtemp's random token


class OutputFolderError(ValueError):
    """An output folder this tool may not write or replace (a one-line message)."""


def slug(name: str) -> str:
    """A folder name from a scenario's label: no separators, no '..', no leading dot, never empty."""
    text = unicodedata.normalize("NFC", str(name))
    text = re.sub(r"[^\w.-]+", "_", text).strip("._-")
    text = re.sub(r"\.{2,}", ".", text)[:_SLUG_MAX].rstrip("._-")
    return text or "scenario"


def default_out(command: str, name: str) -> Path:
    """The output folder of a command when --out is not given: results/<command>-<name>, as a folder name."""
    return Path("results") / slug(f"{command}-{name}")


def resolved(path: str | os.PathLike) -> Path:
    """``path`` with every symbolic link in its parent folders resolved (its last part kept as named):
    what a command may write is decided on the real folder, so a link cannot lead it into a result it
    reads or into a user's folder."""
    path = Path(os.path.abspath(path))
    return Path(os.path.realpath(path.parent)) / path.name


def contains(outer: Path, inner: Path) -> bool:
    """True when the real folder ``inner`` is ``outer`` or lies inside it (both resolved first)."""
    a, b = resolved(outer), resolved(inner)
    return a == b or a in b.parents


def _stem(target: Path) -> str:
    """The target's name cut (at a character) so that its temporary name stays within NAME_MAX bytes."""
    name = target.name
    while len(os.fsencode(name)) > _STEM_MAX:
        name = name[:-1]
    return name


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
    return holds_only_own(folder, OWN_FILES, "summary.json", _result_manifest_vouches)


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
    if len(os.fsencode(target.name)) > NAME_MAX:
        raise OutputFolderError(
            f"--out '{text[:60]}…' has a folder name of {len(os.fsencode(target.name))} bytes; "
            f"allowed: at most {NAME_MAX}"
        )
    if target.is_symlink():
        raise OutputFolderError(f"--out '{text}' is a symbolic link; allowed: a real folder path")
    target = resolved(target)  # every decision below is about the real folder, whatever links led to it
    if os.path.ismount(target):
        raise OutputFolderError(
            f"--out '{text}' is a mount point, which cannot be replaced; allowed: a folder inside it"
        )
    if target.exists():
        if not target.is_dir():
            raise OutputFolderError(f"--out '{text}' exists and is not a folder; allowed: a folder path")
        if not replaceable(target):
            raise OutputFolderError(
                f"--out '{text}' holds files this tool did not write; allowed: a new folder, an empty one, "
                "or a previous result of this tool (its summary.json lists everything in it)"
            )
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


def clean_leftovers(target: Path, files=OWN_FILES) -> list[Path]:
    """Remove hidden folders of killed runs into ``target`` (process gone, nothing in them but plain
    files named in ``files``: what that command writes)."""
    removed = []
    pattern = re.compile(re.escape(f".{_stem(target)}{_TMP_TAG}") + r"(\d+)-")
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return removed
    for p in siblings:
        m = pattern.match(p.name)
        if not m or p.is_symlink() or not p.is_dir() or _pid_alive(int(m.group(1))):
            continue
        if _holds_only(p, files) and remove_own(p, files):
            removed.append(p)
    return removed


def temporary_file(path: Path) -> Path:
    """A name beside ``path`` to write it under before an atomic rename: hidden, with this tool's tag,
    this process's id and a random token (``.batch-000001.parquet.redcycle-4242-9f3a….tmp``), a name
    no user would choose, so that :func:`clean_temporary_files` can tell it from a user's file."""
    return path.with_name(f".{_stem(path)}{_TMP_TAG}{os.getpid()}-{os.urandom(8).hex()}.tmp")


_TMP_FILE = re.compile(r"\..+" + re.escape(_TMP_TAG) + r"(\d+)-[0-9a-f]{16}\.tmp")


def clean_temporary_files(folder: Path) -> list[Path]:
    """Remove what killed processes left half-written in ``folder``: plain files named by
    :func:`temporary_file` whose process is gone. Nothing else, whatever its name."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TMP_FILE.fullmatch(p.name)
        if m and p.is_file() and not p.is_symlink() and not _pid_alive(int(m.group(1))):
            p.unlink()
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
    tmp = Path(tempfile.mkdtemp(prefix=f".{_stem(target)}{_TMP_TAG}{os.getpid()}-", dir=target.parent))
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


def remove_own(folder: Path, files) -> bool:
    """Delete ``folder`` only as far as it is this tool's: the plain files named in ``files`` (and empty
    sub-folders it made), then the folder itself if that leaves it empty. Anything else found there (a
    user's file that arrived at any moment) stays, and so does the folder; returns True when it is gone."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    for p in entries:
        try:
            if p.name in files and p.is_file() and not p.is_symlink():
                p.unlink()
            elif p.is_dir() and not p.is_symlink():
                p.rmdir()  # only when empty
        except OSError:
            pass
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def put_in_place(tmp: Path, target: Path, may_replace=replaceable, files=OWN_FILES) -> None:
    """Move the finished ``tmp`` to ``target`` atomically; a previous result there is swapped out
    and removed. Raises OutputFolderError if, meanwhile, ``target`` came to hold what ``may_replace``
    refuses (by default: anything but a run's previous result).

    The check and the exchange are two steps, so the swapped-out copy is checked again after the
    exchange: if something foreign reached it in between, the exchange is undone (the user's folder is
    back under its name, whole) and the new result discarded. What is then deleted is only ever this
    tool's own files by name (:func:`remove_own`), never a whole tree."""
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
            raise _came_to_hold(target)
        try:
            if not _has_renameat2():
                raise OSError(errno.ENOSYS, "no renameat2")
            _renameat2(tmp, target, _RENAME_EXCHANGE)
        except FileNotFoundError:
            continue  # the target vanished meanwhile: try the free name again
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS):
                raise
            _replace_by_two_renames(tmp, target, may_replace, files)
            return
        # ``tmp`` now holds the previous result: checked again, as it is now
        if not may_replace(tmp):
            _renameat2(tmp, target, _RENAME_EXCHANGE)  # undo: the user's folder back under its name
            raise _came_to_hold(target)
        remove_own(tmp, files)
        return
    raise OutputFolderError(f"'{target}' is being replaced by other runs without pause; try again")


def _came_to_hold(target: Path) -> OutputFolderError:
    return OutputFolderError(
        f"'{target}' came to hold files this tool did not write during the run; "
        "it is left as it is and the new result is discarded"
    )


def _replace_by_two_renames(tmp: Path, target: Path, may_replace=replaceable, files=OWN_FILES) -> None:
    """Where renameat2 is missing: the old result goes to a hidden name first (a kill between the
    renames leaves it there, and the next run's clean-up removes it); checked again there, and put
    back if something foreign reached it."""
    old = target.with_name(f".{_stem(target)}{_TMP_TAG}{os.getpid()}-old{os.urandom(4).hex()}")
    os.rename(target, old)
    if not may_replace(old):
        os.rename(old, target)
        raise _came_to_hold(target)
    os.rename(tmp, target)
    remove_own(old, files)
