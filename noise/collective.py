"""Collective dephasing: repeated measurement of ``S_z`` at rate kappa (seed 004 eq. 7).

Over a window t the measurement record is lost with probability ``p = 1 - e^{-kappa t}``:

    rho -> (1 - p) rho + p sum_k Pi_k rho Pi_k,

with ``Pi_k`` the projector on the ``S_z = n/2 - k`` eigenspace (k = 0..n). The pinching
``sum_k Pi_k rho Pi_k`` is EXACTLY the uniform mixture of the n+1 collective rotations
``U_j = exp(-i 2 pi j S_z/(n+1)) = RZ(2 pi j/(n+1))^{(x) n}`` (up to a global phase): a
coherence between sectors m, m' picks up ``(1/(n+1)) sum_j e^{-2 pi i j (m - m')/(n+1)}``,
which is 1 for m = m' and 0 for ``0 < |m - m'| <= n``. So the channel is a mixed-unitary
``QuantumError`` with weights ``1 - p + p/(n+1)`` (j = 0) and ``p/(n+1)`` (j = 1..n): no
``4^n`` Kraus matrices, and Aer samples it cheaply on any method.
"""

from __future__ import annotations

import math

import numpy as np
from qiskit import QuantumCircuit
from qiskit_aer.noise import QuantumError

from bellsense.circuits import WINDOW_LABEL  # the one definition of the window label (design.md)

from .channels import _nonneg

__all__ = ["WINDOW_LABEL", "collective_dephasing", "collective_probability", "apply_collective"]


def collective_probability(kappa: float, t: float) -> float:
    """``p = 1 - e^{-kappa t}`` of the collective dephasing over a window t."""
    kappa, t = _nonneg(kappa, "kappa (collective dephasing rate)"), _nonneg(t, "t (window duration)")
    return -math.expm1(-kappa * t)


def collective_dephasing(kappa: float, t: float, *, n: int) -> QuantumError:
    """n-qubit collective dephasing (seed 004 eq. 7) as a mixture of collective z rotations.

    Rate first, then t (the layer's order); the number of qubits n is keyword-only.

    Lindblad (measurement of ``S_z`` at rate kappa, written as a pinching rate):
    ``d rho/dt = kappa (sum_k Pi_k rho Pi_k - rho)``, integrated to
    ``(1-p) rho + p sum_k Pi_k rho Pi_k``, ``p = 1 - e^{-kappa t}``.
    Realised as ``sum_j w_j U_j rho U_j^dag`` with ``U_j = RZ(2 pi j/(n+1))`` on every qubit,
    ``w_0 = 1 - p + p/(n+1)``, ``w_j = p/(n+1)`` (j = 1..n).

    Raises
    ------
    ValueError
        If ``n < 1``, ``kappa < 0`` or ``t < 0``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    n = int(n)
    p = collective_probability(kappa, t)
    ops = []
    for j in range(n + 1):
        rot = QuantumCircuit(n, name=f"collective_rz_{j}")
        if j:
            rot.rz(2.0 * math.pi * j / (n + 1), range(n))
        weight = (1.0 - p + p / (n + 1)) if j == 0 else p / (n + 1)
        ops.append((rot, weight))
    return QuantumError(ops)


def apply_collective(circuit: QuantumCircuit, kappa: float, t: float | None = None) -> QuantumCircuit:
    """A copy of ``circuit`` with collective dephasing inserted right after its sensing window.

    The channel acts on the qubits carrying ``RZGate(..., label="sensing_window")`` and is placed
    after the last of those gates. ``t`` defaults to ``circuit.metadata["window"]["t"]``.
    Aer (``backends.aer``) executes the ``QuantumError`` instruction on every method.

    Raises
    ------
    ValueError
        If the circuit has no sensing-window gate, its window axis (metadata) is not z (S_z
        dephasing commutes with the window only then), or t is neither given nor in the metadata.
    """
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(f"circuit must be a qiskit QuantumCircuit, got {type(circuit).__name__}")
    positions = [i for i, inst in enumerate(circuit.data) if inst.operation.label == WINDOW_LABEL]
    if not positions:
        raise ValueError(
            f"circuit has no gate labelled {WINDOW_LABEL!r}; build it with circuits.sensing_window"
        )
    window = (circuit.metadata or {}).get("window", {})
    if "axis" in window and not np.allclose(window["axis"], [0.0, 0.0, 1.0]):
        raise ValueError(
            f"collective dephasing measures S_z and commutes with the window only for a z field; "
            f"this window's axis is {window['axis']}"
        )
    if t is None:
        if "t" not in window or isinstance(window["t"], str):
            raise ValueError("window duration t not given and circuit.metadata['window']['t'] is not a number")
        t = float(window["t"])
    qubits = sorted({circuit.find_bit(q).index for i in positions for q in circuit.data[i].qubits})
    error = collective_dephasing(kappa, t, n=len(qubits))
    out = circuit.copy_empty_like()
    last = positions[-1]
    for i, inst in enumerate(circuit.data):
        out.append(inst)
        if i == last:
            out.append(error, qubits)
    return out
