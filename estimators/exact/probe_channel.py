"""The local noise channel on symmetric inputs as a precomputed linear map, and the probe QFI with its gradient.

Setting (PHYSICS.md): a symmetric input ``|psi> = sum_k a_k |D_k^n>``, local dephasing and emission over a
window t (no Hamiltonian), then the encoding ``exp(-i theta J_axis)``. The channel ``Lambda^{⊗n}`` does not
depend on the probe, so it is computed once per (n, t, rates) and every QFI evaluation afterwards is dense
linear algebra on small blocks.

Why a set of small maps suffices. The local dissipators conserve the coherence order ``q = m - m'`` (dephasing
keeps m and m', emission raises both), and the permutation-invariant generator (``noise.pi_lindblad``,
Chase & Geremia, Phys. Rev. A 78, 052101 (2008); Shammah et al., Phys. Rev. A 98, 063815 (2018)) has real
coefficients that are symmetric in (m, m'). So the output entries of order q, in every spin block j, are a
*real* linear function of the input entries ``a_k conj(a_{k+q})`` of the same order: one
``S_q x (n+1-q)`` matrix ``T_q = expm(G_q t) P_q`` per ``q >= 0`` (``G_q`` the generator on the order-q
entries, ``S_q`` their number, ``P_q`` the injection of the symmetric block), computed by one
``expm_multiply`` on a block of unit vectors; order ``-q`` is the Hermitian conjugate. Total storage
``~n^4/16`` reals (6.5 M at n = 100).

QFI and gradient. For the output ``sigma = ⊕_j sigma_j`` (weighted blocks) with ``sigma_j = V diag(p) V^dag``
and ``J~ = V^dag J V``: ``F = sum_j sum_kl 2 (p_k - p_l)^2/(p_k + p_l) |J~_kl|^2`` (Braunstein & Caves, PRL
72, 3439 (1994); the block sum is ``estimators.exact.pi``'s). With ``K_kl = 2 J~_kl (p_l - p_k)/(p_k + p_l)``
the SLD is ``L = -i V K V^dag`` and ``M = 2i[J, L] - L^2 = V (2[J~, K] + K^2) V^dag``; then
``F = max_L Tr[sigma (2i[J, L] - L^2)]`` (Macieszczak, arXiv:1312.1356) and, by the envelope theorem, the
gradient of ``F(psi)`` at a normalised psi is ``dF/d psi^* = (A - F) psi`` with ``A = Lambda^dag(M)``
restricted to the symmetric block: ``A[k+q, k] = (T_q^T m_q)[k]``, ``m_q`` the entries ``M[a+q, a]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply

from bellsense.axes import AxisLike, unit_axis
from bellsense.noise.pi_lindblad import generator, make_layout
from bellsense.pistate import j_values, spin_matrices

from .bounds import _check_n, _check_real

#: Eigenvalue pairs of a block with ``p_k + p_l`` below this (relative to the largest entry) carry no SLD weight.
SLD_RTOL = 1e-13
#: A channel map with fewer nonzero entries than this fraction is stored sparse (CSR).
SPARSE_BELOW = 0.25


@dataclass(frozen=True, eq=False)
class SymmetricChannel:
    """``Lambda^{⊗n}`` restricted to symmetric inputs, as one real map per coherence order ``q >= 0``.

    Attributes
    ----------
    n : int
    dims : ndarray
        Block dimensions ``2j + 1``, j = n/2 down (the block order of ``PIState``).
    offsets : ndarray
        Start of each block in the flat (row-major, concatenated) output buffer.
    maps : tuple of ndarray
        ``maps[q]``, shape ``(S_q, n+1-q)`` (dense, or CSR when sparse): column k is the output (order-q entries
        of all blocks) of the input matrix unit ``|D_k><D_{k+q}|``.
    maps_t : tuple of ndarray
        The transposes (CSR again for sparse maps), for the adjoint.
    upper, lower : tuple of ndarray
        Flat buffer positions of the output entries ``(j, a, a+q)`` and of their transposes ``(j, a+q, a)``.
    """

    n: int
    dims: np.ndarray
    offsets: np.ndarray
    maps: tuple[np.ndarray | sp.csr_array, ...]
    maps_t: tuple[np.ndarray | sp.csr_array, ...]
    upper: tuple[np.ndarray, ...]
    lower: tuple[np.ndarray, ...]

    @property
    def size(self) -> int:
        """Length of the flat output buffer (all blocks, every entry)."""
        return int(np.sum(self.dims**2))

    def apply(self, psi: np.ndarray) -> np.ndarray:
        """The output blocks of the normalised Dicke vector ``psi``, as the flat buffer (real for real psi)."""
        n = self.n
        out = np.zeros(self.size, dtype=psi.dtype)
        for q, tq in enumerate(self.maps):
            vals = tq @ (psi[: n + 1 - q] * psi[q:].conj())
            out[self.upper[q]] = vals
            if q:
                out[self.lower[q]] = vals.conj()
        return out

    def adjoint(self, m_flat: np.ndarray) -> np.ndarray:
        """``A = Lambda^dag(M)`` on the symmetric block ((n+1) x (n+1), Hermitian) from the flat buffer of M."""
        n = self.n
        a = np.zeros((n + 1, n + 1), dtype=m_flat.dtype)
        for q, tq in enumerate(self.maps_t):
            col = tq @ m_flat[self.lower[q]]  # pairs with the input entry (k, k+q): A[k+q, k]
            k = np.arange(n + 1 - q)
            a[k + q, k] = col
            if q:
                a[k, k + q] = col.conj()
        return a

    def blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of the flat buffer as the weighted blocks ``sigma_j`` (j = n/2 down)."""
        return [flat[o: o + d * d].reshape(d, d) for o, d in zip(self.offsets, self.dims)]


