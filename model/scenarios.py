"""Scenarios are data: TOML files in ``scenarios/``, each a base plus named overrides.

A scenario file has a ``[scenario]`` table (``name``, ``question``: what it answers, optional
``base``: another scenario it starts from) and a ``[parameters]`` table of overrides checked
against the schema; optional ``[[events]]`` tables change parameters from a given week on (a
policy timeline, model/timeline.py). ``load_scenario`` returns the merged overrides as a dict, ready for
``RedCycleModel(**load_scenario(name))``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from . import params as schema
from .params import ParameterError
from .timeline import check_events

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = "red_microcycle"
_TOP_KEYS = {"scenario", "parameters", "events"}
_META_KEYS = {"name", "question", "base", "name_zh", "notes"}


class ScenarioError(ParameterError):
    """A scenario that is missing, malformed or names unknown parameters (a one-line message)."""


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def scenario_path(name_or_path: str | os.PathLike) -> Path:
    text = os.fspath(name_or_path)
    if text.endswith(".toml") or os.sep in text or "/" in text:
        path = Path(text)
        if not path.is_file():
            raise ScenarioError(f"scenario file '{text}' not found")
        return path
    path = SCENARIO_DIR / f"{text}.toml"
    if not path.is_file():
        raise ScenarioError(f"unknown scenario '{text}'; available: {', '.join(available_scenarios())} "
                            "(or a path to a .toml file)")
    return path


def read_scenario(name_or_path: str | os.PathLike, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario's metadata and merged overrides: {"name", "question", "path", "parameters"}."""
    path = scenario_path(name_or_path)
    if path.resolve() in _seen:
        raise ScenarioError(f"scenario '{path}' is its own base (a cycle of 'base' entries)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file '{path}' is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"scenario file '{path}' cannot be read: {exc}") from None
    extra = set(data) - _TOP_KEYS
    if extra:
        raise ScenarioError(f"scenario file '{path}' has unknown table '{sorted(extra)[0]}'; "
                            f"allowed: {', '.join(sorted(_TOP_KEYS))}")
    meta = data.get("scenario", {})
    overrides = data.get("parameters", {})
    if not isinstance(meta, dict) or not isinstance(overrides, dict):
        raise ScenarioError(f"scenario file '{path}': [scenario] and [parameters] must be tables")
    for key in meta:
        if key not in _META_KEYS:
            raise ScenarioError(f"scenario file '{path}' has unknown key 'scenario.{key}'; "
                                f"allowed: {', '.join(sorted(_META_KEYS))}")
    merged: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    if "base" in meta:
        base = read_scenario(meta["base"], (*_seen, path.resolve()))
        merged.update(base["parameters"])
        events.extend(base["events"])
    own_events = data.get("events", [])
    if not isinstance(own_events, list):
        raise ScenarioError(f"scenario file '{path}': events must be [[events]] tables, each with a 'week'")
    events.extend(own_events)
    for name, value in overrides.items():
        if name not in schema.PARAMS:
            raise ScenarioError(f"scenario file '{path}': {schema.unknown_name_error(name)}")
        try:
            merged[name] = schema.PARAMS[name].check(value)
        except ParameterError as exc:
            raise ScenarioError(f"scenario file '{path}': {exc}") from None
    try:
        check_events(schema.validate(merged), events)
    except ParameterError as exc:
        raise ScenarioError(f"scenario file '{path}': {exc}") from None
    return {"name": meta.get("name", path.stem), "question": meta.get("question", ""),
            "path": str(path), "parameters": merged, "events": events}


def load_scenario(name_or_path: str | os.PathLike) -> dict[str, Any]:
    """The parameter overrides of a named scenario (or a path to a TOML file), with its policy
    timeline under ``events`` when it has one: ready for ``RedCycleModel(**load_scenario(name))``."""
    scenario = read_scenario(name_or_path)
    return {**scenario["parameters"], **({"events": scenario["events"]} if scenario["events"] else {})}
