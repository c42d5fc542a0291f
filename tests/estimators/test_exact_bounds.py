"""Channel-extension bounds: closed forms, validity against dense QFIs, optimality, stability, errors.

The bound is computed in closed form (a minimisation over the gauge h done analytically), so it is
checked (a) against the independently known dephasing closed form, (b) by recomputing the CE
functional from the returned Kraus operators and gauge with plain matrix algebra, and (c) for global
optimality: no perturbation of the full complex gauge lowers the (convex) functional.
Tolerances: closed forms to 1e-12 relative (a few roundings of O(1) numbers); dense QFIs are exact
linear algebra (~1e-12), so "bound >= QFI" uses 1e-9 relative slack; the adaptive bound is a numerical
1-D search with SLSQP inside (~1e-8).
"""

from __future__ import annotations

import json
import math
from typing import Any, cast

import numpy as np
import pytest
from qiskit.quantum_info import Kraus, SuperOp
from scipy.optimize import minimize_scalar
from scipy.special import binom

from bellsense import noise, spin, states
from bellsense.estimators import (
    adaptive_bound,
    bounds_figure_data,
    closed_form_qfi,
    parallel_bound,
    parallel_bound_asymptotic,
    parallel_bound_certificate,
    pi_qfi,
    qfi,
)
from bellsense.states import PIState

REL = 1e-12
CHANNELS = [(1.0, 0.0), (0.0, 1.0), (0.5, 0.7)]  # (dephasing, emission) rates


def dephasing_ce(n: int, gt: float) -> float:
    """Finite-n CE bound for dephasing, n^2 eta^2 / (n (1-eta^2) + eta^2) (Demkowicz-Dobrzanski et al. 2012)."""
    eta2 = math.exp(-4 * gt)
    return n * n * eta2 / (n * -math.expm1(-4 * gt) + eta2)


def noisy_qfi(vec: np.ndarray, n: int, t: float, deph: float, emi: float) -> float:
    rho = noise.apply_local(vec, noise.local_channels(deph, emi, t, n=n))
    return qfi(rho, spin.collective(n, "z"))


def ce_functional(kraus: np.ndarray, h: np.ndarray, n: int) -> float:
    """4 [n ||alpha|| + n(n-1) ||beta||^2] by direct matrix algebra (derivative K' = -i K J_z)."""
    jz = np.diag([0.5, -0.5])
    kt = np.array([-1j * k @ jz for k in kraus]) - 1j * np.einsum("ij,jab->iab", h, kraus)
    alpha = sum(a.conj().T @ a for a in kt)
    beta = 1j * sum(a.conj().T @ k for a, k in zip(kt, kraus))
    return 4 * (n * np.linalg.eigvalsh(alpha).max() + n * (n - 1) * np.abs(np.linalg.eigvalsh(beta)).max() ** 2)


@pytest.mark.parametrize("gt", [0.01, 0.1, 1.0])
def test_dephasing_closed_form(gt: float) -> None:
    for n in [1, 2, 3, 7, 20, 100, 1000, 10_000]:
        assert parallel_bound(n, gt, dephasing=1.0) == pytest.approx(dephasing_ce(n, gt), rel=REL)


def test_qmetro_anchor() -> None:
    """The issue's anchor (QMetro++ par_bounds): N = 20, gamma t = 0.1: bound 36.9, GHZ 0.13, |+>^N 13.4."""
    assert round(parallel_bound(20, 0.1, dephasing=1.0), 1) == 36.9
    assert round(closed_form_qfi("ghz", 20, 0.1, dephasing=1.0), 2) == 0.13
    assert round(closed_form_qfi("product", 20, 0.1, dephasing=1.0), 1) == 13.4


@pytest.mark.parametrize("gt", [0.05, 0.5, 2.0])
def test_asymptotic_special_forms(gt: float) -> None:
    n = 17
    assert parallel_bound_asymptotic(n, gt, dephasing=1.0) == pytest.approx(n / math.expm1(4 * gt), rel=1e-12)
    assert parallel_bound_asymptotic(n, gt, emission=1.0) == pytest.approx(4 * n / math.expm1(gt), rel=1e-12)


