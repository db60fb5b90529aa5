"""Property-based tests (hypothesis): the scenario, graph, residents and experiment-file readers fed
random and mutated files either read them or refuse them with a one-line error of their own kind,
never another exception (issue 17, point 9). Derandomised, so the suite is the same every time."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.sweep import SpecError, read_spec
from model import GraphFileError, ResidentsFileError, read_graph_file
from model.scenarios import ScenarioError, read_scenario
from model.survey import read_residents

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """``original`` with a few edits: bytes replaced, deleted, inserted, lines duplicated or cut."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        match draw(st.sampled_from(["replace", "delete", "insert", "duplicate", "truncate", "bom"])):
            case "replace" if data:
                data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
            case "delete":
                del data[at : at + draw(st.integers(1, 20))]
            case "insert":
                data[at:at] = draw(
                    st.binary(min_size=1, max_size=12)
                    | st.sampled_from(
                        [
                            b"\n",
                            b"=",
                            b"[",
                            b"]",
                            b'"',
                            b",",
                            b"-",
                            b"1e999",
                            b"nan",
                            b"\xef\xbb\xbf",
                            b"\x00",
                            b"99999999999",
                        ]
                    )
                )
            case "duplicate":
                lines = bytes(data).splitlines(keepends=True)
                if lines:
                    k = min(at, len(lines) - 1)
                    lines.insert(k, lines[k])
                data = bytearray(b"".join(lines))
            case "truncate":
                del data[at:]
            case _:
                data[0:0] = b"\xef\xbb\xbf"
    return bytes(data)


def _one_line(exc: Exception) -> None:
    assert "\n" not in str(exc) and str(exc), repr(exc)


SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_scenario_reader(data, tmp_path):
    original = data.draw(st.sampled_from(SCENARIOS)).read_bytes()
    text = data.draw(mutated(original) | st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
    path = tmp_path / "s.toml"
    path.write_bytes(text)
    try:
        s = read_scenario(path)
    except ScenarioError as exc:
        _one_line(exc)
    else:
        assert isinstance(s["parameters"], dict) and isinstance(s["events"], list)


def _graphml() -> bytes:
    g = nx.path_graph(6)
    nx.set_node_attributes(g, {i: i // 2 for i in g}, "household")
    return "".join(nx.generate_graphml(g)).encode()


GRAPHS = {
    ".edges": b"0 1\n1 2\n2 3\n3 0\n",
    ".csv": b"source,target\n0,1\n1,2\n",
    ".graphml": _graphml(),
    ".gml": "\n".join(nx.generate_gml(nx.cycle_graph(4))).encode(),
}


@settings(max_examples=200, **SETTINGS)
@given(data=st.data())
def test_graph_reader(data, tmp_path):
    suffix = data.draw(st.sampled_from(sorted(GRAPHS)))
    text = data.draw(mutated(GRAPHS[suffix]) | st.binary(max_size=200))
    path = tmp_path / f"g{suffix}"
    path.write_bytes(text)
    try:
        g = read_graph_file(path)
    except GraphFileError as exc:
        _one_line(exc)
    else:
        assert g.number_of_nodes() >= 2


@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_residents_reader(data, tmp_path):
    original = (ROOT / "docs" / "residents_example.csv").read_bytes()[:3000]
    original = original[: original.rfind(b"\n") + 1]
    path = tmp_path / "r.csv"
    path.write_bytes(data.draw(mutated(original) | st.binary(max_size=200)))
    try:
        survey = read_residents(path)
    except ResidentsFileError as exc:
        _one_line(exc)
    else:
        assert survey.n >= 2


SPECS = sorted((ROOT / "sweeps").glob("*.toml"))


@pytest.mark.slow
@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_experiment_file_reader(data, tmp_path):
    """Mutated experiment files (read with a small community, so that a file that reads builds fast)."""
    original = data.draw(st.sampled_from(SPECS)).read_bytes()
    path = tmp_path / "x.toml"
    path.write_bytes(data.draw(mutated(original)))
    try:
        spec = read_spec(
            path, {"steps": 2, "replications": 1}, {"n_residents": 50, "burn_in_weeks": 0, "agent_objects": "lazy"}
        )
    except SpecError as exc:
        _one_line(exc)
    else:
        assert spec["n_runs"] == len(spec["points"]) * spec["replications"]
