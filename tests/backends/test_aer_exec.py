"""Aer execution: exact density matrices / probabilities, the seeded sampler, method choice.

Exact quantities are compared with the exact state vectors of ``bellsense.states`` at 1e-10
(double-precision simulation of a few gates: errors ~1e-15). Sampled counts are compared
with the exact probabilities within 5 standard errors (fixed seed).
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives import BaseSamplerV2
from qiskit_aer.noise import NoiseModel, ReadoutError

from bellsense import circuits, noise, spin, states
from bellsense.backends import aer

TOL = 1e-10


def _ghz(n: int) -> QuantumCircuit:
    return circuits.ghz(n)


def _window(qc: QuantumCircuit, angle) -> QuantumCircuit:
    """Prep + sensing window of duration 1 in field ``angle``: RZ(angle) on every qubit."""
    return circuits.assemble(qc, circuits.sensing_window(qc.num_qubits, 1.0, angle, "z"))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_density_matrix_is_the_exact_ghz_state(n):
    theta = 0.37
    rho = aer.density_matrix(_window(_ghz(n), theta))
    phases = np.exp(-1j * theta * spin.jz(n).diagonal())  # exp(-i theta J_z) = RZ(theta)^n
    psi = phases * states.ghz(n)
    assert rho.dim == 2**n
    np.testing.assert_allclose(rho.data, np.outer(psi, psi.conj()), atol=TOL)


def test_density_matrices_batch_and_parameters():
    theta = Parameter("theta")
    circ = _window(_ghz(3), theta)
    rhos = aer.density_matrices([circ, circ], None, [[0.1], {theta: 0.2}])
    for rho, val in zip(rhos, (0.1, 0.2)):
        psi = np.exp(-1j * val * spin.jz(3).diagonal()) * states.ghz(3)
        np.testing.assert_allclose(rho.data, np.outer(psi, psi.conj()), atol=TOL)


def test_probabilities_little_endian_and_partial_measurement():
    qc = QuantumCircuit(3)
    qc.x(0)  # outcome bit 0 = 1 -> index 1
    qc.ry(2 * np.arccos(np.sqrt(0.3)), 2)  # P(qubit 2 = 0) = 0.3
    probs = aer.probabilities(qc)
    expected = np.zeros(8)
    expected[0b001], expected[0b101] = 0.3, 0.7
    np.testing.assert_allclose(probs, expected, atol=TOL)
    # measuring qubits 2 and 0 into clbits 0 and 1: index = b0 + 2 b1 with b0 = qubit 2, b1 = qubit 0
    qm = qc.copy()
    qm.add_register(__import__("qiskit").ClassicalRegister(2, "meas"))
    qm.measure(2, 0)
    qm.measure(0, 1)
    np.testing.assert_allclose(aer.probabilities(qm), [0.0, 0.0, 0.3, 0.7], atol=TOL)


def test_noisy_probabilities_are_the_density_matrix_diagonal():
    n, t = 3, 0.8
    spec = noise.NoiseSpec(emission=0.4)
    model = noise.window_noise_model(spec, n, t)
    body = _window(_ghz(n), 0.3)
    rho = aer.density_matrix(body, model)
    meas = body.copy()
    meas.measure_all()
    np.testing.assert_allclose(aer.probabilities(meas, model), np.real(np.diag(rho.data)), atol=TOL)
    # closed form: GHZ |1..1> population decays to (1-p)^n/2 with p = 1 - e^{-gamma t}
    assert abs(rho.data[-1, -1].real - 0.5 * np.exp(-0.4 * t * n)) < TOL


def test_sampler_is_a_sampler_v2_and_runs_a_sweep_in_one_call():
    theta = Parameter("theta")
    qc = _window(_ghz(2), theta)
    qc.h([0, 1])
    qc.measure_all()
    sweep = np.array([[0.0], [np.pi / 4], [np.pi / 2]])
    sampler = aer.aer_sampler(seed=11, num_qubits=2)
    assert isinstance(sampler, BaseSamplerV2)
    shots = 4000
    res = sampler.run([(qc, sweep)], shots=shots).result()[0]
    bits = res.data.meas
    assert bits.shape == (3,) and bits.num_shots == shots
    for i, (val,) in enumerate(sweep):
        exact = aer.probabilities(qc, parameter_values=[val])
        counts = bits[i].get_counts()
        freq = np.zeros(4)
        for key, c in counts.items():
            freq[int(key, 2)] = c / shots
        stderr = np.sqrt(exact * (1 - exact) / shots) + 1e-12
        assert np.all(np.abs(freq - exact) <= 5 * stderr + 1e-12)
    # same seed, same counts
    again = aer.sample_counts(qc, shots, parameter_values=sweep, seed=11)
    assert again == [bits[i].get_counts() for i in range(3)]


def test_sampler_applies_noise_model_and_readout_error():
    qc = QuantumCircuit(1)
    qc.measure_all()
    model = NoiseModel()
    model.add_readout_error(ReadoutError([[0.8, 0.2], [0.0, 1.0]]), [0])
    shots = 20000
    counts = aer.sample_counts(qc, shots, model, seed=3)
    p1 = counts.get("1", 0) / shots
    assert abs(p1 - 0.2) < 5 * np.sqrt(0.2 * 0.8 / shots)


def test_inline_quantum_error_is_exact_in_density_matrix():
    # collective dephasing placed in the circuit: GHZ coherence x (1 - p) (n = 2: sectors differ)
    qc = circuits.assemble(_ghz(2), circuits.sensing_window(2, 0.5, 0.0, "z"))
    rho = aer.density_matrix(noise.apply_collective(qc, kappa=1.0))
    assert abs(rho.data[0, 3] - 0.5 * np.exp(-0.5)) < TOL


def test_choose_method_rules():
    big = 1 << 40
    assert aer.choose_method(8, True, exact=True, max_memory=big) == "density_matrix"
    assert aer.choose_method(8, True, max_memory=big) == "density_matrix"
    assert aer.choose_method(14, True, max_memory=big) == "statevector"
    assert aer.choose_method(20, False, max_memory=big) == "statevector"
    assert aer.choose_method(40, False, max_memory=big) == "matrix_product_state"
    assert aer.memory_needed(16, "density_matrix") == 16 * 4**16 == 64 * 2**30


def test_forced_density_matrix_that_does_not_fit_says_how_much():
    with pytest.raises(ValueError, match=r"n = 16 needs 16 bytes x 4\^n = 68719476736 bytes = 64 GiB"):
        aer.choose_method(16, True, method="density_matrix", max_memory=8 * 2**30)
    qc = QuantumCircuit(16)
    with pytest.raises(ValueError, match="64 GiB"):
        aer.density_matrix(qc, max_memory=8 * 2**30)
    with pytest.raises(ValueError, match="64 GiB"):
        aer.aer_sampler(method="density_matrix", num_qubits=16, max_memory=8 * 2**30)


def test_bad_inputs():
    with pytest.raises(ValueError, match="unknown simulation method"):
        aer.choose_method(2, False, method="stabilizer_magic")
    with pytest.raises(ValueError, match="needs method 'density_matrix'"):
        aer.choose_method(2, True, exact=True, method="statevector")
    measured = _ghz(2)
    measured.measure_all()
    with pytest.raises(ValueError, match="without measurements"):
        aer.density_matrix(measured)
    with pytest.raises(ValueError, match="unbound parameters"):
        aer.density_matrix(_window(_ghz(2), Parameter("phi")))
    with pytest.raises(ValueError, match="1 parameters"):
        aer.density_matrix(_window(_ghz(2), Parameter("phi")), parameter_values=[0.1, 0.2])
    with pytest.raises(TypeError, match="NoiseModel"):
        aer.density_matrix(_ghz(2), noise_model="depolarising")
    with pytest.raises(ValueError, match="shots"):
        aer.sample_counts(measured, 0)
    with pytest.raises(ValueError, match="no classical register 'meas'"):
        aer.sample_counts(_ghz(2), 10)
    with pytest.raises(TypeError, match="n must be an int"):
        aer.choose_method(2.5, False)


def test_sampler_runs_inline_collective_noise():
    # GHZ_2 parity <X X> = 2 Re rho_{00,11} = e^{-kappa t} after collective dephasing (t = 1)
    qc = noise.apply_collective(circuits.assemble(_ghz(2), circuits.sensing_window(2, 1.0, 0.0, "z")), kappa=0.8)
    qc.h([0, 1])
    qc.measure_all()
    shots = 20000
    counts = aer.sample_counts(qc, shots, seed=5)
    parity = (counts.get("00", 0) + counts.get("11", 0) - counts.get("01", 0) - counts.get("10", 0)) / shots
    exact = np.exp(-0.8)
    assert abs(parity - exact) < 5 * np.sqrt((1 - exact**2) / shots)
