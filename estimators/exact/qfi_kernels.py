"""Kernels of the exact QFI: commutator-form block QFIs, connected components, pure-state moments.

The structure exploited (see ``qfi.py`` for the public functions and the accuracy argument):

* a pure state costs one matrix-vector product: ``F = 4 Var(h)``;
* the nonzero pattern of ``rho`` and of every generator splits the index set into connected
  components; singletons contribute nothing; equal-size blocks share one stacked ``eigh``;
* a real block uses the real symmetric eigensolver; only the support of a block is rotated to
  the eigenbasis, the zero eigenspace enters through ``[rho, h] u_i`` projected off the support;
* ``[rho, h]`` for a diagonal generator is an entrywise scaling, for a sparse one two sparse products.

Only Hermitian eigensolvers (``eigh``) are used. The permutation-invariant engine
(``estimators/exact/pi.py``) applies ``mixed_qfim`` block by block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.linalg.lapack as lapack
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .inputs import MAX_EIGH_DIM

#: Entries of a generator below this (times max |h|) are structural zeros. For rho only exact zeros are:
#: F depends on a coherence c through c^2 (the dephased-GHZ QFI is 4 N^2 c^2), so no size is negligible.
PATTERN_TOL = 1e-14
#: Eigenvalues of rho at or below this are treated as outside the support (their QFI weight is <= 4 p ||h||^2);
#: pairs with p_i + p_j at or below it are dropped (each is <= 2 (p_i + p_j) |h_ij|^2).
SUPPORT_TOL = 1e-14
#: A block with 1 - purity below this is treated as pure (error in F ~ (1 - purity) ||h||^2).
PURITY_TOL = 1e-12
#: Eigenvalues below -PSD_TOL (rho has trace 1, so this is relative to its norm; eigh's own error is
#: ~ dim * eps * ||rho|| <= 1e-12 up to MAX_EIGH_DIM) mean rho is not a density matrix.
PSD_TOL = 1e-8
#: The low-rank path (pivoted Cholesky) is used when rank <= dim / LOW_RANK_RATIO.
LOW_RANK_RATIO = 4
#: Trace of the part of rho that the low-rank path drops (error in F <= 4 * this * ||h||^2).
LOW_RANK_TRACE_TOL = 1e-13


def generator_form(h: np.ndarray | sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
    """Cheapest exact representation: 1-D diagonal if h is diagonal; real dtype if h is real."""
    if sp.issparse(h):
        h = sp.csr_matrix(h)
        coo = h.tocoo()
        if np.all(coo.row == coo.col):
            out = np.asarray(h.diagonal())
        else:
            out = h.tocsr()
            if out.nnz == 0 or np.max(np.abs(out.data.imag)) == 0.0:
                out = sp.csr_matrix(out.real)
            return out
    else:
        off = h - np.diag(np.diag(h))
        out = np.diag(h).copy() if not np.any(off) else h
    if np.iscomplexobj(out) and (out.size == 0 or np.max(np.abs(out.imag)) == 0.0):
        out = out.real.copy()
    return out


def _apply(h: np.ndarray | sp.csr_matrix, u: np.ndarray) -> np.ndarray:
    """``h @ u`` for ``h`` in ``generator_form`` (diag vector, sparse, dense); keeps real arithmetic real."""
    if sp.issparse(h):
        return np.asarray(h @ u)
    if h.ndim == 1:
        return h[:, None] * u
    if np.iscomplexobj(h) and not np.iscomplexobj(u):
        return (h.real @ u) + 1j * (h.imag @ u)
    return h @ u


def real_if_real(a: np.ndarray) -> np.ndarray:
    """``a.real`` when the imaginary part is exactly zero (real BLAS and the real eigensolver are ~4x cheaper)."""
    if np.iscomplexobj(a) and not np.any(a.imag):
        return a.real
    return a


def _times(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (2-D or stacked) using real products when one factor is real."""
    if np.iscomplexobj(a) and not np.iscomplexobj(b):
        return np.matmul(a.real, b) + 1j * np.matmul(a.imag, b)
    if np.iscomplexobj(b) and not np.iscomplexobj(a):
        return np.matmul(a, b.real) + 1j * np.matmul(a, b.imag)
    return np.matmul(a, b)


