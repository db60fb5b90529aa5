"""Every shipped scenario reruns bit for bit from its manifest (issue 17, point 2): the manifest keeps
the parameters at week 0 and the timeline, every file the run read (the burn-in's scenario too), and
the weekly table's parameter columns hold each week's values."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import run as cli
from model.scenarios import available_scenarios, read_scenario

N = "n_residents=100"


def main(argv: list[str], cwd: Path, capsys) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = cli.main(argv)
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", available_scenarios())
def test_every_shipped_scenario_reruns_bit_for_bit(name, tmp_path, capsys):
    events = read_scenario(name)["events"]
    steps = max([4, *(e["week"] + 1 for e in events)])  # past its last event
    code, _, err = main(
        ["--scenario", name, "--set", N, "--steps", str(steps), "--out", "r", "--quiet"], tmp_path, capsys
    )
    assert code == 0, err
    manifest = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert manifest["events"] == [{**e} for e in events] and manifest["events_not_reached"] == []
    code, out, err = main(["rerun", "r", "--quiet"], tmp_path, capsys)
    assert code == 0 and out.startswith("reproduced bit for bit"), (out, err)


def test_the_weekly_table_holds_each_weeks_parameters_and_the_manifest_week_0s(tmp_path, capsys):
    code, _, err = main(
        ["--scenario", "policy_from_year2", "--set", N, "--steps", "55", "--out", "r", "--quiet"], tmp_path, capsys
    )
    assert code == 0, err
    table = pd.read_csv(tmp_path / "r" / "timeseries.csv")
    assert table["week"].tolist() == list(range(56))
    for column, before, after in (("org_role", 0.0, 0.8), ("team_on", False, True)):
        assert (table.loc[table["week"] <= 52, column] == before).all(), column
        assert (table.loc[table["week"] >= 53, column] == after).all(), column
    manifest = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["org_role"] == 0.0 and manifest["parameters_at_end"]["org_role"] == 0.8
    assert [Path(r["path"]).name for r in manifest["model_files"]] == ["status_quo.toml"]


def test_rerun_names_a_changed_burn_in_scenario_and_an_event_not_reached(tmp_path, capsys):
    code, out, err = main(
        ["--scenario", "support_withdrawn", "--set", N, "--steps", "6", "--out", "r"], tmp_path, capsys
    )
    assert code == 0 and "note: the event at week 157 was not reached: the run ended at week 6" in out, err
    path = tmp_path / "r" / "summary.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["events_not_reached"] == [e for e in manifest["events"] if e["week"] == 157]
    manifest["model_files"][0]["sha256"] = "0" * 64  # as if status_quo.toml had changed since
    path.write_text(json.dumps(manifest), encoding="utf-8")
    code, out, err = main(["rerun", "r"], tmp_path, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "status_quo.toml" in err and "changed since the run" in err
