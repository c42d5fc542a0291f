"""Many-body Bell correlators, the eq. 24 QFI bound and the depth of nonlocality (seeds 000/001).

``E_{A,B} = |Tr[rho prod_{k in A} sigma_+^(k) prod_{k in B} sigma_-^(k)]|^2`` with
``sigma_pm = (sigma_e1 +/- i sigma_e2)/2`` in the frame ``(e1, e2, xi) = axes.frame(axis)``
(PHYSICS.md). Qubit indices are Qiskit qubit indices (qubit q = bit q of a basis index).

Every function takes ``basis="qubits"`` (a 2^n state) or ``basis="dicke"`` (an n+1
Dicke-basis state of a permutation-symmetric system; there ``E_{A,B}`` depends only on
``(|A|, |B|)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.spatial.transform import Rotation
from scipy.special import gammaln

from bellsense.axes import AxisLike, frame
from bellsense.spin import dicke_collective, log_binomial

from .inputs import Basis, as_state, dense_limit_error, num_qubits

#: Largest n for the general (3^n enumerating) path of ``bell_qfi_bound``.
MAX_QUBITS_BELL_GENERAL = 12

_PAULI = {
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def _sigma(vec: np.ndarray) -> np.ndarray:
    return vec[0] * _PAULI["x"] + vec[1] * _PAULI["y"] + vec[2] * _PAULI["z"]


def ladder_operators(axis: AxisLike = "z") -> tuple[np.ndarray, np.ndarray]:
    """Single-qubit ``(sigma_+, sigma_-)`` relative to ``axis``: ``(sigma_e1 +/- i sigma_e2)/2``.

    For ``axis = "z"``: ``sigma_+ = |0><1|``.
    """
    e1, e2, _ = frame(axis)
    plus = 0.5 * (_sigma(e1) + 1j * _sigma(e2))
    return plus, plus.conj().T


def _dense(state: Any) -> np.ndarray:
    st = as_state(state)
    return st.toarray() if isinstance(st, sp.csr_matrix) else st


def _qubit_set(qubits: Any, n: int, name: str) -> list[int]:
    if isinstance(qubits, (int, np.integer)) and not isinstance(qubits, bool):
        qubits = [qubits]
    try:
        out = [int(q) for q in qubits]
    except TypeError as exc:
        raise TypeError(f"{name} must be an iterable of qubit indices, got {type(qubits).__name__}") from exc
    for q, raw in zip(out, qubits):
        if q != raw or not 0 <= q < n:
            raise ValueError(f"{name} contains {raw!r}; qubit indices must be integers in [0, {n})")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} contains a repeated qubit: {out}")
    return out


def _apply_local(state: np.ndarray, n: int, ops: dict[int, np.ndarray]) -> np.ndarray:
    """Apply single-qubit operators ``{qubit: 2x2}`` to a vector, or to the row index of a matrix."""
    tail = state.shape[1:]
    t = state.reshape((2,) * n + tail)
    for q, op in ops.items():
        ax = n - 1 - q  # C order: axis 0 is the most significant bit, i.e. qubit n-1
        t = np.moveaxis(np.tensordot(op, t, axes=([1], [ax])), 0, ax)
    return t.reshape(state.shape)


def _rotation_to_z(axis: AxisLike) -> tuple[float, np.ndarray]:
    """Angle and unit axis of the rotation taking the frame (e1, e2, xi) onto (x, y, z)."""
    e1, e2, xi = frame(axis)
    rotvec = Rotation.from_matrix(np.vstack([e1, e2, xi])).as_rotvec()
    angle = float(np.linalg.norm(rotvec))
    return angle, (rotvec / angle if angle > 1e-15 else np.array([0.0, 0.0, 1.0]))


def _dicke_to_z_frame(rho: np.ndarray, axis: AxisLike) -> np.ndarray:
    """Dicke-basis state rotated by ``exp(-i angle m.J)`` so that the frame of ``axis`` becomes (x, y, z)."""
    angle, m = _rotation_to_z(axis)
    if angle < 1e-15:
        return rho
    n = rho.shape[0] - 1
    gen = dicke_collective(n, m).toarray()
    e, v = sla.eigh(gen)
    rot = (v * np.exp(-1j * angle * e)[None, :]) @ v.conj().T
    return rot @ rho if rho.ndim == 1 else rot @ rho @ rot.conj().T


def _dicke_sizes(plus: Any, minus: Any, n: int) -> tuple[int, int]:
    sizes = []
    for obj, name in ((plus, "plus"), (minus, "minus")):
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            sizes.append(int(obj))  # a size
        else:
            sizes.append(len(_qubit_set(obj, n, name)))
    if not isinstance(plus, (int, np.integer)) and not isinstance(minus, (int, np.integer)):
        if set(_qubit_set(plus, n, "plus")) & set(_qubit_set(minus, n, "minus")):
            raise ValueError("plus and minus qubit sets overlap; A and B must be disjoint")
    a, b = sizes
    if a < 0 or b < 0 or a + b > n:
        raise ValueError(f"|A| = {a}, |B| = {b} must be >= 0 with |A| + |B| <= n = {n}")
    return a, b


def sigma_plus_expectation(
    state: Any,
    plus: Iterable[int] | int,
    minus: Iterable[int] | int = (),
    axis: AxisLike = "z",
    basis: Basis = "qubits",
) -> complex:
    """``Tr[rho prod_{k in A} sigma_+^(k) prod_{k in B} sigma_-^(k)]`` (seed 001 eq. 17).

    Parameters
    ----------
    state : vector or density matrix (2^n, or n+1 with ``basis="dicke"``)
    plus, minus : iterables of Qiskit qubit indices (the sets A and B), disjoint.
        With ``basis="dicke"`` they may also be the sizes ``|A|``, ``|B|``.
    axis : {"x", "y", "z"} or unit 3-vector; the frame is ``axes.frame(axis)``.

    In the Dicke basis, with ``a = |A|``, ``b = |B|``:
    ``<...> = sum_k rho_{k, k-a+b} C(n-a-b, k-a) / sqrt(C(n,k) C(n,k-a+b))``.
    """
    st = _dense(state)
    n = num_qubits(st.shape[0], basis)
    if basis == "dicke":
        a, b = _dicke_sizes(plus, minus, n)
        st = _dicke_to_z_frame(st, axis)
        k = np.arange(a, n - b + 1)  # ones on A, zeros on B
        kp = k - a + b
        logc = log_binomial(n - a - b, k - a) - 0.5 * (log_binomial(n, k) + log_binomial(n, kp))
        elem = st[k] * st[kp].conj() if st.ndim == 1 else st[k, kp]
        return complex(np.sum(elem * np.exp(logc)))
    pa, mb = _qubit_set(plus, n, "plus"), _qubit_set(minus, n, "minus")
    if set(pa) & set(mb):
        raise ValueError(f"plus {sorted(pa)} and minus {sorted(mb)} overlap; A and B must be disjoint")
    sp_, sm_ = ladder_operators(axis)
    ops = {q: sp_ for q in pa} | {q: sm_ for q in mb}
    if st.ndim == 1:
        return complex(np.vdot(st, _apply_local(st, n, ops)))
    # Tr[rho O] = Tr[O rho]: apply O to the row index of rho.
    return complex(np.trace(_apply_local(st, n, ops)))


def bell_correlator(
    state: Any,
    plus: Iterable[int] | int,
    minus: Iterable[int] | int = (),
    axis: AxisLike = "z",
    basis: Basis = "qubits",
) -> float:
    """Many-body Bell correlator ``E_{A,B} = |<prod_A sigma_+ prod_B sigma_->|^2`` (seed 001 eq. 17).

    Local realism gives ``E <= 2^-(|A|+|B|)``; separable states ``E <= 4^-(|A|+|B|)``; pure GHZ
    gives the quantum maximum 1/4 for ``A`` = all qubits. Below ~1e-300 E underflows: use
    ``bell_correlator_log10`` (with its certified lower bound, for ``depth_certificate``).
    """
    return float(abs(sigma_plus_expectation(state, plus, minus, axis, basis)) ** 2)


def _all_string_expectations(rho: np.ndarray, n: int, axis: AxisLike) -> np.ndarray:
    sp_, sm_ = ladder_operators(axis)
    mats = np.stack([np.eye(2), sp_, sm_]).transpose(0, 2, 1)  # M[a, i, j] = O_a[j, i]
    # Interleave rows and columns: axes (r_{n-1}, c_{n-1}, r_{n-2}, c_{n-2}, ...), then merge each pair.
    t = rho.reshape((2,) * (2 * n))
    perm = [ax for k in range(n) for ax in (k, n + k)]
    t = t.transpose(perm).reshape((4,) * n)
    m4 = mats.reshape(3, 4)
    for k in range(n):
        # contract tensor axis k (size 4) and put the new size-3 axis back at position k
        t = np.moveaxis(np.tensordot(m4, t, axes=([1], [k])), 0, k)
    return t


def _general_bound(rho: np.ndarray, n: int, axis: AxisLike) -> float:
    t = _all_string_expectations(rho, n, axis)
    e = np.abs(t) ** 2
    shape1 = [1] * n
    nplus = np.zeros((3,) * n)
    nminus = np.zeros((3,) * n)
    for k in range(n):
        shape = list(shape1)
        shape[k] = 3
        nplus = nplus + (np.arange(3) == 1).reshape(shape)
        nminus = nminus + (np.arange(3) == 2).reshape(shape)
    weight = 2.0 * (nplus - nminus) ** 2 * 2.0 ** (nplus + nminus - n)
    return float(np.sum(weight * e))


def dicke_reduced_states(rho: np.ndarray) -> list[np.ndarray]:
    """Reduced Dicke-basis density matrices ``rho^(r)`` of r qubits, r = 0..n, of a symmetric state.

    One qubit is traced out at a time with
    ``|D_k^{r+1}> = sqrt((r+1-k)/(r+1)) |D_k^r>|0> + sqrt(k/(r+1)) |D_{k-1}^r>|1>``, so
    ``rho^(r)_ij = [sqrt((r+1-i)(r+1-j)) rho_ij + sqrt((i+1)(j+1)) rho_{i+1,j+1}] / (r+1)``.
    """
    cur = rho
    out = [cur]
    for r in range(rho.shape[0] - 2, -1, -1):
        i = np.arange(r + 1, dtype=float)
        s0 = np.sqrt(r + 1 - i)
        s1 = np.sqrt(i + 1)
        cur = (s0[:, None] * cur[:-1, :-1] * s0[None, :] + s1[:, None] * cur[1:, 1:] * s1[None, :]) / (r + 1)
        out.append(cur)
    return out[::-1]


def _dicke_bound(rho: np.ndarray, axis: AxisLike) -> float:
    """Eq. 24 for a symmetric state (Dicke basis, after rotating the frame of ``axis`` onto z).

    With ``r = a + b``, ``sum_{|A|=a,|B|=b} E_{A,B} = C(n,r) |rho^(r)_{ab}|^2 / C(r,b)``, where the
    reduced Dicke matrix element is
    ``rho^(r)_{ab} = sum_k rho_{a+k,b+k} sqrt(C(r,a) C(r,b)) C(n-r,k) / sqrt(C(n,a+k) C(n,b+k))``
    (k = ones among the n - r traced qubits). Each coefficient is a product of two square-rooted
    hypergeometric probabilities (<= 1), and the huge/small weights are combined in log space.
    Only the anti-diagonal ``a + b = r`` of each reduced matrix is formed: O(n^3 / 6) in total.
    """
    n = rho.shape[0] - 1
    rho = _dicke_to_z_frame(rho, axis)
    if np.max(np.abs(rho.imag)) == 0.0:
        rho = rho.real
    lf = gammaln(np.arange(n + 1) + 1.0)
    half_log_cn = 0.5 * (lf[n] - lf - lf[::-1])  # 0.5 log C(n, j)
    flat = np.ascontiguousarray(rho).ravel()
    total = 0.0
    for r in range(1, n + 1):
        a = np.arange(r + 1)
        b = r - a
        k = np.arange(n - r + 1)
        log_rc = lf[r] - lf[a] - lf[b]  # log C(r, a) = log C(r, b)
        # log coefficient = 0.5 (log C(r,a) + log C(r,b)) + log C(n-r,k) - 0.5 log C(n,a+k) - 0.5 log C(n,b+k)
        row = log_rc[:, None] + (lf[n - r] - lf[k] - lf[n - r - k])[None, :]
        row -= half_log_cn[a[:, None] + k[None, :]]
        row -= half_log_cn[b[:, None] + k[None, :]]
        idx = (a * (n + 1) + b)[:, None] + (k * (n + 2))[None, :]  # rho[a+k, b+k] in the flat array
        red = np.abs(np.sum(flat[idx] * np.exp(row), axis=1))
        with np.errstate(divide="ignore"):
            logt = 2.0 * np.log(red) + (lf[n] - lf[r] - lf[n - r]) - log_rc - (n - r) * math.log(2.0)
        total += float(np.sum(2.0 * (a - b) ** 2 * np.exp(logt)))
    return total


def bell_qfi_bound(state: Any, axis: AxisLike = "z", basis: Basis = "qubits") -> float:
    """Lower bound on the QFI (generator ``J_axis``) from all Bell correlators (seed 001 eq. 24).

    ``F_Q >= 2 sum_{n+, n-} (n+ - n-)^2 / 2^(N - n+ - n-) sum_{|A|=n+, |B|=n-} E_{A,B}``.

    Two paths:

    * ``basis="qubits"``: all ``3^N`` pairs (A, B) at once, by contracting every qubit of
      rho with ``(1, sigma_+, sigma_-)``; ``N <= MAX_QUBITS_BELL_GENERAL`` (12).
    * ``basis="dicke"``: a symmetric state (dimension N+1); E depends only on (|A|, |B|) and
      is read off the anti-diagonals of the reduced states ``rho^(r)``; O(N^3/6), N ~ 1000.

    GHZ gives ``N^2``, ``|+>^N`` gives ``N`` (PHYSICS.md).
    """
    st = _dense(state)
    n = num_qubits(st.shape[0], basis)
    if basis == "qubits" and n > MAX_QUBITS_BELL_GENERAL:
        raise dense_limit_error(n, MAX_QUBITS_BELL_GENERAL, "general (3^n) Bell-correlator bound")
    rho = np.outer(st, st.conj()) if st.ndim == 1 else st
    if basis == "dicke":
        return _dicke_bound(rho, axis)
    return _general_bound(rho, n, axis)


def bell_qfi_bound_nbody(correlator: float, n: int) -> float:
    """``F_Q >= 4 N^2 E_{N,0}``: the eq. 24 terms (N,0) and (0,N) alone; tight for GHZ (seed 001)."""
    _check_e_n(correlator, n)
    return 4.0 * n * n * float(correlator)


def _check_e_n(correlator: float, n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not np.isfinite(correlator):
        raise ValueError(f"correlator must be finite, got {correlator!r}")


def ghz_fidelity(state: Any, basis: Basis = "qubits") -> float:
    """GHZ fidelity ``(P + C)/2`` with ``P = rho_{0..0,0..0} + rho_{1..1,1..1}``, ``C = 2|rho_{0..0,1..1}|``.

    This is the fidelity with the best GHZ state ``(|0..0> + e^{i a}|1..1>)/sqrt2`` (PHYSICS.md,
    hardware section); the exact truth for the measured estimate.
    """
    st = _dense(state)
    num_qubits(st.shape[0], basis)
    if st.ndim == 1:
        pop = abs(st[0]) ** 2 + abs(st[-1]) ** 2
        coh = 2.0 * abs(st[0] * st[-1].conj())
    else:
        pop = st[0, 0].real + st[-1, -1].real
        coh = 2.0 * abs(st[0, -1])
    return float(0.5 * (pop + coh))


__all__ = [
    "ladder_operators",
    "sigma_plus_expectation",
    "bell_correlator",
    "bell_qfi_bound",
    "bell_qfi_bound_nbody",
    "dicke_reduced_states",
    "ghz_fidelity",
]