def test_dephasing_tends_to_asymptote() -> None:
    # relative gap = eta^2 / (n (1 - eta^2) + eta^2): below 1/n exactly when eta^2 < n/(2n-1) (gamma t = 0.2)
    for gt in (0.2, 0.5):
        for n in (10, 100, 1000, 10_000):
            asym = parallel_bound_asymptotic(n, gt, dephasing=1.0)
            gap = (asym - parallel_bound(n, gt, dephasing=1.0)) / asym
            assert 0 < gap < 1 / n
    # weaker noise: still O(1/n), with constant eta^2/(1-eta^2)
    eta2 = math.exp(-0.4)
    for n in (100, 10_000):
        asym = parallel_bound_asymptotic(n, 0.1, dephasing=1.0)
        assert n * (asym - parallel_bound(n, 0.1, dephasing=1.0)) / asym < eta2 / (1 - eta2)


@pytest.mark.parametrize("deph,emi", CHANNELS)
def test_emission_and_mixed_tend_to_asymptote(deph: float, emi: float) -> None:
    """n * relative gap converges (gap = O(1/n)); at 10^4 it is within 5 % of its value at 10^3."""
    scaled = []
    for n in (1000, 10_000):
        asym = parallel_bound_asymptotic(n, 0.3, deph, emi)
        scaled.append(n * (asym - parallel_bound(n, 0.3, deph, emi)) / asym)
    assert scaled[0] > 0 and scaled[1] == pytest.approx(scaled[0], rel=0.05)


def test_single_qubit_dephasing_is_plus_state_qfi() -> None:
    for gt in (0.05, 0.3, 1.0):
        plus = noisy_qfi(states.product(1), 1, gt, 1.0, 0.0)
        assert plus == pytest.approx(math.exp(-4 * gt), rel=1e-12)
        assert parallel_bound(1, gt, dephasing=1.0) == pytest.approx(plus, rel=1e-10)


def test_single_qubit_emission_is_ancilla_assisted_qfi() -> None:
    """n = 1 emission: the bound is 4(1-p)/(1+sqrt(1-p))^2, the QFI of the best probe entangled with an
    ancilla, sqrt(w)|0>|0_a> + sqrt(1-w)|1>|1_a> optimised over w (dense, bellsense.qfi); it is above
    the QFI of |+> (1 - p), which no single-qubit probe beats."""
    gt = 0.3
    p = -math.expm1(-gt)
    jz_sys = np.kron(np.eye(2), np.diag([0.5, -0.5]))  # qubit 0 = system (rightmost factor), 1 = ancilla

    def ancilla_qfi(w: float) -> float:
        vec = np.zeros(4, dtype=complex)
        vec[0], vec[3] = math.sqrt(w), math.sqrt(1 - w)
        chans = [noise.local_channel(0.0, 1.0, gt), np.eye(2)[None]]
        return qfi(noise.apply_local(vec, chans), jz_sys)

    best = -minimize_scalar(lambda w: -ancilla_qfi(w), bounds=(1e-6, 1 - 1e-6), method="bounded",
                            options={"xatol": 1e-10}).fun
    bound = parallel_bound(1, gt, emission=1.0)
    assert bound == pytest.approx(4 * (1 - p) / (1 + math.sqrt(1 - p)) ** 2, rel=REL)
    assert best == pytest.approx(bound, rel=1e-8)
    plus = noisy_qfi(states.product(1), 1, gt, 0.0, 1.0)
    assert plus == pytest.approx(1 - p, rel=1e-12)
    assert plus < 0.9 * bound


@pytest.mark.parametrize("deph,emi", CHANNELS)
def test_closed_form_qfi_matches_dense(deph: float, emi: float) -> None:
    for n in range(2, 7):
        for t in (0.1, 0.6):
            for probe, vec in (("ghz", states.ghz(n)), ("product", states.product(n))):
                dense = noisy_qfi(vec, n, t, deph, emi)
                assert closed_form_qfi(probe, n, t, deph, emi) == pytest.approx(dense, rel=1e-10)


