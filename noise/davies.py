"""Collective open dynamics in the energy eigenbasis of a collective Hamiltonian, as ``collective_jumps``
for ``noise.evolve`` / ``noise.steady_state``.

* **Thermal bath (Davies / weak-coupling master equation).** A system Hamiltonian H coupled through a
  collective operator A (e.g. ``S_y``) to a bosonic bath at inverse temperature beta (Marconi,
  Riera-Campeny, Sanpera and Aloy, "Robustness of non-locality in many-body open quantum systems",
  arXiv:2202.12079, Fig. 1a; Breuer and Petruccione, The Theory of Open Quantum Systems, sec. 3.3).
  With ``H = sum_E E Pi_E``, one jump per Bohr frequency ``omega = E' - E``:
  ``A(omega) = sum_{E' - E = omega} Pi_E A Pi_E'`` (lowers the energy by omega), at rate
  ``gamma(omega) = 2 pi J(omega) (n_beta(omega) + 1)`` for ``omega > 0`` and
  ``gamma(-omega) = e^{-beta omega} gamma(omega)`` (detailed balance: the Gibbs state is steady). Ohmic
  spectral density ``J(omega) = alpha omega e^{-omega/omega_c}``; ``gamma(0) = 2 pi alpha / beta`` (its limit)
  multiplies ``A(0)``, which is zero for a real H and an imaginary A such as ``S_y``.
* **Energy-basis ladders** (Fig. 1b): ``S^_± = V S_± V^dagger`` with V the eigenvectors of H in
  ascending energy, the k-th taking the place of the k-th Dicke state ``|D_k>`` (basis m = j, ..., -j).
  ``S^_+`` (m up, k down) thus steps the energy down: the jump ``cos(zeta) S^_+ + sin(zeta) S^_-`` cools to
  the ground state at ``zeta = 0``.

Each jump is a ``(rate, callable(jx, jy, jz) -> L)`` pair: the callable diagonalises H in the block
it is given (``eigh``) and returns that block's component. Frequencies are enumerated in the block of
spin ``j`` (default ``n/2``, where a purely collective problem stays).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bellsense.pistate import spin_matrices

BlockFn = Callable[..., Any]
#: Bohr frequencies closer than this (times the spectral width) are one frequency.
FREQ_TOL = 1e-9
#: Entries of a jump below this (times its largest entry) are rounding noise and dropped.
_ZERO_TOL = 1e-13


def ohmic_rate(omega: np.ndarray | float, beta: float, alpha: float = 1.0, cutoff: float = 10.0) -> np.ndarray:
    """Davies rate ``gamma(omega)`` for an ohmic bath ``J(w) = alpha w e^{-w/cutoff}`` at inverse temperature beta.

    ``omega > 0`` (energy given to the bath): ``2 pi J(omega) (n(omega) + 1)``; ``omega < 0``:
    ``2 pi J(|omega|) n(|omega|)``; ``omega = 0``: ``2 pi alpha / beta``. ``n(w) = 1/(e^{beta w} - 1)``;
    ``beta = inf`` gives zero temperature. So ``gamma(-w) = e^{-beta w} gamma(w)``.
    """
    if not beta > 0:
        raise ValueError(f"beta must be > 0 (inverse temperature; inf for zero temperature), got {beta!r}")
    w = np.asarray(omega, dtype=float)
    a = np.abs(w)
    spec = alpha * a * np.exp(-a / cutoff)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        bw = beta * a
        n_plus = -1.0 / np.expm1(-bw)  # n + 1 = 1/(1 - e^{-beta w})
        n_occ = np.exp(-bw) * n_plus  # n
        out = 2 * np.pi * spec * np.where(w > 0, n_plus, n_occ)
    zero = 2 * np.pi * alpha / beta if np.isfinite(beta) else 0.0
    return np.where(a == 0, zero, out)


def _eigen(hamiltonian: BlockFn, mats: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray]:
    h = hamiltonian(*mats)
    h = h.toarray() if hasattr(h, "toarray") else np.asarray(h)
    return np.linalg.eigh(np.asarray(h, dtype=complex))


def _dense(x: Any) -> np.ndarray:
    return np.asarray(x.toarray() if hasattr(x, "toarray") else x, dtype=complex)


def _clean(mat: np.ndarray) -> np.ndarray:
    top = float(np.max(np.abs(mat))) if mat.size else 0.0
    mat[np.abs(mat) <= _ZERO_TOL * top] = 0.0
    return mat


def bohr_frequencies(hamiltonian: BlockFn, j: float) -> np.ndarray:
    """The distinct Bohr frequencies ``E' - E`` (sorted) of H in the spin-j block."""
    energies, _ = _eigen(hamiltonian, spin_matrices(j))
    diff = (energies[None, :] - energies[:, None]).ravel()
    tol = FREQ_TOL * max(1.0, float(energies[-1] - energies[0]))
    diff.sort()
    keep = np.concatenate([[True], np.diff(diff) > tol])
    return diff[keep]


