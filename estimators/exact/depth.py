"""Certified depth of Bell correlations from ``E_{N,0}``, and the correlator in log space.

Niezgoda and Chwedeńczuk, Phys. Rev. Lett. 126, 210506 (2021) (seed 000, the arXiv version),
appendix A: ``E_{N,0} > 2^-(m+3)`` certifies that at least ``N - m`` of the N qubits are
Bell-correlated; ``E_{N,0} > 2^-N`` is a Bell violation. The criterion needs N >= 3 (for N = 2
the bound 2^-N = 1/4 is already the quantum maximum) and ``0 <= E <= 1/4``.

No depth is certified below the numerical error bound of E. A depth is read off a *certified
lower bound* ``L`` of E (never off E itself):

* a float E (from a float64 state) is taken as ``E = |c|^2`` with ``c`` known to absolute
  precision ``CORRELATOR_ATOL`` = 1e-13 (amplitudes of a unit vector from a backward-stable
  eigensolver or simulator carry absolute errors of ~1e-15 to 1e-14; ``ising_ground_state``
  guarantees 5e-14 per amplitude), so ``L = max(sqrt(E) - CORRELATOR_ATOL, 0)^2``. Float E
  below ~1e-26 therefore certify nothing: at N >= 86 the threshold 2^-N is out of reach of
  float64 states and the log-space path is needed;
* a :class:`CorrelatorLog10` (from :func:`bell_correlator_log10`) carries its own lower bound,
  from the relative error of log-space amplitudes (``models.*_ground_log_amplitudes``) or the
  absolute rule above for float arrays;
* a bare ``log10 E`` (``log10=True``) is taken as exact: the caller vouches for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bellsense.axes import AxisLike
from bellsense.models import LogAmplitudes
from bellsense.spin import log_binomial

from .bell import _dense, _dicke_sizes, _dicke_to_z_frame, sigma_plus_expectation
from .inputs import Basis, num_qubits

#: Absolute precision assumed for ``c`` in a float correlator ``E = |c|^2`` (see the module notes).
CORRELATOR_ATOL = 1e-13
#: Rounding slack above the quantum maximum ``E = 1/4`` (a float64 GHZ state gives 1/4 to ~1e-16).
E_MAX_SLACK = 1e-12
_LOG10_QUARTER = math.log10(0.25)


@dataclass(frozen=True)
class CorrelatorLog10:
    """``log10 E`` and a certified lower bound ``log10_lower`` (``-inf`` when E = 0 or unresolved)."""

    value: float
    log10_lower: float


@dataclass(frozen=True)
class DepthCertificate:
    """Certified depth: ``depth`` qubits Bell-correlated (0: none); ``certified`` is False when
    E exceeds ``2^-N`` but its error bound does not (no claim); ``reason`` says which case."""

    depth: int
    certified: bool
    log10_lower: float
    reason: str


def _signed_log_sum(logs: np.ndarray, phases: np.ndarray) -> tuple[float, float]:
    """``(ln|sum_k e^{logs_k} phase_k|, ln sum_k e^{logs_k})`` without underflow."""
    finite = np.isfinite(logs)
    if not np.any(finite):
        return -math.inf, -math.inf
    top = float(np.max(logs[finite]))
    w = np.exp(logs[finite] - top)
    total = abs(complex(np.sum(w * phases[finite])))
    return (top + math.log(total) if total > 0 else -math.inf), top + math.log(float(np.sum(w)))


def bell_correlator_log10(
    state: Any,
    plus: Iterable[int] | int,
    minus: Iterable[int] | int = (),
    axis: AxisLike = "z",
    basis: Basis = "dicke",
) -> CorrelatorLog10:
    """``log10 E_{A,B}`` for correlators that underflow float64 (seed 001 eq. 17), with a lower bound.

    For a pure symmetric state ``sum_k a_k |D_k>`` (z frame, ``a = |A|``, ``b = |B|``)
    ``c = sum_k a_k conj(a_{k-a+b}) C(N-a-b, k-a) / sqrt(C(N,k) C(N,k-a+b))``, so
    ``E_{N,0} = |a_0 a_N|^2``; every term is formed as a logarithm and summed with a shifted
    log-sum-exp.

    Parameters
    ----------
    state : LogAmplitudes, or a Dicke-basis vector / matrix, or a 2^n state with ``basis="qubits"``
        ``LogAmplitudes`` (``models.two_mode_ground_log_amplitudes``, ``lmg_ground_log_amplitudes``)
        are in the z frame; only ``axis="z"`` is accepted for them.
    plus, minus, axis, basis : as in ``bell_correlator``.

    Returns
    -------
    CorrelatorLog10
        ``value = log10 E``. ``log10_lower``: for ``LogAmplitudes`` each term has relative error
        ``<= 2 eps_a`` (``eps_a = state.rel_error``), so ``|dc| <= 2 eps_a sum|terms|``; for float
        arrays ``|dc| <= CORRELATOR_ATOL`` (module notes). ``L = (|c| - |dc|)^2``.
    """
    if isinstance(state, LogAmplitudes):
        if not (isinstance(axis, str) and axis == "z"):
            raise ValueError(f"LogAmplitudes are Dicke amplitudes along z; axis must be 'z', got {axis!r}")
        n = state.num_qubits
        a, b = _dicke_sizes(plus, minus, n)
        k = np.arange(a, n - b + 1)
        kp = k - a + b
        ln10 = math.log(10.0)
        logs = (state.log10_abs[k] + state.log10_abs[kp]) * ln10
        logs = logs + log_binomial(n - a - b, k - a) - 0.5 * (log_binomial(n, k) + log_binomial(n, kp))
        log_c, log_abs_sum = _signed_log_sum(logs, (state.sign[k] * state.sign[kp]).astype(complex))
        log_dc = math.log(2.0 * max(state.rel_error, np.finfo(float).eps)) + log_abs_sum
    else:
        st = _dense(state)
        n = num_qubits(st.shape[0], basis)
        if basis == "dicke":
            a, b = _dicke_sizes(plus, minus, n)
            st = _dicke_to_z_frame(st, axis)
            k = np.arange(a, n - b + 1)
            kp = k - a + b
            logc = log_binomial(n - a - b, k - a) - 0.5 * (log_binomial(n, k) + log_binomial(n, kp))
            elem = (st[k], st[kp].conj()) if st.ndim == 1 else (st[k, kp], np.ones(k.size))
            with np.errstate(divide="ignore"):
                logs = np.log(np.abs(elem[0])) + np.log(np.abs(elem[1])) + logc
            phases = np.exp(1j * (np.angle(elem[0]) + np.angle(elem[1])))
            log_c, _ = _signed_log_sum(logs, phases)
        else:
            mag = abs(sigma_plus_expectation(st, plus, minus, axis, basis))
            log_c = math.log(mag) if mag > 0 else -math.inf
        log_dc = math.log(CORRELATOR_ATOL)
    if log_c == -math.inf:
        return CorrelatorLog10(-math.inf, -math.inf)
    value = 2.0 * log_c / math.log(10.0)
    gap = 1.0 - math.exp(log_dc - log_c) if log_dc < log_c else 0.0
    lower = value + 2.0 * math.log10(gap) if gap > 0 else -math.inf
    return CorrelatorLog10(value, lower)


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 3:
        raise ValueError(
            f"n = {n!r}: the depth criterion E_(N,0) > 2^-(m+3) needs an int n >= 3 "
            "(for n = 2 the local bound 2^-n = 1/4 is the quantum maximum)"
        )
    return int(n)


def _lower_log10(correlator: Any, log10: bool) -> tuple[float, float]:
    """(log10 E, certified log10 lower bound) after checking ``0 <= E <= 1/4``."""
    if isinstance(correlator, CorrelatorLog10):
        value, lower = float(correlator.value), float(correlator.log10_lower)
    else:
        if isinstance(correlator, bool) or not isinstance(correlator, (int, float, np.integer, np.floating)):
            raise TypeError(f"correlator must be a real number or a CorrelatorLog10, got {type(correlator).__name__}")
        x = float(correlator)
        if math.isnan(x) or (not log10 and math.isinf(x)) or (log10 and x == math.inf):
            raise ValueError(f"correlator must be finite, got {correlator!r}")
        if log10:
            value = lower = x
        else:
            if x < 0 or x > 0.25 + E_MAX_SLACK:
                raise ValueError(f"E = {x!r} is not a many-body correlator: E = |<...>|^2 lies in [0, 1/4]")
            root = math.sqrt(x) - CORRELATOR_ATOL
            value = math.log10(x) if x > 0 else -math.inf
            lower = 2.0 * math.log10(root) if root > 0 else -math.inf
    if math.isnan(value) or value > _LOG10_QUARTER + E_MAX_SLACK:
        raise ValueError(f"log10 E = {value!r} is above log10(1/4) = {_LOG10_QUARTER:.6f}: E cannot exceed 1/4")
    return value, min(lower, value)


def depth_certificate(correlator: Any, n: int, *, log10: bool = False) -> DepthCertificate:
    """Depth of Bell correlations certified by ``E = E_{N,0}`` (seed 000 app. A), or a refusal.

    With the certified lower bound ``L`` of E (module notes): ``L > 2^-(m+3)`` certifies at least
    ``N - m`` Bell-correlated qubits, smallest ``m = max(0, floor(-log2 L) - 2)``; ``L <= 2^-N``
    certifies nothing (depth 0). E.g. ``E in (1/8, 1/4]`` gives N.

    Parameters
    ----------
    correlator : float E, float log10 E (with ``log10=True``) or :class:`CorrelatorLog10`
    n : int >= 3

    Raises
    ------
    ValueError
        ``n < 3``; E outside ``[0, 1/4]`` (log10 E above ``log10 1/4``); NaN.
    """
    n = _check_n(n)
    value, lower = _lower_log10(correlator, log10)
    bound = -n * math.log10(2.0)
    if value <= bound:
        return DepthCertificate(0, True, lower, f"log10 E = {value:.6g} <= log10 2^-N = {bound:.6g}: no Bell violation")
    if lower <= bound:
        return DepthCertificate(
            0, False, lower,
            f"log10 E = {value:.6g} exceeds log10 2^-N = {bound:.6g}, but its certified lower bound {lower:.6g} does "
            "not (E below the numerical error bound): no depth certified",
        )
    log2_l = lower / math.log10(2.0)
    m = max(0, math.floor(-log2_l) - 2)
    while m > 0 and log2_l > -(m + 2):  # guard the float floor at exact powers of two
        m -= 1
    while log2_l <= -(m + 3):
        m += 1
    reason = f"certified lower bound log10 E >= {lower:.6g} > log10 2^-(m+3), m = {m}"
    return DepthCertificate(n - m, True, lower, reason)


def nonlocality_depth(correlator: Any, n: int, *, log10: bool = False) -> int:
    """Certified number of Bell-correlated qubits, ``depth_certificate(correlator, n, log10=log10).depth``.

    0 means none certified; ``depth_certificate(...).certified`` tells an unresolved E from no violation.
    """
    return depth_certificate(correlator, n, log10=log10).depth


__all__ = [
    "CORRELATOR_ATOL",
    "CorrelatorLog10",
    "DepthCertificate",
    "bell_correlator_log10",
    "depth_certificate",
    "nonlocality_depth",
]
