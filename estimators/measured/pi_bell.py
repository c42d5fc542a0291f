"""Two-body permutationally invariant Bell inequality from counts (seed 004, PHYSICS.md).

Settings (metadata ``{"kind": "pi_bell", "role", "angle", "phi", "theta"}``): every qubit is
measured along ``cos(a) Z + sin(a) X`` with ``a = phi`` (role ``"M0"``), ``a = theta``
(``"M1"``) and a third angle, the bisector ``a_b = (phi + theta)/2`` or the antibisector
``a_b + pi/2``. With ``C = sum_i m_i = n - 2w`` per shot (w the Hamming weight):

* ``C_r = <C>`` and ``C_rr = <C^2> - N`` from setting r;
* bisector: ``M_0 + M_1 = 2 cos(d) M_b`` (``d = (phi - theta)/2``), so
  ``C_01 = (4 cos^2(d) C_bb - C_00 - C_11)/2`` and
  ``<B> = 2N - 2 C_0 + C_00 + C_11 - 2 cos^2(d) C_bb``;
* antibisector: ``M_0 - M_1 = 2 sin(d) M_a``, so ``C_01 = (C_00 + C_11 - 4 sin^2(d) C_aa)/2`` and
  ``<B> = 2N - 2 C_0 + 2 sin^2(d) C_aa``,

with ``B = 2N - 2 C_0 + C_00/2 - C_01 + C_11/2`` (seed 004 eq. 1); local models give ``<B> >= 0``.

Errors: ``<B>`` is a sum over independent settings of sample means of per-shot polynomials in C
(e.g. ``C^2 - 2C`` for M0), so its variance is ``sum_s Var(g_s)/N_s`` exactly (sample variances,
ddof = 1), with no linearisation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .estimate import Estimate, _json_number, z_for_confidence
from .shots import CountsLike, as_outcomes

__all__ = ["PIBellResult", "pi_bell_from_counts"]

_ROLES = ("M0", "M1", "bisector", "antibisector")
_ANGLE_TOL = 1e-6


def _collective_sums(data: CountsLike) -> tuple[np.ndarray, np.ndarray, int]:
    """Per distinct outcome ``C = n - 2w`` and its counts, plus n."""
    out = as_outcomes(data)
    c = out.num_qubits - 2.0 * out.bits.sum(axis=1)
    return c, out.counts.astype(float), out.num_qubits


def _mean_var(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Sample mean and the variance of that mean (sample variance with ddof = 1, over N)."""
    shots = weights.sum()
    mean = float(weights @ values / shots)
    var = float(weights @ (values - mean) ** 2 / (shots - 1)) / shots
    return mean, var


def _same_angle_mod_pi(a: float, b: float) -> bool:
    diff = (a - b) / math.pi
    return abs(diff - round(diff)) * math.pi < _ANGLE_TOL


