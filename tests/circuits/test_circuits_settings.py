"""Measurement settings: expectations from exact output probabilities vs exact operators.

For every setting the circuit (basis change + ``measure_all``) is applied, without its
final measurements, to a state; the exact outcome probabilities give the estimator's
expectation (parity, Hamming weight), which must equal ``<psi|O|psi>`` built
independently from numpy Kronecker products of Pauli matrices (or qiskit's
``SparsePauliOp``). Tolerance 1e-10: both sides are exact linear algebra on
at most 2^6 amplitudes, so only float round-off remains.
"""

from __future__ import annotations

import json
from functools import reduce
from itertools import combinations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector

from bellsense import states
from bellsense.axes import frame
from bellsense.circuits import (
    BELL_PHI,
    bell_phases,
    bell_setting,
    bell_settings,
    collective_readout,
    computational_readout,
    pauli_setting,
    pauli_settings,
    pi_bell_settings,
)

TOL = 1e-10
I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1.0 + 0j, -1.0])


def sig(a) -> np.ndarray:
    return a[0] * X + a[1] * Y + a[2] * Z


def kron_qubits(ops) -> np.ndarray:
    """``ops[q]`` acts on qubit q (little-endian: qubit 0 is the rightmost Kronecker factor)."""
    return reduce(np.kron, ops[::-1])


def expect(psi, op) -> complex:
    return complex(np.vdot(psi, op @ psi))


def probabilities(psi, setting) -> np.ndarray:
    return Statevector(psi).evolve(setting.remove_final_measurements(inplace=False)).probabilities()


def weights(n: int) -> np.ndarray:
    idx = np.arange(1 << n)
    return sum((idx >> q) & 1 for q in range(n))


def random_state(n: int, rng) -> np.ndarray:
    v = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    return v / np.linalg.norm(v)


def random_axis(rng) -> np.ndarray:
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def assert_measuring_setting(circuit, n: int) -> None:
    assert [c.name for c in circuit.cregs] == ["meas"] and circuit.num_clbits == n
    ops = circuit.count_ops()
    assert ops.get("measure") == n
    assert set(ops) <= {"rz", "ry", "h", "sdg", "barrier", "measure"}, ops
    json.dumps(circuit.metadata)
    assert set(circuit.metadata) == {"setting"}


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_bell_parity_and_fourier_recovery(n):
    rng = np.random.default_rng(20 + n)
    for trial in range(3):
        psi = random_state(n, rng)
        signs = list(rng.choice([1, -1], size=n)) if trial else None
        axis = "z" if trial == 0 else random_axis(rng)
        e1, e2, xi = frame(axis)
        s = [1] * n if signs is None else signs
        target = expect(psi, kron_qubits([(sig(e1) + 1j * q * sig(e2)) / 2 for q in s]))  # prod_A s+ prod_B s-
        for num in (n + 1, 2 * n + 2):
            circuits = bell_settings(n, num, signs, axis)
            assert len(circuits) == num
            phases = bell_phases(n, num)
            fourier = 0j
            for j, (phi, circuit) in enumerate(zip(phases, circuits)):
                assert_measuring_setting(circuit, n)
                meta = circuit.metadata["setting"]
                assert meta == {
                    "kind": "bell",
                    "phi": float(np.pi * j / num),
                    "index": j,
                    "num_phases": num,
                    "signs": [int(v) for v in s],
                    "axis": xi.tolist(),
                }
                parity = probabilities(psi, circuit) @ (-1.0) ** weights(n)
                op = kron_qubits([np.cos(q * phi) * sig(e1) + np.sin(q * phi) * sig(e2) for q in s])
                assert abs(parity - expect(psi, op)) < TOL
                fourier += np.exp(1j * n * phi) * parity / num
            assert abs(fourier - target) < TOL, (n, trial, num, fourier, target)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_bell_ghz_closed_form(n):
    """GHZ: ``<prod sigma_+> = rho_{0..0,1..1} = 1/2``, so ``E_{N,0} = 1/4`` (PHYSICS.md)."""
    psi = states.ghz(n)
    vals = [probabilities(psi, c) @ (-1.0) ** weights(n) for c in bell_settings(n)]
    corr = np.sum(np.exp(1j * n * bell_phases(n)) * vals) / (n + 1)
    assert abs(corr - 0.5) < TOL
    assert abs(abs(corr) ** 2 - 0.25) < TOL


