"""Maximum-likelihood phase estimation from counts, and its variance against Cramér-Rao.

The model probabilities come from outside (the exact layer): a callable
``model(thetas) -> probs`` mapping an array of G angles to a ``(G, K)`` array of outcome
probabilities, with the outcome classes of the ``observable``:

* ``"parity"``: K = 2, class 0 = even number of 1 bits, class 1 = odd;
* ``"hamming"``: K = n+1, class w = Hamming weight;
* ``"outcomes"``: K = 2^n, class = the little-endian integer of the bit string.

The MLE maximises ``L(theta) = sum_k N_k log p_k(theta)`` on a grid over ``bounds`` and refines
it with a bounded scalar search around the best grid point. Its standard error is the
Cramér-Rao value ``1/sqrt(N F(theta_hat))`` with F the model's classical Fisher information
(asymptotic in N; the phase must be identifiable within ``bounds``, e.g. one monotonic branch
``[0, pi/n]`` for a GHZ parity).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from .estimate import Estimate
from .shots import CountsLike, as_outcomes

__all__ = ["class_counts", "model_fisher", "mle_phase", "PhaseStudy", "mle_study"]

Model = Callable[[np.ndarray], np.ndarray]
_TINY = 1e-300  # floor on model probabilities inside log (a zero-probability outcome seen => -inf otherwise)


def class_counts(data: CountsLike, observable: str = "parity") -> np.ndarray:
    """Counts per outcome class of ``observable`` (see the module docstring): int array (K,)."""
    out = as_outcomes(data)
    w = out.bits.sum(axis=1)
    if observable == "parity":
        return np.bincount(w % 2, weights=out.counts, minlength=2).astype(np.int64)
    if observable == "hamming":
        return np.bincount(w, weights=out.counts, minlength=out.num_qubits + 1).astype(np.int64)
    if observable == "outcomes":
        if out.num_qubits > 24:
            raise ValueError(f"observable 'outcomes' needs n <= 24 (2^n classes), got {out.num_qubits}")
        idx = out.bits.astype(np.int64) @ (np.int64(1) << np.arange(out.num_qubits, dtype=np.int64))
        return np.bincount(idx, weights=out.counts, minlength=1 << out.num_qubits).astype(np.int64)
    raise ValueError(f"unknown observable {observable!r}; use 'parity', 'hamming' or 'outcomes'")


def _probs(model: Model, thetas: np.ndarray, k: int) -> np.ndarray:
    p = np.asarray(model(np.asarray(thetas, dtype=float)), dtype=float)
    if p.ndim == 1 and thetas.size == 1:
        p = p[None, :]
    if p.shape != (thetas.size, k):
        raise ValueError(
            f"model returned shape {p.shape} for {thetas.size} angles; expected ({thetas.size}, {k}): "
            "one row of outcome probabilities per angle, in the observable's class order"
        )
    if np.any(p < -1e-12) or np.any(np.abs(p.sum(axis=1) - 1) > 1e-8):
        raise ValueError("model probabilities must be non-negative and sum to 1 for every angle")
    return np.clip(p, 0.0, None)


def model_fisher(model: Model, theta: float, k: int, step: float = 1e-5) -> float:
    """Classical Fisher information ``sum_k p_k'^2 / p_k`` of the model at theta (central differences)."""
    p = _probs(model, np.array([theta - step, theta, theta + step]), k)
    dp = (p[2] - p[0]) / (2 * step)
    mask = p[1] > 1e-14
    return float(np.sum(dp[mask] ** 2 / p[1][mask]))


def _check_bounds(bounds: Sequence[float]) -> tuple[float, float]:
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bounds must be (low, high) floats, got {bounds!r}") from exc
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"bounds must be finite with low < high, got {bounds!r}")
    return lo, hi


