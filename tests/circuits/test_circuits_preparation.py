"""Preparation circuits against the exact vectors of ``bellsense.states``.

Tolerance: ``1 - |<exact|circuit>|^2 < 1e-10``; the circuits are exact in exact
arithmetic, so only float64 round-off (~1e-14 per gate, a few hundred gates) remains.
Where the global phase is defined by construction we also compare the overlap itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Statevector
from qiskit_aer import AerSimulator

from bellsense import states
from bellsense.circuits import dicke, ghz, product, symmetric_ensemble, symmetric_state, unary_state
from bellsense.spin import from_symmetric

TOL = 1e-10


def _overlap(exact: np.ndarray, circuit) -> complex:
    return complex(np.vdot(exact, Statevector(circuit).data))


def _aer_statevector(circuit) -> np.ndarray:
    qc = circuit.copy()
    qc.save_statevector()
    sim = AerSimulator(method="statevector")
    return np.asarray(sim.run(qc).result().get_statevector())


@pytest.mark.parametrize("method", ["linear", "log"])
def test_ghz_fidelity_small(method):
    for n in range(1, 13):
        ov = _overlap(states.ghz(n), ghz(n, method))
        assert abs(ov - 1) < TOL, (n, ov)  # H + CNOTs: exact, phase included


@pytest.mark.parametrize("method", ["linear", "log"])
def test_ghz_fidelity_large_aer(method):
    for n in range(13, 17):
        vec = _aer_statevector(ghz(n, method))
        assert 1 - abs(np.vdot(states.ghz(n), vec)) ** 2 < TOL, n


def test_dicke_fidelity_every_k():
    for n in range(1, 13):
        for k in range(n + 1):
            ov = _overlap(states.dicke(n, k), dicke(n, k))
            assert 1 - abs(ov) ** 2 < TOL, (n, k)
            assert abs(ov - 1) < 1e-9, (n, k, ov)  # all BE amplitudes positive: phase +1


def test_dicke_circuit_is_not_initialize():
    names = {inst.operation.name for inst in dicke(8, 3).data}
    assert names <= {"x", "cx", "ry", "rz", "s", "sdg", "sx", "sxdg"}, names


def test_dicke_on_aer_untranspiled():
    """Standard gates only, so Aer runs the circuit as built (n = 14 > the Statevector range)."""
    vec = _aer_statevector(dicke(14, 5))
    assert 1 - abs(np.vdot(states.dicke(14, 5), vec)) ** 2 < TOL


def test_symmetric_state_random_complex():
    rng = np.random.default_rng(1234)
    for n in range(1, 13):
        amps = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
        ov = _overlap(states.symmetric(amps), symmetric_state(amps))
        assert 1 - abs(ov) ** 2 < TOL, n
        assert abs(ov - 1) < 1e-9, (n, ov)  # the global phase of a_0 is carried too


def test_symmetric_state_with_zero_amplitudes():
    rng = np.random.default_rng(7)
    for n in (1, 3, 6, 9):
        amps = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
        amps[rng.choice(n + 1, size=(n + 1) // 2, replace=False)] = 0
        if not np.any(amps):
            amps[-1] = 1j
        assert abs(_overlap(states.symmetric(amps), symmetric_state(amps)) - 1) < 1e-9
    # single non-zero entries reproduce the Dicke states
    for k in range(6):
        e = np.zeros(6, dtype=complex)
        e[k] = np.exp(0.3j)
        assert abs(_overlap(states.symmetric(e), symmetric_state(e)) - 1) < 1e-9


def test_unary_state_is_unary():
    amps = np.array([0.1, 0.2j, -0.5, 0.3 + 0.1j, 0.7])
    amps /= np.linalg.norm(amps)
    vec = Statevector(unary_state(amps)).data
    expected = np.zeros(16, dtype=complex)
    for k, a in enumerate(amps):
        expected[(1 << k) - 1] = a  # qubits 0..k-1 in |1>
    np.testing.assert_allclose(vec, expected, atol=1e-12)


def test_symmetric_state_metadata_roundtrip():
    amps = np.array([1, 1j, -1, 0.5])
    meta = symmetric_state(amps).metadata["prep"]
    assert meta["state"] == "symmetric" and meta["n"] == 3
    back = np.array([complex(re, im) for re, im in meta["amplitudes"]])
    np.testing.assert_allclose(back, amps / np.linalg.norm(amps), atol=1e-15)


def test_product_per_qubit_angles():
    rng = np.random.default_rng(3)
    for n in (1, 4, 7):
        th, ph = rng.uniform(0, np.pi, n), rng.uniform(-np.pi, np.pi, n)
        assert abs(_overlap(states.product(n, th, ph), product(n, th, ph)) - 1) < TOL
    assert abs(_overlap(states.product(5), product(5)) - 1) < TOL
    meta = product(2, theta=[0.1, 0.2], phi=0.3).metadata["prep"]
    assert meta == {"state": "product", "n": 2, "theta": [0.1, 0.2], "phi": [0.3, 0.3]}


def test_symmetric_ensemble_reproduces_rho():
    rng = np.random.default_rng(11)
    n = 4
    a = rng.normal(size=(n + 1, 3)) + 1j * rng.normal(size=(n + 1, 3))
    rho = a @ a.conj().T  # rank 3: two zero eigenvalues are dropped
    rho /= np.trace(rho)
    members = symmetric_ensemble(rho)
    assert len(members) == 3
    assert abs(sum(w for w, _ in members) - 1) < 1e-12
    rebuilt = sum(w * np.outer(v, v.conj()) for w, v in ((w, Statevector(c).data) for w, c in members))
    full = from_symmetric(rho)
    np.testing.assert_allclose(rebuilt, full, atol=1e-10)
    assert members[0].circuit.metadata["prep"]["ensemble"]["index"] == 0
    # a pure state gives a single member of weight 1
    psi = states.symmetric(rng.normal(size=n + 1), basis="dicke")
    pure = symmetric_ensemble(np.outer(psi, psi.conj()))
    assert len(pure) == 1 and abs(pure[0].weight - 1) < 1e-12


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dicke(3, 4), "0 <= k <= n"),
        (lambda: dicke(3, -1), "0 <= k <= n"),
        (lambda: dicke(0, 0), "n must be >= 1"),
        (lambda: ghz(0), "n must be >= 1"),
        (lambda: ghz(3, "star"), "unknown GHZ method"),
        (lambda: product(0), "n must be >= 1"),
        (lambda: product(3, theta=[0.1, 0.2]), "2 entries but n = 3"),
        (lambda: symmetric_state([1.0]), "n\\+1 >= 2"),
        (lambda: symmetric_state([0, 0, 0]), "zero"),
        (lambda: symmetric_state([1, 0, 0], n=3), "n = 3 needs n\\+1 = 4"),
        (lambda: symmetric_state([[1, 0], [0, 1]]), "1-D"),
        (lambda: symmetric_ensemble(np.eye(3)), "trace"),
        (lambda: symmetric_ensemble(np.diag([1.5, -0.5])), "negative eigenvalue"),
        (lambda: symmetric_ensemble(np.array([[0.5, 0.5], [0, 0.5]])), "Hermitian"),
        (lambda: symmetric_ensemble(np.ones(3)), "square"),
    ],
)
def test_bad_input_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_input_type_error():
    with pytest.raises(TypeError, match="k must be an int"):
        dicke(4, 1.5)
    with pytest.raises(TypeError, match="n must be an int"):
        ghz(2.0)
