"""Measurement settings: a basis change then ``measure_all()`` into the register ``meas``.

Measuring qubit q along a unit axis ``a`` = rotating ``a`` to z, then measuring Z;
outcome bit 0 is eigenvalue +1 of ``a . sigma`` (design.md, "Bits"). Every
circuit carries ``metadata["setting"]`` exactly as design.md specifies; nothing
here prepares or encodes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterExpression

from bellsense.axes import AxisLike, unit_axis
from bellsense.spin import check_n

from .encoding import angle_record
from .rotations import append_axis_to_z, append_frame_inverse

#: The Bell-setting phase shared by every layer (design.md, "Parameters"): reuse this object.
BELL_PHI = Parameter("bell_phi")
#: Largest n for full Pauli tomography (3^n settings).
MAX_PAULI_QUBITS = 6


def _measured(qc: QuantumCircuit, setting: dict) -> QuantumCircuit:
    qc.measure_all()
    qc.metadata = {"setting": setting}
    return qc


def _signs(signs, n: int) -> list[int]:
    if signs is None:
        return [1] * n
    values = list(signs)
    if len(values) != n:
        raise ValueError(f"signs has {len(values)} entries but n = {n}; give +1 or -1 per qubit")
    out = []
    for q, s in enumerate(values):
        if s not in (1, -1) or isinstance(s, bool):
            raise ValueError(f"signs[{q}] = {s!r}: each sign must be +1 (raised, set A) or -1 (lowered, set B)")
        out.append(int(s))
    return out


def _num_phases(n: int, num_phases) -> int:
    if num_phases is None:
        return n + 1
    if isinstance(num_phases, bool) or not isinstance(num_phases, (int, np.integer)):
        raise TypeError(f"num_phases must be an int, got {type(num_phases).__name__}")
    if num_phases < n + 1:
        raise ValueError(
            f"num_phases = {num_phases} < n + 1 = {n + 1}: the Fourier formula needs at least n+1 phases "
            "(n+1 is the default; 2n+2 is a common choice)"
        )
    return int(num_phases)


def bell_phases(n: int, num_phases: int | None = None) -> np.ndarray:
    """The phases ``phi_j = pi j / P``, ``j = 0..P-1``, with ``P = n+1`` by default (PHYSICS.md).

    Any ``P >= n+1`` separates the ``e^{-i n phi}`` coefficient exactly:
    ``<prod sigma_+> = 1/P sum_j e^{i n phi_j} <M(phi_j)>``.
    """
    num = _num_phases(check_n(n), num_phases)
    return np.pi * np.arange(num) / num


def bell_setting(
    n: int,
    phi: float | ParameterExpression = BELL_PHI,
    signs: Sequence[int] | None = None,
    axis: AxisLike = "z",
    index: int | None = None,
    num_phases: int | None = None,
) -> QuantumCircuit:
    """One Bell-correlator setting: qubit q measured along ``cos(s_q phi) e1 + sin(s_q phi) e2``.

    ``(e1, e2, xi) = axes.frame(axis)``. Since ``cos(phi) X + sin(phi) Y =
    e^{-i phi} sigma_+ + e^{i phi} sigma_-`` (in the frame), the parity
    ``<M(phi)> = <prod_q (cos(s_q phi) sigma_e1 + sin(s_q phi) sigma_e2)_q>`` has the
    ``e^{-i n phi}`` Fourier coefficient ``<prod_A sigma_+ prod_B sigma_->``, with
    B the qubits of sign -1 (seed 001; PHYSICS.md). Gates: ``U_F^dag`` (frame to
    x, y, z; omitted for xi = z), ``RZ(-s_q phi)``, ``RY(-pi/2)``.

    ``phi`` may be a ``Parameter`` (default :data:`BELL_PHI`): one circuit for the
    whole sweep, bound to :func:`bell_phases`. Metadata ``{"setting": {"kind": "bell",
    "phi", "index", "num_phases", "signs", "axis"}}``; ``index``/``num_phases``
    are recorded as given (None for a parameterised circuit unless supplied).
    """
    n = check_n(n)
    s = _signs(signs, n)
    xi = unit_axis(axis)
    if num_phases is not None:
        num_phases = _num_phases(n, num_phases)
    if not isinstance(phi, ParameterExpression):
        if isinstance(phi, bool) or not np.isfinite(float(phi)):
            raise ValueError(f"phi = {phi!r} must be a finite angle or a qiskit Parameter")
        phi = float(phi)
    in_z_frame = np.array_equal(xi, [0.0, 0.0, 1.0])
    qc = QuantumCircuit(n, name="bell")
    for q in range(n):
        if not in_z_frame:
            append_frame_inverse(qc, q, xi)
        qc.rz(-s[q] * phi, q)
        qc.ry(-np.pi / 2, q)
    setting = {
        "kind": "bell",
        "phi": angle_record(phi),
        "index": None if index is None else int(index),
        "num_phases": num_phases,
        "signs": s,
        "axis": xi.tolist(),
    }
    return _measured(qc, setting)


def bell_settings(
    n: int, num_phases: int | None = None, signs: Sequence[int] | None = None, axis: AxisLike = "z"
) -> list[QuantumCircuit]:
    """The P Bell settings ``phi_j = pi j / P`` (j = 0..P-1, default P = n+1; 2n+2 etc. allowed).

    See :func:`bell_setting`. Bound-valued circuits; for one parameterised circuit
    use ``bell_setting(n, BELL_PHI, ...)`` with :func:`bell_phases`.
    """
    n = check_n(n)
    P = _num_phases(n, num_phases)
    return [bell_setting(n, float(p), signs, axis, index=j, num_phases=P) for j, p in enumerate(bell_phases(n, P))]


def _xz_setting(n: int, angle: float, info: dict) -> QuantumCircuit:
    # cos(a) Z + sin(a) X = RY(a) Z RY(a)^dag, so RY(-a) maps it to Z.
    qc = QuantumCircuit(n, name=f"pi_bell_{info['role']}")
    for q in range(n):
        if angle != 0.0:
            qc.ry(-angle, q)
    return _measured(qc, {"kind": "pi_bell", "angle": float(angle), **info})


def pi_bell_settings(n: int, phi: float, theta: float) -> list[QuantumCircuit]:
    """Settings for the two-body permutationally invariant Bell inequality (seed 004).

    Every qubit is measured along ``cos(a) Z + sin(a) X`` with ``a`` =
    ``phi`` (M0), ``theta`` (M1) and a third angle that gives ``C_01``:

    * ``"bisector"``, ``a = (phi + theta)/2``: ``M0 + M1 = 2 cos((phi-theta)/2) M_a``,
      so ``C_00 + C_11 + 2 C_01 = 4 cos^2((phi-theta)/2) C_aa``;
    * ``"antibisector"``, ``a = (phi + theta)/2 + pi/2``: ``M0 - M1 = 2 sin((phi-theta)/2) M_a``,
      so ``C_00 + C_11 - 2 C_01 = 4 sin^2((phi-theta)/2) C_aa``.

    The antibisector is used when ``|cos((phi-theta)/2)| < |sin((phi-theta)/2)|``,
    which keeps the factor dividing ``C_aa`` at least 2 (PHYSICS.md: "if that
    cosine is near zero, use M0 - M1").

    Returns ``[M0, M1, third]``; metadata ``{"kind": "pi_bell", "role", "angle", "phi", "theta"}``.
    """
    n = check_n(n)
    for name, value in (("phi", phi), ("theta", theta)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a real angle, got {type(value).__name__}")
        if not np.isfinite(value):
            raise ValueError(f"{name} = {value} is not finite")
    phi, theta = float(phi), float(theta)
    half = (phi - theta) / 2
    mid = (phi + theta) / 2
    third = ("bisector", mid) if abs(np.cos(half)) >= abs(np.sin(half)) else ("antibisector", mid + np.pi / 2)
    base = {"phi": phi, "theta": theta}
    return [
        _xz_setting(n, phi, {"role": "M0", **base}),
        _xz_setting(n, theta, {"role": "M1", **base}),
        _xz_setting(n, third[1], {"role": third[0], **base}),
    ]


def collective_readout(n: int, axis: AxisLike = "z") -> QuantumCircuit:
    """Every qubit measured along ``axis``: Hamming weight w gives ``J_axis = n/2 - w``; parity ``(-1)^w``."""
    n = check_n(n)
    vec = unit_axis(axis)
    qc = QuantumCircuit(n, name="collective")
    for q in range(n):
        append_axis_to_z(qc, q, vec)
    return _measured(qc, {"kind": "collective", "axis": vec.tolist()})


def computational_readout(n: int) -> QuantumCircuit:
    """Plain Z readout of every qubit (setting ``{"kind": "computational"}``)."""
    n = check_n(n)
    return _measured(QuantumCircuit(n, name="computational"), {"kind": "computational"})


def pauli_setting(paulis: Sequence[str]) -> QuantumCircuit:
    """Qubit q measured in Pauli ``paulis[q]`` (X: H; Y: S^dag then H; Z: nothing)."""
    labels = [str(p).upper() for p in paulis]
    if not labels or any(p not in ("X", "Y", "Z") for p in labels):
        raise ValueError(f"paulis {list(paulis)!r} must be a non-empty sequence of 'X', 'Y', 'Z' (entry q for qubit q)")
    qc = QuantumCircuit(len(labels), name="pauli_" + "".join(labels))
    for q, p in enumerate(labels):
        if p == "Y":
            qc.sdg(q)
        if p in ("X", "Y"):
            qc.h(q)
    return _measured(qc, {"kind": "pauli", "paulis": labels})


def pauli_settings(n: int) -> list[QuantumCircuit]:
    """All ``3^n`` Pauli measurement bases for state tomography, n <= 6.

    Order: ``itertools.product("XYZ", repeat=n)`` with entry q for qubit q.
    """
    n = check_n(n)
    if n > MAX_PAULI_QUBITS:
        raise ValueError(f"n = {n}: Pauli tomography needs 3^n settings; allowed n <= {MAX_PAULI_QUBITS}")
    return [pauli_setting(labels) for labels in itertools.product("XYZ", repeat=n)]
