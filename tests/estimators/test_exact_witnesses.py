"""Spin squeezing and the two-body PI Bell value (seed 004) against explicit constructions.

The PI Bell value is checked against the sum over ordered pairs i != j of two-qubit operators
built from qiskit Pauli strings (independent of the collective-moment formula used in the code).
Exact maths: 1e-10 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

from bellsense import spin, states
from bellsense.estimators import pi_bell_value, squeezing_parameter


def close(a, b, rel=1e-10):
    return abs(a - b) <= rel * max(1.0, abs(b))


def local(n: int, q: int, angle: float) -> np.ndarray:
    """M = cos(a) Z + sin(a) X on qubit q."""
    terms = []
    for p, c in (("Z", np.cos(angle)), ("X", np.sin(angle))):
        label = ["I"] * n
        label[n - 1 - q] = p
        terms.append(("".join(label), c))
    return SparsePauliOp.from_list(terms).to_matrix()


def explicit_bell(rho: np.ndarray, n: int, phi: float, theta: float) -> float:
    m0 = [local(n, q, phi) for q in range(n)]
    m1 = [local(n, q, theta) for q in range(n)]

    def ev(op):
        return np.trace(rho @ op).real

    c0 = sum(ev(m) for m in m0)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    c00 = sum(ev(m0[i] @ m0[j]) for i, j in pairs)
    c01 = sum(ev(m0[i] @ m1[j]) for i, j in pairs)
    c11 = sum(ev(m1[i] @ m1[j]) for i, j in pairs)
    return 2 * n - 2 * c0 + 0.5 * c00 - c01 + 0.5 * c11


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_pi_bell_value_against_pair_sum(n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=(2**n, 2)) + 1j * rng.normal(size=(2**n, 2))
    rho = a @ a.conj().T
    rho /= np.trace(rho).real
    for phi, theta in ((0.3, 1.9), (-1.0, 2.2), (np.pi / 2, 0.0)):
        assert close(pi_bell_value(rho, phi, theta), explicit_bell(rho, n, phi, theta))


@pytest.mark.parametrize("n", [2, 5, 8])
def test_symmetric_paths_agree(n):
    rng = np.random.default_rng(10 + n)
    small = states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1), "dicke")
    big = spin.from_symmetric(small)
    assert close(pi_bell_value(small, 0.4, 2.0, basis="dicke"), pi_bell_value(big, 0.4, 2.0))
    assert close(squeezing_parameter(small, basis="dicke"), squeezing_parameter(big))


def test_product_states_satisfy_local_bound_and_coherent_squeezing_is_one():
    rng = np.random.default_rng(2)
    for n in (2, 5, 30):
        for _ in range(5):
            th, ph = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
            psi = states.product(n, th, ph, basis="dicke")
            assert pi_bell_value(psi, rng.uniform(-np.pi, np.pi), rng.uniform(-np.pi, np.pi), basis="dicke") >= -1e-9
        # coherent state in the equatorial plane: Var(J_z) = N/4, <J_perp> = N/2 -> xi^2 = 1
        assert close(squeezing_parameter(states.product(n, np.pi / 2, 0.7, basis="dicke"), basis="dicke"), 1.0)


def test_squeezed_state_and_no_transverse_spin():
    n = 20
    # one-axis twisting exp(-i mu J_z^2) of |+>^N then a rotation about x reduces Var(J_z) below N/4
    psi = states.product(n, basis="dicke")
    jz = spin.dicke_collective(n, "z").toarray()
    jx = spin.dicke_collective(n, "x").toarray()
    psi = np.exp(-1j * 0.05 * np.diag(jz) ** 2) * psi
    best = min(
        squeezing_parameter(_rotate(psi, jx, a), basis="dicke") for a in np.linspace(-np.pi / 2, np.pi / 2, 61)
    )
    assert best < 0.5
    assert squeezing_parameter(states.dicke(n, 3, "dicke"), basis="dicke") == float("inf")


def _rotate(psi, gen, angle):
    e, v = np.linalg.eigh(gen)
    return v @ (np.exp(-1j * angle * e) * (v.conj().T @ psi))


def test_bad_inputs():
    with pytest.raises(ValueError, match="2\\^n"):
        squeezing_parameter(np.ones(3) / np.sqrt(3))
    with pytest.raises(ValueError, match="squared norm"):
        pi_bell_value(np.ones(4), 0.1, 0.2)
