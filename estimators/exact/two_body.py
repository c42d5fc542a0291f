"""Two-qubit reduced states and the Wootters concurrence.

Marconi, Riera-Campeny, Sanpera and Aloy ("Robustness of non-locality in many-body open quantum
systems", arXiv:2202.12079 (2022)) compare the two-body Bell violation of a symmetric N-qubit state with the
concurrence of its two-qubit reduced state ``rho_2``. The reduced state of a Dicke-basis state
comes from :func:`bell.dicke_reduced_states` (one definition of the partial trace); a qubit-basis
state is traced down to qubits 0 and 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bellsense.pistate import PIState
from bellsense.spin import symmetric_isometry

from .bell import dicke_reduced_states
from .inputs import Basis, as_state, num_qubits
from .pi import pi_two_qubit_state

#: ``Y (x) Y`` in the two-qubit computational basis (real: Y (x) Y has entries +-1 on the anti-diagonal).
_YY = np.fliplr(np.diag([-1.0, 1.0, 1.0, -1.0])).astype(complex)


def _dense(st: Any) -> np.ndarray:
    return np.asarray(st.toarray() if hasattr(st, "toarray") else st, dtype=complex)


def two_qubit_state(state: Any, basis: Basis = "qubits") -> np.ndarray:
    """The 4x4 two-qubit reduced state ``rho_2`` (Qiskit little-endian order, qubit 0 least significant).

    Parameters
    ----------
    state : vector, density matrix or PIState
        ``basis="qubits"``: dimension ``2^n`` (n >= 2); qubits 2..n-1 are traced out, which for a
        permutation-symmetric state is the reduced state of any pair. ``basis="dicke"``: dimension
        n+1 (a symmetric state); ``rho_2`` is the r = 2 entry of :func:`bell.dicke_reduced_states`,
        mapped into the qubit basis by the isometry of ``|D_0^2>, |D_1^2>, |D_2^2>``. A
        ``bellsense.pistate.PIState`` (any n; ``basis`` ignored) goes through
        :func:`pi.pi_two_qubit_state` (from the collective moments).

    Raises
    ------
    ValueError
        Not a valid state, or fewer than two qubits.
    """
    if isinstance(state, PIState):
        return pi_two_qubit_state(state)
    st = as_state(state)
    n = num_qubits(st.shape[0], basis)
    if n < 2:
        raise ValueError(f"a two-qubit reduced state needs n >= 2 qubits, got n = {n}")
    arr = _dense(st)
    if basis == "dicke":
        rho = np.outer(arr, arr.conj()) if arr.ndim == 1 else arr
        rho3 = dicke_reduced_states(rho)[2]
        iso = symmetric_isometry(2).toarray()
        return iso @ rho3 @ iso.conj().T
    rest = 1 << (n - 2)
    if arr.ndim == 1:
        mat = arr.reshape(rest, 4)  # index = rest_bits * 4 + (q1 q0)
        return mat.T @ mat.conj()
    return np.einsum("aiaj->ij", arr.reshape(rest, 4, rest, 4))


#: Eigenvalues of rho below this are rounding noise of a rank-deficient state (a pure state's zeros come out
#: as ~1e-17): they are set to 0 before the square root, which would otherwise turn them into ~3e-9.
_RANK_TOL = 1e-14


def _psd_sqrt(rho: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(rho)
    vals = np.where(vals > _RANK_TOL * max(1.0, float(vals[-1])), vals, 0.0)
    return (vecs * np.sqrt(vals)) @ vecs.conj().T


def concurrence(state: Any, basis: Basis = "qubits") -> float:
    """Wootters concurrence ``C = max(0, l1 - l2 - l3 - l4)`` of a two-qubit (reduced) state.

    ``l_i`` are the square roots, in decreasing order, of the eigenvalues of ``rho rho~`` with
    ``rho~ = (Y (x) Y) rho^* (Y (x) Y)`` (W. K. Wootters, Phys. Rev. Lett. 80, 2245 (1998),
    arXiv:quant-ph/9709029). ``rho rho~`` is not Hermitian; its eigenvalues equal those of the
    Hermitian ``sqrt(rho) rho~ sqrt(rho) = A A^dagger`` with ``A = sqrt(rho) sqrt(rho~)`` and
    ``sqrt(rho~) = (Y (x) Y) sqrt(rho)^* (Y (x) Y)``, so the ``l_i`` are the singular values of A
    (``sqrt(rho)`` from ``eigh``; the SVD keeps small ``l_i`` accurate to ~1e-16, where square roots
    of eigenvalues would give ~1e-8). Marconi et al. (2022) eq. 12 writes the eigenvalues of
    ``rho_2`` instead; that is a misprint (docs/PHYSICS.md).

    Parameters
    ----------
    state : vector, density matrix or PIState
        A 4-dimensional two-qubit state, a ``2^n`` qubit state (reduced to qubits 0 and 1), with
        ``basis="dicke"`` a symmetric state in the Dicke basis (its ``rho_2``), or a ``PIState``;
        see :func:`two_qubit_state`.

    Returns
    -------
    float in [0, 1]
        1 for a Bell state, 0 for separable states, ``2/N`` for ``|D_1^N>``.
    """
    rho = two_qubit_state(state, basis)
    root = _psd_sqrt(0.5 * (rho + rho.conj().T))
    lam = np.linalg.svd(root @ (_YY @ root.conj() @ _YY), compute_uv=False)  # decreasing order
    return float(min(1.0, max(0.0, lam[0] - lam[1] - lam[2] - lam[3])))


__all__ = ["two_qubit_state", "concurrence"]
