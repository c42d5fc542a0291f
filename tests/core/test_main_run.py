"""The runner end to end on Aer: records, schema, report == run, resume, and the physics of the points.

Small sizes and few shots keep this file fast; the closed forms are those of PHYSICS.md.
"""

from __future__ import annotations

import json
import math
import pathlib
import shutil

import numpy as np
import pytest

from bellsense import record, report, run
from bellsense.records import RunRecord
from bellsense.spec import ExperimentSpec, load_spec

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
GAMMA = 0.1

SMALL = {
    "name": "small",
    "probe": {"states": ["ghz", "product"], "n": [2, 3]},
    "sensing": {"t": [0.0, 0.5]},
    "noise": {"dephasing": GAMMA},
    "measure": {"quantities": ["fisher", "bell"]},
    "run": {"shots": 400, "seed": 7},
}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    return run.run_experiment(ExperimentSpec.from_dict(SMALL), out / "run", plots=True)


def test_record_is_complete_and_valid(small_run):
    rec = record.read(small_run.record_path)
    assert isinstance(rec, RunRecord) and record.validate(rec.to_json()) == rec
    assert rec == small_run.record  # what the run returned is what a reader gets back
    assert rec.status == "complete" and rec.missing == [] and rec.schema_version == 2
    assert rec.bellsense_version and rec.qiskit_version and rec.qiskit_aer_version
    assert rec.backend["name"] == "aer" and rec.spec["name"] == "small"
    assert len(rec.points) == 8
    for entry in rec.circuits:
        assert entry.status == "DONE"
        for binding in entry.bindings:
            assert binding.counts is not None and sum(binding.counts.values()) == 400
            assert all(len(k) == entry.metadata["prep"]["n"] for k in binding.counts)
    # One Aer job per point, seeded by its task: cluster.task_seed(run seed 7, task key) (issue 15).
    from bellsense.cluster import task_seed

    task_seeds = {t.key: t.seed for t in rec.execution.tasks}
    assert rec.execution.run_seed == 7 and all(task_seed(7, k) == s for k, s in task_seeds.items())
    for job in rec.jobs:
        assert job.submission["job_ids"] and job.submission["seed"] in task_seeds.values()
    # Every point carries the keys of the issue, with error bars on every measured number.
    raw = json.loads(small_run.record_path.read_text())
    for p, stored in zip(rec.points, raw["points"]):
        for key in ("state", "n", "t", "qfi_exact", "cfi_exact", "fisher_measured", "bell_correlator",
                    "bell_violation_sigma", "nonlocality_depth", "qfi_bound_from_bell"):
            assert key in stored, key
        assert set(stored["fisher_measured"]) >= {"value", "stderr", "method"} and p.fisher_measured.stderr > 0
        assert p.bell_correlator.stderr > 0
        assert p.sql == p.n and p.hl == p.n**2


def test_schema_rejects_an_incomplete_record(small_run):
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(record.schema())
    raw = json.loads(small_run.record_path.read_text())
    jsonschema.Draft202012Validator(record.schema()).validate(raw)
    broken = json.loads(json.dumps(raw))
    del broken["points"][0]["fisher_measured"]
    with pytest.raises(ValueError, match="points/0/fisher_measured"):
        record.validate(broken)
    broken = json.loads(json.dumps(raw))
    broken["circuits"][0]["bindings"][0]["counts"] = {"0x1": 3}
    with pytest.raises(ValueError, match="circuits/0/bindings/0/counts"):
        record.validate(broken)


def test_exact_values_match_closed_forms(small_run):
    # PHYSICS.md (seed 003): GHZ Q = N^2 exp(-4 N gamma t), |+>^N Q = N exp(-4 gamma t); the parity (GHZ) and
    # J_y (product) readouts at their optimal points saturate the QFI under dephasing, so CFI = QFI; and for GHZ
    # E_{N,0} = |rho_{0..0,1..1}|^2 = exp(-4 N gamma t)/4. Exact maths: tolerance 1e-8 (Aer density matrices).
    for p in small_run.points:
        n, t = p.n, p.t
        decay = math.exp(-4 * GAMMA * t)
        expected = n * n * decay**n if p.state == "ghz" else n * decay
        assert p.qfi_exact == pytest.approx(expected, rel=1e-8, abs=1e-10)
        assert p.cfi_exact == pytest.approx(expected, rel=1e-6)
        if p.state == "ghz":
            assert p.bell_correlator_exact == pytest.approx(decay**n / 4, rel=1e-8)
            # The optimal GHZ parity working point: N theta = pi/2 (mod pi).
            assert math.cos(n * p.theta) == pytest.approx(0.0, abs=1e-5)
        else:
            assert p.bell_correlator_exact == pytest.approx(4.0 ** -n * decay**n, rel=1e-8)
        # The finite-step estimator's exact limit is within O(delta^2) = 2% of the CFI.
        assert p.fisher_exact_method == pytest.approx(p.cfi_exact, rel=0.02)


