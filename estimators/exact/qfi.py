"""Exact quantum Fisher information (seed 001 eq. 8), QFI matrix and the Hilbert-Schmidt bound (eq. 12).

Speed comes from structure, not from approximations:

* a pure state (a vector, or a density matrix of purity 1 to 1e-12) costs one
  matrix-vector product: ``F = 4 Var(h)``;
* the nonzero pattern of ``rho`` and of every generator splits the index set into
  connected components; the QFI is a sum over components (``rho`` and ``h`` are both
  block diagonal in that partition). Singletons contribute nothing; equal-size
  blocks are diagonalised together as one stacked ``eigh`` call;
* a real block uses the real symmetric eigensolver (about 4x cheaper);
* only the support of a block (eigenvalues > ``SUPPORT_TOL``) is rotated to the
  eigenbasis, ``U_S^dagger [rho, h] U_S``; the zero eigenspace enters through
  ``[rho, h] u_i`` projected off the support (see ``_block_qfim``);
* ``[rho, h]`` for a diagonal generator is an entrywise scaling, for a sparse one two
  sparse products; no dense product with a dense ``h`` is formed in those cases.

Accuracy where the coherences are tiny: eq. 8 is evaluated in its commutator form,
``(p_i - p_j) <i|h|j> = <i|[rho, h]|j>``, with ``[rho, h]`` formed in the original basis
(entries ~ the coherences c, accurate to ~1e-16 c) and only then rotated to the eigenbasis.
The textbook form needs ``p_i - p_j ~ c`` from ``eigh``, which is accurate only to ~1e-16
absolute, i.e. ~1e-16/c relative (1e-3 for a GHZ state dephased to c ~ 1e-13). For the
same reason a structural zero of ``rho`` is an exact zero: a tiny entry may be the signal.

Only Hermitian eigensolvers (``eigh``) are used: degenerate spectra (dephased
product states) are the normal case.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .inputs import as_generators, as_state
from .pi import PIState, pi_qfim
from .qfi_kernels import commutator, generator_form, mixed_qfim, pure_qfim, real_if_real


def qfim(state: Any, generators: Any) -> np.ndarray:
    """Exact quantum Fisher information matrix (seed 001 eq. 8; seed 002).

    ``F_ab = 2 sum_{i,j: p_i + p_j > 0} (p_i - p_j)^2 / (p_i + p_j) Re(<i|h_a|j><j|h_b|i>)``
    for ``rho = sum_i p_i |i><i|`` and the family ``exp(-i sum_a theta_a h_a) rho exp(+i ...)``
    at ``theta = 0``. For a pure state ``F_ab = 4 Re(<h_a h_b> - <h_a><h_b>)``.
    Evaluated as ``2 sum Re(<i|[rho,h_a]|j><j|[h_b,rho]|i>) / (p_i + p_j)`` with the commutators
    formed before diagonalising, so tiny coherences (a GHZ state dephased to c ~ 1e-18) keep
    machine precision relative to F, not ~1e-16/c.

    Parameters
    ----------
    state : Statevector, DensityMatrix, ndarray (vector or matrix) or scipy.sparse matrix
        Any dimension: ``2^n`` qubit basis, or ``n+1`` Dicke basis (the symmetric fast path,
        use ``spin.dicke_collective`` generators).
    generators : matrix or sequence of matrices
        Hermitian, dense or scipy.sparse, of the state's dimension.

    Returns
    -------
    ndarray, shape (k, k)
        Always 2-D, symmetric, positive semidefinite.

    Raises
    ------
    ValueError
        Non-normalised / non-Hermitian / non-PSD state, non-Hermitian generator, dimension
        mismatch, or an unstructured mixed block larger than ``MAX_EIGH_DIM`` (use the Dicke basis).
    """
    if isinstance(state, PIState):  # generators are collective axes: "x", "y", "z" or unit 3-vectors
        return pi_qfim(state, generators)
    rho = as_state(state)
    gens = [generator_form(g) for g in as_generators(generators, rho.shape[0])]
    if not sp.issparse(rho) and rho.ndim == 1:
        return pure_qfim(rho, gens)
    return mixed_qfim(rho, gens)


def qfi(state: Any, generator: Any) -> float:
    """Exact quantum Fisher information ``F_Q[rho, h]`` (seed 001 eq. 8); see ``qfim``.

    Pure GHZ with ``J_z`` gives ``N^2``, ``|+>^N`` gives ``N`` (PHYSICS.md reference values).
    """
    if isinstance(state, PIState):
        return float(pi_qfim(state, [generator])[0, 0])
    if isinstance(generator, (list, tuple)) and np.ndim(generator) == 2:
        generator = np.asarray(generator)  # a nested-list matrix
    if sp.issparse(generator) or (isinstance(generator, np.ndarray) and generator.ndim == 2) or type(
        generator
    ).__name__ in ("Operator", "SparsePauliOp"):
        return float(qfim(state, [generator])[0, 0])
    raise TypeError(
        f"generator must be one matrix (ndarray, scipy.sparse or qiskit Operator), got {type(generator).__name__}"
    )


def hs_bound(state: Any, generator: Any) -> float:
    """Hilbert-Schmidt lower bound on the QFI (seed 001 eq. 12).

    ``F_Q >= 4 (Tr[rho^2 h^2] - Tr[(rho h)^2]) = 2 ||[rho, h]||_F^2``.
    Equal to ``F_Q = 4 Var(h)`` for a pure state. The commutator form has no cancellation
    (``4 (||rho h||^2 - Re Tr[(rho h)^2])`` loses everything when the coherences are below
    ~1e-8): entrywise ``rho_ij (h_j - h_i)`` for a diagonal h, two (sparse) products otherwise.
    """
    rho = as_state(state)
    (h,) = as_generators([generator], rho.shape[0])
    g = generator_form(h)
    if not sp.issparse(rho) and rho.ndim == 1:
        return float(pure_qfim(rho, [g])[0, 0])
    if sp.issparse(rho):
        comm = sp.csr_matrix(rho @ h - h @ rho)
        return 2.0 * float(np.sum(np.abs(comm.data) ** 2))
    return 2.0 * float(np.sum(np.abs(commutator(real_if_real(rho), g)) ** 2))


__all__ = ["qfi", "qfim", "hs_bound"]
