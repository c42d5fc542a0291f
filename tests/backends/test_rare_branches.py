"""Issue 14: Kraus device errors sampled as Kraus-free trajectories plus replayed rare branches.

Tolerances: the channel algebra is exact maths (1e-12 on superoperators and on the closed form
``s = (a - c^2) / (1 + a - 2c)``); sampled distributions are compared with the exact density-matrix
probabilities by a chi-square goodness-of-fit test at a fixed seed (p > 1e-3), and the same test must
reject the sampler with its branches dropped (p < 1e-6), so it can fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter
from qiskit.quantum_info import Kraus, SuperOp
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error, kraus_error, thermal_relaxation_error
from scipy.stats import chisquare

from bellsense import backends, circuits
from bellsense.backends import rare
from bellsense.backends.aer import probabilities
from bellsense.backends.rare import RARE_REASON, RareBranchSampler, identity_weight, split_error, split_noise_model
from bellsense.backends.sampling import device_choice, device_sampler, kraus_split, runtime_sampler_class
from bellsense.backends.submission import footprint

T1, T2, TIME = 1.0, 1.8, 0.3  # strong relaxation: the rare branch fires with probability ~0.48


def _closed_form_s(t1: float, t2: float, time: float) -> float:
    """Largest identity weight of thermal relaxation with T1 < T2 <= 2 T1 (Choi block [[1, c], [c, a]])."""
    a, c = math.exp(-time / t1), math.exp(-time / t2)
    return (a - c * c) / (1 + a - 2 * c)


READOUT = np.array([[0.97, 0.03], [0.05, 0.95]])  # rows: prepared 0/1, columns: recorded 0/1


def _exact(circuit: QuantumCircuit, model: NoiseModel) -> np.ndarray:
    """Outcome probabilities of ``circuit`` under ``model`` (density matrix), readout error applied."""
    probs = np.asarray(probabilities(circuit, model)).reshape([2] * 3)  # axes: bit 2, bit 1, bit 0
    for axis in range(3):
        probs = np.moveaxis(np.tensordot(probs, READOUT, axes=([axis], [0])), -1, axis)
    return probs.reshape(-1)


def _kraus_ops(error) -> list[np.ndarray]:
    return [np.asarray(k) for k in Kraus(error).data]


@pytest.mark.parametrize("t2", [1.2, 1.5, 1.8, 1.99, 2.0])  # 2.0: pure amplitude damping, s = 0
def test_identity_weight_of_thermal_relaxation_matches_the_closed_form(t2: float):
    ops = _kraus_ops(thermal_relaxation_error(T1, t2, TIME))
    s, rest = identity_weight(ops)
    assert s == pytest.approx(_closed_form_s(T1, t2, TIME), abs=1e-12)
    assert np.allclose(sum(k.conj().T @ k for k in rest), np.eye(2), atol=1e-12)  # R is trace preserving
    mixed = s * SuperOp(np.eye(4)).data + (1 - s) * SuperOp(Kraus(rest)).data
    assert np.max(np.abs(mixed - SuperOp(Kraus(ops)).data)) < 1e-12


def test_identity_weight_of_depolarizing_and_of_a_channel_without_identity():
    p = 0.2  # Kraus {sqrt(1 - 3p/4) I, sqrt(p/4) X, Y, Z}: identity weight 1 - 3p/4
    s, rest = identity_weight(_kraus_ops(depolarizing_error(p, 1)))
    assert s == pytest.approx(1 - 3 * p / 4, abs=1e-12)
    assert np.max(np.abs((1 - s) * SuperOp(Kraus(rest)).data + s * np.eye(4)
                         - SuperOp(depolarizing_error(p, 1)).data)) < 1e-12
    full_reset = [np.array([[1, 0], [0, 0]]), np.array([[0, 1], [0, 0]])]  # vec(I) not in the Choi range
    assert identity_weight(full_reset)[0] == 0.0


def _strong_model() -> NoiseModel:
    relax = thermal_relaxation_error(T1, T2, TIME)
    model = NoiseModel(basis_gates=["sx", "rz", "cx"])
    for q in range(3):
        model.add_quantum_error(depolarizing_error(0.02, 1).compose(relax), "sx", [q])
        model.add_readout_error(ReadoutError(READOUT), [q])
    two = depolarizing_error(0.03, 2).compose(relax.expand(relax))
    for pair in ([0, 1], [1, 2]):
        model.add_quantum_error(two, "cx", pair)
    return model


def _circuit() -> QuantumCircuit:
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    for q in range(3):
        qc.rz(0.4 + 0.3 * q, q)
        qc.sx(q)
    qc.measure_all()
    return transpile(qc, basis_gates=["sx", "rz", "cx"], optimization_level=0)


def test_split_reproduces_every_error_and_removes_every_kraus_instruction():
    model = _strong_model()
    clean, branches = split_noise_model(model)
    names = {i.operation.name for d in clean._local_quantum_errors.values() for e in d.values()
             for c in e.circuits for i in c.data}
    assert "kraus" not in names
    assert set(branches) == {("sx", (q,)) for q in range(3)} | {("cx", (0, 1)), ("cx", (1, 2))}
    assert [b.qubit for b in branches[("cx", (0, 1))]] == [0, 1]
    for (gate, qargs), brs in branches.items():
        full = SuperOp(model._local_quantum_errors[gate][qargs])
        rebuilt = SuperOp(clean._local_quantum_errors[gate][qargs])
        for b in brs:  # (s Id + (1 - s) R) on each Kraus qubit, after the Kraus-free error
            s_op = (1 - b.fire) * SuperOp(np.eye(4)).data + b.fire * SuperOp(Kraus(list(b.remainder))).data
            rebuilt = rebuilt.compose(SuperOp(s_op), qargs=[b.qubit])
            assert 1 - b.fire == pytest.approx(_closed_form_s(T1, T2, TIME), abs=1e-12)
        assert np.max(np.abs(rebuilt.data - full.data)) < 1e-12


def test_nothing_to_split_or_not_covered_gives_none():
    plain = NoiseModel(basis_gates=["sx", "rz", "cx"])
    plain.add_quantum_error(depolarizing_error(0.01, 1), "sx", [0])
    assert split_noise_model(plain) is None  # no Kraus instruction: Aer's fast path already
    everywhere = NoiseModel(basis_gates=["sx", "rz", "cx"])
    everywhere.add_all_qubit_quantum_error(thermal_relaxation_error(T1, T2, TIME), "sx")
    assert split_noise_model(everywhere) is None  # all-qubit errors are not covered
    # a Kraus map that is not the last instruction on its qubit does not factorise
    amp = kraus_error(_kraus_ops(thermal_relaxation_error(T1, T2, TIME)))
    before = amp.compose(depolarizing_error(0.3, 1))
    assert split_error(before) is None


def _sampler(model: NoiseModel) -> tuple[RareBranchSampler, object]:
    clean, branches = split_noise_model(model)
    sim = AerSimulator(method="matrix_product_state", noise_model=clean)
    inner = runtime_sampler_class()(mode=sim)
    inner.options.simulator.seed_simulator = 11
    return RareBranchSampler(inner, sim, branches), inner


@pytest.mark.parametrize("dense_fire", [1.0, 0.0])
def test_sampled_distribution_is_the_original_channel(monkeypatch: pytest.MonkeyPatch, dense_fire: float):
    # dense_fire 1.0: every branch replayed per shot; 0.0: every Kraus channel applied in every shot
    monkeypatch.setattr(rare, "DENSE_FIRE", dense_fire)
    model, qc = _strong_model(), _circuit()
    exact = _exact(qc, model)  # Aer density matrix of the original (Kraus) model, little-endian index
    sampler, inner = _sampler(model)
    shots = 20_000
    res = sampler.run([qc], shots=shots).result()[0]
    replays = res.metadata["rare_branch_replays"]
    assert replays > 0.5 * shots if dense_fire == 1.0 else replays == 0  # ~0.48 per site, 11 sites
    counts = res.data.meas.get_counts()
    observed = np.array([counts.get(format(k, "03b"), 0) for k in range(8)])
    assert chisquare(observed, shots * np.asarray(exact))[1] > 1e-3
    dropped = inner.run([qc], shots=shots).result()[0].data.meas.get_counts()  # no branch at all
    wrong = np.array([dropped.get(format(k, "03b"), 0) for k in range(8)])
    assert chisquare(wrong, shots * np.asarray(exact))[1] < 1e-6


def test_sweeps_and_seeds(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(rare, "DENSE_FIRE", 1.0)  # every branch replayed: the replays must follow the seed too
    model = _strong_model()
    qc = QuantumCircuit(3)
    theta = Parameter("t")
    qc.sx(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.rz(theta, [0, 1, 2])
    qc.sx([0, 1, 2])
    qc.measure_all()
    values = np.linspace(0, np.pi, 4)[:, None]
    first, _ = _sampler(model)
    second, _ = _sampler(model)
    a = first.run([(qc, values)], shots=500).result()[0]
    b = second.run([(qc, values)], shots=500).result()[0]
    assert a.data.meas.shape == (4,) and a.data.meas.num_shots == 500 and a.metadata["rare_branch_replays"] > 500
    assert np.array_equal(a.data.meas.array, b.data.meas.array)  # same seed, same rows
    for k, v in enumerate(values[:, 0]):  # each binding against its own exact distribution
        exact = _exact(qc.assign_parameters([v]), model)
        counts = a.data.meas.get_counts(k)
        observed = np.array([counts.get(format(j, "03b"), 0) for j in range(8)])
        assert chisquare(observed, 500 * np.asarray(exact))[1] > 1e-3


@pytest.fixture(scope="module")
def kingston():
    return backends.resolve_backend("fake_kingston")


def test_kingston_branches_sit_on_the_t2_above_t1_qubits(kingston):
    isa, _ = backends.prepare_circuits(kingston, [circuits.assemble(circuits.ghz(50), circuits.bell_setting(50))])
    active, width = footprint(isa)
    clean, branches = kraus_split(kingston, active)
    props = kingston.device.target.qubit_properties
    relaxing = {q for q in active if props[q].t2 > props[q].t1}
    assert relaxing  # this snapshot has such qubits on the tree; the split is not vacuous
    assert {qargs[b.qubit] for (_, qargs), brs in branches.items() for b in brs} == relaxing
    sx = kingston.device.target["sx"]
    for q in relaxing:
        (branch,) = branches[("sx", (q,))]
        expected = _closed_form_s(props[q].t1, props[q].t2, sx[(q,)].duration)
        assert 1 - branch.fire == pytest.approx(expected, rel=1e-9)
    choice = device_choice(kingston, width, True, active)
    assert choice.rare_branches and RARE_REASON in choice.reason
    assert not device_choice(kingston, width, True, active, {"twirling": True}).rare_branches


def test_kingston_sampler_is_seeded_and_shaped(kingston):
    isa, _ = backends.prepare_circuits(kingston, [circuits.assemble(circuits.ghz(20), circuits.bell_setting(20))])
    active, width = footprint(isa)
    phases = np.asarray(circuits.bell_phases(20, 21))[:3, None]
    runs = []
    for _ in range(2):
        sampler = device_sampler(kingston, active, width)
        assert isinstance(sampler, RareBranchSampler)
        sampler.options.simulator.seed_simulator = 5
        runs.append(sampler.run([(isa[0], phases)], shots=60).result()[0])
    assert runs[0].data.meas.shape == (3,) and runs[0].data.meas.num_shots == 60
    assert np.array_equal(runs[0].data.meas.array, runs[1].data.meas.array)


def test_replayed_rows_keep_every_register():
    """A replayed shot's Aer memory (registers space-separated, last first) lands in the right register rows."""
    from qiskit import ClassicalRegister, QuantumRegister
    from qiskit_aer.primitives import SamplerV2

    from bellsense.backends.rare import _row

    q, a, b = QuantumRegister(5), ClassicalRegister(2, "a"), ClassicalRegister(3, "b")
    qc = QuantumCircuit(q, a, b)
    qc.x([0, 3, 4])
    qc.measure([0, 1], a)
    qc.measure([2, 3, 4], b)
    memory = AerSimulator().run(qc, shots=1, memory=True).result().get_memory()[0]
    rows = _row(memory, qc.cregs)
    ref = SamplerV2().run([qc], shots=1).result()[0].data
    assert np.array_equal(rows["a"], ref.a.array[0]) and np.array_equal(rows["b"], ref.b.array[0])
    assert ref.a.get_counts() == {"01": 1} and ref.b.get_counts() == {"110": 1}  # the case is not trivial


@pytest.mark.slow
def test_kingston_run_stopped_after_submission_is_fetched_to_the_same_counts(tmp_path):
    """A fake-device run at n = 20 (rare-branch sampler) stopped after submission and finished by ``fetch``
    gives the uninterrupted run's counts exactly (the replays are drawn from the job's seed)."""
    from bellsense import run
    from bellsense.spec import ExperimentSpec

    spec = ExperimentSpec.from_dict({
        "name": "rare20", "probe": {"states": ["ghz"], "n": [20]}, "sensing": {"t": [0.0]},
        "measure": {"quantities": ["bell"], "exact": "off"},
        "run": {"backend": "fake_kingston", "shots": 40, "seed": 17}})
    whole = run.run_experiment(spec, tmp_path / "whole", plots=False).record
    assert RARE_REASON in whole.layout["circuits"][0]["simulation"]["reason"]
    stopped = run.execute(run.prepare(spec, tmp_path / "stopped"), progress=False, plots=False,
                          stop_after_submit=True)
    fetched = run.fetch(stopped.record_path, progress=False, plots=False).record
    assert fetched.status == "complete" and fetched.circuits == whole.circuits
