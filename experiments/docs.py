"""Regenerate docs/parameters.md from the parameter schema: ``uv run python -m experiments.docs``."""

from pathlib import Path

from model.params import markdown_table

HEADER = """# Parameters

Generated from the one parameter schema (`model/params.py`) by `uv run python -m experiments.docs`;
a test fails when this file is stale. Every parameter is a keyword of `RedCycleModel`, a key of a
scenario file's `[parameters]` table, and a `--set name=value` of `run.py`.
"""


def main() -> None:
    path = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"
    path.write_text(HEADER + markdown_table(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
