"""Permutation-invariant (PI) states of n qubits in the total-spin block basis.

A PI state is ``rho = ⊕_j p_j rho_j ⊗ 1_{d_j}/d_j`` (Schur-Weyl duality), j = n/2, n/2 - 1, ..., 0 or 1/2,
``d_j = C(n, n/2-j) - C(n, n/2-j-1)`` (Chase & Geremia, Phys. Rev. A 78, 052101 (2008), arXiv:0805.1263;
Shammah et al., Phys. Rev. A 98, 063815 (2018), arXiv:1805.05129). ``PIState`` stores the *weighted*
blocks ``sigma_j = p_j rho_j`` in the basis m = j, j-1, ..., -j, so ``Tr rho = sum_j Tr sigma_j`` and
every block is in the same phase convention as ``spin.dicke_collective`` (``J_-`` has positive entries).
The symmetric block j = n/2 is the Dicke basis, ``|n/2, n/2 - k> = |D_k^n>`` (PHYSICS.md).

Product fast path: a state ``rho_1^{⊗n}`` stays a product state under identical local noise. It is kept
as the single-qubit matrix ``qubit`` (exact, O(1) memory); its blocks are built only on request,
``sigma_j = d_j D^j(U) diag(l_+^{n/2+m} l_-^{n/2-m}) D^j(U)^dagger`` with ``rho_1 = U diag(l_+, l_-) U^dagger``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TypeAlias

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .spin import check_n, collective, dicke_collective, log_binomial

#: Largest n for which 2^n-dimensional matrices are built (``to_dense``, ``from_dense``).
MAX_DENSE_QUBITS = 12
#: Tolerance for the permutation-invariance, hermiticity and product-state checks.
PI_ATOL = 1e-10

#: One weighted block: dense, or CSR when it holds few coherence orders.
Block: TypeAlias = "np.ndarray | sp.csr_matrix"


def j_values(n: int) -> np.ndarray:
    """Total spins ``j = n/2, n/2 - 1, ..., 0 or 1/2`` (float array, the block order of ``PIState``)."""
    return n / 2.0 - np.arange(n // 2 + 1)


def log_multiplicities(n: int) -> np.ndarray:
    """``log d_j``, ``d_j = C(n, n/2-j) (2j+1)/(n/2+j+1)`` (finite for any n, unlike ``d_j`` above n ~ 1030)."""
    j = j_values(n)
    return log_binomial(n, n / 2.0 - j) + np.log(2 * j + 1) - np.log(n / 2.0 + j + 1)


@lru_cache(maxsize=4096)
def spin_matrices(j: float) -> tuple[sp.csr_array, sp.csr_array, sp.csr_array]:
    """Sparse spin-j ``(J_x, J_y, J_z)``, basis m = j, ..., -j (``spin.dicke_collective`` with n = 2j).

    Cached (called per block and per time): treat the returned matrices as read-only.
    """
    if j == 0:
        zero = sp.csr_array((1, 1), dtype=complex)
        return zero, zero.copy(), zero.copy()
    two_j = int(round(2 * j))
    jx, jy, jz = (sp.csr_array(dicke_collective(two_j, a)) for a in ("x", "y", "z"))
    return jx, jy, jz


def _block_dense(block: Block) -> np.ndarray:
    return np.asarray(block if isinstance(block, np.ndarray) else block.toarray(), dtype=complex)


def block_is_empty(block: Block) -> bool:
    """True if a weighted block has no nonzero entry (the state has no weight in that j)."""
    if isinstance(block, np.ndarray):
        return not np.any(block)
    return int(block.nnz) == 0 or not np.any(block.data)


def _rotation_blocks(n: int, qubit: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weighted blocks of ``qubit^{⊗n}`` (see the module notes)."""
    lam, vec = np.linalg.eigh(qubit)
    lam, vec = np.clip(lam[::-1], 0.0, None), vec[:, ::-1]  # l_+ >= l_-
    u = vec / np.sqrt(np.linalg.det(vec))  # SU(2): the phase cancels in D rho D^dagger
    # u = exp(-i theta/2 nhat.sigma): cos(theta/2) = Re tr(u)/2, nhat sin(theta/2) = (i/2) tr(u sigma)
    sig = (np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]]))
    axis_sin = np.array([0.5j * np.trace(u @ s) for s in sig]).real
    theta = 2.0 * np.arctan2(np.linalg.norm(axis_sin), np.trace(u).real / 2.0)
    gen = theta * axis_sin / max(float(np.linalg.norm(axis_sin)), 1e-300)
    logd = log_multiplicities(n)
    with np.errstate(divide="ignore"):
        logl = np.log(lam)
    out = []
    for idx, j in enumerate(j_values(n)):
        m = j - np.arange(int(round(2 * j)) + 1)
        up, down = n / 2 + m, n / 2 - m
        with np.errstate(invalid="ignore"):  # 0^0 = 1: a zero power contributes log 1 = 0, not 0 * -inf
            diag = np.exp(logd[idx] + np.where(up > 0, up * logl[0], 0.0) + np.where(down > 0, down * logl[1], 0.0))
        jx, jy, jz = (s.toarray() for s in spin_matrices(j))
        rot = sla.expm(-1j * (gen[0] * jx + gen[1] * jy + gen[2] * jz))
        out.append((rot * diag) @ rot.conj().T)
    return tuple(out)


