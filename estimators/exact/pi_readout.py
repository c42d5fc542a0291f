"""Exact collective readout statistics of permutation-invariant states, and their Fisher information.

The readout measures every qubit along a unit axis ``a``; bit 0 is eigenvalue +1 of ``a . sigma``, so
the Hamming weight w of an outcome gives ``J_a = n/2 - w`` (docs/design.md). For a PI state
``rho = ⊕_j sigma_j ⊗ 1_{d_j}/d_j`` (weighted blocks, ``bellsense.pistate``) the multiplicity copies sum
out and

    P(w) = sum_j <j, m|_a sigma_j |j, m>_a,    m = n/2 - w,

where ``|j, m>_a`` are the eigenvectors of ``a . J^(j)`` (a (2j+1)-dimensional ``eigh`` per block:
its eigenvalues are exactly m, all distinct, so the vectors are fixed up to phases that cancel). Under
the encoding ``rho_theta = exp(-i theta J_e) rho exp(i theta J_e)`` the derivative is analytic,
``dP(w)/dtheta = sum_j <j, m|_a (-i [J_e^(j), sigma_j(theta)]) |j, m>_a`` (the distribution of the
commutator, as in ``estimators.readout_distribution``). Both are evaluated in the eigenbasis of
``J_e^(j)`` (eigenvalues mu): with ``sigma' = E^dagger sigma E`` and ``W = E^dagger V``,
``P = diag(W_theta^dagger sigma' W_theta)``, ``W_theta = diag(e^{i theta mu}) W``, and the derivative
uses ``-i (mu_a - mu_b) sigma'_ab``. A product state ``rho_1^{⊗n}`` reads out binomially,
``P(w) = C(n, w) q^w (1-q)^{n-w}`` with ``q = (1 - a . r_theta)/2`` (r the Bloch vector turned by
theta about e), ``dP(w)/dq = n [b(w-1; n-1, q) - b(w; n-1, q)]`` (log space: any n).

The classical Fisher information ``F_C = sum_w (dP)^2 / P`` is that of ``estimators.exact_cfi`` with
the Hamming-weight (or parity) labels; Pezzè, Smerzi, Oberthaler, Schmied & Treutlein, Rev. Mod. Phys.
90, 035005 (2018), arXiv:1609.01609. Block structure: Chase & Geremia, Phys. Rev. A 78, 052101 (2008),
arXiv:0805.1263.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.stats import binom

from bellsense.axes import AxisLike, frame, unit_axis
from bellsense.pistate import PIState, block_is_empty, spin_matrices

from .classical import cfim
from .working_point import cfi_limit

__all__ = ["PIFamily", "pi_readout_distribution", "pi_readout_cfi", "pi_bell_correlator_axis_log10",
           "pi_ghz_fidelity"]

Outcomes = Literal["weight", "parity"]
_PAULI = (np.array([[0, 1], [1, 0]], dtype=complex), np.array([[0, -1j], [1j, 0]]), np.diag([1.0 + 0j, -1.0]))


@lru_cache(maxsize=2048)
def _eigvecs(two_j: int, axis: tuple[float, float, float]) -> np.ndarray:
    """Eigenvectors of ``a . J^(j)``, columns ordered m = j, j-1, ..., -j (read-only, cached)."""
    if axis == (0.0, 0.0, 1.0):
        return np.eye(two_j + 1, dtype=complex)
    jx, jy, jz = spin_matrices(two_j / 2.0)
    op = (axis[0] * jx + axis[1] * jy + axis[2] * jz).toarray()
    _, vecs = np.linalg.eigh(op)
    vecs = vecs[:, ::-1]
    vecs.setflags(write=False)
    return vecs


def _key(axis: AxisLike) -> tuple[float, float, float]:
    v = unit_axis(axis)
    return (float(v[0]), float(v[1]), float(v[2]))


def _dense(block: Any) -> np.ndarray:
    return np.asarray(block.toarray() if sp.issparse(block) else block, dtype=complex)


def _coarse(p: np.ndarray, dp: np.ndarray, outcomes: Outcomes) -> tuple[np.ndarray, np.ndarray]:
    if outcomes == "weight":
        return p, dp
    if outcomes == "parity":
        return np.array([p[0::2].sum(), p[1::2].sum()]), np.array([dp[0::2].sum(), dp[1::2].sum()])
    raise ValueError(f"outcomes must be 'weight' or 'parity', got {outcomes!r}")


@dataclass(frozen=True, eq=False)
class PIFamily:
    """The encoded family of a PI state under a collective readout: ``distribution(theta) -> (p, dp)``.

    ``p`` has one entry per Hamming weight w = 0..n (``outcomes="weight"``) or per parity (even, odd),
    ``dp`` is ``dp/dtheta`` with shape (1, K), as ``estimators.DensityFamily.distribution``; so it plugs
    into ``cfi_limit``, ``best_working_point`` and ``method_limit``. Build it with :meth:`build`, which
    moves every non-empty block to the encoding's eigenbasis once; an angle then costs one product per
    block (sparse blocks stay sparse for the encoding about z).
    """

    n: int
    outcomes: Outcomes
    #: per non-empty block: (its first Hamming weight n/2 - j, eigenvalues mu, (sigma', -i[mu, sigma']), W)
    blocks: tuple[tuple[int, np.ndarray, tuple[Any, Any], np.ndarray], ...]
    product: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # (Bloch r, encoding axis e, readout axis a)

    @classmethod
    def build(cls, state: PIState, generator_axis: AxisLike, readout_axis: AxisLike,
              outcomes: Outcomes = "weight") -> PIFamily:
        """Family of ``state`` encoded by ``exp(-i theta J_e)`` (``generator_axis``) and read along ``readout_axis``."""
        if not isinstance(state, PIState):
            raise TypeError(f"state must be a bellsense.states.PIState, got {type(state).__name__}")
        _coarse(np.zeros(2), np.zeros(2), outcomes)  # validates ``outcomes``
        e, a = _key(generator_axis), _key(readout_axis)
        if state.data is None and state.qubit is not None:
            r = np.array([np.trace(state.qubit @ s).real for s in _PAULI])
            return cls(state.n, outcomes, (), (r, np.array(e), np.array(a)))
        out: list[tuple[int, np.ndarray, tuple[Any, Any], np.ndarray]] = []
        for b, (block, j) in enumerate(zip(state.blocks, state.j)):
            if block_is_empty(block):
                continue
            two_j = int(round(2 * j))
            mu = j - np.arange(two_j + 1)
            vecs_e, vecs_a = _eigvecs(two_j, e), _eigvecs(two_j, a)
            if e == (0.0, 0.0, 1.0):
                sig: Any = sp.csr_matrix(block) if sp.issparse(block) else np.asarray(block)
                w = vecs_a
            else:
                dense = _dense(block)
                sig = vecs_e.conj().T @ dense @ vecs_e
                w = vecs_e.conj().T @ vecs_a
            comm = -1j * (sp.diags(mu) @ sig - sig @ sp.diags(mu))  # -i[mu, sigma']
            if sp.issparse(comm):
                comm = sp.csr_matrix(comm)
            out.append((b, mu, (sig, comm), w))
        return cls(state.n, outcomes, tuple(out), None)

    def _product(self, theta: float) -> tuple[np.ndarray, np.ndarray]:
        assert self.product is not None
        r, e, a = self.product
        c, s = np.cos(theta), np.sin(theta)
        # Rodrigues: exp(-i theta e.sigma/2) turns the Bloch vector by theta about e; d r/d theta = e x r.
        rt = r * c + np.cross(e, r) * s + e * (e @ r) * (1 - c)
        q = float(np.clip((1.0 - a @ rt) / 2.0, 0.0, 1.0))
        dq = -float(a @ np.cross(e, rt)) / 2.0
        n = self.n
        w = np.arange(n + 1)
        p = binom.pmf(w, n, q)
        lower = binom.pmf(w - 1, n - 1, q) if n > 1 else (w == 1).astype(float)
        same = binom.pmf(w, n - 1, q) if n > 1 else (w == 0).astype(float)
        return p, n * dq * (lower - same)

    def distribution(self, theta: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact ``(p, dp/dtheta)`` at the encoding angle theta; ``dp`` has shape (1, K)."""
        if self.product is not None:
            p, dp = self._product(float(theta))
        else:
            p = np.zeros(self.n + 1)
            dp = np.zeros(self.n + 1)
            for b, mu, (sig, comm), w in self.blocks:
                wt = np.exp(1j * theta * mu)[:, None] * w
                p[b: b + mu.size] += np.real(np.sum(wt.conj() * np.asarray(sig @ wt), axis=0))
                dp[b: b + mu.size] += np.real(np.sum(wt.conj() * np.asarray(comm @ wt), axis=0))
        p, dp = _coarse(p, dp, self.outcomes)
        return p, dp[None, :]


