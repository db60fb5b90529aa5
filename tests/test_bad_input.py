"""Bad and hostile input, table-driven: every case ends in one line, exit code 2 (or the API's
ParameterError), no traceback, and a sentinel folder tree byte-identical before and after.

The sentinel tree stands for a user's disk: a git checkout, a folder of their own files, the
graph and scenario files a run reads, and a previous result. Command-line cases run in this
process through ``run.main`` (fast: no interpreter start-up each); the cases that need a real
process (terminal encoding, a closed pipe, kills at several moments, concurrent runs) start one.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import run as cli
from experiments.folders import RESULT_FILES, default_out, slug
from model import RedCycleModel
from model.params import ParameterError

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--set", "n_residents=200", "--steps", "4"]


def tree_digest(root: Path) -> dict[str, str]:
    """Every file, folder and link under ``root`` with the SHA-256 of its bytes (or its target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir:" + oct(p.stat().st_mode)
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
    return out


def _graphml(nodes: list[str], edges: list[tuple[str, str]], attr: str = "") -> str:
    key = '<key id="h" for="node" attr.name="household" attr.type="long"/>' if attr else ""
    ns = "".join(f'<node id="{n}">{attr}</node>' for n in nodes)
    es = "".join(f'<edge source="{a}" target="{b}"/>' for a, b in edges)
    return (
        f'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">{key}'
        f'<graph edgedefault="undirected">{ns}{es}</graph></graphml>'
    )


def make_sentinel(base: Path) -> Path:
    """A user's disk in miniature."""
    root = base / "disk"
    (root / "checkout" / ".git" / "refs").mkdir(parents=True)
    (root / "checkout" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "checkout" / "analysis.py").write_text("print('mine')\n")
    (root / "victim").mkdir()
    (root / "victim" / "thesis.tex").write_text("\\documentclass{article}\n")
    (root / "empty_name_victim").mkdir()
    (root / "inputs").mkdir()
    inp = root / "inputs"
    (inp / "ring.edges").write_text("".join(f"{i} {(i + 1) % 20}\n" for i in range(20)))
    (inp / "header_unknown.csv").write_text("a,b\n0,1\n1,2\n")
    (inp / "one_field.edges").write_text("0 1\n2\n")
    (inp / "not_utf8.edges").write_bytes(b"0 1\n\xff\xfe 2\n")
    (inp / "broken.graphml").write_text('<?xml version="1.0"?><graphml><graph><node id="a"></graph>')
    (inp / "huge_household.graphml").write_text(
        _graphml(["0", "1", "2"], [("0", "1"), ("1", "2")], attr=f'<data key="h">{10**12}</data>')
    )
    levels = "".join(f'<!ENTITY lol{k} "{f"&lol{k - 1};" * 10}">' for k in range(1, 10))
    (inp / "bomb.graphml").write_text(  # a billion laughs
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{levels}]>'
        '<graphml><graph edgedefault="undirected"><node id="&lol9;"/><node id="b"/></graph></graphml>'
    )
    (inp / "lonely.edges").write_text("# nothing\n")
    (inp / "folder.edges").mkdir()
    (inp / "graph.json").write_text("{}")
    scen = {
        "empty.toml": "",
        "name_int.toml": "[scenario]\nname = 5\n",
        "base_int.toml": "[scenario]\nbase = 5\n",
        "question_table.toml": "[scenario]\nquestion = {a = 1}\n",
        "name_newline.toml": '[scenario]\nname = "a\\nb"\n',
        "unknown_key.toml": '[scenario]\nname = "x"\ncolour = "red"\n',
        "unknown_param.toml": "[parameters]\nn_resident = 10\n",
        "bad_value.toml": "[parameters]\norg_role = 1.5\n",
        "bad_type.toml": '[parameters]\nn_residents = "many"\n',
        "not_toml.toml": "[scenario\n",
        "cycle_a.toml": f'[scenario]\nbase = "{inp}/cycle_b.toml"\n',
        "cycle_b.toml": f'[scenario]\nbase = "{inp}/cycle_a.toml"\n',
        "missing_base.toml": '[scenario]\nbase = "no_such_scenario"\n',
        "mechanisms_unknown.toml": '[parameters]\nmechanisms = ["backbone", "teams"]\n',
        "mechanisms_word.toml": '[parameters]\nmechanisms = "some"\n',
        "mechanisms_and_switch.toml": '[parameters]\nmechanisms = "all"\nteam_on = false\n',
        "mechanisms_event.toml": "[parameters]\nsteps = 4\n[[events]]\nweek = 2\nmechanisms = [1]\n",
    }
    for name, text in scen.items():
        (inp / name).write_text(text, encoding="utf-8")
    (inp / "not_utf8.toml").write_bytes(b'[scenario]\nname = "\xff"\n')
    residents = {
        "three": "household\n1\n2\n3\n",
        "id_float": "household\n1.0\n2\n",
        "id_huge": "household\n12345678901234567890\n1\n",
        "id_zero_led": "household\n007\n7\n",
    }
    for name, text in residents.items():
        (inp / f"residents_{name}.csv").write_text(text)
    (inp / "event_steps.toml").write_text("[parameters]\nsteps = 4\n[[events]]\nweek = 2\nsteps = 10\n")
    sweep = '[sweep]\ndesign = "{d}"\nsteps = 2\nlevels = 10\n{extra}[sweep.fixed]\nn_residents = 50\n{fixed}'
    ranges = "[sweep.ranges]\n" + "".join(
        f"{k} = [0.1, 0.2]\n"
        for k in (
            "org_role",
            "weight_social",
            "diversity",
            "threshold_mean",
            "trust_mean",
            "need_mean",
            "capacity_mean",
            "spirit_decay",
        )
    )
    specs = {
        "big_design": sweep.format(d="factorial", extra="", fixed="") + ranges,
        "fixed_and_varied": sweep.format(d="lhs", extra="", fixed="org_role = 0.3\n") + ranges,
        "no_outcomes": sweep.format(d="morris", extra="outcomes = []\n", fixed="") + ranges,
        "outcomes_text": sweep.format(d="lhs", extra='outcomes = "trust"\n', fixed="") + ranges,
        "tiny_sweep": sweep.format(d="points", extra="", fixed="") + "[sweep.values]\norg_role = [0.1]\n",
    }
    for name, text in specs.items():
        (inp / f"{name}.toml").write_text(text)
    (root / "edited_experiment").mkdir()
    (root / "edited_experiment" / "experiment.json").write_text("[1]")
    good = {
        "tool": "redcycle",
        "files": list(RESULT_FILES),
        "parameters": {},
        "seed": 1,
        "scenario_files": [],
        "graph_file": None,
        "events": [],
        "model_files": [],
    }
    edited = {
        "params_list": {"parameters": [1]},
        "seed_text": {"seed": "one"},
        "seed_bool": {"seed": True},
        "record_number": {"scenario_files": [5]},
        "record_no_hash": {"model_files": [{"path": "x"}]},
        "name_table": {"scenario": {"a": 1}},
        "unknown_parameter": {"parameters": {"n_resident": 3}},
        "events_text": {"events": "week 3"},
        "event_garbage": {"events": [{"week": "soon"}]},
        "seed_huge": {"seed": 2**70},
        "value_huge": {"parameters": {"org_role": 10**400}},
    }
    for name, change in edited.items():
        folder = root / "edited" / name
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps({**good, **change}))
    (root / "edited" / "not_json").mkdir()
    (root / "edited" / "not_json" / "summary.json").write_text('{"tool": "redcycle", ')
    (root / "edited" / "deep").mkdir()
    (root / "edited" / "deep" / "summary.json").write_text("[" * 100_000 + "]" * 100_000)
    for i in range(1200):  # a 1,200-long chain of bases
        nxt = f'base = "{inp}/chain/{i + 1}.toml"\n' if i < 1199 else ""
        (inp / "chain").mkdir(exist_ok=True)
        (inp / "chain" / f"{i}.toml").write_text(f"[scenario]\n{nxt}")
    forged = root / "forged"  # a manifest that lists a user's file: still not ours to replace
    forged.mkdir()
    (forged / "thesis.tex").write_text("years of work\n")
    (forged / "summary.json").write_text(json.dumps({"tool": "redcycle", "files": ["thesis.tex", "summary.json"]}))
    (root / "results").mkdir()
    (root / "results" / "notes.txt").write_text("my notes\n")
    (root / "file.txt").write_text("a file\n")
    (root / "readonly").mkdir()
    (root / "link_to_victim").symlink_to(root / "victim")
    return root


