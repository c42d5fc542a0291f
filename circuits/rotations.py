"""Single-qubit rotations between a spin axis and z: the one place that turns axes into gates.

``V(a) = RZ(phi_a) RY(theta_a)`` (matrix product; RY acts first) is the SU(2)
rotation whose adjoint action maps ``z`` to the unit vector
``a = (sin theta_a cos phi_a, sin theta_a sin phi_a, cos theta_a)``:
``V (Z) V^dag = a . sigma``. Its inverse maps ``a . sigma`` to ``Z``, which is
what a measurement along ``a`` needs (then bit 0 is eigenvalue +1).

For a whole frame ``(e1, e2, xi)`` (``bellsense.axes.frame``) the SU(2) element
``U_F`` with ``U_F X U_F^dag = e1.sigma``, ``U_F Y U_F^dag = e2.sigma``,
``U_F Z U_F^dag = xi.sigma`` is built from the ZYZ Euler angles of the SO(3)
matrix ``[e1 e2 xi]``. SU(2) -> SO(3) is a homomorphism, so the gate sequence
reproduces the rotation exactly up to a sign (a global phase), which no
measurement or conjugation can see.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit

from bellsense.axes import AxisLike, frame, unit_axis

_EULER_TOL = 1e-12


def polar_angles(axis: AxisLike) -> tuple[float, float]:
    """``(theta_a, phi_a)``, polar and azimuthal angle of the unit axis ``a``."""
    x, y, z = unit_axis(axis)
    return float(np.arccos(np.clip(z, -1.0, 1.0))), float(np.arctan2(y, x))


def zyz_angles(rot: np.ndarray) -> tuple[float, float, float]:
    """``(alpha, beta, gamma)`` with ``rot = Rz(alpha) Ry(beta) Rz(gamma)`` (SO(3) matrices)."""
    beta = float(np.arccos(np.clip(rot[2, 2], -1.0, 1.0)))
    if np.sin(beta) > _EULER_TOL:
        alpha = float(np.arctan2(rot[1, 2], rot[0, 2]))
        gamma = float(np.arctan2(rot[2, 1], -rot[2, 0]))
    elif rot[2, 2] > 0:  # beta = 0: a pure z rotation by alpha + gamma
        alpha, gamma = float(np.arctan2(rot[1, 0], rot[0, 0])), 0.0
    else:  # beta = pi: Rz(alpha) Ry(pi) has first column (-cos alpha, -sin alpha, 0)
        alpha, gamma = float(np.arctan2(-rot[1, 0], -rot[0, 0])), 0.0
    return alpha, beta, gamma


def append_axis_to_z(qc: QuantumCircuit, qubit: int, axis: AxisLike) -> None:
    """Append ``V(a)^dag`` on ``qubit``: afterwards a Z measurement measures ``a . sigma``."""
    theta_a, phi_a = polar_angles(axis)
    if phi_a != 0.0:
        qc.rz(-phi_a, qubit)
    if theta_a != 0.0:
        qc.ry(-theta_a, qubit)


def append_z_to_axis(qc: QuantumCircuit, qubit: int, axis: AxisLike) -> None:
    """Append ``V(a)`` on ``qubit`` (the inverse of :func:`append_axis_to_z`)."""
    theta_a, phi_a = polar_angles(axis)
    if theta_a != 0.0:
        qc.ry(theta_a, qubit)
    if phi_a != 0.0:
        qc.rz(phi_a, qubit)


def frame_angles(axis: AxisLike) -> tuple[float, float, float]:
    """ZYZ angles of the frame ``(e1, e2, xi) = axes.frame(axis)`` as an SO(3) matrix."""
    e1, e2, xi = frame(axis)
    return zyz_angles(np.column_stack([e1, e2, xi]))


def append_frame_inverse(qc: QuantumCircuit, qubit: int, axis: AxisLike) -> None:
    """Append ``U_F^dag`` for the frame of ``axis``: maps ``e1.sigma, e2.sigma, xi.sigma`` to X, Y, Z."""
    alpha, beta, gamma = frame_angles(axis)
    # U_F = RZ(alpha) RY(beta) RZ(gamma); its inverse applies RZ(-alpha) first in time.
    for gate, angle in (("rz", -alpha), ("ry", -beta), ("rz", -gamma)):
        if angle != 0.0:
            getattr(qc, gate)(angle, qubit)