def davies_jumps(n: int, hamiltonian: BlockFn, coupling: BlockFn, beta: float, alpha: float = 1.0,
                 cutoff: float = 10.0, j: float | None = None) -> list[tuple[float, BlockFn]]:
    """``collective_jumps`` of the Davies master equation (module notes): one ``(gamma(omega), A(omega))`` per
    Bohr frequency of ``hamiltonian`` in the spin-j block (default ``n/2``), ohmic rates (:func:`ohmic_rate`).

    Parameters
    ----------
    n : number of qubits
    hamiltonian, coupling : callables ``(jx, jy, jz) -> matrix`` (H and the system operator coupled to the bath)
    beta, alpha, cutoff : bath inverse temperature, ohmic coupling strength and cutoff frequency

    Returns
    -------
    list of (rate, callable)
        Pass as ``collective_jumps=`` together with ``hamiltonian=`` to ``noise.evolve`` / ``steady_state``.
        With a non-degenerate spectrum the steady state is the Gibbs state ``e^{-beta H}/Z``.
    """
    jj = n / 2 if j is None else float(j)
    freqs = bohr_frequencies(hamiltonian, jj)
    rates = ohmic_rate(freqs, beta, alpha, cutoff)

    def component(omega: float) -> BlockFn:
        def jump(jx: Any, jy: Any, jz: Any) -> np.ndarray:
            energies, vecs = _eigen(hamiltonian, (jx, jy, jz))
            a = vecs.conj().T @ _dense(coupling(jx, jy, jz)) @ vecs  # <E|A|E'>
            tol = FREQ_TOL * max(1.0, float(energies[-1] - energies[0]))
            mask = np.abs((energies[None, :] - energies[:, None]) - omega) <= tol  # E' - E = omega
            return _clean(vecs @ (a * mask) @ vecs.conj().T)

        return jump

    return [(float(r), component(float(w))) for w, r in zip(freqs, rates) if r > 0]


def energy_ladder(hamiltonian: BlockFn, sign: int) -> BlockFn:
    """``S^_+`` (``sign = +1``) or ``S^_-`` (``-1``) in the energy eigenbasis of H (module notes), as a callable."""
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 (S^_+) or -1 (S^_-), got {sign!r}")

    def ladder(jx: Any, jy: Any, jz: Any) -> np.ndarray:
        _, vecs = _eigen(hamiltonian, (jx, jy, jz))
        step = _dense(jx) + sign * 1j * _dense(jy)
        return _clean(vecs @ step @ vecs.conj().T)

    return ladder


def zeta_jump(hamiltonian: BlockFn, zeta: float) -> BlockFn:
    """The non-thermal jump ``cos(zeta) S^_+ + sin(zeta) S^_-`` of Marconi et al. (2022), Fig. 1b."""
    up, down = energy_ladder(hamiltonian, 1), energy_ladder(hamiltonian, -1)

    def jump(jx: Any, jy: Any, jz: Any) -> np.ndarray:
        return np.cos(zeta) * up(jx, jy, jz) + np.sin(zeta) * down(jx, jy, jz)

    return jump


__all__ = ["ohmic_rate", "bohr_frequencies", "davies_jumps", "energy_ladder", "zeta_jump", "FREQ_TOL"]
