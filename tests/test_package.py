"""The project is an installable package and behaves as Mesa users expect."""

import subprocess
import sys
from pathlib import Path

import mesa

from model import RedCycleModel

ROOT = Path(__file__).resolve().parent.parent


def test_import_model_works_from_another_folder(tmp_path):
    code = ("import model, agents, experiments, run; "
            "m = model.RedCycleModel(n_residents=100, rng=1).run(3); print(m.steps, model.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    steps, where = out.stdout.split()
    assert steps == "3" and Path(where).parent == ROOT / "model"


def test_the_redcycle_console_command_does_what_run_py_does(tmp_path):
    exe = Path(sys.executable).parent / "redcycle"
    assert exe.exists(), "the 'redcycle' console script is not installed (uv sync / pip install -e .)"
    by_command = subprocess.run([str(exe), "scenarios"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    by_script = subprocess.run([sys.executable, str(ROOT / "run.py"), "scenarios"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=300)
    assert by_command.returncode == 0 == by_script.returncode
    assert by_command.stdout == by_script.stdout and "red_microcycle" in by_command.stdout


def test_mesa_batch_run_stops_at_the_models_steps():
    """batch_run's own max_steps default is 1,000: the model stops itself after its `steps` weeks."""
    rows = mesa.batch_run(RedCycleModel, parameters={"n_residents": 200, "steps": 30}, rng=[1, 2],
                          number_processes=1, data_collection_period=-1, display_progress=False)
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