# case: (arguments, fragments of the error line); "{D}" is the sentinel root
CLI_CASES: dict[str, tuple[list[str], list[str]]] = {
    # command line
    "unknown_command": (["parms"], ["unknown command 'parms'", "did you mean 'params'", "run, params, scenarios"]),
    "unknown_flag": ([*SMALL, "--bogus"], ["unrecognized arguments: --bogus"]),
    "unknown_parameter": ([*SMALL, "--set", "n_resident=3"], ["unknown parameter 'n_resident'", "'n_residents'"]),
    "set_without_value": ([*SMALL, "--set", "n_residents"], ["--set expects name=value"]),
    "out_of_range": ([*SMALL, "--set", "org_role=1.5"], ["org_role", "= 1.5 is out of range 0–1"]),
    "nan": ([*SMALL, "--set", "org_role=nan"], ["org_role", "finite"]),
    "bool_for_number": ([*SMALL, "--set", "org_role=true"], ["org_role", "must be a number"]),
    "number_for_bool": ([*SMALL, "--set", "convention_on=1"], ["convention_on", "true or false"]),
    "bad_choice": ([*SMALL, "--set", "agent_objects=sometimes"], ["agent_objects", "allowed"]),
    "steps_negative": (["--steps", "-5", "--set", "n_residents=200"], ["--steps", "out of range"]),
    "steps_fraction": (["--steps", "2.9", "--set", "n_residents=200"], ["--steps", "must be an integer"]),
    "steps_word": (["--steps", "abc"], ["--steps", "must be an integer"]),
    "seed_2_64": ([*SMALL, "--seed", "18446744073709551616"], ["--seed", "out of range", "9223372036854775807"]),
    "seed_negative": ([*SMALL, "--seed", "-1"], ["--seed", "out of range"]),
    "seed_fraction": ([*SMALL, "--seed", "1.5"], ["--seed", "must be an integer"]),
    "shares_exceed_one": ([*SMALL, "--set", "retired_share=0.8", "--set", "mobile_share=0.5"], ["exceed 1"]),
    "too_big_for_memory": (["--set", "n_residents=5000000", "--steps", "1"], ["needs about", "GiB", "available"]),
    # scenario files
    "unknown_scenario": (["--scenario", "nosuch", *SMALL], ["unknown scenario 'nosuch'", "available:"]),
    "scenario_empty": (["--scenario", "{D}/inputs/empty.toml"], ["{D}/inputs/empty.toml", "is empty"]),
    "scenario_name_int": (
        ["--scenario", "{D}/inputs/name_int.toml"],
        ["name_int.toml", "'scenario.name' must be a string"],
    ),
    "scenario_base_int": (
        ["--scenario", "{D}/inputs/base_int.toml"],
        ["base_int.toml", "'scenario.base' must be a string"],
    ),
    "scenario_question_table": (["--scenario", "{D}/inputs/question_table.toml"], ["question_table.toml", "string"]),
    "scenario_name_newline": (["--scenario", "{D}/inputs/name_newline.toml"], ["name_newline.toml", "one line"]),
    "scenario_unknown_key": (["--scenario", "{D}/inputs/unknown_key.toml"], ["unknown key 'scenario.colour'"]),
    "scenario_unknown_param": (["--scenario", "{D}/inputs/unknown_param.toml"], ["unknown_param.toml", "n_resident"]),
    "scenario_bad_value": (["--scenario", "{D}/inputs/bad_value.toml"], ["bad_value.toml", "out of range 0–1"]),
    "scenario_bad_type": (["--scenario", "{D}/inputs/bad_type.toml"], ["bad_type.toml", "must be an integer"]),
    "scenario_not_toml": (["--scenario", "{D}/inputs/not_toml.toml"], ["not_toml.toml", "not valid TOML"]),
    "scenario_not_utf8": (["--scenario", "{D}/inputs/not_utf8.toml"], ["not_utf8.toml", "cannot be read"]),
    "scenario_cycle": (["--scenario", "{D}/inputs/cycle_a.toml"], ["its own base"]),
    "scenario_deep_chain": (["--scenario", "{D}/inputs/chain/0.toml"], ["chain/0.toml", "longer than 32"]),
    "scenario_missing_base": (["--scenario", "{D}/inputs/missing_base.toml"], ["unknown scenario 'no_such_scenario'"]),
    "scenario_folder": (["--scenario", "{D}/victim/"], ["not found"]),
    "scenario_unknown_mechanism": (
        ["--scenario", "{D}/inputs/mechanisms_unknown.toml"],
        [
            "mechanisms_unknown.toml",
            "unknown mechanism 'teams'",
            "did you mean 'team'",
            '"all", "none" or a list of the names backbone, project',
        ],
    ),
    "scenario_mechanisms_word": (
        ["--scenario", "{D}/inputs/mechanisms_word.toml"],
        ["mechanisms_word.toml", "'mechanisms' = 'some' is not allowed"],
    ),
    "scenario_mechanisms_and_switch": (
        ["--scenario", "{D}/inputs/mechanisms_and_switch.toml"],
        ["sets both 'mechanisms' and 'team_on'", "one of them"],
    ),
    "scenario_mechanisms_event": (
        ["--scenario", "{D}/inputs/mechanisms_event.toml"],
        ["event 1", "lists 1, not a mechanism's name"],
    ),
    "scenario_event_changes_steps": (
        ["--scenario", "{D}/inputs/event_steps.toml", "--set", "n_residents=200"],
        ["event at week 2", "'steps' cannot change during a run"],
    ),
    # residents files: sizes that disagree, identifiers exactly as written
    "residents_size_conflict": (
        ["--residents", "{D}/inputs/residents_three.csv", "--set", "n_residents=5000", "--steps", "2"],
        ["has 3 residents but n_residents = 5,000", "set it to 3"],
    ),
    "residents_id_float": (
        ["--residents", "{D}/inputs/residents_id_float.csv", "--steps", "2"],
        ["row 1, column 'household'", "'1.0' is not allowed", "written plainly"],
    ),
    "residents_id_huge": (
        ["--residents", "{D}/inputs/residents_id_huge.csv", "--steps", "2"],
        ["'12345678901234567890' is not allowed"],
    ),
    "residents_id_zero_led": (
        ["--residents", "{D}/inputs/residents_id_zero_led.csv", "--steps", "2"],
        ["'007' is not allowed", "no leading zeros"],
    ),
    # graph files
    "graph_missing": ([*SMALL, "--graph", "{D}/inputs/missing.graphml"], ["missing.graphml", "not found"]),
    "graph_malformed": ([*SMALL, "--graph", "{D}/inputs/broken.graphml"], ["broken.graphml", "not valid graphml"]),
    "graph_entity_bomb": (
        ["--steps", "2", "--graph", "{D}/inputs/bomb.graphml"],
        ["bomb.graphml", "not valid graphml"],
    ),
    "graph_attribute_out_of_range": (
        ["--steps", "2", "--graph", "{D}/inputs/huge_household.graphml"],
        ["household", "1000000000000", "allowed: an integer in"],
    ),
    "graph_unknown_header": (["--steps", "2", "--graph", "{D}/inputs/header_unknown.csv"], ["looks like a header"]),
    "graph_one_field": (["--steps", "2", "--graph", "{D}/inputs/one_field.edges"], ["line 2", "two node ids"]),
    "graph_not_utf8": (["--steps", "2", "--graph", "{D}/inputs/not_utf8.edges"], ["not_utf8.edges", "not valid"]),
    "graph_no_nodes": (["--steps", "2", "--graph", "{D}/inputs/lonely.edges"], ["0 node(s)"]),
    "graph_is_a_folder": (["--steps", "2", "--graph", "{D}/inputs/folder.edges"], ["is not a regular file"]),
    "graph_unknown_type": (["--steps", "2", "--graph", "{D}/inputs/graph.json"], ["unknown type '.json'"]),
    "graph_disagrees_with_n": (
        ["--steps", "2", "--graph", "{D}/inputs/ring.edges", "--set", "n_residents=5000"],
        ["the graph has 20 nodes but n_residents = 5000"],
    ),
    # output folders
    "out_git_checkout": ([*SMALL, "--out", "{D}/checkout"], ["{D}/checkout", "did not write"]),
    "out_holds_the_graph": ([*SMALL, "--graph", "{D}/inputs/ring.edges", "--out", "{D}/inputs"], ["did not write"]),
    "out_victim": ([*SMALL, "--out", "{D}/victim"], ["did not write"]),
    "out_forged_manifest": ([*SMALL, "--out", "{D}/forged"], ["did not write"]),
    "out_dot": ([*SMALL, "--out", "."], ["did not write"]),
    "out_root": ([*SMALL, "--out", "/"], ["names no folder"]),
    "out_empty": ([*SMALL, "--out", ""], ["--out is empty"]),
    "out_file": ([*SMALL, "--out", "{D}/file.txt"], ["not a folder"]),
    "out_under_file": ([*SMALL, "--out", "{D}/file.txt/sub"], ["not a writable folder"]),
    "out_symlink": ([*SMALL, "--out", "{D}/link_to_victim"], ["symbolic link"]),
    "out_results_with_notes": ([*SMALL, "--out", "{D}/results"], ["did not write"]),
    "out_read_only": ([*SMALL, "--out", "{D}/readonly/new"], ["not a writable folder"]),
    "out_unwritable_even_for_root": ([*SMALL, "--out", "/proc/self/redcycle"], ["not a writable folder"]),
    # calibrate
    "calibrate_no_trials": (["calibrate", "--trials", "0", "--out", "{D}/cal"], ["--trials must be >= 1, got 0"]),
    "calibrate_too_few_residents": (
        ["calibrate", "--n-residents", "1", "--out", "{D}/cal"],
        ["--n-residents", "out of range"],
    ),
    "calibrate_out_victim": (["calibrate", "--out", "{D}/victim"], ["did not write"]),
    # rerun
    "rerun_not_a_result": (["rerun", "{D}/victim"], ["holds no manifest of this tool"]),
    "rerun_dot": (["rerun", "."], ["holds no manifest of this tool"]),
    "rerun_root": (["rerun", "/"], ["holds no manifest of this tool"]),
    **{
        f"rerun_edited_{name}": (["rerun", f"{{D}}/edited/{name}", "--out", "{D}/rerun"], fragments)
        for name, fragments in {
            "params_list": ["no valid 'parameters'"],
            "seed_text": ["no valid 'seed'"],
            "seed_bool": ["no valid 'seed'"],
            "record_number": ["records an input file as '5'"],
            "record_no_hash": ["records an input file"],
            "name_table": ["'scenario' = ", "not text"],
            "unknown_parameter": ["unknown parameter 'n_resident'"],
            "events_text": ["no valid 'events'"],
            "event_garbage": ["event 1 needs an integer 'week'"],
            "seed_huge": ["the recorded seed", "out of range"],
            "value_huge": ["org_role", "out of range"],
            "not_json": ["holds no manifest of this tool"],
            "deep": ["holds no manifest of this tool"],
        }.items()
    },
    # sizes, lengths and amounts of work refused before any work
    "float_400_digits": ([*SMALL, "--set", "org_role=" + "1" * 400], ["org_role", "(400 characters) is out of range"]),
    "int_5000_digits": (
        [*SMALL, "--set", "n_residents=" + "9" * 5000],
        ["n_residents", "must be an integer", "(5,002 characters)"],
    ),
    "choice_megabyte": (
        [*SMALL, "--set", "agent_objects=" + "x" * 10**6],
        ["agent_objects", "characters) is not allowed"],
    ),
    "unknown_parameter_megabyte": ([*SMALL, "--set", "x" * 10**6 + "=1"], ["unknown parameter", "did you mean"]),
    "scenario_name_megabyte": (["--scenario", "a" * 10**6], ["scenario name or path of 1,000,000 bytes"]),
    "scenario_path_part_too_long": (["--scenario", "{D}/" + "a" * 300 + ".toml"], ["at most 255"]),
    "experiment_name_megabyte": (["sweep", "a" * 10**6, "--out", "{D}/sw"], ["experiment name or path of 1,000,000"]),
    "run_too_long": (
        ["--set", "n_residents=1000000", "--steps", "100000"],  # with its loop-cut twin: two runs
        ["would take about 27.8 hours", "--insist"],
    ),
    "status_quo_too_long": (
        ["--scenario", "status_quo", "--set", "n_residents=1000000", "--steps", "100000"],
        ["would take about 13.9 hours", "--insist"],
    ),  # no reference beside it
    "compare_too_long": (
        [
            "compare",
            "red_microcycle",
            "--reps",
            "100000",
            "--set",
            "n_residents=100000",
            "--out",
            "{D}/c",
            "--workers",
            "2",
        ],
        ["this comparison would take about", "--insist"],
    ),
    "sweep_design_too_big": (
        ["sweep", "{D}/inputs/big_design.toml", "--out", "{D}/sw"],
        ["would make 100,000,000 points", "--insist"],
    ),
    "sweep_fixed_and_varied": (
        ["sweep", "{D}/inputs/fixed_and_varied.toml", "--out", "{D}/sw"],
        ["'org_role' is both fixed", "and varied"],
    ),
    "sweep_set_and_varied": (
        ["sweep", "{D}/inputs/big_design.toml", "--set", "diversity=0.5", "--out", "{D}/sw"],
        ["'diversity' is both fixed"],
    ),
    "sensitivity_no_outcomes": (
        ["sensitivity", "{D}/inputs/no_outcomes.toml", "--method", "morris", "--out", "{D}/sw"],
        ["'outcomes' must be a list", "at least one"],
    ),
    "sweep_outcomes_text": (
        ["sweep", "{D}/inputs/outcomes_text.toml", "--out", "{D}/sw"],
        ["'outcomes' must be a list"],
    ),
    "sweep_hand_edited_experiment_json": (
        ["sweep", "{D}/inputs/tiny_sweep.toml", "--out", "{D}/edited_experiment"],
        ["holds a different experiment"],
    ),
    # one grammar (issue 18 point 9): run --reps/--workers, calibrate --seed, optimise --seed/--set
    "reps_zero": ([*SMALL, "--reps", "0"], ["--reps must be >= 1, got 0"]),
    "reps_text": ([*SMALL, "--reps", "many"], ["--reps", "invalid int value: 'many'"]),
    "run_workers_zero": ([*SMALL, "--reps", "2", "--workers", "0"], ["--workers must be >= 1, got 0"]),
    "reps_past_the_last_seed": (
        [*SMALL, "--seed", str(2**63 - 1), "--reps", "2"],
        ["the last replication's seed", "out of range"],
    ),
    "run_reps_too_long": (
        ["--set", "n_residents=100000", "--steps", "1000", "--reps", "1000", "--workers", "2"],
        ["this run would take about", "on 2 core(s)", "--insist"],
    ),
    "calibrate_seed_negative": (["calibrate", "--seed", "-1", "--out", "{D}/cal"], ["--seed must be >= 0, got -1"]),
    "optimise_set_unknown": (
        ["optimise", str(ROOT / "sweeps" / "policy_search_small.toml"), "--set", "org_rol=1", "--out", "{D}/opt"],
        ["unknown parameter 'org_rol'"],
    ),
    "optimise_seed_text": (
        ["optimise", str(ROOT / "sweeps" / "policy_search_small.toml"), "--seed", "one"],
        ["--seed", "invalid int value: 'one'"],
    ),
}