def symmetric_channel(n: int, t: float, dephasing: float = 0.0, emission: float = 0.0) -> SymmetricChannel:
    """Precompute :class:`SymmetricChannel` for n qubits, window t and local rates (PHYSICS.md conventions).

    One ``expm_multiply`` per coherence order on the ``n+1-q`` unit inputs (module docstring); at t = 0 or
    without noise the maps are the injection of the symmetric block.

    Raises
    ------
    ValueError
        For a bad n, t or rate.
    """
    n = _check_n(n)
    t = _check_real(t, "t (window duration)")
    gd, ge = _check_real(dephasing, "dephasing rate"), _check_real(emission, "emission rate")
    jv = j_values(n)
    dims = np.array([int(round(2 * j)) + 1 for j in jv])
    offsets = np.concatenate(([0], np.cumsum(dims**2)[:-1]))
    noisy = t > 0 and (gd > 0 or ge > 0)
    maps, upper, lower = [], [], []
    for q in range(n + 1):
        lay = make_layout(n, range(jv.size) if noisy else [0], [q])
        inputs = np.nonzero(lay.b == 0)[0]  # the symmetric block, a = 0 .. n-q in order
        unit = np.zeros((lay.size, inputs.size))
        unit[inputs, np.arange(inputs.size)] = 1.0
        if noisy:
            gen = generator(lay, gd, ge, 0.0, {})
            unit = np.asarray(expm_multiply(gen.real.tocsr() * t, unit))  # real: no Hamiltonian
        d = dims[lay.b]
        nnz = int(np.count_nonzero(unit))
        # dephasing alone keeps m and m' (a column reaches one entry per block): sparse is ~50x smaller
        maps.append(sp.csr_array(unit) if nnz < SPARSE_BELOW * unit.size else np.ascontiguousarray(unit))
        upper.append(offsets[lay.b] + lay.a * d + lay.c)
        lower.append(offsets[lay.b] + lay.c * d + lay.a)
    maps_t = tuple(sp.csr_array(m.T) if sp.issparse(m) else m.T for m in maps)
    return SymmetricChannel(n, dims, offsets, tuple(maps), maps_t, tuple(upper), tuple(lower))


