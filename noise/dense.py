"""The same window channels applied directly to a dense density matrix (numpy, no simulator).

This is the closed-form path that the Aer path (``window_noise_model`` + ``backends.aer``) is
checked against, and the fast path for sweeps over t on small n: each local channel is applied
as its 2x2 Kraus operators contracted on one tensor index, O(n 4^n) per channel layer.
Qiskit order: qubit q is bit q of a basis index (the rightmost tensor factor is qubit 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit.quantum_info import Kraus
from qiskit_aer.noise import QuantumError

from .collective import collective_probability

__all__ = ["as_density", "kraus_operators", "apply_local", "apply_collective_dense"]


def as_density(state) -> np.ndarray:
    """A state vector (``2^n``) or density matrix (``2^n x 2^n``) as a dense density matrix."""
    arr = np.asarray(getattr(state, "data", state), dtype=complex)
    if arr.ndim == 1:
        arr = np.outer(arr, arr.conj())
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] & (arr.shape[0] - 1) or arr.shape[0] < 2:
        raise ValueError(f"need a 2^n state vector or 2^n x 2^n density matrix, got shape {arr.shape}")
    return arr


def kraus_operators(error: QuantumError) -> np.ndarray:
    """Kraus operators of a 1-qubit ``QuantumError``, shape ``(k, 2, 2)``."""
    if not isinstance(error, QuantumError):
        raise TypeError(f"need a qiskit_aer QuantumError, got {type(error).__name__}")
    if error.num_qubits != 1:
        raise ValueError(f"need a 1-qubit error, got {error.num_qubits} qubits")
    return np.asarray(Kraus(error.to_quantumchannel()).data, dtype=complex)


def apply_local(state, channels: Sequence[QuantumError] | Sequence[np.ndarray]) -> np.ndarray:
    """``rho -> (E_{n-1} x ... x E_0)(rho)``: channel q (QuantumError or Kraus array) on qubit q.

    Returns a new ``2^n x 2^n`` ndarray.
    """
    rho = as_density(state)
    n = rho.shape[0].bit_length() - 1
    if len(channels) != n:
        raise ValueError(f"got {len(channels)} channels for n = {n} qubits; give one per qubit")
    for q, chan in enumerate(channels):
        ks = kraus_operators(chan) if isinstance(chan, QuantumError) else np.asarray(chan, dtype=complex)
        # superoperator on qubit q's (row, column) bits: S[a, d, b, c] = sum_k K_ab conj(K_dc)
        sup = np.einsum("kab,kdc->adbc", ks, ks.conj())
        hi, lo = 1 << (n - 1 - q), 1 << q  # index = (high bits, bit q, low bits), Qiskit order
        view = rho.reshape(hi, 2, lo, hi, 2, lo)
        out = np.zeros_like(view)
        for a, d, b, c in zip(*np.nonzero(np.abs(sup) > 0)):  # <= 16 strided block updates, no transposes
            out[:, a, :, :, d, :] += sup[a, d, b, c] * view[:, b, :, :, c, :]
        rho = out.reshape(rho.shape)
    return rho


def apply_collective_dense(state, kappa: float, t: float) -> np.ndarray:
    """Collective dephasing (seed 004 eq. 7) on a dense matrix: ``(1-p) rho + p sum_k Pi_k rho Pi_k``.

    Element ``(i, j)`` is kept if basis states i and j have the same number of ones (same S_z
    sector) and multiplied by ``1 - p`` otherwise, ``p = 1 - e^{-kappa t}``.
    """
    rho = as_density(state)
    p = collective_probability(kappa, t)
    idx = np.arange(rho.shape[0])
    weight = np.array([bin(i).count("1") for i in idx])
    same = weight[:, None] == weight[None, :]
    return np.where(same, rho, (1.0 - p) * rho)
