"""The browser app's pure pieces: controls generated from the parameter schema, the runs it
steps, the network layout (computed once per graph and cached), the spiral's geometry, and the
figures (matplotlib, drawn to PNG). No Solara here, so all of it can be tested without a browser.

The model is read only through its public API (``model``'s exports and the model object's
attributes); its vocabulary comes from :mod:`app.text`.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from app import text as txt
from model import DEFAULTS, PARAMS, ParameterError, RedCycleModel, available_scenarios, load_scenario
from model.scenarios import read_scenario

DEFAULT_SCENARIO = "red_microcycle"
GHOST_SCENARIO = "status_quo"
"""Drawn dashed beside the run (same community, same seed): the cycle's effect shows as a gap."""
START_RESIDENTS = 1000
"""The app starts with a classroom-sized community (fast to step and draw) in which red teams form
(tests/test_app.py checks it at the app's settings); the size control goes up to MAX_RESIDENTS.
The model's own default (``n_residents``) is for experiments."""
MAX_RESIDENTS = 5000
MIN_RESIDENTS = 50
CONTROL_GROUPS = ("strategy", *txt.mechanisms())
"""Groups of the schema shown as controls: the strategy levers, then the mechanisms registered when the
app starts, in the cycle's order."""
LESSON_LEVERS = ("org_role", "three_downs", "resident_voice", "diversity")
"""The strategy levers of the lesson panel; with the mechanisms (one control, a switch each), the
scenario, the community size and the speed: eight controls. Every other one is under "advanced"."""
SWITCHES = tuple(f"{m}_on" for m in txt.mechanisms())
SPEEDS = (1, 2, 5, 10, 20)
"""Play speeds, weeks a second."""
DEFAULT_SPEED = 5
SEED_MAX = 2**32 - 1
SLIDER_STEPS = 100
STRETCH = 20
"""A slider whose schema range is more than STRETCH times its default spans 0..4 x default (the
default then sits on the grid); the schema's bound still applies to scenario values."""

matplotlib.rcParams["axes.unicode_minus"] = False


# ---- controls from the one parameter schema ---------------------------------------------------
@dataclass(frozen=True)
class Control:
    name: str
    kind: str  # "float", "int", "bool", "choice"
    group: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return txt.param_label(self.name, lang)

    def shown(self, value, lang: str) -> str:
        """The label with the value and its unit, as the control shows it."""
        match self.kind:
            case "bool":
                return self.label(lang)
            case "choice":
                return f"{self.label(lang)}: {txt.choice_label(self.name, value, lang)}"
            case _:
                unit = txt.unit_label(PARAMS[self.name].unit, lang)
                return f"{self.label(lang)}: {txt.number(value, lang)}" + (f" {unit}" if unit and unit != "0–1" else "")

    def tooltip(self, lang: str) -> str:
        """What the control does, in ``lang``: the schema's description in English; in Chinese its
        label, unit and range (the schema's descriptions are English)."""
        p = PARAMS[self.name]
        unit = txt.unit_label(p.unit, lang)
        if self.kind in ("float", "int"):
            rng = txt.t(
                "value_range",
                lang,
                low=txt.number(p.low, lang),
                high=txt.number(p.high, lang),
                default=txt.number(p.default, lang),
            )
        elif self.kind == "choice":
            rng = " / ".join(txt.choice_label(self.name, c, lang) for c in p.choices)
        else:
            rng = ""
        head = txt.pick(lang, self.label("zh"), txt.plain(p.description))
        parts = [head, txt.t("unit", lang, unit=unit) if unit else "", rng]
        return txt.pick(lang, "；", "; ").join(x for x in parts if x)

    def slider_max(self, value: float) -> float:
        """The slider's upper end: its range, stretched to show a larger (scenario) value."""
        return max(self.high, value) if self.high is not None else value


