"""Scenarios are data: TOML files in ``scenarios/``, each a base plus named overrides.

A scenario file has a ``[scenario]`` table (``name``, ``question``: what it answers, optional
``base``: another scenario it starts from, ``name_zh``, a one-line ``description`` and a list of
``sources`` for its values) and a ``[parameters]`` table of overrides checked against the schema;
optional ``[[events]]`` tables change parameters from a given week on (a policy timeline,
model/timeline.py). Which mechanisms run is said with ``mechanisms = "all"``, ``"none"`` or a list
of names (those run, every other registered mechanism not), in ``[parameters]`` or an event, or
with the switches (``team_on = false``) one by one; not both in one table. ``load_scenario`` returns
the merged overrides (switches, never ``mechanisms``) as a dict, ready for
``RedCycleModel(**load_scenario(name))``.
"""

from __future__ import annotations

import os
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from . import mechanism_registry
from . import params as schema
from .params import ParameterError
from .resources import project_path
from .timeline import check_events

SCENARIO_DIR = project_path("scenarios")
"""The named scenarios: the checkout's ``scenarios/``, or the copy shipped in the installed package."""
DEFAULT_SCENARIO = "red_microcycle"
_TOP_KEYS = {"scenario", "parameters", "events"}
_META_KEYS = {"name", "question", "base", "name_zh", "notes", "description", "sources"}


class ScenarioError(ParameterError):
    """A scenario that is missing, malformed or names unknown parameters (a one-line message)."""


MAX_BASE_DEPTH = 32
"""Longest chain of ``base`` entries a scenario may have."""


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


PATH_MAX = 4096
"""Longest scenario or experiment path (bytes), each part at most NAME_MAX: longer ones are refused."""
NAME_MAX = 255


def check_path_length(text: str, what: str) -> None:
    """A one-line refusal of a name or path no file system holds (before it reaches one, or a fuzzy match)."""
    raw = os.fsencode(text)
    if len(raw) > PATH_MAX or any(len(part) > NAME_MAX for part in raw.split(b"/")):
        raise ScenarioError(
            f"{what} name or path of {len(raw):,} bytes ({text[:40]!r}…); allowed: a path of at "
            f"most {PATH_MAX} bytes, each part at most {NAME_MAX}"
        )


def is_path(text: str) -> bool:
    """A scenario is named by a path (else by a name in scenarios/) when it looks like one."""
    return text.endswith(".toml") or os.sep in text or "/" in text


def scenario_path(name_or_path: str | os.PathLike) -> Path:
    if not isinstance(name_or_path, str | os.PathLike):
        raise ScenarioError(f"a scenario is named by a string, got {type(name_or_path).__name__} {name_or_path!r}")
    text = os.fspath(name_or_path)
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError("empty scenario name; allowed: a scenario name from scenarios/ or a path to a .toml file")
    check_path_length(text, "scenario")
    if is_path(text):
        path = Path(text)
        if not path.is_file():
            raise ScenarioError(f"scenario file '{text}' not found")
        return path
    path = SCENARIO_DIR / f"{text}.toml"
    if not path.is_file():
        raise ScenarioError(
            f"unknown scenario {text!r}; available: {', '.join(available_scenarios())} (or a path to a .toml file)"
        )
    return path


def _text(meta: dict, key: str, path: Path, default: str) -> str:
    """A [scenario] entry that must be a one-line string."""
    value = meta.get(key, default)
    if not isinstance(value, str):
        raise ScenarioError(f"scenario file '{path}': 'scenario.{key}' must be a string, got {value!r}")
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise ScenarioError(
            f"scenario file '{path}': 'scenario.{key}' must be one line of text "
            f"without control characters, got {value[:80]!r}"
        )
    return value