@pytest.mark.parametrize("deph,emi", CHANNELS)
def test_closed_form_qfi_matches_pi_engine(deph: float, emi: float) -> None:
    """Larger n: GHZ and |+>^n evolved by the permutation-invariant engine (noise.evolve, pi_qfi)."""
    for n in (10, 30):
        plus = np.sqrt(binom(n, np.arange(n + 1)))  # |+>^n in the Dicke basis
        for probe, amps in (("ghz", np.r_[1.0, np.zeros(n - 1), 1.0]), ("product", plus)):
            out = noise.evolve(PIState.from_dicke(amps), [0.2], dephasing=deph, emission=emi)[0]
            assert closed_form_qfi(probe, n, 0.2, deph, emi) == pytest.approx(pi_qfi(out, "z"), rel=1e-9)
            assert pi_qfi(out, "z") <= parallel_bound(n, 0.2, deph, emi)


@pytest.mark.parametrize("deph,emi", CHANNELS)
def test_bound_never_below_probe_qfi(deph: float, emi: float) -> None:
    rng = np.random.default_rng(16)
    for t in (0.05, 0.4):
        for n in range(2, 9):
            bound = parallel_bound(n, t, deph, emi)
            for probe in ("ghz", "product"):
                assert closed_form_qfi(probe, n, t, deph, emi) <= bound * (1 + 1e-9)
            if n <= 6:  # dense 2^n: random symmetric states (complex Gaussian amplitudes)
                for _ in range(4):
                    amps = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
                    assert noisy_qfi(states.symmetric(amps), n, t, deph, emi) <= bound * (1 + 1e-9)
                assert noisy_qfi(states.ghz(n), n, t, deph, emi) <= bound * (1 + 1e-9)


@pytest.mark.parametrize("deph,emi", CHANNELS)
@pytest.mark.parametrize("n", [1, 3, 20, 5000])
def test_certificate_is_the_global_minimum(deph: float, emi: float, n: int) -> None:
    """The certificate's Kraus operators are the channel's (same superoperator as noise.local_channel);
    the CE functional recomputed from (kraus, h) by matrix algebra equals the bound; no Hermitian
    perturbation of h (full r x r complex, not only the reduced gauge) lowers it: a local minimum of a
    convex function, hence the global one."""
    t = 0.2
    cert = parallel_bound_certificate(n, t, deph, emi)
    expected = SuperOp(noise.local_channel(deph, emi, t)).data
    assert np.allclose(SuperOp(Kraus(list(cert.kraus))).data, expected, atol=1e-12)
    value = ce_functional(cert.kraus, cert.h, n)
    assert value == pytest.approx(parallel_bound(n, t, deph, emi), rel=1e-12)
    assert value == pytest.approx(cert.value, rel=1e-12)
    rng = np.random.default_rng(n)
    r = cert.h.shape[0]
    for scale in (1e-2, 1e-4):
        for _ in range(100):
            g = rng.normal(size=(r, r)) + 1j * rng.normal(size=(r, r))
            assert ce_functional(cert.kraus, cert.h + scale * (g + g.conj().T), n) >= value * (1 - 1e-12)


@pytest.mark.parametrize("deph,emi", [(1.0, 0.0), (0.0, 1.0)])
def test_stable_and_monotone_up_to_ten_thousand(deph: float, emi: float) -> None:
    ns = [1, 2, 5, 10, 30, 60, 100, 300, 1000, 3000, 10_000]
    for t in (1e-5, 0.01, 0.1, 1.0, 10.0):
        vals = np.array([parallel_bound(n, t, deph, emi) for n in ns])
        const = parallel_bound_asymptotic(1, t, deph, emi)
        assert np.all(np.isfinite(vals)) and np.all(vals > 0)
        assert np.all(np.diff(vals) >= -1e-12 * vals[1:])
        assert np.all(vals / np.array(ns) <= const * (1 + 1e-9))
        assert np.all(vals <= np.array(ns, dtype=float) ** 2 * (1 + 1e-12))


def test_adaptive_bound_limits() -> None:
    for deph, emi in CHANNELS:
        assert adaptive_bound(1, 0.3, deph, emi) == pytest.approx(parallel_bound(1, 0.3, deph, emi), rel=1e-8)
        n = 2000  # the adaptive bound is never above the asymptotic one, and reaches it at large n
        asym = parallel_bound_asymptotic(n, 0.3, deph, emi)
        assert adaptive_bound(n, 0.3, deph, emi) == pytest.approx(asym, rel=1e-8)
    for n in (2, 10, 100):  # capped at the Heisenberg limit n^2 (the DM functional gives 3n^2 - 2n at no noise)
        assert parallel_bound(n, 1e-6, dephasing=1.0) <= adaptive_bound(n, 1e-6, dephasing=1.0) <= n * n
    assert 1.5 * parallel_bound(2, 0.1, dephasing=1.0) < adaptive_bound(2, 0.1, dephasing=1.0) < 4
    for deph, emi in CHANNELS:
        for n in (2, 3, 8):
            assert adaptive_bound(n, 0.4, deph, emi) >= parallel_bound(n, 0.4, deph, emi) * (1 - 1e-9)


