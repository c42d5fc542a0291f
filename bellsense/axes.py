"""Spin axes: parsing and the right-handed frame used for sigma_+/- (PHYSICS.md, Conventions).

One definition for the whole code base: every module that needs an axis or the
raising/lowering frame relative to an axis calls these two functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

AxisLike = str | Sequence[float] | np.ndarray

_NAMED = {
    "x": np.array([1.0, 0.0, 0.0]),
    "y": np.array([0.0, 1.0, 0.0]),
    "z": np.array([0.0, 0.0, 1.0]),
}
_UNIT_TOL = 1e-9


def unit_axis(axis: AxisLike) -> np.ndarray:
    """Return ``axis`` as a unit 3-vector (float64 array of shape (3,)).

    Parameters
    ----------
    axis : {"x", "y", "z"} or array_like of 3 floats
        A named axis, or a unit vector ``(x, y, z)``.

    Raises
    ------
    ValueError
        For an unknown name, a vector that is not of length 3, a zero-length
        vector, or a vector whose norm differs from 1 by more than 1e-9.
        Non-unit vectors are rejected rather than normalised so that a typo
        never silently changes the physics.
    """
    if isinstance(axis, str):
        key = axis.strip().lower()
        if key not in _NAMED:
            raise ValueError(f"unknown axis {axis!r}: use 'x', 'y', 'z' or a unit 3-vector")
        return _NAMED[key].copy()
    try:
        vec = np.asarray(axis, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"axis {axis!r} is not 'x', 'y', 'z' or a 3-vector of floats") from exc
    if vec.shape != (3,):
        raise ValueError(f"axis must have 3 components, got {vec.size}")
    if not np.all(np.isfinite(vec)):
        raise ValueError(f"axis {vec.tolist()} has non-finite components")
    norm = float(np.linalg.norm(vec))
    if norm == 0.0:
        raise ValueError("axis has zero length: give a unit 3-vector or 'x', 'y', 'z'")
    if abs(norm - 1.0) > _UNIT_TOL:
        raise ValueError(f"axis {vec.tolist()} has norm {norm:.6g}; it must be a unit vector")
    return vec / norm


def frame(axis: AxisLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right-handed frame ``(e1, e2, xi)`` with ``xi`` the given axis.

    ``sigma_pm = (sigma_e1 +/- i sigma_e2) / 2`` relative to ``xi`` (PHYSICS.md).
    For ``xi = z`` the frame is ``(x, y, z)``; for ``xi = x`` it is ``(y, z, x)``.
    In general ``e1`` is the projection of ``x`` (or of ``y`` when ``xi`` is
    within ~26 degrees of ``x``) on the plane normal to ``xi``, and
    ``e2 = xi x e1``. A rotation of ``(e1, e2)`` about ``xi`` only multiplies
    ``sigma_+`` by a phase, so every ``|<...>|^2`` correlator is frame-independent.
    """
    xi = unit_axis(axis)
    ref = _NAMED["x"] if abs(xi[0]) < 0.9 else _NAMED["y"]
    e1 = ref - np.dot(ref, xi) * xi
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(xi, e1)
    return e1, e2, xi
