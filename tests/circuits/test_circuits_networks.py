"""Sensor-network probe states (seed 002) against explicit vectors and closed-form QFIs.

Vectors are built independently (Kronecker products of GHZ vectors, explicit basis
indices); tolerances 1e-10 as for all exact preparations.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from bellsense import states
from bellsense.circuits import linear_function_sizes, linear_function_state, sensor_network, sensor_qubits

TOL = 1e-10


def _jz_on(n: int, qubits) -> np.ndarray:
    idx = np.arange(1 << n)
    return sum((0.5 * (1 - 2 * ((idx >> q) & 1)) for q in qubits), np.zeros(1 << n))


@pytest.mark.parametrize("sizes", [[1], [3], [2, 2], [1, 3, 2], [4, 1, 1, 3], [5, 6]])
@pytest.mark.parametrize("method", ["linear", "log"])
def test_sensor_network_fidelity(sizes, method):
    expected = reduce(np.kron, [states.ghz(s) for s in sizes[::-1]])  # sensor 0 = least significant qubits
    vec = Statevector(sensor_network(sizes, method=method)).data
    assert abs(np.vdot(expected, vec) - 1) < TOL


def test_sensor_network_qfi_matrix_is_diagonal_heisenberg():
    """Separable probe: ``F_kl = 4 Cov(J_z^k, J_z^l) = n_k^2 delta_kl`` (GHZ inside each sensor)."""
    sizes = [2, 3, 1]
    n = sum(sizes)
    p = np.abs(Statevector(sensor_network(sizes)).data) ** 2  # J_z^k are diagonal
    gens = [_jz_on(n, qs) for qs in sensor_qubits(sizes)]
    fisher = np.array([[4 * (p @ (a * b) - (p @ a) * (p @ b)) for b in gens] for a in gens])
    np.testing.assert_allclose(fisher, np.diag(np.square(sizes)), atol=TOL)
    assert sensor_network(sizes).metadata["prep"] == {
        "state": "network", "network": "separable", "n": 6, "sizes": sizes, "method": "linear"
    }


def test_gradient_state():
    """``v = (-1, 1)/sqrt2``, N/2 qubits per sensor: ``(|1..1 0..0> + |0..0 1..1>)/sqrt2``."""
    for half in (1, 2, 4):
        n = 2 * half
        expected = np.zeros(1 << n, dtype=complex)
        expected[(1 << half) - 1] = expected[((1 << half) - 1) << half] = 1 / np.sqrt(2)
        vec = Statevector(linear_function_state(np.array([-1, 1]) / np.sqrt(2), n)).data
        assert abs(np.vdot(expected, vec) - 1) < TOL


@pytest.mark.parametrize(
    "v, n",
    [([1, 1, 1], 6), ([1, -2], 6), ([0.5, -0.25, 0.25], 8), ([-3, 1, 0, 2], 12), ([1], 5)],
)
def test_linear_function_state_vector_and_qfi(v, n):
    v = np.asarray(v, dtype=float)
    sizes = linear_function_sizes(v, n)
    np.testing.assert_allclose(sizes, n * np.abs(v) / np.abs(v).sum())
    circuit = linear_function_state(v, n)
    vec = Statevector(circuit).data
    top = sum(1 << q for vk, qs in zip(v, sensor_qubits(sizes)) if vk < 0 for q in qs)
    expected = np.zeros(1 << n, dtype=complex)
    expected[top] += 1 / np.sqrt(2)
    expected[top ^ ((1 << n) - 1)] += 1 / np.sqrt(2)
    assert abs(np.vdot(expected, vec) - 1) < TOL
    # seed 002: QFI for h_v = sum_k v_k J_z^k with ||v||_2 = 1 is n^2 / ||v||_1^2
    u = v / np.linalg.norm(v)
    h = sum(uk * _jz_on(n, qs) for uk, qs in zip(u, sensor_qubits(sizes)))
    p = np.abs(vec) ** 2
    assert abs(4 * (p @ h**2 - (p @ h) ** 2) - n**2 / np.abs(u).sum() ** 2) < 1e-9
    meta = circuit.metadata["prep"]
    assert meta["network"] == "linear_function" and meta["sizes"] == sizes and meta["v"] == v.tolist()


def test_linear_function_state_explicit_sizes():
    vec = Statevector(linear_function_state([1, -1], 5, sizes=[2, 3])).data
    assert abs(abs(vec[0b11100]) - 1 / np.sqrt(2)) < TOL and abs(abs(vec[0b00011]) - 1 / np.sqrt(2)) < TOL


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sensor_network([2, 2], n=5), "add up to 4, not to n = 5"),
        (lambda: sensor_network([2, 0]), "at least 1 qubit"),
        (lambda: sensor_network([]), "empty"),
        (lambda: linear_function_state([1, 2], 4), "not all integers"),
        (lambda: linear_function_state([1, -1], 5, sizes=[2, 2]), "add up to 4, not to n = 5"),
        (lambda: linear_function_state([1, 0], 4, sizes=[2, 2]), "a sensor has qubits iff"),
        (lambda: linear_function_state([1, -1, 1], 4, sizes=[2, 2]), "3 sensors but sizes has 2"),
        (lambda: linear_function_state([0, 0], 4), "non-zero"),
        (lambda: linear_function_state([1, -1], 0), "n must be >= 1"),
    ],
)
def test_bad_input_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_input_type_error():
    with pytest.raises(TypeError, match="sizes\\[1\\]"):
        sensor_network([2, 1.5])
