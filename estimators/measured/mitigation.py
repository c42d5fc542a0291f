"""Readout-error mitigation with per-qubit (tensored) assignment matrices.

Convention (docs/PHYSICS.md, "Readout errors"; the same as ``bellsense.noise``): for qubit q,
``p10 = P(read 1 | prepared 0)`` and ``p01 = P(read 0 | prepared 1)``. Qubit q reports its true
bit x through ``A_q = [[1 - p10, p01], [p10, 1 - p01]]`` (``A[b, x] = P(read b | true x)``),
independently per qubit.

Calibration: for a group of qubits, one circuit prepares all of them in ``|0>`` and one in
``|1>`` (X on each); the marginal bit frequencies of each qubit give ``p10`` and ``p01``
(:func:`calibrate_readout`, or :meth:`ReadoutCalibration.from_groups` pooling the shots of a
qubit measured in several groups). Groups calibrated separately are merged with
:func:`combine_calibrations`.

Z-products (:func:`mitigated_z_expectation`): ``g_q = (1, -1) A_q^{-1}`` is the per-qubit
function of the *read* bit whose mean is the true ``(-1)^x``:
``g_q(0) = (1 + p10 - p01)/(1 - p10 - p01)``, ``g_q(1) = -(1 - p10 + p01)/(1 - p10 - p01)``. With
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
The tensored model is that of Bravyi, Sheldon, Kandala, McKay and Gambetta,
Phys. Rev. A 103, 042605 (2021), arXiv:2006.14044.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


def _rates(values: Any, name: str, size: int) -> tuple[float, ...]:
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.size != size or not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"{name} must hold {size} probabilities in [0, 1] (one per qubit), got {arr.tolist()}")
    return tuple(float(x) for x in arr)


@dataclass(frozen=True)
class ReadoutCalibration:
    """Per-qubit readout error rates, the one calibration type of bellsense.

    Attributes
    ----------
    qubits : tuple of int
        The calibrated qubits (physical indices on a device, else register positions).
    p10 : tuple of float
        ``P(read 1 | prepared 0)`` of ``qubits[i]``.
    p01 : tuple of float
        ``P(read 0 | prepared 1)`` of ``qubits[i]``.
    shots : tuple of int
        Shots behind each qubit's rates (per basis state); binomial stderr ``sqrt(p (1 - p) / shots)``.
        An int is taken as the same number for every qubit.
    """

    qubits: tuple[int, ...]
    p10: tuple[float, ...]
    p01: tuple[float, ...]
    shots: tuple[int, ...]

    def __post_init__(self) -> None:
        qubits = tuple(int(q) for q in self.qubits)
        if len(set(qubits)) != len(qubits) or any(q < 0 for q in qubits):
            raise ValueError(f"calibrated qubits must be distinct non-negative ints, got {list(qubits)}")
        shots = self.shots
        if isinstance(shots, (int, np.integer)):
            shots = (int(shots),) * len(qubits)
        shots = tuple(int(s) for s in shots)
        if len(shots) != len(qubits) or any(s < 1 for s in shots):
            raise ValueError(f"shots must be a positive int per qubit ({len(qubits)}), got {list(shots)}")
        object.__setattr__(self, "qubits", qubits)
        object.__setattr__(self, "p10", _rates(self.p10, "p10", len(qubits)))
        object.__setattr__(self, "p01", _rates(self.p01, "p01", len(qubits)))
        object.__setattr__(self, "shots", shots)

    @classmethod
    def from_groups(cls, groups: Sequence[tuple[Sequence[int], CountsLike, CountsLike]]) -> ReadoutCalibration:
        """Pool the all-0 / all-1 results of several qubit groups: per qubit, all its shots.

        Each group is ``(qubits, zeros, ones)``: bit j of ``zeros`` and ``ones`` (counts dicts or
        one-point ``BitArray``) reads ``qubits[j]``. A qubit in several groups pools their shots.
        """
        ones_if_0: dict[int, int] = {}
        zeros_if_1: dict[int, int] = {}
        shots: dict[int, int] = {}
        for physical, zeros, ones in groups:
            z, o = as_outcomes(zeros), as_outcomes(ones)
            if z.num_qubits != len(physical) or o.num_qubits != len(physical) or z.shots != o.shots:
                raise ValueError("calibration bits must have one column per calibrated qubit and equal shots")
            read1_0 = z.counts @ z.bits  # per column: shots that read 1 with 0 prepared
            read0_1 = o.shots - o.counts @ o.bits
            for j, p in enumerate(int(q) for q in physical):
                ones_if_0[p] = ones_if_0.get(p, 0) + int(read1_0[j])
                zeros_if_1[p] = zeros_if_1.get(p, 0) + int(read0_1[j])
                shots[p] = shots.get(p, 0) + z.shots
        qubits = sorted(shots)
        return cls(
            qubits=tuple(qubits),
            p10=tuple(ones_if_0[p] / shots[p] for p in qubits),
            p01=tuple(zeros_if_1[p] / shots[p] for p in qubits),
            shots=tuple(shots[p] for p in qubits),
        )

    def _index(self, qubit: int) -> int:
        try:
            return self.qubits.index(int(qubit))
        except ValueError:
            raise ValueError(f"qubit {qubit} is not calibrated (calibrated qubits: {list(self.qubits)})") from None

    def _rows(self, qubits: Sequence[int] | np.ndarray) -> list[int]:
        missing = [int(q) for q in qubits if int(q) not in self.qubits]
        if missing:
            raise ValueError(f"qubits {missing} were not calibrated; calibrated: {list(self.qubits)}")
        return [self.qubits.index(int(q)) for q in qubits]

    def for_qubits(self, qubits: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(p10, p01)`` arrays for ``qubits`` in that order (e.g. the physical qubits of a layout)."""
        rows = self._rows(qubits)
        return np.asarray(self.p10)[rows], np.asarray(self.p01)[rows]

    def on_layout(self, physical: Sequence[int]) -> ReadoutCalibration:
        """The calibration of logical qubits 0..n-1 sitting on ``physical[0..n-1]`` (device -> counts)."""
        rows = self._rows(physical)
        return ReadoutCalibration(
            tuple(range(len(rows))),
            tuple(self.p10[r] for r in rows),
            tuple(self.p01[r] for r in rows),
            tuple(self.shots[r] for r in rows),
        )

    def assignment_matrix(self, qubit: int) -> np.ndarray:
        """``A[b, x] = P(read b | true x)`` for one calibrated qubit; columns sum to 1."""
        i = self._index(qubit)
        return np.array([[1 - self.p10[i], self.p01[i]], [self.p10[i], 1 - self.p01[i]]])

    def confusion_matrices(self, qubits: Sequence[int]) -> np.ndarray:
        """:meth:`assignment_matrix` of each of ``qubits``, shape (len(qubits), 2, 2)."""
        return np.stack([self.assignment_matrix(q) for q in qubits]) if len(qubits) else np.zeros((0, 2, 2))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: ``{"qubits", "p10", "p01", "shots"}`` (plain lists of ints and floats)."""
        return {"qubits": list(self.qubits), "p10": list(self.p10), "p01": list(self.p01), "shots": list(self.shots)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReadoutCalibration:
        """Inverse of :meth:`to_dict`; also reads the calibration of a 0.1.0 run record.

        0.1.0 records stored ``{"physical_qubits", "p1_given0", "p0_given1", "shots"}`` (the same
        meaning as ``p10``, ``p01`` here).
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"ReadoutCalibration.from_dict needs a dict, got {type(data).__name__}")
        if "p1_given0" in data:  # bellsense 0.1.0 record
            keys = ("physical_qubits", "p1_given0", "p0_given1", "shots")
        else:
            keys = ("qubits", "p10", "p01", "shots")
        missing = [k for k in keys if k not in data]
        if missing:
            raise ValueError(f"calibration record lacks key(s) {missing}; needs {list(keys)}")
        return cls(tuple(data[keys[0]]), tuple(data[keys[1]]), tuple(data[keys[2]]), tuple(data[keys[3]]))


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
        (``1 - p10 - p01 <= 0``: the assignment matrix is not invertible / the labels are swapped).
    """
    z, o = as_outcomes(zeros), as_outcomes(ones)
    if z.num_qubits != o.num_qubits:
        raise ValueError(f"calibration counts have {z.num_qubits} and {o.num_qubits} qubits; they must match")
    n = z.num_qubits
    q = np.arange(n) if qubits is None else np.asarray(list(qubits), dtype=np.int64)
    if q.size == 0 or q.min() < 0 or q.max() >= n or np.unique(q).size != q.size:
        raise ValueError(f"calibration qubits {q.tolist()} must be distinct and within 0..{n - 1}")
    p10 = (z.counts @ z.bits[:, q]) / z.shots
    p01 = 1.0 - (o.counts @ o.bits[:, q]) / o.shots
    bad = np.flatnonzero(p10 + p01 >= 1.0)
    if bad.size:
        raise ValueError(
            f"readout of qubit(s) {q[bad].tolist()} is no better than random (P(1|0) + P(0|1) >= 1); "
            "check that `ones` really prepared |1>"
        )
    shots = (min(z.shots, o.shots),) * q.size
    return ReadoutCalibration(tuple(int(x) for x in q), tuple(p10.tolist()), tuple(p01.tolist()), shots)


def combine_calibrations(*cals: ReadoutCalibration) -> ReadoutCalibration:
    """Merge calibrations of disjoint qubit groups into one."""
    if not cals:
        raise ValueError("need at least one calibration")
    qubits = [q for c in cals for q in c.qubits]
    if len(set(qubits)) != len(qubits):
        raise ValueError(f"calibrations overlap on qubits {sorted({q for q in qubits if qubits.count(q) > 1})}")
    return ReadoutCalibration(
        tuple(qubits),
        tuple(p for c in cals for p in c.p10),
        tuple(p for c in cals for p in c.p01),
        tuple(s for c in cals for s in c.shots),
    )


def _g_table(cal: ReadoutCalibration, qubits: np.ndarray) -> np.ndarray:
    """``g_q(b)`` for b = 0, 1 and each qubit: shape (len(qubits), 2)."""
    p10, p01 = cal.for_qubits(qubits)
    det = 1.0 - p10 - p01
    return np.stack([(1.0 + p10 - p01) / det, -(1.0 - p10 + p01) / det], axis=1)


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
