"""Ground states of the model Hamiltonians of seeds 001 and 004, in the flip-even sector.

* Ising chain, open boundaries (seed 001): ``H = U sum_j Z_j Z_{j+1} - h sum_j X_j`` (2^n, sparse).
* Two-mode (bosonic) model (seed 001 eq. 30): ``H = -J_x + (U/N) J_z^2`` (Dicke basis, N+1).
* LMG (seed 004 eq. 4): ``H = (J/N) S_z^2 - h S_x`` with ``S = J`` (Dicke basis, N+1).

Numerical trap (PHYSICS.md): in the ordered phase the two lowest states form a cat-like pair
split by ~e^{-N}; an unrestricted eigensolver returns an arbitrary mixture of them and the QFI
collapses. All three Hamiltonians commute with the global flip ``X^{(x)N}``
(``|D_k> -> |D_{N-k}>``); for a transverse term ``-h X`` with ``h > 0`` the off-diagonal
elements are non-positive, so by Perron-Frobenius the ground state is unique, positive and
flip-even. We diagonalise inside the flip-even sector: the Dicke models (tridiagonal) by bisection and
a twisted factorisation in log space, so tail amplitudes far below 1e-308 keep their relative accuracy
(``*_ground_log_amplitudes``; needed for ``E_{N,0} = |a_0 a_N|^2`` at large N); the Ising chain by
Lanczos to machine precision with a Davis-Kahan bound on every amplitude (``ISING_AMPLITUDE_ATOL``).
For ``h < 0`` the ground state is the
``h > 0`` one rotated by ``Z^{(x)N}`` (``exp(-i pi J_z)`` up to a phase), which we apply exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .spin import check_n, dicke_collective

#: Largest chain for the 2^n Ising ground state (2^15-dimensional even sector).
MAX_ISING_QUBITS = 20
_DENSE_SECTOR = 256
#: Guaranteed absolute error of every amplitude of ``ising_ground_state`` (Davis-Kahan bound, checked
#: on each solve); it keeps ``|psi_0..0 psi_1..1|`` within the correlator tolerance of ``nonlocality_depth``.
ISING_AMPLITUDE_ATOL = 5e-14


def _finite(value: float, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from exc
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def ising_hamiltonian(n: int, coupling: float, field: float = 1.0) -> sp.csr_matrix:
    """``H = U sum_{j=0}^{n-2} Z_j Z_{j+1} - h sum_j X_j`` (open chain), sparse 2^n, Qiskit order."""
    n = check_n(n, MAX_ISING_QUBITS)
    u, h = _finite(coupling, "coupling"), _finite(field, "field")
    dim = 1 << n
    idx = np.arange(dim, dtype=np.int64)
    bits = [(idx >> q) & 1 for q in range(n)]
    diag = np.zeros(dim)
    for q in range(n - 1):
        diag += u * (1 - 2 * (bits[q] ^ bits[q + 1]))
    rows = [idx] + [idx] * n
    cols = [idx] + [idx ^ (1 << q) for q in range(n)]
    vals = [diag] + [np.full(dim, -h)] * n
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim))


def _lowest(h_even: sp.csr_matrix, atol: float = np.inf) -> tuple[np.ndarray, float]:
    """Lowest eigenvector of a real symmetric matrix and a bound on its amplitude error.

    Dense ``eigh`` up to ``_DENSE_SECTOR``; above, Lanczos (``eigsh``) to machine precision
    (``tol=0``) for the two lowest pairs, restarted from its own result (at most 3 more times)
    until the bound is <= ``atol``. The bound is Davis-Kahan's ``sin(angle) <= ||H v - l v|| / gap``
    (gap to the next eigenvalue of the sector), which bounds every amplitude's absolute error.
    """
    dim = h_even.shape[0]
    if dim == 1:
        return np.ones(1), float(np.finfo(float).eps)
    start: np.ndarray | None = None
    for _ in range(1 if dim <= _DENSE_SECTOR else 4):
        if dim <= _DENSE_SECTOR:
            vals, vecs = sla.eigh(h_even.toarray())
        else:
            vals, vecs = spla.eigsh(h_even, k=2, which="SA", tol=0, v0=start, ncv=min(dim, 40))
        order = np.argsort(vals)
        vals, vecs = vals[order], vecs[:, order]
        vec = vecs[:, 0]
        start = vec
        gap = float(vals[1] - vals[0])
        resid = float(np.linalg.norm(h_even @ vec - vals[0] * vec))
        bound = max(resid / gap if gap > 0 else np.inf, 4 * float(np.finfo(float).eps))
        if bound <= atol:
            break
    return vec, bound


def _fix_sign(vec: np.ndarray) -> np.ndarray:
    """Deterministic global phase: the largest-magnitude amplitude is real positive."""
    j = int(np.argmax(np.abs(vec)))
    return vec * (abs(vec[j]) / vec[j])


def ising_ground_state(n: int, coupling: float, field: float = 1.0) -> np.ndarray:
    """Ground state (2^n complex vector) of the open Ising chain, from the flip-even sector.

    The sector basis is ``(|i> + |i xor 1..1>)/sqrt2`` for the 2^(n-1) indices i with top bit 0.
    """
    n = check_n(n, MAX_ISING_QUBITS)
    h = _finite(field, "field")
    ham = ising_hamiltonian(n, coupling, abs(h))
    dim = 1 << n
    half = np.arange(dim // 2, dtype=np.int64)
    flip = half ^ (dim - 1)
    proj = sp.csr_matrix(
        (np.full(dim, 1 / np.sqrt(2)), (np.concatenate([half, flip]), np.concatenate([half, half]))),
        shape=(dim, dim // 2),
    )
    h_even = (proj.T @ ham @ proj).real.tocsr()
    low, bound = _lowest(h_even, ISING_AMPLITUDE_ATOL)
    if bound > ISING_AMPLITUDE_ATOL:
        raise RuntimeError(
            f"Ising ground state (n = {n}, U = {coupling}, h = {field}) converged only to amplitude error "
            f"{bound:.2g} > {ISING_AMPLITUDE_ATOL:g} (the even-sector gap is too small); its correlators are "
            "not reliable"
        )
    vec = proj @ low
    vec = vec / np.linalg.norm(vec)
    if h < 0:
        weight = np.zeros(dim, dtype=np.int64)
        for q in range(n):
            weight += (np.arange(dim) >> q) & 1
        vec = vec * (1 - 2 * (weight & 1))
    return _fix_sign(vec.astype(complex))


def _dicke_hamiltonian(n: int, a: float, b: float) -> sp.csr_matrix:
    """``a J_z^2 + b J_x`` in the Dicke basis (real, tridiagonal)."""
    jz = dicke_collective(n, "z").real
    jx = dicke_collective(n, "x").real
    return (a * (jz @ jz) + b * jx).tocsr()


@dataclass(frozen=True)
class LogAmplitudes:
    """A real Dicke-basis state stored as ``a_k = sign_k 10^{log10_abs_k}`` (no underflow).

    ``rel_error`` is the estimated relative error of every amplitude (see ``_tridiagonal_ground``);
    ``vector()`` is the float64 state, where amplitudes below ~1e-308 are 0.
    """

    log10_abs: np.ndarray
    sign: np.ndarray
    rel_error: float

    @property
    def num_qubits(self) -> int:
        return int(self.log10_abs.size - 1)

    def vector(self) -> np.ndarray:
        with np.errstate(under="ignore"):
            return (self.sign * 10.0**self.log10_abs).astype(complex)


def _flip_even_sector(n: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal and off-diagonal of ``a J_z^2 + b J_x`` in the flip-even basis ``(|D_k> + |D_{N-k}>)/sqrt2``.

    Dicke basis: ``d_k = a (N/2 - k)^2``, ``e_k = b sqrt((k+1)(N-k)) / 2``. Even N keeps ``|D_{N/2}>``
    (its coupling to the last pair is ``sqrt2 e``); odd N folds the middle pair (diagonal ``+ e``).
    """
    k = np.arange(n + 1, dtype=float)
    d = a * (n / 2.0 - k) ** 2
    e = 0.5 * b * np.sqrt((k[:-1] + 1.0) * (n - k[:-1]))
    half = n // 2
    if n % 2 == 0:
        sd, se = d[: half + 1].copy(), e[:half].copy()
        se[-1] *= math.sqrt(2.0)
    else:
        sd, se = d[: half + 1].copy(), e[:half].copy()
        sd[-1] += e[half]
    return sd, se


