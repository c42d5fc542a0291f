"""Phase encoding ``U(theta) = exp(-i theta J_axis)`` and the labelled sensing window.

``J_a = 1/2 sum_q a . sigma_q`` (seed 001 eqs. 5-6), so
``exp(-i theta J_a) = prod_q exp(-i theta/2 a . sigma_q)``: one single-qubit
rotation per qubit, exactly (no global phase). For ``a = z`` this is ``RZ(theta)``
on every qubit (PHYSICS.md); for x, y it is ``RX``/``RY``; for a general unit
vector it is ``V(a) RZ(theta) V(a)^dag`` with ``V(a)`` from ``rotations``.
``theta`` may be a float or a qiskit ``Parameter`` (one transpiled circuit per
sweep); metadata records a parameter by its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import TypeAlias

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterExpression
from qiskit.circuit.library import RXGate, RYGate, RZGate

from bellsense.axes import AxisLike, unit_axis
from bellsense.spin import check_n

from .networks import check_sizes, sensor_qubits
from .rotations import append_axis_to_z, append_z_to_axis

AngleValue: TypeAlias = float | ParameterExpression

#: The encoding angle shared by every layer (design.md, "Parameters"): reuse this object.
THETA = Parameter("theta")
#: The label of the window rotation; the noise layer attaches channels to it, hardware replaces it.
WINDOW_LABEL = "sensing_window"

_NAMED_GATES = {"x": RXGate, "y": RYGate, "z": RZGate}


def angle_record(value: AngleValue) -> float | str:
    """JSON form of an angle: a float, or the parameter's name (an expression as its string)."""
    if isinstance(value, Parameter):
        return value.name
    if isinstance(value, ParameterExpression):
        return str(value)
    return float(value)


def _check_angle(value, name: str) -> AngleValue:
    if isinstance(value, ParameterExpression):
        return value
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number or a qiskit Parameter, got {type(value).__name__}")
    if not np.isfinite(float(value)):
        raise ValueError(f"{name} = {value} is not finite")
    return float(value)


def _axis_name(axis: AxisLike) -> str | None:
    return axis.strip().lower() if isinstance(axis, str) else None


def append_rotation(
    qc: QuantumCircuit, qubit: int, angle: AngleValue, axis: AxisLike, label: str | None = None
) -> None:
    """Append ``exp(-i angle/2 a . sigma)`` on ``qubit`` (a labelled RZ conjugated for non-z axes)."""
    vec = unit_axis(axis)
    name = _axis_name(axis)
    if label is None and name in _NAMED_GATES:
        qc.append(_NAMED_GATES[name](angle), [qubit])
        return
    if np.array_equal(vec, [0.0, 0.0, 1.0]):
        qc.append(RZGate(angle, label=label), [qubit])
        return
    append_axis_to_z(qc, qubit, vec)
    qc.append(RZGate(angle, label=label), [qubit])
    append_z_to_axis(qc, qubit, vec)


def phase_encoding(n: int, theta: AngleValue | Sequence[AngleValue], axis: AxisLike = "z") -> QuantumCircuit:
    """``exp(-i theta J_axis)`` on n qubits; per-qubit phases if ``theta`` has n entries.

    Parameters
    ----------
    n : int
        Number of qubits, n >= 1.
    theta : float, Parameter, or sequence of n of them
        Scalar: the collective encoding ``exp(-i theta J_axis)`` (use :data:`THETA`
        for sweeps). Sequence: ``prod_q exp(-i theta_q/2 a . sigma_q)``.
    axis : {"x", "y", "z"} or unit 3-vector
        ``a``; non-unit or zero vectors raise ``ValueError`` (``axes.unit_axis``).
    """
    n = check_n(n)
    vec = unit_axis(axis)
    if isinstance(theta, (str, bytes)):
        raise TypeError("theta must be a real number, a qiskit Parameter or a sequence of them, not a string")
    if isinstance(theta, (Sequence, np.ndarray)):
        thetas = [_check_angle(t, f"theta[{q}]") for q, t in enumerate(theta)]
        if len(thetas) != n:
            raise ValueError(f"theta has {len(thetas)} entries but n = {n}; give one angle or one per qubit")
        record: float | str | list = [angle_record(t) for t in thetas]
    else:
        thetas = [_check_angle(theta, "theta")] * n
        record = angle_record(thetas[0])
    qc = QuantumCircuit(n, name="encoding")
    for q in range(n):
        append_rotation(qc, q, thetas[q], axis)
    qc.metadata = {"encoding": {"axis": vec.tolist(), "theta": record}}
    return qc


