"""Exact Fisher information of collective readouts along an encoded family, and the working-point search.

Closed forms (PHYSICS.md): a GHZ probe ``(|0..0> + |1..1>)/sqrt 2`` encoded by ``exp(-i theta J_z)`` and
read out along x has ``p(w) = C(n, w) (1 + (-1)^w cos(n theta)) / 2^n``, so its parity CFI is ``n^2`` at every
theta, and both the moments and the finite-difference estimators converge to ``sin^2(n delta) / delta^2``
(central differences of ``cos(n theta)``). ``|+>^n`` read out as ``J_y`` gives ``F = n`` with the optimum at
theta = 0; the twin-Fock (Dicke) state with ``J_y`` encoding and ``J_z`` counting reaches ``F_Q = n(n+2)/2``
as theta -> 0 (a 0/0 limit of the CFI). Exact maths: tolerances 1e-9 unless the formula is a limit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

from bellsense import spin, states
from bellsense.estimators import (
    DensityFamily,
    PureFamily,
    Readout,
    best_working_point,
    cfi_limit,
    fisher_offsets,
    hamming_weights,
    method_limit,
    qfi,
    statistic_values,
)


def _rotations(n: int, gate: str, angle: float | None = None) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    for q in range(n):
        getattr(qc, gate)(*(() if angle is None else (angle,)), q)
    return qc


def _families(psi: np.ndarray, n: int, axis: str, readout_gate: tuple[str, float | None]):
    gen = spin.collective(n, axis)
    basis = _rotations(n, *readout_gate)
    enc = {"z": "rz", "y": "ry", "x": "rx"}[axis]
    pure = PureFamily(psi, gen, lambda th: _rotations(n, enc, th), basis, hamming_weights(n))
    mixed = DensityFamily.build(np.outer(psi, psi.conj()), gen,
                                Readout(unitary=Operator(basis).data, labels=hamming_weights(n)))
    return pure, mixed


@pytest.mark.parametrize("n", [2, 3, 5])
def test_ghz_parity_closed_forms(n):
    pure, mixed = _families(states.ghz(n), n, "z", ("h", None))
    parity = statistic_values("parity", n)
    delta = 0.2 / n
    for theta in (0.1, 0.37, -1.1):
        (p1, d1), (p2, d2) = pure.distribution(theta), mixed.distribution(theta)
        np.testing.assert_allclose(p1, p2, atol=1e-12)  # two independent exact computations
        np.testing.assert_allclose(d1, d2, atol=1e-12)
        w = np.arange(n + 1)
        expected = np.array([math.comb(n, k) for k in w]) * (1 + (-1.0) ** w * math.cos(n * theta)) / 2**n
        np.testing.assert_allclose(p1, expected, atol=1e-12)
        assert cfi_limit(pure, theta) == pytest.approx(n * n, rel=1e-9)
        probs = [pure.distribution(theta + k * delta)[0] for k in fisher_offsets("moments")]
        limit = math.sin(n * delta) ** 2 / delta**2
        assert method_limit("moments", probs, parity, delta) == pytest.approx(limit, rel=1e-9)
        assert method_limit("finite_difference", probs, parity, delta) == pytest.approx(limit, rel=1e-9)
    # Hellinger at cos(n theta) = 0: d_H^2(k delta) = 1 - (sqrt(1 + s_k) + sqrt(1 - s_k)) / 2 with
    # s_k = sin(n k delta); the estimator's limit is the least-squares fit d = c0 + F (k delta)^2 / 8 (closed
    # form below), which tends to n^2 as delta -> 0.
    theta = math.pi / (2 * n)
    probs5 = [pure.distribution(theta + k * delta)[0] for k in fisher_offsets("hellinger")]
    ks = np.array([-2.0, -1.0, 1.0, 2.0])
    sk = np.sin(n * ks * delta)
    d = 1 - (np.sqrt(1 + sk) + np.sqrt(1 - sk)) / 2
    x = (ks * delta) ** 2 / 8
    slope = np.sum((x - x.mean()) * (d - d.mean())) / np.sum((x - x.mean()) ** 2)
    assert method_limit("hellinger", probs5, parity, delta) == pytest.approx(slope, rel=1e-9)
    assert slope == pytest.approx(n * n, rel=0.02)  # O((n delta)^2) from the quartic term
    # The moments score is flat (F = n^2) but Var(parity) -> 0 where cos(n theta) = +-1: the search picks
    # the best-conditioned point, cos(n theta0) = 0.
    theta0 = best_working_point("moments", pure, parity, 2 * math.pi / n, delta)
    assert math.cos(n * theta0) == pytest.approx(0.0, abs=1e-5)


def test_product_state_optimum_is_at_zero():
    n = 4
    plus = np.full(2**n, 2 ** (-n / 2), dtype=complex)
    pure, _ = _families(plus, n, "z", ("rx", -math.pi / 2))  # measure sigma_y: rx(-pi/2) maps y to z
    values = statistic_values("mean", n)
    theta0 = best_working_point("moments", pure, values, math.pi, 0.2)
    assert theta0 == pytest.approx(0.0, abs=1e-6)
    assert cfi_limit(pure, theta0) == pytest.approx(n, rel=1e-9)
    probs = [pure.distribution(theta0 + k * 0.2)[0] for k in fisher_offsets("moments")]
    # <J_y> = (n/2) sin theta, Var J_y = n/4 at theta = 0: F = n sin^2(delta) / delta^2.
    assert method_limit("moments", probs, values, 0.2) == pytest.approx(n * math.sin(0.2) ** 2 / 0.04, rel=1e-9)


@pytest.mark.parametrize("n", [2, 4])
def test_twin_fock_cfi_is_the_zero_over_zero_limit(n):
    psi = states.dicke(n, n // 2)
    pure, mixed = _families(psi, n, "y", ("id", None))
    p, _ = pure.distribution(0.0)
    assert np.sum(p < 1e-12) == n  # every weight but n/2 is impossible at theta = 0
    f_q = n * (n + 2) / 2
    assert qfi(psi, spin.collective(n, "y")) == pytest.approx(f_q, rel=1e-12)
    assert cfi_limit(pure, 0.0) == pytest.approx(f_q, rel=1e-6)  # evaluated at +-1e-4: O(1e-8) relative
    assert cfi_limit(mixed, 0.0) == pytest.approx(f_q, rel=1e-6)
    # The Hellinger fit is best centred on 0 (a stencil straddling 0 off-centre loses information). Finite
    # differences drop the outcomes impossible at theta0 (as the counts estimator drops unseen ones): the search
    # must return the maximum of the estimator's own limit over the grid, checked here by brute force.
    values = statistic_values("second_moment", n)
    assert best_working_point("hellinger", pure, values, math.pi, 0.2) == 0.0
    theta0 = best_working_point("finite_difference", pure, values, math.pi, 0.2)

    def score(th: float) -> float:
        return method_limit("finite_difference", [pure.distribution(th + k * 0.2)[0] for k in (-1, 0, 1)],
                            values, 0.2)

    grid = [0.2 * j for j in range(-8, 8)]
    assert any(abs(theta0 - g) < 1e-9 for g in grid)
    assert score(theta0) >= max(score(g) for g in grid) * (1 - 1e-6)


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="unknown statistic 'median'.*parity"):
        statistic_values("median", 3)
    with pytest.raises(ValueError, match="unknown Fisher method 'bayes'.*moments"):
        fisher_offsets("bayes")
    with pytest.raises(ValueError, match="needs 5 distributions"):
        method_limit("hellinger", [np.ones(3) / 3] * 3, statistic_values("mean", 2), 0.1)
