"""Docs that run: the README's commands and Python examples, and every notebook, are executed."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def readme_run_commands() -> list[str]:
    cmds = []
    for block in readme_blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("uv run run.py") or line.startswith("python run.py"):
                cmds.append(line)
    return cmds


def test_readme_shows_the_two_commands():
    cmds = readme_run_commands()
    assert "uv run run.py" in cmds
    assert any("uv run pytest" in b for b in readme_blocks("bash"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One scratch folder for the README's commands, run in README order (``rerun`` reads the
    results of the command before it); results land there, not in the repo."""
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("command", readme_run_commands())
def test_readme_command_runs(command, scratch):
    """Each README command, run from the scratch folder."""
    tmp_path = scratch
    args = shlex.split(command)
    args = args[args.index("run.py") + 1:]
    args = [a.replace("{ROOT}", str(ROOT)) for a in args]
    args = [str(ROOT / a) if not Path(a).is_absolute() and (ROOT / a).is_file() else a for a in args]  # inputs
    out = subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("index", range(len(readme_blocks("python"))))
def test_readme_python_example_runs(index, tmp_path):
    code = readme_blocks("python")[index]
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_executes(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def _pins(name: str) -> set[tuple[str, str]]:
    pinned = set()
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", line)
        if m:
            pinned.add((m.group(1).split("[")[0].lower().replace("_", "-"), m.group(2)))
    return pinned


def test_the_requirements_files_match_the_lock():
    """The pip route installs what uv.lock pins (re-export: see each file's header):
    requirements.txt the package with every extra and no test tools, requirements-dev.txt everything."""
    import tomllib

    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {(p["name"].lower().replace("_", "-"), p["version"]) for p in lock["package"]
              if "version" in p and p["name"] != "redcycle"}
    assert _pins("requirements-dev.txt") == locked
    user = _pins("requirements.txt")
    names = {n for n, _ in user}
    assert user < locked
    assert {"mesa", "solara", "salib", "optuna", "dask"} <= names
    assert not names & {"pytest", "hypothesis", "playwright", "ema-workbench", "jupyterlab", "mkdocs-material"}
