"""The runner's exact references from the permutation-invariant engine, ``exact = "off"`` and the bound column.

Tolerances: 1e-9 relative between the engine and the dense 2^n path (both exact; the engine integrates
the window with ``expm_multiply``, accurate to ~1e-13, and the dense path goes through Aer's density
matrix); 1e-9 relative against the closed forms of Takahashi, Ho & Matsueda (arXiv:2512.21661) and the
bound; measured values within 3 standard errors of the exact ones (fixed seeds, so deterministic).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from bellsense import estimators
from bellsense.cli import main
from bellsense.errors import SpecError
from bellsense.report import format_table
from bellsense.run import exact_point, plan_points, run_experiment
from bellsense.run.exact import exact_method
from bellsense.spec import ExperimentSpec

NOISES = {
    "dephasing": {"dephasing": 0.1},
    "emission": {"emission": 0.3},
    "emission_up": {"dephasing": 0.05, "emission": 0.2, "emission_direction": "up"},
    "kappa": {"dephasing": 0.05, "kappa": 0.2},
    "T1T2": {"T1": 3.0, "T2": 2.0},
}
FIELDS = ("qfi_exact", "cfi_exact", "fisher_exact_method", "bell_correlator_exact", "bell_correlator_log10_exact",
          "ghz_fidelity_exact", "pi_bell_exact", "squeezing_exact")


def _spec(states, n, noise, axis="z", theta=0.3, quantities=("fisher", "bell", "pi_bell", "squeezing"), **run):
    amps = None if "symmetric" not in states else list(np.linspace(0.2, 1.0, n + 1) * (-1) ** np.arange(n + 1))
    probe = {"states": list(states), "n": [n]} | ({} if amps is None else {"amplitudes": amps})
    return ExperimentSpec.from_dict({
        "name": "pi-exact", "probe": probe, "sensing": {"axis": axis, "theta": theta, "t": [0.5], "phi": 0.4},
        "noise": noise, "measure": {"quantities": list(quantities), "pi_bell_angles": [0.3, 1.2]},
        "run": {"shots": 200, "seed": 5, **run}})


def _close(a, b, rel=1e-9):
    return (a is None and b is None) or abs(a - b) <= rel * max(1.0, abs(b))


# The dense check of collective dephasing stops at n = 5: Aer's density matrix with the n-qubit mixed-unitary
# channel takes ~20 s per point at n = 6 (the engine: 0.04 s).
CASES = [(noise, n) for noise in NOISES for n in (2, 3, 4, 5, 6) if not (noise == "kappa" and n == 6)]


@pytest.mark.parametrize(("noise", "n"), CASES, ids=[f"{noise}-{n}" for noise, n in CASES])
def test_engine_and_dense_path_agree(noise, n):
    spec = _spec(["ghz", "product", "dicke", "symmetric"], n, NOISES[noise], axis="x" if n == 3 else "z")
    for plan in plan_points(spec):
        assert exact_method(spec, plan)[0] == "pi"
        _, pi = exact_point(spec, plan)
        _, dense = exact_point(spec, plan, method="dense")
        assert pi.exact_method == "pi" and dense.exact_method == "dense"
        for key in FIELDS:
            if key == "bell_correlator_log10_exact" and dense.bell_correlator_exact < 1e-20:
                continue  # E = 0 (Dicke): exactly -inf on the engine, rounding (~1e-35) on the dense path
            assert _close(getattr(pi, key), getattr(dense, key)), (plan.state, key)
        assert pi.nonlocality_depth_exact == dense.nonlocality_depth_exact


def test_working_point_search_agrees_on_the_engine():
    spec = _spec(["ghz", "product", "symmetric"], 5, {"dephasing": 0.1, "emission": 0.2}, theta="optimal",
                 quantities=("fisher",))
    for plan in plan_points(spec):
        pi_plan, pi = exact_point(spec, plan)
        dense_plan, dense = exact_point(spec, plan, method="dense")
        # bounded scalar search to xatol 1e-7: the optimum itself agrees far better than the angle
        assert abs(pi_plan.theta - dense_plan.theta) < 1e-6
        assert _close(pi.fisher_exact_method, dense.fisher_exact_method, 1e-8)


@pytest.mark.parametrize("n", [16, 24])
def test_run_at_n_16_and_24_takes_its_exact_values_from_the_engine(n, tmp_path):
    gamma, t = 0.01, 0.5
    spec = ExperimentSpec.from_dict({
        "name": "pi-run", "probe": {"states": ["ghz", "product"], "n": [n]},
        "sensing": {"axis": "z", "theta": "optimal", "t": [t]}, "noise": {"dephasing": gamma},
        "measure": {"quantities": ["fisher", "bell"]},
        "run": {"shots": 200, "seed": 11, "backend": "aer:matrix_product_state"}})
    rec = run_experiment(spec, tmp_path / "run", plots=False).record
    eta2 = math.exp(-4 * gamma * t)  # squared single-qubit coherence factor
    closed = {"ghz": (n**2 * eta2**n, 0.25 * eta2**n), "product": (n * eta2, 4.0**-n * eta2**n)}
    bound = n**2 * eta2 / (n * (1 - eta2) + eta2)  # PHYSICS.md: the parallel bound under dephasing
    for ex, point in zip(rec.exact, rec.points):
        qfi, corr = closed[ex.state]
        assert ex.exact_method == "pi" and ex.unavailable is None and point.exact_method == "pi"
        assert _close(ex.qfi_exact, qfi) and _close(ex.cfi_exact, qfi)  # both readouts saturate the QFI here
        assert abs(ex.bell_correlator_exact - corr) <= 1e-9 * corr
        assert abs(ex.bell_correlator_log10_exact - math.log10(corr)) < 1e-9
        assert abs(point.bound - bound) <= 1e-9 * bound
        assert point.fisher_z is not None and abs(point.fisher_z) < 3
        e = point.bell_correlator
        assert abs(e.value - ex.bell_correlator_exact) < 3 * e.stderr
    ghz = rec.exact[0]
    assert ghz.nonlocality_depth_exact == n  # E in (1/8, 1/4]: all n qubits Bell-correlated
    assert f"{bound:.3f}" in format_table(rec)


def test_exact_off_skips_the_stage_and_the_table_says_na(tmp_path):
    spec = _spec(["ghz"], 3, {"dephasing": 0.1}, theta="optimal", quantities=("fisher", "bell"))
    spec = ExperimentSpec.from_dict({**spec.to_dict(), "measure": {**spec.to_dict()["measure"], "exact": "off"}})
    rec = run_experiment(spec, tmp_path / "off", plots=False).record
    ex, point = rec.exact[0], rec.points[0]
    assert ex.exact_method is None and "exact = 'off'" in ex.unavailable
    assert ex.qfi_exact is None and ex.cfi_exact is None and ex.bell_correlator_exact is None
    assert ex.theta == pytest.approx(math.pi / 6, abs=1e-9)  # parity fallback pi/(2n) without the search
    assert point.fisher_measured is not None and point.bell_correlator is not None  # still measured
    row = next(line for line in format_table(rec).splitlines() if line.startswith("ghz"))
    assert row.split()[3:5] == ["n/a", "n/a"]


def test_no_exact_flag_and_bad_value(tmp_path, capsys):
    path = tmp_path / "spec.toml"
    path.write_text('name = "x"\n[probe]\nstates = ["product"]\nn = 3\n[sensing]\nt = 0.5\n'
                    '[noise]\ndephasing = 0.1\n[run]\nshots = 100\n')
    assert main(["run", str(path), "--no-exact", "--no-plots", "--no-progress", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "exact: n/a (skipped" in out
    path.write_text('[measure]\nexact = "sometimes"\n')
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "measure.exact" in err and str(path) in err and "'auto', 'off'" in err
    with pytest.raises(SpecError, match="measure.exact"):
        ExperimentSpec.from_dict({"measure": {"exact": True}})


def test_unavailable_case_records_its_reason(tmp_path):
    """Unequal per-qubit rates on 13 qubits: not permutation-invariant and above the dense limit."""
    n = 13
    rates = [0.05 + 0.01 * q for q in range(n)]
    spec = ExperimentSpec.from_dict({
        "name": "na", "probe": {"states": ["product"], "n": [n]}, "sensing": {"t": [0.5]},
        "noise": {"dephasing": rates}, "measure": {"quantities": ["fisher"]},
        "run": {"shots": 100, "seed": 3, "backend": "aer:matrix_product_state"}})
    method, reason = exact_method(spec, plan_points(spec)[0])
    assert method is None and "differ" in reason and "n = 13 > 12" in reason
    rec = run_experiment(spec, tmp_path / "na", plots=False).record
    assert rec.exact[0].unavailable == reason and rec.points[0].exact_unavailable == reason
    assert rec.points[0].bound is None and "differ" in rec.points[0].bound_unavailable
    table = format_table(rec)
    assert f"exact: n/a ({reason})" in table
    assert next(line for line in table.splitlines() if line.startswith("product")).split()[3:5] == ["n/a", "n/a"]


def test_method_choice_for_what_the_engine_cannot_express():
    plan = plan_points(_spec(["ghz"], 4, {"dephasing": 0.1}))[0]
    assert exact_method(_spec(["ghz"], 4, {"dephasing": 0.1, "gate_error_2q": 0.01}), plan)[0] == "dense"
    big = plan_points(_spec(["ghz"], 40, {"dephasing": 0.1, "gate_error_2q": 0.01}))[0]
    method, reason = exact_method(_spec(["ghz"], 40, {"dephasing": 0.1, "gate_error_2q": 0.01}), big)
    assert method is None and "gate errors" in reason
    assert exact_method(_spec(["ghz"], 200, {"dephasing": 0.1}), big)[0] == "pi"
    # the bound is for the encoding about z only, and on devices there is none
    from bellsense.run.exact_pi import point_bound

    spec = _spec(["ghz"], 4, {"dephasing": 0.1})
    assert point_bound(spec, 4, 0.5, device_run=True) == (None, "device noise: no parallel bound")
    assert point_bound(_spec(["ghz"], 4, {"dephasing": 0.1}, axis="x"), 4, 0.5, False)[0] is None
    assert point_bound(spec, 4, 0.5, False)[0] == pytest.approx(estimators.parallel_bound(4, 0.5, dephasing=0.1))


def test_optimal_probe_runs_with_its_best_collective_readout(tmp_path):
    """states = ["optimal"]: the probe of estimators.optimal_symmetric_probe, read out by the best collective
    readout (largest exact limit of the estimator over the frame's axes and the statistics)."""
    from bellsense.run.build import bind_working_point, point_circuits

    spec = _spec(["optimal"], 4, {"dephasing": 0.2, "emission": 0.1}, theta="optimal", quantities=("fisher",),
                 shots=2000)
    plan = plan_points(spec)[0]
    best, entry = exact_point(spec, plan)
    _, dense = exact_point(spec, plan, method="dense")
    _, qfi = estimators.optimal_symmetric_probe(4, 0.5, "z", dephasing=0.2, emission=0.1)
    assert entry.exact_method == "pi" and _close(entry.qfi_exact, qfi, 1e-8) and _close(dense.qfi_exact, qfi, 1e-8)
    assert _close(entry.fisher_exact_method, dense.fisher_exact_method, 1e-8)
    assert entry.cfi_exact <= entry.qfi_exact + 1e-9
    fixed = dataclasses.replace(spec, measure=dataclasses.replace(spec.measure, readout="collective"))
    values = []
    for statistic in estimators.STATISTICS:  # no other readout of the frame does better (readout kept as given)
        for axis in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)):
            other = dataclasses.replace(plan, readout_axis=axis, statistic=statistic,
                                        delta=0.2 / (4 if statistic == "parity" else 1))
            values.append(exact_point(fixed, other)[1].fisher_exact_method)
    assert max(values) <= entry.fisher_exact_method + 1e-9 and min(values) < 0.9 * entry.fisher_exact_method
    # a prepared job gets the chosen readout (the non-task path rebinds the point's jobs)
    jobs = bind_working_point(spec, best, point_circuits(spec, plan))
    assert jobs[0].circuit.metadata["setting"]["axis"] == list(best.readout_axis)
    rec = run_experiment(spec, tmp_path / "opt", plots=False).record
    point = rec.points[0]
    assert point.readout.axis == list(best.readout_axis) and point.readout.statistic == best.statistic
    assert abs(point.fisher_z) < 3
    assert f"CFI/QFI = {entry.cfi_exact / entry.qfi_exact:.3f}" in format_table(rec)
    with pytest.raises(SpecError, match="n <= 12"):
        _spec(["optimal"], 13, {"dephasing": 0.1})