def _mle_many(
    counts: np.ndarray, model: Model, bounds: Sequence[float], grid: int, observable: str
) -> list[Estimate]:
    """MLE for each row of ``counts`` (R, K): one vectorised grid search, then a bounded refinement."""
    lo, hi = _check_bounds(bounds)
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 16:
        raise ValueError(f"grid must be an int >= 16, got {grid!r}")
    k = counts.shape[1]
    thetas = np.linspace(lo, hi, int(grid))
    logp = np.log(np.maximum(_probs(model, thetas, k), _TINY))  # (G, K)
    loglik = counts @ logp.T  # (R, G)
    best = np.argmax(loglik, axis=1)
    out = []
    for r in range(counts.shape[0]):  # refinement per data set (not per shot)
        c = counts[r]
        i = int(best[r])
        a, b = thetas[max(i - 1, 0)], thetas[min(i + 1, grid - 1)]

        def neg(t: float, c: np.ndarray = c) -> float:
            return -float(np.log(np.maximum(_probs(model, np.array([t]), k)[0], _TINY)) @ c)

        res = minimize_scalar(neg, bounds=(a, b), method="bounded", options={"xatol": 1e-10 * max(1.0, hi - lo)})
        theta = float(res.x) if -res.fun >= loglik[r, i] else float(thetas[i])
        fisher = model_fisher(model, theta, k, step=1e-6 * max(1.0, hi - lo))
        shots = float(c.sum())
        on_bound = bool(min(theta - lo, hi - theta) < 1e-6 * (hi - lo))
        out.append(
            Estimate(
                theta,
                1.0 / math.sqrt(shots * fisher) if fisher > 0 else math.inf,
                method=f"maximum likelihood ({observable}), Cramér-Rao error",
                shots=int(shots),
                details={"fisher": fisher, "loglik": -neg(theta), "on_bound": on_bound},
            )
        )
    return out


def mle_phase(
    data: CountsLike,
    model: Model,
    bounds: Sequence[float],
    observable: str = "parity",
    grid: int = 512,
) -> Estimate:
    """Maximum-likelihood theta from counts, with the Cramér-Rao standard error.

    Parameters
    ----------
    data : counts-like
    model : callable ``thetas (G,) -> probabilities (G, K)``
    bounds : (low, high)
        Search interval; must contain a single branch of the likelihood.
    observable : "parity", "hamming" or "outcomes"
    grid : number of grid points for the global search (>= 16)

    Returns
    -------
    Estimate
        ``value = theta_hat``; ``stderr = 1/sqrt(N F(theta_hat))``; ``details``: F, log-likelihood,
        whether the estimate sits on a bound (then the error is not meaningful).
    """
    counts = class_counts(data, observable).astype(float)
    return _mle_many(counts[None, :], model, bounds, grid, observable)[0]


@dataclass(frozen=True)
class PhaseStudy:
    """Repeated MLEs on fresh samples against ``1/(shots F)``."""

    estimates: np.ndarray
    mean: Estimate
    variance: Estimate
    cramer_rao: float
    ratio: Estimate

    def to_dict(self) -> dict:
        return {
            "estimates": self.estimates.tolist(),
            "mean": self.mean.to_dict(),
            "variance": self.variance.to_dict(),
            "cramer_rao": self.cramer_rao,
            "ratio": self.ratio.to_dict(),
        }


def mle_study(
    datasets: Sequence[CountsLike],
    model: Model,
    bounds: Sequence[float],
    theta_true: float,
    observable: str = "parity",
    grid: int = 512,
) -> PhaseStudy:
    """MLE on each of R independent data sets; empirical variance vs Cramér-Rao ``1/(N F(theta))``.

    ``variance`` is the sample variance (ddof=1) with the Gaussian error ``s^2 sqrt(2/(R-1))``;
    ``ratio = variance / cramer_rao`` (1 for an efficient estimator). All data sets must have
    the same number of shots N.
    """
    if len(datasets) < 2:
        raise ValueError("need at least 2 data sets for an empirical variance")
    counts = np.stack([class_counts(d, observable) for d in datasets]).astype(float)
    ests = _mle_many(counts, model, bounds, grid, observable)
    shots = {int(e.shots or 0) for e in ests}
    if len(shots) != 1:
        raise ValueError(f"all data sets must have the same number of shots, got {sorted(shots)}")
    values = np.array([e.value for e in ests])
    reps = values.size
    var = float(np.var(values, ddof=1))
    var_err = var * math.sqrt(2.0 / (reps - 1))
    k = class_counts(datasets[0], observable).size
    crb = 1.0 / (shots.pop() * model_fisher(model, float(theta_true), k))
    return PhaseStudy(
        estimates=values,
        mean=Estimate(float(values.mean()), math.sqrt(var / reps), method="mean of MLEs", shots=None),
        variance=Estimate(var, var_err, method="sample variance of MLEs"),
        cramer_rao=crb,
        ratio=Estimate(var / crb, var_err / crb, method="variance / Cramér-Rao"),
    )
