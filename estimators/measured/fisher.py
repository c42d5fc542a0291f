"""Classical Fisher information from counts, three ways (they fail differently).

Input: counts at a few encoding angles around a working point theta_0, as
``[(theta, counts), ...]``, and an ``observable`` that says how shots are read:

* ``"parity"``: the ±1 product of all bits (two outcomes);
* ``"collective"``: the collective spin ``J_axis = n/2 - w`` of the Hamming weight w (n+1 outcomes);
* ``"outcomes"``: the full bit string (up to 2^n outcomes; n <= 30);
* a callable ``f(bits) -> values`` on the ``(m, n)`` bit matrix of distinct outcomes (moments
  use the values; distributions use the distinct values as outcome classes).

Methods and when they are biased
--------------------------------
1. :func:`fisher_moments` (method of moments, Fieller interval: correct coverage at any shot count)
   ``F = (d<O>/dtheta)^2 / Var(O)`` with the slope from a polynomial fit of ``<O>(theta)``.
   Unbiased in the shot noise to first order after subtracting ``Var(slope)`` from the squared
   slope; systematic bias O(delta^2) from the finite offsets (curvature/third derivative of
   ``<O>``): keep ``n delta << 1`` (e.g. ``(sin n delta / n delta)^2`` for GHZ parity). Only
   K = 2 outcomes for a parity, so it has no outcomes-vs-shots problem. For a binary
   observable it equals the CFI of that readout; otherwise it is a lower bound on the CFI.
2. :func:`fisher_hellinger` (Strobel et al., Science 345, 424 (2014)): fit
   ``d_H^2(theta_0, theta_0 + delta) = c_0 + F delta^2 / 8`` over several offsets, with
   ``d_H^2 = 1 - sum_k sqrt(p_k q_k)``. Finite shots bias every empirical ``d_H^2`` upwards by
   roughly ``(K_eff - 1)/8 (1/N_1 + 1/N_2)`` (K_eff: outcomes with appreciable probability);
   that is nearly independent of delta, so the fitted offset ``c_0`` absorbs it. The remainder
   is biased once K_eff is comparable to the shots N (the offset then depends on delta), and at
   large delta from the O(delta^4) terms (optionally fitted with ``quartic=True``). Error bars:
   bootstrap.
3. :func:`fisher_finite_difference`: ``F = sum_k (p_k(+) - p_k(-))^2 / (4 delta^2 p_k(0))`` with
   the shot-noise bias of the squared difference removed (``- v̂_+ - v̂_-``,
   ``v̂ = p̂(1-p̂)/(N-1)``, unbiased). Still biased when K is comparable to N: outcomes never
   seen at theta_0 are dropped (bias down) and ``E[1/p̂_0] > 1/p_0`` (bias up,
   relative ``(1-p)/(N p)``); plus O(delta^2) systematics. Error bars: bootstrap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import norm

from .estimate import Estimate
from .shots import CountsLike, Outcomes, as_outcomes_many

__all__ = [
    "Observable",
    "observable_values",
    "outcome_distributions",
    "fisher_moments",
    "fisher_hellinger",
    "fisher_finite_difference",
]

Observable = str | Callable[[np.ndarray], np.ndarray]
_OBSERVABLES = ("parity", "collective", "outcomes")


def _check_observable(observable: Observable) -> None:
    if not callable(observable) and observable not in _OBSERVABLES:
        raise ValueError(
            f"unknown observable {observable!r}; use one of {_OBSERVABLES} or a callable on the bit matrix"
        )


def observable_values(out: Outcomes, observable: Observable) -> np.ndarray:
    """Per distinct outcome: parity ±1, ``J = n/2 - w`` (collective), the integer index (outcomes) or f(bits)."""
    _check_observable(observable)
    if callable(observable):
        vals = np.asarray(observable(out.bits), dtype=float)
        if vals.shape != (len(out.counts),):
            raise ValueError(f"observable callable must return one value per outcome, shape ({len(out.counts)},)")
        return vals
    if observable == "parity":
        return 1.0 - 2.0 * (out.bits.sum(axis=1) % 2)
    if observable == "collective":
        return out.num_qubits / 2.0 - out.bits.sum(axis=1)
    if out.num_qubits > 30:
        raise ValueError(f"observable 'outcomes' needs n <= 30 qubits (2^n classes), got {out.num_qubits}")
    return (out.bits.astype(np.int64) @ (np.int64(1) << np.arange(out.num_qubits, dtype=np.int64))).astype(float)


def outcome_distributions(data: Sequence[CountsLike], observable: Observable = "outcomes") -> np.ndarray:
    """Histograms of several data sets on a common set of outcome classes: int array (sets, K).

    Only classes seen in at least one data set are kept (so K <= total distinct outcomes).
    """
    outs = as_outcomes_many(data)
    vals = [observable_values(o, observable) for o in outs]
    classes, inverse = np.unique(np.concatenate(vals), return_inverse=True)
    hist = np.zeros((len(outs), classes.size), dtype=np.int64)
    start = 0
    for i, o in enumerate(outs):
        idx = inverse[start:start + len(o.counts)]
        np.add.at(hist[i], idx, o.counts)
        start += len(o.counts)
    return hist


def _split(samples: Sequence[tuple[float, CountsLike]]) -> tuple[np.ndarray, list[CountsLike]]:
    if not isinstance(samples, (list, tuple)) or not samples:
        raise ValueError("samples must be a non-empty list of (theta, counts) pairs")
    thetas, data = [], []
    for item in samples:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError("samples must be (theta, counts) pairs")
        t = item[0]
        if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)) or not math.isfinite(t):
            raise ValueError(f"theta must be a finite real number, got {t!r}")
        thetas.append(float(t))
        data.append(item[1])
    th = np.asarray(thetas)
    if np.unique(th).size != th.size:
        raise ValueError(f"thetas {th.tolist()} repeat: merge the counts of equal angles first")
    return th, data


def fisher_moments(
    samples: Sequence[tuple[float, CountsLike]],
    theta0: float,
    observable: Observable = "parity",
    confidence: float = 0.95,
) -> Estimate:
    """Method-of-moments Fisher information ``(d<O>/dtheta)^2 / Var(O)`` at ``theta0``.

    Parameters
    ----------
    samples : list of (theta, counts)
        At least 2 angles; one of them must be ``theta0`` (its shots give ``Var(O)``).
        The slope is the linear coefficient of a polynomial fit (degree min(2, K-1)) of the
        sample means in ``theta - theta0``; with ``theta0 ± delta`` and ``theta0`` it is the
        central difference, independent of the centre sample.
    theta0 : float
    observable : "parity", "collective" or callable (values per outcome)

    confidence : float
        Two-sided level of ``interval`` (default 0.95).

    Returns
    -------
    Estimate
        ``F = (b̂^2 - Var(b̂)) / s^2`` (first-order bias-corrected). ``interval``: Fieller's
        interval for ``F = (b/s)^2`` (see ``_fieller_interval``), whose coverage holds at any shot
        count; the delta-method error ``sqrt(4 b^2 Var b + ...) / s^2`` does not (it uses the
        estimated slope: at 50 shots per angle its z-scores had sd 30-115). ``stderr`` is the
        interval's half-width over z, or ``inf`` when the slope is not significant at
        ``confidence`` (then ``interval = (0, upper)``: an upper bound only).
        ``details``: slope, its error, variance, ``slope_significant``.
    """
    if observable == "outcomes":
        raise ValueError(
            "the method of moments needs a numeric observable ('parity', 'collective' or a callable), not 'outcomes'"
        )
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be a float in (0, 1), got {confidence!r}")
    th, data = _split(samples)
    if len(th) < 2:
        raise ValueError(
            "the method of moments needs counts at >= 2 angles (e.g. theta0 - delta, theta0, theta0 + delta)"
        )
    centre = np.flatnonzero(np.isclose(th, theta0, rtol=0, atol=1e-12))
    if centre.size != 1:
        raise ValueError(f"no counts at theta0 = {theta0} among thetas {th.tolist()}: Var(O) is taken there")
    means, var_means = np.empty(len(th)), np.empty(len(th))
    centre_var = centre_var_err = 0.0
    shots_total = 0
    for i, out in enumerate(as_outcomes_many(data)):
        v = observable_values(out, observable)
        w = out.counts.astype(float)
        shots = float(w.sum())
        shots_total += int(shots)
        if shots < 2:
            raise ValueError(f"counts at theta = {th[i]} hold {int(shots)} shot(s); need >= 2")
        mu = float(w @ v / shots)
        s2 = float(w @ (v - mu) ** 2 / (shots - 1))
        means[i], var_means[i] = mu, s2 / shots
        if i == centre[0]:
            m4 = float(w @ (v - mu) ** 4 / shots)
            centre_var = s2
            centre_var_err = math.sqrt(max(m4 - (shots - 3) / (shots - 1) * s2 * s2, 0.0) / shots)
    x = th - theta0
    deg = min(2, len(th) - 1)
    design = np.vander(x, deg + 1, increasing=True)
    slope_row = np.linalg.pinv(design)[1]  # linear functional: b̂ = slope_row @ means
    slope = float(slope_row @ means)
    var_slope = float(slope_row**2 @ var_means)
    if centre_var <= 0:
        raise ValueError(
            f"Var(O) = 0 at theta0 = {theta0}: the observable is deterministic there and the method of moments "
            "is undefined; move the working point"
        )
    fisher = (slope * slope - var_slope) / centre_var
    lo, hi, bounded = _fieller_interval(slope, var_slope, centre_var, centre_var_err, confidence)
    z = float(norm.ppf(0.5 + confidence / 2.0))
    return Estimate(
        fisher,
        (hi - lo) / (2.0 * z) if bounded else math.inf,
        interval=(lo, hi),
        method="moments: (d<O>/dtheta)^2 / Var(O), bias-corrected; Fieller interval",
        shots=shots_total,
        details={
            "slope": slope,
            "slope_stderr": math.sqrt(var_slope),
            "variance": centre_var,
            "variance_stderr": centre_var_err,
            "max_offset": float(np.max(np.abs(x))),
            "slope_significant": bounded,
            "confidence": confidence,
        },
    )


def _fieller_interval(b: float, var_b: float, s2: float, s2_err: float, confidence: float) -> tuple[float, float, bool]:
    """Fieller interval for ``F = theta^2``, ``theta = b / s`` (Fieller, J. R. Stat. Soc. B 16, 175 (1954)).

    With ``s = sqrt(s2)``, ``Var s ~ Var(s2) / (4 s2)`` and b, s independent and Gaussian, the set
    ``(b - theta s)^2 <= z^2 (Var b + theta^2 Var s)`` is the quadratic
    ``A theta^2 - 2 b s theta + (b^2 - z^2 Var b) <= 0`` with ``A = s2 - z^2 Var s``. It does not use
    the estimated slope in the error (the delta method does, and is over-confident exactly when the
    slope is small). Returns ``(lo, hi, bounded)``: ``bounded`` is False when the slope is not
    significant (``b^2 <= z^2 Var b``: the theta set contains 0, so F's interval starts at 0 and no
    finite standard error is given); ``hi = inf`` when the set is unbounded (``A <= 0``).
    """
    z = float(norm.ppf(0.5 + confidence / 2.0))
    s = math.sqrt(s2)
    var_s = s2_err**2 / (4.0 * s2)
    a = s2 - z * z * var_s
    c = b * b - z * z * var_b
    disc = (b * s) ** 2 - a * c
    if a <= 0 or disc < 0:
        return 0.0, math.inf, False
    roots = sorted(((b * s - math.sqrt(disc)) / a, (b * s + math.sqrt(disc)) / a))
    if c <= 0:  # the theta interval contains 0
        return 0.0, max(r * r for r in roots), False
    return min(r * r for r in roots), max(r * r for r in roots), True


def _hellinger_sq(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``1 - sum_k sqrt(p_k q_k)`` along the last axis (Strobel et al. 2014 normalisation)."""
    return 1.0 - np.sum(np.sqrt(p * q), axis=-1)