def test_measured_agrees_with_exact_within_errors(small_run):
    # Shot noise with a fixed seed: measured values within 4 standard errors of the exact limit of the
    # estimator (4 rather than 3 because 8 points x 2 quantities are tested at once).
    for p in small_run.points:
        fm = p.fisher_measured
        assert abs(fm.value - p.fisher_exact_method) < 4 * fm.stderr, p
        e = p.bell_correlator
        assert abs(e.value - p.bell_correlator_exact) < 4 * e.stderr + 1e-12, p
        assert p.qfi_bound_from_bell.value == pytest.approx(4 * p.n**2 * e.value)


def test_report_from_the_record_alone_gives_the_same_numbers(small_run, tmp_path):
    # Run, delete everything but the record, report: the same points.
    lonely = tmp_path / "only"
    lonely.mkdir()
    shutil.copy(small_run.record_path, lonely / "record.json")
    rec = record.read(lonely)
    again = report.analyse(rec)
    assert again == rec.points
    assert report.format_table(rec, again) == report.format_table(rec)


def test_an_estimator_that_cannot_estimate_is_reported_not_fatal(small_run):
    # Deterministic outcomes (Var = 0 at theta0): the moments estimator is undefined. The point says why and
    # the Bell correlator of the same point is still analysed.
    raw = json.loads(small_run.record_path.read_text())
    for entry in raw["circuits"]:
        if entry["point"] == 0 and entry["role"] == "fisher":
            for binding in entry["bindings"]:
                binding["counts"] = {"00": 400}
    rec = record.validate(raw)
    first = report.analyse(rec)[0]
    assert first.fisher_measured is None and "Var(O) = 0" in first.errors["fisher"]
    assert first.bell_correlator.stderr > 0
    assert "fisher: not estimated" in report.format_table(rec, [first])


def test_failed_jobs_are_reported_and_the_rest_is_analysed(small_run):
    # A cancelled Bell PUB: its point keeps the Fisher information and lists "bell" as missing.
    raw = json.loads(small_run.record_path.read_text())
    entry = next(e for e in raw["circuits"] if e["role"] == "bell" and e["point"] == 1)
    entry.update(status="CANCELLED", error="job cancelled by the user")
    for binding in entry["bindings"]:
        binding["counts"] = None
    rec = record.validate(raw)
    points = report.analyse(rec)
    assert points[1].missing == ["bell"] and "bell_correlator" not in points[1].model_fields_set
    assert points[1].fisher_measured == rec.points[1].fisher_measured
    assert [m.model_dump() for m in report.missing(rec)] == [
        {"point": 1, "role": "bell", "status": "CANCELLED", "error": "job cancelled by the user"}]
    rec = rec.model_copy(update={"points": points, "missing": report.missing(rec)})
    table = report.format_table(rec)
    assert "missing: bell" in table and "1 circuit(s) without counts" in table


def test_resume_after_submission_gives_the_same_numbers(small_run, tmp_path, assert_same):
    spec = ExperimentSpec.from_dict(SMALL)
    prepared = run.prepare(spec, tmp_path / "interrupted")
    stopped = run.execute(prepared, progress=False, plots=False, stop_after_submit=True)
    on_disk = record.read(stopped.record_path)
    assert on_disk.status == "submitted" and on_disk.points == []
    assert all(b.counts is None for e in on_disk.circuits for b in e.bindings)
    assert all(job.submission["payload"] for job in on_disk.jobs)
    assert any("RERUN_ON_FETCH" in line for line in run.status_lines(stopped.record_path))
    fetched = run.fetch(stopped.record_path, progress=False, plots=False)
    assert fetched.record.status == "complete"
    assert_same(fetched.record.points, record.read(small_run.record_path).points)


