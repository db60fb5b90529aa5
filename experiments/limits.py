"""Refuse before any work what cannot finish: an estimate of a command's time and of a design's size.

The memory a community needs is checked when a model is built (model/memory.py); here, before a run,
a comparison or a sweep starts, its work is estimated in resident-weeks and refused beyond
``MAX_HOURS`` of estimated time, and a design beyond ``MAX_POINTS`` points is refused before its
points are made (a 10^8-point factorial would fill the memory building them). The message gives the
estimate; ``--insist`` runs it anyway.
"""

from __future__ import annotations

import math
import os

from model.params import ParameterError

RESIDENT_WEEKS_PER_SECOND = 2_000_000
"""An assumption, on the safe side of the measured figures (README, Performance: a default run of
1,000 residents for 260 weeks, burn-in included, in about 0.2 s, 1.3 M resident-weeks a second; 3-4 M
a second per core at 10,000 residents). A cautious rate makes the estimate too long, never too short
by much; it is only used to refuse work of many hours."""

MAX_HOURS = 6.0
"""Estimated hours of work a command starts without --insist."""

MAX_POINTS = 1_000_000
"""Design points a sweep makes without --insist."""


class TooMuchWork(ParameterError):
    """Work refused before it starts (a one-line message with the estimate)."""


def estimate_seconds(resident_weeks: float, workers: int = 1) -> float:
    return resident_weeks / (RESIDENT_WEEKS_PER_SECOND * max(1, workers))


def check_work(resident_weeks: float, what: str, workers: int | None = None, insist: bool = False) -> float:
    """The estimated seconds of ``resident_weeks`` of work on ``workers`` cores; TooMuchWork beyond MAX_HOURS."""
    cores = max(1, workers or os.cpu_count() or 1)
    seconds = estimate_seconds(resident_weeks, cores)
    if seconds > MAX_HOURS * 3600 and not insist:
        raise TooMuchWork(
            f"{what} would take about {_duration(seconds)} ({resident_weeks:.3g} resident-weeks at "
            f"about {RESIDENT_WEEKS_PER_SECOND:,} a second per core on {cores} core(s)); allowed: at most "
            f"{MAX_HOURS:g} hours of estimated work: fewer residents, weeks or runs, or --insist to run "
            "it anyway"
        )
    return seconds


def design_size(design: str, samples: int, ranges: dict, values: dict, levels: int) -> int:
    """How many points a design makes, worked out without making them."""
    match design:
        case "factorial":
            return math.prod([levels] * len(ranges) + [len(v) for v in values.values()])
        case "points":
            return len(next(iter(values.values()))) if values else 0
        case "morris":
            return samples * (len(ranges) + 1)
        case "sobol":
            return samples * (len(ranges) + 2)
        case _:
            return samples


def check_design(
    design: str, samples: int, ranges: dict, values: dict, levels: int, replications: int, insist: bool = False
) -> int:
    """The design's number of points; TooMuchWork beyond MAX_POINTS (before any point is made)."""
    n = design_size(design, samples, ranges, values, levels)
    if n > MAX_POINTS and not insist:
        raise TooMuchWork(
            f"design '{design}' would make {n:,} points ({n * replications:,} runs); allowed: at most "
            f"{MAX_POINTS:,} points: fewer samples, levels or values, or --insist to run it anyway"
        )
    return n


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:,.0f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"
