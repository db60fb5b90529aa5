"""The project is an installable package and behaves as Mesa users expect."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import mesa
import pytest

from model import RedCycleModel

ROOT = Path(__file__).resolve().parent.parent


def test_import_model_works_from_another_folder(tmp_path):
    code = (
        "import model, agents, experiments, run; "
        "m = model.RedCycleModel(n_residents=100, rng=1).run(3); print(m.steps, model.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    steps, where = out.stdout.split()
    assert steps == "3" and Path(where).parent == ROOT / "model"


def test_the_redcycle_console_command_does_what_run_py_does(tmp_path):
    exe = Path(sys.executable).parent / "redcycle"
    assert exe.exists(), "the 'redcycle' console script is not installed (uv sync / pip install -e .)"
    by_command = subprocess.run([str(exe), "scenarios"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    by_script = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "scenarios"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert by_command.returncode == 0 == by_script.returncode
    assert by_command.stdout == by_script.stdout and "red_microcycle" in by_command.stdout


def test_mesa_batch_run_stops_at_the_models_steps():
    """batch_run's own max_steps default is 1,000: the model stops itself after its `steps` weeks."""
    rows = mesa.batch_run(
        RedCycleModel,
        parameters={"n_residents": 200, "steps": 30},
        rng=[1, 2],
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == 2
    assert all(row["Step"] == 30 and row["week"] == 30 for row in rows)


def test_running_turns_false_after_steps_and_run_respects_it():
    m = RedCycleModel(n_residents=150, steps=5, rng=1)
    assert m.running
    m.run()
    assert m.steps == 5 and not m.running


def test_citation_and_license_are_there_and_agree_with_the_package():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f"version: {project['version']}" in citation
    assert "license: MIT" in citation and project["license"] == "MIT"
    assert "刘晓丽" in citation or "Liu" in citation  # the essay is cited as the model's source
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


# ---- the built wheel, installed outside the checkout -------------------------------------------------
def _uv(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """uv, offline first (its cache holds what uv.lock pins); online when the cache lacks something."""
    uv = shutil.which("uv")
    # the interpreter running the tests, unless one is chosen (.ci/run does): uv downloads none here
    env = {"UV_PYTHON": sys.executable, "UV_PYTHON_DOWNLOADS": "never", **os.environ}
    out = subprocess.run([uv, *args, "--offline"], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    if out.returncode != 0:
        out = subprocess.run([uv, *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    """The wheel built from this checkout and installed, with its core dependencies only (the
    versions uv.lock pins), into a fresh virtual environment in a temporary folder."""
    if shutil.which("uv") is None:
        pytest.skip("building and installing the wheel needs uv (https://docs.astral.sh/uv/)")
    import tomllib

    tmp = tmp_path_factory.mktemp("wheel")
    _uv("build", "--wheel", "--out-dir", str(tmp / "dist"), str(ROOT), cwd=tmp)
    (wheel,) = (tmp / "dist").glob("redcycle-*.whl")
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    pins = "".join(f"{p['name']}=={p['version']}\n" for p in lock["package"] if p["name"] != "redcycle")
    (tmp / "constraints.txt").write_text(pins, encoding="utf-8")
    _uv("venv", str(tmp / "venv"), "--python", sys.executable, "--no-project", cwd=tmp)
    python = tmp / "venv" / "bin" / "python"
    _uv("pip", "install", "--python", str(python), "-c", str(tmp / "constraints.txt"), str(wheel), cwd=tmp)
    work = tmp / "elsewhere"
    work.mkdir()
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(tmp), "MPLBACKEND": "Agg"}

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), cwd=work, capture_output=True, text=True, timeout=600, env=env)

    return wheel, python, run, work


def test_the_wheel_ships_the_packages_their_data_and_declares_the_extras(installed_wheel):
    wheel, *_ = installed_wheel
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry = z.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    for folder in ("scenarios", "sweeps"):
        shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith(f"model/_data/{folder}/")}
        assert shipped == {p.name for p in (ROOT / folder).glob("*.toml")}
    assert "model/_data/docs/about.md" in names and "run.py" in names and "redcycle/cli.py" in names
    assert "redcycle = redcycle.cli:main" in entry
    for extra in ("app", "experiments", "cluster", "all"):
        assert f"Provides-Extra: {extra}" in metadata
    core = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert sorted(line.split()[1].split(">")[0].split("<")[0].split("=")[0] for line in core) == sorted(
        ["mesa", "numpy", "scipy", "networkx", "matplotlib", "pandas", "pyarrow", "numba"]
    )


@pytest.mark.slow
def test_the_installed_wheel_runs_a_model_outside_the_checkout(installed_wheel):
    """A core-only install: `redcycle run`, `redcycle scenarios` and `simulate` work, from the package."""
    _, python, run, work = installed_wheel
    where = run(str(python), "-c", "import model, run; print(model.__file__); print(run.__file__)")
    assert where.returncode == 0, where.stderr
    assert all("site-packages" in line and str(ROOT) not in line for line in where.stdout.split())
    out = run("redcycle", "run", "--steps", "4", "--set", "n_residents=300", "--out", "result")
    assert out.returncode == 0, out.stderr
    assert "scenario red_microcycle" in out.stdout
    assert (work / "result" / "timeseries.csv").read_text(encoding="utf-8").count("\n") == 1 + 5  # weeks 0-4
    listed = run("redcycle", "scenarios")
    assert listed.returncode == 0, listed.stderr
    assert {line.split(":")[0] for line in listed.stdout.splitlines()} == {
        p.stem for p in (ROOT / "scenarios").glob("*.toml")
    }
    code = (
        "from model import simulate; out = simulate({'n_residents': 300}, seed=1, steps=4); "
        "print(len(out['timeseries']['participation_index']), out['participation_index'])"
    )
    sim = run(str(python), "-c", code)
    assert sim.returncode == 0, sim.stderr
    assert sim.stdout.split()[0] == "5" and 0.0 <= float(sim.stdout.split()[1]) <= 1.0


@pytest.mark.parametrize(
    ("argv", "extra"),
    [
        (["sensitivity", "levers_morris", "--method", "morris", "--out", "screen"], "experiments"),
        (["compare", "red_microcycle", "status_quo", "--out", "cmp"], "experiments"),
        (["app"], "app"),
    ],
    ids=["sensitivity", "compare", "app"],
)
def test_a_command_whose_extra_is_missing_says_which_to_install(installed_wheel, argv, extra):
    _, _, run, work = installed_wheel
    out = run("redcycle", *argv)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert f"the '{extra}' extra" in out.stderr and f"redcycle[{extra}]" in out.stderr
    assert not (work / argv[-1]).exists()