def _reduced(spec: ExperimentSpec) -> ExperimentSpec:
    """Small n (>= the number of sensors), two times at most, few shots; one small point on a fake device."""
    if spec.run.backend.startswith("fake_"):
        return spec.with_overrides(n=[3], t=[spec.sensing.t[-1]], shots=200)
    n = [2, 4] if spec.probe.weights is not None or "dicke" in spec.probe.states else [3]
    if "symmetric" in spec.probe.states:
        n = None
    return spec.with_overrides(n=n, t=list(spec.sensing.t[:2]), shots=300)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_runs_reduced_and_validates(path, tmp_path):
    spec = _reduced(load_spec(path))
    result = run.run_experiment(spec, tmp_path / "out", plots=False)
    rec = record.read(result.record_path)
    assert rec.status == "complete"
    assert len(rec.points) == len(spec.points())
    for p in rec.points:
        assert p.cfi_exact <= p.qfi_exact * (1 + 1e-6) + 1e-9  # CFI <= QFI (1e-6: the 0/0 limit, see cfi_limit)
        for q in spec.measure.quantities:
            key = {"fisher": "fisher_measured", "bell": "bell_correlator", "pi_bell": "pi_bell",
                   "squeezing": "squeezing"}[q]
            est = getattr(p, key)
            # stderr None: an upper bound only (the moments interval of a slope that is not significant).
            assert est is not None and np.isfinite(est.value) and (est.stderr is None or est.stderr >= 0)
        if spec.run.backend.startswith("fake_"):
            # The hardware path: job ids, layout, calibration, device-noise exact values, raw and mitigated.
            assert rec.jobs[0].submission["job_ids"] and rec.layout and rec.calibration
            assert p.device_exact.bell_correlator_exact > 2.0 ** -p.n
            assert p.mitigated.bell_correlator.stderr > 0
            # Readout errors only shrink parity contrast; the tensored inverse undoes that, so the mitigated
            # correlator of the same counts is larger.
            assert p.mitigated.bell_correlator.value > p.bell_correlator.value


def test_network_and_dicke_exact_values(tmp_path):
    # Seed 002 gradient state: generator (J_z^(2) - J_z^(1))/sqrt 2, F_Q = n^2/2 (noiseless), and the parity
    # readout saturates it. Dicke |D_{n/2}> with J_y: F_Q = n(n+2)/2 (PHYSICS.md).
    spec = ExperimentSpec.from_dict({
        "probe": {"states": ["network", "dicke"], "n": [2, 4], "weights": [-1.0, 1.0]},
        "sensing": {"axis": "y", "t": [0.0]},
        "run": {"shots": 200},
    })
    plans = run.plan_points(spec)
    for plan in plans:
        plan, exact = run.exact_point(spec, plan)
        n = plan.n
        if plan.state == "dicke":
            assert exact.qfi_exact == pytest.approx(n * (n + 2) / 2, rel=1e-9)
            assert exact.cfi_exact <= exact.qfi_exact + 1e-9
    z_spec = ExperimentSpec.from_dict({"probe": {"state": "network", "n": [2, 4], "weights": [-1.0, 1.0]},
                                       "run": {"shots": 200}})
    for plan in run.plan_points(z_spec):
        plan, exact = run.exact_point(z_spec, plan)
        assert plan.sizes == (plan.n // 2, plan.n // 2)
        assert exact.qfi_exact == pytest.approx(plan.n**2 / 2, rel=1e-9)
        assert exact.cfi_exact == pytest.approx(plan.n**2 / 2, rel=1e-6)


def test_pure_and_density_matrix_paths_agree():
    # Two independent exact computations of the readout distribution and its derivative: state vector with
    # circuit-applied rotations (the fast path for noiseless windows) against Aer's density matrix with the
    # dense readout unitary. Machine precision (1e-12) for every state kind, a non-z axis and a field phi.
    spec = ExperimentSpec.from_dict({
        "probe": {"states": ["ghz", "product", "dicke", "network", "symmetric"], "n": [4], "weights": [-1, 1],
                  "amplitudes": [0.3, 0.1, -0.5, 0.2, 0.4]},
        "sensing": {"axis": "y", "t": [0.3], "phi": 0.7},
    })
    from bellsense.estimators import DensityFamily, PureFamily, hamming_weights
    from bellsense.run import build, exact
    from bellsense.run.plan import generator

    for plan in run.plan_points(spec):
        gen = generator(spec, plan.state, plan.n, plan.sizes)
        axis = plan.readout_axis
        pure = PureFamily(
            exact.window_vector(spec, plan.state, plan.n, plan.t), gen,
            lambda th, plan=plan: build.encoding_circuit(spec, plan.state, plan.n, th, plan.sizes),
            exact.basis_change(plan.n, axis), hamming_weights(plan.n))
        mixed = DensityFamily.build(exact.window_state(spec, plan.state, plan.n, plan.t), gen,
                                    exact.readout(plan.n, axis))
        for theta in (0.0, 0.37, -1.1):
            (p1, d1), (p2, d2) = pure.distribution(theta), mixed.distribution(theta)
            np.testing.assert_allclose(p1, p2, atol=1e-12)
            np.testing.assert_allclose(d1, d2, atol=1e-12)