def pi_readout_distribution(state: PIState, readout_axis: AxisLike, generator_axis: AxisLike = "z",
                            theta: float = 0.0, outcomes: Outcomes = "weight") -> tuple[np.ndarray, np.ndarray]:
    """Outcome distribution ``p`` and its derivative ``dp`` (shape (1, K)) of a collective readout of a PI state.

    Every qubit is measured along ``readout_axis`` after ``exp(-i theta J_e)`` (``generator_axis``);
    ``outcomes="weight"``: ``p[w]``, w = 0..n the Hamming weight (``J_a = n/2 - w``); ``"parity"``:
    ``(P(even w), P(odd w))``. Equals ``readout_distribution(rho, [J_e], Readout(U, labels), theta)`` of the
    dense state (module notes).
    """
    return PIFamily.build(state, generator_axis, readout_axis, outcomes).distribution(theta)


def pi_readout_cfi(state: PIState, readout_axis: AxisLike, generator_axis: AxisLike = "z", theta: float = 0.0,
                   outcomes: Outcomes = "weight", limit: bool = False) -> float:
    """Exact CFI ``sum_k (dp_k)^2 / p_k`` of the collective readout (see :func:`pi_readout_distribution`).

    ``limit=True`` takes the continuous limit where an outcome has ``p = 0`` (``cfi_limit``); otherwise
    zero outcomes are dropped as in ``estimators.cfi``.
    """
    family = PIFamily.build(state, generator_axis, readout_axis, outcomes)
    if limit:
        return cfi_limit(family, theta)
    p, dp = family.distribution(theta)
    return float(cfim(p, dp)[0, 0])


