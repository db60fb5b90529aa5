"""The resource pool (红色资源池): every unit in and out is accounted for.

Amounts are kept as whole micro-units (1e-6 of a unit) so that the balance equals inflows minus
outflows exactly, whatever the order of operations; the balance can never go negative (a
withdrawal gets at most what is there).
"""

from __future__ import annotations

from collections import defaultdict

MICRO = 1_000_000


class Pool:
    def __init__(self):
        self._balance = 0
        self._in: dict[str, int] = defaultdict(int)
        self._out: dict[str, int] = defaultdict(int)
        self.week_in = 0
        self.week_out = 0

    @property
    def balance(self) -> float:
        return self._balance / MICRO

    def deposit(self, amount: float, source: str) -> float:
        micro = max(0, int(round(amount * MICRO)))
        self._balance += micro
        self._in[source] += micro
        self.week_in += micro
        return micro / MICRO

    def withdraw(self, amount: float, use: str) -> float:
        """Pay up to ``amount`` for ``use``; returns what was paid (never more than the balance)."""
        micro = min(self._balance, max(0, int(round(amount * MICRO))))
        self._balance -= micro
        self._out[use] += micro
        self.week_out += micro
        return micro / MICRO

    def new_week(self) -> None:
        self.week_in = self.week_out = 0

    def inflows(self) -> dict[str, float]:
        return {k: v / MICRO for k, v in self._in.items()}

    def outflows(self) -> dict[str, float]:
        return {k: v / MICRO for k, v in self._out.items()}

    def total_in(self) -> float:
        return sum(self._in.values()) / MICRO

    def total_out(self) -> float:
        return sum(self._out.values()) / MICRO

    def balanced(self) -> bool:
        """The ledger identity, exact in micro-units: balance = inflows - outflows >= 0."""
        return self._balance >= 0 and self._balance == sum(self._in.values()) - sum(self._out.values())