@lru_cache(maxsize=4)
def _multiplet_basis(n: int) -> dict[tuple[int, int], np.ndarray]:
    """Orthonormal ``|j, m, i>`` restricted to Hamming weight k: key (block index, k) -> (C(n,k), d_j) array.

    Highest weights: the null space of ``J_+`` on weight ``k = n/2 - j``; lowered with
    ``J_- |j,m> = sqrt(j(j+1) - m(m-1)) |j,m-1>`` so the blocks share ``dicke_collective``'s phases.
    """
    dim = 1 << n
    idx = np.arange(dim)
    weight = np.array([bin(i).count("1") for i in idx])
    sectors = [np.nonzero(weight == k)[0] for k in range(n + 1)]
    jplus = (collective(n, "x") + 1j * collective(n, "y")).tocsr()
    jminus = jplus.conj().T.tocsr()
    basis: dict[tuple[int, int], np.ndarray] = {}
    for b, j in enumerate(j_values(n)):
        k0 = b  # n/2 - j
        cols = sectors[k0]
        if k0 == 0:
            vecs = np.ones((1, 1), dtype=complex)
        else:
            vecs = sla.null_space(jplus[sectors[k0 - 1]][:, cols].toarray()).astype(complex)
        basis[(b, k0)] = vecs
        full = np.zeros((dim, vecs.shape[1]), dtype=complex)
        full[cols] = vecs
        for k in range(k0 + 1, n - k0 + 1):
            m = n / 2 - (k - 1)
            full = np.asarray(jminus @ full) / np.sqrt(j * (j + 1) - m * (m - 1))
            basis[(b, k)] = full[sectors[k]]
    return basis


def _check_pi(rho: np.ndarray, n: int) -> None:
    """Raise unless ``rho`` commutes with every adjacent transposition (these generate S_n)."""
    t = rho.reshape((2,) * (2 * n))
    scale = max(float(np.max(np.abs(rho))), 1e-300)
    for q in range(n - 1):
        perm = list(range(2 * n))
        perm[q], perm[q + 1] = perm[q + 1], perm[q]
        perm[n + q], perm[n + q + 1] = perm[n + q + 1], perm[n + q]
        err = float(np.max(np.abs(t.transpose(perm) - t)))
        if err > PI_ATOL * scale:
            raise ValueError(
                f"rho is not permutation-invariant: swapping qubits {q} and {q + 1} changes it by {err:.3g}; "
                "from_dense accepts only states with P rho P^dagger = rho for every permutation P"
            )