# every command that writes, against every folder that is not its to write: refused before any work
HOSTILE_OUTS = {
    "victim": "{D}/victim",
    "checkout": "{D}/checkout",
    "forged": "{D}/forged",
    "dot": ".",
    "dotdot": "..",
    "root": "/",
    "results_with_notes": "{D}/results",
    "file": "{D}/file.txt",
    "under_file": "{D}/file.txt/sub",
    "link": "{D}/link_to_victim",
    "inputs": "{D}/inputs",
    "proc": "/proc/self/redcycle",
    "edited_experiment": "{D}/edited_experiment",
}
WRITERS = {
    "run": [*SMALL],
    "run_reps": [*SMALL, "--reps", "2", "--workers", "1"],
    "compare": ["compare", "red_microcycle", "--reps", "1", "--steps", "2", "--set", "n_residents=100"],
    "sweep": ["sweep", "{D}/inputs/tiny_sweep.toml"],
    "sensitivity": ["sensitivity", "{D}/inputs/no_outcomes.toml", "--method", "morris", "--outcomes"],
    "calibrate": ["calibrate", "--trials", "1", "--seeds", "1", "--n-residents", "100"],
    "rerun": ["rerun", "{D}/edited/params_list"],
}
WRITERS["sensitivity"] = [
    "sensitivity",
    str(ROOT / "sweeps" / "sensitivity_morris.toml"),
    "--method",
    "morris",
    "--samples",
    "1",
    "--steps",
    "2",
]
for _cmd, _head in WRITERS.items():
    for _name, _out in HOSTILE_OUTS.items():
        CLI_CASES[f"out_{_name}_{_cmd}"] = ([*_head, "--out", _out], [])


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    root = make_sentinel(tmp_path_factory.mktemp("bad"))
    (root / "readonly").chmod(0o555)
    yield root
    (root / "readonly").chmod(0o755)