def _boot_hists(hist: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial resamples of each histogram row: shape (n_boot, sets, K), as probabilities."""
    shots = hist.sum(axis=1)
    probs = hist / shots[:, None]
    draws = np.stack([rng.multinomial(int(n), p, size=n_boot) for n, p in zip(shots, probs)], axis=1)
    return draws / shots[None, :, None]


def _check_boot(n_boot: int) -> int:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 20:
        raise ValueError(f"n_boot must be an int >= 20, got {n_boot!r}")
    return int(n_boot)


def fisher_hellinger(
    reference: CountsLike,
    shifted: Sequence[tuple[float, CountsLike]],
    observable: Observable = "collective",
    *,
    quartic: bool = False,
    n_boot: int = 200,
    seed: int | None = 0,
) -> Estimate:
    """Fisher information from the Hellinger distance (Strobel et al., Science 345, 424 (2014)).

    ``d_H^2(delta) = 1 - sum_k sqrt(p_k(theta_0) p_k(theta_0 + delta)) ≈ c_0 + F delta^2/8``,
    fitted by least squares over the offsets; ``c_0`` absorbs the finite-shot offset of the
    empirical distance. An independent repeat at ``delta = 0`` (include ``(0.0, counts)`` in
    ``shifted``) pins ``c_0`` directly.

    Parameters
    ----------
    reference : counts at theta_0
    shifted : list of (delta, counts at theta_0 + delta)
        At least 2 distinct ``|delta|`` values (3 with ``quartic``); signs may be mixed.
    observable : "collective" (default), "parity", "outcomes" or callable
    quartic : bool
        Also fit a ``delta^4`` term (for offsets where ``F delta^2`` is not small).
    n_boot, seed : bootstrap resamples (multinomial on every histogram) and their seed.

    Returns
    -------
    Estimate
        F with the bootstrap standard deviation as stderr and the 2.5-97.5% bootstrap
        percentile interval; ``details``: ``c0``, offsets, distances.
    """
    n_boot = _check_boot(n_boot)
    deltas, data = _split(shifted)
    cols = [np.ones_like(deltas), deltas**2 / 8.0] + ([deltas**4] if quartic else [])
    design = np.stack(cols, axis=1)
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError(
            f"offsets {deltas.tolist()} cannot fit {design.shape[1]} coefficients: give at least "
            f"{design.shape[1]} distinct |delta| values"
        )
    hist = outcome_distributions([reference] + list(data), observable)
    pinv_row = np.linalg.pinv(design)[1]
    probs = hist / hist.sum(axis=1, keepdims=True)
    dist = _hellinger_sq(probs[0][None, :], probs[1:])
    fisher = float(pinv_row @ dist)
    c0 = float(np.linalg.pinv(design)[0] @ dist)
    rng = np.random.default_rng(seed)
    boot = _boot_hists(hist, n_boot, rng)
    boot_f = _hellinger_sq(boot[:, :1, :], boot[:, 1:, :]) @ pinv_row
    lo, hi = np.percentile(boot_f, [2.5, 97.5])
    return Estimate(
        fisher,
        float(np.std(boot_f, ddof=1)),
        interval=(float(lo), float(hi)),
        method="Hellinger fit c0 + F delta^2/8 (Strobel 2014), bootstrap errors",
        shots=int(hist.sum()),
        details={"c0": c0, "deltas": deltas.tolist(), "distances": dist.tolist(), "outcomes": int(hist.shape[1])},
    )


def fisher_finite_difference(
    samples: Sequence[tuple[float, CountsLike]],
    observable: Observable = "outcomes",
    *,
    n_boot: int = 200,
    seed: int | None = 0,
) -> Estimate:
    """Fisher information from central finite differences of the whole outcome distribution.

    ``F = sum_k [(p̂_k(+) - p̂_k(-))^2 - v̂_k(+) - v̂_k(-)] / (4 delta^2 p̂_k(0))`` over outcomes
    with ``p̂_k(0) > 0``, ``v̂ = p̂(1-p̂)/(N-1)`` (removes the shot-noise bias of the squared
    difference exactly). See the module docstring for the remaining biases.

    Parameters
    ----------
    samples : exactly three (theta, counts): ``theta0 - delta``, ``theta0``, ``theta0 + delta``
    observable : "outcomes" (default), "collective", "parity" or callable
    n_boot, seed : bootstrap resamples and seed (stderr and 95% percentile interval)
    """
    n_boot = _check_boot(n_boot)
    th, data = _split(samples)
    if len(th) != 3:
        raise ValueError(
            f"finite differences need exactly 3 angles (theta0 - delta, theta0, theta0 + delta), got {len(th)}"
        )
    order = np.argsort(th)
    th = th[order]
    data = [data[i] for i in order]
    delta = (th[2] - th[0]) / 2.0
    if not np.isclose(th[1] - th[0], th[2] - th[1], rtol=1e-9, atol=1e-12):
        raise ValueError(f"angles {th.tolist()} are not symmetric about the middle one")
    hist = outcome_distributions([data[0], data[1], data[2]], observable)
    shots = hist.sum(axis=1).astype(float)
    if np.any(shots < 2):
        raise ValueError("every angle needs at least 2 shots")

    def estimate(p: np.ndarray) -> np.ndarray:  # p: (..., 3, K) probabilities
        pm, p0, pp = p[..., 0, :], p[..., 1, :], p[..., 2, :]
        num = (pp - pm) ** 2 - pp * (1 - pp) / (shots[2] - 1) - pm * (1 - pm) / (shots[0] - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p0 > 0, num / (4 * delta * delta * p0), 0.0)
        return terms.sum(axis=-1)

    probs = hist / shots[:, None]
    fisher = float(estimate(probs))
    boot = estimate(_boot_hists(hist, n_boot, np.random.default_rng(seed)))
    lo, hi = np.percentile(boot, [2.5, 97.5])
    unseen = int(np.sum((hist[1] == 0) & ((hist[0] > 0) | (hist[2] > 0))))
    return Estimate(
        fisher,
        float(np.std(boot, ddof=1)),
        interval=(float(lo), float(hi)),
        method="finite differences of the distribution, shot-noise bias removed, bootstrap errors",
        shots=int(shots.sum()),
        details={"delta": float(delta), "outcomes": int(hist.shape[1]), "dropped_outcomes": unseen},
    )