def control_for(p) -> Control:
    """The control of one schema parameter (range and default read from the schema only)."""
    match p.kind:
        case "bool":
            return Control(p.name, "bool", p.group, p.default)
        case "choice":
            return Control(p.name, "choice", p.group, p.default, choices=p.choices)
        case "float" | "int":
            low, high = float(p.low), float(p.high)
            if p.default and (high - low) > STRETCH * abs(p.default) and low == 0:
                high = 4 * abs(p.default)
            step = (high - low) / SLIDER_STEPS
            if p.kind == "int":
                low, high, step = int(low), int(high), max(1, int(round(step)))
            return Control(p.name, p.kind, p.group, p.default, low, high, step)
        case other:
            raise ValueError(f"parameter '{p.name}' of kind {other!r} has no control")


def controls() -> dict[str, list[Control]]:
    """The controls, grouped: the strategy levers and the registered mechanisms, each in schema order."""
    groups: dict[str, list[Control]] = {g: [] for g in CONTROL_GROUPS}
    for p in PARAMS.values():
        # an optional cap ("float?": a number or none) has no slider; scenarios and --set set it
        if p.group in groups and p.kind != "float?":
            groups[p.group].append(control_for(p))
    return groups


def describe(name: str, value, lang: str) -> str:
    """A lever and its value in words ("red teams: no", "seed fund: 8 units ..."), as the page lists changes."""
    if name in SWITCHES:
        return f"{txt.param_label(name, lang)}: {txt.number(value, lang)}"
    return control_for(PARAMS[name]).shown(value, lang)


def lesson_controls() -> list[Control]:
    return [control_for(PARAMS[name]) for name in LESSON_LEVERS]


def advanced_controls() -> dict[str, list[Control]]:
    """Every control not in the lesson panel, grouped as :func:`controls`."""
    lesson = set(LESSON_LEVERS) | set(SWITCHES)
    return {g: [c for c in cs if c.name not in lesson] for g, cs in controls().items()}


def scenario_values(scenario: str) -> dict[str, Any]:
    """Every control's value under a scenario: the schema's defaults, then its overrides."""
    over = load_scenario(scenario)
    return {c.name: over.get(c.name, DEFAULTS[c.name]) for cs in controls().values() for c in cs}


def scenarios() -> list[str]:
    """The scenarios in the menu's order (the class's order, then any other file)."""
    return txt.scenario_order(available_scenarios())


def scenario_labels(lang: str) -> dict[str, str]:
    return {name: txt.scenario_label(name, read_scenario(name)["name_zh"], lang) for name in scenarios()}


def check_seed(text) -> int | None:
    """A seed typed by a user, or None when it is not a whole number in 0..SEED_MAX."""
    try:
        seed = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return seed if 0 <= seed <= SEED_MAX else None


# ---- runs --------------------------------------------------------------------------------------
TRACKED = ("week", "participation_index", "pool_balance", "n_teams", "norm", "points_held", "mean_trust", "backbones")