def run_main(argv: list[str], cwd: Path, capsys) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, out: str, err: str) -> str:
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("run.py: error: ") and "Traceback" not in err, err
    return err.rstrip("\n")


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_cli_bad_input(name, disk, capsys, monkeypatch):
    if name == "out_read_only" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    monkeypatch.setenv("REDCYCLE_MEMORY_AVAILABLE", str(2**30))  # 1 GiB, whatever the machine has
    args, fragments = CLI_CASES[name]
    args = [a.replace("{D}", str(disk)) for a in args]
    before = tree_digest(disk)
    line = assert_one_line(*run_main(args, disk, capsys))
    for fragment in fragments:
        assert fragment.replace("{D}", str(disk)) in line, (fragment, line)
    assert tree_digest(disk) == before


def test_hostile_scenario_names_are_labels(disk, capsys, tmp_path):
    """`name = "/abs/victim"`, `"../victim"` or `""` only label the run: the default folder is
    results/run-<slug>, inside results/, and nothing else on the disk changes."""
    names = {"/abs": str(disk / "victim"), "dotdot": "../victim", "empty": "", "dots": "..", "cjk": "测试/场景"}
    before = tree_digest(disk)
    for key, name in names.items():
        path = tmp_path / f"{key}.toml"
        path.write_text(
            f"[scenario]\nname = {json.dumps(name)}\n[parameters]\nn_residents = 200\nsteps = 2\n", encoding="utf-8"
        )
        code, out, err = run_main(["--scenario", str(path), "--quiet"], disk, capsys)
        assert code == 0 and err == "", err
        folder = disk / default_out("run", name)
        assert folder.parent == disk / "results" and {p.name for p in folder.iterdir()} == set(RESULT_FILES)
        assert json.loads((folder / "summary.json").read_text(encoding="utf-8"))["scenario"] == name
    after = tree_digest(disk)
    new = {k for k in after if k not in before}
    assert all(k.startswith("results/") and k != "results/notes.txt" for k in new)
    assert {k: after[k] for k in before} == before
    for folder in {default_out("run", n) for n in names.values()}:
        for p in (disk / folder).iterdir():
            p.unlink()
        (disk / folder).rmdir()
    assert tree_digest(disk) == before


def test_slug_never_escapes():
    for name in ["", ".", "..", "../..", "/", "a/../b", "\\x\\", "..hidden", "-", "名" * 300, "a\x00b"]:
        s = slug(name)
        assert s and "/" not in s and "\\" not in s and ".." not in s and not s.startswith(".")
        assert len(s) <= 80


