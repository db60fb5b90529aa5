"""A community from a survey: one row per resident, read from a CSV file (docs/residents.md).

Every column is optional; an empty cell is a value the survey did not record. What the survey
gives is kept; everything else is drawn from the parameters' defaults, and the reader says so
(``Survey.notes``). Every cell is checked: a bad one is a one-line :class:`ResidentsFileError`
naming the row and the column and what is allowed.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .demography import AGE_GROUPS, MAX_WORK_HOURS, TENURES, WORK_STATUSES
from .graph import CATEGORY_NAMES, _group_sizes
from .ladder import Rung
from .parameters import Parameters
from .params import NEED_CATEGORIES

AGE_ALIASES = {"0-14": "age_0_14", "15-59": "age_15_59", "60-64": "age_60_64", "65+": "age_65_plus"}
RUNG_NAMES = {r.key: int(r) for r in Rung}
TRUE, FALSE = ("yes", "true", "1", "y", "是"), ("no", "false", "0", "n", "否")

COLUMNS: dict[str, str] = {
    "members": "a household row: the row stands for a household of this many residents (1-50)",
    "household": "household id (an integer >= 0); members of one household share it",
    "building": "building id (an integer >= 0)",
    "age_group": "0-14, 15-59, 60-64, 65+ (or age_0_14, age_15_59, age_60_64, age_65_plus)",
    "work": "not_working, employed or retired",
    "work_hours": f"weekly working hours, 0-{MAX_WORK_HOURS:g}",
    "tenure": "owner, renter or migrant (流动人口)",
    "party_member": "yes or no (empty: drawn at party_member_share)",
    "party_category": "in_service, retired or mobile (Party members only)",
    "rung": "0-4 or not_engaged, self_help, mutual_aid, public_affairs, volunteering",
    **{f"need_{k}": f"unmet {k.replace('_', ' ')} need, 0-1" for k in NEED_CATEGORIES},
}
"""The survey's columns and what each allows (all optional)."""
HOUSEHOLD_COLUMNS = ("household", "building", "tenure")
"""Columns a household row gives every member; its other columns are its respondent's."""
MEMBERS_MAX = 50


class ResidentsFileError(ValueError):
    """A residents file that is missing, unreadable or malformed (a one-line message)."""