def pi_bell_correlator_axis_log10(state: PIState, axis: AxisLike = "z") -> float:
    """``log10 E_{N,0}`` about any axis xi: ``E = |<prod_k sigma_+^xi(k)>|^2``.

    With ``sigma_+^xi = (sigma_xi1 + i sigma_xi2)/2`` and ``(xi1, xi2, xi) = axes.frame(xi)``,
    ``prod sigma_+^xi`` is ``|j, j>_xi <j, -j|_xi`` in the j = N/2 block (up to a phase), so
    ``E = |<j, -j|_xi sigma_{N/2} |j, j>_xi|^2`` (Niezgoda & Chwedeńczuk, Phys. Rev. Lett. 126, 210506
    (2021), arXiv:2011.06612). A product state gives ``2N log10(|r_perp|/2)`` exactly, r_perp the Bloch
    vector's part normal to xi. About z this is ``estimators.pi_bell_correlator_log10``.
    """
    from .pi import pi_bell_correlator_log10

    if not isinstance(state, PIState):
        raise TypeError(f"state must be a bellsense.states.PIState, got {type(state).__name__}")
    key = _key(axis)
    e1, e2, _ = frame(np.array(key))
    if state.data is None and state.qubit is not None:
        r = np.array([np.trace(state.qubit @ s).real for s in _PAULI])
        perp = float(np.hypot(r @ e1, r @ e2)) / 2.0
        with np.errstate(divide="ignore"):
            return float(2 * state.n * np.log10(perp))
    if key == (0.0, 0.0, 1.0):
        return pi_bell_correlator_log10(state)
    top = state.blocks[0]
    vecs = _eigvecs(state.n, key)
    dense = _dense(top)
    corner = abs(complex(vecs[:, -1].conj() @ dense @ vecs[:, 0]))
    with np.errstate(divide="ignore"):
        return float(2 * np.log10(corner))


def pi_ghz_fidelity(state: PIState) -> float:
    """GHZ fidelity ``(P + C)/2``, ``P = rho_{0..0,0..0} + rho_{1..1,1..1}``, ``C = 2|rho_{0..0,1..1}|`` (z basis).

    The PI counterpart of ``estimators.ghz_fidelity``: the three entries sit in the j = N/2 block (corners);
    a product state gives ``(q_0^n + q_1^n)/2 + |rho_1[1,0]|^n``.
    """
    if not isinstance(state, PIState):
        raise TypeError(f"state must be a bellsense.states.PIState, got {type(state).__name__}")
    if state.data is None and state.qubit is not None:
        q = state.qubit
        return float(0.5 * (q[0, 0].real ** state.n + q[1, 1].real ** state.n) + abs(q[1, 0]) ** state.n)
    top = state.blocks[0]
    last = top.shape[0] - 1
    pop = complex(top[0, 0]).real + complex(top[last, last]).real
    return float(0.5 * (pop + 2.0 * abs(complex(top[last, 0]))))

