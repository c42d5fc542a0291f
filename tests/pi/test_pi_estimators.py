"""QFI, QFI matrix, moments, rho_2 and E_{N,0} of PIStates against the dense 2^n estimators."""

import os
import sys

import numpy as np
import pytest

import bellsense.estimators as est
from bellsense.estimators import qfi, qfim
from bellsense.estimators.exact.pi import (
    pi_bell_correlator,
    pi_bell_correlator_log10,
    pi_moments,
    pi_qfim,
    pi_two_qubit_state,
)
from bellsense.noise import evolve
from bellsense.pistate import spin_matrices
from bellsense.spin import collective
from bellsense.states import PIState, ghz

sys.path.insert(0, os.path.dirname(__file__))
from _pi_dense import random_pi_state  # noqa: E402

# Exact linear algebra on <= 64-dim matrices: agreement to ~1e-14 relative; 1e-10 leaves room for eigh rounding.
REL = 1e-10


def _axis(rng):
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_qfim_matches_dense(n):
    rng = np.random.default_rng(20 + n)
    s = random_pi_state(n, rng)
    rho = s.to_dense()
    axes = ["x", "y", "z", _axis(rng)]
    gens = [collective(n, a) for a in axes]
    ref = qfim(rho, gens)
    np.testing.assert_allclose(qfim(s, axes), ref, rtol=REL, atol=REL * np.max(np.abs(ref)))
    assert qfi(s, axes[3]) == pytest.approx(qfi(rho, gens[3]), rel=REL)
    # the same through the public exports
    assert est.pi_qfi(s, "x") == pytest.approx(qfi(rho, gens[0]), rel=REL)


def test_degeneracy_weighting_is_pinned():
    # F = sum_j F(p_j rho_j, J^(j)); leaving out p_j (QuTiP issue #993) gives a different number
    n = 4
    s = random_pi_state(n, np.random.default_rng(5))
    dense_f = qfi(s.to_dense(), collective(n, "x"))
    assert qfi(s, "x") == pytest.approx(dense_f, rel=REL)
    unweighted = 0.0
    for blk, j in zip(s.blocks, s.j):
        rho_j = blk / np.trace(blk).real
        if rho_j.shape[0] > 1:
            unweighted += qfi(rho_j, spin_matrices(float(j))[0].toarray())
    assert abs(unweighted - dense_f) > 0.05 * dense_f


@pytest.mark.parametrize("n", [2, 3, 5, 6])
def test_moments_rho2_and_correlator_match_dense(n):
    rng = np.random.default_rng(40 + n)
    a = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
    (s,) = evolve(PIState.from_dicke(a), [0.4], dephasing=0.2, emission=0.3, hamiltonian=lambda jx, jy, jz: jx)
    rho = s.to_dense()
    js = [collective(n, ax).toarray() for ax in "xyz"]
    first, second = pi_moments(s)
    np.testing.assert_allclose(first, [np.trace(rho @ j).real for j in js], atol=1e-12)
    np.testing.assert_allclose(second, [[np.trace(rho @ x @ y) for y in js] for x in js], atol=1e-12)
    red = np.einsum("aiaj->ij", rho.reshape(2 ** (n - 2), 4, 2 ** (n - 2), 4))  # trace out qubits 2..n-1
    np.testing.assert_allclose(pi_two_qubit_state(s), red, atol=1e-12)
    assert pi_bell_correlator(s) == pytest.approx(abs(rho[-1, 0]) ** 2, rel=1e-12)


def test_product_fast_path_agrees_with_blocks():
    n = 8
    q = np.array([[0.6, 0.1 + 0.25j], [0.1 - 0.25j, 0.4]])
    prod = PIState.product(n, q)
    blocks = PIState(n, prod.blocks)
    axes = ["x", "z", [0.0, 0.6, 0.8]]
    np.testing.assert_allclose(qfim(prod, axes), qfim(blocks, axes), rtol=1e-10)
    for x, y in zip(pi_moments(prod), pi_moments(blocks)):
        np.testing.assert_allclose(x, y, atol=1e-12)
    np.testing.assert_allclose(pi_two_qubit_state(prod), pi_two_qubit_state(blocks), atol=1e-12)
    assert pi_bell_correlator(prod) == pytest.approx(pi_bell_correlator(blocks), rel=1e-10)


def test_reference_values_and_log10_correlator():
    n = 1000
    g = PIState.from_dicke(ghz(n, "dicke"))
    assert qfi(g, "z") == pytest.approx(n**2, rel=1e-12)
    assert pi_bell_correlator(g) == pytest.approx(0.25, rel=1e-12)  # |<1..1|rho|0..0>|^2 = 1/4
    plus = PIState.product(n, np.array([1.0, 1.0]))
    assert qfi(plus, "z") == pytest.approx(n, rel=1e-12)
    # |<sigma_+>| = 1/2 per qubit: E = 4^-N underflows float64, its log10 does not
    assert pi_bell_correlator(plus) == 0.0
    assert pi_bell_correlator_log10(plus) == pytest.approx(-2 * n * np.log10(2.0), rel=1e-12)


def test_bad_axes():
    s = PIState.from_dicke(np.ones(3))
    with pytest.raises(ValueError, match="zero length"):
        qfi(s, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="unit vector"):
        qfim(s, ["x", [1.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match="unknown axis"):
        pi_qfim(s, "w")
