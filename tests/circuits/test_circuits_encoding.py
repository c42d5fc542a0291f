"""Phase encoding and the sensing window against ``scipy.linalg.expm(-1j theta J)``.

Exact operator equality, global phase included (tolerance 1e-10: the circuits are
products of SU(2) rotations equal to the exponential in exact arithmetic, so
only float round-off remains). The reference ``J`` is ``bellsense.spin.collective``
densified, an independent construction from sparse Pauli sums.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from qiskit.circuit import Parameter
from qiskit.quantum_info import Operator
from scipy.linalg import expm

from bellsense.circuits import THETA, WINDOW_LABEL, phase_encoding, sensing_window, sensor_encoding
from bellsense.spin import collective

TOL = 1e-10


def _random_axis(rng) -> np.ndarray:
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def _exact(n, theta, axis) -> np.ndarray:
    return expm(-1j * theta * collective(n, axis).toarray())


def _z_on(n: int, qubits) -> np.ndarray:
    """``1/2 sum_{q in qubits} Z_q`` (diagonal, little-endian), built from bit masks."""
    idx = np.arange(1 << n)
    return np.diag(sum(0.5 * (1 - 2 * ((idx >> q) & 1)) for q in qubits).astype(complex))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_named_axes(n):
    rng = np.random.default_rng(n)
    for axis in ("x", "y", "z"):
        theta = rng.uniform(-2 * np.pi, 2 * np.pi)
        np.testing.assert_allclose(Operator(phase_encoding(n, theta, axis)).data, _exact(n, theta, axis), atol=TOL)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_random_axes_and_angles(n):
    rng = np.random.default_rng(100 + n)
    for _ in range(5):
        axis, theta = _random_axis(rng), rng.uniform(-2 * np.pi, 2 * np.pi)
        np.testing.assert_allclose(Operator(phase_encoding(n, theta, axis)).data, _exact(n, theta, axis), atol=TOL)
    for axis in ([0, 0, -1.0], [-1.0, 0, 0], [0, 1.0, 0]):  # Euler-angle edge cases
        np.testing.assert_allclose(Operator(phase_encoding(n, 0.7, axis)).data, _exact(n, 0.7, axis), atol=TOL)


def test_bound_parameter_matches_float():
    rng = np.random.default_rng(8)
    n = 3
    for axis in ("z", "x", _random_axis(rng)):
        circuit = phase_encoding(n, THETA, axis)
        assert circuit.parameters == {THETA}
        assert circuit.metadata["encoding"]["theta"] == "theta"
        for theta in rng.uniform(-np.pi, np.pi, 3):
            bound = circuit.assign_parameters({THETA: theta})
            np.testing.assert_allclose(Operator(bound).data, _exact(n, theta, axis), atol=TOL)


def test_per_qubit_phases():
    rng = np.random.default_rng(9)
    n = 3
    thetas = rng.uniform(-np.pi, np.pi, n)
    axis = _random_axis(rng)
    gen = collective(1, axis).toarray()  # single-qubit J_a = a.sigma/2
    expected = np.ones((1, 1))
    for q in range(n):  # kron(new, old): qubit q is the q-th least significant
        expected = np.kron(expm(-1j * thetas[q] * gen), expected)
    np.testing.assert_allclose(Operator(phase_encoding(n, list(thetas), axis)).data, expected, atol=TOL)


def test_sensor_encoding_per_sensor_parameters():
    sizes = [2, 1, 2]
    circuit = sensor_encoding(sizes)
    names = sorted(p.name for p in circuit.parameters)
    assert names == ["theta_0", "theta_1", "theta_2"]
    values = {"theta_0": 0.3, "theta_1": -1.1, "theta_2": 2.0}
    bound = circuit.assign_parameters({p: values[p.name] for p in circuit.parameters})
    offsets = [[0, 1], [2], [3, 4]]
    gen = sum(values[f"theta_{k}"] * _z_on(5, qs) for k, qs in enumerate(offsets))
    np.testing.assert_allclose(Operator(bound).data, expm(-1j * gen), atol=TOL)
    expected = {"axis": [0.0, 0.0, 1.0], "theta": ["theta_0", "theta_1", "theta_2"], "sizes": sizes}
    assert circuit.metadata["encoding"] == expected


def test_sensing_window_label_operator_and_metadata():
    rng = np.random.default_rng(10)
    n, t = 3, 0.37
    phi = Parameter("phi")
    for axis in ("z", _random_axis(rng)):
        circuit = sensing_window(n, t, phi, axis)
        labelled = [inst for inst in circuit.data if inst.operation.label == WINDOW_LABEL]
        assert len(labelled) == n and all(inst.operation.name == "rz" for inst in labelled)
        assert sorted(circuit.find_bit(inst.qubits[0]).index for inst in labelled) == list(range(n))
        value = rng.uniform(-3, 3)
        bound = circuit.assign_parameters({phi: value})
        np.testing.assert_allclose(Operator(bound).data, _exact(n, value * t, axis), atol=TOL)
        meta = circuit.metadata["window"]
        assert meta["t"] == t and meta["phi"] == "phi" and meta["qubits"] == [0, 1, 2]
        json.dumps(circuit.metadata)
    # z axis: nothing but the labelled RZ(phi t)
    z = sensing_window(2, 2.0, 0.25)
    assert [inst.operation.name for inst in z.data] == ["rz", "rz"]
    assert all(abs(float(inst.operation.params[0]) - 0.5) < 1e-15 for inst in z.data)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: phase_encoding(2, 0.1, [1.0, 1.0, 0.0]), "unit vector"),
        (lambda: phase_encoding(2, 0.1, [0.0, 0.0, 0.0]), "zero length"),
        (lambda: phase_encoding(2, 0.1, "w"), "unknown axis"),
        (lambda: phase_encoding(0, 0.1), "n must be >= 1"),
        (lambda: phase_encoding(3, [0.1, 0.2]), "2 entries but n = 3"),
        (lambda: phase_encoding(2, float("nan")), "not finite"),
        (lambda: sensing_window(2, -1.0, 0.3), "t = -1.0"),
        (lambda: sensing_window(2, 1.0, 0.3, [0, 2.0, 0]), "unit vector"),
        (lambda: sensor_encoding([2, 2], [0.1, 0.2], n=5), "add up to 4, not to n = 5"),
        (lambda: sensor_encoding([2, 2], [0.1]), "1 angles for 2 sensors"),
        (lambda: sensor_encoding([]), "empty"),
    ],
)
def test_bad_input_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_input_type_error():
    with pytest.raises(TypeError, match="theta must be"):
        phase_encoding(2, "theta")
    with pytest.raises(TypeError, match="t must be a real number"):
        sensing_window(2, Parameter("t"), 0.1)


def test_aer_attaches_noise_to_the_window_label():
    """The label contract: a NoiseModel entry on "sensing_window" acts on exactly those gates.

    A phase flip with p = 1/2 on each window gate multiplies the GHZ coherence
    ``rho_{0..0,1..1}`` (1/2 noiseless) by ``(1 - 2p)^n = 0``; the same flip attached
    to another label leaves it at 1/2.
    """
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, pauli_error

    from bellsense.circuits import assemble, ghz

    circuit = assemble(ghz(3), sensing_window(3, 1.0, 0.2))
    circuit.save_density_matrix()
    flip = pauli_error([("Z", 0.5), ("I", 0.5)])
    for label, coherence in ((WINDOW_LABEL, 0.0), ("another_label", 0.5)):
        noise = NoiseModel()
        noise.add_all_qubit_quantum_error(flip, label)
        result = AerSimulator(method="density_matrix", noise_model=noise).run(circuit).result()
        rho = np.asarray(result.data()["density_matrix"])
        assert abs(abs(rho[0, -1]) - coherence) < 1e-12, label
