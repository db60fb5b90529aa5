"""Docs that run: the commands and Python examples of the README and of the docs pages they lead
to are executed, every notebook is executed, the documentation site builds with ``mkdocs build
--strict``, and nothing in the repository points outside it."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("README.md", "docs/user-guide.md", "docs/extending.md")
"""The pages whose ``bash`` commands and ``python`` examples are executed, in this order (the
front door, then the pages it leads to). Commands that serve (the app) sit in ``shell`` blocks."""


def blocks(lang: str, page: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", (ROOT / page).read_text(encoding="utf-8"), flags=re.S)


def readme_blocks(lang: str) -> list[str]:
    return blocks(lang, "README.md")


def run_commands() -> list[str]:
    """Every page's ``run.py`` commands, each once, in page order (a page may repeat one of the
    README's commands to be complete on its own)."""
    cmds: list[str] = []
    for page in PAGES:
        for block in blocks("bash", page):
            for line in block.splitlines():
                line = line.split("  #")[0].strip()
                if (line.startswith("uv run run.py") or line.startswith("python run.py")) and line not in cmds:
                    cmds.append(line)
    return cmds


def python_examples() -> list[tuple[str, int]]:
    return [(page, i) for page in PAGES for i in range(len(blocks("python", page)))]


def test_readme_shows_the_two_commands_and_is_a_front_door():
    cmds = run_commands()
    assert "uv run run.py" in cmds
    assert any("uv run pytest" in b for b in readme_blocks("bash"))
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 220


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One scratch folder for the documented commands, run in page order (``rerun`` reads the
    results of the command before it); results land there, not in the repo."""
    return tmp_path_factory.mktemp("readme")


QUICK = re.compile(r"run\.py$|run\.py( [a-z]+)? --help$|run\.py (params|scenarios)$")
"""The main job (``uv run run.py``) and the documented commands that run no model (help, the parameter
and scenario lists) stay in the default run; the others run a model or a pipeline at its documented
size and are marked ``slow`` (``uv run pytest -m slow``)."""


def documented_commands() -> list:
    return [pytest.param(c, marks=() if QUICK.search(c) else pytest.mark.slow) for c in run_commands()]


@pytest.mark.parametrize("command", documented_commands())
def test_documented_command_runs(command, scratch):
    """Each documented command, run from the scratch folder."""
    tmp_path = scratch
    args = shlex.split(command)
    args = args[args.index("run.py") + 1 :]
    args = [a.replace("{ROOT}", str(ROOT)) for a in args]
    args = [str(ROOT / a) if not Path(a).is_absolute() and (ROOT / a).is_file() else a for a in args]  # inputs
    out = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(("page", "index"), python_examples(), ids=lambda x: str(x))
def test_documented_python_example_runs(page, index, tmp_path):
    code = blocks("python", page)[index]
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"},
    )
    assert out.returncode == 0, out.stderr


@pytest.mark.slow
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
    locked = {
        (p["name"].lower().replace("_", "-"), p["version"])
        for p in lock["package"]
        if "version" in p and p["name"] != "redcycle"
    }
    assert _pins("requirements-dev.txt") == locked
    user = _pins("requirements.txt")
    names = {n for n, _ in user}
    assert user < locked
    assert {"mesa", "solara", "salib", "optuna", "dask"} <= names
    assert not names & {"pytest", "hypothesis", "playwright", "ema-workbench", "jupyterlab", "mkdocs-material"}


def test_the_documentation_site_builds_strictly(tmp_path):
    """Every page in the nav, every link between pages and every anchor resolves (mkdocs --strict)."""
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_MKDOCS_2_WARNING": "1"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "site" / "user-guide" / "index.html").is_file()
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert {p for p in pages if p not in nav} == set(), "a page under docs/ is missing from mkdocs.yml's nav"


OUTSIDE = re.compile(r"shared/seed|CONCEPT\.md|\.\./shared")
LINK = re.compile(r"\]\((?!https?://|mailto:|#)([^)#\s]+)")


def _tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    names = out.stdout.split() if out.returncode == 0 else [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")]
    keep = (".md", ".py", ".toml", ".cff", ".ipynb", ".yml", ".txt")
    return [ROOT / n for n in names if n.endswith(keep) and (ROOT / n).is_file() and n != "uv.lock"]


def test_nothing_points_outside_the_repository():
    """No file names a source a clone does not have; every relative Markdown link resolves to a file
    inside the repository."""
    for path in _tracked_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name == "test_docs.py":
            continue
        assert not OUTSIDE.search(text), f"{path.relative_to(ROOT)} points outside the repository"
        if path.suffix == ".md":
            for target in LINK.findall(text):
                resolved = (path.parent / target).resolve()
                assert resolved.is_relative_to(ROOT) and resolved.exists(), (
                    f"{path.relative_to(ROOT)} links to {target}, which is not in the repository"
                )


def test_the_readmes_performance_headline_is_generated_from_a_measurement():
    """The README's figures are the rendering of benchmarks/headline.py's stored run, not typed."""
    import json

    from experiments.docs import headline

    measured = json.loads((ROOT / "docs" / "headline.json").read_text(encoding="utf-8"))
    assert measured["fresh_median_s"] > 0 and len(measured["fresh_s"]) == measured["repeats"]
    assert headline(measured) in (ROOT / "README.md").read_text(encoding="utf-8")


def test_jupyter_lab_is_there_to_open_the_notebooks():
    out = subprocess.run([sys.executable, "-m", "jupyterlab", "--version"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip()[0].isdigit(), out.stderr
