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
from model import DEFAULTS, PARAMS, RedCycleModel, available_scenarios, load_scenario

DEFAULT_SCENARIO = "red_microcycle"
START_RESIDENTS = 500
"""The app starts with a classroom-sized community (fast to step and draw); the size control
goes up to MAX_RESIDENTS. The model's own default (``n_residents``) is for experiments."""
MAX_RESIDENTS = 5000
MIN_RESIDENTS = 50
CONTROL_GROUPS = ("strategy", *txt.mechanisms())
"""Groups of the schema shown as controls: the strategy levers, then the six mechanisms in order."""
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
        return txt.param_label(PARAMS[self.name], lang)

    def tooltip(self) -> str:
        p = PARAMS[self.name]
        unit = f" ({p.unit})" if p.unit else ""
        return f"{p.name}: {p.description}{unit}; {p.allowed()}"

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
    """The controls, grouped: the strategy levers and the six mechanisms, each in schema order."""
    groups: dict[str, list[Control]] = {g: [] for g in CONTROL_GROUPS}
    for p in PARAMS.values():
        # an optional cap ("float?": a number or none) has no slider; scenarios and --set set it
        if p.group in groups and p.kind != "float?":
            groups[p.group].append(control_for(p))
    return groups


def scenario_values(scenario: str) -> dict[str, Any]:
    """Every control's value under a scenario: the schema's defaults, then its overrides."""
    over = load_scenario(scenario)
    return {c.name: over.get(c.name, DEFAULTS[c.name]) for cs in controls().values() for c in cs}


def scenarios() -> list[str]:
    return list(available_scenarios())


# ---- runs --------------------------------------------------------------------------------------
TRACKED = ("week", "participation_index", "pool_balance", "n_teams", "norm", "points_held", "mean_trust",
           "backbones")