def test_scenarios_listing_names_broken_files(tmp_path, monkeypatch, capsys):
    import model.scenarios as scenarios

    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "good.toml").write_text('[scenario]\nquestion = "Fine?"\n')
    (folder / "bad.toml").write_text("[scenario]\nname = 5\n")
    (folder / "worse.toml").write_text("[scenario\n")
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", folder)
    code, out, err = run_main(["scenarios"], tmp_path, capsys)
    assert code == 0 and out == "good: Fine?\n"
    lines = err.splitlines()
    assert len(lines) == 2 and "'bad'" in lines[0] and "'worse'" in lines[1] and "Traceback" not in err


# ------------------------------------------------------------------ graphs taken exactly -------


def test_graphml_ids_are_labels_never_merged(tmp_path):
    ids = ["01", "050", "007", "-0", "1", "50", "7", "0", "--0", "²"]
    path = tmp_path / "ids.graphml"
    path.write_text(_graphml(ids, list(zip(ids, ids[1:]))))
    from model import read_graph_file

    m = RedCycleModel(graph=read_graph_file(path), rng=1, steps=1)
    assert m.community.n == len(ids)
    assert sorted(m.community.labels) == sorted(ids)
    assert m.community.n_ties == len(ids) - 1


def test_edge_list_header_is_recognised(tmp_path):
    from model import read_graph_file

    (tmp_path / "h.csv").write_text("source,target\n0,1\n1,2\n")
    g = read_graph_file(tmp_path / "h.csv")
    assert sorted(g.nodes) == [0, 1, 2] and g.number_of_edges() == 2


def test_directed_and_self_loops_one_neighbourhood_for_agents_and_simulation():
    for g in (nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 0), (1, 1)]), nx.MultiGraph([(0, 1), (0, 1), (2, 2), (2, 3)])):
        m = RedCycleModel(graph=g, rng=1, agent_objects="eager")
        c = m.community
        for i in range(c.n):
            sim = set(c.indices[c.indptr[i] : c.indptr[i + 1]].tolist())
            mesa = {a.index for a in m.resident(i).neighbours()}
            assert mesa == sim, (i, mesa, sim)


# ------------------------------------------------------------------ the Python API -------------


API_CASES = {
    "initially_active_fraction": (
        lambda: RedCycleModel(n_residents=50, initially_active=[1.9], rng=1),
        "initially_active names node 1.9",
    ),
    "initially_active_string": (
        lambda: RedCycleModel(n_residents=50, initially_active="12", rng=1),
        "must be a list of node ids",
    ),
    "initially_active_bool": (lambda: RedCycleModel(n_residents=50, initially_active=[True], rng=1), "True"),
    "initially_active_unknown_label": (
        lambda: RedCycleModel(graph=nx.relabel_nodes(nx.path_graph(3), str), initially_active=["9"], rng=1),
        "unknown node '9'",
    ),
    "run_negative": (lambda: RedCycleModel(n_residents=50, rng=1).run(steps=-5), "out of range"),
    "run_fraction": (lambda: RedCycleModel(n_residents=50, rng=1).run(steps=2.9), "must be an integer"),
    "run_text": (lambda: RedCycleModel(n_residents=50, rng=1).run(steps="3"), "must be an integer"),
    "run_until_stable_text": (lambda: RedCycleModel(n_residents=50, rng=1).run(1, until_stable="no"), "true or false"),
    "graph_and_n_disagree": (
        lambda: RedCycleModel(graph=nx.path_graph(50), n_residents=5000, rng=1),
        "the graph has 50 nodes but n_residents = 5000",
    ),
    "graph_not_a_graph": (lambda: RedCycleModel(graph="ring.edges", rng=1), "must be a networkx graph"),
    "graph_attribute_huge": (lambda: RedCycleModel(graph=_with_households(), rng=1), "household"),
    "rng_negative": (lambda: RedCycleModel(n_residents=50, rng=-1), "out of range"),
    "rng_too_big": (lambda: RedCycleModel(n_residents=50, rng=2**64), "out of range"),
    "rng_float": (lambda: RedCycleModel(n_residents=50, rng=1.5), "rng must be"),
    "unknown_keyword": (lambda: RedCycleModel(n_resident=50, rng=1), "did you mean 'n_residents'"),
    "n_fraction": (lambda: RedCycleModel(n_residents=50.5, rng=1), "must be an integer"),
    "threshold_text": (lambda: RedCycleModel(n_residents=50, threshold="x", rng=1), "threshold"),
    "too_big_for_memory": (lambda: RedCycleModel(n_residents=5_000_000, rng=1), "needs about"),
    "simulate_none": (lambda: __import__("model").simulate(None, seed=1), "needs a mapping"),
    "simulate_list": (lambda: __import__("model").simulate([("n_residents", 50)], seed=1), "got list"),
    "numpy_array_for_number": (
        lambda: RedCycleModel(n_residents=50, org_role=np.array([0.5, 0.6]), rng=1),
        "must be a number",
    ),
    "event_changes_steps": (
        lambda: RedCycleModel(n_residents=50, rng=1, events=[{"week": 2, "steps": 9}]),
        "'steps' cannot change during a run",
    ),
}


def _with_households():
    g = nx.path_graph(3)
    nx.set_node_attributes(g, {0: 10**12, 1: 0, 2: 0}, "household")
    return g


@pytest.mark.parametrize("name", sorted(API_CASES))
def test_api_bad_input(name, monkeypatch):
    monkeypatch.setenv("REDCYCLE_MEMORY_AVAILABLE", str(2**30))
    call, fragment = API_CASES[name]
    with pytest.raises(ParameterError) as info:
        call()
    msg = str(info.value)
    assert "\n" not in msg and fragment in msg, msg
    assert isinstance(info.value, ValueError)


def test_api_accepts_numpy_scalars_wherever_python_numbers_are():
    a = RedCycleModel(
        n_residents=np.int64(60),
        org_role=np.float32(0.5),
        team_on=np.bool_(False),
        steps=np.int16(3),
        rng=1,
        burn_in_weeks=np.uint8(4),
    ).run()
    b = RedCycleModel(
        n_residents=60, org_role=float(np.float32(0.5)), team_on=False, steps=3, rng=1, burn_in_weeks=4
    ).run()
    assert a.p == b.p and a.datacollector.get_model_vars_dataframe().equals(b.datacollector.get_model_vars_dataframe())