@dataclass(frozen=True)
class PIBellResult:
    """Correlators, ``<B>`` and its significance below the local bound 0."""

    num_qubits: int
    phi: float
    theta: float
    third: str
    c0: Estimate
    c1: Estimate
    c00: Estimate
    c11: Estimate
    c01: Estimate
    bell: Estimate
    significance: float
    confidence: float
    violation: bool
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary."""
        out: dict[str, Any] = {"num_qubits": self.num_qubits, "phi": self.phi, "theta": self.theta, "third": self.third}
        for name in ("c0", "c1", "c00", "c11", "c01", "bell"):
            out[name] = getattr(self, name).to_dict()
        out.update(
            significance=_json_number(self.significance),
            confidence=self.confidence,
            violation=self.violation,
            details=_json_number(dict(self.details)),
        )
        return out


def pi_bell_from_counts(
    results: Sequence[tuple[Mapping[str, Any], CountsLike]], confidence: float = 0.999
) -> PIBellResult:
    """``C_0, C_1, C_00, C_11, C_01`` and ``<B>`` (seed 004) from the three PI-Bell settings.

    Parameters
    ----------
    results : list of (metadata, counts)
        Settings of kind ``"pi_bell"`` with roles M0, M1 and bisector or antibisector (other kinds
        are ignored). Metadata may be the ``setting`` dict or a whole ``circuit.metadata``.
    confidence : one-sided confidence for claiming ``<B> < 0`` (0.999: z = 3.09)

    Returns
    -------
    PIBellResult
        ``significance = -<B>/stderr``; ``violation`` iff it exceeds ``z(confidence)``.

    Raises
    ------
    ValueError
        A missing role (named), duplicates, settings that disagree on phi/theta or n, or an
        angle that does not match its role.
    """
    by_role: dict[str, tuple[Mapping[str, Any], Any]] = {}
    for item in results:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError("results must be a list of (setting_metadata, counts) pairs")
        meta, counts = item
        if not isinstance(meta, Mapping):
            raise TypeError(f"setting metadata must be a dict, got {type(meta).__name__}")
        if "kind" not in meta and isinstance(meta.get("setting"), Mapping):
            meta = meta["setting"]
        if meta.get("kind") != "pi_bell":
            continue
        role = meta.get("role")
        if role not in _ROLES:
            raise ValueError(f"PI-Bell setting role {role!r} unknown; allowed {_ROLES}")
        if role in by_role:
            raise ValueError(f"duplicate PI-Bell setting role {role!r}")
        by_role[role] = (meta, counts)
    missing = [r for r in ("M0", "M1") if r not in by_role]
    thirds = [r for r in ("bisector", "antibisector") if r in by_role]
    if not thirds:
        missing.append("bisector (or antibisector)")
    if missing:
        raise ValueError(f"missing PI-Bell setting(s): {', '.join(missing)}; need M0, M1 and a bisector/antibisector")
    third = "bisector" if "bisector" in by_role else "antibisector"
    metas = [by_role[r][0] for r in ("M0", "M1", third)]
    try:
        phi, theta = float(metas[0]["phi"]), float(metas[0]["theta"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("PI-Bell metadata needs numeric 'phi' and 'theta'") from exc
    for m in metas:
        phi_off = abs(float(m.get("phi", math.nan)) - phi)
        theta_off = abs(float(m.get("theta", math.nan)) - theta)
        if phi_off > _ANGLE_TOL or theta_off > _ANGLE_TOL:
            raise ValueError("PI-Bell settings disagree on phi/theta")
    half, mid = (phi - theta) / 2.0, (phi + theta) / 2.0
    expected = {"M0": phi, "M1": theta, "bisector": mid, "antibisector": mid + math.pi / 2}
    for role, m in zip(("M0", "M1", third), metas):
        angle = float(m.get("angle", expected[role]))
        if not _same_angle_mod_pi(angle, expected[role]):
            raise ValueError(f"PI-Bell {role} angle {angle} does not match {expected[role]} (mod pi) from phi, theta")

    sums = [_collective_sums(by_role[r][1]) for r in ("M0", "M1", third)]
    ns = {s[2] for s in sums}
    if len(ns) != 1:
        raise ValueError(f"PI-Bell settings have different numbers of qubits: {sorted(ns)}")
    n = ns.pop()
    (c_0, w_0, _), (c_1, w_1, _), (c_t, w_t, _) = sums
    shots = [int(w.sum()) for w in (w_0, w_1, w_t)]
    if min(shots) < 2:
        raise ValueError("every PI-Bell setting needs at least 2 shots")

    m0, v0 = _mean_var(c_0, w_0)
    m1, v1 = _mean_var(c_1, w_1)
    q0, vq0 = _mean_var(c_0**2, w_0)
    q1, vq1 = _mean_var(c_1**2, w_1)
    qt, vqt = _mean_var(c_t**2, w_t)
    c00, c11, ctt = q0 - n, q1 - n, qt - n
    if third == "bisector":
        k = 4.0 * math.cos(half) ** 2
        c01 = (k * ctt - c00 - c11) / 2.0
        g0, vg0 = _mean_var(c_0**2 - 2.0 * c_0, w_0)
        bell = 2 * n + (g0 - n) + (q1 - n) - 0.5 * k * ctt
        var_b = vg0 + vq1 + (0.5 * k) ** 2 * vqt
    else:
        k = 4.0 * math.sin(half) ** 2
        c01 = (c00 + c11 - k * ctt) / 2.0
        bell = 2 * n - 2 * m0 + 0.5 * k * ctt
        var_b = 4 * v0 + (0.5 * k) ** 2 * vqt
    var_c01 = (k * k * vqt + vq0 + vq1) / 4.0
    est = {
        "c0": Estimate(m0, math.sqrt(v0), method="<C_0>", shots=shots[0]),
        "c1": Estimate(m1, math.sqrt(v1), method="<C_1>", shots=shots[1]),
        "c00": Estimate(c00, math.sqrt(vq0), method="<C_0^2> - N", shots=shots[0]),
        "c11": Estimate(c11, math.sqrt(vq1), method="<C_1^2> - N", shots=shots[1]),
        "c01": Estimate(c01, math.sqrt(var_c01), method=f"{third} trick", shots=sum(shots)),
        "bell": Estimate(bell, math.sqrt(var_b), method=f"<B> (seed 004), {third} trick", shots=sum(shots)),
    }
    sig = -est["bell"].significance(0.0)
    return PIBellResult(
        num_qubits=n,
        phi=phi,
        theta=theta,
        third=third,
        significance=sig,
        confidence=float(confidence),
        violation=bool(sig > z_for_confidence(confidence)),
        details={"factor": k},
        **est,
    )