class Run:
    """One model with the history the app draws: outcomes per week, and each resident's rung and
    trust per week (for the resident panel)."""

    def __init__(self, scenario: str, overrides: dict[str, Any] | None = None,
                 n_residents: int = START_RESIDENTS, seed: int = 1):
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
        self._record()

    @property
    def week(self) -> int:
        return int(self.model.steps)

    @property
    def n(self) -> int:
        return len(self.model.state.rung)

    def step(self, weeks: int = 1) -> None:
        for _ in range(weeks):
            with self.lock:
                self.model.step()
                self._record()

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
            return {"week": self.week, "rung": st.rung.copy(), "backbone": st.backbone.copy(), "team": st.team.copy()}

    def resident(self, i: int) -> dict[str, Any]:
        """Resident ``i``'s state now (read from the model's state arrays)."""
        st = self.model.state
        with self.lock:
            return self._resident(st, i)

    def _resident(self, st, i: int) -> dict[str, Any]:
        return {
            "rung": self.rung_keys[int(st.rung[i])], "backbone": bool(st.backbone[i]), "team": int(st.team[i]),
            "trust": float(st.trust[i]), "capacity": float(st.capacity[i]),
            "public_spirit": float(st.public_spirit[i]), "unmet_need": float(st.needs[i].mean()),
            "points": int(st.points[i]), "party_member": bool(st.party_category[i] != 0),
        }


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
    """Angles (clockwise from the top) at which each of the six phases starts."""
    return np.array([2 * np.pi * (k * round_weeks // 6) / round_weeks for k in range(6)])


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
        ax.add_collection(LineCollection(segs, colors="#9e9e9e", linewidths=0.3, alpha=min(0.5, 300 / max(1, len(e))) + 0.05))
        self.size = float(np.clip(12000 / max(n, 1), 3, 60))
        self.nodes = ax.scatter(self.pos[:, 0], self.pos[:, 1], s=self.size, linewidths=0)
        self.rings = ax.scatter([], [], s=self.size * 3, facecolors="none", linewidths=1.0)
        self.pick = ax.scatter([], [], s=self.size * 8, facecolors="none", edgecolors="#e41a1c", linewidths=2.0)
        self.ax = ax
        self.fig.canvas.draw()  # fixes the data limits, so clicks map to positions
        self.x0, self.x1 = ax.get_xlim()
        self.y0, self.y1 = ax.get_ylim()

    def render(self, rung: np.ndarray, backbone: np.ndarray, team: np.ndarray, n_rungs: int,
               picked: int | None = None) -> bytes:
        colours = np.array([matplotlib.colors.to_rgba(c) for c in txt.rung_colours(n_rungs)])
        self.nodes.set_facecolors(colours[rung])
        marked = np.flatnonzero(backbone | (team >= 0))
        self.rings.set_offsets(self.pos[marked] if len(marked) else np.zeros((0, 2)))
        self.rings.set_edgecolors(np.where(backbone[marked, None], [[0, 0, 0, 1]], [[0.13, 0.4, 0.8, 1]])
                                  if len(marked) else "none")
        self.pick.set_offsets(self.pos[[picked]] if picked is not None else np.zeros((0, 2)))
        return _png(self.fig)

    def resident_at(self, px: float, py: float) -> int | None:
        """The resident drawn nearest to pixel (px, py) of the PNG, if one is close."""
        x = self.x0 + px / NETWORK_PX * (self.x1 - self.x0)
        y = self.y1 - py / NETWORK_PX * (self.y1 - self.y0)
        per_px = (self.x1 - self.x0) / NETWORK_PX
        return nearest(self.pos, x, y, radius=max(6 * per_px, 2 * math.sqrt(self.size) * per_px))


def network_legend(n_rungs: int, rung_keys, lang: str) -> list[tuple[str, str]]:
    """(colour, label) pairs of the network's legend (HTML, so the browser draws any language)."""
    return [(c, txt.rung_label(k, lang)) for c, k in zip(txt.rung_colours(n_rungs), rung_keys, strict=True)]


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
        ax.stackplot(weeks, *shares, colors=txt.rung_colours(len(run.rung_keys)),
                     labels=[txt.rung_label(k, flang) for k in run.rung_keys])
        ax.set_xlim(0, max(1, weeks[-1]))
        ax.set_ylim(0, 1)
        ax.set_xlabel(txt.t("weeks", flang))
        ax.set_ylabel(txt.t("share_of_residents", flang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, reverse=True, fontsize=8)
        fig.subplots_adjust(left=0.12, right=0.68, top=0.96, bottom=0.15)
        return _png(fig)


def spiral_png(run: Run, lang: str, size=(4.0, 4.0)) -> bytes:
    with run.lock:
        return _spiral_png(run, lang, size)


def _spiral_png(run: Run, lang: str, size=(4.0, 4.0)) -> bytes:
    """The participation spiral: one turn per round, the six phases as labelled sectors."""
    flang = txt.figure_lang(lang)
    R = int(run.model.p["round_weeks"])
    weeks, values = run.series("week"), run.series("participation_index")
    x, y = spiral_xy(weeks, values, R)
    with matplotlib.rc_context(_font_rc(flang)):
        fig = Figure(figsize=size, dpi=DPI)
        ax = fig.add_axes((0.02, 0.02, 0.78, 0.84))
        ax.set_aspect("equal")
        ax.set_axis_off()
        top = max(0.05, float(values.max()) * 1.1)
        for r in np.linspace(top / 4, top, 4):
            ax.add_patch(matplotlib.patches.Circle((0, 0), r, fill=False, lw=0.4, color="#cccccc"))
            ax.text(r * math.sin(3.6), r * math.cos(3.6), f"{r:.2f}", fontsize=6, color="#888888")
        for k, a in enumerate(phase_edges(R)):
            ax.plot([0, top * math.sin(a)], [0, top * math.cos(a)], ls=":", lw=0.6, color="#999999")
            mid = a + math.pi / 6
            ax.text(1.13 * top * math.sin(mid), 1.13 * top * math.cos(mid),
                    txt.mechanism_label(txt.mechanisms()[k], flang), ha="center", va="center", fontsize=7)
        rounds = weeks.astype(int) // R
        last = max(1, int(rounds.max()))
        cmap = matplotlib.colormaps["OrRd"]
        for k in range(int(rounds.max()) + 1):
            sel = (rounds == k) | (np.r_[rounds[1:], -1] == k)  # join each round to the next
            ax.plot(x[sel], y[sel], color=cmap(0.35 + 0.65 * k / last), lw=1.8,
                    label=txt.t("round", flang, n=k + 1))
        ax.plot(x[-1:], y[-1:], "o", color="#8c2d04", ms=4)
        ax.set_xlim(-1.3 * top, 1.3 * top)
        ax.set_ylim(-1.3 * top, 1.3 * top)
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles[-6:], labels[-6:], loc="upper right", fontsize=7, frameon=False,
                   title=txt.t("rounds_legend", flang), title_fontsize=7)
        fig.suptitle(f"{txt.t('spiral', flang)} · {txt.t('participation_index', flang)}", fontsize=9)
        return _png(fig)


ORG_SERIES = ("pool_balance", "n_teams", "norm", "points_held", "mean_trust")


def org_png(run: Run, lang: str, size=(4.8, 2.6)) -> bytes:
    with run.lock:
        return _org_png(run, lang, size)


def _org_png(run: Run, lang: str, size=(4.8, 2.6)) -> bytes:
    """The organisation's state over time: pool, teams, norm, points and trust, each as a share
    of its largest value so far (the current values are shown beside it as numbers)."""
    flang = txt.figure_lang(lang)
    weeks = run.series("week")
    colours = ("#b2182b", "#2166ac", "#1b7837", "#e08214", "#762a83")
    with matplotlib.rc_context(_font_rc(flang)):
        fig = Figure(figsize=size, dpi=DPI)
        ax = fig.add_axes((0.1, 0.17, 0.6, 0.78))
        for key, colour in zip(ORG_SERIES, colours, strict=True):
            values = run.series(key)
            top = float(np.abs(values).max())
            ax.plot(weeks, values / top if top else values, color=colour, lw=1.2, label=txt.t(key, flang))
        ax.set_xlim(0, max(1, weeks[-1]))
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel(txt.t("weeks", flang), fontsize=7)
        ax.set_ylabel("÷ max", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7)
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
