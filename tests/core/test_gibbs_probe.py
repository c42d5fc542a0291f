"""Issue 13: the spec probe state ``gibbs``, the LMG Gibbs state run as a classical ensemble of pure-state PUBs.

Independent references: the Gibbs state is rebuilt here from the qubit Hamiltonian ``H = (J/N) S_z^2 - h S_x``
(numpy Pauli sums, projected on the symmetric subspace, ``scipy.linalg.expm``), not from ``bellsense.models``;
the exact reference of the permutation-invariant engine is checked against the dense path (Aer density matrices
of the ensemble's circuits, weighted). Exact maths is checked to 1e-9 (eigensolvers and Aer density matrices are
accurate to ~1e-12). Shot-based values are checked within 4 standard errors at fixed seeds (a false failure
below 1e-4 per check). At J = 1, h = 0.5, beta = 1.5, n = 4 the state is clearly mixed (purity 0.50, five members).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.linalg as sla
from qiskit.quantum_info import Statevector

from bellsense import record
from bellsense import run as runner
from bellsense.cli import main
from bellsense.run import exact_point, plan_points, run_experiment
from bellsense.run.ensemble import ensemble_preps, merge_counts, split_shots
from bellsense.spec import ExperimentSpec

J, H, BETA, N = 1.0, 0.5, 1.5, 4


def _spec(state: str = "gibbs", beta: float | None = BETA, *, n: int = N, shots: int = 4000,
          **sections: dict) -> ExperimentSpec:
    probe = {"states": [state], "n": n, "coupling": J, "field": H, **({} if beta is None else {"beta": beta})}
    data = {"probe": probe, "sensing": {"t": [0.3]}, "noise": {"dephasing": 0.1},
            "measure": {"quantities": ["fisher", "pi_bell", "squeezing"], "pi_bell_angles": "optimal"},
            "run": {"shots": shots, "seed": 5}}
    data.update(sections)
    return ExperimentSpec.from_dict(data)


def _gibbs_on_qubits(n: int, coupling: float, field: float, beta: float) -> np.ndarray:
    """``P exp(-beta H) P / Tr`` on 2^n qubits, P the symmetric projector, H from Pauli sums (Qiskit order)."""
    x, z, eye = np.array([[0, 1], [1, 0]]), np.diag([1.0, -1.0]), np.eye(2)

    def total(op: np.ndarray) -> np.ndarray:
        out = np.zeros((1 << n, 1 << n))
        for q in range(n):
            term = np.array([[1.0]])
            for k in reversed(range(n)):
                term = np.kron(term, op if k == q else eye)
            out += term / 2
        return out

    sz, sx = total(z), total(x)
    ham = coupling / n * sz @ sz - field * sx
    weight = np.array([bin(i).count("1") for i in range(1 << n)])
    iso = np.zeros((1 << n, n + 1))  # columns |D_k>: uniform over the bit strings of Hamming weight k
    for k in range(n + 1):
        iso[weight == k, k] = 1.0 / np.sqrt(np.sum(weight == k))
    sym = sla.expm(-beta * (iso.T @ ham @ iso))
    return iso @ (sym / np.trace(sym)) @ iso.T


@pytest.mark.parametrize("weights, shots", [([0.6722, 0.1989, 0.0741, 0.0305, 0.0243], 4000), ([1, 1, 1], 1000),
                                            ([0.5, 0.5], 3), ([1.0, 1e-9], 50), ([2.0, 3.0, 5.0], 7)])
def test_split_shots_totals_the_shots_and_follows_the_weights(weights, shots):
    split = split_shots(weights, shots)
    w = np.asarray(weights) / np.sum(weights)
    assert sum(split) == shots and all(s >= 0 for s in split)
    assert np.all(np.abs(np.asarray(split) / shots - w) < 1.0 / shots)
    assert split == split_shots(weights, shots)  # deterministic


def test_split_shots_breaks_ties_by_index_and_rejects_bad_input():
    assert split_shots([0.5, 0.5], 3) == [2, 1] and split_shots([1, 1, 1], 1000) == [334, 333, 333]
    for weights, shots in [([], 10), ([1.0, -0.1], 10), ([0.0, 0.0], 10), ([1.0, float("nan")], 10), ([1.0], 0)]:
        with pytest.raises(ValueError, match="weights|shots"):
            split_shots(weights, shots)


def test_merge_counts_sums_the_members():
    members = [{"00": 5, "11": 3}, {"11": 2, "01": 1}, {}]
    merged = merge_counts(members)
    assert merged == {"00": 5, "01": 1, "11": 5} and sum(merged.values()) == sum(sum(m.values()) for m in members)
    with pytest.raises(ValueError, match="one"):
        merge_counts([{"00": 1}, {"1": 1}])
    with pytest.raises(ValueError, match="at least one"):
        merge_counts([])


@pytest.mark.parametrize("n, beta", [(3, 0.0), (4, BETA), (5, 4.0)])
def test_ensemble_circuits_prepare_the_gibbs_state(n, beta):
    spec = _spec(beta=beta, n=n)
    preps = ensemble_preps(spec, "gibbs", n, 10**6)
    infos = [qc.metadata["prep"]["ensemble"] for _, qc in preps]
    assert [s for s, _ in preps] == [i["shots"] for i in infos] and sum(i["shots"] for i in infos) == 10**6
    rho = sum(i["weight"] * Statevector(qc).to_operator().data for i, (_, qc) in zip(infos, preps))
    assert np.max(np.abs(rho - _gibbs_on_qubits(n, J, H, beta))) < 1e-9
    assert all(qc.metadata["prep"]["state"] == "gibbs" and qc.metadata["prep"]["beta"] == beta for _, qc in preps)


def test_exact_reference_engine_agrees_with_the_weighted_dense_ensemble():
    spec = _spec(measure={"quantities": ["fisher", "bell", "pi_bell", "squeezing"], "pi_bell_angles": "optimal"})
    plan = plan_points(spec)[0]
    _, pi = exact_point(spec, plan)
    _, dense = exact_point(spec, plan, method="dense")
    assert (pi.exact_method, dense.exact_method) == ("pi", "dense")
    for key in ("qfi_exact", "cfi_exact", "fisher_exact_method", "pi_bell_exact", "squeezing_exact",
                "bell_correlator_exact"):
        assert getattr(pi, key) == pytest.approx(getattr(dense, key), rel=1e-8, abs=1e-10), key
    # beta = 0 and no window: the symmetric-subspace identity commutes with J_z, so its QFI is 0
    flat_spec = _spec(beta=0.0, sensing={"t": [0.0]}, noise={})
    _, flat = exact_point(flat_spec, plan_points(flat_spec)[0])
    assert abs(flat.qfi_exact) < 1e-12


@pytest.fixture(scope="module")
def gibbs_run(tmp_path_factory):
    return run_experiment(_spec(), tmp_path_factory.mktemp("gibbs") / "run", plots=False)


def test_merged_counts_measure_the_mixed_state(gibbs_run):
    rec = gibbs_run.record
    (entry,), (point,) = rec.exact, rec.points
    assert entry.exact_method == "pi"
    for name, exact in (("fisher_measured", entry.fisher_exact_method), ("pi_bell", entry.pi_bell_exact),
                        ("squeezing", entry.squeezing_exact)):
        est = getattr(point, name)
        assert est.stderr > 0 and abs(est.value - exact) < 4 * est.stderr, (name, est, exact)


def test_every_member_is_its_own_pub_with_its_share_of_the_shots(gibbs_run):
    rec = gibbs_run.record
    (job,) = rec.jobs
    submitted = job.submission["shots"]
    weights = None
    assert {c.role for c in rec.circuits} == {"fisher", "pi_bell", "squeezing"} and len(rec.circuits) == 7
    for c in rec.circuits:
        members = c.ensemble
        assert members is not None and len(members) == 5 and c.pub == members[0].pub
        assert "ensemble" not in c.metadata["prep"] and c.metadata["prep"]["state"] == "gibbs"
        weights = weights or [m.weight for m in members]
        assert [m.weight for m in members] == weights and [m.index for m in members] == list(range(5))
        assert [m.shots for m in members] == split_shots(weights, 4000)
        assert [submitted[m.pub] for m in members] == [m.shots for m in members]  # per-PUB shots in the job
        for b, binding in enumerate(c.bindings):
            assert sum(binding.counts.values()) == 4000
            assert binding.counts == merge_counts([m.counts[b] for m in members])
            assert all(sum(m.counts[b].values()) == m.shots for m in members)
    assert len({m.pub for c in rec.circuits for m in c.ensemble}) == len(submitted) == 35


def test_gibbs_record_round_trips(gibbs_run):
    rec = record.read(gibbs_run.record_path)
    assert rec == gibbs_run.record and record.validate(rec.to_json()) == rec
    assert rec.status == "complete" and rec.missing == []
    from bellsense import report

    assert report.analyse(rec) == rec.points
    raw = json.loads(gibbs_run.record_path.read_text())
    counts = raw["circuits"][0]["ensemble"][1]["counts"][0]
    counts[next(iter(counts))] += 1  # a member's counts no longer total its shots
    with pytest.raises(ValueError, match="member 1: counts of binding 0 sum to"):
        record.validate(raw)


def test_large_beta_gives_the_lmg_ground_state(tmp_path):
    lmg = run_experiment(_spec("lmg", None), tmp_path / "lmg", plots=False).record
    gibbs = run_experiment(_spec(beta=60.0), tmp_path / "gibbs", plots=False).record
    (a,), (b,) = lmg.exact, gibbs.exact
    for key in ("qfi_exact", "cfi_exact", "fisher_exact_method", "pi_bell_exact", "squeezing_exact"):
        assert getattr(b, key) == pytest.approx(getattr(a, key), rel=1e-9, abs=1e-12), key
    assert b.theta == pytest.approx(a.theta, abs=1e-6)  # a numerical search (the Fisher value is flat there)
    # exp(-60 x gap 0.81) ~ 1e-21: one member, with every shot
    assert all(len(c.ensemble) == 1 and c.ensemble[0].shots == 4000 for c in gibbs.circuits)
    (p,), (q,) = lmg.points, gibbs.points
    for name in ("fisher_measured", "pi_bell", "squeezing"):
        x, y = getattr(p, name), getattr(q, name)
        assert abs(x.value - y.value) < 4 * np.hypot(x.stderr, y.stderr), name


@pytest.mark.parametrize("probe, key, words", [
    ('states = ["lmg"]\nn = 4\ncoupling = 1.0\nfield = 0.5\nbeta = 2.0', "probe.beta",
     "does not apply to states ['lmg']; allowed: beta with state 'gibbs' only"),
    ('states = ["gibbs"]\nn = 4\ncoupling = 1.0\nfield = 0.5', "probe.beta", "is missing for state 'gibbs'"),
    ('states = ["gibbs"]\nn = 4\ncoupling = 1.0\nfield = 0.5\nbeta = -1.0', "probe.beta", "a real number >= 0"),
    ('states = ["gibbs"]\nn = 13\ncoupling = 1.0\nfield = 0.5\nbeta = 1.0', "probe.n", "n <= 12 for 'gibbs'"),
])
def test_bad_gibbs_keys_exit_2_with_one_line(tmp_path, capsys, probe, key, words):
    path = tmp_path / "bad.toml"
    path.write_text(f"[probe]\n{probe}\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{path}: {key}:" in err and words in err and "allowed:" in err


def test_fetch_completes_interrupted_gibbs_runs(gibbs_run, tmp_path, assert_same):
    spec = _spec()
    # stopped after the submissions were recorded (the one-submission path of an interrupted run)
    stopped = runner.execute(runner.prepare(spec, tmp_path / "submitted"), progress=False, plots=False,
                             stop_after_submit=True)
    on_disk = record.read(stopped.record_path)
    assert on_disk.status == "submitted" and all(c.ensemble for c in on_disk.circuits)
    assert all(b.counts is None for c in on_disk.circuits for b in c.bindings)
    assert all(m.counts is None and m.status == "SUBMITTED" for c in on_disk.circuits for m in c.ensemble)
    fetched = runner.fetch(stopped.record_path, progress=False, plots=False).record
    assert fetched.status == "complete" and fetched.circuits == gibbs_run.record.circuits
    assert_same(fetched.points, gibbs_run.record.points)
    # killed after one task result: fetch runs only the missing tasks, with the same seeds
    killed = runner.execute(runner.prepare(spec, tmp_path / "killed"), progress=False, plots=False, stop_after=1)
    assert record.read(killed.record_path).jobs == []
    done = runner.fetch(killed.record_path, progress=False, plots=False).record
    assert done.circuits == gibbs_run.record.circuits
    assert_same(done.points, gibbs_run.record.points)


def test_gibbs_with_gate_errors_uses_the_dense_ensemble(tmp_path):
    spec = _spec(n=3, shots=2000, noise={"dephasing": 0.1, "gate_error_2q": 0.01},
                 measure={"quantities": ["fisher", "squeezing"]})
    rec = run_experiment(spec, tmp_path / "run", plots=False).record
    (entry,), (point,) = rec.exact, rec.points
    assert entry.exact_method == "dense"
    clean = _spec(n=3, noise={"dephasing": 0.1}, measure={"quantities": ["fisher", "squeezing"]})
    _, pi = exact_point(clean, plan_points(clean)[0])
    assert entry.qfi_exact < pi.qfi_exact  # gate errors on the preparation only lower the QFI
    for name, exact in (("fisher_measured", entry.fisher_exact_method), ("squeezing", entry.squeezing_exact)):
        est = getattr(point, name)
        assert abs(est.value - exact) < 4 * est.stderr, (name, est, exact)


def test_gibbs_on_a_dask_worker_gives_the_in_process_record(gibbs_run, tmp_path, assert_same):
    pytest.importorskip("distributed")
    from bellsense.cluster import ClusterSpec

    rec = run_experiment(_spec(), tmp_path / "dask", plots=False, cluster=ClusterSpec(workers=1, timeout=60)).record
    assert rec.execution.where.startswith("Dask") and rec.circuits == gibbs_run.record.circuits
    assert_same(rec.points, gibbs_run.record.points)


def test_jobs_of_one_submission_draw_independent_shots():
    from qiskit import QuantumCircuit

    from bellsense import backends
    from bellsense.backends.submission import by_shots, job_seed

    assert by_shots([(0, 1, 2, 3), (4,)], [10, 7, 10, 7, 7]) == [(0, 2), (1, 3), (4,)]
    assert job_seed(9, 0) == 9 and job_seed(None, 3) is None
    assert job_seed(9, 1) == job_seed(9, 1) and len({job_seed(9, k) for k in range(1, 50)}) == 49
    qc = QuantumCircuit(4)
    qc.h(range(4))
    qc.measure_all()
    aer = backends.resolve_backend("aer")
    sub = backends.submit(aer, [(qc,), (qc,)], shots=500, seed=3, options={"pubs_per_job": 1})
    first, second = backends.collect(aer, sub)
    # one seed for both jobs would give the same 500 outcomes in the same order (Aer restarts its stream per job)
    assert not np.array_equal(first.bits.array, second.bits.array)
    again = backends.collect(aer, backends.Submission.from_dict(sub.to_dict()))  # fetch re-executes job k alike
    assert [o.counts() for o in again] == [first.counts(), second.counts()]


def test_gibbs_on_a_fake_device_runs_one_shot_count_per_job(tmp_path):
    spec = _spec(n=3, shots=300, noise={}, measure={"quantities": ["fisher", "squeezing"]},
                 run={"shots": 300, "seed": 5, "backend": "fake_torino"})
    rec = run_experiment(spec, tmp_path / "dev", plots=False).record
    (job,), (entry,), (point,) = rec.jobs, rec.exact, rec.points
    shots = job.submission["shots"]
    assert all(len({shots[i] for i in pubs}) == 1 for pubs in job.submission["job_pubs"] if pubs)
    assert all(sum(b.counts.values()) == 300 for c in rec.circuits for b in c.bindings)
    assert entry.device is not None and "ensemble" in entry.device.skipped
    assert point.squeezing.stderr > 0 and rec.status == "complete"
