"""Readout calibration: circuits per measured-qubit group and pooling of their bits (pure data checks)."""

import json

import numpy as np
import pytest
from qiskit.primitives import BitArray
from qiskit_ibm_runtime.fake_provider import FakeTorino

from bellsense import backends


def _bits(rows):
    return BitArray.from_bool_array(np.asarray(rows, dtype=bool), order="little")


def test_pooled_error_rates_are_exact_ratios():
    # group A on qubits (3, 5), group B on (5, 7): qubit 5 pools 4 + 2 shots
    a0 = _bits([[0, 0], [1, 0], [0, 1], [0, 0]])  # column j = physical (3, 5)[j]
    a1 = _bits([[1, 1], [1, 0], [1, 1], [1, 1]])
    b0 = _bits([[0, 1], [0, 0]])  # (5, 7)
    b1 = _bits([[0, 1], [1, 1]])
    cal = backends.ReadoutCalibration.from_groups([((3, 5), a0, a1), ((5, 7), b0, b1)])
    assert cal.qubits == (3, 5, 7) and cal.shots == (4, 6, 2)
    assert cal.p10 == pytest.approx((1 / 4, 1 / 6, 1 / 2))  # P(read 1 | prepared 0)
    assert cal.p01 == pytest.approx((0.0, 2 / 6, 0.0))  # P(read 0 | prepared 1)
    e0, e1 = cal.for_qubits([7, 3])
    assert e0 == pytest.approx([0.5, 0.25]) and e1 == pytest.approx([0.0, 0.0])
    A = cal.confusion_matrices([5])[0]
    assert A == pytest.approx(np.array([[5 / 6, 2 / 6], [1 / 6, 4 / 6]]))  # A[read, prepared]
    assert backends.ReadoutCalibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal
    logical = cal.on_layout([7, 3])
    assert logical.qubits == (0, 1) and logical.p10 == pytest.approx((0.5, 0.25)) and logical.shots == (2, 4)
    with pytest.raises(ValueError, match="not calibrated"):
        cal.for_qubits([4])


def test_calibration_circuits_and_groups():
    dev = FakeTorino()
    zero, one = backends.calibration_circuits(dev, [4, 9])
    assert zero.count_ops().get("x", 0) == 0 and one.count_ops()["x"] == 2
    assert one.metadata == {"calibration": {"prepared": 1, "physical_qubits": [4, 9]}}
    assert backends.measured_physical_qubits([one]) == (4, 9)
    assert backends.measured_qubit_groups([one, zero, backends.calibration_circuits(dev, [1])[0]]) == [(4, 9), (1,)]
    with pytest.raises(ValueError, match="distinct indices"):
        backends.calibration_circuits(dev, [4, 4])
    with pytest.raises(ValueError, match="distinct indices"):
        backends.calibration_circuits(dev, [500])