def test_bell_parameterised_matches_bound():
    n = 3
    rng = np.random.default_rng(4)
    psi = random_state(n, rng)
    signs, axis = [1, -1, 1], random_axis(rng)
    circuit = bell_setting(n, BELL_PHI, signs, axis, num_phases=2 * n + 2)
    assert circuit.parameters == {BELL_PHI}
    assert circuit.metadata["setting"]["phi"] == "bell_phi"
    assert circuit.metadata["setting"]["num_phases"] == 2 * n + 2
    for phi, fixed in zip(bell_phases(n, 2 * n + 2), bell_settings(n, 2 * n + 2, signs, axis)):
        bound = circuit.assign_parameters({BELL_PHI: phi})
        np.testing.assert_allclose(probabilities(psi, bound), probabilities(psi, fixed), atol=TOL)


def _c_ops(n: int, angle: float) -> tuple[np.ndarray, list[np.ndarray]]:
    single = np.cos(angle) * Z + np.sin(angle) * X
    terms = [kron_qubits([single if q == i else I2 for q in range(n)]) for i in range(n)]
    return sum(terms), terms


def _pair_sum(terms_r, terms_s) -> np.ndarray:
    return sum(a @ b for i, a in enumerate(terms_r) for j, b in enumerate(terms_s) if i != j)


def _from_counts(p: np.ndarray, n: int) -> tuple[float, float]:
    m = n - 2 * weights(n)  # eigenvalue of C_r for an outcome (bit 0 = +1)
    return float(p @ m), float(p @ m**2 - n)  # C_r and C_rr = <C_r^2> - N


@pytest.mark.parametrize("n", [2, 3, 5])
def test_pi_bell_correlators(n):
    rng = np.random.default_rng(40 + n)
    cases = [(0.4, -0.9, "bisector"), (2.9, -0.2, "antibisector"), (0.0, 1.2, "bisector"), (0.4, -1.3, "antibisector")]
    for phi, theta, third in cases:
        psi = states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1))
        m0, m1, m2 = pi_bell_settings(n, phi, theta)
        for c in (m0, m1, m2):
            assert_measuring_setting(c, n)
        assert [c.metadata["setting"]["role"] for c in (m0, m1, m2)] == ["M0", "M1", third]
        meta = m2.metadata["setting"]
        assert meta["kind"] == "pi_bell" and meta["phi"] == phi and meta["theta"] == theta
        c0, c00 = _from_counts(probabilities(psi, m0), n)
        c1, c11 = _from_counts(probabilities(psi, m1), n)
        _, cbb = _from_counts(probabilities(psi, m2), n)
        C0, T0 = _c_ops(n, phi)
        C1, T1 = _c_ops(n, theta)
        assert abs(c0 - expect(psi, C0)) < TOL and abs(c1 - expect(psi, C1)) < TOL
        assert abs(c00 - expect(psi, _pair_sum(T0, T0))) < TOL
        assert abs(c11 - expect(psi, _pair_sum(T1, T1))) < TOL
        c01 = expect(psi, _pair_sum(T0, T1)).real
        half = (phi - theta) / 2
        if third == "bisector":
            assert abs(meta["angle"] - (phi + theta) / 2) < 1e-15
            c01_counts = (4 * np.cos(half) ** 2 * cbb - c00 - c11) / 2
        else:
            assert abs(meta["angle"] - ((phi + theta) / 2 + np.pi / 2)) < 1e-15
            c01_counts = (c00 + c11 - 4 * np.sin(half) ** 2 * cbb) / 2
        assert abs(c01_counts - c01) < 1e-9  # divides by 4cos^2 >= 2: error stays ~1e-13
        bell_counts = 2 * n - 2 * c0 + c00 / 2 - c01_counts + c11 / 2
        bell_op = 2 * n * np.eye(1 << n) - 2 * C0 + _pair_sum(T0, T0) / 2 - _pair_sum(T0, T1) + _pair_sum(T1, T1) / 2
        bell_exact = expect(psi, bell_op)
        assert abs(bell_counts - bell_exact) < 1e-9


@pytest.mark.parametrize("n", [1, 3, 4])
def test_collective_readout(n):
    rng = np.random.default_rng(60 + n)
    psi = random_state(n, rng)
    for axis in ("x", "y", "z", random_axis(rng), [0, 0, -1.0]):
        c = collective_readout(n, axis)
        assert_measuring_setting(c, n)
        a = np.asarray(c.metadata["setting"]["axis"])
        j_a = sum(kron_qubits([sig(a) / 2 if q == i else I2 for q in range(n)]) for i in range(n))
        p = probabilities(psi, c)
        jz_vals = n / 2 - weights(n)
        assert abs(p @ jz_vals - expect(psi, j_a)) < TOL
        assert abs(p @ jz_vals**2 - expect(psi, j_a @ j_a)) < TOL
        assert abs(p @ (-1.0) ** weights(n) - expect(psi, kron_qubits([sig(a)] * n))) < TOL