def test_byte_order_marks_are_accepted_in_every_text_input(tmp_path):
    """Windows editors write a UTF-8 BOM: scenario and experiment files, edge lists and residents files
    read the same with it as without."""
    from experiments.sweep import read_spec
    from model import read_graph_file
    from model.scenarios import read_scenario
    from model.survey import read_residents

    bom = "\ufeff"
    texts = {
        "s.toml": '[scenario]\nname = "s"\n[parameters]\norg_role = 0.3\n',
        "g.csv": "source,target\n0,1\n1,2\n",
        "g.edges": "0 1\n1 2\n",
        "r.csv": "household,age_group\n1,age_15_59\n1,age_65_plus\n",
        "x.toml": '[sweep]\ndesign = "points"\nsteps = 2\n[sweep.fixed]\nn_residents = 50\n'
        "[sweep.values]\norg_role = [0.1]\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        (tmp_path / f"bom_{name}").write_text(bom + text, encoding="utf-8")
    assert read_scenario(tmp_path / "bom_s.toml")["parameters"] == read_scenario(tmp_path / "s.toml")["parameters"]
    for g in ("g.csv", "g.edges"):
        assert sorted(read_graph_file(tmp_path / f"bom_{g}").edges) == sorted(read_graph_file(tmp_path / g).edges)
    assert read_residents(tmp_path / "bom_r.csv").n == read_residents(tmp_path / "r.csv").n == 2
    assert read_spec(tmp_path / "bom_x.toml")["points"] == read_spec(tmp_path / "x.toml")["points"]


def test_a_relative_base_is_read_beside_its_scenario_not_in_the_current_folder(tmp_path, monkeypatch):
    from model.scenarios import read_scenario

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "child.toml").write_text('[scenario]\nbase = "parent.toml"\n')
    (tmp_path / "mine" / "parent.toml").write_text("[parameters]\norg_role = 0.3\n")
    (tmp_path / "parent.toml").write_text("[parameters]\norg_role = 0.9\n")  # same name, current folder
    monkeypatch.chdir(tmp_path)
    s = read_scenario("mine/child.toml")
    assert s["parameters"]["org_role"] == 0.3
    assert s["files"] == ["mine/child.toml", "mine/parent.toml"]


def test_api_accepts_integral_values_like_the_cli():
    adult = int(np.flatnonzero(RedCycleModel(n_residents=50, rng=2).state.adult)[0])  # children hold no rung
    m = RedCycleModel(n_residents=50.0, initially_active=[np.int64(adult)], rng=np.int64(2))
    assert m.community.n == 50 and m.state.rung[adult] >= 1
    assert m.run(steps=2.0).steps == 2


# ------------------------------------------------------------------ real processes -------------


def _proc(args, cwd, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        **kw,
    )


@pytest.mark.slow
def test_any_terminal(tmp_path, capsys):
    """A non-UTF-8 terminal gets readable output; a closed pipe is no error; CJK names draw without
    glyph warnings, with the CJK font or without it; all exit 0."""
    ascii_ = _proc(["params"], tmp_path, {"PYTHONIOENCODING": "ascii"})
    assert ascii_.returncode == 0 and "Traceback" not in ascii_.stderr, ascii_.stderr
    assert "n_residents" in ascii_.stdout and "\\u793e" in ascii_.stdout
    piped = subprocess.run(
        f"'{sys.executable}' '{ROOT / 'run.py'}' params | head -1",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        executable="/bin/bash",
    )
    assert piped.stdout == "[community]\n" and piped.stderr == "", piped.stderr
    cjk = tmp_path / "cjk.toml"
    cjk.write_text('[scenario]\nname = "测试 🚀"\n[parameters]\nn_residents = 200\nsteps = 2\n', encoding="utf-8")
    res = _proc(
        ["--scenario", str(cjk), "--out", "no_font"], tmp_path, {"PYTHONIOENCODING": "ascii", "REDCYCLE_NO_CJK": "1"}
    )
    assert res.returncode == 0 and res.stderr == "", res.stderr  # no glyph warnings, no encoding error
    assert "\\u6d4b" in res.stdout
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run_main(["--scenario", str(cjk), "--out", "font"], tmp_path, capsys)
    assert code == 0 and err == "" and "测试" in out
    assert not [w for w in caught if "Glyph" in str(w.message)]


KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    import experiments.folders as folders, experiments.plotting as plotting, experiments.outputs as outputs
    at = {at!r}
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    if at == "while_writing":  # the figures come after the tables: a half-written folder
        plotting.plot_spiral = lambda *a, **k: die()
    elif at == "before_rename":
        folders.put_in_place = lambda *args: die()
    elif at == "after_exchange":
        original = folders._renameat2
        def swap(src, dst, flags):
            original(src, dst, flags)
            if flags == folders._RENAME_EXCHANGE:
                die()
        folders._renameat2 = swap
    import run
    sys.exit(run.main({argv!r}))
