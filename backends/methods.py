"""Aer simulation methods: what each costs, which one a run uses, and why.

:func:`simulation_choice` picks the method of a *sampling* run from its size, whether it is
noisy and whether its circuits are GHZ-like (nearest-neighbour, low depth, Schmidt rank 2 across
every cut), and returns a :class:`SimulationChoice` that says why (it goes into the run record).
:func:`choose_method` is the same decision as a bare method name, plus the exact (``save_*``)
case. The limits below were measured on the project's 2-core, 24 GB machine while it was shared
with other jobs (load average 4-7), for the GHZ Bell experiment (n + 1 settings, 1,000 shots,
local dephasing gamma t = 0.05; ``benchmarks/bench_many_qubits.py``, docs/ARCHITECTURE.md
"Simulation methods"):

* ``density_matrix``: one exact noisy evolution per binding, cost ~4^n: 0.57 s per setting at
  n = 10; n = 14 (4 GiB) did not finish a setting in 2 minutes.
* ``statevector`` trajectories with Aer's shot branching (shots share the state until a noise
  draw splits them): 0.45 s per setting at n = 10, 0.73 s at n = 14, 8 s at n = 18.
* ``matrix_product_state`` trajectories: 0.31 s per setting at n = 10, 0.66 s at n = 20, 3.5 s at
  n = 50, 31 s at n = 100 for GHZ circuits (bond dimension 2). Noisy MPS runs one trajectory per
  shot and measures every qubit of every shot: the cost grows ~ shots x n^2. Noiseless, one
  evolution is sampled (0.6 s for 1,000 shots at n = 100).
* GHZ under local dephasing only (``backends.frames``): an exact mixture of two noiseless frames,
  each sampled from one evolution per binding (statevector up to n = 24, else MPS); the window's
  dephasing becomes one flip with probability ``q = (1 - prod_k (1 - 2 p_k))/2``. The GHZ Bell +
  Fisher run (N+1 settings x 1,000 shots, exact on): 15 s at n = 50, 43 s at n = 100, against 405 s and
  ~41 min (extrapolated) for MPS trajectories (load average 5-7).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "METHODS",
    "SimulationChoice",
    "simulation_choice",
    "circuits_choice",
    "is_ghz_like",
    "is_noisy",
    "choose_method",
    "memory_needed",
    "available_memory",
    "check_n",
    "DM_SAMPLING_MAX_QUBITS",
    "SHOT_BRANCHING_MAX_QUBITS",
    "STATEVECTOR_MAX_QUBITS",
    "MPS_GHZ_MAX_QUBITS",
    "GHZ_LIKE_STATES",
]

#: Simulation methods bellsense chooses between.
METHODS: tuple[str, ...] = ("statevector", "density_matrix", "matrix_product_state")

#: Bytes per complex128 amplitude.
_BYTES = 16

#: Largest n for which a noisy sampling run uses the density matrix (cost 4^n once per binding).
DM_SAMPLING_MAX_QUBITS = 10
#: Largest n for statevector trajectories with shot branching on circuits that are not GHZ-like
#: (8 s per setting of 1,000 shots at n = 18, measured); beyond it matrix-product-state trajectories.
SHOT_BRANCHING_MAX_QUBITS = 16
#: Largest n for a noiseless statevector run (16 x 2^24 bytes = 256 MiB; beyond it MPS samples faster
#: for the low-entanglement circuits bellsense builds).
STATEVECTOR_MAX_QUBITS = 24
#: Largest GHZ circuit the MPS method handles, the widest IBM device (Heron r2, 156 qubits); time grows
#: ~ shots x n^2 when noisy (see the module docstring).
MPS_GHZ_MAX_QUBITS = 156

#: ``circuit.metadata["prep"]["state"]`` values whose circuits are GHZ-like: nearest-neighbour CNOT
#: chains (or none), Schmidt rank <= 2 across every cut, so the MPS bond dimension stays 2.
GHZ_LIKE_STATES = frozenset({"ghz", "product"})


@dataclass(frozen=True)
class SimulationChoice:
    """The Aer method of a run and why it was chosen.

    Attributes
    ----------
    method : str
        One of :data:`METHODS`.
    reason : str
        One line for the record and the report.
    shot_branching : bool
        Statevector trajectories with Aer's shot branching (noisy statevector runs only).
    frames : bool
        The noisy GHZ run is sampled as the exact two-frame mixture (``backends.frames``) with
        ``method`` on each noiseless frame; not a record field (the reason says it).
    rare_branches : bool
        A fake-device run sampled on its Kraus-free noise with the Kraus errors' rare branches replayed
        (``backends.rare``); not a record field (the reason says it).
    """

    method: str
    reason: str
    shot_branching: bool = False
    frames: bool = False
    rare_branches: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "reason": self.reason, "shot_branching": self.shot_branching}


def check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return int(n)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown simulation method {method!r}; allowed: {', '.join(METHODS)}")


def memory_needed(n: int, method: str) -> int | None:
    """Bytes the simulator state needs: ``16 * 2^n`` (statevector), ``16 * 4^n`` (density matrix).

    Returns ``None`` for ``matrix_product_state`` (depends on the entanglement, not on n alone).
    """
    n = check_n(n)
    _check_method(method)
    if method == "statevector":
        return _BYTES * (1 << n)
    if method == "density_matrix":
        return _BYTES * (1 << (2 * n))
    return None


def available_memory() -> int:
    """Available physical memory in bytes (``MemAvailable`` of /proc/meminfo, else total RAM)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # not Linux: fall back to total RAM
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def gib(nbytes: float) -> str:
    """Bytes as GiB for messages (``"64 GiB"``)."""
    return f"{nbytes / 2**30:.3g} GiB"