class Run:
    """One model with the history the app draws: outcomes per week, each resident's rung and trust
    per week (for the resident panel), the levers changed during the run (``marks``) and, with
    ``ghost``, the same community under another scenario stepped alongside (drawn dashed)."""

    def __init__(
        self,
        scenario: str,
        overrides: dict[str, Any] | None = None,
        n_residents: int = START_RESIDENTS,
        seed: int = 1,
        ghost: str | None = None,
    ):
        self.scenario = scenario
        self.overrides = dict(overrides or {})
        params = {**load_scenario(scenario), **self.overrides, "n_residents": int(n_residents)}
        self.model = RedCycleModel(**params, rng=int(seed))
        self.seed = int(seed)
        self.lock = threading.RLock()  # the app steps in a player thread while it draws in another
        self.rung_keys = tuple(self.model.rung_names)
        self.history: dict[str, list[float]] = {k: [] for k in TRACKED + tuple(f"share_{r}" for r in self.rung_keys)}
        self.rungs: list[np.ndarray] = []
        self.trust: list[np.ndarray] = []
        self.marks: list[tuple[int, dict[str, Any]]] = []
        self.ghost = Run(ghost, None, n_residents, seed) if ghost and ghost != scenario else None
        self._record()

    @property
    def week(self) -> int:
        return int(self.model.steps)

    @property
    def end(self) -> int:
        """The run's length in weeks (the scenario's ``steps``): Play stops here."""
        return int(self.model.p["steps"])

    @property
    def n(self) -> int:
        return len(self.model.state.rung)

    def step(self, weeks: int = 1) -> None:
        for _ in range(weeks):
            with self.lock:
                self.model.step()
                self._record()
            if self.ghost is not None:
                self.ghost.step()

    def update(self, changes: dict[str, Any]) -> None:
        """Change levers from the next week on (``model.update``), and mark that week.
        Raises ParameterError for a parameter fixed once the model is built."""
        with self.lock:
            self.model.update(**changes)
            self.marks.append((self.week + 1, dict(changes)))

    def _record(self) -> None:
        out = self.model.outcomes
        for key, values in self.history.items():
            values.append(float(out.get(key, 0.0)))
        self.rungs.append(self.model.state.rung.copy())
        self.trust.append(self.model.state.trust.astype(np.float32))

    def series(self, key: str) -> np.ndarray:
        with self.lock:
            return np.asarray(self.history[key])

    def outcomes(self) -> dict[str, Any]:
        with self.lock:
            return dict(self.model.outcomes)

    def snapshot(self) -> dict[str, np.ndarray]:
        """This week's drawing data, consistent (taken under the lock)."""
        with self.lock:
            st = self.model.state
            return {
                "week": self.week,
                "rung": st.rung.copy(),
                "backbone": st.backbone.copy(),
                "team": st.team.copy(),
                "adult": st.adult.copy(),
            }

    def resident(self, i: int) -> dict[str, Any]:
        """Resident ``i``'s state now (read from the model's state arrays)."""
        st = self.model.state
        with self.lock:
            return self._resident(st, i)

    def _resident(self, st, i: int) -> dict[str, Any]:
        return {
            "rung": self.rung_keys[int(st.rung[i])],
            "holds_rung": bool(st.adult[i]),  # a child holds none
            "backbone": bool(st.backbone[i]),
            "team": int(st.team[i]),
            "trust": float(st.trust[i]),
            "capacity": float(st.capacity[i]),
            "public_spirit": float(st.public_spirit[i]),
            "unmet_need": float(st.needs[i].mean()),
            "points": int(st.points[i]),
            "party_member": bool(st.party_category[i] != 0),
            "age_group": int(st.age_group[i]),
            "tenure": int(st.tenure[i]),
            "household_type": int(st.household_type[i]),
        }


# ---- what a browser session keeps: its communities, across tabs and reloads ------------------------
class Community:
    """A community's settings (scenario, lever values, size, seed) and its run; the one-community
    tab holds one, the comparison two. A change of scenario, size or seed starts a new run at week
    0; a lever changed once the run has started acts from the next week (``Run.update``)."""

    def __init__(
        self,
        scenario: str = DEFAULT_SCENARIO,
        n: int = START_RESIDENTS,
        seed: int = 1,
        ghost: str | None = GHOST_SCENARIO,
    ):
        self.scenario, self.n, self.seed, self.ghost_scenario = scenario, int(n), int(seed), ghost
        self.values = scenario_values(scenario)
        self.error: str | None = None
        self.run: Run | None = None
        self.rebuild()

    def changed(self) -> dict[str, Any]:
        """The levers whose values differ from the scenario's."""
        base = scenario_values(self.scenario)
        return {k: v for k, v in self.values.items() if v != base[k]}

    def rebuild(self) -> None:
        """A new run at week 0 with the current settings (the error, in one line, if they do not fit)."""
        try:
            self.run = Run(self.scenario, self.changed(), self.n, self.seed, ghost=self.ghost_scenario)
            self.error = None
        except (ParameterError, ValueError, OverflowError, MemoryError) as exc:
            self.run, self.error = None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    def set_scenario(self, name: str) -> None:
        self.scenario = name
        self.values = scenario_values(name)
        self.rebuild()

    def set_size(self, n: int, seed: int) -> None:
        self.n, self.seed = int(n), int(seed)
        self.rebuild()

    def set_values(self, changes: dict[str, Any]) -> None:
        """New lever values: from the next week when the run has started, else a new run at week 0."""
        self.values = {**self.values, **changes}
        run = self.run
        if run is None or run.week == 0:
            self.rebuild()
            return
        try:
            run.update({k: v for k, v in changes.items()})
            self.error = None
        except ParameterError as exc:
            self.error = str(exc)