""")


@pytest.mark.slow
@pytest.mark.parametrize("at", ["while_writing", "before_rename", "after_exchange"])
def test_kill_leaves_old_or_new_result_whole_and_next_run_cleans_up(at, tmp_path, capsys):
    out = tmp_path / "res"
    assert run_main([*SMALL, "--seed", "1", "--out", str(out), "--quiet"], tmp_path, capsys)[0] == 0
    old = (out / "timeseries.csv").read_bytes()
    (tmp_path / "mine.txt").write_text("mine\n")
    argv = [*SMALL, "--seed", "2", "--out", str(out), "--quiet"]
    killed = subprocess.run(
        [sys.executable, "-c", KILLER.format(root=str(ROOT), at=at, argv=argv)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert {p.name for p in out.iterdir()} == set(RESULT_FILES)  # a whole result under the name
    now = (out / "timeseries.csv").read_bytes()
    assert now == old if at != "after_exchange" else now != old
    hidden = [p for p in tmp_path.iterdir() if p.name.startswith(".res.")]
    assert hidden  # the killed run's temporary (or swapped-out) folder
    assert run_main(argv, tmp_path, capsys)[0] == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert (tmp_path / "mine.txt").read_text() == "mine\n"


@pytest.mark.parametrize("command", ["compare", "calibrate", "sweep"])
def test_experiment_folders_are_put_in_place_by_the_same_rules(command, tmp_path):
    """compare, calibrate and sweep write through the same staged folder as a run: a file that lands in the
    target while they work makes them give up (one-line error) and leave it; hidden folders of any name
    beside the target are never theirs to remove."""
    from experiments import calibration, compare, outputs, sweep
    from experiments.folders import OutputFolderError

    may_replace, files = {
        "compare": (compare.may_replace("d"), compare.FILES),
        "calibrate": (calibration.may_replace, calibration.FILES),
        "sweep": (sweep.is_empty, ()),
    }[command]
    out = tmp_path / "exp"
    out.mkdir()
    for name in (".exp.old", ".exp.tmp", ".exp.redcycle-1-old", ".exp.redcycle-999999999-x"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "thesis.tex").write_text("mine")
    before = tree_digest(tmp_path)
    with pytest.raises(OutputFolderError, match="did not write"):
        with outputs.staged_folder(out, may_replace, files) as tmp:
            (tmp / "manifest.json").write_text("{}")
            (out / "notes.md").write_text("mine")  # meanwhile, the user saves a note there
    after = tree_digest(tmp_path)
    assert after == {**before, "exp/notes.md": after["exp/notes.md"]}


@pytest.mark.slow
def test_concurrent_runs_into_one_folder_never_mix_or_fail(tmp_path):
    out = tmp_path / "shared"
    seeds = ["1", "2", "3"]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda s: _proc([*SMALL, "--seed", s, "--out", str(out), "--quiet"], tmp_path), seeds))
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    assert {p.name for p in out.iterdir()} == set(RESULT_FILES)
    manifest = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    csv = (out / "timeseries.csv").read_text(encoding="utf-8").splitlines()
    assert {line.split(",")[1] for line in csv[1:]} == {str(manifest["seed"])}  # one run's files, whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_manifest_records_inputs_and_rerun_reproduces_or_names_the_change(tmp_path, capsys):
    graph = tmp_path / "ring.edges"
    graph.write_text("".join(f"{i} {(i + 1) % 30}\n" for i in range(30)))
    scen = tmp_path / "s.toml"
    scen.write_text('[scenario]\nname = "s"\nbase = "baseline"\n[parameters]\nsteps = 3\n')
    code, _, err = run_main(
        ["--scenario", str(scen), "--graph", str(graph), "--seed", "5", "--out", "r", "--quiet"], tmp_path, capsys
    )
    assert code == 0, err
    m = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert m["command"] == [
        "run.py",
        "run",
        "--scenario",
        str(scen),
        "--graph",
        str(graph),
        "--seed",
        "5",
        "--out",
        "r",
        "--quiet",
    ]
    assert m["cwd"] == str(tmp_path)
    assert m["graph_file"]["path"] == str(graph)
    assert m["graph_file"]["sha256"] == hashlib.sha256(graph.read_bytes()).hexdigest()
    assert [f["path"] for f in m["scenario_files"]] == [str(scen), str(ROOT / "scenarios" / "baseline.toml")]
    assert m["parameters"]["n_residents"] == 30 and m["seed"] == 5
    again = _proc(["rerun", "r"], tmp_path)  # another process: hash seeds differ too
    assert again.returncode == 0 and "reproduced bit for bit" in again.stdout, again.stderr
    assert (tmp_path / "r-rerun" / "timeseries.csv").read_bytes() == (tmp_path / "r" / "timeseries.csv").read_bytes()
    graph.write_text(graph.read_text() + "0 15\n")
    before = tree_digest(tmp_path)
    line = assert_one_line(*run_main(["rerun", "r", "--out", "r2"], tmp_path, capsys))
    assert str(graph) in line and "changed since the run" in line
    assert tree_digest(tmp_path) == before


def test_without_renameat2_a_previous_result_is_still_replaced_whole(tmp_path, capsys, monkeypatch):
    """Where renameat2 is missing (not Linux), two renames replace the previous result; a kill
    between them leaves it under a hidden name that the next run removes."""
    import experiments.folders as folders

    monkeypatch.setattr(folders, "_has_renameat2", lambda: False)
    out = tmp_path / "res"
    for seed in ("1", "2"):
        assert run_main([*SMALL, "--seed", seed, "--out", str(out), "--quiet"], tmp_path, capsys)[0] == 0
        assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"] == int(seed)
        assert {p.name for p in out.iterdir()} == set(RESULT_FILES)
    hidden = tmp_path / ".res.redcycle-999999999-old"  # a swapped-out result of a process long gone
    hidden.mkdir()
    (hidden / "timeseries.csv").write_text("old\n")
    foreign = tmp_path / ".res.redcycle-999999999-mine"  # not result files only: not ours to remove
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n")
    assert run_main([*SMALL, "--seed", "3", "--out", str(out), "--quiet"], tmp_path, capsys)[0] == 0
    assert not hidden.exists() and (foreign / "notes.txt").read_text() == "mine\n"


def test_a_folder_name_that_is_not_utf8(tmp_path, capsys):
    """A byte-string folder name (not UTF-8) is written, replaced and rerun like any other."""
    out = tmp_path / os.fsdecode(b"r\xff")
    for _ in range(2):
        assert run_main([*SMALL, "--out", str(out), "--quiet"], tmp_path, capsys)[0] == 0
        assert {p.name for p in out.iterdir()} == set(RESULT_FILES)
    code, stdout, err = run_main(["rerun", str(out)], tmp_path, capsys)
    assert code == 0 and "reproduced bit for bit" in stdout, err
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["command"][-2] == str(out)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_memory_estimate_covers_what_a_community_uses():
    """The refusal is worth something only if the estimate is not below the real use."""
    code = textwrap.dedent("""
        from model import RedCycleModel
        from model.memory import mean_degree, memory_needed
        def peak():  # VmHWM: this process's own peak (ru_maxrss counts the parent's before exec)
            with open("/proc/self/status") as fh:
                return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
        before = peak()
        m = RedCycleModel(n_residents=200_000, rng=1, agent_objects="lazy").run(3)
        print(peak() - before, memory_needed(200_000, mean_degree(m.p), False))
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    used, estimate = map(int, res.stdout.split())
    assert used <= estimate <= 3 * used, (used, estimate)


# ------------------------------------------------------------------ nothing of the user's replaced (issue 17) --


def test_rerun_never_writes_into_or_around_the_result_it_reads_whatever_links_lead_there(tmp_path, capsys):
    """`rerun RESULT --out LINK/RESULT` with LINK a link to RESULT's parent once replaced RESULT and
    compared the new run with itself; every path is now resolved before deciding."""
    assert run_main([*SMALL, "--out", "res", "--quiet"], tmp_path, capsys)[0] == 0
    (tmp_path / "res" / "rounds.csv").write_text("my edited table\n")
    (tmp_path / "link").symlink_to(tmp_path)
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "link").symlink_to(tmp_path / "res")
    before = tree_digest(tmp_path)
    for out in (
        "link/res",
        str(tmp_path / "link" / "link" / "res"),
        "res",
        "res/sub",
        "inner/link/sub",
        ".",
        str(tmp_path),
    ):
        line = assert_one_line(*run_main(["rerun", "res", "--out", out], tmp_path, capsys))
        assert "being reproduced" in line or "did not write" in line or "symbolic link" in line, (out, line)
        assert tree_digest(tmp_path) == before, out
    line = assert_one_line(*run_main(["rerun", "link/res", "--out", "res"], tmp_path, capsys))
    assert "being reproduced" in line and tree_digest(tmp_path) == before


def test_a_file_saved_into_the_previous_result_between_check_and_exchange_is_kept(tmp_path, capsys, monkeypatch):
    """The race at the final swap: the folder is checked, then exchanged. A file the user saves in
    between reaches the swapped-out copy, which is checked again: the exchange is undone, the user's
    folder is back whole under its name, the new result discarded, one line, exit 2."""
    import experiments.folders as folders

    if not folders._has_renameat2():
        pytest.skip("needs renameat2 (Linux)")
    out = tmp_path / "res"
    assert run_main([*SMALL, "--seed", "1", "--out", str(out), "--quiet"], tmp_path, capsys)[0] == 0
    original = folders._renameat2
    calls = []

    def exchange_after_a_save(src, dst, flags):
        if flags == folders._RENAME_EXCHANGE and folders._RENAME_EXCHANGE not in calls:
            (dst / "thesis.tex").write_text("saved just now\n")  # after the check, before the exchange
        calls.append(flags)
        original(src, dst, flags)

    monkeypatch.setattr(folders, "_renameat2", exchange_after_a_save)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    line = assert_one_line(*run_main([*SMALL, "--seed", "2", "--out", str(out), "--quiet"], tmp_path, capsys))
    assert "came to hold files this tool did not write" in line
    assert calls.count(folders._RENAME_EXCHANGE) == 2  # the exchange, and its undoing
    before["thesis.tex"] = b"saved just now\n"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the user's file and the old result, whole
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # no temporary folder left


