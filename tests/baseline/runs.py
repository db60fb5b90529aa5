"""The stored baseline: fixed small runs whose every weekly outcome, rounds table and final state
are kept under ``tests/baseline/`` and compared exactly by ``tests/test_baseline.py``.

A refactor must leave them unchanged. A change of the model's rules that changes results rewrites
them on purpose, and the commit message says why:

    uv run python -m tests.baseline.runs          # rewrite tests/baseline/{timeseries.csv.gz,rounds.csv,final.json}

Floats are written with the shortest round-trip repr and read back exactly, so "equal" means
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from model import RedCycleModel, load_scenario
from model.mechanisms import names as mechanism_names
from model.params import RULES_NEUTRAL

HERE = Path(__file__).resolve().parent
N_RESIDENTS = 300
STEPS = 104  # two years, four rounds of the cycle
SEEDS = (1, 2)
MECHANISMS = mechanism_names()  # the registered mechanisms: each is also run switched off
RUNS: dict[str, tuple[str, dict]] = {
    "red_microcycle": ("red_microcycle", {}),
    "status_quo": ("status_quo", {}),
    "baseline": ("baseline", {}),
    "threshold_limit": ("threshold_limit", {}),
    **{f"no_{m}": ("red_microcycle", {f"{m}_on": False}) for m in MECHANISMS},
    # the issue-10 rules at their neutral values: the model as it was before they came in
    "red_microcycle_rules_neutral": ("red_microcycle", RULES_NEUTRAL),
    "status_quo_rules_neutral": ("status_quo", RULES_NEUTRAL),
}


def run_one(label: str, seed: int) -> RedCycleModel:
    scenario, overrides = RUNS[label]
    params = {**load_scenario(scenario), **overrides, "n_residents": N_RESIDENTS, "steps": STEPS}
    return RedCycleModel(**params, rng=seed).run()


def state_hashes(model: RedCycleModel) -> dict[str, str]:
    """SHA-256 of each registry field's bytes at the end of the run, plus the graph and the pool."""
    out = {
        name: hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()[:16]
        for name, arr in model.state.arrays().items()
    }
    c = model.community
    out["graph"] = hashlib.sha256(c.indptr.tobytes() + c.indices.tobytes()).hexdigest()[:16]
    ledger = json.dumps([model.pool.inflows(), model.pool.outflows()], sort_keys=True)
    out["pool_ledger"] = hashlib.sha256(ledger.encode()).hexdigest()[:16]
    return out


def collect() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every baseline run: (weekly outcomes, rounds, {run: {"final": outcomes, "state": hashes}})."""
    series, rounds, final = [], [], {}
    for label in RUNS:
        for seed in SEEDS:
            m = run_one(label, seed)
            df = m.datacollector.get_model_vars_dataframe()
            df.insert(0, "seed", seed)
            df.insert(0, "run", label)
            series.append(df)
            r = m.rounds
            r.insert(0, "seed", seed)
            r.insert(0, "run", label)
            rounds.append(r)
            final[f"{label}/{seed}"] = {"final": m.final_outcomes(), "state": state_hashes(m)}
    return (pd.concat(series, ignore_index=True), pd.concat(rounds, ignore_index=True), final)


def to_csv(df: pd.DataFrame) -> str:
    buffer = io.StringIO()
    df.to_csv(buffer, index=False, lineterminator="\n")  # floats as shortest round-trip repr
    return buffer.getvalue()


def read_stored() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    with gzip.open(HERE / "timeseries.csv.gz", "rt", encoding="utf-8") as f:
        series = pd.read_csv(f)
    rounds = pd.read_csv(HERE / "rounds.csv")
    final = json.loads((HERE / "final.json").read_text(encoding="utf-8"))
    return series, rounds, final


def write() -> None:
    series, rounds, final = collect()
    # mtime=0: the same results give the same bytes, so an unchanged baseline shows no diff
    with open(HERE / "timeseries.csv.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(to_csv(series).encode("utf-8"))
    (HERE / "rounds.csv").write_text(to_csv(rounds), encoding="utf-8")
    (HERE / "final.json").write_text(json.dumps(final, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"baseline rewritten: {len(final)} runs, {len(series)} weekly rows, {len(rounds)} rounds -> {HERE}")


if __name__ == "__main__":
    sys.exit(write())
