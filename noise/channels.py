"""Single-qubit noise channels from physical rates and a window duration.

Lindblad form (PHYSICS.md): ``d rho/dt = sum_a gamma_a (L_a rho L_a^dag - 1/2 {L_a^dag L_a, rho})``.
Each function integrates its Lindbladian exactly over a time t and returns the resulting
channel as a ``qiskit_aer.noise.QuantumError``. All channels here are phase covariant (they
commute with ``RZ``), so applying them after the window's ``RZ(phi t)`` is exact (seed 003).
Dephasing and emission also commute with each other, so "both at once" is their composition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from qiskit_aer.noise import QuantumError, kraus_error, pauli_error

__all__ = [
    "dephasing",
    "emission",
    "thermal",
    "local_channel",
    "local_channels",
    "per_qubit",
    "dephasing_probability",
    "emission_probability",
]

Direction = Literal["down", "up"]
RateLike = float | Sequence[float] | np.ndarray


def _nonneg(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def dephasing_probability(gamma: float, t: float) -> float:
    """Phase-flip probability ``p = (1 - e^{-2 gamma t})/2`` of ``L = sigma_z`` at rate gamma."""
    gamma, t = _nonneg(gamma, "gamma (dephasing rate)"), _nonneg(t, "t (window duration)")
    return 0.5 * (-math.expm1(-2.0 * gamma * t))


def emission_probability(gamma: float, t: float) -> float:
    """Amplitude-damping probability ``p = 1 - e^{-gamma t}`` of ``L = sigma_-`` at rate gamma."""
    gamma, t = _nonneg(gamma, "gamma (emission rate)"), _nonneg(t, "t (window duration)")
    return -math.expm1(-gamma * t)


def dephasing(gamma: float, t: float) -> QuantumError:
    """Local dephasing ``L = sigma_z`` at rate gamma over a window t (seed 003).

    Lindblad: ``d rho/dt = gamma (Z rho Z - rho)``, so a coherence decays as ``e^{-2 gamma t}``.
    Kraus map: phase flip ``rho -> (1-p) rho + p Z rho Z`` with ``p = (1 - e^{-2 gamma t})/2``
    (equivalently Aer's ``phase_damping_error(lam)``, ``lam = 1 - e^{-4 gamma t}``).

    Raises
    ------
    ValueError
        If ``gamma < 0`` or ``t < 0`` (or not finite).
    """
    p = dephasing_probability(gamma, t)
    return pauli_error([("I", 1.0 - p), ("Z", p)])


def emission(gamma: float, t: float, direction: Direction = "down") -> QuantumError:
    """Spontaneous emission (amplitude damping) at rate gamma over a window t.

    Lindblad: ``d rho/dt = gamma (L rho L^dag - 1/2 {L^dag L, rho})`` with
    ``L = |0><1|`` for ``direction="down"`` (relaxes ``|1> -> |0>``, the Aer/hardware ground
    state; Aer's ``amplitude_damping_error(p)``) or ``L = |1><0|`` for ``direction="up"``
    (seed 003's ``sigma_-`` with ``|0> = up``: relaxes ``|0> -> |1>``).
    Kraus map (down): ``K0 = diag(1, sqrt(1-p))``, ``K1 = sqrt(p) |0><1|`` with
    ``p = 1 - e^{-gamma t}``; "up" is the same conjugated by X. Populations move with
    probability p, coherences decay as ``e^{-gamma t/2}``.

    Raises
    ------
    ValueError
        If ``gamma < 0``, ``t < 0`` or ``direction`` is not "down"/"up".
    """
    if direction not in ("down", "up"):
        raise ValueError(f"emission direction must be 'down' (|1> -> |0>) or 'up' (|0> -> |1>), got {direction!r}")
    p = emission_probability(gamma, t)
    s, c = math.sqrt(p), math.sqrt(1.0 - p)
    if direction == "down":
        kraus = [np.array([[1.0, 0.0], [0.0, c]]), np.array([[0.0, s], [0.0, 0.0]])]
    else:
        kraus = [np.array([[c, 0.0], [0.0, 1.0]]), np.array([[0.0, 0.0], [s, 0.0]])]
    return kraus_error(kraus)


def local_channel(
    dephasing_rate: float, emission_rate: float, t: float, *, direction: Direction = "down"
) -> QuantumError:
    """Dephasing and emission acting at the same time (one Lindbladian with both ``L``'s).

    Arguments follow the layer's order: rates first, then the window time t (as in
    ``dephasing(gamma, t)``); options are keyword-only.

    The two generators commute as superoperators (both are phase covariant and the dephasing
    dissipator commutes with the amplitude-damping one), so the exact channel is the
    composition ``emission(gamma_e, t) o dephasing(gamma_d, t)``: populations relax with
    ``p = 1 - e^{-gamma_e t}``, coherences decay as ``e^{-(gamma_e/2 + 2 gamma_d) t}``.
    """
    deph = dephasing(dephasing_rate, t)
    emi = emission(emission_rate, t, direction)
    if emission_rate == 0.0:
        return deph
    if dephasing_rate == 0.0:
        return emi
    return deph.compose(emi)


def thermal(T1: float, T2: float, t: float) -> QuantumError:
    """Hardware-like T1/T2 relaxation (zero temperature) over a window t.

    Lindblad: emission (down) at rate ``1/T1`` plus dephasing ``L = sigma_z`` at rate
    ``gamma_phi = (1/T2 - 1/(2 T1))/2``, so populations relax as ``e^{-t/T1}`` and coherences
    decay as ``e^{-t/T2}``. Equal to Aer's ``thermal_relaxation_error(T1, T2, t)``.
    Needs ``T2 <= 2 T1`` (otherwise ``gamma_phi < 0``: not a physical channel).

    Raises
    ------
    ValueError
        If T1 or T2 is not positive, ``t < 0``, or ``T2 > 2 T1``.
    """
    for name, val in (("T1", T1), ("T2", T2)):
        if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a real number, got {type(val).__name__}")
        if not (float(val) > 0 and math.isfinite(float(val))):
            raise ValueError(f"{name} must be a finite time > 0, got {val}")
    T1, T2 = float(T1), float(T2)
    if T2 > 2.0 * T1:
        raise ValueError(f"T2 = {T2} > 2 T1 = {2 * T1}: not physical; need T2 <= 2 T1")
    gamma_phi = max(0.0, 0.5 * (1.0 / T2 - 0.5 / T1))  # clip rounding at T2 == 2 T1
    return local_channel(gamma_phi, 1.0 / T1, t)


def per_qubit(rates: RateLike, n: int, name: str = "rate") -> np.ndarray:
    """Broadcast a scalar rate to n qubits, or check a per-qubit list has length n (all >= 0).

    Raises
    ------
    ValueError
        For a list whose length is not n, or a negative / non-finite entry.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    arr = np.asarray(rates, dtype=float)
    if arr.ndim == 0:
        arr = np.full(int(n), float(arr))
    elif arr.ndim != 1 or arr.size != n:
        raise ValueError(f"{name} has {arr.size} entries but n = {n}; give one value or exactly one per qubit")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} entries must be finite and >= 0, got {arr.tolist()}")
    return arr


def local_channels(
    dephasing_rate: RateLike,
    emission_rate: RateLike,
    t: float,
    *,
    n: int,
    direction: Direction = "down",
) -> list[QuantumError]:
    """One :func:`local_channel` per qubit (entry q acts on qubit q), from scalar or per-qubit rates.

    Rates first, then t; the number of qubits n and the direction are keyword-only.
    """
    deph = per_qubit(dephasing_rate, n, "dephasing rates")
    emi = per_qubit(emission_rate, n, "emission rates")
    return [local_channel(float(d), float(e), t, direction=direction) for d, e in zip(deph, emi)]
