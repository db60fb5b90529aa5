"""The mechanisms' registry: each mechanism of the micro-cycle declared once, as data.

A mechanism is registered with its name (the key of everything else: its switch ``<name>_on``, its
parameter group, its random stream, its phase), its names in Chinese and English, its class (a
:class:`model.mechanisms.base.Mechanism`) and its parameters. The order of registration is the
cycle's order of phases (model/cycle.py). The essay's six are registered in
``model/mechanisms/__init__.py``; anyone can add one with :func:`register` (docs/extending.md).

Registering a mechanism adds its switch and parameters to the one parameter schema
(``model.params``), so scenario files, ``--set``, the app and the docs table know them. A scenario
says which mechanisms run with ``mechanisms = "all"``, ``"none"`` or a list of names
(:func:`switches_for`), or with the switches one by one.

This module imports nothing from the mechanisms' modules (they import model/cycle.py, which reads
the registry), so the cycle can read it without an import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from . import params as schema
from .params import Param, ParameterError

if TYPE_CHECKING:
    from .mechanisms.base import Mechanism


@dataclass(frozen=True)
class MechanismSpec:
    """One registered mechanism."""

    name: str  # the key: switch <name>_on, parameter group <name>, random stream <name>
    zh: str  # its phase's name in Chinese (红色骨干)
    en: str  # its phase's name in English (red backbones)
    cls: type[Mechanism]

    @property
    def switch(self) -> str:
        """The parameter that switches it on and off."""
        return f"{self.name}_on"

    @property
    def params(self) -> tuple[str, ...]:
        """Its parameters in the schema (the group ``name``), the switch first."""
        return tuple(p.name for p in schema.PARAMS.values() if p.group == self.name)


_REGISTRY: dict[str, MechanismSpec] = {}
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
SELECTION_WORDS = ("all", "none")
"""What ``mechanisms`` may say besides a list of names."""
TAKEN = ("graph", "demography", "initial")
"""Names of the model's other random streams (model/model.py), which no mechanism may share; the
engine's parameter groups (``params.BEFORE_MECHANISMS``, ``AFTER_MECHANISMS``, the ladder's among
them) are taken too."""


def register(name: str, cls: type, *, zh: str, en: str, term: str = "", params: Iterable[Param] = ()) -> MechanismSpec:
    """Register a mechanism as the cycle's last phase and add its switch (``<name>_on``, on by
    default) and ``params`` (their group set to ``name``) to the parameter schema.

    ``term`` is its singular English name for the switch's description (default: ``en``). Raises
    ParameterError (one line) for a name that is taken or malformed, a class that is not a
    Mechanism, or a parameter whose name the schema already has."""
    from .mechanisms.base import Mechanism  # noqa: F811 - not at the top: base imports this module

    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(
            f"mechanism name {name!r} is not allowed; allowed: lower-case letters, digits and _, starting with a letter"
        )
    if name in _REGISTRY:
        raise ParameterError(f"mechanism {name!r} is already registered; registered: {', '.join(names())}")
    taken = (*SELECTION_WORDS, *TAKEN, *schema.BEFORE_MECHANISMS, *schema.AFTER_MECHANISMS)
    if name in taken:
        raise ParameterError(f"mechanism name {name!r} is taken; not allowed: {', '.join(taken)}")
    if not (isinstance(cls, type) and issubclass(cls, Mechanism)):
        raise ParameterError(f"mechanism {name!r}: {cls!r} is not a subclass of model.mechanisms.base.Mechanism")
    switch = Param(
        f"{name}_on",
        True,
        "bool",
        f"{term or en} mechanism switched on",
        group=name,
        term_zh=f"{zh}机制",
        term_en=f"{term or en} mechanism",
    )
    own = [switch, *(replace(p, group=name) for p in params)]
    schema.add_group(name, own)
    cls.name = name
    spec = MechanismSpec(name, zh, en, cls)
    _REGISTRY[name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a registered mechanism and its parameters from the registry and the schema."""
    if name not in _REGISTRY:
        raise ParameterError(f"unknown mechanism {name!r}; registered: {', '.join(names())}")
    del _REGISTRY[name]
    schema.remove_group(name)


def specs() -> tuple[MechanismSpec, ...]:
    """Every registered mechanism, in the cycle's order."""
    return tuple(_REGISTRY.values())


def names() -> tuple[str, ...]:
    """The registered mechanisms' names, in the cycle's order (the essay's six: backbone first,
    incentive last)."""
    return tuple(_REGISTRY)


def spec(name: str) -> MechanismSpec:
    """The registered mechanism ``name``."""
    if name not in _REGISTRY:
        raise ParameterError(f"unknown mechanism {name!r}; registered: {', '.join(names())}")
    return _REGISTRY[name]


def switches_for(selection: Any, where: str = "'mechanisms'") -> dict[str, bool]:
    """Every mechanism's switch for a selection: ``"all"``, ``"none"`` or a list of names (those
    run, the others not). Raises ParameterError (one line) for anything else."""
    allowed = f'allowed: "all", "none" or a list of the names {", ".join(names())}'
    match selection:
        case "all" | "none":
            chosen = set(names()) if selection == "all" else set()
        case list() | tuple():
            for item in selection:
                if not isinstance(item, str):
                    raise ParameterError(f"{where} lists {item!r}, not a mechanism's name; {allowed}")
                if item not in _REGISTRY:
                    close = schema.closest(item, names(), 1)
                    raise ParameterError(
                        f"{where} names unknown mechanism {item[:80]!r}"
                        f"{f' (did you mean {close[0]!r}?)' if close else ''}; {allowed}"
                    )
            chosen = set(selection)
        case _:
            raise ParameterError(f"{where} = {str(selection)[:80]!r} is not allowed; {allowed}")
    return {s.switch: s.name in chosen for s in specs()}
