"""Policy timelines: parameters that change at given weeks of a run (docs/ODD.md 3.1).

An event is a dict ``{"week": w, name: value, ...}``: from week ``w`` on (the change is made
before week ``w``'s step, as ``model.update(...)`` after ``w - 1`` weeks would make it), the named
parameters take the new values. Scenario files write events as ``[[events]]`` tables. Every event
is checked when it is read, against the parameters in force at its week: names known, values
allowed, and no parameter that is fixed once the model is built (model/params.py
``FIXED_DURING_RUN``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .params import ParameterError, check_update


def check_events(params: Mapping[str, Any], events: Any, after_week: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """The events as (week, checked changes), in week order; ParameterError (one line) when one is
    malformed, in the past (week <= ``after_week``) or changes what cannot change."""
    if events is None:
        return []
    if not isinstance(events, list | tuple):
        raise ParameterError(
            f"events must be a list of tables with a 'week' and parameters, got {type(events).__name__}"
        )
    timeline: list[tuple[int, dict[str, Any]]] = []
    for k, event in enumerate(events, 1):
        if not isinstance(event, dict):
            raise ParameterError(f"event {k} must be a table with a 'week' and parameters, got {event!r}")
        week = event.get("week")
        if isinstance(week, bool) or not isinstance(week, int):
            raise ParameterError(
                f"event {k} needs an integer 'week' (the first week with the new values), got {week!r}"
            )
        if week <= after_week:
            raise ParameterError(f"event {k} at week {week} is in the past; allowed: a week after {after_week}")
        changes = {name: value for name, value in event.items() if name != "week"}
        if not changes:
            raise ParameterError(f"event {k} at week {week} sets no parameter")
        timeline.append((week, changes))
    timeline.sort(key=lambda e: e[0])
    current = dict(params)
    checked = []
    for week, changes in timeline:
        try:
            values = check_update(current, changes)
        except ParameterError as exc:
            raise ParameterError(f"event at week {week}: {exc}") from None
        current.update(values)
        checked.append((week, values))
    return checked