@dataclass(frozen=True, eq=False)
class ProbeObjective:
    """The QFI about ``J_axis`` of ``Lambda^{⊗n}(|psi><psi|)`` as a function of the Dicke vector psi.

    Build it with :func:`probe_objective`; ``gens[b]`` is ``J_axis`` on block b (dense), ``diag`` says
    whether every block generator is diagonal (axis z: cheaper products).
    """

    channel: SymmetricChannel
    gens: tuple[np.ndarray, ...]
    diag: bool

    @property
    def n(self) -> int:
        return self.channel.n

    def _block_terms(self, flat: np.ndarray, with_m: bool) -> tuple[float, np.ndarray | None]:
        qfi = 0.0
        scale = float(np.abs(flat).max())
        dtype = np.result_type(flat.dtype, *(g.dtype for g in self.gens))
        m_flat = np.zeros(flat.size, dtype=dtype) if with_m else None
        m_blocks = self.channel.blocks(m_flat) if m_flat is not None else None
        for b, sig in enumerate(self.channel.blocks(flat)):
            if sig.shape[0] < 2:
                continue
            p, v = np.linalg.eigh(sig)
            gen = self.gens[b]
            jj = (v.conj().T * gen) @ v if self.diag else v.conj().T @ gen @ v
            psum = p[:, None] + p[None, :]
            ok = psum > SLD_RTOL * scale
            w = np.where(ok, 2.0 * (p[None, :] - p[:, None]) / np.where(ok, psum, 1.0), 0.0)
            qfi += 0.5 * float(np.sum(psum * w * w * np.abs(jj) ** 2))  # sum 2 (p_k - p_l)^2/(p_k + p_l) |J~|^2
            if m_blocks is not None:
                k = jj * w
                m_eig = 2.0 * (jj @ k - k @ jj) + k @ k
                m_blocks[b][:] = v @ m_eig @ v.conj().T
        return qfi, m_flat

    def qfi(self, psi: np.ndarray) -> float:
        """QFI of the output for the (not necessarily normalised) Dicke vector psi."""
        psi = psi / np.linalg.norm(psi)
        return self._block_terms(self.channel.apply(psi), False)[0]

    def qfi_and_gradient(self, psi: np.ndarray) -> tuple[float, np.ndarray]:
        """``(F, dF/d psi^*)`` at psi (normalised inside; the gradient is that of ``F(psi/|psi|)``).

        For real psi the output, M and A are real, and ``dF/d psi = 2 (A - F) psi/|psi|^2`` is twice the
        returned vector.
        """
        norm2 = float(np.vdot(psi, psi).real)
        unit = psi / np.sqrt(norm2)
        f, m_flat = self._block_terms(self.channel.apply(unit), True)
        assert m_flat is not None
        a = self.channel.adjoint(m_flat)
        return f, (a @ psi - f * psi) / norm2


def probe_objective(channel: SymmetricChannel, axis: AxisLike = "z") -> ProbeObjective:
    """The QFI about ``J_axis`` after ``channel`` (the encoding follows the noisy window, as in the pipeline)."""
    ax = unit_axis(axis)
    diag = bool(ax[0] == 0.0 and ax[1] == 0.0)
    gens = []
    for j in j_values(channel.n):
        mats = spin_matrices(float(j))
        dense = np.asarray((ax[0] * mats[0] + ax[1] * mats[1] + ax[2] * mats[2]).toarray())
        if diag:
            gens.append(np.ascontiguousarray(np.diag(dense).real))
        else:
            real = not np.any(dense.imag)
            gens.append(np.ascontiguousarray(dense.real if real else dense))
    return ProbeObjective(channel, tuple(gens), diag)


__all__ = ["SymmetricChannel", "symmetric_channel", "ProbeObjective", "probe_objective", "SLD_RTOL"]