def read_scenario(name_or_path: str | os.PathLike, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario's metadata and merged overrides: {"name", "question", "path", "files", "parameters"}.

    ``files`` lists the scenario file and the files of its ``base`` chain, the file itself first.
    """
    path = scenario_path(name_or_path)
    if path.resolve() in _seen:
        raise ScenarioError(f"scenario '{path}' is its own base (a cycle of 'base' entries)")
    if len(_seen) >= MAX_BASE_DEPTH:
        raise ScenarioError(
            f"scenario file '{_seen[0]}' has a chain of 'base' entries longer than "
            f"{MAX_BASE_DEPTH}; allowed: at most {MAX_BASE_DEPTH}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a byte-order mark is no error
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file '{path}' is not valid TOML: {str(exc).splitlines()[0]}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ScenarioError(f"scenario file '{path}' cannot be read: {reason}") from None
    if not data:
        raise ScenarioError(
            f"scenario file '{path}' is empty; allowed: a [scenario] table (name, question, "
            "base) and a [parameters] table"
        )
    extra = set(data) - _TOP_KEYS
    if extra:
        raise ScenarioError(
            f"scenario file '{path}' has unknown table '{sorted(extra)[0]}'; allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    meta = data.get("scenario", {})
    overrides = data.get("parameters", {})
    if not isinstance(meta, dict) or not isinstance(overrides, dict):
        raise ScenarioError(f"scenario file '{path}': [scenario] and [parameters] must be tables")
    for key in meta:
        if key not in _META_KEYS:
            raise ScenarioError(
                f"scenario file '{path}' has unknown key 'scenario.{key}'; allowed: {', '.join(sorted(_META_KEYS))}"
            )
    name = _text(meta, "name", path, path.stem)
    question = _text(meta, "question", path, "")
    for key in ("name_zh", "notes", "description"):
        _text(meta, key, path, "")
    merged: dict[str, Any] = {}
    files = [str(path)]
    events: list[dict[str, Any]] = []
    if "base" in meta:
        base_name = _text(meta, "base", path, "")
        if is_path(base_name) and not os.path.isabs(base_name):
            base_name = str(path.parent / base_name)  # a relative path is beside this file, not the current folder
        base = read_scenario(base_name, (*_seen, path.resolve()))
        merged.update(base["parameters"])
        files += base["files"]
        events.extend(base["events"])
    own_events = data.get("events", [])
    if not isinstance(own_events, list):
        raise ScenarioError(f"scenario file '{path}': events must be [[events]] tables, each with a 'week'")
    events.extend(
        _selected(event, path, f"event {k}") if isinstance(event, dict) else event
        for k, event in enumerate(own_events, 1)
    )
    for key, value in _selected(overrides, path, "[parameters]").items():
        if key not in schema.PARAMS:
            raise ScenarioError(f"scenario file '{path}': {schema.unknown_name_error(key)}")
        try:
            merged[key] = schema.PARAMS[key].check(value)
        except ParameterError as exc:
            raise ScenarioError(f"scenario file '{path}': {exc}") from None
    try:
        check_events(schema.validate(merged), events)
    except ParameterError as exc:
        raise ScenarioError(f"scenario file '{path}': {exc}") from None
    sources = meta.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
        raise ScenarioError(f"scenario file '{path}': 'scenario.sources' must be a list of strings")
    return {
        "name": name,
        "question": question,
        "path": str(path),
        "files": files,
        "parameters": merged,
        "events": events,
        "name_zh": meta.get("name_zh", ""),
        "description": _text(meta, "description", path, ""),
        "sources": sources,
    }


def _selected(table: dict[str, Any], path: Path, where: str) -> dict[str, Any]:
    """A table with its ``mechanisms`` selection (if any) replaced by every mechanism's switch."""
    if "mechanisms" not in table:
        return table
    both = [key for key in table if key in schema.MECHANISM_SWITCHES]
    if both:
        raise ScenarioError(
            f"scenario file '{path}': {where} sets both 'mechanisms' and '{both[0]}'; allowed: one of them"
        )
    try:
        switches = mechanism_registry.switches_for(table["mechanisms"], "'mechanisms'")
    except ParameterError as exc:
        raise ScenarioError(f"scenario file '{path}': {where}: {exc}") from None
    out: dict[str, Any] = {}
    for key, value in table.items():  # the switches where the selection stood
        out.update(switches if key == "mechanisms" else {key: value})
    return out


def load_scenario(name_or_path: str | os.PathLike) -> dict[str, Any]:
    """The parameter overrides of a named scenario (or a path to a TOML file), with its policy
    timeline under ``events`` when it has one: ready for ``RedCycleModel(**load_scenario(name))``."""
    scenario = read_scenario(name_or_path)
    return {**scenario["parameters"], **({"events": scenario["events"]} if scenario["events"] else {})}
