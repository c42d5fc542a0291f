"""Many-body Bell correlators from the Bell-setting counts (seeds 000/001, PHYSICS.md).

Setting j of P (metadata ``{"kind": "bell", "phi": phi_j, "index": j, "num_phases": P,
"signs": s, "axis": xi}``) measures qubit q along ``cos(s_q phi) e1 + sin(s_q phi) e2``
with ``(e1, e2, xi) = axes.frame(xi)``. Since
``cos(phi) sigma_e1 + sin(phi) sigma_e2 = e^{-i phi} sigma_+ + e^{i phi} sigma_-``, the parity
``<M(phi)>`` of the qubits in ``A u B`` (A: sign +1, B: sign -1, n = |A| + |B|) is a
trigonometric polynomial with frequencies ``-n, -n+2, ..., n`` whose ``e^{-i n phi}``
coefficient is ``c = <prod_A sigma_+ prod_B sigma_->``. With P >= n+1 phases
``phi_j = phi_0 + pi j / P`` the other frequencies cancel exactly:

    c = 1/P sum_j e^{i n phi_j} <M(phi_j)>            (PHYSICS.md, "Measuring E_{N,0}")

and ``E_{A,B} = |c|^2`` (seed 001 eq. 13 / seed 000 eq. 4).

Errors. The settings are independent; ``<M(phi_j)>`` is a ±1 sample mean from N_j shots with
variance ``v_j = (1 - m_j^2)/N_j``, estimated without bias by ``(1 - m̂_j^2)/(N_j - 1)``.
``(Re c, Im c)`` then has covariance ``Sigma = 1/P^2 sum_j v_j [cos, sin]^T [cos, sin]`` (angle
``n phi_j``). ``|ĉ|^2`` is biased upwards by ``tr Sigma`` (the diagonal terms ``m̂_j^2`` have mean
``m_j^2 + v_j``); the reported E replaces each ``m̂_j^2`` by ``m̂_j^2 - v̂_j``, which makes it
exactly unbiased (it can be slightly negative for states with E ~ 0). Its standard error is
``sqrt(4 c^T Sigma c + 2 tr Sigma^2)``, the variance of ``|ĉ|^2`` for Gaussian ĉ: the second
term keeps the error honest where ``c ~ 0`` and the first-order (delta-method) term vanishes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...axes import unit_axis
from .bell_settings import BellSetting, _setting_dict, bind_sweep, is_swept, parse_bell_setting
from .estimate import Estimate, _json_number, z_for_confidence
from .shots import CountsLike, as_outcomes, z_expectation

__all__ = [
    "BellSetting",
    "BellAnalysis",
    "parse_bell_setting",
    "sigma_plus_from_parities",
    "sigma_plus_from_counts",
    "correlator_from_sigma_plus",
    "bootstrap_correlator",
    "claimed_depth",
    "ghz_fidelity_from_counts",
    "analyse_bell",
]

_PHASE_TOL = 1e-6  # radians: metadata phases are floats written by the circuits layer


def sigma_plus_from_parities(
    means: Sequence[float], shots: Sequence[int], phases: Sequence[float], order: int
) -> tuple[Estimate, np.ndarray]:
    """``c = 1/P sum_j e^{i n phi_j} m_j`` and the covariance of ``(Re c, Im c)``.

    Parameters
    ----------
    means : (P,) parities ``<M(phi_j)>`` in [-1, 1]
    shots : (P,) shots behind each mean (>= 2)
    phases : (P,) ``phi_j = phi_0 + pi j/P`` (any order), P >= order + 1
    order : int
        ``n = |A| + |B|``.

    Returns
    -------
    c : Estimate (complex)
        ``stderr = sqrt(tr Sigma)``; ``details`` holds ``cov`` (2x2), the per-setting
        variances, and ``E_unbiased`` (see the module docstring).
    cov : ndarray (2, 2)
    """
    m = np.asarray(means, dtype=float)
    nshots = np.asarray(shots, dtype=float)
    phi = np.asarray(phases, dtype=float)
    p = m.size
    if not (m.shape == nshots.shape == phi.shape) or p == 0:
        raise ValueError("means, shots and phases must be 1-D of equal, non-zero length")
    if p < order + 1:
        raise ValueError(f"{p} phases cannot separate frequency {order}: need at least n + 1 = {order + 1}")
    if np.any(nshots < 2):
        raise ValueError("every Bell setting needs at least 2 shots for an error estimate")
    grid = np.sort(np.mod(phi - phi.min(), np.pi))
    if np.max(np.abs(grid - np.pi * np.arange(p) / p)) > _PHASE_TOL:
        raise ValueError(
            f"Bell phases {phi.tolist()} are not equally spaced by pi/P (P = {p}); the Fourier formula "
            "needs phi_j = phi_0 + pi j / P"
        )
    cosv, sinv = np.cos(order * phi), np.sin(order * phi)
    c = complex(np.sum((cosv + 1j * sinv) * m) / p)
    var = np.clip(1.0 - m * m, 0.0, None) / (nshots - 1.0)  # unbiased for Var(m̂_j)
    basis = np.stack([cosv, sinv])
    cov = (basis * var) @ basis.T / p**2
    e_unbiased = abs(c) ** 2 - float(np.trace(cov))
    est = Estimate(
        c,
        math.sqrt(float(np.trace(cov))),
        method="fourier over Bell settings",
        shots=int(nshots.sum()),
        details={
            "cov": cov.tolist(),
            "E_unbiased": e_unbiased,
            "parities": m.tolist(),
            "setting_shots": nshots.astype(int).tolist(),
            "phases": phi.tolist(),
            "order": int(order),
        },
    )
    return est, cov


def correlator_from_sigma_plus(c: Estimate) -> Estimate:
    """``E = |c|^2`` corrected for its bias ``tr Sigma`` and with Gaussian-exact error.

    ``E = |ĉ|^2 - tr Sigmâ`` (unbiased), ``stderr = sqrt(4 ĉ^T Sigma ĉ + 2 tr Sigma^2)``.
    ``details['raw']`` is the uncorrected ``|ĉ|^2``.
    """
    cov = np.asarray(c.details["cov"], dtype=float)
    vec = np.array([c.value.real, c.value.imag]) if isinstance(c.value, complex) else np.array([c.value, 0.0])
    raw = float(vec @ vec)
    value = float(c.details.get("E_unbiased", raw - float(np.trace(cov))))
    var = 4.0 * float(vec @ cov @ vec) + 2.0 * float(np.trace(cov @ cov))
    return Estimate(
        value, math.sqrt(var), method="|c|^2 - tr(cov) (unbiased)", shots=c.shots, details={"raw": raw}
    )


def bootstrap_correlator(c: Estimate, n_boot: int = 2000, seed: int | None = 0) -> tuple[float, float]:
    """95% parametric-bootstrap interval of the unbiased E, for when the Gaussian error is doubtful.

    Each setting's parity is redrawn as ``2 Binomial(N_j, (1 + m̂_j)/2)/N_j - 1`` and E recomputed
    with the same bias correction; returns the 2.5% and 97.5% percentiles. Useful near E = 0
    (separable states), where ``|c|^2`` is far from Gaussian.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise ValueError(f"n_boot must be an int >= 100, got {n_boot!r}")
    m = np.asarray(c.details["parities"], dtype=float)
    shots = np.asarray(c.details["setting_shots"], dtype=np.int64)
    phi = np.asarray(c.details["phases"], dtype=float)
    order = int(c.details["order"])
    rng = np.random.default_rng(seed)
    draws = 2.0 * rng.binomial(shots, np.clip((1.0 + m) / 2.0, 0.0, 1.0), size=(int(n_boot), m.size)) / shots - 1.0
    phase = np.exp(1j * order * phi)
    cb = draws @ phase / m.size
    var = np.clip(1.0 - draws**2, 0.0, None) / (shots - 1.0)
    e = np.abs(cb) ** 2 - var.sum(axis=1) / m.size**2
    lo, hi = np.percentile(e, [2.5, 97.5])
    return float(lo), float(hi)