def test_computational_readout():
    rng = np.random.default_rng(70)
    psi = random_state(4, rng)
    c = computational_readout(4)
    assert_measuring_setting(c, 4)
    assert c.metadata == {"setting": {"kind": "computational"}}
    np.testing.assert_allclose(probabilities(psi, c), np.abs(psi) ** 2, atol=TOL)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_pauli_settings_all_correlators(n):
    rng = np.random.default_rng(80 + n)
    psi = random_state(n, rng)
    settings = pauli_settings(n)
    assert len(settings) == 3**n
    assert len({tuple(c.metadata["setting"]["paulis"]) for c in settings}) == 3**n
    idx = np.arange(1 << n)
    for c in settings:
        assert_measuring_setting(c, n)
        paulis = c.metadata["setting"]["paulis"]
        p = probabilities(psi, c)
        for size in range(1, n + 1):
            for subset in combinations(range(n), size):
                parity = (-1.0) ** sum((idx >> q) & 1 for q in subset)
                label = "".join(paulis[q] for q in subset)
                op = SparsePauliOp.from_sparse_list([(label, list(subset), 1.0)], num_qubits=n)
                assert abs(p @ parity - Statevector(psi).expectation_value(op)) < TOL


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: bell_settings(3, num_phases=3), "num_phases = 3 < n \\+ 1 = 4"),
        (lambda: bell_settings(0), "n must be >= 1"),
        (lambda: bell_settings(3, signs=[1, -1]), "2 entries but n = 3"),
        (lambda: bell_settings(2, signs=[1, 0]), "signs\\[1\\]"),
        (lambda: bell_settings(2, axis=[0.6, 0.6, 0.6]), "unit vector"),
        (lambda: bell_settings(2, axis=[0, 0, 0]), "zero length"),
        (lambda: bell_setting(2, float("inf")), "finite"),
        (lambda: collective_readout(2, [1.0, 1.0, 0.0]), "unit vector"),
        (lambda: collective_readout(0), "n must be >= 1"),
        (lambda: pauli_settings(7), "n <= 6"),
        (lambda: pauli_setting(["X", "Q"]), "'X', 'Y', 'Z'"),
        (lambda: pi_bell_settings(2, float("nan"), 0.1), "not finite"),
    ],
)
def test_bad_input_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_input_type_error():
    with pytest.raises(TypeError, match="num_phases must be an int"):
        bell_settings(2, num_phases=3.0)
    with pytest.raises(TypeError, match="phi must be a real angle"):
        pi_bell_settings(2, "a", 0.1)


@pytest.mark.parametrize("axis", ["x", "y", "z", [0, 0, -1.0], [-1.0, 0, 0], [0, -1.0, 0]])
def test_frame_inverse_maps_frame_to_xyz(axis):
    """``U_F^dag`` (used by Bell settings for xi != z) maps e1.s, e2.s, xi.s to X, Y, Z exactly."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    from bellsense.circuits.rotations import append_frame_inverse

    qc = QuantumCircuit(1)
    append_frame_inverse(qc, 0, axis)
    w = Operator(qc).data
    for e, pauli in zip(frame(axis), (X, Y, Z)):
        np.testing.assert_allclose(w @ sig(e) @ w.conj().T, pauli, atol=TOL)


def test_settings_on_prepared_and_encoded_states():
    """Full pipeline circuits: prep + encoding + setting, against exact vectors and expm."""
    from scipy.linalg import expm

    from bellsense.circuits import assemble, dicke, ghz, phase_encoding, product, symmetric_state
    from bellsense.spin import collective

    rng = np.random.default_rng(90)
    n = 4
    amps = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
    th, ph = rng.uniform(0, np.pi, n), rng.uniform(-np.pi, np.pi, n)
    preps = [
        (ghz(n, "log"), states.ghz(n)),
        (dicke(n, 2), states.dicke(n, 2)),
        (symmetric_state(amps), states.symmetric(amps)),
        (product(n, th, ph), states.product(n, th, ph)),
    ]
    axis, theta = random_axis(rng), 0.77
    u = expm(-1j * theta * collective(n, axis).toarray())
    target_sp = kron_qubits([(X + 1j * Y) / 2] * n)
    for prep, exact in preps:
        psi = u @ exact
        vals = []
        for setting in bell_settings(n):
            circuit = assemble(prep, phase_encoding(n, theta, axis), setting)
            p = Statevector(circuit.remove_final_measurements(inplace=False)).probabilities()
            vals.append(p @ (-1.0) ** weights(n))
        corr = np.sum(np.exp(1j * n * bell_phases(n)) * vals) / (n + 1)
        assert abs(corr - expect(psi, target_sp)) < TOL
        readout = assemble(prep, phase_encoding(n, theta, axis), collective_readout(n, "x"))
        p = Statevector(readout.remove_final_measurements(inplace=False)).probabilities()
        assert abs(p @ (n / 2 - weights(n)) - expect(psi, collective(n, "x").toarray())) < TOL