def sensor_encoding(
    sizes: Sequence[int],
    thetas: Sequence[AngleValue] | None = None,
    axis: AxisLike = "z",
    n: int | None = None,
) -> QuantumCircuit:
    """Per-sensor encoding ``prod_k exp(-i phi_k J_axis^(k))`` for a network (seed 002).

    Sensor k owns the contiguous qubits of ``networks.sensor_qubits(sizes)``.
    The generators of different sensors commute, so this is one rotation per qubit.

    Parameters
    ----------
    sizes : sequence of int
        Qubits per sensor (0 allowed for a sensor without qubits).
    thetas : sequence of float or Parameter, optional
        One angle per sensor; default ``Parameter("theta_k")`` for sensor k.
    axis : {"x", "y", "z"} or unit 3-vector
    n : int, optional
        If given, ``sum(sizes)`` must equal n.
    """
    sizes = check_sizes(sizes, None if n is None else check_n(n), allow_empty=True)
    vec = unit_axis(axis)
    if thetas is None:
        thetas = [Parameter(f"theta_{k}") for k in range(len(sizes))]
    thetas = [_check_angle(t, f"thetas[{k}]") for k, t in enumerate(thetas)]
    if len(thetas) != len(sizes):
        raise ValueError(f"got {len(thetas)} angles for {len(sizes)} sensors; give one per sensor")
    qc = QuantumCircuit(sum(sizes), name="sensor_encoding")
    for theta, qubits in zip(thetas, sensor_qubits(sizes)):
        for q in qubits:
            append_rotation(qc, q, theta, axis)
    qc.metadata = {"encoding": {"axis": vec.tolist(), "theta": [angle_record(t) for t in thetas], "sizes": sizes}}
    return qc


def sensing_window(n: int, t: float, phi: AngleValue, axis: AxisLike = "z") -> QuantumCircuit:
    """A sensing window of duration t in a field phi: ``RZ(phi t, label="sensing_window")`` on every qubit.

    This is ``exp(-i phi t J_z)`` (PHYSICS.md: dephasing and emission commute with RZ,
    so noise attached to the labelled gate models "sense for t with noise"). The
    label is the contract: the noise layer attaches its channels to it and the
    hardware layer replaces it by ``delay(t)`` + ``rz``.

    For ``axis != z`` the window is ``V(a) RZ(phi t, label) V(a)^dag``, i.e.
    ``exp(-i phi t J_a)`` with the labelled RZ in the frame where the field axis is z.
    Noise attached to the label then acts along the field axis (dephasing about a,
    not about the lab z axis); lab-frame noise that does not commute with the field
    is not of this form.

    Metadata: ``{"window": {"t", "phi", "axis", "qubits"}}`` (phi as float or parameter name).
    """
    n = check_n(n)
    vec = unit_axis(axis)
    if isinstance(t, bool) or not isinstance(t, (Real, np.floating, np.integer)):
        raise TypeError(f"t must be a real number (the window duration), got {type(t).__name__}")
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"window duration t = {t} must be finite and >= 0")
    phi = _check_angle(phi, "phi")
    angle = phi * float(t)
    qc = QuantumCircuit(n, name="sensing_window")
    for q in range(n):
        append_rotation(qc, q, angle, vec, label=WINDOW_LABEL)
    qc.metadata = {"window": {"t": float(t), "phi": angle_record(phi), "axis": vec.tolist(), "qubits": list(range(n))}}
    return qc