def claimed_depth(e: Estimate, n: int, confidence: float = 0.999) -> int:
    """Number of Bell-correlated qubits claimed at one-sided ``confidence`` (0 if none).

    Uses the lower confidence bound ``L = E - z stderr``: if ``L > 2^{-n}`` then at least
    ``n - m`` qubits are Bell-correlated with ``m = max(0, floor(-log2 L) - 2)``
    (seed 000 appendix A; ``E > 2^{-(m+3)}``). The same rule as the exact
    ``estimators.depth_certificate``: returns 0 (no claim) when ``L <= 2^{-n}``, when ``n < 3``
    (the criterion needs n >= 3: for n = 2 the bound 1/4 is the quantum maximum) and when
    ``L > 1/4`` (data inconsistent with quantum mechanics at this confidence: no claim is safe).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    lower = float(np.real(e.value)) - z_for_confidence(confidence) * e.stderr
    if n < 3 or lower <= 2.0 ** (-n) or lower > 0.25:
        return 0
    m = max(0, int(math.floor(-math.log2(lower))) - 2)
    return int(n - m)


def _collect(results: Sequence[tuple[Mapping[str, Any], CountsLike]]) -> tuple[list[BellSetting], list[Any], list[Any]]:
    bell, bell_counts, comp = [], [], []
    for item in results:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError("results must be a list of (setting_metadata, counts) pairs")
        meta, counts = item
        meta = _setting_dict(meta)
        kind = meta.get("kind")
        if is_swept(meta, counts):  # a whole swept PUB: one (setting, counts) per bound phase
            for bound, cts in bind_sweep(meta, counts):
                bell.append(parse_bell_setting(bound))
                bell_counts.append(cts)
        elif kind == "bell":
            bell.append(parse_bell_setting(meta))
            bell_counts.append(counts)
        elif kind in ("computational", "collective"):
            comp.append((meta, counts))
    return bell, bell_counts, comp


def sigma_plus_from_counts(
    results: Sequence[tuple[Mapping[str, Any], CountsLike]],
    plus: Sequence[int] | None = None,
    minus: Sequence[int] | None = None,
) -> Estimate:
    """``<prod_A sigma_+ prod_B sigma_->`` from Bell-setting counts (complex Estimate).

    Parameters
    ----------
    results : list of (setting metadata, counts)
        One entry per Bell setting j = 0..P-1 (other kinds are ignored).
    plus, minus : sequences of qubit indices, optional
        The sets A and B; default: A = qubits with sign +1, B = sign -1 in the metadata. Given
        subsets must agree with the measured sign pattern (or all be flipped, which returns
        the conjugate correlator's conjugate); the other qubits are marginalised out.

    Raises
    ------
    ValueError
        No Bell setting; a missing setting (names the index and phase); inconsistent
        num_phases/signs/axis; subsets that do not match the sign pattern.
    """
    settings, counts, _ = _collect(results)
    return _sigma_plus(settings, counts, plus, minus)


def _sigma_plus(settings: list[BellSetting], counts: list[Any], plus, minus) -> Estimate:
    if not settings:
        raise ValueError("no Bell settings (metadata kind 'bell') among the results")
    if any(s.index is None or s.num_phases is None for s in settings):
        # bound points of a parameter sweep: the grid step pi/P is the smallest gap between the
        # phases (mod pi), index j = (phi - phi_min)/step; a missing point is then named below
        phis = np.array([s.phi for s in settings])
        red = np.mod(phis - phis.min(), np.pi)
        gaps = np.diff(np.unique(np.append(red, np.pi)))
        step = float(gaps.min()) if gaps.size else np.pi
        p_all = int(round(np.pi / step))
        settings = [
            BellSetting(s.phi, int(round(r / step)) % p_all, p_all, s.signs, s.axis) for s, r in zip(settings, red)
        ]
    first = settings[0]
    for s in settings:
        if (s.num_phases, s.signs, s.axis) != (first.num_phases, first.signs, first.axis):
            raise ValueError(
                "Bell settings disagree on num_phases, signs or axis: "
                f"{(first.num_phases, first.signs, first.axis)} vs {(s.num_phases, s.signs, s.axis)}"
            )
    p = int(first.num_phases) if first.num_phases is not None else 0  # set for every setting above
    seen = [-1 if s.index is None else int(s.index) for s in settings]
    dup = sorted({i for i in seen if seen.count(i) > 1})
    if dup:
        raise ValueError(f"duplicate Bell setting index {dup}: give each phase index once")
    missing = sorted(set(range(p)) - set(seen))
    if missing:
        names = ", ".join(f"index {j} (phi = pi*{j}/{p} = {math.pi * j / p:.6g})" for j in missing)
        raise ValueError(f"missing Bell setting(s): {names}; all {p} phases are needed")
    n_all = len(first.signs)
    signs = np.array(first.signs)
    conj = False
    if plus is None and minus is None:
        a, b = np.flatnonzero(signs == 1), np.flatnonzero(signs == -1)
    else:
        a = np.asarray(sorted(plus or []), dtype=np.int64)
        b = np.asarray(sorted(minus or []), dtype=np.int64)
        qubits = np.concatenate([a, b])
        if qubits.size == 0 or np.unique(qubits).size != qubits.size:
            raise ValueError(f"plus {a.tolist()} and minus {b.tolist()} must be disjoint and not both empty")
        if qubits.min() < 0 or qubits.max() >= n_all:
            raise ValueError(f"plus/minus qubits must lie in 0..{n_all - 1}")
        if np.all(signs[a] == 1) and np.all(signs[b] == -1):
            pass
        elif np.all(signs[a] == -1) and np.all(signs[b] == 1):
            conj = True  # measured pattern is the mirror image: c_{A,B} = conj(c_{B,A})
        else:
            raise ValueError(
                f"E_(A,B) with A = {a.tolist()}, B = {b.tolist()} needs settings with sign +1 on A and -1 on B; "
                f"the settings have signs {list(first.signs)}"
            )
    qubits = np.sort(np.concatenate([a, b]))
    order = int(qubits.size)
    by_index = sorted(zip(settings, counts), key=lambda sc: -1 if sc[0].index is None else sc[0].index)
    means: list[float] = []
    shots: list[int] = []
    phases: list[float] = []
    for s, cts in by_index:
        parity = z_expectation(as_outcomes(cts, n_all), qubits.tolist())
        means.append(float(np.real(parity.value)))
        shots.append(int(parity.shots or 0))
        phases.append(s.phi)
    est, _ = sigma_plus_from_parities(means, shots, phases, order)
    details = dict(est.details, plus=a.tolist(), minus=b.tolist(), num_qubits=n_all)
    if conj:
        # measured B-raised pattern: swapping A and B conjugates c.
        cov = np.asarray(est.details["cov"]) * np.array([[1, -1], [-1, 1]])
        details["cov"] = cov.tolist()
        return Estimate(est.value.conjugate(), est.stderr, method=est.method, shots=est.shots, details=details)
    return Estimate(est.value, est.stderr, method=est.method, shots=est.shots, details=details)


def ghz_fidelity_from_counts(
    readout: CountsLike, c: Estimate, plus: Sequence[int], minus: Sequence[int] = ()
) -> Estimate:
    """GHZ fidelity ``(P + C)/2`` (PHYSICS.md) from the readout along xi and ``c``.

    ``P = p(x) + p(x̄)`` with x the string with 0 on A and 1 on B (``|0...0>`` and ``|1...1>``
    for E_{N,0}), binomial error ``sqrt(P(1-P)/N)``; ``C = 2|c|`` estimated as
    ``2 sqrt(max(E, 0))`` with the unbiased E, error ``2 sqrt(ĉ^T Sigma ĉ)/|ĉ|`` (delta method)
    or ``2 sqrt(tr Sigma)`` when ``|ĉ|^2 < 4 tr Sigma`` (near zero the delta method fails).
    The two settings are independent, so the variances add.
    """
    out = as_outcomes(readout)
    a = np.asarray(list(plus), dtype=np.int64)
    b = np.asarray(list(minus), dtype=np.int64)
    qubits = np.concatenate([a, b])
    if qubits.size == 0 or qubits.max() >= out.num_qubits:
        raise ValueError(f"plus/minus qubits {qubits.tolist()} do not fit the {out.num_qubits}-qubit readout")
    target = np.zeros(out.num_qubits, dtype=np.uint8)
    target[b] = 1
    sub = out.bits[:, qubits]
    hit = np.all(sub == target[qubits], axis=1) | np.all(sub == 1 - target[qubits], axis=1)
    shots = out.shots
    pop = float(out.counts[hit].sum() / shots)
    var_p = pop * (1.0 - pop) / shots
    cov = np.asarray(c.details["cov"], dtype=float)
    vec = np.array([c.value.real, c.value.imag])
    e_unb = float(c.details.get("E_unbiased", vec @ vec - np.trace(cov)))
    coh = 2.0 * math.sqrt(max(e_unb, 0.0))
    if vec @ vec >= 4.0 * np.trace(cov):
        var_c = 4.0 * float(vec @ cov @ vec) / float(vec @ vec)
    else:
        var_c = 4.0 * float(np.trace(cov))
    return Estimate(
        0.5 * (pop + coh),
        0.5 * math.sqrt(var_p + var_c),
        method="(P + C)/2",
        shots=shots + (c.shots or 0),
        details={"P": pop, "P_stderr": math.sqrt(var_p), "C": coh, "C_stderr": math.sqrt(var_c)},
    )


@dataclass(frozen=True)
class BellAnalysis:
    """Everything the Bell-correlator settings give (see :func:`analyse_bell`)."""

    num_qubits: int
    plus: tuple[int, ...]
    minus: tuple[int, ...]
    sigma_plus: Estimate
    correlator: Estimate
    bell_bound: float
    significance: float
    confidence: float
    violation: bool
    depth: int
    qfi_bound: Estimate
    fidelity: Estimate | None = None
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (Estimates as their ``to_dict()``)."""
        return {
            "num_qubits": self.num_qubits,
            "plus": list(self.plus),
            "minus": list(self.minus),
            "sigma_plus": self.sigma_plus.to_dict(),
            "correlator": self.correlator.to_dict(),
            "bell_bound": self.bell_bound,
            "significance": _json_number(self.significance),
            "confidence": self.confidence,
            "violation": self.violation,
            "depth": self.depth,
            "qfi_bound": self.qfi_bound.to_dict(),
            "fidelity": None if self.fidelity is None else self.fidelity.to_dict(),
            "details": _json_number(dict(self.details)),
        }


def analyse_bell(
    results: Sequence[tuple[Mapping[str, Any], CountsLike]],
    plus: Sequence[int] | None = None,
    minus: Sequence[int] | None = None,
    confidence: float = 0.999,
    n_boot: int = 0,
    seed: int | None = 0,
) -> BellAnalysis:
    """Bell correlator, violation, depth, QFI bound and GHZ fidelity from labelled counts.

    Parameters
    ----------
    results : list of (metadata, counts)
        Metadata is the ``setting`` dict or a whole ``circuit.metadata``. Bell settings
        (``kind = "bell"``, all P phases) are required; a ``"computational"`` readout (for
        ``xi = z``) or a ``"collective"`` readout along xi adds the GHZ fidelity.
    plus, minus : optional subsets A, B (default from the signs)
    confidence : float
        One-sided confidence for claiming a violation and the depth (0.999: z = 3.09).
    n_boot, seed : int
        If ``n_boot > 0``, ``correlator.interval`` is a 95% parametric-bootstrap interval
        (:func:`bootstrap_correlator`).

    Returns
    -------
    BellAnalysis
        ``correlator`` E (unbiased) with error; ``significance = (E - 2^{-n})/stderr``;
        ``violation`` iff ``significance > z(confidence)``; ``depth`` from
        :func:`claimed_depth`; ``qfi_bound = 4 n^2 E`` (seed 001 eq. 24, (N,0) term);
        ``fidelity`` (P + C)/2 when a readout along xi is present.
    """
    settings, counts, readouts = _collect(results)
    c = _sigma_plus(settings, counts, plus, minus)
    a = tuple(c.details["plus"])
    b = tuple(c.details["minus"])
    n = len(a) + len(b)
    e = correlator_from_sigma_plus(c)
    if n_boot:
        e = Estimate(e.value, e.stderr, bootstrap_correlator(c, n_boot, seed), e.method, e.shots, e.details)
    bound = 2.0 ** (-n)
    sig = e.significance(bound)
    z = z_for_confidence(confidence)
    depth = claimed_depth(e, n, confidence) if n == c.details["num_qubits"] else 0
    qfi = Estimate(4 * n * n * e.value, 4 * n * n * e.stderr, method="4 n^2 E (seed 001 eq. 24)", shots=e.shots)
    fidelity = None
    xi = np.asarray(settings[0].axis)
    for meta, cts in readouts:
        axis = np.array([0.0, 0.0, 1.0]) if meta.get("kind") == "computational" else unit_axis(meta.get("axis", "z"))
        if np.allclose(axis, xi, atol=1e-9):
            fidelity = ghz_fidelity_from_counts(cts, c, a, b)
            break
    return BellAnalysis(
        num_qubits=n,
        plus=a,
        minus=b,
        sigma_plus=c,
        correlator=e,
        bell_bound=bound,
        significance=sig,
        confidence=float(confidence),
        violation=bool(sig > z),
        depth=depth,
        qfi_bound=qfi,
        fidelity=fidelity,
        details={"z": z, "num_phases": settings[0].num_phases},
    )
