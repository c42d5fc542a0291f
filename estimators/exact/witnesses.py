"""Exact collective-spin witnesses of seed 004: spin squeezing and the two-body PI Bell value.

Both are functions of first and second moments of the collective spin ``J = S``, so they
are computed from ``spin.collective`` (2^n, sparse) or ``spin.dicke_collective`` (n+1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from bellsense.spin import MAX_QUBITS_SPARSE, collective, dicke_collective

from .inputs import Basis, as_state, dense_limit_error, num_qubits


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
    commutator part cancels). Only the two-qubit reduced state enters, so any state works.
    """
    st, n = _prepare(state, basis)
    op = _ops(n, basis)
    j0, j1 = op(_direction(phi)), op(_direction(theta))
    c0 = 2.0 * _expect(st, j0).real
    c00 = 4.0 * _expect(st, j0 @ j0).real - n
    c11 = 4.0 * _expect(st, j1 @ j1).real - n
    c01 = 2.0 * _expect(st, j0 @ j1 + j1 @ j0).real - n * np.cos(phi - theta)
    return float(2 * n - 2 * c0 + 0.5 * c00 - c01 + 0.5 * c11)


__all__ = ["squeezing_parameter", "pi_bell_value"]