def _fits(n: int, method: str, budget: int) -> bool:
    need = memory_needed(n, method)
    return need is None or need <= budget


def _what_works(n: int, noisy: bool, ghz_like: bool | None, budget: int) -> str:
    """What would run instead (only methods that really handle this size)."""
    if ghz_like and n <= MPS_GHZ_MAX_QUBITS:
        return f"use aer:matrix_product_state, which handles GHZ-like circuits up to n = {MPS_GHZ_MAX_QUBITS}"
    if _fits(n, "statevector", budget) and (not noisy or n <= SHOT_BRANCHING_MAX_QUBITS):
        return "use aer:statevector (trajectories)" if noisy else "use aer:statevector"
    return ("use aer:matrix_product_state (its cost depends on the circuit's entanglement), "
            "or fewer qubits")


def _check_fits(n: int, method: str, budget: int, *, noisy: bool = True, ghz_like: bool | None = None) -> None:
    need = memory_needed(n, method)
    if need is not None and need > budget:
        formula = "16 bytes x 2^n" if method == "statevector" else "16 bytes x 4^n"
        raise ValueError(
            f"method {method!r} at n = {n} needs {formula} = {need} bytes = {gib(need)}, but only {gib(budget)} "
            f"is available; {_what_works(n, noisy, ghz_like, budget)}"
        )


def _budget(max_memory: int | None) -> int:
    budget = available_memory() if max_memory is None else int(max_memory)
    if budget <= 0:
        raise ValueError(f"max_memory must be a positive number of bytes, got {max_memory}")
    return budget


