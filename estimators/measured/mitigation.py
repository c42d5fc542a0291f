"""Readout-error mitigation with per-qubit (tensored) assignment matrices.

Model: qubit q reports its true bit x through ``A_q = [[1 - e0, e1], [e0, 1 - e1]]``
(``A[b, x] = P(read b | true x)``, ``e0 = P(1|0)``, ``e1 = P(0|1)``), independently per qubit.

Calibration: for a group of qubits, one circuit prepares all of them in ``|0>`` and one in
``|1>`` (X on each); the marginal bit frequencies of each qubit give ``e0`` and ``e1``
(:func:`calibrate_readout`). Groups calibrated separately are merged with
:func:`combine_calibrations`.

Z-products (:func:`mitigated_z_expectation`): ``g_q = (1, -1) A_q^{-1}`` is the per-qubit
function of the *read* bit whose mean is the true ``(-1)^x``:
``g_q(0) = (1 + e0 - e1)/(1 - e0 - e1)``, ``g_q(1) = -(1 - e0 + e1)/(1 - e0 - e1)``. With
independent errors ``prod_{q in S} g_q(b_q)`` is an unbiased per-shot estimator of
``<prod_S Z_q>``: the exact inverse of the tensored model on the observable, at cost
O(shots x |S|) (no 2^n matrix). Its stderr is the sample standard error of that per-shot
value (calibration shot noise not propagated: use many calibration shots).

Hamming weights (:func:`mitigated_hamming_distribution`): the generating function
``sum_w P(w) t^w = E[prod_q (1 + (t - 1) x_q)]`` and the unbiased per-qubit estimator
``h_q(b) = (1 - g_q(b))/2`` of the true bit give, per shot, the polynomial
``prod_q (1 + (t - 1) h_q(b_q))`` whose coefficients (in powers of t) are unbiased
quasi-probabilities of each weight: the tensored inverse marginalised onto weights, O(n^2)
per distinct outcome. The result is a quasi-distribution (entries may be slightly negative).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .estimate import Estimate
from .shots import CountsLike, Outcomes, as_outcomes, z_expectation

__all__ = [
    "ReadoutCalibration",
    "calibrate_readout",
    "combine_calibrations",
    "mitigated_z_expectation",
    "mitigated_parity",
    "mitigated_hamming_distribution",
]


@dataclass(frozen=True)
class ReadoutCalibration:
    """Per-qubit readout error rates: ``p01[i] = P(read 1 | 0)``, ``p10[i] = P(read 0 | 1)`` for ``qubits[i]``."""

    qubits: tuple[int, ...]
    p01: np.ndarray
    p10: np.ndarray
    shots: int

    def assignment_matrix(self, qubit: int) -> np.ndarray:
        """``A[b, x] = P(read b | true x)`` for one calibrated qubit."""
        i = self._index(qubit)
        return np.array([[1 - self.p01[i], self.p10[i]], [self.p01[i], 1 - self.p10[i]]])

    def _index(self, qubit: int) -> int:
        try:
            return self.qubits.index(int(qubit))
        except ValueError:
            raise ValueError(f"qubit {qubit} is not calibrated (calibrated qubits: {list(self.qubits)})") from None

    def to_dict(self) -> dict:
        return {"qubits": list(self.qubits), "p01": self.p01.tolist(), "p10": self.p10.tolist(), "shots": self.shots}


def calibrate_readout(
    zeros: CountsLike, ones: CountsLike, qubits: Sequence[int] | None = None
) -> ReadoutCalibration:
    """Per-qubit error rates from the all-|0> and all-|1> calibration circuits of a qubit group.

    Parameters
    ----------
    zeros, ones : counts of the two basis-state circuits (all n qubits measured)
    qubits : the qubits of the group that were prepared (default: all); only these are calibrated

    Raises
    ------
    ValueError
        Different widths, a qubit outside the register, or an error rate of 1/2 or more
        (``1 - e0 - e1 <= 0``: the assignment matrix is not invertible / the labels are swapped).
    """
    z, o = as_outcomes(zeros), as_outcomes(ones)
    if z.num_qubits != o.num_qubits:
        raise ValueError(f"calibration counts have {z.num_qubits} and {o.num_qubits} qubits; they must match")
    n = z.num_qubits
    q = np.arange(n) if qubits is None else np.asarray(list(qubits), dtype=np.int64)
    if q.size == 0 or q.min() < 0 or q.max() >= n or np.unique(q).size != q.size:
        raise ValueError(f"calibration qubits {q.tolist()} must be distinct and within 0..{n - 1}")
    p01 = (z.counts @ z.bits[:, q]) / z.shots
    p10 = 1.0 - (o.counts @ o.bits[:, q]) / o.shots
    bad = np.flatnonzero(p01 + p10 >= 1.0)
    if bad.size:
        raise ValueError(
            f"readout of qubit(s) {q[bad].tolist()} is no better than random (P(1|0) + P(0|1) >= 1); "
            "check that `ones` really prepared |1>"
        )
    return ReadoutCalibration(tuple(int(x) for x in q), p01, p10, min(z.shots, o.shots))


def combine_calibrations(*cals: ReadoutCalibration) -> ReadoutCalibration:
    """Merge calibrations of disjoint qubit groups into one."""
    if not cals:
        raise ValueError("need at least one calibration")
    qubits = [q for c in cals for q in c.qubits]
    if len(set(qubits)) != len(qubits):
        raise ValueError(f"calibrations overlap on qubits {sorted({q for q in qubits if qubits.count(q) > 1})}")
    return ReadoutCalibration(
        tuple(qubits),
        np.concatenate([c.p01 for c in cals]),
        np.concatenate([c.p10 for c in cals]),
        min(c.shots for c in cals),
    )


def _g_table(cal: ReadoutCalibration, qubits: np.ndarray) -> np.ndarray:
    """``g_q(b)`` for b = 0, 1 and each qubit: shape (len(qubits), 2)."""
    idx = [cal._index(int(q)) for q in qubits]
    e0, e1 = cal.p01[idx], cal.p10[idx]
    det = 1.0 - e0 - e1
    return np.stack([(1.0 + e0 - e1) / det, -(1.0 - e0 + e1) / det], axis=1)


def _check_cal(cal: ReadoutCalibration, out: Outcomes, qubits: np.ndarray) -> None:
    if not isinstance(cal, ReadoutCalibration):
        raise TypeError(f"calibration must be a ReadoutCalibration, got {type(cal).__name__}")
    if max(cal.qubits) >= out.num_qubits:
        raise ValueError(
            f"the calibration is for qubits {list(cal.qubits)}, but the data have only {out.num_qubits} qubits"
        )
    missing = sorted(set(int(q) for q in qubits) - set(cal.qubits))
    if missing:
        raise ValueError(
            f"the calibration covers qubits {list(cal.qubits)} but the data need qubits {missing}; "
            "calibrate those qubits (two basis-state circuits per group)"
        )


def mitigated_z_expectation(
    data: CountsLike, calibration: ReadoutCalibration, qubits: Sequence[int] | None = None
) -> Estimate:
    """Readout-mitigated ``<prod_{q in qubits} Z_q>`` (all qubits if None); raw value in ``details``.

    Per shot ``prod_q g_q(b_q)`` (module docstring); value = its mean, stderr = its sample
    standard error. ``details['raw']`` is the unmitigated :func:`z_expectation` as a dict.
    """
    out = as_outcomes(data)
    q = np.arange(out.num_qubits) if qubits is None else np.asarray(list(qubits), dtype=np.int64)
    if q.size and (q.min() < 0 or q.max() >= out.num_qubits):
        raise ValueError(f"qubits {q.tolist()} out of range for {out.num_qubits} qubits")
    _check_cal(calibration, out, q)
    g = _g_table(calibration, q)  # (|S|, 2)
    per_outcome = np.prod(g[np.arange(q.size)[None, :], out.bits[:, q]], axis=1)
    shots = out.shots
    mean = float(out.counts @ per_outcome / shots)
    var = float(out.counts @ (per_outcome - mean) ** 2 / max(shots - 1, 1))
    raw = z_expectation(out, q)
    return Estimate(
        mean,
        math.sqrt(var / shots),
        method="tensored readout inverse on the Z-product",
        shots=shots,
        details={"raw": raw.to_dict(), "qubits": q.tolist()},
    )


def mitigated_parity(data: CountsLike, calibration: ReadoutCalibration) -> Estimate:
    """Readout-mitigated parity over all qubits (see :func:`mitigated_z_expectation`)."""
    return mitigated_z_expectation(data, calibration, None)


def mitigated_hamming_distribution(
    data: CountsLike, calibration: ReadoutCalibration
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mitigated Hamming-weight quasi-distribution (tensored model), its stderr, and the raw distribution.

    Returns
    -------
    mitigated : (n+1,) quasi-probabilities of w = 0..n (sum exactly 1)
    stderr : (n+1,) per-weight standard errors (sample standard error of the per-shot coefficients)
    raw : (n+1,) unmitigated empirical distribution
    """
    out = as_outcomes(data)
    n = out.num_qubits
    q = np.arange(n)
    _check_cal(calibration, out, q)
    h = (1.0 - _g_table(calibration, q)) / 2.0  # (n, 2): unbiased estimate of the true bit
    hb = h[q[None, :], out.bits]  # (m, n)
    poly = np.zeros((len(out.counts), n + 1))
    poly[:, 0] = 1.0
    for k in range(n):  # multiply by (1 - h) + h t, qubit by qubit (vectorised over outcomes)
        hk = hb[:, k:k + 1]
        poly[:, 1:] = poly[:, 1:] * (1.0 - hk) + poly[:, :-1] * hk
        poly[:, 0] *= 1.0 - hb[:, k]
    shots = out.shots
    w = out.counts.astype(float)
    mean = w @ poly / shots
    var = w @ (poly - mean) ** 2 / max(shots - 1, 1)
    raw = np.bincount(out.bits.sum(axis=1), weights=w, minlength=n + 1) / shots
    return mean, np.sqrt(var / shots), raw
