"""Exact quantities of permutation-invariant states (``bellsense.pistate.PIState``), for any n.

* QFI / QFI matrix about collective axes: ``J_a = ⊕_j J_a^(j) ⊗ 1_{d_j}`` and ``rho = ⊕_j sigma_j ⊗ 1_{d_j}/d_j``
  (weighted blocks ``sigma_j = p_j rho_j``). Eq. 8 of Pezzè et al. (seed 001; the QFI as a sum over eigenpairs)
  splits over the blocks and the d_j copies: ``F = sum_j d_j F(sigma_j/d_j, J^(j)) = sum_j F(sigma_j, J^(j))
  = sum_j p_j F(rho_j, J^(j))`` (F is homogeneous of degree 1 in rho). Summing block QFIs of the *normalised*
  blocks without the p_j (QuTiP issue #993) gives a different number; tests/pi pin this.
  Each block goes through ``estimators.exact.qfi``'s commutator-form routine (connected components, sparse
  blocks); a block that is diagonal uses eq. 8 directly, ``F = sum_ij 2 (p_i - p_j)^2/(p_i + p_j) |h_ij|^2``,
  which needs no eigensolver (dephased Dicke states at n = 1000).
* Collective moments ``<J_a>``, ``<J_a J_b>``; the two-qubit reduced state from them
  (``sum_{i≠j} sigma_a^i sigma_b^j = 4 J_a J_b - 2 i eps_abc J_c - N delta_ab``, Marconi et al. 2022);
* ``E_{N,0} = |<prod_k sigma_+^(k)>|^2`` (Niezgoda & Chwedeńczuk, seed 001 eq. 17), carried by the j = N/2
  block alone: ``|sigma_{N/2}[-N/2, N/2]|^2``, also as log10 where it underflows.

A product state ``rho_1^{⊗n}`` (``PIState.qubit``) uses additivity: ``F = n F(rho_1, sigma_a/2)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from bellsense.axes import AxisLike, unit_axis
from bellsense.pistate import PIState, block_is_empty, spin_matrices

from .qfi_kernels import generator_form, mixed_qfim

_PAULI = (np.array([[0, 1], [1, 0]], dtype=complex), np.array([[0, -1j], [1j, 0]]), np.diag([1.0 + 0j, -1.0]))
_EPS = np.zeros((3, 3, 3))
_EPS[0, 1, 2] = _EPS[1, 2, 0] = _EPS[2, 0, 1] = 1.0
_EPS[0, 2, 1] = _EPS[2, 1, 0] = _EPS[1, 0, 2] = -1.0


def _axes(axes: AxisLike | Sequence[AxisLike]) -> np.ndarray:
    """(k, 3) unit vectors from one axis or a sequence of axes ("x", "y", "z" or unit 3-vectors)."""
    if isinstance(axes, str) or (isinstance(axes, np.ndarray) and axes.ndim == 1):
        return unit_axis(axes)[None, :]
    items = list(axes)
    if items and all(isinstance(x, (int, float, np.number)) for x in items):  # one vector given as a list
        return unit_axis(items)[None, :]
    vecs = [unit_axis(a) for a in items]
    if not vecs:
        raise ValueError("axes must hold at least one axis ('x', 'y', 'z' or a unit 3-vector)")
    return np.array(vecs)


def _check_state(state: Any) -> PIState:
    if not isinstance(state, PIState):
        raise TypeError(f"state must be a bellsense.states.PIState, got {type(state).__name__}")
    return state


def _is_diagonal(block: np.ndarray | sp.csr_matrix) -> bool:
    if sp.issparse(block):
        csr = block if isinstance(block, sp.csr_matrix) else sp.csr_matrix(block)
        rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
        return bool(np.all((rows == csr.indices) | (csr.data == 0)))
    return not np.any(block - np.diag(np.diag(block)))


def _diagonal_qfim(p: np.ndarray, j: float, vecs: np.ndarray) -> np.ndarray:
    """Eq. 8 for a diagonal (unnormalised) block ``diag(p)``: the eigenbasis is the computational one.

    Only the ``J_pm`` parts of ``a . J`` connect different m: ``<m+1|a.J|m> = (a_x - i a_y) c_m / 2``,
    ``c_m = sqrt(j(j+1) - m(m+1))``, so ``F_ab = (a_x b_x + a_y b_y) sum_m (p_m - p_{m+1})^2 / (p_m + p_{m+1}) c_m^2``.
    """
    m = j - np.arange(1, p.size)  # the lower state of each adjacent pair
    c2 = np.maximum(j * (j + 1) - m * (m + 1), 0.0)
    den = p[:-1] + p[1:]
    keep = den > 0.0
    total = float(np.sum(np.where(keep, (p[:-1] - p[1:]) ** 2 / np.where(keep, den, 1.0), 0.0) * c2))
    perp = vecs[:, :2] @ vecs[:, :2].T
    return perp * total


def pi_qfim(state: PIState, axes: AxisLike | Sequence[AxisLike]) -> np.ndarray:
    """QFI matrix ``F_ab`` of a PI state about collective axes ``J_a = a . J`` (degeneracy-weighted block sum).

    ``F_ab = sum_j F_ab(sigma_j, J^(j))`` with weighted blocks ``sigma_j = p_j rho_j`` (module notes).

    Parameters
    ----------
    state : PIState
    axes : "x", "y", "z", a unit 3-vector, or a sequence of those

    Returns
    -------
    ndarray (k, k), symmetric positive semidefinite; for a pure symmetric state ``F = 4 Cov(J_a, J_b)``.
    """
    st = _check_state(state)
    vecs = _axes(axes)
    k = vecs.shape[0]
    if st.data is None:
        assert st.qubit is not None
        gens1 = [sum(v[i] * _PAULI[i] for i in range(3)) / 2 for v in vecs]
        return st.n * mixed_qfim(st.qubit, [generator_form(g) for g in gens1])
    total = np.zeros((k, k))
    for block, j in zip(st.blocks, st.j):
        if block.shape[0] < 2 or block_is_empty(block):
            continue
        if _is_diagonal(block):
            p = np.clip(np.asarray(block.diagonal()).real, 0.0, None)
            total += _diagonal_qfim(p, float(j), vecs)
        else:
            mats = spin_matrices(float(j))
            gens = [sp.csr_matrix(v[0] * mats[0] + v[1] * mats[1] + v[2] * mats[2]) for v in vecs]
            total += mixed_qfim(sp.csr_matrix(block) if sp.issparse(block) else np.asarray(block),
                                 [generator_form(g) for g in gens])
    return total


def pi_qfi(state: PIState, axis: AxisLike) -> float:
    """QFI of a PI state about the collective axis ``J_axis`` (see ``pi_qfim``). GHZ about z: N^2; |+>^N: N."""
    return float(pi_qfim(state, [axis])[0, 0])


def pi_moments(state: PIState) -> tuple[np.ndarray, np.ndarray]:
    """``(<J_a>, <J_a J_b>)``, a = x, y, z: a real (3,) vector and a complex Hermitian (3, 3) matrix.

    ``<J_a J_b> = sum_j Tr[sigma_j J_a^(j) J_b^(j)]``; for a product state
    ``<J_a J_b> = (n delta_ab + i n eps_abc r_c + n(n-1) r_a r_b)/4`` with r the single-qubit Bloch vector.
    """
    st = _check_state(state)
    if st.data is None:
        assert st.qubit is not None
        r = np.array([np.trace(st.qubit @ s).real for s in _PAULI])
        n = st.n
        second = (n * np.eye(3) + 1j * n * np.einsum("abc,c->ab", _EPS, r) + n * (n - 1) * np.outer(r, r)) / 4
        return n * r / 2, second
    first = np.zeros(3)
    second = np.zeros((3, 3), dtype=complex)
    for block, j in zip(st.blocks, st.j):
        if block_is_empty(block):
            continue
        mats = spin_matrices(float(j))
        blk = sp.csr_array(block)
        prods = [blk @ m for m in mats]  # sigma J_a
        for a in range(3):
            first[a] += float(prods[a].diagonal().sum().real)
            for b in range(3):
                second[a, b] += (prods[a] @ mats[b]).diagonal().sum()
    return first, second


def pi_two_qubit_state(state: PIState) -> np.ndarray:
    """Two-qubit reduced state ``rho_2`` (4x4, any two qubits) of a PI state of n >= 2 qubits.

    ``rho_2 = (1 + sum_a r_a (sigma_a ⊗ 1 + 1 ⊗ sigma_a) + sum_ab T_ab sigma_a ⊗ sigma_b)/4`` with
    ``r_a = 2<J_a>/N`` and ``T_ab = Re(4<J_a J_b> - 2i eps_abc <J_c> - N delta_ab)/(N(N-1))`` (symmetric in a, b).
    """
    st = _check_state(state)
    if st.n < 2:
        raise ValueError(f"the two-qubit reduced state needs n >= 2 qubits, got n = {st.n}")
    n = st.n
    first, second = pi_moments(st)
    r = 2 * first / n
    corr = (4 * second - 2j * np.einsum("abc,c->ab", _EPS, first) - n * np.eye(3)).real / (n * (n - 1))
    corr = 0.5 * (corr + corr.T)
    eye = np.eye(2)
    out = np.kron(eye, eye).astype(complex)
    for a in range(3):
        out += r[a] * (np.kron(_PAULI[a], eye) + np.kron(eye, _PAULI[a]))
        for b in range(3):
            out += corr[a, b] * np.kron(_PAULI[a], _PAULI[b])
    return out / 4


def _corner(st: PIState) -> complex:
    """``<prod_k sigma_+^(k)> = <1...1|rho|0...0>``: the (m = -N/2, m' = N/2) entry of the j = N/2 block."""
    top = st.blocks[0]
    return complex(top[top.shape[0] - 1, 0])


def pi_bell_correlator_log10(state: PIState) -> float:
    """``log10 E_{N,0}``, ``E_{N,0} = |<prod_k sigma_+^(k)>|^2`` (z axis); -inf if it is exactly 0.

    Exact where ``E_{N,0}`` underflows float64 for a product state (``2N log10 |rho_1[1,0]|``); for blocks it is
    the log of the stored corner entry (which itself underflows below ~1e-308).
    """
    st = _check_state(state)
    val = abs(complex(st.qubit[1, 0])) if st.data is None and st.qubit is not None else abs(_corner(st))
    power = 2 * st.n if st.data is None else 2
    with np.errstate(divide="ignore"):
        return float(power * np.log10(val))


def pi_bell_correlator(state: PIState) -> float:
    """``E_{N,0} = |<prod_k sigma_+^(k)>|^2``, z axis, ``sigma_+ = |0><1|``; see ``pi_bell_correlator_log10``."""
    return float(10.0 ** pi_bell_correlator_log10(state))


__all__ = ["pi_qfi", "pi_qfim", "pi_moments", "pi_two_qubit_state", "pi_bell_correlator", "pi_bell_correlator_log10"]
