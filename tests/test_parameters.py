"""The run's parameters as one typed, frozen object (model/parameters.py): declared from the schema,
read as attributes or by name, changed only by the model's update(), and known to a type checker."""

import ast
import pickle
import textwrap
from pathlib import Path

import pytest

from model import RedCycleModel, parameters
from model import params as schema
from model.parameters import Parameters, declaration


def test_the_declared_attributes_are_the_schemas_parameters_with_their_types():
    """The class's generated block is what `uv run python -m experiments.docs` writes from the schema now:
    a parameter added to, renamed in or retyped in model/params.py without regenerating fails here."""
    declared = {name: ast.dump(ast.parse(kind)) for name, kind in Parameters.__annotations__.items()}
    written = [line.strip().split(": ", 1) for line in declaration()]
    assert list(declared) == list(schema.PARAMS), "run: uv run python -m experiments.docs"
    assert declared == {name: ast.dump(ast.parse(kind)) for name, kind in written}, (
        "run: uv run python -m experiments.docs"
    )
    assert declared["budget_period"] == ast.dump(ast.parse('Literal["round", "year"]'))
    assert Parameters.__annotations__["n_residents"] == "int"
    source = Path(parameters.__file__).read_text(encoding="utf-8")
    assert parameters.declared_block(source) == source, "run: uv run python -m experiments.docs"


def test_read_as_attributes_or_by_name_and_plain_where_a_dict_is_needed():
    m = RedCycleModel(n_residents=200, rng=1, steps=4)
    p = m.p
    assert isinstance(p, Parameters)
    assert p.org_role == p["org_role"] == schema.PARAMS["org_role"].default
    assert p == schema.validate({"n_residents": 200, "steps": 4})  # equal to the validated dict, in content
    assert list(p) == list(schema.PARAMS) and len(p) == len(schema.PARAMS)
    assert p.as_dict() == dict(p) and type(p.as_dict()) is dict
    assert pickle.loads(pickle.dumps(p)) == p
    with pytest.raises(KeyError):
        p["org_rol"]
    with pytest.raises(AttributeError, match="no parameter 'org_rol'"):
        p.org_rol  # noqa: B018


def test_frozen_except_through_update_which_every_part_sees():
    m = RedCycleModel(n_residents=200, rng=1, steps=8)
    with pytest.raises(AttributeError, match=r"frozen.*model\.update\(org_role=\.\.\.\)"):
        m.p.org_role = 0.1
    with pytest.raises(AttributeError, match="frozen"):
        del m.p.org_role
    m.step()
    rule = m.ladder.rule
    assert m.ladder.rule is rule  # kept while nothing changes
    m.update(org_role=0.25, slip_rate=0.123)
    assert m.p.org_role == 0.25
    assert m.ladder.rule.slip_rate == 0.123 and rule.slip_rate != 0.123  # the ladder's rule is built again
    assert all(mech.p is m.p for mech in m.mechanisms.values()) and m.ladder.p is m.p
    assert m.initial_parameters["org_role"] == schema.PARAMS["org_role"].default  # week 0's values kept


def test_a_misspelt_parameter_is_a_type_error_before_the_run(tmp_path):
    """mypy (the project's [tool.mypy]) knows every parameter and its type: a misspelt name or a
    string where a number is read is reported without running anything."""
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "uses_parameters.py"
    snippet.write_text(
        textwrap.dedent("""
            from model.parameters import Parameters

            def f(p: Parameters) -> float:
                ok: float = p.org_role
                choice: str = p.budget_period
                return p.org_rol + ok

            def g(p: Parameters) -> int:
                return p.budget_period
        """),
        encoding="utf-8",
    )
    out, err, status = api.run(
        [str(snippet), "--ignore-missing-imports", "--no-incremental", "--follow-imports=silent"]
    )
    assert status == 1, out + err
    assert '"Parameters" has no attribute "org_rol"' in out
    assert "Incompatible return value type" in out and "Literal" in out
    assert out.count("error:") == 2, out


class Recording(Parameters):
    """Parameters that note the names read (as attributes or by name) once ``recording`` is set."""

    def __getattribute__(self, name):
        if name in schema.PARAMS and object.__getattribute__(self, "__dict__").get("_recording") is not None:
            object.__getattribute__(self, "__dict__")["_recording"].add(name)
        return object.__getattribute__(self, name)

    def __getitem__(self, name):
        return getattr(self, name)

    def record(self) -> set[str]:
        self.__dict__["_recording"] = set()
        return self.__dict__["_recording"]


def test_what_update_re_derives_is_declared_beside_its_rules_and_is_what_they_read():
    """model.update re-derives the reach when a parameter of outreach.REACH_READS changes and the
    ladder's need pull when one of Ladder.DERIVED_READS does: each set is exactly what the derivation
    reads among the parameters a run may change (a spy notes the reads), so a rule that starts reading
    one more parameter without declaring it fails here, and a declared name it no longer reads too."""
    from model.ladder import Ladder
    from model.outreach import REACH_READS

    m = RedCycleModel(n_residents=200, rng=1, steps=4)
    spy = Recording(m.p.as_dict())
    object.__setattr__(m, "p", spy)  # the model's own reference, for the two derivations only
    m.ladder.p = spy
    changeable = set(schema.PARAMS) - set(schema.FIXED_DURING_RUN)
    read = spy.record()
    m._set_reach()
    assert read & changeable == REACH_READS
    read.clear()
    m.ladder.derive()
    assert read & changeable == Ladder.DERIVED_READS


def test_a_change_of_a_derived_parameter_mid_run_acts_from_the_next_week():
    m = RedCycleModel(n_residents=300, rng=2, steps=10)
    m.step()
    before_reach, before_pull = m.state.reach_probability.copy(), m.ladder.need_factor.copy()
    m.update(three_downs=0.3, need_pull_decay=0.3)
    fresh = RedCycleModel(n_residents=300, rng=2, steps=10, three_downs=0.3, need_pull_decay=0.3)
    assert (m.state.reach_probability != before_reach).any() and (m.ladder.need_factor != before_pull).any()
    assert (m.state.reach_probability == fresh.state.reach_probability).all()
    assert (m.ladder.need_factor == fresh.ladder.need_factor).all()