def simulation_choice(
    n: int,
    noisy: bool,
    *,
    ghz_like: bool | None = None,
    method: str | None = None,
    max_memory: int | None = None,
    frames: bool = False,
) -> SimulationChoice:
    """The Aer method of an n-qubit *sampling* run, and why.

    Rules (limits measured, see the module docstring):

    * forced ``method`` -> checked against the memory it needs (``ValueError`` naming what works);
    * noisy, n > :data:`DM_SAMPLING_MAX_QUBITS`, ``frames`` (GHZ under local dephasing only) -> the exact
      two-frame mixture, each frame noiseless (``statevector`` up to :data:`STATEVECTOR_MAX_QUBITS`, else MPS);
    * noisy, n <= :data:`DM_SAMPLING_MAX_QUBITS` -> ``density_matrix`` (one exact evolution);
    * noisy, GHZ-like circuits -> ``matrix_product_state`` trajectories (bond dimension 2);
    * noisy, other circuits up to :data:`SHOT_BRANCHING_MAX_QUBITS` -> ``statevector`` trajectories
      with shot branching; beyond -> ``matrix_product_state``;
    * noiseless -> ``statevector`` up to :data:`STATEVECTOR_MAX_QUBITS` (and if 2^n fits), else MPS;
    * circuits known not to be GHZ-like (``ghz_like=False``) beyond that: ``statevector`` while 2^n
      fits, else ``ValueError`` (no method with a bounded cost); unknown (``None``): MPS.

    Parameters
    ----------
    n : int
        Most qubits of any one circuit.
    noisy : bool
        A noise model or noise instructions act (every shot is then a trajectory, except on the
        density matrix).
    ghz_like : bool or None
        The circuits are GHZ-like (see :data:`GHZ_LIKE_STATES`); ``None``: not known.
    method : str, optional
        Force a method (``aer:<method>``).
    max_memory : int, optional
        Memory budget in bytes (default: :func:`available_memory`).
    frames : bool
        The circuits qualify for ``backends.frames`` (:func:`~bellsense.backends.frames.frame_weight`).
    """
    n = check_n(n)
    budget = _budget(max_memory)
    if method is None and noisy and frames and n > DM_SAMPLING_MAX_QUBITS:
        from .frames import FRAMES_REASON

        inner = simulation_choice(n, False, ghz_like=True, max_memory=budget)
        return SimulationChoice(inner.method, f"{FRAMES_REASON} (n = {n})", frames=True)
    if method is not None:
        _check_method(method)
        _check_fits(n, method, budget, noisy=noisy, ghz_like=ghz_like)
        return SimulationChoice(method, "forced by the backend name",
                                shot_branching=noisy and method == "statevector")
    if noisy and n <= DM_SAMPLING_MAX_QUBITS and _fits(n, "density_matrix", budget):
        return SimulationChoice("density_matrix", f"noisy, n = {n} <= {DM_SAMPLING_MAX_QUBITS}: one exact "
                                "evolution per binding is cheapest")
    if noisy and ghz_like:
        return SimulationChoice("matrix_product_state", f"noisy GHZ-like circuit, n = {n}: MPS trajectories "
                                "with bond dimension 2")
    if noisy and n <= SHOT_BRANCHING_MAX_QUBITS and _fits(n, "statevector", budget):
        return SimulationChoice("statevector", f"noisy, n = {n} <= {SHOT_BRANCHING_MAX_QUBITS}: statevector "
                                "trajectories with shot branching", shot_branching=True)
    if not noisy and n <= STATEVECTOR_MAX_QUBITS and _fits(n, "statevector", budget):
        return SimulationChoice("statevector", f"noiseless, n = {n} <= {STATEVECTOR_MAX_QUBITS}: one evolution, "
                                "then sampling")
    if ghz_like is False:
        if _fits(n, "statevector", budget):
            return SimulationChoice("statevector", f"n = {n}, not GHZ-like: the only method with a known cost "
                                    "(16 x 2^n bytes); slow", shot_branching=noisy)
        need = memory_needed(n, "statevector") or 0
        largest = max(k for k in range(1, n) if _BYTES * (1 << k) <= budget) if budget >= 2 * _BYTES else 0
        raise ValueError(
            f"no simulation method handles n = {n} for circuits that are not GHZ-like: statevector needs "
            f"16 bytes x 2^n = {gib(need)} (only {gib(budget)} available), and the matrix-product-state cost of "
            f"these circuits is not bounded; allowed: n <= {largest} (statevector), a GHZ-like probe "
            f"({', '.join(sorted(GHZ_LIKE_STATES))}; matrix_product_state up to n = {MPS_GHZ_MAX_QUBITS}), "
            "or run.backend = 'aer:matrix_product_state' to try it anyway"
        )
    return SimulationChoice("matrix_product_state", f"n = {n}: too large for dense methods; MPS "
                            + ("trajectories" if noisy else "evolution, then sampling"))


def is_noisy(circuits: Sequence[Any], noise_model: Any = None) -> bool:
    """A non-ideal noise model, or noise instructions (``QuantumError``, Kraus, superoperator) in a circuit."""
    from qiskit_aer.noise import QuantumError

    if noise_model is not None and not noise_model.is_ideal():
        return True
    return any(isinstance(inst.operation, QuantumError)
               or inst.operation.name in ("kraus", "superop", "qerror_loc", "quantum_channel")
               for c in circuits for inst in c.data)


