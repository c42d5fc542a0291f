"""Exact collective-spin witnesses of seed 004: spin squeezing, the two-body PI Bell value and its
minimum over the settings, and the best collective axis for the QFI.

All are functions of first and second moments of the collective spin ``J = S`` (or of the QFI
matrix of ``J``), so they are computed from ``spin.collective`` (2^n, sparse) or
``spin.dicke_collective`` (n+1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

from bellsense.pistate import PIState
from bellsense.spin import MAX_QUBITS_SPARSE, collective, dicke_collective

from .inputs import Basis, as_state, dense_limit_error, num_qubits
from .pi import pi_moments, pi_qfim
from .qfi import qfim


def _ops(n: int, basis: Basis):
    if basis == "dicke":
        return lambda axis: dicke_collective(n, axis)
    if n > MAX_QUBITS_SPARSE:
        raise dense_limit_error(n, MAX_QUBITS_SPARSE, "2^n collective operators")
    return lambda axis: collective(n, axis)


def _expect(st: Any, op: sp.spmatrix) -> complex:
    """``<op>`` for a vector or a density matrix (dense or sparse)."""
    if not sp.issparse(st) and st.ndim == 1:
        return complex(np.vdot(st, op @ st))
    prod = op @ st
    return complex(prod.diagonal().sum() if sp.issparse(prod) else np.trace(prod))


def _prepare(state: Any, basis: Basis) -> tuple[Any, int]:
    st = as_state(state)
    return st, num_qubits(st.shape[0], basis)


def squeezing_parameter(state: Any, basis: Basis = "qubits") -> float:
    """Spin-squeezing parameter ``xi^2 = N Var(S_z) / (<S_x>^2 + <S_y>^2)`` with ``S = J`` (seed 004 eq. 13).

    ``xi^2 < 1`` witnesses entanglement. A coherent state in the equatorial plane gives 1.
    Returns ``inf`` when the mean spin has no transverse component.
    """
    st, n = _prepare(state, basis)
    op = _ops(n, basis)
    jz = op("z")
    mz = _expect(st, jz).real
    var = _expect(st, jz @ jz).real - mz**2
    trans = _expect(st, op("x")).real ** 2 + _expect(st, op("y")).real ** 2
    if trans <= 0.0:
        return float("inf")
    return float(n * var / trans)


def _direction(angle: float) -> np.ndarray:
    """Unit vector of ``M = cos(a) Z + sin(a) X``."""
    return np.array([np.sin(angle), 0.0, np.cos(angle)])


def pi_bell_value(state: Any, phi: float, theta: float, basis: Basis = "qubits") -> float:
    """Two-body permutationally invariant Bell value ``<B>`` of seed 004 (eqs. 2-3).

    ``B = 2N - 2 C_0 + C_00/2 - C_01 + C_11/2`` with ``M_0 = cos(phi) Z + sin(phi) X``,
    ``M_1 = cos(theta) Z + sin(theta) X``, ``C_r = sum_i <M_r^(i)>`` and
    ``C_rs = sum_{i != j} <M_r^(i) M_s^(j)>``. Local models give ``<B> >= 0``.

    With ``J_r = m_r . J`` the collective spin along the setting's direction:
    ``C_r = 2<J_r>``, ``C_rr = 4<J_r^2> - N`` and ``C_01 = 2<{J_0, J_1}> - N cos(phi - theta)``
    (the one-site terms ``M_0 M_1 = cos(phi-theta) + i (m_0 x m_1).sigma`` removed; the
    commutator part cancels). Only the two-qubit reduced state enters, so any state works (also a
    ``PIState``, through its collective moments).
    """
    if isinstance(state, PIState):
        n, mom = _bell_moments(state, basis)
        return float(_bell_from_moments(n, mom, np.asarray(phi), np.asarray(theta)))
    st, n = _prepare(state, basis)
    op = _ops(n, basis)
    j0, j1 = op(_direction(phi)), op(_direction(theta))
    c0 = 2.0 * _expect(st, j0).real
    c00 = 4.0 * _expect(st, j0 @ j0).real - n
    c11 = 4.0 * _expect(st, j1 @ j1).real - n
    c01 = 2.0 * _expect(st, j0 @ j1 + j1 @ j0).real - n * np.cos(phi - theta)
    return float(2 * n - 2 * c0 + 0.5 * c00 - c01 + 0.5 * c11)


#: Grid points per angle for the global search of :func:`pi_bell_minimum` (spacing 2 pi/240 = 1.5 deg:
#: B is a degree-2 trigonometric polynomial, so its basins are far wider than this).
PI_BELL_GRID = 240
#: Number of grid local minima (best first) polished by the local search.
PI_BELL_STARTS = 6


@dataclass(frozen=True)
class PIBellMinimum:
    """Global minimum of the two-body PI Bell value: ``value = <B>(phi, theta)``, angles in [0, 2 pi)."""

    value: float
    phi: float
    theta: float

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "phi": self.phi, "theta": self.theta}


def _bell_moments(state: Any, basis: Basis) -> tuple[int, np.ndarray]:
    """``n`` and ``(<J_x>, <J_z>, <J_x^2>, <J_z^2>, <{J_x, J_z}>)``: all that ``<B>`` needs."""
    if isinstance(state, PIState):
        first, second = pi_moments(state)
        return state.n, np.array([first[0], first[2], second[0, 0].real, second[2, 2].real, 2 * second[0, 2].real])
    st, n = _prepare(state, basis)
    op = _ops(n, basis)
    jx, jz = op("x"), op("z")
    ops = (jx, jz, jx @ jx, jz @ jz, jx @ jz + jz @ jx)
    return n, np.array([_expect(st, o).real for o in ops])


def _bell_from_moments(n: int, mom: np.ndarray, phi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``<B>(phi, theta)`` of :func:`pi_bell_value`, vectorised over broadcast angle arrays.

    ``J_a = sin(a) J_x + cos(a) J_z``, so ``<J_a>``, ``<J_a^2>`` and ``<{J_phi, J_theta}>`` are
    linear in the five moments with trigonometric coefficients.
    """
    mx, mz, xx, zz, ac = mom
    sp_, cp, st_, ct = np.sin(phi), np.cos(phi), np.sin(theta), np.cos(theta)
    c0 = 2.0 * (sp_ * mx + cp * mz)
    c00 = 4.0 * (sp_**2 * xx + cp**2 * zz + sp_ * cp * ac) - n
    c11 = 4.0 * (st_**2 * xx + ct**2 * zz + st_ * ct * ac) - n
    c01 = 2.0 * (2 * sp_ * st_ * xx + 2 * cp * ct * zz + (sp_ * ct + cp * st_) * ac) - n * np.cos(phi - theta)
    return 2 * n - 2 * c0 + 0.5 * c00 - c01 + 0.5 * c11


