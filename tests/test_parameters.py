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
    m.update(org_role=0.25)
    assert m.p.org_role == 0.25
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
