"""What every mechanism shares: the same shape, hooks that do nothing unless a mechanism needs
them, and helpers for combining slip reductions and reaching residents.

* ``launch()``: what the Party organisation does when the cycle reaches the mechanism's phase
  (select backbones, choose projects, hold dialogue, sign agreements, incubate teams, redeem
  points);
* ``act()``: every week, before residents decide, the pull it adds to their drive (registry field
  ``boost``) and the slip risk it removes (``retention``);
* ``serve()``: every week, after residents decide, the needs it meets and the flows it makes;
* ``record(out)``: its outcomes for the week (reads only);
* ``stop()``: when it is switched off mid-run, clear what it keeps live in the registry.

A mechanism reads another's output only through a field of the state registry (model/state.py)
and draws only from its own random stream. The order of the phases is the order in which the
mechanisms are registered (model/mechanisms/__init__.py).
"""

from __future__ import annotations

import numpy as np

from ..mechanism_registry import MechanismSpec, spec
from ..parameters import Parameters


class Mechanism:
    """Base class: a mechanism bound to one model."""

    name = ""  # set when the class is registered (model/mechanism_registry.py)
    OUTCOMES: tuple[str, ...] = ()  # what record() writes; zeros when the mechanism is off

    def __init__(self, model, rng: np.random.Generator):
        self.model = model
        self.p: Parameters = model.p
        self.rng = rng

    @property
    def phase(self) -> MechanismSpec:
        """The mechanism's entry in the registry: its phase's names in Chinese and English."""
        return spec(self.name)

    @staticmethod
    def government_funds(model) -> dict[str, float]:
        """Money the government pays into the pool for this mechanism at its phase's launch, by pool
        account (none by default). The cycle pays it too while the mechanism is switched off and
        ``funds_follow_mechanisms`` is false (an ablation with the budget held, model/cycle.py), so
        the cycle knows no mechanism's money."""
        return {}

    def launch(self) -> None:  # noqa: B027 - optional hook
        pass

    def act(self) -> None:  # noqa: B027
        pass

    def serve(self) -> None:  # noqa: B027
        pass

    def record(self, out: dict) -> None:  # noqa: B027
        pass

    def stop(self) -> None:  # noqa: B027
        """Switched off mid-run (model.update): clear the registry fields that only this
        mechanism keeps live, so the model is as if it had not run from now on (docs/ODD.md 3.1)."""
        pass

    # helpers shared by the mechanisms ----------------------------------------------------
    def add_retention(self, share: np.ndarray | float, where: np.ndarray | None = None) -> None:
        """Combine an independent slip reduction: retention = 1 - (1 - retention)(1 - share)."""
        st = self.model.state
        if where is None:
            st.retention[:] = 1.0 - (1.0 - st.retention) * (1.0 - share)
        else:
            st.retention[where] = 1.0 - (1.0 - st.retention[where]) * (1.0 - share)

    def reached(self, mask: np.ndarray) -> np.ndarray:
        """Residents of ``mask`` the organisation's outreach reaches this time (registry field
        ``reach_probability``, set by model/outreach.py)."""
        draw = self.rng.random(len(mask))
        return mask & (draw < self.model.state.reach_probability)