def commutator(rho: np.ndarray, h: Any) -> np.ndarray:
    """``[rho, h]`` in the original basis, for one block or a stack (m, s, s) of blocks.

    ``h`` in ``generator_form`` (diagonal vector / (m, s) stack, sparse, dense). For a diagonal ``h``
    each entry is ``rho_ij (h_j - h_i)``, exact to one rounding: small where the coherences are
    small, unlike ``(p_i - p_j) <i|h|j>`` assembled from eigenvalues.
    """
    if sp.issparse(h):
        return np.asarray((h.T @ rho.T).T) - np.asarray(h @ rho)
    if h.ndim == rho.ndim - 1:
        return rho * (h[..., None, :] - h[..., :, None])
    return _times(rho, h) - _times(h, rho)


def _commutator_products(rho: np.ndarray, h: Any, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X = [rho, h] U`` and ``U^dagger X``; ``u`` is a support (d, r) or a stack (m, s, s).

    With a real ``U`` a purely real or purely imaginary commutator (``[rho, J_y]`` for a real rho)
    costs two real products, not four. A dense ``h`` with a thin support uses
    ``rho (h U) - h (rho U)`` (d^2 r, not d^3): its products round at ``||rho|| ||h||`` either way.
    """
    if u.ndim == 2 and 2 * u.shape[1] <= u.shape[0] and not sp.issparse(h) and h.ndim == 2:
        x = _times(rho, _apply(h, u)) - _apply(h, _times(rho, u))
        return x, _adjoint_times(u, x)
    c = commutator(rho, h)
    if np.iscomplexobj(c) and not np.iscomplexobj(u):
        if not np.any(c.real):
            x = _times(c.imag, u)
            return 1j * x, 1j * _adjoint_times(u, x)
        if not np.any(c.imag):
            c = c.real
    x = _times(c, u)
    return x, _adjoint_times(u, x)


def _adjoint_times(u: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``u^dagger @ x`` (2-D or stacked) using real products when ``u`` is real."""
    ut = np.swapaxes(u, -1, -2)
    if not np.iscomplexobj(u) and np.iscomplexobj(x):
        return np.matmul(ut, x.real) + 1j * np.matmul(ut, x.imag)
    return np.matmul(ut.conj() if np.iscomplexobj(ut) else ut, x)


def _pair_sum(weights: np.ndarray, ha: np.ndarray, hb: np.ndarray) -> float:
    """``sum_ij w_ij Re(ha_ij conj(hb_ij))``."""
    if np.iscomplexobj(ha) or np.iscomplexobj(hb):
        prod = ha.real * hb.real + ha.imag * hb.imag
    else:
        prod = ha * hb
    return float(np.sum(weights * prod))


def _pair_weights(p: np.ndarray) -> np.ndarray:
    """``2 / (p_i + p_j)``, 0 where ``p_i + p_j <= SUPPORT_TOL``: seed 001 eq. 8 in commutator form,
    ``F_ab = sum_ij w_ij Re(C^a_ij conj(C^b_ij))`` with ``C^a_ij = <i|[rho, h_a]|j> = (p_i - p_j) <i|h_a|j>``.

    Pairs with both eigenvalues at the rounding level are excluded (exactly so for ``p_i + p_j = 0``):
    there ``C_ij`` is rounding noise, and dividing its square by ``p_i + p_j`` would amplify it.
    """
    den = p[..., :, None] + p[..., None, :]
    keep = den > SUPPORT_TOL
    return np.where(keep, 2.0 / np.where(keep, den, 1.0), 0.0)


def pure_qfim(psi: np.ndarray, gens: Sequence[Any], weight: float = 1.0) -> np.ndarray:
    """``F_ab = 4 w Re(<h_a psi|h_b psi> - <h_a><h_b>)`` for a normalised vector psi (seed 001, below eq. 8)."""
    hpsi = [_apply(g, psi[:, None])[:, 0] for g in gens]
    mean = np.array([np.vdot(psi, v) for v in hpsi])
    k = len(gens)
    out = np.empty((k, k))
    for a in range(k):
        for b in range(a, k):
            val = np.vdot(hpsi[a], hpsi[b]) - mean[a] * mean[b]
            out[a, b] = out[b, a] = 4.0 * weight * val.real
    return out


def _eigh(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hermitian eigensolver on one block or a stack of blocks; real arithmetic for real blocks."""
    if np.iscomplexobj(block) and np.max(np.abs(block.imag)) == 0.0:
        block = block.real
    if block.ndim == 2:
        return sla.eigh(block, driver="evd", check_finite=False)
    return np.linalg.eigh(block)


def _check_psd(p: np.ndarray) -> np.ndarray:
    low = float(np.min(p))
    if low < -PSD_TOL:
        raise ValueError(f"density matrix is not positive semidefinite (smallest eigenvalue {low:.3g})")
    return np.clip(p, 0.0, None)


def _low_rank_eigh(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Support eigenpairs of a low-rank block without a full eigendecomposition, or None.

    Pivoted Cholesky (LAPACK ``?pstrf``, O(d^2 r)) gives ``rho ~ F F^dagger`` with r columns;
    if the dropped part is negligible (trace <= ``LOW_RANK_TRACE_TOL``; entries no larger than
    its diagonal, as for a PSD remainder), a Rayleigh-Ritz step on the range of F (QR, then
    ``eigh`` of ``Q^dagger rho Q``, r x r) returns the support. Otherwise None (use full ``eigh``).
    """
    dim = rho.shape[0]
    tr = float(np.trace(rho).real)
    if float(np.sum(np.abs(rho) ** 2)) / tr**2 < LOW_RANK_RATIO / dim:
        return None  # rank >= 1 / purity > dim / LOW_RANK_RATIO: not worth a factorisation
    real = not np.iscomplexobj(rho) or np.max(np.abs(rho.imag)) == 0.0
    mat = np.ascontiguousarray(rho.real if real else rho)
    pstrf = lapack.dpstrf if real else lapack.zpstrf
    # quick rejection, O(m^3) with m = dim / LOW_RANK_RATIO + 1: a principal submatrix of a PSD
    # matrix has no larger rank, so a full-rank one on the m largest diagonal entries rules the
    # low-rank path out without factorising all of rho (a full-rank ?pstrf costs d^3 / 3)
    m = dim // LOW_RANK_RATIO + 1
    top = np.argpartition(mat.diagonal().real, dim - m)[dim - m :]
    if pstrf(np.ascontiguousarray(mat[np.ix_(top, top)]), lower=1)[2] >= m:
        return None
    fact, piv, rank, info = pstrf(mat, lower=1)
    if info < 0 or rank == 0 or rank > dim // LOW_RANK_RATIO:
        return None
    factor = np.empty((dim, rank), dtype=mat.dtype)
    factor[piv - 1] = np.tril(fact[:, :rank])
    rest = mat - factor @ factor.conj().T
    rest_tr = float(np.trace(rest).real)
    largest_diag = max(float(np.max(np.diag(rest).real)), 0.0)
    if abs(rest_tr) > LOW_RANK_TRACE_TOL or np.max(np.abs(rest)) > largest_diag + LOW_RANK_TRACE_TOL:
        return None
    q, _ = np.linalg.qr(factor)
    p, w = sla.eigh(q.conj().T @ mat @ q)
    return p, q @ w


def _block_qfim(rho: np.ndarray, gens: Sequence[Any]) -> np.ndarray:
    """QFI matrix of one (unnormalised) block ``rho`` with block generators ``gens``.

    Eq. 8 in commutator form, ``(p_i - p_j) <i|h|j> = <i|[rho, h]|j>``: with ``S`` the support of
    ``rho`` (eigenpairs ``p_i, u_i``), ``X^a = [rho, h_a] U_S`` (commutator formed in the original
    basis, see the module notes), ``C^a = U_S^dagger X^a`` and ``R^a = X^a - U_S C^a``,
    ``F_ab = sum_{i,j in S} 2 Re(C^a_ij conj(C^b_ij)) / (p_i + p_j) + 4 sum_{i in S} Re<R^b_i|R^a_i> / p_i``.
    The second sum is the pairs (i in S, j outside S): ``R`` is ``[rho, h] u_i`` projected off the
    support, so no eigenvector outside S is needed and nothing cancels.
    """
    k = len(gens)
    tr = float(rho.diagonal().sum().real)
    if tr <= 0.0:
        return np.zeros((k, k))
    data = rho.data if sp.issparse(rho) else rho
    purity = float(np.sum(np.abs(data) ** 2)) / tr**2
    if purity > 1.0 + PURITY_TOL:
        raise ValueError(f"density matrix has purity {purity:.6g} > 1, so a negative eigenvalue; a state is PSD")
    if 1.0 - purity < PURITY_TOL:
        j = int(np.argmax(rho.diagonal().real))
        col = sp.csr_matrix(rho)[:, [j]].toarray()[:, 0] if sp.issparse(rho) else rho[:, j]
        psi = col / np.sqrt(tr * rho[j, j].real)
        psi = psi / np.linalg.norm(psi)
        # purity 1 does not imply rank 1 (diag(2, 2, -1)/3): check rho = tr |psi><psi| (hence PSD) through
        # ||rho - tr psi psi^dagger||_F^2 = ||rho||_F^2 - 2 tr <psi|rho|psi> + tr^2, no dense copy
        rest = purity * tr**2 - 2.0 * tr * float(np.vdot(psi, rho @ psi).real) + tr**2
        if rest > PURITY_TOL * tr**2:
            raise ValueError(f"density matrix has purity 1 but rank > 1 ({rest:.3g}): not positive semidefinite")
        return pure_qfim(psi, gens, weight=tr)
    if rho.shape[0] > MAX_EIGH_DIM:
        raise ValueError(
            f"the density matrix has an unstructured block of dimension {rho.shape[0]} > {MAX_EIGH_DIM} "
            f"(the dense eigensolver limit, {MAX_EIGH_DIM.bit_length() - 1} qubits); for a permutation-symmetric "
            "state use the Dicke basis (bellsense.spin.to_symmetric and spin.dicke_collective), or pass a pure "
            "state as a vector"
        )
    if sp.issparse(rho):
        rho = sp.csr_matrix(rho).toarray()
    rho = real_if_real(rho)
    low = _low_rank_eigh(rho) if rho.shape[0] >= 8 else None
    p, u = low if low is not None else _eigh(rho)
    p = _check_psd(p)
    support = p > SUPPORT_TOL
    full = low is None and bool(np.all(support))
    if not full:
        p, u = p[support], u[:, support]
    xs, cs = zip(*(_commutator_products(rho, g, u) for g in gens))
    w = _pair_weights(p)
    if not full:
        rs = [x - _times(u, c) for x, c in zip(xs, cs)]
        w_out = np.broadcast_to(4.0 / p, rs[0].shape)
    out = np.empty((k, k))
    for a in range(k):
        for b in range(a, k):
            val = _pair_sum(w, cs[a], cs[b])
            if not full:
                val += _pair_sum(w_out, rs[a], rs[b])
            out[a, b] = out[b, a] = val
    return out


def _stacked_qfim(rho: np.ndarray, gens: Sequence[np.ndarray]) -> np.ndarray:
    """QFI matrix summed over a stack of equal-size blocks: rho (m, s, s), gens each (m, s) diag or (m, s, s).

    All eigenvectors are at hand, so every pair enters in commutator form (see ``_block_qfim``).
    """
    rho = real_if_real(rho)
    p, u = _eigh(rho)
    p = _check_psd(p)
    w = _pair_weights(p)
    cs = [_commutator_products(rho, real_if_real(g), u)[1] for g in gens]
    k = len(gens)
    out = np.empty((k, k))
    for a in range(k):
        for b in range(a, k):
            out[a, b] = out[b, a] = _pair_sum(w, cs[a], cs[b])
    return out


def _components(rho: np.ndarray | sp.csr_matrix, gens: Sequence[Any]) -> tuple[int, np.ndarray]:
    """Connected components of the union of the nonzero patterns of rho (exact) and the generators."""
    dim = rho.shape[0]
    if sp.issparse(rho):
        graph = sp.csr_matrix(np.abs(rho) > 0) if sp.csr_matrix(rho).nnz else sp.csr_matrix((dim, dim))
    else:
        # exact zeros only (see PATTERN_TOL); real and imaginary parts separately (no complex abs:
        # this pass is memory-bound at 2^12)
        mask = rho.real != 0
        if np.iscomplexobj(rho):
            mask |= rho.imag != 0
        if np.count_nonzero(mask) == dim * dim:
            return 1, np.zeros(dim, dtype=np.int32)  # a dense rho is one block whatever h is
        graph = sp.csr_matrix(mask)
    for g in gens:
        if not sp.issparse(g) and g.ndim == 1:
            continue  # diagonal: adds no edges
        if sp.issparse(g):
            if g.nnz == 0:
                continue
            mask = sp.csr_matrix(abs(g) > PATTERN_TOL * np.max(np.abs(g.data)))
        else:
            mag = np.abs(g)
            mask = sp.csr_matrix(mag > PATTERN_TOL * max(mag.max(), 1e-300))
        graph = graph + mask
    return connected_components(graph, directed=False)


def _submatrix(mat: Any, idx: np.ndarray) -> Any:
    """Block of ``mat`` on indices ``idx`` (1-D: one block; 2-D (m, s): a stack). Diagonal forms stay 1-D."""
    if sp.issparse(mat):
        if idx.ndim == 1:
            return mat[idx][:, idx]
        m, s = idx.shape
        flat = idx.ravel()
        sub = mat[flat][:, flat].tocoo()
        out = np.zeros((m, s, s), dtype=sub.dtype)
        out[sub.row // s, sub.row % s, sub.col % s] = sub.data  # no couplings across components
        return out
    if mat.ndim == 1:
        return mat[idx]
    if idx.ndim == 1:
        return mat[np.ix_(idx, idx)]
    return mat[idx[:, :, None], idx[:, None, :]]


def mixed_qfim(rho: np.ndarray | sp.csr_matrix, gens: Sequence[Any]) -> np.ndarray:
    k = len(gens)
    total = np.zeros((k, k))
    low = float(np.min(rho.diagonal().real))
    if low < -PSD_TOL:  # a PSD matrix has a non-negative diagonal (1x1 blocks are not diagonalised below)
        raise ValueError(f"density matrix has a negative diagonal entry {low:.3g}: it is not positive semidefinite")
    ncomp, labels = _components(rho, gens)
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels, minlength=ncomp)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    for size in np.unique(sizes):
        if size < 2:
            continue  # a 1x1 block has a single eigenvalue: no (i, j) pair contributes
        comps = np.nonzero(sizes == size)[0]
        idx = order[starts[comps][:, None] + np.arange(size)[None, :]]  # (m, s)
        if len(comps) == 1:
            block = _submatrix(rho, idx[0])
            total += _block_qfim(block, [_submatrix(g, idx[0]) for g in gens])
            continue
        blocks = _submatrix(rho, idx)
        keep = np.trace(blocks, axis1=1, axis2=2).real > 0
        if not np.any(keep):
            continue
        sub_gens = [_submatrix(g, idx)[keep] for g in gens]
        total += _stacked_qfim(blocks[keep], sub_gens)
    return total
