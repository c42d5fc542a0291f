"""Exact Fisher information of a collective readout along an encoded family, and its best working point.

A probe ``rho`` (or ``psi``) is encoded as ``rho_theta = exp(-i theta h) rho exp(i theta h)`` and
read out by rotating every qubit and counting the Hamming weight ``w`` of the outcome. A statistic
``M(w)`` of the weight is then used to estimate theta:

* ``parity``: ``M = (-1)^w`` (GHZ-like probes, Bollinger et al., Phys. Rev. A 54, R4649 (1996));
* ``mean``: ``M = J = n/2 - w`` (the collective spin along the readout axis);
* ``second_moment``: ``M = J^2`` (Dicke probes, whose ``<J>`` does not depend on theta).

The functions here give, from exact outcome distributions, the infinite-shot value of the counts
estimators of :mod:`bellsense.estimators.measured` (:func:`method_limit`), the classical Fisher
information of the readout including its 0/0 limits (:func:`cfi_limit`), and the working point
theta0 that maximises what the chosen estimator measures (:func:`best_working_point`). The
families :class:`PureFamily` (state vector, ``O(n 2^n)`` per angle), :class:`DensityFamily`
(density matrix, ``h`` diagonalised once with ``eigh``) and ``estimators.PIFamily`` (a
permutation-invariant state at any n, block by block: ``pi_readout.py``) give the exact distributions;
every function here takes any of them (the :class:`Family` protocol).

References: method of moments ``F = (d<M>/dtheta)^2 / Var M`` (error propagation, Pezzè et al.,
Rev. Mod. Phys. 90, 035005 (2018), arXiv:1609.01609); Hellinger fit ``d_H^2(theta) = F theta^2 / 8``
(Strobel et al., Science 345, 424 (2014), arXiv:1507.03782).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from .classical import Readout, cfi, readout_distribution

__all__ = [
    "STATISTICS",
    "FISHER_OFFSETS",
    "statistic_values",
    "fisher_offsets",
    "method_limit",
    "Family",
    "PureFamily",
    "DensityFamily",
    "cfi_limit",
    "best_working_point",
]

#: Functions M(w) of the Hamming weight w that a Fisher readout can use.
STATISTICS = ("parity", "mean", "second_moment")
#: Encoding angles of the Fisher PUB per method, in units of delta around theta0.
FISHER_OFFSETS: dict[str, tuple[int, ...]] = {
    "moments": (-1, 0, 1),
    "finite_difference": (-1, 0, 1),
    "hellinger": (-2, -1, 0, 1, 2),  # the fit needs two |delta|
}
#: Grid points of the working-point search per period of the readout signal.
THETA_GRID = 24
#: Outcomes below this probability at the working point make the CFI a 0/0 limit (see cfi_limit).
ZERO_OUTCOME = 1e-10
#: Offset at which that limit is evaluated: p ~ (1e-4)^2 stays far above floating-point noise.
LIMIT_OFFSET = 1e-4


def statistic_values(statistic: str, n: int) -> np.ndarray:
    """The statistic ``M(w)`` for every Hamming weight ``w = 0..n``.

    ``parity``: ``(-1)^w``; ``mean``: ``J = n/2 - w``; ``second_moment``: ``J^2``.

    Raises
    ------
    ValueError
        For an unknown statistic.
    """
    w = np.arange(n + 1)
    j = n / 2.0 - w
    if statistic == "parity":
        return 1.0 - 2.0 * (w % 2)
    if statistic == "mean":
        return j
    if statistic == "second_moment":
        return j**2
    raise ValueError(f"unknown statistic {statistic!r}; allowed: {', '.join(STATISTICS)}")


def fisher_offsets(method: str) -> tuple[int, ...]:
    """Encoding angles ``theta0 + k delta`` of a Fisher measurement: the offsets k of ``method``.

    Raises
    ------
    ValueError
        For an unknown method (allowed: the keys of :data:`FISHER_OFFSETS`).
    """
    try:
        return FISHER_OFFSETS[method]
    except KeyError:
        raise ValueError(f"unknown Fisher method {method!r}; allowed: {', '.join(FISHER_OFFSETS)}") from None


def method_limit(method: str, probs: Sequence[np.ndarray], values: np.ndarray, delta: float) -> float:
    """The exact infinite-shot value of a counts Fisher estimator, finite step delta included.

    ``probs`` are the exact Hamming-weight distributions at ``theta0 + k delta`` for the offsets
    k of :func:`fisher_offsets`; ``values`` the statistic ``M(w)`` (moments only).

    * ``moments``: ``F = b^2 / Var_0 M`` with the central-difference slope
      ``b = (<M>_+ - <M>_-) / (2 delta)`` (0 if ``Var_0 M`` vanishes);
    * ``finite_difference``: ``F = sum_w (p_+(w) - p_-(w))^2 / (4 delta^2 p_0(w))``, outcomes with
      ``p_0(w) <=`` :data:`ZERO_OUTCOME` dropped (as the counts estimator drops unseen outcomes);
    * ``hellinger``: the least-squares fit ``d_H^2(k delta) = c_0 + F (k delta)^2 / 8`` with
      ``d_H^2 = 1 - sum_w sqrt(p_0 p_k)`` (Strobel et al. 2014).

    This is what ``fisher_moments``, ``fisher_finite_difference`` and ``fisher_hellinger``
    converge to with many shots. It differs from the CFI by ``O(delta^2)``.
    """
    offsets = np.array(fisher_offsets(method), dtype=float) * delta
    arrays = [np.asarray(p, dtype=float) for p in probs]
    if len(arrays) != len(offsets):
        raise ValueError(f"method {method!r} needs {len(offsets)} distributions, got {len(arrays)}")
    if method == "hellinger":
        p0 = arrays[len(arrays) // 2]
        keep = offsets != 0
        dist = np.array([1.0 - np.sum(np.sqrt(np.clip(p0 * p, 0, None))) for p in arrays])[keep]
        design = np.stack([np.ones(int(keep.sum())), offsets[keep] ** 2 / 8.0], axis=1)
        return float(np.linalg.pinv(design)[1] @ dist)
    pm, p0, pp = arrays
    if method == "moments":
        mean0 = float(values @ p0)
        var = float((values - mean0) ** 2 @ p0)
        slope = float(values @ pp - values @ pm) / (2 * delta)
        return slope**2 / var if var > 1e-14 else 0.0
    # "impossible" means below ZERO_OUTCOME: float round-off leaves ~1e-33 where 0/0 would follow.
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p0 > ZERO_OUTCOME, (pp - pm) ** 2 / (4 * delta**2 * p0), 0.0)
    return float(terms.sum())


class Family(Protocol):
    """An encoded family: exact Hamming-weight distribution ``p(w)`` and ``dp/dtheta`` at theta."""

    def distribution(self, theta: float) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class PureFamily:
    """The encoded family ``psi_theta = exp(-i theta h) psi`` of a pure probe, ``O(n 2^n)`` per angle.

    Nothing of size ``4^n`` is formed: the encoding (``encoding(theta)``, a circuit or operator
    of ``exp(-i theta h)``) and the readout's ``basis_change`` are applied to the state vector,
    and ``d psi_theta = -i h psi_theta`` (``h`` may be sparse). With ``R`` the basis change,
    ``p(w) = sum_{x: |x| = w} |<x|R psi_theta>|^2`` and
    ``dp(w) = sum_{x: |x| = w} 2 Re[<x|R psi_theta>^* <x|R d psi_theta>]``; ``weights[x]`` is the
    Hamming weight of basis state x.
    """

    psi: np.ndarray
    gen: Any
    encoding: Callable[[float], Any]
    basis_change: Any
    weights: np.ndarray

    def distribution(self, theta: float) -> tuple[np.ndarray, np.ndarray]:
        from qiskit.quantum_info import Statevector

        n = int(self.basis_change.num_qubits)
        psi = self.psi if theta == 0.0 else Statevector(self.psi).evolve(self.encoding(theta)).data
        dpsi = -1j * np.asarray(self.gen @ psi)
        phi = Statevector(psi).evolve(self.basis_change).data
        dphi = Statevector(dpsi).evolve(self.basis_change).data
        p = np.bincount(self.weights, weights=np.abs(phi) ** 2, minlength=n + 1)
        dp = np.bincount(self.weights, weights=2.0 * np.real(phi.conj() * dphi), minlength=n + 1)
        return p, dp[None, :]


@dataclass(frozen=True)
class DensityFamily:
    """The encoded family ``rho_theta = exp(-i theta h) rho exp(i theta h)`` read out by ``readout``.

    ``h = V diag(e) V^dagger`` is diagonalised once (``eigh``), so an angle costs two matrix
    products; :func:`readout_distribution` gives the exact outcome probabilities and their
    analytic derivatives at that angle. Build it with :meth:`build`.
    """

    rho: np.ndarray
    gen: Any
    readout: Readout
    evals: np.ndarray
    evecs: np.ndarray

    @classmethod
    def build(cls, rho: Any, gen: Any, readout: Readout) -> DensityFamily:
        dense = gen.toarray() if sp.issparse(gen) else np.asarray(gen)
        evals, evecs = np.linalg.eigh(dense)
        return cls(np.asarray(getattr(rho, "data", rho)), gen, readout, evals, evecs)

    def distribution(self, theta: float) -> tuple[np.ndarray, np.ndarray]:
        if theta == 0.0:
            return readout_distribution(self.rho, [self.gen], self.readout, 0.0)
        u = (self.evecs * np.exp(-1j * theta * self.evals)[None, :]) @ self.evecs.conj().T
        return readout_distribution(u @ self.rho @ u.conj().T, [self.gen], self.readout, 0.0)


def cfi_limit(family: Family, theta: float) -> float:
    """Exact CFI ``F_C = sum_w (dp(w))^2 / p(w)`` of the readout at theta, as a continuous limit.

    Where an outcome has ``p = 0`` and ``dp = 0`` (a Dicke probe at theta = 0: the outcomes
    ``w != n/2`` have ``p ~ theta^2``) the terms are 0/0 with a finite limit (what the Hellinger
    estimator measures). There the CFI is the mean of its values at ``theta +- 1e-4``, where
    every term is well conditioned (``O(1e-8)`` relative error). Only those outcomes are averaged:
    the others keep their value at theta itself (averaging them too would cost ``O((n 1e-4)^2)``
    relative at the peak of a GHZ parity signal).
    """
    p, dp = family.distribution(theta)
    small = p <= ZERO_OUTCOME
    if not np.any(small):
        return float(cfi(p, dp[0]))
    bulk = float(np.sum(dp[0][~small] ** 2 / p[~small]))
    tails = []
    for s in (-1.0, 1.0):
        ps, dps = family.distribution(theta + s * LIMIT_OFFSET)
        pt, dpt = ps[small], dps[0][small]
        live = pt > 0  # p = 0 with dp = 0 at the offset contributes 0 (as in ``cfi``)
        tails.append(float(np.sum(dpt[live] ** 2 / pt[live])))
    return bulk + float(np.mean(tails))


def _first_best(vals: np.ndarray) -> int:
    """Index of the largest score; among equal scores (relative 1e-6) the first (closest to 0) wins."""
    best = 0
    for i in range(1, len(vals)):
        if vals[i] > vals[best] * (1 + 1e-6) + 1e-12:
            best = i
    return best


def best_working_point(method: str, family: Family, values: np.ndarray, period: float, delta: float) -> float:
    """Working point theta0 maximising the Fisher information the chosen estimator will see.

    * ``moments``: the derivative-based score ``(d<M>/dtheta)^2 / (Var M + eps)``. For a pure
      probe this is often flat in theta (``F = N^2`` for GHZ parity at every theta) while its
      statistical cost is not: where ``Var M -> 0`` the estimate degenerates. ``eps`` (1% of the
      largest variance on the grid) picks the best-conditioned point of a flat region and moves
      a noisy probe's optimum by ``O(eps)`` only. A bounded scalar search refines the grid point.
    * ``hellinger``, ``finite_difference``: the estimator's own exact limit with the finite step
      (:func:`method_limit`) on a grid that contains 0: a symmetric probe (Dicke) has
      probabilities ``~ theta^2`` near 0, and a stencil centred on 0 measures that exactly.

    ``period`` is the period of the readout signal (the search covers one period). Among equal
    scores (relative 1e-6) the working point closest to 0 wins. Rounded to 1e-9 rad.
    """
    from scipy.optimize import minimize_scalar

    dist = family.distribution
    if method != "moments":
        offsets = fisher_offsets(method)
        half = int(np.ceil(period / 2 / delta))
        if 2 * half <= 4 * THETA_GRID:
            # Grid spacing delta: neighbouring stencils share their distributions (one per angle).
            steps = np.arange(-half - max(offsets), half + max(offsets) + 1)
            cache = {int(j): dist(j * delta)[0] for j in steps}
            grid = np.arange(-half, half) * delta
            vals = np.array([method_limit(method, [cache[j + k] for k in offsets], values, delta)
                             for j in range(-half, half)])
        else:
            grid = np.arange(-(THETA_GRID // 2), THETA_GRID // 2) * period / THETA_GRID
            vals = np.array([method_limit(method, [dist(th + k * delta)[0] for k in offsets], values, delta)
                             for th in grid])
        order = np.argsort(np.abs(grid), kind="stable")
        return float(np.round(grid[order][_first_best(vals[order])], 9))

    def parts(theta: float) -> tuple[float, float]:
        p, dp = dist(theta)
        mean = float(values @ p)
        return float(values @ dp[0]), float((values - mean) ** 2 @ p)

    # Half-step offset: a symmetric probe's signal is stationary at theta = 0 (0/0 in the moments formula).
    grid = (np.arange(THETA_GRID) + 0.5) * period / THETA_GRID - period / 2
    grid = grid[np.argsort(np.abs(grid), kind="stable")]
    table = np.array([parts(th) for th in grid])
    eps = 0.01 * max(float(table[:, 1].max()), 1e-12)
    vals = table[:, 0] ** 2 / (table[:, 1] + eps)
    best = _first_best(vals)
    step = period / THETA_GRID

    def negative_score(theta: float) -> float:
        slope, var = parts(theta)
        return -(slope**2) / (var + eps)

    res = minimize_scalar(negative_score, bounds=(grid[best] - step, grid[best] + step),
                          method="bounded", options={"xatol": 1e-7})
    theta = float(res.x) if -res.fun > vals[best] * (1 + 1e-6) else float(grid[best])
    return float(np.round(theta, 9))