@dataclass(frozen=True, eq=False)
class PIState:
    """Permutation-invariant n-qubit state: weighted spin blocks, or a product ``qubit^{⊗n}``.

    Attributes
    ----------
    n : int
    data : tuple of (2j+1)-square blocks ``sigma_j = p_j rho_j`` (ndarray or CSR), j = n/2 down; or None
    qubit : 2x2 single-qubit density matrix of a product state ``qubit^{⊗n}``; or None
    """

    n: int
    data: tuple[Block, ...] | None = None
    qubit: np.ndarray | None = None

    def __post_init__(self) -> None:
        check_n(self.n)
        if self.data is None and self.qubit is None:
            raise ValueError("PIState needs blocks (data) or a single-qubit state (qubit)")
        if self.data is not None:
            dims = [int(round(2 * j)) + 1 for j in j_values(self.n)]
            if len(self.data) != len(dims) or any(b.shape != (d, d) for b, d in zip(self.data, dims)):
                raise ValueError(f"data must hold {len(dims)} square blocks of dimensions {dims}")

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        """Weighted blocks ``p_j rho_j`` for j = n/2, n/2 - 1, ...; built from ``qubit`` if needed."""
        if self.data is not None:
            return self.data
        assert self.qubit is not None
        return _rotation_blocks(self.n, self.qubit)

    @property
    def j(self) -> np.ndarray:
        """The total spins of the blocks, ``n/2, n/2 - 1, ...``."""
        return j_values(self.n)

    @property
    def multiplicities(self) -> np.ndarray:
        """``d_j`` (float; overflows to inf above n ~ 1030, use ``log_multiplicities``)."""
        return np.exp(log_multiplicities(self.n))

    @property
    def weights(self) -> np.ndarray:
        """``p_j = Tr sigma_j``."""
        return np.array([float(b.diagonal().sum().real) for b in self.blocks])

    def trace(self) -> float:
        if self.data is None:
            assert self.qubit is not None
            return float(np.trace(self.qubit).real) ** self.n
        return float(self.weights.sum())

    @classmethod
    def from_dicke(cls, a: np.ndarray) -> PIState:
        """Symmetric state from Dicke amplitudes (n+1 vector, normalised here) or an (n+1)^2 density matrix.

        A vector that is a spin-coherent (product) state also gets the product fast path (``qubit``).
        """
        arr = np.asarray(a, dtype=complex)
        if arr.ndim not in (1, 2) or arr.shape[0] < 2 or (arr.ndim == 2 and arr.shape[0] != arr.shape[1]):
            raise ValueError(f"a must be an n+1 Dicke vector or (n+1)x(n+1) matrix with n >= 1, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("a has non-finite entries; Dicke amplitudes must be finite")
        n = arr.shape[0] - 1
        # empty lower blocks stay sparse: dense zeros would be ~N^3/6 entries (2.7 GB at N = 1000)
        rest = tuple(sp.csr_matrix((d, d), dtype=complex) for d in (int(round(2 * j)) + 1 for j in j_values(n)[1:]))
        if arr.ndim == 1:
            norm = float(np.linalg.norm(arr))
            if norm == 0.0:
                raise ValueError("a has zero norm: Dicke amplitudes must be a nonzero finite vector")
            psi = arr / norm
            return cls(n, (np.outer(psi, psi.conj()), *rest), _coherent_qubit(psi))
        tr = float(np.trace(arr).real)
        if float(np.max(np.abs(arr - arr.conj().T))) > PI_ATOL * max(1.0, abs(tr)) or not tr > 0.0:
            raise ValueError("a must be a Hermitian Dicke-basis density matrix with positive trace")
        return cls(n, (arr / tr, *rest))

    @classmethod
    def product(cls, n: int, qubit: np.ndarray) -> PIState:
        """``qubit^{⊗n}`` from a single-qubit vector (normalised) or 2x2 density matrix (trace 1)."""
        q = np.asarray(qubit, dtype=complex)
        if q.shape == (2,):
            if not np.all(np.isfinite(q)) or np.linalg.norm(q) == 0.0:
                raise ValueError("qubit must be a nonzero finite 2-vector or a 2x2 density matrix")
            q = np.outer(q, q.conj()) / np.vdot(q, q).real
        if q.shape != (2, 2) or not np.all(np.isfinite(q)) or abs(np.trace(q) - 1) > 1e-9:
            raise ValueError("qubit must be a 2-vector or a 2x2 density matrix of trace 1")
        return cls(check_n(n), None, q)

    @classmethod
    def from_dense(cls, rho: np.ndarray) -> PIState:
        """From a 2^n density matrix (or vector), n <= 12; refuses a state that is not permutation-invariant."""
        arr = np.asarray(getattr(rho, "data", rho), dtype=complex)
        if arr.ndim == 1:
            arr = np.outer(arr, arr.conj())
        dim = arr.shape[0]
        if arr.ndim != 2 or arr.shape[1] != dim or dim < 2 or dim & (dim - 1):
            raise ValueError(f"rho must be a 2^n vector or 2^n x 2^n matrix, got shape {arr.shape}")
        n = dim.bit_length() - 1
        if n > MAX_DENSE_QUBITS:
            raise ValueError(f"from_dense needs n <= {MAX_DENSE_QUBITS}, got n = {n}; use PIState.from_dicke")
        _check_pi(arr, n)
        basis = _multiplet_basis(n)
        sectors = [np.nonzero(np.array([bin(i).count("1") for i in range(dim)]) == k)[0] for k in range(n + 1)]
        blocks = []
        for b in range(j_values(n).size):
            ks = range(b, n - b + 1)
            blk = np.empty((len(ks), len(ks)), dtype=complex)
            for r, k in enumerate(ks):
                for c, kk in enumerate(ks):
                    vr, vc = basis[(b, k)], basis[(b, kk)]
                    # sum over the multiplicity copies i of <j,m,i|rho|j,m',i>
                    blk[r, c] = np.einsum("ai,ab,bi->", vr.conj(), arr[np.ix_(sectors[k], sectors[kk])], vc)
            blocks.append(blk)
        return cls(n, tuple(blocks))

    def to_dense(self) -> np.ndarray:
        """The 2^n x 2^n density matrix (n <= 12), Qiskit qubit order."""
        if self.n > MAX_DENSE_QUBITS:
            raise ValueError(f"to_dense needs n <= {MAX_DENSE_QUBITS} (a 2^n x 2^n matrix), got n = {self.n}")
        n, dim = self.n, 1 << self.n
        if self.data is None:
            assert self.qubit is not None
            out = np.ones((1, 1), dtype=complex)
            for _ in range(n):
                out = np.kron(out, self.qubit)
            return out
        basis = _multiplet_basis(n)
        sectors = [np.nonzero(np.array([bin(i).count("1") for i in range(dim)]) == k)[0] for k in range(n + 1)]
        out = np.zeros((dim, dim), dtype=complex)
        logd = log_multiplicities(n)
        for b, blk in enumerate(self.blocks):
            sig = _block_dense(blk) / np.exp(logd[b])
            ks = range(b, n - b + 1)
            for r, k in enumerate(ks):
                for c, kk in enumerate(ks):
                    if sig[r, c] != 0:
                        out[np.ix_(sectors[k], sectors[kk])] += sig[r, c] * (basis[(b, k)] @ basis[(b, kk)].conj().T)
        return out


def _coherent_qubit(psi: np.ndarray) -> np.ndarray | None:
    """The single-qubit state if the Dicke vector ``psi`` is a product ``(al|0> + be|1>)^{⊗n}``, else None.

    ``<D_k|psi> = sqrt(C(n,k)) al^{n-k} be^k``; the candidate (al, be) comes from ``<J>`` and is
    then checked entrywise (to ``PI_ATOL``) against ``psi`` up to a global phase.
    """
    n = psi.shape[0] - 1
    k = np.arange(n + 1)
    jz = float(np.sum((n / 2 - k) * np.abs(psi) ** 2))
    m = n / 2 - k[1:]
    jp = np.sum(np.sqrt(np.maximum((n / 2) * (n / 2 + 1) - m * (m + 1), 0)) * psi[:-1].conj() * psi[1:])
    r = np.array([jp.real, jp.imag, jz]) / (n / 2)  # <J_+> = <J_x> + i<J_y>
    if abs(np.linalg.norm(r) - 1.0) > 1e-9:
        return None
    r = r / np.linalg.norm(r)
    al, be = np.sqrt((1 + r[2]) / 2), (r[0] + 1j * r[1]) / np.sqrt(max(2 * (1 + r[2]), 1e-300))
    if r[2] < -1 + 1e-12:
        al, be = 0.0, 1.0 + 0j
    with np.errstate(divide="ignore", invalid="ignore"):
        logamp = 0.5 * log_binomial(n, k) + (n - k) * np.log(abs(al) + 0.0) + k * np.log(abs(be))
        cand = np.exp(np.nan_to_num(logamp, nan=-np.inf)) * np.exp(1j * k * np.angle(be))
    ref = int(np.argmax(np.abs(psi)))
    cand = cand * np.exp(1j * (np.angle(psi[ref]) - np.angle(cand[ref])))
    if float(np.max(np.abs(cand - psi))) > PI_ATOL:
        return None
    q = np.array([al, be], dtype=complex)
    return np.outer(q, q.conj())


__all__ = ["PIState", "block_is_empty", "j_values", "log_multiplicities", "spin_matrices", "MAX_DENSE_QUBITS"]
