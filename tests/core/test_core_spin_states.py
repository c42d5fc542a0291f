"""Spin algebra and exact states (bellsense.axes, spin, states) against independent constructions.

Exact linear algebra: tolerances are 1e-12 (entries of order n, a few roundings each).
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

from bellsense import axes, spin, states
from bellsense.estimators import collective as est_collective
from bellsense.estimators import dicke_collective as est_dicke_collective

TOL = 1e-12
RNG = np.random.default_rng(20261122)
RANDOM_AXIS = RNG.normal(size=3)
RANDOM_AXIS /= np.linalg.norm(RANDOM_AXIS)
AXES = ["x", "y", "z", RANDOM_AXIS]


def pauli_sum(n: int, axis) -> np.ndarray:
    """``1/2 sum_k (a . sigma)_k`` from qiskit Pauli labels (qiskit labels are little-endian too)."""
    a = axes.unit_axis(axis)
    terms = []
    for k in range(n):
        for coef, p in zip(a, "XYZ"):
            label = ["I"] * n
            label[n - 1 - k] = p
            terms.append(("".join(label), 0.5 * coef))
    return SparsePauliOp.from_list(terms).to_matrix()


@pytest.mark.parametrize("n", range(1, 7))
@pytest.mark.parametrize("axis", AXES, ids=["x", "y", "z", "random"])
def test_collective_matches_pauli_sum(n, axis):
    assert np.max(np.abs(spin.collective(n, axis).toarray() - pauli_sum(n, axis))) < TOL


def test_estimators_reexports_collective():
    assert est_collective is spin.collective
    assert est_dicke_collective is spin.dicke_collective


def comm(a, b):
    return a @ b - b @ a


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_qubit_commutation_relations(n):
    jx, jy, jz = (spin.collective(n, a) for a in "xyz")
    for a, b, c in ((jx, jy, jz), (jy, jz, jx), (jz, jx, jy)):
        assert abs(comm(a, b) - 1j * c).max() < TOL
    casimir = (jx @ jx + jy @ jy + jz @ jz).toarray()
    # Casimir eigenvalues j(j+1) for j = n/2, n/2 - 1, ...; the largest is n/2 (n/2 + 1)
    ev = np.linalg.eigvalsh(casimir)
    assert abs(ev.max() - n / 2 * (n / 2 + 1)) < 1e-10


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_dicke_commutation_and_casimir(n):
    jx, jy, jz = (spin.dicke_collective(n, a).toarray() for a in "xyz")
    for a, b, c in ((jx, jy, jz), (jy, jz, jx), (jz, jx, jy)):
        assert np.max(np.abs(comm(a, b) - 1j * c)) < 1e-10 * n
    j = n / 2
    assert np.max(np.abs(jx @ jx + jy @ jy + jz @ jz - j * (j + 1) * np.eye(n + 1))) < 1e-10 * n


@pytest.mark.parametrize("n", range(1, 11))
def test_dicke_operators_are_restrictions_of_qubit_operators(n):
    iso = spin.symmetric_isometry(n)
    assert abs(iso.conj().T @ iso - np.eye(n + 1)).max() < TOL
    for axis in AXES:
        full = spin.collective(n, axis)
        restricted = (iso.conj().T @ full @ iso).toarray()
        assert np.max(np.abs(restricted - spin.dicke_collective(n, axis).toarray())) < 1e-11
        # the symmetric subspace is invariant: J V = V J_dicke
        assert abs(full @ iso - iso @ spin.dicke_collective(n, axis)).max() < 1e-11


@pytest.mark.parametrize("n", [1, 3, 6])
def test_dicke_states_are_jz_eigenstates_with_k_ones(n):
    jz = spin.jz(n)
    idx = np.arange(2**n)
    weight = np.array([bin(i).count("1") for i in idx])
    for k in range(n + 1):
        vec = states.dicke(n, k)
        assert np.max(np.abs(jz @ vec - (n / 2 - k) * vec)) < TOL
        support = np.abs(vec) > 0
        assert np.all(weight[support] == k) and support.sum() == len([w for w in weight if w == k])
        assert abs(np.linalg.norm(vec) - 1) < TOL
    # J_x^2 + J_y^2 + J_z^2 = j(j+1) on every Dicke state
    j2 = sum(spin.collective(n, a) @ spin.collective(n, a) for a in "xyz")
    vec = states.dicke(n, n // 2)
    assert np.max(np.abs(j2 @ vec - n / 2 * (n / 2 + 1) * vec)) < 1e-10


def test_dicke_matches_qiskit_w_state():
    # W state |D_1^3> = (|001> + |010> + |100>)/sqrt3
    w = Statevector.from_label("001") + Statevector.from_label("010") + Statevector.from_label("100")
    assert np.max(np.abs(states.dicke(3, 1) - w.data / np.sqrt(3))) < TOL


@pytest.mark.parametrize("n", [1, 2, 5])
def test_ghz_and_product_against_qiskit_circuits(n):
    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(1, n):
        qc.cx(0, q)
    assert np.max(np.abs(states.ghz(n) - Statevector(qc).data)) < TOL
    assert np.max(np.abs(states.product(n) - Statevector.from_label("+" * n).data)) < TOL
    th = RNG.uniform(0, np.pi, n)
    ph = RNG.uniform(0, 2 * np.pi, n)
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.ry(th[q], q)
        qc.rz(ph[q], q)
    ref = Statevector(qc).data
    ref = ref * np.exp(1j * ph.sum() / 2)  # RZ(phi) = e^{-i phi/2} diag(1, e^{i phi})
    assert np.max(np.abs(states.product(n, th, ph) - ref)) < TOL


@pytest.mark.parametrize("n", [1, 2, 6, 10])
def test_dicke_basis_states_embed_to_qubit_states(n):
    th, ph = 1.1, -0.4
    pairs = [
        (states.ghz(n, "dicke"), states.ghz(n)),
        (states.product(n, th, ph, basis="dicke"), states.product(n, th, ph)),
        (states.dicke(n, n // 2, "dicke"), states.dicke(n, n // 2)),
    ]
    for small, big in pairs:
        assert np.max(np.abs(spin.from_symmetric(small) - big)) < TOL
        assert np.max(np.abs(spin.to_symmetric(big) - small)) < TOL
    amps = RNG.normal(size=n + 1) + 1j * RNG.normal(size=n + 1)
    sym = states.symmetric(amps)
    assert np.max(np.abs(spin.to_symmetric(sym) - amps / np.linalg.norm(amps))) < TOL
    rho = np.outer(sym, sym.conj())
    small = spin.to_symmetric(rho)
    assert np.max(np.abs(spin.from_symmetric(small) - rho)) < TOL


def test_product_dicke_basis_large_n_is_finite_and_normalised():
    for theta in (0.0, 0.3, np.pi / 2, np.pi):
        vec = states.product(1000, theta, 0.2, basis="dicke")
        assert np.all(np.isfinite(vec)) and abs(np.linalg.norm(vec) - 1) < 1e-12
    # |+>^n: <J_x> = n/2
    vec = states.product(1000, basis="dicke")
    assert abs(np.vdot(vec, spin.dicke_collective(1000, "x") @ vec).real - 500) < 1e-9


def test_frame_is_right_handed_with_named_cases():
    e1, e2, xi = axes.frame("z")
    assert np.allclose([e1, e2, xi], np.eye(3))
    e1, e2, xi = axes.frame("x")
    assert np.allclose([e1, e2, xi], [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    for _ in range(20):
        v = RNG.normal(size=3)
        e1, e2, xi = axes.frame(v / np.linalg.norm(v))
        assert np.allclose(np.cross(e1, e2), xi) and abs(np.dot(e1, xi)) < TOL


@pytest.mark.parametrize(
    "bad, match",
    [([0, 0, 0], "zero length"), ("w", "unknown axis"), ([1, 0], "3 components"), ([1, 1, 0], "unit vector"),
     ([np.nan, 0, 1], "non-finite")],
)
def test_bad_axis(bad, match):
    with pytest.raises(ValueError, match=match):
        axes.unit_axis(bad)
    with pytest.raises(ValueError, match=match):
        spin.collective(2, bad)


def test_bad_sizes_and_types():
    with pytest.raises(ValueError, match="n must be >= 1"):
        spin.collective(0)
    with pytest.raises(TypeError, match="n must be an int"):
        spin.dicke_collective(2.0)
    with pytest.raises(ValueError, match="dicke_collective"):
        spin.collective(spin.MAX_QUBITS_SPARSE + 1)
    with pytest.raises(ValueError, match="basis='dicke'"):
        states.ghz(30)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        states.dicke(3, 4)
    with pytest.raises(ValueError, match="unknown basis"):
        states.ghz(3, basis="spins")
    with pytest.raises(ValueError, match="not symmetric"):
        states.product(3, [0.1, 0.2, 0.3], basis="dicke")
    with pytest.raises(ValueError, match="zero"):
        states.symmetric([0, 0, 0])
    with pytest.raises(ValueError, match="not permutation-symmetric"):
        spin.to_symmetric(Statevector.from_label("01").data)
    with pytest.raises(ValueError, match="not 2\\^n"):
        spin.to_symmetric(np.ones(3) / np.sqrt(3))