def _tridiagonal_ground(sd: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Lowest eigenvector of a symmetric tridiagonal matrix as (ln|s_k|, sign_k, relative error).

    The eigenvalue is from bisection (``eigh_tridiagonal``, LAPACK ``stebz``). The vector is from
    the twisted factorisation (Parlett and Dhillon, Linear Algebra Appl. 309, 121 (2000)): the
    pivots ``D+_k = t_k - e_{k-1}^2/D+_{k-1}`` from the top and ``D-_k = t_k - e_k^2/D-_{k+1}`` from
    the bottom (``t = d - lambda``) give the ratios ``s_k/s_{k+1} = -e_k/D+_k`` above the twist index
    r (where ``|D+_r + D-_r - t_r|`` is smallest) and ``s_k/s_{k-1} = -e_{k-1}/D-_k`` below it. Each
    ratio is computed in the direction in which the amplitudes grow, so it is accurate to a few ulp;
    ``ln|s_k|`` is a sum of logs of ratios, so tails far below 1e-308 keep their relative accuracy.
    Bisection gives lambda only to ``eps ||T||_1``, too coarse for 1e-13 relative tails in a double
    well, so lambda is refined by the Rayleigh-quotient correction ``gamma_r / ||z||^2`` (z_r = 1).
    The relative error estimate is the change of the normalised ``ln|s_k|`` when lambda moves by
    ``2 eps ||T||_inf`` (its remaining error) plus ``m * max_k rho_k``, ``rho_k`` the componentwise
    relative residual of row k (``|(T s - lambda s)_k| / sum |terms|``, at least one ulp): each ratio
    is perturbed by about its row's residual and ``ln|s_k|`` sums at most m of them.
    """
    m = sd.size
    if m == 1:
        return np.zeros(1), np.ones(1), float(np.finfo(float).eps)
    lam = float(sla.eigh_tridiagonal(sd, se, eigvals_only=True, select="i", select_range=(0, 0))[0])
    tiny = np.finfo(float).eps * max(float(np.max(np.abs(sd))), float(np.max(np.abs(se))), 1e-300)
    for _ in range(4):  # Rayleigh-quotient correction lambda += gamma_r / ||z||^2 (z_r = 1): bisection is
        t = sd - lam  # only accurate to eps ||T||_1, which is not enough for 1e-13 tails in a double well
        logs, sign, gamma = _twisted_vector(t, se, tiny)
        step = gamma * math.exp(-2.0 * _log_norm(logs))
        lam += step
        if abs(step) <= 2 * np.finfo(float).eps * max(abs(lam), tiny):
            break
    t = sd - lam
    logs, sign, _ = _twisted_vector(t, se, tiny)
    # sensitivity to the eigenvalue's own error (eps ||T||_inf): the normalised vector at lambda + that
    dlam = 2.0 * np.finfo(float).eps * (float(np.max(np.abs(sd))) + 2.0 * float(np.max(np.abs(se))))
    shifted = _twisted_vector(t - dlam, se, tiny)[0]
    drift = float(np.max(np.abs((shifted - _log_norm(shifted)) - (logs - _log_norm(logs)))))
    return logs, sign, drift + m * _componentwise_residual(t, se, logs, sign)


def _log_norm(logs: np.ndarray) -> float:
    """``ln ||z||`` from ``ln|z_k|`` without overflow."""
    finite = logs[np.isfinite(logs)]
    top = float(np.max(finite))
    return top + 0.5 * math.log(float(np.sum(np.exp(2.0 * (finite - top)))))


def _twisted_vector(t: np.ndarray, se: np.ndarray, tiny: float) -> tuple[np.ndarray, np.ndarray, float]:
    """``(ln|z_k|, sign_k, gamma_r)`` of the twisted factorisation of ``T - lambda`` (``t = d - lambda``), z_r = 1."""
    m = t.size
    dp, dm = np.empty(m), np.empty(m)
    dp[0], dm[-1] = t[0], t[-1]
    for k in range(1, m):
        prev = dp[k - 1] if dp[k - 1] != 0.0 else tiny
        dp[k] = t[k] - se[k - 1] ** 2 / prev
    for k in range(m - 2, -1, -1):
        nxt = dm[k + 1] if dm[k + 1] != 0.0 else tiny
        dm[k] = t[k] - se[k] ** 2 / nxt
    gammas = dp + dm - t
    r = int(np.argmin(np.abs(gammas)))
    logs, sign = np.zeros(m), np.ones(m)
    for k in range(r - 1, -1, -1):
        ratio = -se[k] / (dp[k] if dp[k] != 0.0 else tiny)
        logs[k], sign[k] = logs[k + 1] + math.log(abs(ratio)), sign[k + 1] * math.copysign(1.0, ratio)
    for k in range(r + 1, m):
        ratio = -se[k - 1] / (dm[k] if dm[k] != 0.0 else tiny)
        logs[k], sign[k] = logs[k - 1] + math.log(abs(ratio)), sign[k - 1] * math.copysign(1.0, ratio)
    return logs, sign, float(gammas[r])


def _componentwise_residual(t: np.ndarray, se: np.ndarray, logs: np.ndarray, sign: np.ndarray) -> float:
    """``max_k |e_{k-1} s_{k-1} + t_k s_k + e_k s_{k+1}| / (|e_{k-1} s_{k-1}| + |t_k s_k| + |e_k s_{k+1}|)``.

    Evaluated in log space (row by row, shifted by the row's largest term)."""
    m = t.size
    with np.errstate(divide="ignore"):
        lse = np.log(np.abs(se))
        lt = np.log(np.abs(t))
    terms = np.full((m, 3), -np.inf)
    sg = np.zeros((m, 3))
    terms[1:, 0], sg[1:, 0] = lse + logs[:-1], np.sign(se) * sign[:-1]
    terms[:, 1], sg[:, 1] = lt + logs, np.sign(t) * sign
    terms[:-1, 2], sg[:-1, 2] = lse + logs[1:], np.sign(se) * sign[1:]
    top = np.max(terms, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        scaled = np.where(np.isfinite(terms), np.exp(terms - top), 0.0)
    res = np.abs(np.sum(sg * scaled, axis=1)) / np.sum(scaled, axis=1)
    return max(float(np.max(res)), float(np.finfo(float).eps))


def _dicke_ground_log(n: int, a: float, b: float) -> LogAmplitudes:
    """Ground state of ``a J_z^2 + b J_x`` (Dicke basis), flip-even for ``b < 0``; ``b > 0`` by ``(-1)^k``."""
    sd, se = _flip_even_sector(n, a, -abs(b))
    if b == 0.0:  # diagonal: the flip-even sector state of lowest energy (the first one on ties)
        logs = np.full(sd.size, -np.inf)
        logs[int(np.argmin(sd))] = 0.0
        sign, err = np.ones(sd.size), 0.0
    else:
        logs, sign, err = _tridiagonal_ground(sd, se)
    half = n // 2
    # sector amplitude s_k -> a_k = a_{N-k} = s_k / sqrt2 (the even-N middle state is itself)
    shift = np.full(sd.size, -0.5 * math.log(2.0))
    if n % 2 == 0:
        shift[half] = 0.0
    full_logs = np.concatenate([logs + shift, (logs + shift)[: n + 1 - sd.size][::-1]])
    full_sign = np.concatenate([sign, sign[: n + 1 - sd.size][::-1]])
    full_logs = full_logs - _log_norm(full_logs)
    if b > 0:
        full_sign = full_sign * (1 - 2 * (np.arange(n + 1) & 1))
    j = int(np.argmax(full_logs))
    full_sign = full_sign * full_sign[j]  # the largest amplitude is positive (_fix_sign)
    return LogAmplitudes(full_logs / math.log(10.0), full_sign, float(err))


def _dicke_ground(n: int, a: float, b: float) -> np.ndarray:
    return _fix_sign(_dicke_ground_log(n, a, b).vector())


def two_mode_hamiltonian(n: int, coupling: float) -> sp.csr_matrix:
    """``H = -J_x + (U/N) J_z^2`` (seed 001 eq. 30), Dicke basis (N+1)."""
    n = check_n(n)
    return _dicke_hamiltonian(n, _finite(coupling, "coupling") / n, -1.0)


def two_mode_ground_state(n: int, coupling: float) -> np.ndarray:
    """Ground state of ``-J_x + (U/N) J_z^2`` in the Dicke basis (N+1), flip-even sector.

    Check (PHYSICS.md): N = 1000, U = -4 gives QFI/N ~ 937 for the generator J_z.
    """
    n = check_n(n)
    return _dicke_ground(n, _finite(coupling, "coupling") / n, -1.0)


def two_mode_ground_log_amplitudes(n: int, coupling: float) -> LogAmplitudes:
    """The two-mode ground state as log10-amplitudes: tails accurate in relative terms, no underflow.

    Check (docs/PHYSICS.md): N = 1000, U = 0 gives ``|a_0| = |a_N| = 2^-500`` (``|+>^N``).
    """
    n = check_n(n)
    return _dicke_ground_log(n, _finite(coupling, "coupling") / n, -1.0)


def lmg_hamiltonian(n: int, coupling: float, field: float) -> sp.csr_matrix:
    """LMG ``H = (J/N) S_z^2 - h S_x`` with ``S = J`` (seed 004 eq. 4), Dicke basis (N+1)."""
    n = check_n(n)
    return _dicke_hamiltonian(n, _finite(coupling, "coupling") / n, -_finite(field, "field"))


def lmg_ground_state(n: int, coupling: float, field: float) -> np.ndarray:
    """Ground state of the LMG Hamiltonian in the Dicke basis (N+1), flip-even sector (see module doc)."""
    n = check_n(n)
    return _dicke_ground(n, _finite(coupling, "coupling") / n, -_finite(field, "field"))


def lmg_ground_log_amplitudes(n: int, coupling: float, field: float) -> LogAmplitudes:
    """The LMG ground state as log10-amplitudes (see ``two_mode_ground_log_amplitudes``)."""
    n = check_n(n)
    return _dicke_ground_log(n, _finite(coupling, "coupling") / n, -_finite(field, "field"))


def lmg_gibbs_state(n: int, coupling: float, field: float, beta: float) -> np.ndarray:
    """Gibbs state ``exp(-beta H) / Z`` of the LMG Hamiltonian in the symmetric subspace (Dicke basis, N+1).

    ``H = (J/N) S_z^2 - h S_x`` (Marconi, Riera-Campeny, Sanpera and Aloy (2022), eq. 4), real
    symmetric tridiagonal, diagonalised densely with ``eigh``: ``rho = V diag(p) V^T`` with
    ``p_i = exp(-beta (E_i - E_0)) / sum_j exp(-beta (E_j - E_0))`` (shifted by the ground energy: no
    overflow for any beta, N up to thousands). ``beta = 0`` gives the symmetric-subspace identity / (N+1);
    as ``beta -> inf`` it tends to the projector on the ground space (the equal mixture of a cat pair
    when the two lowest levels are degenerate to machine precision).
    """
    n = check_n(n)
    b = _finite(beta, "beta")
    if b < 0:
        raise ValueError(f"beta must be >= 0 (an inverse temperature), got {beta!r}")
    ham = lmg_hamiltonian(n, coupling, field).toarray()
    energies, vecs = sla.eigh(ham)
    weights = np.exp(-b * (energies - energies[0]))
    weights /= weights.sum()
    rho = (vecs * weights[None, :]) @ vecs.T
    return (0.5 * (rho + rho.T)).astype(complex)


__all__ = [
    "ising_hamiltonian",
    "ising_ground_state",
    "two_mode_hamiltonian",
    "two_mode_ground_state",
    "lmg_hamiltonian",
    "lmg_ground_state",
    "two_mode_ground_log_amplitudes",
    "lmg_ground_log_amplitudes",
    "LogAmplitudes",
    "lmg_gibbs_state",
    "MAX_ISING_QUBITS",
]