@dataclass
class Survey:
    """The survey's values: ``given[trait]`` holds -1 (NaN for numbers) where a cell was empty."""

    source: str
    n: int
    given: dict[str, np.ndarray] = field(default_factory=dict)
    rung: np.ndarray | None = None  # -1 where not given
    needs: np.ndarray | None = None  # (n, categories), NaN where not given
    household: np.ndarray | None = None  # -1 where not given
    building: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def error(self, message: str) -> ResidentsFileError:
        return ResidentsFileError(f"residents file {self.source} {message}")

    def groups(self, p: Parameters, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(household, building, compound) ids from the survey's household (and building) ids, or
        None when it gives none. Residents without a household id live alone; without building ids,
        households (in order of id) fill buildings of 1 + Poisson(households_per_building - 1)
        households; buildings fill compounds the same way."""
        if self.household is None or (self.household < 0).all():
            return None
        alone = self.household < 0
        household = np.where(alone, self.household.max() + 1 + np.cumsum(alone), self.household)
        _, household = np.unique(household, return_inverse=True)
        if self.building is not None and (self.building >= 0).all():
            _, building = np.unique(self.building, return_inverse=True)
        else:
            sizes = _group_sizes(int(household.max()) + 1, p.households_per_building, rng)
            building = np.repeat(np.arange(len(sizes)), sizes)[household]
        sizes = _group_sizes(int(building.max()) + 1, p.buildings_per_compound, rng)
        compound = np.repeat(np.arange(len(sizes)), sizes)[building]
        return household.astype(np.int32), building.astype(np.int32), compound.astype(np.int32)


def _choice(options: tuple[str, ...], aliases: dict[str, str] | None = None):
    def parse(text: str) -> int:
        t = (aliases or {}).get(text, text)
        if t not in options:
            raise ValueError(", ".join(options))
        return options.index(t)

    return parse


def _number(low: float, high: float):
    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise ValueError(f"a number in [{low:g}, {high:g}]") from None
        if not (math.isfinite(x) and low <= x <= high):
            raise ValueError(f"a number in [{low:g}, {high:g}]")
        return x

    return parse


ID_MAX = 2**31 - 1
"""Largest household or building id: ids are kept exactly (a float64 holds every integer up to 2^53)."""


def _id(text: str) -> int:
    """An id written as a plain integer (``7``, not ``07``, ``7.0`` or ``1e3``), so that two ids that
    differ as written are never merged."""
    if not re.fullmatch(r"0|[1-9][0-9]*", text) or int(text) > ID_MAX:
        raise ValueError(f"an integer id in [0, {ID_MAX}] written plainly (no leading zeros, sign or decimals)")
    return int(text)


def _yes_no(text: str) -> int:
    t = text.lower()
    if t in TRUE:
        return 1
    if t in FALSE:
        return 0
    raise ValueError("yes or no")


def _rung(text: str) -> int:
    if text.isascii() and text.isdigit() and int(text) <= Rung.VOLUNTEERING:
        return int(text)
    if text in RUNG_NAMES:
        return RUNG_NAMES[text]
    raise ValueError("0-4 or " + ", ".join(RUNG_NAMES))


def _members(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MEMBERS_MAX:
        raise ValueError(f"an integer in [1, {MEMBERS_MAX}]")
    return int(text)


PARSERS = {
    "members": _members,
    "household": _id,
    "building": _id,
    "age_group": _choice(AGE_GROUPS, AGE_ALIASES),
    "work": _choice(WORK_STATUSES),
    "work_hours": _number(0.0, MAX_WORK_HOURS),
    "tenure": _choice(TENURES),
    "party_member": _yes_no,
    "party_category": _choice(CATEGORY_NAMES),
    "rung": _rung,
    **{f"need_{k}": _number(0.0, 1.0) for k in NEED_CATEGORIES},
}


def _rows(source: Any) -> tuple[str, list[str], list[list[str]]]:
    """(name for messages, header, rows of text cells) from a CSV path or a pandas DataFrame."""
    if hasattr(source, "columns") and hasattr(source, "itertuples"):  # a pandas DataFrame
        header = [str(c) for c in source.columns]
        rows = [
            ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in row]
            for row in source.itertuples(index=False)
        ]
        return "(data frame)", header, rows
    path = os.fspath(source)
    name = f"'{path}'"
    if not os.path.isfile(path):
        raise ResidentsFileError(f"residents file {name} not found")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except PermissionError:
        raise ResidentsFileError(f"residents file {name} cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise ResidentsFileError(f"residents file {name} is not UTF-8 text") from None
    try:
        table = [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ResidentsFileError(f"residents file {name} is not valid CSV: {exc}") from None
    if not table:
        raise ResidentsFileError(f"residents file {name} is empty; allowed: a header row and one row per resident")
    return name, [h.strip() for h in table[0]], table[1:]


def read_residents(source: Any) -> Survey:
    """Read and check a residents survey (a CSV path or a DataFrame); raise ResidentsFileError."""
    name, header, rows = _rows(source)
    seen = set()
    for col in header:
        if col not in COLUMNS:
            raise ResidentsFileError(f"residents file {name} has unknown column '{col}'; allowed: {', '.join(COLUMNS)}")
        if col in seen:
            raise ResidentsFileError(f"residents file {name} has column '{col}' twice")
        seen.add(col)
    rows = [r for r in rows if any(cell.strip() for cell in r)]  # blank lines are not residents
    if len(rows) < 2:
        raise ResidentsFileError(f"residents file {name} has {len(rows)} resident row(s); allowed: at least 2")
    n = len(rows)
    values = {col: np.full(n, np.nan) for col in header}
    for i, row in enumerate(rows, 1):
        if len(row) != len(header):
            raise ResidentsFileError(f"residents file {name} row {i}: {len(row)} cells, the header has {len(header)}")
        for col, cell in zip(header, row, strict=True):
            text = cell.strip()
            if not text:
                continue
            try:
                values[col][i - 1] = PARSERS[col](text)
            except ValueError as exc:
                raise ResidentsFileError(
                    f"residents file {name} row {i}, column '{col}': {text[:40]!r} is not allowed; allowed: {exc}"
                ) from None
    _check(name, values)
    return _survey(name, *_expand(n, values))


def _expand(n: int, values: dict[str, np.ndarray]) -> tuple[int, dict[str, np.ndarray], list[str], int]:
    """Household rows (``members`` > 1) expanded into one entry per resident: the first is the row's
    respondent, the others share the household columns and have their own traits drawn.
    Returns (residents, values per resident, notes on the rows as read, household rows)."""
    notes = _notes(values)
    members = values.pop("members", None)
    if members is None:
        return n, values, notes, 0
    k = np.where(np.isnan(members), 1, members).astype(np.int64)
    row = np.repeat(np.arange(n), k)
    first = np.r_[True, row[1:] != row[:-1]]
    out = {}
    for col, v in values.items():
        out[col] = v[row] if col in HOUSEHOLD_COLUMNS else np.where(first, v[row], np.nan)
    household = out.get("household", np.full(len(row), np.nan))
    if np.isnan(household).any():  # a row without a household id is a household of its own
        known = household[~np.isnan(household)]
        out["household"] = np.where(np.isnan(household), (known.max() + 1 if len(known) else 0) + row, household)
    rows = int((k > 1).sum())
    if rows:
        notes.append(
            f"{rows} household row(s) stand for {int(k[k > 1].sum())} residents; the members other than "
            "each row's respondent have their own traits drawn from the defaults"
        )
    return len(row), out, notes, rows


def _notes(values: dict[str, np.ndarray]) -> list[str]:
    """Which columns are missing, and how many cells are empty, in the rows as read."""
    notes = []
    for col in COLUMNS:
        if col in ("members", "household", "building", "party_category"):
            continue
        if col not in values:
            notes.append(f"no column '{col}'; drawn from the defaults")
        elif empty := int((np.isnan(values[col]) & _applies(col, values)).sum()):
            notes.append(f"{empty} empty cell(s) in '{col}'; drawn from the defaults")
    return notes


def _applies(col: str, values: dict[str, np.ndarray]) -> np.ndarray | bool:
    """Where an empty cell of ``col`` is a value to draw (hours only matter for the employed)."""
    if col == "work_hours" and "work" in values:
        return np.isnan(values["work"]) | (values["work"] == WORK_STATUSES.index("employed"))
    return True


def _check(name: str, values: dict[str, np.ndarray]) -> None:
    """Checks across columns, on the rows as read (row numbers are the file's)."""
    error = Survey(name, 0).error
    if "party_category" in values:
        member = values.get("party_member", np.full(len(values["party_category"]), np.nan))
        bad = np.flatnonzero(~np.isnan(values["party_category"]) & (member != 1))
        if len(bad):
            raise error(f"row {bad[0] + 1}, column 'party_category': a category needs party_member = yes")
        if (values["party_category"] == 0).any():
            raise error(
                f"row {np.flatnonzero(values['party_category'] == 0)[0] + 1}, column 'party_category': "
                "'none' is not allowed for a member; allowed: in_service, retired, mobile"
            )
    hours, work = values.get("work_hours"), values.get("work")
    if hours is not None and work is not None:
        bad = np.flatnonzero((hours > 0) & ~np.isnan(work) & (work != 1))
        if len(bad):
            raise error(f"row {bad[0] + 1}, column 'work_hours': hours > 0 need work = employed")


def _survey(name: str, n: int, values: dict[str, np.ndarray], notes: list[str], household_rows: int) -> Survey:
    s = Survey(name, n)

    def codes(col: str) -> np.ndarray:
        return np.where(np.isnan(values[col]), -1, values[col]).astype(np.int64)

    for col, trait in (("age_group", "age_group"), ("work", "work_status"), ("tenure", "tenure")):
        if col in values:
            s.given[trait] = codes(col)
    if "work_hours" in values:
        s.given["work_hours"] = values["work_hours"]
    if "party_member" in values:
        s.given["party_member"] = codes("party_member")  # -1: drawn at party_member_share
        s.given["party_category"] = codes("party_category") if "party_category" in values else np.full(n, -1)
    if "rung" in values:
        s.rung = codes("rung")
    needs = [f"need_{k}" for k in NEED_CATEGORIES]
    if any(c in values for c in needs):
        s.needs = np.column_stack([values.get(c, np.full(n, np.nan)) for c in needs])
    for col in ("household", "building"):
        if col in values:
            setattr(s, col, codes(col))
    s.notes = [f"residents file {name}: {note}" for note in notes]
    return s
