"""submit / collect / job_statuses on Aer and on FakeTorino in local mode; records that resume identically."""

import json

import numpy as np
import pytest
from qiskit_aer.noise import NoiseModel, depolarizing_error

from bellsense import backends, circuits


@pytest.fixture(scope="module")
def torino():
    return backends.resolve_backend("fake_torino")


def _bell_pub(n, target):
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 0.2, 0.3), circuits.bell_setting(n))
    isa, lay = backends.prepare_circuits(target, [circ])
    phases = np.asarray(circuits.bell_phases(n, n + 1))[:, None]
    return (isa[0], phases), lay


def _all_counts(outcomes):
    return [o.counts() for o in outcomes]


def test_aer_submit_collect_and_resume_from_json():
    target = backends.resolve_backend("aer")
    pub, _ = _bell_pub(3, target)
    sub = backends.submit(target, [pub, (pub[0], pub[1][:2], 100)], shots=400, seed=11)
    record = json.loads(json.dumps(sub.to_dict()))  # what the run record holds
    assert record["shots"] == [400, 100] and record["seed"] == 11 and record["calibration"] is None
    live = backends.collect(target, sub)
    assert [len(o.counts()) for o in live] == [4, 2]
    assert sum(live[0].counts()[0].values()) == 400 and sum(live[1].counts()[1].values()) == 100
    resumed = backends.Submission.from_dict(record)
    assert backends.job_statuses(target, resumed)[0]["status"] == "RERUN_ON_FETCH"
    again = backends.collect(backends.platform_for(resumed), resumed)
    assert _all_counts(again) == _all_counts(live)


def _model(p):
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing_error(p, 1), ["sx", "x", "h"])
    return nm


def test_aer_resume_needs_the_same_noise_model():
    """Resume with a rebuilt (equal, not identical) noise model works; a different or missing one is refused."""
    target = backends.resolve_backend("aer:density_matrix")
    pub, _ = _bell_pub(2, target)
    sub = backends.submit(target, [pub], shots=300, seed=5, noise_model=_model(0.05))
    live = backends.collect(target, sub)
    resumed = backends.Submission.from_dict(json.loads(json.dumps(sub.to_dict())))
    with pytest.raises(ValueError, match="same noise_model"):
        backends.collect(target, resumed)
    with pytest.raises(ValueError, match="same noise_model"):
        backends.collect(target, resumed, noise_model=_model(0.06))
    assert _all_counts(backends.collect(target, resumed, noise_model=_model(0.05))) == _all_counts(live)


def test_fake_device_run_calibration_and_identical_resume(torino):
    """Local-mode FakeTorino: counts, readout calibration in the same batch, resume gives identical counts."""
    pub, lay = _bell_pub(3, torino)
    sub = backends.submit(torino, [pub], shots=2000, seed=7)
    assert len(sub.job_ids) == 2 and sub.calibration["physical_qubits"] == sorted(lay.qubits)
    live = backends.collect(torino, sub)
    assert live.missing == [] and live[0].ok
    cal = live.calibration
    assert cal.shots == (2000,) * 3 and list(cal.qubits) == sorted(lay.qubits)
    # calibration vs the device's reported readout error: binomial, 5 sigma on 2000 shots (+ the asymmetric
    # T1 contribution of the fake noise model, which the reported symmetric error averages)
    reported = np.array([torino.backend.target["measure"][(q,)].error for q in cal.qubits])
    measured = 0.5 * (np.array(cal.p10) + np.array(cal.p01))
    assert np.all(np.abs(measured - reported) < 5 * np.sqrt(reported * (1 - reported) / 2000) + 0.01)
    e0, e1 = cal.for_qubits(lay.physical_qubits(0))
    assert e0.shape == (3,) and np.allclose(cal.confusion_matrices(lay.physical_qubits(0)).sum(axis=1), 1)
    # GHZ Bell parity at phi = 0 on a good layout: even parity dominates
    counts = live[0].counts()[0]
    even = sum(c for k, c in counts.items() if k.count("1") % 2 == 0)
    assert even / 2000 > 0.8
    resumed = backends.Submission.from_dict(json.loads(json.dumps(sub.to_dict())))
    again = backends.collect(torino, resumed)
    assert _all_counts(again) == _all_counts(live) and again.calibration == cal
    assert [s["calibration"] for s in backends.job_statuses(torino, sub)] == [False, True]


