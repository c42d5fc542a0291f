"""NoiseSpec validation and the NoiseModel it builds: window channels by label, gate and readout
errors, per-qubit rates, and the opt-in fake-device model. Exact checks through Aer at 1e-12;
readout through sampling at 5 standard errors with a fixed seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit

from bellsense import circuits, noise
from bellsense.backends import aer

TOL = 1e-12


def _plus_window(n: int, t: float) -> QuantumCircuit:
    return circuits.assemble(circuits.product(n), circuits.sensing_window(n, t, 0.0, "z"))


def test_window_noise_attaches_to_the_label_only():
    n, t = 2, 0.8
    model = noise.window_noise_model(noise.NoiseSpec(dephasing=0.3), n, t)
    assert "sensing_window" in model.noise_instructions
    # the same RZ without the label gets no noise
    plain = circuits.product(n)
    plain.rz(0.0, range(n))
    rho_plain = aer.density_matrix(plain, model).data
    rho_window = aer.density_matrix(_plus_window(n, t), model).data
    assert abs(rho_plain[0, 1]) == pytest.approx(0.25, abs=TOL)
    assert abs(rho_window[0, 1]) == pytest.approx(0.25 * np.exp(-2 * 0.3 * t), abs=TOL)


def test_per_qubit_rates_hit_the_right_qubit():
    n, t = 3, 1.0
    rates = [0.0, 0.5, 0.0]
    rho = aer.density_matrix(_plus_window(n, t), noise.window_noise_model(noise.NoiseSpec(emission=rates), n, t))
    # reduced state of qubit q: <X_q> = e^{-gamma_q t/2}
    from qiskit.quantum_info import DensityMatrix, partial_trace

    for q, g in enumerate(rates):
        red = partial_trace(DensityMatrix(rho), [k for k in range(n) if k != q]).data
        assert 2 * red[0, 1].real == pytest.approx(np.exp(-g * t / 2), abs=TOL)


def test_t1_t2_window_matches_thermal_relaxation():
    n, t = 1, 20.0
    spec = noise.NoiseSpec(T1=100.0, T2=60.0)
    rho = aer.density_matrix(_plus_window(n, t), noise.window_noise_model(spec, n, t)).data
    assert 2 * rho[0, 1].real == pytest.approx(np.exp(-t / 60.0), abs=TOL)
    assert rho[1, 1].real == pytest.approx(0.5 * np.exp(-t / 100.0), abs=TOL)


def test_gate_error_is_depolarising_on_gates_not_on_the_window():
    spec = noise.NoiseSpec(gate_error_1q=0.1, gate_error_2q=0.2)
    model = noise.window_noise_model(spec, 2, 1.0)
    one = QuantumCircuit(1)
    one.h(0)
    rho = aer.density_matrix(one, model).data
    assert 2 * rho[0, 1].real == pytest.approx(0.9, abs=TOL)  # Bloch vector x (1 - lambda)
    window_model = noise.window_noise_model(noise.NoiseSpec(gate_error_1q=0.1), 1, 1.0)
    rho_w = aer.density_matrix(_plus_window(1, 1.0), window_model).data
    assert 2 * rho_w[0, 1].real == pytest.approx(0.9, abs=TOL)  # only the preparation gate is noisy
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    rho2 = aer.density_matrix(bell, model).data
    # GHZ coherence: 1q depolarising on H then 2q depolarising on CX: 0.5 * 0.9 * (1 - 0.2)
    assert abs(rho2[0, 3]) == pytest.approx(0.5 * 0.9 * 0.8, abs=TOL)


def test_readout_error_per_qubit_in_sampling():
    spec = noise.NoiseSpec(readout_p10=[0.1, 0.0], readout_p01=[0.0, 0.3])
    model = noise.window_noise_model(spec, 2, 0.0)
    qc = QuantumCircuit(2)
    qc.x(1)
    qc.measure_all()
    shots = 20000
    counts = aer.sample_counts(qc, shots, model, seed=7)
    freq = {k: v / shots for k, v in counts.items()}
    expected = {"10": 0.9 * 0.7, "11": 0.1 * 0.7, "00": 0.9 * 0.3, "01": 0.1 * 0.3}
    for key, p in expected.items():
        assert abs(freq.get(key, 0.0) - p) < 5 * np.sqrt(p * (1 - p) / shots)


def test_ideal_spec_and_zero_time_are_noiseless():
    assert noise.NoiseSpec().is_ideal
    assert noise.window_noise_model(noise.NoiseSpec(), 3, 1.0).is_ideal()
    assert noise.window_noise_model(noise.NoiseSpec(dephasing=1.0), 3, 0.0).is_ideal()
    assert not noise.NoiseSpec(kappa=0.1).is_ideal


def test_spec_is_frozen_and_hashable():
    spec = noise.NoiseSpec(dephasing=[0.1, 0.2], readout_p10=0.01)
    assert spec.dephasing == (0.1, 0.2)
    with pytest.raises(AttributeError):
        spec.dephasing = 0.3  # type: ignore[misc]
    assert hash(spec) == hash(noise.NoiseSpec(dephasing=(0.1, 0.2), readout_p10=0.01))


def test_device_noise_is_opt_in():
    from bellsense.backends import fake_backend

    model = noise.device_noise_model(fake_backend("FakeBelemV2"))
    assert not model.is_ideal() and "measure" in model.noise_instructions
    assert fake_backend("belem").name == fake_backend("FakeBelemV2").name == "fake_belem"
    spec = noise.NoiseSpec(dephasing=0.1, device="fake_belem")
    combined = noise.window_noise_model(spec, 2, 1.0)
    assert "sensing_window" in combined.noise_instructions and "measure" in combined.noise_instructions
    with pytest.raises(ValueError, match="unknown fake device 'fake_nowhere'"):
        fake_backend("fake_nowhere")
    with pytest.raises(TypeError, match="backend object"):
        noise.device_noise_model("fake_belem")


def test_bad_spec_input():
    with pytest.raises(ValueError, match="dephasing rate must be a finite number >= 0, got -0.1"):
        noise.NoiseSpec(dephasing=-0.1)
    with pytest.raises(ValueError, match="emission rate entries must be finite and >= 0"):
        noise.NoiseSpec(emission=[0.1, -0.2])
    with pytest.raises(ValueError, match=r"T2 = 300.0 > 2 T1 = 200.0"):
        noise.NoiseSpec(T1=100.0, T2=300.0)
    with pytest.raises(ValueError, match="both T1 and T2"):
        noise.NoiseSpec(T1=100.0)
    with pytest.raises(ValueError, match="probability and must be in \\[0, 1\\]"):
        noise.NoiseSpec(readout_p01=1.5)
    with pytest.raises(ValueError, match="depolarising probability"):
        noise.NoiseSpec(gate_error_2q=2.0)
    with pytest.raises(ValueError, match="emission_direction must be 'down' or 'up'"):
        noise.NoiseSpec(emission=0.1, emission_direction="left")
    with pytest.raises(ValueError, match="different lengths"):
        noise.NoiseSpec(dephasing=[0.1, 0.2], emission=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="has 2 entries but n = 3"):
        noise.window_noise_model(noise.NoiseSpec(dephasing=[0.1, 0.2]), 3, 1.0)
    with pytest.raises(ValueError, match="has 2 entries but n = 3"):
        noise.window_noise_model(noise.NoiseSpec(readout_p10=[0.1, 0.2]), 3, 1.0)
    with pytest.raises(ValueError, match="t .window duration. must be a finite number >= 0, got -1"):
        noise.window_noise_model(noise.NoiseSpec(dephasing=0.1), 3, -1.0)
    with pytest.raises(TypeError, match="spec must be a NoiseSpec"):
        noise.window_noise_model({"dephasing": 0.1}, 3, 1.0)
