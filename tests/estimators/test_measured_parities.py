"""Estimates from parities with their own standard errors (readout-mitigated or exact).

Closed forms: a GHZ probe read out along x has ``<P>(theta) = cos(n theta)``, so the moments formula on
exact parities (no errors) gives ``F = sin^2(n delta) / delta^2`` (central differences), and the Bell
settings ``<P(phi_j)> = cos(n phi_j)`` give ``c = 1/2``, ``E_{N,0} = 1/4`` (PHYSICS.md). With the
per-shot parity variance ``(1 - m^2)/(N - 1)`` as the errors, the result must equal the counts
estimator's own Fourier formula (``sigma_plus_from_parities``) to machine precision.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bellsense.estimators.measured.bell import correlator_from_sigma_plus, sigma_plus_from_parities
from bellsense.estimators.measured.parities import correlator_from_parities, fisher_from_parities


@pytest.mark.parametrize("n", [2, 3, 6])
def test_exact_parities_give_the_closed_forms(n):
    delta, theta0 = 0.2 / n, math.pi / (2 * n) + 0.1 / n
    thetas = [theta0 + k * delta for k in (1, -1, 0)]  # any order
    f = fisher_from_parities(thetas, [math.cos(n * t) for t in thetas], [0.0] * 3, theta0)
    assert f.value == pytest.approx(math.sin(n * delta) ** 2 / delta**2, rel=1e-12) and f.stderr == 0.0
    for p in (n + 1, n + 3):
        phases = np.pi * np.arange(p) / p
        e = correlator_from_parities(phases, np.cos(n * phases), np.zeros(p), n)
        assert e.value == pytest.approx(0.25, abs=1e-14) and e.stderr == 0.0


@pytest.mark.parametrize("n", [2, 4])
def test_shot_errors_reproduce_the_counts_estimator(n):
    rng = np.random.default_rng(3)
    p = n + 1
    phases = np.pi * np.arange(p) / p
    shots = np.full(p, 500)
    means = np.clip(0.9 * np.cos(n * phases) + rng.normal(0, 0.02, p), -1, 1)
    errs = np.sqrt((1 - means**2) / (shots - 1))
    ours = correlator_from_parities(phases, means, errs, n)
    theirs = correlator_from_sigma_plus(sigma_plus_from_parities(means, shots, phases, n)[0])
    assert ours.value == pytest.approx(theirs.value, rel=1e-12)
    assert ours.stderr == pytest.approx(theirs.stderr, rel=1e-12)


def test_fisher_error_propagation_matches_a_numerical_derivative():
    # Var F = sum_i (dF/dm_i)^2 s_i^2 with the bias-corrected F; the derivative is taken numerically here.
    thetas, means, errs = [-0.1, 0.0, 0.1], np.array([0.35, 0.1, -0.2]), np.array([0.03, 0.02, 0.04])
    est = fisher_from_parities(thetas, means, errs, 0.0)

    def value(m: np.ndarray) -> float:
        return fisher_from_parities(thetas, m, errs, 0.0).value

    grad = np.array([(value(means + h) - value(means - h)) / 2e-6 for h in np.eye(3) * 1e-6])
    # The bias term s_b^2 does not depend on the means, so the propagated error is exactly |grad| . s.
    assert est.stderr == pytest.approx(float(np.sqrt(np.sum((grad * errs) ** 2))), rel=1e-6)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="centred stencil"):
        fisher_from_parities([0.0, 0.1, 0.3], [0.1, 0.2, 0.3], [0.01] * 3, 0.1)
    with pytest.raises(ValueError, match="variance 1 - <P>\\^2 vanishes"):
        fisher_from_parities([-0.1, 0.0, 0.1], [0.9, 1.0, 0.9], [0.01] * 3, 0.0)
    with pytest.raises(ValueError, match="equal length"):
        correlator_from_parities([0.0, 1.0], [0.1], [0.1], 1)
    with pytest.raises(ValueError, match="need at least n \\+ 1 = 4"):
        correlator_from_parities([0.0, 1.0], [0.1, 0.2], [0.1, 0.1], 3)
    with pytest.raises(ValueError, match="stderrs >= 0"):
        correlator_from_parities([0.0, 1.0], [0.1, 0.2], [0.1, -0.1], 1)
