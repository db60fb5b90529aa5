"""Memory a community needs, against the memory available: a clear refusal before any work.

Measured as the growth of the peak resident memory (``ru_maxrss``) while building and running
the default community: about 520 bytes per resident at 100k and 400k residents with the generated
community's ~7 ties per resident and lazy agent objects, about 2.6 kB per resident at 40k with
Mesa's agent objects and Network space built; with the residents' demography, the rules' registry
fields and the burn-in (which holds a second copy of the registry while it runs), about 890 bytes
per resident at 200k. The estimate rounds these up, and adds what numba's code generator takes
on the compiled ladder kernel's first call (docs/ODD.md §6).
"""

from __future__ import annotations

import os

from .parameters import Parameters
from .params import ParameterError

BYTES_PER_RESIDENT = 700  # the registry (about 45 fields), the burn-in's copy of it, the outcomes
BYTES_PER_TIE_END = 48  # CSR indices, the sparse matrix and the generator's temporary arrays
BYTES_PER_AGENT_OBJECT = 2_600
COMPILED_KERNEL_BYTES = 64 * 2**20  # numba's code generator on the ladder kernel's first call: about
# 40 MiB loading it from the cache, 60 MiB compiling it (measured as the growth of VmHWM)


def mean_degree(p: Parameters) -> float:
    """Expected ties per resident of the generated community (docs/ODD.md, Initialization)."""
    return (
        p.household_size_mean
        - 1.0
        + p.building_ties
        + p.compound_ties
        + p.long_ties
        + p.party_member_share * p.branch_ties
    )


def memory_needed(n_residents: int, degree: float, agent_objects: bool) -> int:
    """Bytes a model of ``n_residents`` with ``degree`` ties each needs, about."""
    per = BYTES_PER_RESIDENT + BYTES_PER_TIE_END * degree + (BYTES_PER_AGENT_OBJECT if agent_objects else 0)
    return int(n_residents * per) + COMPILED_KERNEL_BYTES


def memory_available() -> int | None:
    """Bytes this process may still use: MemAvailable, capped by a cgroup limit; None if unknown."""
    found = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            current = int(fh.read().strip())
        if limit != "max":
            found.append(int(limit) - current)
    except (OSError, ValueError):
        pass
    text = os.environ.get("REDCYCLE_MEMORY_AVAILABLE", "").strip()
    if text:  # to test the refusal without filling a machine
        if not text.isascii() or not text.isdigit() or len(text) > 30:
            raise ParameterError(
                f"environment variable REDCYCLE_MEMORY_AVAILABLE = {text[:40]!r}; allowed: a whole "
                "number of bytes, or unset"
            )
        found.append(int(text))
    return min(found) if found else None


def check_memory(n_residents: int, degree: float, agent_objects: bool) -> None:
    """Raise ParameterError (one line) when the community would not fit in the memory available."""
    need = memory_needed(n_residents, degree, agent_objects)
    have = memory_available()
    if have is not None and need > have:
        raise ParameterError(
            f"a community of {n_residents:,} residents needs about {need / 2**30:.2f} GiB of memory but "
            f"{max(have, 0) / 2**30:.2f} GiB is available; allowed: fewer residents (n_residents) or more memory"
        )
