"""Named states as exact vectors: the "truth" that circuits are checked against.

Every function takes ``basis="qubits"`` (a 2^n vector, Qiskit little-endian
order) or ``basis="dicke"`` (an n+1 vector of Dicke amplitudes, index k = number
of qubits in ``|1>``). Conventions are those of PHYSICS.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .pistate import PIState as PIState  # re-export: bellsense.states.PIState (issue 12)
from .spin import MAX_QUBITS_SPARSE, check_n, from_symmetric, log_binomial

Basis = Literal["qubits", "dicke"]
AngleLike = float | Sequence[float] | np.ndarray


def _check_basis(basis: str, n: int) -> None:
    if basis not in ("qubits", "dicke"):
        raise ValueError(f"unknown basis {basis!r}: use 'qubits' or 'dicke'")
    if basis == "qubits" and n > MAX_QUBITS_SPARSE:
        raise ValueError(
            f"n = {n} is too large for a 2^n state vector (limit {MAX_QUBITS_SPARSE}); use basis='dicke'"
        )


def ghz(n: int, basis: Basis = "qubits") -> np.ndarray:
    """``(|0...0> + |1...1>)/sqrt(2)``; in the Dicke basis ``(|D_0> + |D_n>)/sqrt(2)``."""
    n = check_n(n)
    _check_basis(basis, n)
    dim = n + 1 if basis == "dicke" else 1 << n
    vec = np.zeros(dim, dtype=complex)
    vec[0] = vec[-1] = 1 / np.sqrt(2)
    if n == 1 and basis == "qubits":
        vec[:] = 1 / np.sqrt(2)
    return vec


def _angles(value: AngleLike, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    arr = arr.reshape(-1)
    if arr.size != n:
        raise ValueError(f"{name} has {arr.size} entries but n = {n}; give one angle or one per qubit")
    return arr


def product(n: int, theta: AngleLike = np.pi / 2, phi: AngleLike = 0.0, basis: Basis = "qubits") -> np.ndarray:
    """Product state, qubit q in ``cos(theta_q/2)|0> + e^{i phi_q} sin(theta_q/2)|1>``.

    ``theta = pi/2, phi = 0`` gives ``|+>^n``. Per-qubit angles are allowed in
    the qubit basis; the Dicke basis needs equal angles (the state must be
    symmetric), and then the amplitude of ``|D_k>`` is
    ``sqrt(C(n,k)) cos(theta/2)^(n-k) (e^{i phi} sin(theta/2))^k``.
    """
    n = check_n(n)
    _check_basis(basis, n)
    th, ph = _angles(theta, n, "theta"), _angles(phi, n, "phi")
    if basis == "dicke":
        if np.ptp(th) > 0 or np.ptp(ph) > 0:
            raise ValueError("a product state with different angles per qubit is not symmetric; use basis='qubits'")
        c, s = np.cos(th[0] / 2), np.sin(th[0] / 2)
        k = np.arange(n + 1)
        # log space: sqrt(C(n, k)) overflows and c^(n-k) underflows separately for n ~ 1000
        with np.errstate(divide="ignore"):
            log_c, log_s = np.log(abs(c)), np.log(abs(s))
        # 0 * log(0) = 0 (0^0 = 1): only k = 0 survives when s = 0, only k = n when c = 0
        with np.errstate(invalid="ignore"):
            log_mag = (
                0.5 * log_binomial(n, k) + np.where(k < n, (n - k) * log_c, 0.0) + np.where(k > 0, k * log_s, 0.0)
            )
        amp = np.exp(log_mag) * np.sign(c) ** (n - k) * np.sign(s) ** k * np.exp(1j * ph[0] * k)
        return amp / np.linalg.norm(amp)
    vec = np.ones(1, dtype=complex)
    for q in range(n):  # qubit q is the (q)-th least significant bit: kron(new, old)
        single = np.array([np.cos(th[q] / 2), np.exp(1j * ph[q]) * np.sin(th[q] / 2)], dtype=complex)
        vec = np.kron(single, vec)
    return vec


def dicke(n: int, k: int, basis: Basis = "qubits") -> np.ndarray:
    """Dicke state ``|D_k^n>``: equal superposition of all basis states with k ones."""
    n = check_n(n)
    _check_basis(basis, n)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if not 0 <= k <= n:
        raise ValueError(f"Dicke excitation number k = {k} must satisfy 0 <= k <= n = {n}")
    amps = np.zeros(n + 1, dtype=complex)
    amps[int(k)] = 1.0
    return amps if basis == "dicke" else from_symmetric(amps)


def symmetric(amplitudes: Sequence[complex] | np.ndarray, basis: Basis = "qubits") -> np.ndarray:
    """``sum_k a_k |D_k^n>`` with n = len(amplitudes) - 1, normalised.

    Raises ``ValueError`` for fewer than two amplitudes or a zero norm.
    """
    amps = np.asarray(amplitudes, dtype=complex).reshape(-1)
    if amps.size < 2:
        raise ValueError(f"need n+1 >= 2 amplitudes, got {amps.size}")
    norm = np.linalg.norm(amps)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("amplitudes have zero (or non-finite) norm")
    n = amps.size - 1
    _check_basis(basis, n)
    amps = amps / norm
    return amps if basis == "dicke" else from_symmetric(amps)
