"""The states of Marconi, Riera-Campeny, Sanpera and Aloy, "Robustness of non-locality in many-body open
quantum systems", arXiv:2202.12079 (2022), from the permutation-invariant engine (``noise.evolve`` /
``noise.steady_state``; no other solver), and the witnesses reported for each.

All dynamics are collective, so the state stays in the j = N/2 block: every state is returned as its
Dicke-basis density matrix (basis ``|D_k>``, k qubits in ``|1>``; the paper's ``|D_k^N>`` is the same
convention, so its ``|D_N^N>`` is ``|1...1>``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bellsense import noise
from bellsense.estimators import best_axis_qfi, concurrence, pi_bell_minimum, squeezing_parameter
from bellsense.noise.davies import davies_jumps, zeta_jump
from bellsense.pistate import PIState

BlockFn = Callable[..., Any]
#: Ohmic bath of the thermal figures: ``J(w) = ALPHA w e^{-w/CUTOFF}`` (our choice; the paper gives none).
ALPHA, CUTOFF = 0.1, 10.0
#: Rate of the non-thermal jump ``cos(zeta) S^_+ + sin(zeta) S^_-`` (our choice; the paper gives none).
ZETA_RATE = 0.1


def lmg(n: int, coupling: float, field: float) -> BlockFn:
    """``H = (J/N) S_z^2 - h S_x`` (the paper's eq. 4) as a block callable."""
    return lambda jx, jy, jz: (coupling / n) * (jz @ jz) - field * jx


def s_y(jx: Any, jy: Any, jz: Any) -> Any:
    return jy


def s_z(jx: Any, jy: Any, jz: Any) -> Any:
    return jz


def dicke_block(state: PIState) -> np.ndarray:
    """The j = N/2 block (Dicke basis) as a dense Hermitian matrix."""
    blk = state.blocks[0]
    mat = np.asarray(blk.toarray() if hasattr(blk, "toarray") else blk, dtype=complex)
    return 0.5 * (mat + mat.conj().T)


def thermal_jumps(n: int, coupling: float, field: float, beta: float) -> list[tuple[float, BlockFn]]:
    """Davies jumps of the LMG coupled through ``S_y`` to the ohmic bath at inverse temperature beta."""
    return davies_jumps(n, lmg(n, coupling, field), s_y, beta, ALPHA, CUTOFF)


def thermal_steady(n: int, coupling: float, field: float, beta: float) -> np.ndarray:
    """Steady state of the thermal (Davies) master equation: the Gibbs state for a non-degenerate spectrum."""
    ham = lmg(n, coupling, field)
    return dicke_block(noise.steady_state(n, hamiltonian=ham, collective_jumps=thermal_jumps(n, coupling, field,
                                                                                             beta)))


def zeta_steady(n: int, coupling: float, field: float, zeta: float) -> np.ndarray:
    """Steady state of the non-thermal jump ``cos(zeta) S^_+ + sin(zeta) S^_-`` (Fig. 1b)."""
    ham = lmg(n, coupling, field)
    return dicke_block(noise.steady_state(n, hamiltonian=ham, collective_jumps=[(ZETA_RATE, zeta_jump(ham, zeta))]))


def trajectory(rho0: np.ndarray, times: np.ndarray, hamiltonian: BlockFn | None,
               jumps: Sequence[tuple[float, BlockFn]] = (), measurement: tuple[float, BlockFn] | None = None
               ) -> list[np.ndarray]:
    """Dicke-basis states along ``noise.evolve`` from ``rho0`` (a Dicke-basis density matrix)."""
    out = noise.evolve(PIState.from_dicke(rho0), times, hamiltonian=hamiltonian, collective_jumps=jumps,
                       measurement=measurement)
    return [dicke_block(s) for s in out]


def witnesses(rho: np.ndarray) -> dict[str, Any]:
    """min over (phi, theta) of ``<B>`` and its angles, the concurrence of rho_2, xi^2, the best-axis QFI."""
    best = pi_bell_minimum(rho, basis="dicke")
    fq, axis = best_axis_qfi(rho, basis="dicke")
    return {"bell_min": best.value, "phi": best.phi, "theta": best.theta,
            "concurrence": concurrence(rho, basis="dicke"), "xi2": squeezing_parameter(rho, basis="dicke"),
            "qfi": fq, "qfi_axis": [float(a) for a in axis]}


def series(states: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`witnesses` along a trajectory, as arrays."""
    ws = [witnesses(r) for r in states]
    keys = ("bell_min", "phi", "theta", "concurrence", "xi2", "qfi")
    return {k: np.array([w[k] for w in ws]) for k in keys}


def onset(times: np.ndarray, values: np.ndarray, tol: float = 1e-6) -> float:
    """First time after ``times[0]`` where ``values < -tol`` (linear interpolation; nan if never).

    ``tol`` keeps a start on the local bound (``<B> = 0`` up to rounding, e.g. ``|1...1>``) from counting.
    """
    neg = np.flatnonzero(values[1:] < -tol) + 1
    if neg.size == 0:
        return float("nan")
    i = int(neg[0])
    t0, t1, v0, v1 = times[i - 1], times[i], values[i - 1], values[i]
    return float(t0 + (t1 - t0) * v0 / (v0 - v1))


__all__ = ["ALPHA", "CUTOFF", "ZETA_RATE", "lmg", "s_y", "s_z", "dicke_block", "thermal_jumps", "thermal_steady",
           "zeta_steady", "trajectory", "witnesses", "series", "onset"]
