"""Spin-squeezing parameter from collective readouts (seed 004; Wineland form, PHYSICS.md).

``xi^2 = N Var(J_v) / (<J_a>^2 + <J_b>^2)`` with v the variance axis and a, b the axes
perpendicular to it (the ratio is the same for ``S = 2J``). Each collective readout
(metadata ``{"kind": "collective", "axis": [x, y, z]}``) gives ``J_axis = n/2 - w`` per shot.

Bias and errors: ``<J_a>^2`` is estimated without bias as ``m̂_a^2 - s_a^2/N_a``; Var(J_v) is the
unbiased sample variance. Readouts are independent, so with ``D = sum_a <J_a>^2``
``(se xi^2 / xi^2)^2 = (se V / V)^2 + (se D / D)^2`` (delta method; ``se D^2 = sum_a
4 m_a^2 se_a^2 + 2 se_a^4``). When the mean spin is not resolved (``D <= 2 se D``) xi^2 is
undefined (GHZ, Dicke states): the value and error are then ``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...axes import AxisLike, unit_axis
from .estimate import Estimate
from .shots import CountsLike, as_outcomes, hamming_moments

__all__ = ["squeezing_from_counts"]

_PERP_TOL = 1e-6


def squeezing_from_counts(
    results: Sequence[tuple[Mapping[str, Any], CountsLike]], variance_axis: AxisLike = "z"
) -> Estimate:
    """``xi^2`` from collective readouts: one along ``variance_axis``, one or two perpendicular to it.

    Parameters
    ----------
    results : list of (metadata, counts)
        Collective readouts (``kind = "collective"``; ``"computational"`` counts as axis z).
        Readouts along other axes are ignored.
    variance_axis : axis of the variance (the squeezed direction)

    Returns
    -------
    Estimate
        ``details``: variance, mean-spin length squared, their errors, the axes used. With only
        one perpendicular readout the denominator misses the other component, so xi^2 is an
        upper bound (stated in ``method``).
    """
    v_axis = unit_axis(variance_axis)
    var_est = None
    means: list[tuple[list[float], Estimate]] = []
    n_qubits = None
    for item in results:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError("results must be a list of (setting_metadata, counts) pairs")
        meta, counts = item
        if "kind" not in meta and isinstance(meta.get("setting"), Mapping):
            meta = meta["setting"]
        kind = meta.get("kind")
        if kind == "computational":
            axis = np.array([0.0, 0.0, 1.0])
        elif kind == "collective":
            axis = unit_axis(meta.get("axis", "z"))
        else:
            continue
        mean, var = hamming_moments(counts)
        if np.allclose(axis, v_axis, atol=_PERP_TOL) or np.allclose(axis, -v_axis, atol=_PERP_TOL):
            if var_est is not None:
                raise ValueError(f"two readouts along the variance axis {v_axis.tolist()}; give one")
            var_est = var
        elif abs(float(axis @ v_axis)) < _PERP_TOL:
            means.append((axis.tolist(), mean))
        nq = as_outcomes(counts).num_qubits
        if n_qubits is not None and nq != n_qubits:
            raise ValueError(f"readouts have different numbers of qubits ({n_qubits} and {nq})")
        n_qubits = nq
    if var_est is None:
        raise ValueError(f"no collective readout along the variance axis {v_axis.tolist()}")
    if not means:
        raise ValueError(f"no collective readout perpendicular to the variance axis {v_axis.tolist()}")
    if len(means) > 2:
        raise ValueError("more than two readouts perpendicular to the variance axis; give one or two")
    if len(means) == 2 and abs(np.dot(means[0][0], means[1][0])) > _PERP_TOL:
        raise ValueError("the two mean-spin readouts must be along perpendicular axes")
    # collective means and variances are real: complex is only the type of other estimates
    mean_values = [(float(np.real(m.value)), m.stderr) for _, m in means]
    denom = sum(v**2 - s**2 for v, s in mean_values)
    var_denom = sum(4 * v**2 * s**2 + 2 * s**4 for v, s in mean_values)
    se_denom = math.sqrt(var_denom)
    details = {
        "variance": var_est.value,
        "variance_stderr": var_est.stderr,
        "mean_spin_sq": denom,
        "mean_spin_sq_stderr": se_denom,
        "axes": [a for a, _ in means],
        "num_qubits": n_qubits,
    }
    method = "N Var(J_v) / <J_perp>^2" + ("" if len(means) == 2 else " (one perpendicular axis: upper bound)")
    shots = (var_est.shots or 0) + sum(m.shots or 0 for _, m in means)
    if denom <= 2 * se_denom:
        return Estimate(math.inf, math.inf, method=method + "; mean spin not resolved", shots=shots, details=details)
    variance = float(np.real(var_est.value))
    xi2 = float(n_qubits or 0) * variance / denom
    rel = (var_est.stderr / variance) ** 2 if variance > 0 else 0.0
    rel += (se_denom / denom) ** 2
    return Estimate(xi2, abs(xi2) * math.sqrt(rel), method=method, shots=shots, details=details)
