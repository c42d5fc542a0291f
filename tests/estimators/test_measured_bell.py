"""Bell correlator E_{A,B}, violation, depth, QFI bound and GHZ fidelity from Aer counts.

References are exact density matrices (Aer ``save_density_matrix``) and numpy traces. Tolerance
for shot-based estimates: 4 standard errors (fixed seeds; a 4-sigma miss has probability 6e-5
per check), or 1e-12 where the estimate is deterministic (stderr 0, e.g. Dicke parities = ±1).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import _measured_circuits as H  # noqa: E402

from bellsense.estimators.exact import bell_correlator, ghz_fidelity, sigma_plus_expectation  # noqa: E402
from bellsense.estimators.measured.bell import (  # noqa: E402
    analyse_bell,
    claimed_depth,
    sigma_plus_from_counts,
    sigma_plus_from_parities,
)
from bellsense.estimators.measured.estimate import Estimate  # noqa: E402

P_DEPH = 0.08  # phase-flip probability per qubit in the sensing window


def _close(est: Estimate, truth: float, k: float = 4.0) -> bool:
    return abs(est.value - truth) <= k * est.stderr + 1e-12


@pytest.mark.parametrize("noisy", [False, True])
@pytest.mark.parametrize("state", ["ghz", "product", "dicke"])
def test_correlator_and_fidelity_match_exact_n2_to_8(state, noisy):
    noise = H.dephasing_model(P_DEPH) if noisy else None
    for n in range(2, 9):
        qc = H.window(H.prep(state, n), 0.37)
        circs = H.bell_settings(qc) + [H.computational(qc)]
        bits = H.run(circs, 20_000, seed=100 + n, noise=noise)
        res = analyse_bell(H.labelled(circs, bits))
        rho = H.exact_rho(qc, noise)
        c = H.expect_local(rho, {q: H.SIGMA_PLUS for q in range(n)})
        exact_e = abs(c) ** 2
        exact_f = 0.5 * ((rho[0, 0] + rho[-1, -1]).real + 2 * abs(c))
        assert _close(res.correlator, exact_e), (state, noisy, n, res.correlator, exact_e)
        assert _close(res.sigma_plus, c), (state, noisy, n, res.sigma_plus, c)
        assert _close(res.fidelity, exact_f), (state, noisy, n, res.fidelity, exact_f)
        assert _close(res.qfi_bound, 4 * n * n * exact_e)
        # the exact layer agrees with the direct numpy references (machine precision)
        assert abs(sigma_plus_expectation(rho, list(range(n))) - c) < 1e-10
        assert abs(bell_correlator(rho, list(range(n))) - exact_e) < 1e-10
        assert abs(ghz_fidelity(rho) - exact_f) < 1e-10


def test_subset_correlator_dicke_and_mirror_pattern():
    """E_{A,B} with A={0}, B={1} on |D_2^4>: <sigma+_0 sigma-_1> = k(n-k)/(n(n-1)) = 1/3, E = 1/9."""
    n = 4
    qc = H.prep("dicke", n)
    circs = H.bell_settings(qc, signs=[1, -1, 1, 1])
    bits = H.run(circs, 20_000, seed=7)
    pairs = H.labelled(circs, bits)
    rho = H.exact_rho(qc)
    c_ref = H.expect_local(rho, {0: H.SIGMA_PLUS, 1: H.SIGMA_MINUS})
    assert abs(c_ref - 1 / 3) < 1e-10
    c = sigma_plus_from_counts(pairs, plus=[0], minus=[1])
    assert _close(c, c_ref)
    # mirror: raising 1, lowering 0 from the same settings is the complex conjugate
    c_m = sigma_plus_from_counts(pairs, plus=[1], minus=[0])
    assert c_m.value == pytest.approx(np.conj(c.value), abs=1e-15)
    res = analyse_bell(pairs, plus=[0], minus=[1])
    assert res.num_qubits == 2 and _close(res.correlator, 1 / 9)
    with pytest.raises(ValueError, match="sign"):
        sigma_plus_from_counts(pairs, plus=[0, 1], minus=[])


def test_fourier_formula_exact_on_noiseless_parities():
    """Feeding exact parities <M(phi_j)> = cos(n phi_j) (GHZ) gives c = 1/2 exactly, for any P >= n+1."""
    n = 5
    for p in (n + 1, n + 3):
        phases = np.pi * np.arange(p) / p + 0.3
        est, cov = sigma_plus_from_parities(np.cos(n * phases), [1000] * p, phases, n)
        # <M(phi)> = cos(n phi) = (e^{-i n phi} + e^{i n phi})/2 -> coefficient of e^{-i n phi} is 1/2
        assert abs(est.value - 0.5) < 1e-12
        assert cov.shape == (2, 2)


@pytest.mark.parametrize("n", range(3, 11))
def test_pure_ghz_violation_above_5_sigma(n):
    qc = H.prep("ghz", n)
    circs = H.bell_settings(qc)
    res = analyse_bell(H.labelled(circs, H.run(circs, 4000, seed=n)))
    assert res.significance > 5 and res.violation
    assert res.depth == n  # E ~ 1/4 > 1/8: all n qubits Bell-correlated


def test_no_violation_claimed_at_n2_or_for_plus_states():
    qc = H.prep("ghz", 2)
    circs = H.bell_settings(qc)
    res = analyse_bell(H.labelled(circs, H.run(circs, 4000, seed=3)))
    assert abs(res.correlator.value - 0.25) < 4 * res.correlator.stderr
    assert not res.violation and res.depth == 0  # E = 1/4 is exactly the n = 2 bound
    for n in (2, 4, 6):
        qc = H.prep("product", n)
        circs = H.bell_settings(qc)
        res = analyse_bell(H.labelled(circs, H.run(circs, 4000, seed=n)), n_boot=1000)
        assert not res.violation and res.depth == 0 and res.significance < 0
        # bootstrap interval (E ~ 4^-n, non-Gaussian near 0) contains the truth and the estimate
        lo, hi = res.correlator.interval
        assert lo <= 4.0**-n <= hi and lo <= res.correlator.value <= hi


def test_claimed_depth_thresholds():
    # E well above 1/8 -> all n; in (1/16, 1/8] -> n - 1; a large error bar removes the claim.
    assert claimed_depth(Estimate(0.2, 1e-4), 6) == 6
    assert claimed_depth(Estimate(0.1, 1e-4), 6) == 5
    assert claimed_depth(Estimate(0.1, 0.05), 6) == 0
    assert claimed_depth(Estimate(0.2, 1e-4), 2) == 0  # 1/4 <= 2^-2: never a claim at n = 2


def test_error_bars_calibrated_over_200_repetitions():
    """n = 4 dephased GHZ: 90-99% of the 2-sigma intervals contain the exact E (Gaussian: 95.4%)."""
    n, reps, shots = 4, 200, 2000
    noise = H.dephasing_model(P_DEPH)
    qc = H.window(H.prep("ghz", n), 0.2)
    circs = H.bell_settings(qc)
    bits = H.run(circs, reps * shots, seed=11, noise=noise)
    exact_e = abs(H.expect_local(H.exact_rho(qc, noise), {q: H.SIGMA_PLUS for q in range(n)})) ** 2
    per_setting = [H.chunks(b, reps) for b in bits]
    hits = 0
    for r in range(reps):
        pairs = [(c.metadata["setting"], per_setting[i][r]) for i, c in enumerate(circs)]
        e = analyse_bell(pairs).correlator
        hits += abs(e.value - exact_e) <= 2 * e.stderr
    assert 0.90 <= hits / reps <= 0.99, hits


def test_bad_input_missing_phase_and_counts():
    n = 3
    qc = H.prep("ghz", n)
    circs = H.bell_settings(qc)
    pairs = H.labelled(circs, H.run(circs, 100, seed=1))
    with pytest.raises(ValueError, match=r"missing Bell setting.*index 2 \(phi = pi\*2/4"):
        analyse_bell(pairs[:2] + pairs[3:])
    with pytest.raises(ValueError, match="duplicate"):
        analyse_bell(pairs + pairs[:1])
    with pytest.raises(ValueError, match="no Bell settings"):
        analyse_bell([({"kind": "computational"}, {"000": 5})])
    meta = circs[0].metadata["setting"]
    with pytest.raises(ValueError, match="length"):
        analyse_bell([(meta, {"00": 3, "111": 1})] + pairs[1:])
    with pytest.raises(ValueError, match="empty"):
        analyse_bell([(meta, {})] + pairs[1:])
    with pytest.raises(ValueError, match="integer"):
        analyse_bell([(meta, {"000": 2.5})] + pairs[1:])
    with pytest.raises(ValueError, match="equally spaced"):
        bad = dict(meta, phi=0.1)
        analyse_bell([(bad, pairs[0][1])] + pairs[1:])
    with pytest.raises(TypeError, match="pairs"):
        analyse_bell([pairs[0][1]])


def test_to_dict_is_json_safe():
    import json

    qc = H.prep("ghz", 3)
    circs = H.bell_settings(qc) + [H.computational(qc)]
    bits = H.run(circs, 500, seed=2)
    res = analyse_bell(H.labelled(circs, bits))
    # whole circuit.metadata (prep + setting) is accepted as well as the setting dict
    full = analyse_bell([(c.metadata, b) for c, b in zip(circs, bits)])
    assert "prep" in circs[0].metadata and full.correlator == res.correlator
    d = json.loads(json.dumps(res.to_dict()))
    assert set(d["correlator"]) >= {"value", "stderr"}
    assert d["sigma_plus"]["value"]["real"] == pytest.approx(res.sigma_plus.value.real)


def test_parameter_sweep_pub_with_bound_phases():
    """One parameterised Bell circuit swept over bell_phases in ONE PUB: metadata has phi = "bell_phi"
    and no index; each point is labelled with its bound phase and the index is inferred."""
    from qiskit_aer.primitives import SamplerV2

    from bellsense import circuits

    n = 4
    circ = circuits.assemble(H.prep("ghz", n), circuits.bell_setting(n, circuits.BELL_PHI))
    phases = circuits.bell_phases(n)
    res = SamplerV2(seed=5).run([(circ, phases[:, None])], shots=4000).result()[0].data.meas
    meta = circ.metadata["setting"]
    assert meta["phi"] == "bell_phi" and meta["index"] is None
    pairs = [(dict(meta, phi=float(p)), res[j]) for j, p in enumerate(phases)]
    out = analyse_bell(pairs)
    assert abs(out.correlator.value - 0.25) < 4 * out.correlator.stderr and out.violation
    with pytest.raises(ValueError, match="symbolic phi"):
        analyse_bell([(meta, res[0])])
    with pytest.raises(ValueError, match=r"missing Bell setting.*index 2"):  # grid step from the others
        analyse_bell(pairs[:2] + pairs[3:])