def test_seed_controls_fake_device_counts(torino):
    pub, _ = _bell_pub(2, torino)
    runs = [backends.collect(torino, backends.submit(torino, [pub], shots=500, seed=s, calibrate=False))
            for s in (1, 1, 2)]
    assert _all_counts(runs[0]) == _all_counts(runs[1])
    assert _all_counts(runs[0]) != _all_counts(runs[2])


def test_failed_job_is_reported_per_pub_and_the_rest_completes(torino):
    """A valid ISA PUB whose local simulation cannot run (a 20-qubit density matrix, forced by the
    backend option, exceeds memory) fails in its own job; the other job completes and the outcome
    says what is missing. Aer's message quotes the circuit's name, here a fake token: the stored
    error keeps the exception type and the message, with the token redacted."""
    target = backends.resolve_backend("fake_torino", method="density_matrix", pubs_per_job=1)
    pub, _ = _bell_pub(2, target)
    wide = circuits.assemble(circuits.ghz(20), circuits.computational_readout(20))
    wide.name = "tok-SECRET-27182818abcdef"
    wide, _ = backends.prepare_circuits(target, [wide])
    sub = backends.submit(target, [pub, (wide[0],)], shots=200, seed=3, calibrate=False)
    out = backends.collect(target, sub)
    assert out[0].ok and not out[1].ok and out.missing == [1]
    assert out[1].status != "DONE" and out[1].error.startswith("AerError: ")
    assert "Insufficient memory" in out[1].error and "SECRET" not in out[1].error and "[REDACTED]" in out[1].error
    with pytest.raises(ValueError, match="no counts"):
        out[1].counts()
    with pytest.raises(ValueError, match="not an ISA circuit for fake_torino"):
        backends.submit(torino, [circuits.assemble(circuits.ghz(2), circuits.computational_readout(2))], shots=10)


def test_dynamical_decoupling_and_twirling_reach_the_sampler(torino):
    target = backends.resolve_backend("fake_torino", dynamical_decoupling="XY4", twirling=True)
    sampler = backends.make_sampler(target, seed=1, active_qubits=[0, 1], width=2)  # a small noise model: fast
    assert sampler.options.dynamical_decoupling.enable and sampler.options.dynamical_decoupling.sequence_type == "XY4"
    assert sampler.options.twirling.enable_gates and sampler.options.twirling.enable_measure
    assert sampler.options.simulator.seed_simulator == 1


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"shots": 0}, ValueError, "shots must be a positive int"),
        ({"shots": 10, "seed": -1}, ValueError, "seed must be"),
        ({"shots": 10, "options": {"bogus": 1}}, ValueError, "unknown submit option"),
        ({"shots": 10, "calibrate": True}, ValueError, "needs a device"),
    ],
)
def test_submit_input_errors(kwargs, err, match):
    target = backends.resolve_backend("aer")
    with pytest.raises(err, match=match):
        backends.submit(target, [circuits.assemble(circuits.ghz(2), circuits.computational_readout(2))], **kwargs)


def test_submit_and_collect_type_errors():
    target = backends.resolve_backend("aer")
    circ = circuits.assemble(circuits.ghz(2), circuits.computational_readout(2))
    with pytest.raises(TypeError, match="list of SamplerPub"):
        backends.submit(target, circ, shots=10)
    with pytest.raises(ValueError, match="empty"):
        backends.submit(target, [], shots=10)
    with pytest.raises(ValueError, match="no shots"):
        backends.submit(target, [circ])
    with pytest.raises(TypeError, match="Platform"):
        backends.submit("aer", [circ], shots=10)
    sub = backends.submit(target, [circ], shots=10, seed=1)
    with pytest.raises(ValueError, match="not on platform"):
        backends.collect(backends.resolve_backend("aer:statevector"), sub)
    with pytest.raises(ValueError, match="lacks key"):
        backends.Submission.from_dict({"backend": {}})
