"""Lindblad generator of permutation-invariant (PI) states in the (j, m, m') basis.

The state is the list of weighted blocks ``sigma_j = p_j rho_j`` (``bellsense.pistate``); entry
``(j, m, m')`` is stored at block b = n/2 - j, row a = j - m, column c = j - m'. The generator is a
sparse matrix on a *selection* of entries (all of them, or only some coherence orders q = c - a and some
blocks when the dynamics conserve them, see ``Layout``).

Local terms (rates per qubit; conventions of docs/PHYSICS.md, ``|0> = up``, m = n/2 - k):

* ``dephasing`` gamma_d: ``sum_k D[sqrt(gamma_d) sigma_z^(k)]``;
* ``emission`` gamma_e: ``sum_k D[sqrt(gamma_e) sigma_+^(k)]``, ``sigma_+ = |0><1|`` (relaxes |1> -> |0>, raises m);
* ``pumping`` gamma_p: ``sum_k D[sqrt(gamma_p) sigma_-^(k)]`` (|0> -> |1>, lowers m).

Their (j, m, m') coefficients are those of Chase & Geremia, Phys. Rev. A 78, 052101 (2008), arXiv:0805.1263,
in the form of Shammah, Ahmed, Lambert, De Liberato & Nori, Phys. Rev. A 98, 063815 (2018), arXiv:1805.05129
(QuTiP PIQS). PIQS writes them for the degeneracy-summed blocks, i.e. exactly our weighted blocks
``sigma_j`` (no ``d_j / d_j'`` factor: a dense check at n >= 3 fails with one), with spin-1/2 operators: its
local dephasing ``D[J_z^(k)]`` at rate ``y_D`` is ours with ``y_D = 4 gamma_d``, its "pumping" (``J_+^(k)``,
raising m) is our emission, its "loss" (``J_-^(k)``) our pumping.
Every coefficient is checked against a dense 2^n Lindblad integration in tests/pi/test_pi_dynamics.py.

Collective terms act blockwise as ``⊕_j X^(j) ⊗ 1``: ``-i[H^(j), sigma_j]``, ``r D[L^(j)] sigma_j``, and the
repeated measurement of an observable O at rate kappa (Marconi, Riera-Campeny, Sanpera & Aloy, "Robustness of
non-locality in many-body open quantum systems" (2022), eq. 7; Cresser et al., Opt. Commun. 264, 352 (2006)):
``kappa (sum_k Pi_k sigma Pi_k - sigma)``, Pi_k the eigenprojectors of O^(j). In the eigenbasis of O^(j) this
damps every element between different eigenvalues at rate kappa and leaves the others unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bellsense.pistate import j_values, spin_matrices

BlockFn = Callable[..., object]
#: Hermiticity tolerance for the Hamiltonian and the measured observable (relative to max |entry|).
HERM_TOL = 1e-10
#: Eigenvalues of a measured observable closer than this (relative) belong to one eigenprojector.
DEGENERACY_TOL = 1e-9
#: Largest block on which a non-diagonal measured observable is supported (its pinching is a dense d^4 map).
MAX_PINCH_DIM = 45


@dataclass(frozen=True)
class Layout:
    """The selected (j, m, m') entries: block ``b``, row ``a``, column ``c``; ``keys`` = sorted global flat indices."""

    n: int
    b: np.ndarray
    a: np.ndarray
    c: np.ndarray
    keys: np.ndarray
    offsets: np.ndarray
    dims: np.ndarray

    @property
    def size(self) -> int:
        return int(self.keys.size)

    def position(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of global keys in the selection, and a mask of those present."""
        pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, max(self.size - 1, 0))
        return pos, self.keys[pos] == keys


def make_layout(n: int, blocks: Sequence[int], orders: Sequence[int] | None) -> Layout:
    """Entries of the given blocks with coherence order ``c - a`` in ``orders`` (None: all entries)."""
    dims = np.array([int(round(2 * j)) + 1 for j in j_values(n)])
    offsets = np.concatenate(([0], np.cumsum(dims**2)[:-1]))
    bs, as_, cs = [], [], []
    for b in sorted(set(int(x) for x in blocks)):
        d = int(dims[b])
        if orders is None:
            a, c = np.divmod(np.arange(d * d), d)
        else:
            parts = [(np.arange(max(0, -q), min(d, d - q)), q) for q in sorted(set(orders)) if abs(q) < d]
            if not parts:
                continue
            a = np.concatenate([p[0] for p in parts])
            c = np.concatenate([p[0] + p[1] for p in parts])
        bs.append(np.full(a.size, b))
        as_.append(a)
        cs.append(c)
    b_arr, a_arr, c_arr = (np.concatenate(x) if x else np.zeros(0, dtype=int) for x in (bs, as_, cs))
    keys = offsets[b_arr] + a_arr * dims[b_arr] + c_arr
    order = np.argsort(keys, kind="stable")
    return Layout(n, b_arr[order], a_arr[order], c_arr[order], keys[order], offsets, dims)


def _local_terms(lay: Layout, gd: float, ge: float, gp: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COO (rows, cols, values) of the local dissipators on the selection (see the module notes)."""
    n = float(lay.n)
    yd, yr, yl = 4.0 * gd, ge, gp  # PIQS dephasing, raising ("pumping"), lowering ("loss") rates
    jv = j_values(lay.n)
    j = jv[lay.b]
    m, m1 = j - lay.a, j - lay.c
    rows_out, cols_out, vals_out = [], [], []
    diag = yl / 2 * (n + m + m1) + yr / 2 * (n - m - m1)
    with np.errstate(divide="ignore", invalid="ignore"):
        deph = np.where(j > 0, yd / 2 * (n / 2 - m * m1 * (n / 2 + 1) / (j * (j + 1))), yd * n / 4)
    diag = diag + deph
    pos = np.arange(lay.size)
    rows_out.append(pos)
    cols_out.append(pos)
    vals_out.append(-diag.astype(complex))

    def sq(x: np.ndarray) -> np.ndarray:
        return np.sqrt(np.maximum(x, 0.0))

    # (dj, dm, rate, coefficient as a function of the source (j, m, m1)), PIQS gamma_2 ... gamma_9
    def g2(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yl / 2 * sq((s + u) * (s - u + 1) * (s + v) * (s - v + 1)) * (n / 2 + 1) / (s * (s + 1))

    def g3(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yl / 2 * sq((s + u) * (s + u - 1) * (s + v) * (s + v - 1)) * (n / 2 + s + 1) / (s * (2 * s + 1))

    def g4(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yl / 2 * sq((s - u + 1) * (s - u + 2) * (s - v + 1) * (s - v + 2)) \
            * (n / 2 - s) / ((s + 1) * (2 * s + 1))

    def g5(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yd / 2 * sq((s**2 - u**2) * (s**2 - v**2)) * (n / 2 + s + 1) / (s * (2 * s + 1))

    def g6(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yd / 2 * sq(((s + 1) ** 2 - u**2) * ((s + 1) ** 2 - v**2)) * (n / 2 - s) / ((s + 1) * (2 * s + 1))

    def g7(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yr / 2 * sq((s - u - 1) * (s - u) * (s - v - 1) * (s - v)) * (n / 2 + s + 1) / (s * (2 * s + 1))

    def g8(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yr / 2 * sq((s + u + 1) * (s - u) * (s + v + 1) * (s - v)) * (n / 2 + 1) / (s * (s + 1))

    def g9(s: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return yr / 2 * sq((s + u + 1) * (s + u + 2) * (s + v + 1) * (s + v + 2)) \
            * (n / 2 - s) / ((s + 1) * (2 * s + 1))

    terms = [(0, 1, yl, g2), (1, 1, yl, g3), (-1, 1, yl, g4), (1, 0, yd, g5), (-1, 0, yd, g6),
             (1, -1, yr, g7), (0, -1, yr, g8), (-1, -1, yr, g9)]
    for dj, dm, rate, coef in terms:
        if rate == 0.0:
            continue
        bs = lay.b - dj
        ok = (bs >= 0) & (bs < jv.size)
        bs_c = np.clip(bs, 0, jv.size - 1)
        js = jv[bs_c]
        ms, m1s = m + dm, m1 + dm
        ok &= (np.abs(ms) <= js + 1e-9) & (np.abs(m1s) <= js + 1e-9) & (js > 0 if dj >= 0 else True)
        dim_s = lay.dims[bs_c]
        keys = lay.offsets[bs_c] + np.rint(js - ms).astype(np.int64) * dim_s + np.rint(js - m1s).astype(np.int64)
        src, found = lay.position(keys)
        ok &= found
        with np.errstate(divide="ignore", invalid="ignore"):
            val = coef(js[ok], ms[ok], m1s[ok])
        rows_out.append(pos[ok])
        cols_out.append(src[ok])
        vals_out.append(val.astype(complex))
    return np.concatenate(rows_out), np.concatenate(cols_out), np.concatenate(vals_out)


def _as_block_matrix(value: object, dim: int, name: str, j: float, hermitian: bool) -> sp.csr_array:
    mat = sp.csr_array(value) if sp.issparse(value) else sp.csr_array(np.asarray(value, dtype=complex))
    if mat.shape != (dim, dim):
        raise ValueError(
            f"{name} returned shape {mat.shape} for the spin-{j:g} block; it must return a ({dim}, {dim}) matrix "
            "(a function of the block's (jx, jy, jz), basis m = j, ..., -j)"
        )
    mat = sp.csr_array(mat.astype(complex))
    mat.eliminate_zeros()
    if mat.nnz and not np.all(np.isfinite(mat.data)):
        raise ValueError(f"{name} returned non-finite entries for the spin-{j:g} block")
    if hermitian and mat.nnz:
        err = float(abs(mat - mat.conj().T).max())
        if err > HERM_TOL * max(1.0, float(abs(mat).max())):
            raise ValueError(f"{name} must return a Hermitian matrix; spin-{j:g} block: |A - A^dagger| = {err:.3g}")
    return mat


@dataclass(frozen=True)
class BlockOps:
    """Collective operators of one block: Hamiltonian, jumps (rate, L), measured observable."""

    h: sp.csr_array | None
    jumps: tuple[tuple[float, sp.csr_array], ...]
    measured: tuple[float, sp.csr_array] | None

    def conserves_order(self) -> bool:
        """True if every term maps coherence order q = m - m' to itself (diagonal H and O, one-diagonal L)."""
        def diagonal(x: sp.csr_array) -> bool:
            coo = x.tocoo()
            return bool(np.all(coo.row == coo.col))

        def one_offset(x: sp.csr_array) -> bool:
            coo = x.tocoo()
            return coo.nnz == 0 or np.unique(coo.col - coo.row).size == 1

        return ((self.h is None or diagonal(self.h)) and all(one_offset(L) for _, L in self.jumps)
                and (self.measured is None or diagonal(self.measured[1])))


def block_ops(j: float, hamiltonian: BlockFn | None, jumps: Sequence[tuple[float, BlockFn]],
              measurement: tuple[float, BlockFn] | None) -> BlockOps:
    """Evaluate the user callables on the spin-j matrices of one block and validate them."""
    dim = int(round(2 * j)) + 1
    mats = spin_matrices(j)
    h = None if hamiltonian is None else _as_block_matrix(hamiltonian(*mats), dim, "hamiltonian", j, True)
    ls = tuple((float(r), _as_block_matrix(fn(*mats), dim, "collective_jumps", j, False)) for r, fn in jumps)
    meas = None
    if measurement is not None:
        meas = (float(measurement[0]), _as_block_matrix(measurement[1](*mats), dim, "measurement", j, True))
    return BlockOps(h, ls, meas)


def _pinching(obs: sp.csr_array, kappa: float, j: float) -> sp.csr_array:
    """``kappa (sum_k Pi_k X Pi_k - X)`` as a d^2 x d^2 superoperator on row-major vec(X)."""
    dim = obs.shape[0]
    coo = obs.tocoo()
    if np.all(coo.row == coo.col):
        ev = obs.diagonal().real
        tol = DEGENERACY_TOL * max(1.0, float(np.max(np.abs(ev))))
        differ = np.abs(ev[:, None] - ev[None, :]) > tol
        return sp.csr_array(sp.diags(-kappa * differ.ravel().astype(complex)))
    if dim > MAX_PINCH_DIM:
        raise ValueError(
            f"measurement: a non-diagonal observable is supported on blocks up to dimension {MAX_PINCH_DIM} "
            f"(n <= {MAX_PINCH_DIM - 1}); the spin-{j:g} block has {dim}. Measure a diagonal observable (e.g. J_z)"
        )
    ev, vec = np.linalg.eigh(obs.toarray())
    tol = DEGENERACY_TOL * max(1.0, float(np.max(np.abs(ev))))
    differ = (np.abs(ev[:, None] - ev[None, :]) > tol).ravel()
    rot = np.kron(vec, vec.conj())  # vec(V Y V^dagger) = (V ⊗ conj V) vec(Y)
    return sp.csr_array((rot * (-kappa * differ)) @ rot.conj().T)


def _block_superop(ops: BlockOps, dim: int, j: float) -> sp.csr_array | None:
    """Superoperator of the collective terms on one block, row-major vec: vec(A X B) = (A ⊗ B^T) vec(X)."""
    eye = sp.identity(dim, dtype=complex, format="csr")
    out: sp.csr_array | None = None
    parts = []
    if ops.h is not None and ops.h.nnz:
        parts.append(-1j * (sp.kron(ops.h, eye) - sp.kron(eye, ops.h.T)))
    for rate, L in ops.jumps:
        if rate and L.nnz:
            ldl = L.conj().T @ L
            parts.append(rate * (sp.kron(L, L.conj()) - 0.5 * sp.kron(ldl, eye) - 0.5 * sp.kron(eye, ldl.T)))
    if ops.measured is not None and ops.measured[0]:
        parts.append(_pinching(ops.measured[1], ops.measured[0], j))
    for p in parts:
        out = sp.csr_array(p) if out is None else out + p
    return out


def generator(lay: Layout, dephasing: float, emission: float, pumping: float,
              ops: dict[int, BlockOps]) -> sp.csr_matrix:
    """The Lindblad generator on the selection ``lay`` (CSR, complex): ``d vec/dt = A vec``.

    ``ops`` maps block index to its collective operators (blocks absent from ``ops`` have none).
    """
    r0, c0, v0 = _local_terms(lay, dephasing, emission, pumping)
    rows, cols, vals = [r0], [c0], [v0]
    jv = j_values(lay.n)
    for b, bo in ops.items():
        d = int(lay.dims[b])
        sup = _block_superop(bo, d, float(jv[b]))
        if sup is None:
            continue
        coo = sup.tocoo()
        r, ok_r = lay.position(lay.offsets[b] + coo.row)
        c, ok_c = lay.position(lay.offsets[b] + coo.col)
        ok = ok_r & ok_c
        rows.append(r[ok])
        cols.append(c[ok])
        vals.append(coo.data[ok])
    mat = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(lay.size,) * 2)
    return mat.tocsr()


__all__ = ["Layout", "make_layout", "BlockOps", "block_ops", "generator"]