class Session:
    """What one browser session keeps (the page's language and tab, its communities, what it is
    looking at): the page reads and changes it; it lives on the server, keyed by the session's
    token in the page's address, so switching tabs or reloading keeps the runs."""

    def __init__(self):
        self.lang = "zh"
        self.tab = 0
        self.one = Community()
        self.speed = DEFAULT_SPEED
        self.picked: int | None = None
        self.picked_text = ""
        names = scenarios()
        self.compare_n, self.compare_seed = START_RESIDENTS, 1
        self.sides = [
            Community(DEFAULT_SCENARIO, ghost=None),
            Community(GHOST_SCENARIO if GHOST_SCENARIO in names else names[0], ghost=None),
        ]
        self.compare_speed = DEFAULT_SPEED


_SESSIONS: OrderedDict[str, Session] = OrderedDict()
_SESSIONS_LOCK = threading.Lock()
MAX_SESSIONS = 24
"""Sessions kept on the server (the least recently used goes first): memory stays bounded."""


def session(token: str) -> Session:
    """The session of a token (a new one for a token not seen, or forgotten)."""
    with _SESSIONS_LOCK:
        if token not in _SESSIONS:
            _SESSIONS[token] = Session()
        _SESSIONS.move_to_end(token)
        while len(_SESSIONS) > MAX_SESSIONS:
            _SESSIONS.popitem(last=False)
        return _SESSIONS[token]


def weeks_due(elapsed: float, speed: float, done: int, left: int, most: int = 26) -> int:
    """How many weeks to step now to keep ``speed`` weeks a second after ``elapsed`` seconds of play
    with ``done`` weeks stepped (the first at once): 0 when ahead, at most ``most`` per redraw (a
    slow redraw steps several weeks at once), never past the end (``left`` weeks)."""
    return max(0, min(left, most, int(elapsed * speed) + 1 - done))


def parse_resident(text: str, n: int) -> int | None:
    """A resident id typed by a user, or None when it is not one of 0..n-1."""
    try:
        i = int(str(text).strip())
    except ValueError:
        return None
    return i if 0 <= i < n else None


# ---- the network layout: computed once per graph and cached -------------------------------------
_LAYOUTS: OrderedDict[str, np.ndarray] = OrderedDict()
_LAYOUT_CACHE_SIZE = 8
GOLDEN = math.pi * (3 - math.sqrt(5))


def _sunflower(counts: np.ndarray) -> np.ndarray:
    """Offsets of each member inside its group (groups contiguous, ``counts`` members each):
    a sunflower pattern, evenly filled discs of radius about sqrt(count)."""
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    j = np.arange(counts.sum()) - starts
    r, a = np.sqrt(j + 0.5), j * GOLDEN
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def layout_key(model) -> str:
    st = model.state
    h = hashlib.blake2b(digest_size=16)
    for arr in (st.building, st.compound):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(str(model.community.n_ties).encode())
    return h.hexdigest()


def layout(model) -> np.ndarray:
    """Positions (n x 2) of the residents: each building a disc of its residents, each compound a
    disc of its buildings, compounds on a grid; a force layout for graphs without buildings."""
    key = layout_key(model)
    if key in _LAYOUTS:
        _LAYOUTS.move_to_end(key)
        return _LAYOUTS[key]
    st = model.state
    n = len(st.rung)
    if n and (st.building >= 0).all() and (st.compound >= 0).all() and (np.diff(st.building) >= 0).all():
        pos = _community_layout(st.building.astype(np.int64), st.compound.astype(np.int64))
    else:
        import networkx as nx

        pos_d = nx.spring_layout(model.graph, seed=1, iterations=30)
        pos = np.array([pos_d[i] for i in range(n)])
    span = np.ptp(pos, axis=0)
    scale = max(1e-9, float(span.max()))
    pos = (pos - pos.min(axis=0)) / scale + (1 - span / scale) / 2  # centred in the unit square
    _LAYOUTS[key] = pos
    while len(_LAYOUTS) > _LAYOUT_CACHE_SIZE:
        _LAYOUTS.popitem(last=False)
    return pos