def is_ghz_like(circuits: Sequence[Any]) -> bool | None:
    """Whether every circuit prepares a GHZ-like state (``metadata["prep"]["state"]``); ``None`` if one does not say."""
    states = [((getattr(c, "metadata", None) or {}).get("prep") or {}).get("state") for c in circuits]
    if not states or any(s is None for s in states):
        return None
    return all(s in GHZ_LIKE_STATES for s in states)


def circuits_choice(
    circuits: Sequence[Any],
    noise_model: Any = None,
    *,
    method: str | None = None,
    max_memory: int | None = None,
    frames: bool | None = None,
) -> SimulationChoice:
    """:func:`simulation_choice` for the circuits of one Aer job under ``noise_model``.

    n is the widest circuit, noisy means :func:`is_noisy`, GHZ-like is read from the circuits'
    metadata (:func:`is_ghz_like`), and the two-frame mixture applies when every circuit qualifies
    (``backends.frames.frame_weight``; ``frames=False`` skips it). Shot branching is switched off when
    the noise model acts on ``measure``: Aer's shot branching drops readout errors once gate noise has branched.
    """
    if not circuits:
        raise ValueError("need at least one circuit")
    n = max(int(c.num_qubits) for c in circuits)
    noisy = is_noisy(circuits, noise_model)
    if frames is None:
        from .frames import frame_weight

        frames = (method is None and noisy and n > DM_SAMPLING_MAX_QUBITS
                  and all(frame_weight(c, noise_model) is not None for c in circuits))
    choice = simulation_choice(n, noisy, ghz_like=is_ghz_like(circuits), method=method, max_memory=max_memory,
                               frames=frames)
    return readout_safe(choice, noise_model)


def readout_safe(choice: SimulationChoice, noise_model: Any) -> SimulationChoice:
    """``choice`` without shot branching if ``noise_model`` acts on ``measure`` (Aer's shot branching
    drops readout errors once gate noise has branched: parity off by 12 sigma at n = 3, 3e5 shots)."""
    if choice.shot_branching and noise_model is not None and "measure" in noise_model.noise_instructions:
        return SimulationChoice(choice.method, choice.reason + " (without shot branching: readout error acts)")
    return choice


def choose_method(
    n: int,
    noisy: bool,
    *,
    exact: bool = False,
    method: str | None = None,
    max_memory: int | None = None,
) -> str:
    """Pick the Aer simulation method for an n-qubit run (a method name; see :func:`simulation_choice`).

    Parameters
    ----------
    n : int
        Number of qubits.
    noisy : bool
        Whether the run has non-unitary noise (a noise model or ``QuantumError`` instructions).
    exact : bool
        True for an exact mixed state / exact probabilities (``save_density_matrix``,
        ``save_probabilities``): a noisy exact result needs the density-matrix method, because
        statevector noise is a single sampled trajectory.
    method : str, optional
        Force a method; it is checked (memory, and exactness for noisy states) instead of chosen.
    max_memory : int, optional
        Memory budget in bytes (default: :func:`available_memory`).

    Returns
    -------
    str
        One of :data:`METHODS`. Noisy & exact -> density_matrix; otherwise the method of
        :func:`simulation_choice` for a circuit that is not known to be GHZ-like.

    Raises
    ------
    ValueError
        If the forced method cannot work, with the memory it needs (density matrix:
        16 bytes x 4^n, e.g. 64 GiB at n = 16), or if nothing exact fits.
    """
    n = check_n(n)
    budget = _budget(max_memory)
    if noisy and exact:
        if method is not None:
            _check_method(method)
            if method != "density_matrix":
                raise ValueError(
                    f"an exact noisy state/probability vector needs method 'density_matrix', not {method!r} "
                    "(that method would sample one noise trajectory)"
                )
        _check_fits(n, "density_matrix", budget)
        return "density_matrix"
    return simulation_choice(n, noisy, method=method, max_memory=budget).method