def pi_bell_minimum(state: Any, basis: Basis = "qubits", grid: int = PI_BELL_GRID) -> PIBellMinimum:
    """Global minimum over ``(phi, theta)`` of the two-body PI Bell value ``<B>``.

    Marconi, Riera-Campeny, Sanpera and Aloy, "Robustness of non-locality in many-body open
    quantum systems", arXiv:2202.12079 (2022), eqs. 1-3, with the same settings ``M_0 = cos(phi) Z + sin(phi) X``,
    ``M_1 = cos(theta) Z + sin(theta) X`` on every qubit (:func:`pi_bell_value`). ``<B>`` depends on
    the state only through five collective moments, computed once; the whole ``grid x grid`` torus
    is then evaluated with numpy, and its best ``PI_BELL_STARTS`` local minima are polished by BFGS
    on the same closed form (a single local search can stop in a local minimum).

    Parameters
    ----------
    state : vector, density matrix or PIState
        Qubit basis (``2^n``), with ``basis="dicke"`` the Dicke basis (n+1), or a
        ``bellsense.pistate.PIState`` (moments from :func:`pi.pi_moments`; ``basis`` ignored).
    grid : int >= 16
        Grid points per angle.

    Returns
    -------
    PIBellMinimum
        ``value < 0`` is a Bell violation.
    """
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 16:
        raise ValueError(f"grid must be an int >= 16, got {grid!r}")
    n, mom = _bell_moments(state, basis)
    angles = np.linspace(0.0, 2 * np.pi, int(grid), endpoint=False)
    values = _bell_from_moments(n, mom, angles[:, None], angles[None, :])
    # local minima of the periodic grid (<= their 8 neighbours), best first
    is_min = np.ones(values.shape, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_min &= values <= np.roll(values, (di, dj), axis=(0, 1))
    cand = np.flatnonzero(is_min)
    cand = cand[np.argsort(values.ravel()[cand])][:PI_BELL_STARTS]
    starts = [np.unravel_index(int(i), values.shape) for i in cand]

    def fun(x: np.ndarray) -> float:
        return float(_bell_from_moments(n, mom, np.asarray(x[0]), np.asarray(x[1])))

    best = (float(values[starts[0]]), float(angles[starts[0][0]]), float(angles[starts[0][1]]))
    for i, j in starts:
        res = minimize(fun, np.array([angles[i], angles[j]]), method="BFGS", options={"gtol": 1e-12})
        if float(res.fun) < best[0]:
            best = (float(res.fun), float(res.x[0]), float(res.x[1]))
    value, phi, theta = best
    return PIBellMinimum(value, float(np.mod(phi, 2 * np.pi)), float(np.mod(theta, 2 * np.pi)))


def best_axis_qfi(state: Any, basis: Basis = "qubits") -> tuple[float, np.ndarray]:
    """Largest QFI over collective axes: ``max_{|a|=1} F_Q(rho, a . J) = lambda_max(F)``.

    ``F`` is the 3x3 QFI matrix of ``(J_x, J_y, J_z)`` (:func:`qfim`); ``F_Q(a . J) = a^T F a``,
    so the best axis is the top eigenvector (``eigh``). Used as the entanglement criterion
    ``F_Q > N`` by Marconi et al. (2022) and Niezgoda and Chwedenczuk, Phys. Rev. Lett. 126,
    210506 (2021), arXiv:2011.06612.

    ``state``: a vector or density matrix (qubit basis, or ``basis="dicke"``), or a
    ``bellsense.pistate.PIState`` (through :func:`pi.pi_qfim`, any n).

    Returns
    -------
    (value, axis)
        ``axis`` is a unit 3-vector, its sign fixed so that its largest component is positive.
    """
    if isinstance(state, PIState):
        fmat = pi_qfim(state, ["x", "y", "z"])
    else:
        st, n = _prepare(state, basis)
        op = _ops(n, basis)
        fmat = qfim(st, [op("x"), op("y"), op("z")])
    vals, vecs = np.linalg.eigh(0.5 * (fmat + fmat.T))
    axis = vecs[:, -1]
    axis = axis * np.sign(axis[np.argmax(np.abs(axis))])
    return float(vals[-1]), axis


__all__ = ["squeezing_parameter", "pi_bell_value", "pi_bell_minimum", "PIBellMinimum", "best_axis_qfi"]