def _community_layout(building: np.ndarray, compound: np.ndarray) -> np.ndarray:
    b_sizes = np.bincount(building)
    inner = _sunflower(b_sizes)  # resident inside its building, radius ~ sqrt(size)
    b_compound = np.zeros(len(b_sizes), dtype=np.int64)
    b_compound[building] = compound
    nb_per_compound = np.bincount(b_compound)
    b_radius = math.sqrt(float(b_sizes.max())) + 1.0
    b_offset = _sunflower(nb_per_compound) * 2.1 * b_radius  # building inside its compound
    c_radius = float(np.linalg.norm(b_offset, axis=1).max()) + b_radius
    cols = math.ceil(math.sqrt(len(nb_per_compound)))
    c = np.arange(len(nb_per_compound))
    c_centre = np.column_stack([c % cols, -(c // cols)]) * 2.3 * c_radius
    return c_centre[compound] + b_offset[building] + inner


def edges(model) -> np.ndarray:
    """The graph's ties as an (m x 2) array of resident ids (read once per graph)."""
    g = model.graph
    return np.array(list(g.edges()), dtype=np.int64).reshape(-1, 2)


def nearest(pos: np.ndarray, x: float, y: float, radius: float) -> int | None:
    d = np.hypot(pos[:, 0] - x, pos[:, 1] - y)
    i = int(np.argmin(d))
    return i if d[i] <= radius else None


# ---- the spiral's geometry ----------------------------------------------------------------------
def spiral_xy(weeks: np.ndarray, values: np.ndarray, round_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """One turn per round, clockwise from the top: angle = the week's phase in the cycle,
    radius = the value (the participation index)."""
    theta = 2 * np.pi * (np.asarray(weeks) % round_weeks) / round_weeks
    r = np.asarray(values, dtype=float)
    return r * np.sin(theta), r * np.cos(theta)


def phase_edges(round_weeks: int) -> np.ndarray:
    """Angles (clockwise from the top) at which each phase (each registered mechanism's) starts."""
    return np.array([2 * np.pi * start / round_weeks for start in txt.phase_starts(round_weeks)])


# ---- figures --------------------------------------------------------------------------------------
def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _font_rc(flang: str) -> dict:
    font = txt.cjk_font()
    return {"font.sans-serif": [font, "DejaVu Sans"]} if flang == "zh" and font else {}


NETWORK_PX = 480
DPI = 100


class NetworkView:
    """The community network, coloured by rung; backbones ringed black, team members ringed
    blue, the picked resident ringed red. The figure and its ties are built once; each redraw
    only recolours the residents."""

    def __init__(self, model):
        self.pos = layout(model)
        n = len(self.pos)
        self.n = n
        self.fig = Figure(figsize=(NETWORK_PX / DPI, NETWORK_PX / DPI), dpi=DPI)
        ax = self.fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        pad = 0.03
        self.xlim, self.ylim = (-pad, 1 + pad), (-pad, 1 + pad)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_aspect("equal", adjustable="datalim")
        e = edges(model)
        segs = self.pos[e]
        ax.add_collection(
            LineCollection(segs, colors="#9e9e9e", linewidths=0.3, alpha=min(0.5, 300 / max(1, len(e))) + 0.05)
        )
        self.size = float(np.clip(12000 / max(n, 1), 3, 60))
        self.nodes = ax.scatter(self.pos[:, 0], self.pos[:, 1], s=self.size, linewidths=0)
        self.rings = ax.scatter([], [], s=self.size * 3, facecolors="none", linewidths=1.0)
        self.pick = ax.scatter([], [], s=self.size * 8, facecolors="none", edgecolors="#e41a1c", linewidths=2.0)
        self.ax = ax
        self.fig.canvas.draw()  # fixes the data limits, so clicks map to positions
        self.x0, self.x1 = ax.get_xlim()
        self.y0, self.y1 = ax.get_ylim()

    def render(
        self,
        rung: np.ndarray,
        backbone: np.ndarray,
        team: np.ndarray,
        n_rungs: int,
        picked: int | None = None,
        adult: np.ndarray | None = None,
    ) -> bytes:
        colours = np.array([matplotlib.colors.to_rgba(c) for c in txt.rung_colours(n_rungs)])
        faces = colours[rung]
        if adult is not None:  # children hold no rung: drawn in their own colour, not as "not engaged"
            faces[~adult] = matplotlib.colors.to_rgba(txt.CHILD_COLOUR)
        self.nodes.set_facecolors(faces)
        marked = np.flatnonzero(backbone | (team >= 0))
        self.rings.set_offsets(self.pos[marked] if len(marked) else np.zeros((0, 2)))
        self.rings.set_edgecolors(
            np.where(backbone[marked, None], [[0, 0, 0, 1]], [[0.13, 0.4, 0.8, 1]]) if len(marked) else "none"
        )
        self.pick.set_offsets(self.pos[[picked]] if picked is not None else np.zeros((0, 2)))
        return _png(self.fig)

    def resident_at(self, px: float, py: float) -> int | None:
        """The resident drawn nearest to pixel (px, py) of the PNG, if one is close."""
        x = self.x0 + px / NETWORK_PX * (self.x1 - self.x0)
        y = self.y1 - py / NETWORK_PX * (self.y1 - self.y0)
        per_px = (self.x1 - self.x0) / NETWORK_PX
        return nearest(self.pos, x, y, radius=max(6 * per_px, 2 * math.sqrt(self.size) * per_px))


def network_legend(n_rungs: int, rung_keys, lang: str, children: bool = False) -> list[tuple[str, str]]:
    """(colour, label) pairs of the network's legend (HTML, so the browser draws any language); with
    ``children``, the colour of residents who hold no rung (aged 0-14) too."""
    pairs = [(c, txt.rung_label(k, lang)) for c, k in zip(txt.rung_colours(n_rungs), rung_keys, strict=True)]
    return pairs + [(txt.CHILD_COLOUR, txt.t("no_rung", lang))] if children else pairs


def shares_png(run: Run, lang: str, size=(4.8, 3.0)) -> bytes:
    with run.lock:
        return _shares_png(run, lang, size)


def _shares_png(run: Run, lang: str, size=(4.8, 3.0)) -> bytes:
    flang = txt.figure_lang(lang)
    with matplotlib.rc_context(_font_rc(flang)):
        fig = Figure(figsize=size, dpi=DPI)
        ax = fig.add_subplot()
        ax.tick_params(labelsize=7)
        weeks = run.series("week")
        shares = [run.series(f"share_{k}") for k in run.rung_keys]
        ax.stackplot(
            weeks,
            *shares,
            colors=txt.rung_colours(len(run.rung_keys)),
            labels=[txt.rung_label(k, flang) for k in run.rung_keys],
        )
        if run.ghost is not None:  # the ghost's rung boundaries, dashed
            g_weeks = run.ghost.series("week")
            tops = np.cumsum([run.ghost.series(f"share_{k}") for k in run.rung_keys], axis=0)[:-1]
            for top in tops:
                ax.plot(g_weeks, top, ls="--", lw=0.9, color="#222222")
        _draw_marks(ax, run)
        ax.set_xlim(0, max(1, weeks[-1]))
        ax.set_ylim(0, 1)
        ax.set_xlabel(txt.t("weeks", flang))
        ax.set_ylabel(txt.t("share_of_residents", flang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, reverse=True, fontsize=8)
        fig.subplots_adjust(left=0.12, right=0.68, top=0.96, bottom=0.15)
        return _png(fig)


def _draw_marks(ax, run: Run) -> None:
    """The weeks at which a lever was changed during the run: a numbered vertical line each."""
    for k, (week, _) in enumerate(run.marks, 1):
        ax.axvline(week, color="#1f78b4", lw=1.0, ls="-.")
        ax.text(
            week, 1.0, str(k), transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7, color="#1f78b4"
        )


SPIRAL_STEP = 0.1
"""The spiral's scale moves in steps of this much, so it does not rescale itself week by week."""


def spiral_scale(*runs: Run) -> tuple[float, float]:
    """The participation index range the spiral shows (shared by the runs given, their ghosts included):
    whole steps of SPIRAL_STEP around every value seen."""
    values = np.concatenate(
        [r.series("participation_index") for run in runs for r in (run, run.ghost) if r is not None]
    )
    lo = math.floor(float(values.min()) / SPIRAL_STEP - 1e-9) * SPIRAL_STEP
    hi = math.ceil(float(values.max()) / SPIRAL_STEP + 1e-9) * SPIRAL_STEP
    return max(0.0, lo - SPIRAL_STEP), min(1.0, max(hi, lo + 2 * SPIRAL_STEP))


def spiral_png(run: Run, lang: str, size=(4.0, 4.0), scale: tuple[float, float] | None = None) -> bytes:
    with run.lock:
        return _spiral_png(run, lang, size, scale or spiral_scale(run))


def _spiral_png(run: Run, lang: str, size, scale: tuple[float, float]) -> bytes:
    """The participation spiral: one turn per round, the phases as labelled sectors; the radius
    is the participation index from ``scale[0]`` (the centre) to ``scale[1]`` (the outer ring)."""
    flang = txt.figure_lang(lang)
    R = int(run.model.p["round_weeks"])
    lo, hi = scale
    weeks, values = run.series("week"), run.series("participation_index")
    x, y = spiral_xy(weeks, (values - lo) / (hi - lo), R)
    with matplotlib.rc_context(_font_rc(flang)):
        fig = Figure(figsize=size, dpi=DPI)
        ax = fig.add_axes((0.02, 0.02, 0.74, 0.84))
        ax.set_aspect("equal")
        ax.set_axis_off()
        top = 1.0
        for v in np.arange(lo + SPIRAL_STEP, hi + 1e-9, SPIRAL_STEP):
            r = (v - lo) / (hi - lo)
            ax.add_patch(matplotlib.patches.Circle((0, 0), r, fill=False, lw=0.4, color="#cccccc"))
            ax.text(r * math.sin(3.6), r * math.cos(3.6), f"{v:.1f}", fontsize=6, color="#666666")
        if run.ghost is not None:
            g_weeks, g_values = run.ghost.series("week"), run.ghost.series("participation_index")
            gx, gy = spiral_xy(g_weeks, (g_values - lo) / (hi - lo), R)
            ax.plot(gx, gy, ls="--", lw=1.0, color="#555555")
        edges = phase_edges(R)
        for k, a in enumerate(edges):
            ax.plot([0, top * math.sin(a)], [0, top * math.cos(a)], ls=":", lw=0.6, color="#999999")
            mid = a + math.pi / len(edges)
            ax.text(
                1.13 * top * math.sin(mid),
                1.13 * top * math.cos(mid),
                txt.mechanism_label(txt.mechanisms()[k], flang),
                ha="center",
                va="center",
                fontsize=7,
            )
        rounds = weeks.astype(int) // R
        last = max(1, int(rounds.max()))
        cmap = matplotlib.colormaps["OrRd"]
        for k in range(int(rounds.max()) + 1):
            sel = (rounds == k) | (np.r_[rounds[1:], -1] == k)  # join each round to the next
            ax.plot(x[sel], y[sel], color=cmap(0.35 + 0.65 * k / last), lw=1.8, label=txt.t("round", flang, n=k + 1))
        ax.plot(x[-1:], y[-1:], "o", color="#8c2d04", ms=4)
        for k, (week, _) in enumerate(run.marks, 1):
            at = np.flatnonzero(weeks == week)
            if len(at):
                ax.plot(x[at], y[at], "D", color="#1f78b4", ms=5)
                ax.annotate(
                    str(k), (x[at[0]], y[at[0]]), xytext=(4, 4), textcoords="offset points", fontsize=7, color="#1f78b4"
                )
        ax.set_xlim(-1.3 * top, 1.3 * top)
        ax.set_ylim(-1.3 * top, 1.3 * top)
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(
            handles[-6:],
            labels[-6:],
            loc="lower right",
            fontsize=7,
            frameon=False,
            title=txt.t("rounds_legend", flang),
            title_fontsize=7,
        )
        fig.suptitle(
            f"{txt.t('spiral', flang)} · {txt.t('spiral_radius', flang, lo=f'{lo:.1f}', hi=f'{hi:.1f}')}", fontsize=8
        )
        return _png(fig)


ORG_SERIES = ("pool_balance", "n_teams", "norm", "points_held", "mean_trust")


def org_png(run: Run, lang: str, size=(4.8, 3.6)) -> bytes:
    with run.lock:
        return _org_png(run, lang, size)


def _org_png(run: Run, lang: str, size=(4.8, 3.6)) -> bytes:
    """The organisation's state over time, each in its own units on its own axis: the pool
    (resource units), red teams (a count), the norm and mean trust (0-1), points held (points)."""
    flang = txt.figure_lang(lang)
    weeks = run.series("week")
    colours = dict(zip(ORG_SERIES, ("#b2182b", "#2166ac", "#1b7837", "#e08214", "#762a83"), strict=True))
    panels = (
        ("pool_balance", "org_units"),
        ("n_teams", "count"),
        ("points_held", "points"),
        ("norm", None),
        ("mean_trust", None),
    )
    with matplotlib.rc_context(_font_rc(flang)):
        fig = Figure(figsize=size, dpi=DPI)
        axes = fig.subplots(len(panels), 1, sharex=True)
        for ax, (key, unit) in zip(axes, panels, strict=True):
            values = run.series(key)
            ax.plot(weeks, values, color=colours[key], lw=1.2)
            if run.ghost is not None:
                ax.plot(run.ghost.series("week"), run.ghost.series(key), ls="--", lw=0.9, color="#555555")
            if unit is None:
                ax.set_ylim(0, 1)
            else:
                ax.set_ylim(0, max(1.0, float(values.max()) * 1.15))
            _draw_marks(ax, run)
            label = txt.t(key, flang) + (f" ({txt.t(unit, flang)})" if unit else " (0–1)")
            ax.text(0.01, 0.95, label, transform=ax.transAxes, fontsize=7, va="top", color=colours[key])
            ax.tick_params(labelsize=6)
        axes[-1].set_xlim(0, max(1, weeks[-1]))
        axes[-1].set_xlabel(txt.t("weeks", flang), fontsize=7)
        fig.subplots_adjust(left=0.1, right=0.98, top=0.97, bottom=0.1, hspace=0.15)
        return _png(fig)


def resident_png(run: Run, i: int, lang: str, size=(4.8, 2.0)) -> bytes:
    with run.lock:
        return _resident_png(run, i, lang, size)


def _resident_png(run: Run, i: int, lang: str, size=(4.8, 2.0)) -> bytes:
    """Resident ``i``'s rung and trust, week by week."""
    flang = txt.figure_lang(lang)
    weeks = run.series("week")
    rung = np.array([r[i] for r in run.rungs])
    trust = np.array([t[i] for t in run.trust])
    with matplotlib.rc_context(_font_rc(flang)):
        fig = Figure(figsize=size, dpi=DPI)
        ax = fig.add_subplot()
        if run.model.state.adult[i]:  # a child holds no rung: only its trust is drawn
            ax.step(weeks, rung, where="post", color="#d94801", lw=1.5)
        ax.set_yticks(range(len(run.rung_keys)), [txt.rung_label(k, flang) for k in run.rung_keys], fontsize=6)
        ax.set_ylim(-0.3, len(run.rung_keys) - 0.7)
        ax.set_xlim(0, max(1, weeks[-1]))
        ax.tick_params(axis="x", labelsize=6)
        ax2 = ax.twinx()
        ax2.plot(weeks, trust, color="#2166ac", lw=1)
        ax2.set_ylim(0, 1)
        ax2.set_ylabel(txt.t("trust", flang), color="#2166ac", fontsize=7)
        ax2.tick_params(labelsize=6)
        fig.subplots_adjust(left=0.22, right=0.88, top=0.95, bottom=0.14)
        return _png(fig)
