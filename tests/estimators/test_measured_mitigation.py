"""Readout mitigation with asymmetric per-qubit readout error injected in Aer.

Truth: noiseless exact values (numpy on the exact state). Mitigated estimates must agree within
4 standard errors; raw ones must miss by more than 4 standard errors (the injected errors of
2-9% bias a 4-qubit parity by ~25%, far beyond the ~0.5% shot noise at 40 000 shots).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit_aer.noise import NoiseModel, ReadoutError

sys.path.insert(0, os.path.dirname(__file__))
import _measured_circuits as H  # noqa: E402

from bellsense.estimators.measured.mitigation import (  # noqa: E402
    calibrate_readout,
    combine_calibrations,
    mitigated_hamming_distribution,
    mitigated_parity,
    mitigated_z_expectation,
)
from bellsense.estimators.measured.shots import z_expectation  # noqa: E402

N = 4
E0 = [0.02, 0.05, 0.03, 0.04]  # P(read 1 | 0)
E1 = [0.08, 0.06, 0.09, 0.07]  # P(read 0 | 1): relaxation makes it larger
SHOTS = 40_000


def _readout_noise() -> NoiseModel:
    model = NoiseModel()
    for q in range(N):
        model.add_readout_error(ReadoutError([[1 - E0[q], E0[q]], [E1[q], 1 - E1[q]]]), [q])
    return model


def _calibration_circuits(group):
    zero = QuantumCircuit(N)
    zero.measure_all()
    one = QuantumCircuit(N)
    one.x(list(group))
    one.measure_all()
    return [zero, one]


@pytest.fixture(scope="module")
def runs():
    ghz = H.prep("ghz", N)
    dicke = H.prep("dicke", N)
    circs = (
        _calibration_circuits([0, 1]) + _calibration_circuits([2, 3])
        + [H.collective(ghz, "x"), H.computational(ghz), H.computational(dicke)]
    )
    bits = H.run(circs, SHOTS, seed=9, noise=_readout_noise())
    cal = combine_calibrations(calibrate_readout(bits[0], bits[1], [0, 1]), calibrate_readout(bits[2], bits[3], [2, 3]))
    return cal, bits[4:], (H.exact_rho(ghz), H.exact_rho(dicke))


def test_calibration_recovers_injected_rates(runs):
    cal = runs[0]
    # binomial error of a rate ~0.05 from 40 000 shots: ~1.1e-3; allow 4 sigma
    assert np.allclose(cal.p10, E0, atol=5e-3) and np.allclose(cal.p01, E1, atol=6e-3)
    assert cal.assignment_matrix(2) == pytest.approx(np.array([[1 - E0[2], E1[2]], [E0[2], 1 - E1[2]]]), abs=6e-3)


def test_mitigated_parities_match_exact_raw_do_not(runs):
    cal, (x_read, z_read, _), (rho_ghz, _) = runs
    # GHZ: <X^4> = 1, <Z^4> = 1, <Z_0 Z_1> = 1, <Z_0> = 0
    checks = [(x_read, None, 1.0), (z_read, None, 1.0), (z_read, [0, 1], 1.0), (z_read, [1, 3], 1.0),
              (z_read, [0], 0.0)]
    for data, qubits, exact in checks:
        mit = mitigated_z_expectation(data, cal, qubits) if qubits else mitigated_parity(data, cal)
        raw = z_expectation(data, qubits)
        assert abs(mit.value - exact) <= 4 * mit.stderr, (qubits, mit, exact)
        assert mit.details["raw"]["value"] == pytest.approx(raw.value)
        if exact != 0.0:
            assert abs(raw.value - exact) > 4 * raw.stderr, (qubits, raw)
    z = np.diag([1.0, -1.0])
    assert np.real(np.trace(rho_ghz @ np.kron(np.kron(z, z), np.kron(z, z)))) == pytest.approx(1.0, abs=1e-10)


def test_mitigated_hamming_distribution_of_dicke(runs):
    cal, (_, _, dicke_read), (_, rho_dicke) = runs
    exact = np.zeros(N + 1)
    weights = np.array([bin(i).count("1") for i in range(2**N)])
    np.add.at(exact, weights, np.real(np.diag(rho_dicke)))
    assert exact[2] == pytest.approx(1.0, abs=1e-10)
    mit, err, raw = mitigated_hamming_distribution(dicke_read, cal)
    assert mit.sum() == pytest.approx(1.0, abs=1e-10)
    assert np.all(np.abs(mit - exact) <= 4 * err + 1e-12), (mit, err)
    assert abs(raw[2] - 1.0) > 4 * np.sqrt(raw[2] * (1 - raw[2]) / SHOTS)


def test_mitigation_is_identity_without_errors():
    cal = calibrate_readout({"000": 10}, {"111": 10})
    counts = {"000": 7, "011": 2, "110": 5}
    assert mitigated_parity(counts, cal).value == pytest.approx(z_expectation(counts).value, abs=1e-15)
    mit, _, raw = mitigated_hamming_distribution(counts, cal)
    assert np.allclose(mit, raw, atol=1e-15)


def test_calibration_bad_input(runs):
    cal = calibrate_readout({"0000": 10}, {"0011": 10}, [0, 1])
    with pytest.raises(ValueError, match=r"need qubits \[2, 3\]"):
        mitigated_parity({"0101": 3}, cal)
    with pytest.raises(ValueError, match="only 2 qubits"):
        mitigated_parity({"01": 3}, calibrate_readout({"0000": 10}, {"1111": 10}, [0, 3]))
    with pytest.raises(ValueError, match="no better than random"):
        calibrate_readout({"00": 10}, {"00": 10})
    with pytest.raises(ValueError, match="must match"):
        calibrate_readout({"00": 10}, {"111": 10})
    with pytest.raises(ValueError, match="overlap"):
        combine_calibrations(cal, cal)


def test_calibration_convention_records_and_validation():
    """p10 = P(read 1 | prepared 0), p01 = P(read 0 | prepared 1): exact ratios of the calibration counts;
    the JSON form round-trips, and a 0.1.0 record's keys (physical_qubits, p1_given0, p0_given1) load
    with the same meaning."""
    import json

    from bellsense.estimators.measured.mitigation import ReadoutCalibration

    cal = calibrate_readout({"00": 8, "01": 2}, {"11": 7, "10": 3})  # qubit 0 is the rightmost bit
    assert cal.p10 == pytest.approx((0.2, 0.0)) and cal.p01 == pytest.approx((0.3, 0.0)) and cal.shots == (10, 10)
    assert cal.assignment_matrix(0) == pytest.approx(np.array([[0.8, 0.3], [0.2, 0.7]]))
    assert ReadoutCalibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal
    old = {"physical_qubits": [28, 36], "p1_given0": [0.02, 0.01], "p0_given1": [0.05, 0.04], "shots": [200, 200]}
    loaded = ReadoutCalibration.from_dict(old)
    assert loaded.qubits == (28, 36) and loaded.p10 == (0.02, 0.01) and loaded.p01 == (0.05, 0.04)
    logical = loaded.on_layout([36, 28])
    assert logical.qubits == (0, 1) and logical.p10 == (0.01, 0.02) and logical.p01 == (0.04, 0.05)
    with pytest.raises(ValueError, match="lacks key"):
        ReadoutCalibration.from_dict({"qubits": [0]})
    with pytest.raises(ValueError, match="p10 must hold 1 probabilities"):
        ReadoutCalibration((0,), (1.5,), (0.0,), 10)
    with pytest.raises(ValueError, match="distinct"):
        ReadoutCalibration((0, 0), (0.1, 0.1), (0.1, 0.1), 10)