@pytest.mark.parametrize("deph,emi", CHANNELS)
def test_adaptive_bound_is_the_minimum_over_sampled_gauges(deph: float, emi: float) -> None:
    """The DM functional, recomputed by matrix algebra at 1200 gauges around the parallel optimum (full
    complex r x r perturbations at three scales), is never below adaptive_bound: the search over
    ||beta|| with the closed-form a(b) misses no lower value."""
    t = 0.3
    rng = np.random.default_rng(7)
    jz = np.diag([0.5, -0.5])
    for n in (2, 4, 30):
        cert = parallel_bound_certificate(n, t, deph, emi)
        r = cert.h.shape[0]
        value = adaptive_bound(n, t, deph, emi)
        for scale in (1.0, 0.1, 0.01):
            for _ in range(400):
                g = rng.normal(size=(r, r)) + 1j * rng.normal(size=(r, r))
                h = cert.h + scale * (g + g.conj().T)
                kt = np.array([-1j * k @ jz for k in cert.kraus]) - 1j * np.einsum("ij,jab->iab", h, cert.kraus)
                a = np.linalg.eigvalsh(sum(x.conj().T @ x for x in kt)).max()
                b = np.abs(np.linalg.eigvalsh(1j * sum(x.conj().T @ k for x, k in zip(kt, cert.kraus)))).max()
                assert min(4 * (n * a + n * (n - 1) * b * (b + 2 * np.sqrt(a))), n * n) >= value * (1 - 1e-12)


def test_noiseless_and_fully_decohered() -> None:
    for n in (1, 7, 10_000):
        assert parallel_bound(n, 0.0, dephasing=1.0, emission=2.0) == n * n
        assert parallel_bound(n, 3.0) == n * n
        assert adaptive_bound(n, 0.0, dephasing=1.0) == n * n
        assert parallel_bound_asymptotic(n, 0.0, dephasing=1.0) == math.inf
        for deph, emi in CHANNELS:
            assert 0.0 <= parallel_bound(n, 1e3, deph, emi) < 1e-300
    # very weak noise (just below the Heisenberg limit): no loss of digits
    for gt in (1e-12, 1e-9, 1e-6):
        for n in (2, 100, 10_000):
            assert parallel_bound(n, gt, dephasing=1.0) == pytest.approx(dephasing_ce(n, gt), rel=REL)


@pytest.mark.parametrize(
    "args",
    [(0, 0.1, 1.0, 0.0), (2.5, 0.1, 1.0, 0.0), (True, 0.1, 1.0, 0.0), ("3", 0.1, 1.0, 0.0),
     (3, -0.1, 1.0, 0.0), (3, 0.1, -1.0, 0.0), (3, 0.1, 0.0, -0.5), (3, math.nan, 1.0, 0.0), (3, 0.1, math.inf, 0.0)],
)
def test_bad_input(args: tuple) -> None:
    for fn in (parallel_bound, parallel_bound_asymptotic, adaptive_bound):
        with pytest.raises(ValueError, match="must be"):
            fn(*args)


def test_figure_data() -> None:
    data = bounds_figure_data(range(2, 101), 0.1, dephasing=1.0)
    assert data.n.tolist() == list(range(2, 101))
    assert data.bound[18] * 20 == pytest.approx(parallel_bound(20, 0.1, dephasing=1.0), rel=1e-12)
    assert np.all(data.bound >= data.product) and np.all(data.bound >= data.ghz)
    assert np.all(data.bound <= data.asymptotic * (1 + 1e-9))
    assert data.product == pytest.approx(np.full(99, math.exp(-0.4)), rel=1e-12)
    assert json.loads(json.dumps(data.to_dict()))["qfi_per_n"]["ghz"][0] == pytest.approx(data.ghz[0])
    with pytest.raises(ValueError, match="probe"):
        closed_form_qfi(cast(Any, "dicke"), 3, 0.1)
