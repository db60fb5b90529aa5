"""The floor plan holds: model/ is the domain, agents/ are views, experiments/ and run.py sit on top.

Rules (docs/extending.md, "The floor plan"):
* model/ never imports experiments/, run.py or the app (app/);
* the app (app/: page, logic, text, server) reads the model only, never experiments/ or run.py, and
  the top level holds no app modules of its own;
* agents/ imports nothing from model/ (model/ imports agents/: one direction, no cycle);
* no mechanism compares a rung with a bare number (rungs are named through model.ladder.Rung);
* the recorder reads the state registry and never writes it.
"""

import ast
import re
from pathlib import Path

import numpy as np

from model import RedCycleModel

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = {"model", "agents", "experiments", "run", "app", "tests", "benchmarks"}
APP = {"app"}
APP_MODULES = {"__init__.py", "page.py", "logic.py", "text.py", "server.py"}


def imports_of(path: Path) -> set[str]:
    """Top-level project packages a module imports, anywhere in it (function-local imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = path.relative_to(ROOT).parts[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside its own package
                found.add(package)
            elif node.module:
                found.add(node.module.split(".")[0])
    return found & TOP_LEVEL


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_model_never_imports_experiments_or_the_command_line():
    for path in modules("model"):
        bad = imports_of(path) & ({"experiments", "run", "tests", "benchmarks"} | APP)
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_agents_import_nothing_from_model():
    for path in modules("agents"):
        bad = imports_of(path) & ({"model", "experiments", "run"} | APP)
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_experiments_never_import_the_command_line():
    for path in modules("experiments"):
        bad = imports_of(path) & ({"run"} | APP)
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_app_lives_in_its_package_and_reads_only_the_model():
    assert {p.name for p in modules("app")} == APP_MODULES
    assert not sorted(ROOT.glob("app*.py")), "app modules belong in app/, not beside run.py"
    for path in modules("app"):
        bad = imports_of(path) & {"experiments", "run", "tests", "benchmarks", "agents"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
    # the command line starts the server without loading Solara or the page (Solara loads it by name)
    tree = ast.parse((ROOT / "app" / "server.py").read_text(encoding="utf-8"))
    named = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    named |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in named if m.startswith(("solara", "app"))}, named


def test_the_rule_checker_sees_a_forbidden_import(tmp_path):
    """The checker itself can fail: a module with a function-local import of experiments is caught."""
    probe = ROOT / "model" / "_layout_probe.py"
    probe.write_text("def f():\n    from experiments import outputs\n", encoding="utf-8")
    try:
        assert "experiments" in imports_of(probe)
    finally:
        probe.unlink()


RUNG_COMPARISON = re.compile(r"\b(rung|rungs|place|place_rung)\b(\[[^\]]*\])?\s*(>=|<=|==|!=|>|<)\s*-?\d")


def test_no_mechanism_compares_a_rung_with_a_bare_number():
    for path in modules("model/mechanisms"):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            assert not RUNG_COMPARISON.search(code), f"{path.name}:{lineno}: {line.strip()}"
    assert RUNG_COMPARISON.search("mask = st.rung >= 2")  # the pattern catches what it should


def test_the_recorder_only_reads_the_state():
    m = RedCycleModel(n_residents=400, rng=3)
    m.run(30)  # past several phases, with projects, teams and points
    before = {k: v.copy() for k, v in m.state.arrays().items()}
    ledger = (m.pool.inflows(), m.pool.outflows(), m.pool.balance)
    for _ in range(3):
        m.recorder.measure(0, 0)
    for name, arr in m.state.arrays().items():
        assert np.array_equal(arr, before[name]), f"recording changed registry field '{name}'"
    assert (m.pool.inflows(), m.pool.outflows(), m.pool.balance) == ledger


def test_mechanisms_keep_no_per_resident_arrays_of_their_own():
    """Per-resident state lives in the registry: a mechanism's per-resident arrays are at most
    constants found at set-up (standing, compound lists) or indexes rebuilt from registry fields."""
    m = RedCycleModel(n_residents=500, rng=2)
    m.run(27)
    allowed = {"standing", "mobile", "guess", "degree", "compound_residents"}  # compound_residents: the compound lists
    n = m.community.n
    for name, mech in m.mechanisms.items():
        for attr, value in vars(mech).items():
            if isinstance(value, np.ndarray) and value.shape[:1] == (n,) and attr not in allowed:
                raise AssertionError(f"{name}.{attr} is a per-resident array outside the registry")


def test_benchmarks_and_tests_import_the_model_never_each_other():
    """A benchmark measures the model (and experiments/); it never borrows the tests' helpers, nor
    do the tests borrow a benchmark's; the tests' shared helpers need only the model."""
    for path in modules("benchmarks"):
        assert "tests" not in imports_of(path), f"{path.relative_to(ROOT)} imports the tests"
    for path in modules("tests"):
        assert "benchmarks" not in imports_of(path), f"{path.relative_to(ROOT)} imports a benchmark"
    assert imports_of(ROOT / "tests" / "helpers.py") <= {"model", "tests"}