def test_removing_a_folder_removes_only_this_tools_files(tmp_path):
    """What a command deletes is only its own files by name: a user's file that reaches a folder at
    any moment stays, and with it the folder."""
    from experiments.folders import remove_own

    folder = tmp_path / ".res.redcycle-1-x"
    folder.mkdir()
    for name in RESULT_FILES:
        (folder / name).write_text("ours")
    (folder / "thesis.tex").write_text("mine")
    assert remove_own(folder, RESULT_FILES) is False
    assert [p.name for p in folder.iterdir()] == ["thesis.tex"]
    (folder / "thesis.tex").unlink()
    assert remove_own(folder, RESULT_FILES) is True and not folder.exists()


def test_an_output_name_at_the_file_system_limit(tmp_path, capsys):
    """A legal folder name whose temporary name would be longer is written; a name beyond the limit is
    refused in one line."""
    longest = tmp_path / ("r" * 255)
    assert run_main([*SMALL, "--out", str(longest), "--quiet"], tmp_path, capsys)[0] == 0
    assert {p.name for p in longest.iterdir()} == set(RESULT_FILES)
    assert run_main([*SMALL, "--out", str(longest), "--quiet"], tmp_path, capsys)[0] == 0  # replaced, too
    before = tree_digest(tmp_path)
    line = assert_one_line(*run_main([*SMALL, "--out", str(tmp_path / ("r" * 256))], tmp_path, capsys))
    assert "256 bytes" in line and "at most 255" in line
    assert tree_digest(tmp_path) == before


SWEEP_SPEC = """[sweep]
scenario = "red_microcycle"
design = "points"
replications = 2
steps = 3
batch = 2
timeseries = ["participation_index"]
[sweep.fixed]
n_residents = 200
[sweep.values]
org_role = [0.1, 0.5, 0.9]
"""


def test_a_resumed_sweep_redoes_parts_that_do_not_read_back_and_keeps_users_files(tmp_path, capsys):
    """Only a part that reads back whole (footer, row count, run ids) counts as finished; temporary
    parts of dead processes are removed on resume, a user's file never, whatever its name."""
    from experiments.folders import temporary_file
    from experiments.sweep import read_runs

    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP_SPEC)
    argv = ["sweep", str(spec), "--workers", "1", "--quiet"]
    assert run_main([*argv, "--out", "clean"], tmp_path, capsys)[0] == 0
    assert run_main([*argv, "--out", "hurt"], tmp_path, capsys)[0] == 0
    runs = tmp_path / "hurt" / "runs"
    whole = (runs / "batch-000001.parquet").read_bytes()
    (runs / "batch-000000.parquet").write_bytes(b"PAR1 garbage")
    (runs / "batch-000001.parquet").write_bytes(whole[: len(whole) // 2])  # truncated
    (runs / "batch-000002.parquet").write_bytes((tmp_path / "clean" / "runs" / "batch-000000.parquet").read_bytes())
    users = {".batch-000000.parquet.tmp1": "mine", ".notes.tmp": "mine", ".x.redcycle-1-abc.tmp": "mine"}
    for name, text in users.items():
        (runs / name).write_text(text)
    dead = temporary_file(runs / "batch-000003.parquet").name.replace(f"-{os.getpid()}-", "-999999999-")
    (runs / dead).write_bytes(b"half")
    assert run_main([*argv, "--out", "hurt"], tmp_path, capsys)[0] == 0
    assert not (runs / dead).exists()
    assert {name: (runs / name).read_text() for name in users} == users
    assert read_runs(tmp_path / "hurt").equals(read_runs(tmp_path / "clean"))
    (runs / "README").write_text("mine")
    before = tree_digest(tmp_path)
    line = assert_one_line(*run_main([*argv, "--out", "hurt"], tmp_path, capsys))
    assert "runs/README" in line and "not a part of this sweep" in line
    assert tree_digest(tmp_path) == before


def test_an_environment_variable_of_the_wrong_type_is_one_line(disk, capsys, monkeypatch):
    monkeypatch.setenv("REDCYCLE_MEMORY_AVAILABLE", "lots")
    before = tree_digest(disk)
    line = assert_one_line(*run_main([*SMALL, "--out", str(disk / "env")], disk, capsys))
    assert "REDCYCLE_MEMORY_AVAILABLE = 'lots'" in line and "whole number of bytes" in line
    assert tree_digest(disk) == before


@pytest.mark.slow
def test_stdout_full_or_closed(tmp_path):
    """stdout on a full device is one line and exit 2; with stdout closed the run is done and written."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        res = subprocess.run(
            [sys.executable, str(ROOT / "run.py"), "params"],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert res.returncode == 2 and res.stderr == "run.py: error: cannot write: No space left on device\n", res.stderr
    res = subprocess.run(
        f"'{sys.executable}' '{ROOT / 'run.py'}' {' '.join(SMALL)} --out r >&-",
        shell=True,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        executable="/bin/bash",
    )
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert {p.name for p in (tmp_path / "r").iterdir()} == set(RESULT_FILES)


def _tmpfs(path: Path, size: str) -> None:
    """Mount a small tmpfs at ``path``, or skip the test saying why the machine does not allow it."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a tmpfs needs Linux and root")
    path.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()[:80]}")


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "small"
    _tmpfs(disk, "96k")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_a_full_disk_is_one_line_and_leaves_no_temporary_copy(command, small_disk, tmp_path, capsys):
    """On a 96 KiB tmpfs every command runs out of space while writing: one line, exit 2, and nothing of
    its own left behind (no temporary folder or part); a user's file there is untouched."""
    (small_disk / "mine.txt").write_text("mine\n")
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP_SPEC.replace("org_role = [0.1, 0.5, 0.9]", f"org_role = {[i / 100 for i in range(60)]}"))
    out = str(small_disk / "out")
    argv = {
        "run": [*SMALL, "--out", out],
        "compare": [
            "compare",
            "red_microcycle",
            "status_quo",
            "--reps",
            "2",
            "--steps",
            "4",
            "--set",
            "n_residents=200",
            "--workers",
            "1",
            "--out",
            out,
        ],
        "sweep": ["sweep", str(spec), "--workers", "1", "--out", out],
    }[command]
    line = assert_one_line(*run_main([*argv, "--quiet"], tmp_path, capsys))
    assert "No space left on device" in line, line
    left = sorted(str(p.relative_to(small_disk)) for p in small_disk.rglob("*"))
    assert (small_disk / "mine.txt").read_text() == "mine\n"
    assert not [p for p in left if ".redcycle-" in p or p.startswith(".")], left
    if command == "sweep" and (small_disk / "out").exists():  # what it finished resumes on a roomier disk
        assert all(p.startswith("out") or p == "mine.txt" for p in left)


def test_an_empty_mount_point_as_out_is_refused_before_work(tmp_path, capsys):
    """Docker volumes are empty mount points: exchanging one is EBUSY after the work; refused before it."""
    mnt = tmp_path / "volume"
    _tmpfs(mnt, "1m")
    try:
        before = tree_digest(tmp_path)
        for argv in (
            [*SMALL, "--out", str(mnt)],
            ["sweep", str(ROOT / "sweeps" / "levers_lhs.toml"), "--out", str(mnt)],
        ):
            line = assert_one_line(*run_main(argv, tmp_path, capsys))
            assert "mount point" in line, line
            assert tree_digest(tmp_path) == before
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
