"""Fisher information from counts (moments, Hellinger, finite differences) and MLE phase estimation.

References: ``bellsense.estimators.exact.exact_cfi`` on the exact (Aer) density matrix, with the
readout's basis change and coarse-graining labels. Shot-based estimates must agree within 4
standard errors (fixed seeds). Offsets are delta = 0.15/n so the O((n delta)^2) finite-difference
systematics (<= 0.8% of F) stay far below the statistical error (~5-10% of F at 20 000 shots).
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import _measured_circuits as H  # noqa: E402

from bellsense import circuits, spin  # noqa: E402
from bellsense.estimators.exact import Readout, exact_cfi, hamming_weights, parity_labels, readout_distribution  # noqa: E402
from bellsense.estimators.measured.fisher import (  # noqa: E402
    fisher_finite_difference,
    fisher_hellinger,
    fisher_moments,
)
from bellsense.estimators.measured.phase import class_counts, mle_phase, mle_study  # noqa: E402

P_DEPH = 0.08
SHOTS = 20_000


def _close(est, truth, k=4.0):
    return abs(est.value - truth) <= k * est.stderr + 1e-12


def _config(state: str, n: int):
    """(base circuit without theta, generator axis, readout axis, theta0) for each probe state."""
    if state == "dicke":  # J_z-invariant: dephase in the window, then encode about y, read z
        return "y", "z", 0.5
    if state == "ghz":  # parity <X^n> = cos(n theta): theta0 = pi/(4n) is a generic point
        return "z", "x", math.pi / (4 * n)
    return "z", "x", 0.6  # |+>^n: <X^n> = cos^n(theta)


def _circuit(state, n, theta, gen_axis, readout_axis):
    base = H.prep(state, n)
    if gen_axis == "z":
        qc = H.window(base, theta)
    else:
        qc = H.encode(H.window(base, 0.3), theta, gen_axis)
    return H.collective(qc, readout_axis)


def _exact(state, n, gen_axis, readout_axis, theta0, noise, labels):
    """exact_cfi on the exact encoded state at theta0 (Aer density matrix), derivative -i[h, rho]."""
    base = H.prep(state, n)
    if gen_axis == "z":  # dephasing commutes with RZ: rho(theta) = U(theta - theta0) rho(theta0) U^dag
        qc = H.window(base, theta0)
    else:
        qc = H.encode(H.window(base, 0.3), theta0, gen_axis)
    rho = H.exact_rho(qc, noise)
    ro = circuits.collective_readout(n, readout_axis)
    return exact_cfi(rho, spin.collective(n, gen_axis), Readout(unitary=ro, labels=labels), 0.0)


@pytest.mark.parametrize("noisy", [False, True])
@pytest.mark.parametrize("state", ["ghz", "product", "dicke"])
def test_parity_cfi_moments_match_exact(state, noisy):
    noise = H.dephasing_model(P_DEPH) if noisy else None
    circs, meta = [], []
    for n in range(2, 9):
        gen, ro, t0 = _config(state, n)
        d = 0.15 / n
        for t in (t0 - d, t0, t0 + d):
            circs.append(_circuit(state, n, t, gen, ro))
        meta.append((n, gen, ro, t0, d))
    bits = H.run(circs, SHOTS, seed=21, noise=noise)
    for i, (n, gen, ro, t0, d) in enumerate(meta):
        b = bits[3 * i:3 * i + 3]
        est = fisher_moments([(t0 - d, b[0]), (t0, b[1]), (t0 + d, b[2])], t0, "parity")
        exact = _exact(state, n, gen, ro, t0, noise, parity_labels(n))
        assert _close(est, exact), (state, noisy, n, est, exact)
        if state == "ghz" and not noisy:  # parity is optimal for pure GHZ: F = n^2
            assert abs(exact - n * n) < 1e-8


@pytest.mark.parametrize("noisy", [False, True])
def test_hamming_cfi_of_dicke_finite_difference_and_hellinger(noisy):
    noise = H.dephasing_model(P_DEPH) if noisy else None
    circs, meta = [], []
    for n in range(2, 9):
        d = 0.15 / n
        for t in (0.3 - d, 0.3, 0.3 + d):  # finite differences at a generic point
            circs.append(_circuit("dicke", n, t, "y", "z"))
        offsets = (0.0, 0.25 / n, -0.25 / n, 0.5 / n, -0.5 / n)
        for t in (0.0,) + offsets:  # Hellinger at theta0 = 0 (Strobel et al.), plus a repeat at 0
            circs.append(_circuit("dicke", n, t, "y", "z"))
        meta.append((n, d, offsets))
    bits = H.run(circs, SHOTS, seed=5, noise=noise)
    k = 0
    for n, d, offsets in meta:
        b = bits[k:k + 3 + 1 + len(offsets)]
        k += len(b)
        fd = fisher_finite_difference([(0.3 - d, b[0]), (0.3, b[1]), (0.3 + d, b[2])], "collective", seed=1)
        exact = _exact("dicke", n, "y", "z", 0.3, noise, hamming_weights(n))
        assert _close(fd, exact), (noisy, n, fd, exact)
        hel = fisher_hellinger(b[3], list(zip(offsets, b[4:])), "collective", quartic=True, seed=1)
        exact0 = _exact("dicke", n, "y", "z", 1e-4, noise, hamming_weights(n))
        if not noisy:
            j, m = n / 2, n / 2 - n // 2  # at theta -> 0 the CFI reaches the QFI 2[j(j+1) - m^2]
            assert abs(exact0 - 2 * (j * (j + 1) - m * m)) < 1e-3 * n * n
        assert _close(hel, exact0), (noisy, n, hel, exact0)


def test_fisher_error_bars_calibrated_over_200_repetitions():
    """GHZ n = 4, parity moments: 90-99% of the 2-sigma intervals contain the exact CFI."""
    n, reps, shots = 4, 200, 4000
    noise = H.dephasing_model(P_DEPH)
    gen, ro, t0 = _config("ghz", n)
    d = 0.15 / n
    circs = [_circuit("ghz", n, t, gen, ro) for t in (t0 - d, t0, t0 + d)]
    bits = H.run(circs, reps * shots, seed=8, noise=noise)
    parts = [H.chunks(b, reps) for b in bits]
    exact = _exact("ghz", n, gen, ro, t0, noise, parity_labels(n))
    hits = 0
    for r in range(reps):
        est = fisher_moments([(t0 - d, parts[0][r]), (t0, parts[1][r]), (t0 + d, parts[2][r])], t0, "parity")
        hits += abs(est.value - exact) <= 2 * est.stderr
    assert 0.90 <= hits / reps <= 0.99, hits


def test_outcomes_vs_shots_bias_is_visible_and_documented():
    """Full 2^8 outcomes of |+>^8 with 50 shots: K >> N, so dropped outcomes are reported."""
    n = 8
    circs = [_circuit("product", n, t, "z", "y") for t in (0.55, 0.6, 0.65)]
    bits = H.run(circs, 50, seed=3)
    est = fisher_finite_difference(list(zip((0.55, 0.6, 0.65), bits)), "outcomes", seed=0)
    assert est.details["dropped_outcomes"] > 0 and est.details["outcomes"] > 50


def test_mle_variance_within_20_percent_of_cramer_rao():
    """GHZ n = 4, parity, optimal point theta = pi/8: Var(MLE) over 500 repetitions vs 1/(N F), F = 16."""
    n, reps, shots = 4, 500, 1000
    theta = math.pi / (2 * n)
    circ = _circuit("ghz", n, theta, "z", "x")
    bits = H.run([circ], reps * shots, seed=13)[0]
    rho0 = H.exact_rho(H.prep("ghz", n))
    readout = Readout(unitary=circuits.collective_readout(n, "x"), labels=parity_labels(n))
    jz = spin.collective(n, "z")

    # The exact layer's p(theta) is a trigonometric polynomial with integer frequencies |m| <= n
    # (J_z has integer eigenvalue differences), so 2n+1 exact evaluations determine it exactly.
    nodes = 2 * math.pi * np.arange(2 * n + 1) / (2 * n + 1)
    table = np.array([readout_distribution(rho0, [jz], readout, t)[0] for t in nodes])
    coef = np.fft.fft(table, axis=0) / nodes.size  # (2n+1, K)
    freqs = np.fft.fftfreq(nodes.size, 1.0 / nodes.size)

    def model(thetas):
        return np.real(np.exp(1j * np.outer(thetas, freqs)) @ coef)

    assert np.allclose(model(np.array([0.3])), readout_distribution(rho0, [jz], readout, 0.3)[0], atol=1e-12)

    study = mle_study(H.chunks(bits, reps), model, (0.0, math.pi / n), theta, "parity", grid=128)
    assert abs(study.cramer_rao - 1 / (shots * n * n)) < 1e-6 / shots
    assert abs(study.ratio.value - 1) < 0.2, study.ratio
    assert abs(study.mean.value - theta) < 4 * study.mean.stderr


def test_mle_single_estimate_and_bad_input():
    probs = lambda t: np.stack([(1 + np.cos(2 * t)) / 2, (1 - np.cos(2 * t)) / 2], axis=1)  # noqa: E731
    est = mle_phase({"00": 500, "01": 500}, probs, (0, math.pi / 2))
    assert abs(est.value - math.pi / 4) < 1e-6 and abs(est.stderr - 1 / math.sqrt(1000 * 4)) < 1e-6
    assert class_counts({"011": 3, "001": 4}, "hamming").tolist() == [0, 4, 3, 0]
    with pytest.raises(ValueError, match="shape"):
        mle_phase({"00": 5}, lambda t: np.ones((t.size, 3)) / 3, (0, 1))
    with pytest.raises(ValueError, match="bounds"):
        mle_phase({"00": 5}, probs, (1, 0))
    with pytest.raises(ValueError, match="observable"):
        mle_phase({"00": 5}, probs, (0, 1), observable="magic")
    with pytest.raises(ValueError, match="theta0"):
        fisher_moments([(0.1, {"0": 3}), (0.2, {"1": 3})], 0.15)
    with pytest.raises(ValueError, match="exactly 3"):
        fisher_finite_difference([(0.1, {"0": 3}), (0.2, {"1": 3})])
    with pytest.raises(ValueError, match="deterministic"):
        fisher_moments([(0.1, {"0": 3}), (0.2, {"0": 3})], 0.2)
    with pytest.raises(ValueError, match="numeric observable"):
        fisher_moments([(0.1, {"0": 3}), (0.2, {"1": 3})], 0.2, "outcomes")
    with pytest.raises(ValueError, match="distinct"):
        fisher_hellinger({"00": 3}, [(0.1, {"00": 3}), (-0.1, {"01": 3})])
    with pytest.raises(ValueError, match="data set 1.*width 2"):
        fisher_hellinger({"00": 3}, [(0.1, {"000": 3}), (0.2, {"000": 3})])
