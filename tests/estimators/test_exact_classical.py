"""Classical Fisher information: closed forms, zero-probability handling, analytic derivatives vs
finite differences, readout forms (unitary, circuit, POVM, coarse-graining), CFI <= QFI, errors.

Exact maths: 1e-10 relative. The finite-difference check uses a central difference with step
1e-5, whose truncation error is ~ step^2 * |p'''| ~ 1e-10 * n^3, so it is compared to 1e-7.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, Statevector, random_unitary

from bellsense import spin, states
from bellsense.estimators import (
    Readout,
    cfi,
    cfim,
    exact_cfi,
    exact_cfim,
    hamming_weights,
    parity_labels,
    qfi,
    qfim,
    readout_distribution,
)

REL = 1e-10


def close(a, b, rel=REL):
    return abs(a - b) <= rel * max(1.0, abs(b))


def x_basis(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    qc.h(range(n))
    return qc


def test_cfi_binary_closed_form():
    """p = cos^2(theta/2): F = 1 for every theta in (0, pi)."""
    for th in (0.3, 1.0, 2.5):
        p = np.array([np.cos(th / 2) ** 2, np.sin(th / 2) ** 2])
        dp = np.array([-np.sin(th) / 2, np.sin(th) / 2])
        assert close(cfi(p, dp), 1.0)


def test_cfi_zero_probability_outcomes():
    assert cfi([1.0, 0.0], [0.0, 0.0]) == 0.0
    assert close(cfi([0.5, 0.5, 0.0], [0.1, -0.1, 0.0]), 2 * 0.01 / 0.5)
    with pytest.raises(ValueError, match="must be stationary"):
        cfi([0.5, 0.5, 0.0], [0.1, -0.2, 0.1])


def test_cfim_matrix_form():
    p = np.array([0.2, 0.3, 0.5])
    dp = np.array([[0.1, -0.3, 0.2], [0.05, 0.05, -0.1]])
    expected = np.einsum("ak,bk,k->ab", dp, dp, 1 / p)
    assert np.allclose(cfim(p, dp), expected, rtol=1e-13, atol=0)
    assert close(cfi(p, dp[0]), expected[0, 0])


def test_cfi_bad_inputs():
    with pytest.raises(ValueError, match="sum to"):
        cfi([0.5, 0.6], [0, 0])
    with pytest.raises(ValueError, match=">= 0"):
        cfi([1.2, -0.2], [0, 0])
    with pytest.raises(ValueError, match="last axis must match"):
        cfi([0.5, 0.5], [0, 0, 0])
    with pytest.raises(ValueError, match="finite"):
        cfi([0.5, 0.5], [np.nan, 0])
    with pytest.raises(ValueError, match="1-D"):
        cfi([0.5, 0.5], [[0, 0]])
    with pytest.raises(ValueError, match="2-D"):
        cfim([0.5, 0.5], [0.0, 0.0])


@pytest.mark.parametrize("n", range(1, 9))
def test_ghz_parity_and_product_x_readout(n):
    """GHZ + H on all + parity: F = N^2 at theta != 0 (0 at theta = 0, a zero-probability point);
    |+>^N with X readout: F = N, also after coarse-graining to the Hamming weight (sufficient)."""
    jz = spin.jz(n)
    parity = Readout(unitary=x_basis(n), labels=parity_labels(n))
    for th in (0.1, 0.37):
        assert close(exact_cfi(states.ghz(n), jz, parity, theta=th), n**2)
        rho = np.outer(states.ghz(n), states.ghz(n).conj())
        assert close(exact_cfi(rho, jz, parity, theta=th), n**2)
        assert close(exact_cfi(states.product(n), jz, x_basis(n), theta=th), n)
        weight = Readout(unitary=x_basis(n), labels=hamming_weights(n))
        assert close(exact_cfi(states.product(n), jz, weight, theta=th), n)
    assert exact_cfi(states.ghz(n), jz, parity, theta=0.0) == 0.0
    # the computational basis carries no information on a J_z phase
    assert abs(exact_cfi(states.product(n), jz, None, theta=0.3)) < 1e-12


def test_readout_forms_agree():
    """Unitary matrix, QuantumCircuit, Operator and the equivalent POVM give the same CFI."""
    n = 3
    rng = np.random.default_rng(5)
    u = random_unitary(2**n, seed=9)
    povm = [u.data.conj().T[:, [k]] @ u.data[[k], :] for k in range(2**n)]  # U^dag |k><k| U
    a = rng.normal(size=(8, 3)) + 1j * rng.normal(size=(8, 3))
    rho = a @ a.conj().T
    rho /= np.trace(rho).real
    h = spin.collective(n, "x")
    ref = exact_cfi(rho, h, u.data, theta=0.2)
    assert close(exact_cfi(rho, h, u, theta=0.2), ref)
    assert close(exact_cfi(rho, h, povm, theta=0.2), ref)
    assert close(exact_cfi(rho, h, Readout(povm=povm), theta=0.2), ref)
    qc = QuantumCircuit(n)
    qc.ry(0.3, 0)
    qc.cx(0, 1)
    qc.rx(1.1, 2)
    qc.measure_all()  # final measurements are ignored
    ry = np.array([[np.cos(0.15), -np.sin(0.15)], [np.sin(0.15), np.cos(0.15)]])
    rx = np.array([[np.cos(0.55), -1j * np.sin(0.55)], [-1j * np.sin(0.55), np.cos(0.55)]])
    cx = np.eye(4)[[0, 3, 2, 1]]  # control qubit 0, target 1: swaps |q1 q0> = |01> and |11>
    full = np.kron(rx, np.eye(4)) @ np.kron(np.eye(2), cx) @ np.kron(np.eye(4), ry)  # little-endian
    ref = exact_cfi(rho, h, full)
    assert close(exact_cfi(rho, h, qc), ref)
    # vector and density-matrix inputs agree
    psi = Statevector(states.product(n, 0.7, 0.2))
    assert close(exact_cfi(psi, h, qc, theta=0.4), exact_cfi(DensityMatrix(psi), h, qc, theta=0.4))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_analytic_derivative_matches_finite_difference(n):
    rng = np.random.default_rng(40 + n)
    dim = 2**n
    a = rng.normal(size=(dim, 2)) + 1j * rng.normal(size=(dim, 2))
    rho = a @ a.conj().T
    rho /= np.trace(rho).real
    h = spin.collective(n, [0.0, 0.6, 0.8])
    u = random_unitary(dim, seed=n).data
    ro = Readout(unitary=u, labels=np.arange(dim) % 3)
    theta, step = 0.3, 1e-5
    p, dp = readout_distribution(rho, h, ro, theta)
    hd = h.toarray()

    def probs(t):
        ev = sla.expm(-1j * t * hd)
        r = ev @ rho @ ev.conj().T
        full = np.real(np.einsum("ki,ij,kj->k", u, r, u.conj()))
        return np.bincount(np.arange(dim) % 3, weights=full)

    assert np.allclose(p, probs(theta), atol=1e-12)
    fd = (probs(theta + step) - probs(theta - step)) / (2 * step)
    assert np.allclose(dp[0], fd, atol=1e-7)


@pytest.mark.parametrize("n", range(1, 7))
def test_cfi_below_qfi_for_random_measurements(n):
    rng = np.random.default_rng(60 + n)
    dim = 2**n
    for rank in (1, 2, dim):
        a = rng.normal(size=(dim, rank)) + 1j * rng.normal(size=(dim, rank))
        rho = a @ a.conj().T
        rho /= np.trace(rho).real
        for axis in ("z", "x"):
            h = spin.collective(n, axis)
            f_q = qfi(rho, h)
            for _ in range(3):
                u = random_unitary(dim, seed=int(rng.integers(1 << 30))).data
                th = rng.uniform(0, np.pi)
                assert exact_cfi(rho, h, u, theta=th) <= f_q * (1 + 1e-10) + 1e-12  # QFI is theta-independent
                lab = rng.integers(0, 3, size=dim)
                assert exact_cfi(rho, h, Readout(unitary=u, labels=lab), theta=th) <= f_q * (1 + 1e-10) + 1e-12


def test_cfim_below_qfim_two_sensors():
    """Two sensors (J_z on qubits {0,1} and {2,3}); product |+>^4 read in X: CFIM = QFIM = 2 * identity."""
    n = 4
    idx = np.arange(16)
    bits = [(idx >> q) & 1 for q in range(n)]
    h1 = np.diag(0.5 * ((1 - 2 * bits[0]) + (1 - 2 * bits[1]))).astype(complex)
    h2 = np.diag(0.5 * ((1 - 2 * bits[2]) + (1 - 2 * bits[3]))).astype(complex)
    psi = states.product(n)
    f_c = exact_cfim(psi, [h1, h2], x_basis(n), theta=[0.2, -0.5])
    assert f_c.shape == (2, 2)
    assert np.allclose(f_c, 2 * np.eye(2), atol=1e-10)
    assert np.allclose(qfim(psi, [h1, h2]), 2 * np.eye(2), atol=1e-10)
    with pytest.raises(ValueError, match="commuting"):
        exact_cfim(psi, [spin.jz(n), spin.jx(n)], None, theta=[0.1, 0.2])


def test_readout_bad_inputs():
    psi = states.ghz(2)
    h = spin.jz(2)
    with pytest.raises(ValueError, match="not unitary"):
        exact_cfi(psi, h, np.ones((4, 4)))
    with pytest.raises(ValueError, match="shape"):
        exact_cfi(psi, h, np.eye(2))
    with pytest.raises(ValueError, match="sum to the identity"):
        exact_cfi(psi, h, [np.eye(4) / 3, np.eye(4) / 3])
    with pytest.raises(ValueError, match="positive semidefinite"):
        exact_cfi(psi, h, [np.diag([2.0, 1, 1, 1]), np.diag([-1.0, 0, 0, 0])])
    with pytest.raises(ValueError, match="labels"):
        exact_cfi(psi, h, Readout(labels=[0, 1]))
    with pytest.raises(ValueError, match="either a povm"):
        exact_cfi(psi, h, Readout(unitary=np.eye(4), povm=[np.eye(4)]))
    with pytest.raises(TypeError, match="readout must be"):
        exact_cfi(psi, h, "z")
    qc = QuantumCircuit(2)
    from qiskit.circuit import Parameter

    qc.rz(Parameter("bell_phi"), 0)
    with pytest.raises(ValueError, match="unbound parameters"):
        exact_cfi(psi, h, qc)
    with pytest.raises(ValueError, match="dimension"):
        exact_cfi(psi, spin.jz(3))
