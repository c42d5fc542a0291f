"""Readout mitigation with mthree (M3), the optional alternative to the tensored inversion.

M3 (Nation, Kang, Sundaresan and Gambetta, "Scalable mitigation of measurement errors on quantum
computers", PRX Quantum 2, 040326 (2021), arXiv:2108.12518) solves ``A p = p_read`` in the subspace of
the observed bit strings (and those within a Hamming distance of them), with A the tensor product of
the per-qubit assignment matrices ``A_q = [[1 - p10, p01], [p10, 1 - p01]]`` of a
:class:`~bellsense.estimators.measured.mitigation.ReadoutCalibration`. It returns a quasi-distribution
over bit strings, hence the full Hamming-weight distribution; its standard errors include the
mitigation overhead. mthree is imported only when one of these functions is called
(``pip install 'bellsense[m3]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .estimate import Estimate
from .mitigation import ReadoutCalibration
from .shots import CountsLike, as_outcomes

__all__ = ["m3_quasi", "m3_parity", "m3_hamming_distribution"]


def _mthree() -> Any:
    try:
        import mthree
    except ImportError:
        from ...errors import SetupError

        raise SetupError("readout mitigation 'm3' needs the optional package mthree; "
                         "allowed: mitigation = 'tensored', or pip install 'bellsense[m3]'") from None
    return mthree


def _counts_dict(data: CountsLike) -> tuple[dict[str, int], int]:
    if isinstance(data, dict):
        n = len(next(iter(data)))
        return {k: int(v) for k, v in data.items() if v}, n
    out = as_outcomes(data)
    keys = ["".join(map(str, row[::-1])) for row in out.bits]  # little-endian keys (distinct outcomes only)
    return dict(zip(keys, out.counts.tolist())), out.num_qubits


def m3_quasi(data: CountsLike, calibration: ReadoutCalibration) -> tuple[Any, int]:
    """The M3 quasi-distribution of counts on logical qubits 0..n-1 (calibration of those qubits) and the shots."""
    mthree = _mthree()
    counts, n = _counts_dict(data)
    mit = mthree.M3Mitigation()
    mit.cals_from_matrices([np.asarray(calibration.assignment_matrix(q), dtype=float) for q in range(n)])
    quasi = mit.apply_correction(counts, list(range(n)), return_mitigation_overhead=True)
    return quasi, int(sum(counts.values()))


def m3_parity(data: CountsLike, calibration: ReadoutCalibration) -> Estimate:
    """``<prod_q Z_q>`` over all measured qubits from the M3 quasi-distribution.

    stderr: mthree's ``stddev`` (the sample error scaled by the mitigation overhead).
    """
    quasi, shots = m3_quasi(data, calibration)
    value, stderr = quasi.expval_and_stddev()
    return Estimate(float(value), float(stderr), method="parity, M3 readout mitigation", shots=shots)


def m3_hamming_distribution(data: CountsLike, calibration: ReadoutCalibration) -> np.ndarray:
    """Quasi-probabilities of the Hamming weights w = 0..n from the M3 quasi-distribution (sum 1)."""
    quasi, _ = m3_quasi(data, calibration)
    n = len(next(iter(quasi)))
    out = np.zeros(n + 1)
    for key, p in quasi.items():  # over the distinct observed strings only (<= shots)
        out[key.count("1")] += p
    return out
