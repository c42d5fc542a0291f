"""PIState: the (j, m, m') block representation against dense 2^n matrices (tests/pi/_pi_dense.py)."""

import os
import sys
from functools import reduce

import numpy as np
import pytest

from bellsense.pistate import PIState, j_values, log_multiplicities
from bellsense.spin import from_symmetric, log_binomial
from bellsense.states import PIState as ReExported

sys.path.insert(0, os.path.dirname(__file__))
from _pi_dense import random_pi_state  # noqa: E402

# Exact linear algebra on <= 64-dim matrices: rounding ~1e-15; 1e-12 leaves room, any physics error is O(1e-2).
ATOL = 1e-12


def test_reexported_from_states():
    assert ReExported is PIState


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_multiplicities_count_the_hilbert_space(n):
    # sum_j d_j (2j+1) = 2^n and the closed form d_j = C(n, n/2-j) - C(n, n/2-j-1)
    d = np.exp(log_multiplicities(n))
    j = j_values(n)
    assert np.sum(d * (2 * j + 1)) == pytest.approx(2**n, rel=1e-12)
    k = (n / 2 - j).astype(int)
    ref = np.exp(log_binomial(n, k)) - np.where(k > 0, np.exp(log_binomial(n, np.maximum(k - 1, 0))), 0.0)
    np.testing.assert_allclose(d, ref, rtol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_dense_round_trip_random_pi_states(n):
    rng = np.random.default_rng(100 + n)
    s = random_pi_state(n, rng)
    rho = s.to_dense()
    assert np.trace(rho).real == pytest.approx(1.0, abs=ATOL)
    assert np.max(np.abs(rho - rho.conj().T)) < ATOL
    assert np.min(np.linalg.eigvalsh(rho)) > -ATOL
    back = PIState.from_dense(rho)
    for a, b in zip(s.blocks, back.blocks):
        np.testing.assert_allclose(b, a, atol=ATOL)
    np.testing.assert_allclose(back.to_dense(), rho, atol=ATOL)
    # the block weights p_j are the traces of the projections onto the spin-j sectors
    np.testing.assert_allclose(back.weights, s.weights, atol=ATOL)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_from_dicke_matches_the_symmetric_isometry(n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
    psi = a / np.linalg.norm(a)
    ref = from_symmetric(np.outer(psi, psi.conj()))  # V rho V^dagger, independent of the block code
    np.testing.assert_allclose(PIState.from_dicke(3.0 * a).to_dense(), ref, atol=ATOL)
    mat = np.outer(psi, psi.conj()) * 0.6 + 0.4 * np.eye(n + 1) / (n + 1)
    np.testing.assert_allclose(PIState.from_dicke(mat).to_dense(), from_symmetric(mat), atol=ATOL)


def test_product_fast_path_equals_the_blocks_and_the_kronecker_product():
    n = 5
    q = np.array([[0.7, 0.2 - 0.1j], [0.2 + 0.1j, 0.3]])
    dense = reduce(np.kron, [q] * n)
    prod = PIState.product(n, q)
    np.testing.assert_allclose(prod.to_dense(), dense, atol=ATOL)
    blocks = PIState.from_dense(dense).blocks
    for a, b in zip(prod.blocks, blocks):  # the lazily rotated blocks (Wigner D^j) match the dense projection
        np.testing.assert_allclose(a, b, atol=ATOL)
    ket = np.array([np.cos(0.3), np.exp(0.4j) * np.sin(0.3)])
    detected = PIState.from_dense(reduce(np.kron, [ket] * n))
    coherent = PIState.from_dicke(detected.blocks[0][:, 0] / np.sqrt(detected.blocks[0][0, 0]))
    assert coherent.qubit is not None
    np.testing.assert_allclose(coherent.qubit, np.outer(ket, ket.conj()), atol=1e-10)
    assert PIState.from_dicke(np.array([1.0, 0, 0, 1.0])).qubit is None  # GHZ is not a product


def test_bad_inputs():
    with pytest.raises(ValueError, match="not permutation-invariant"):
        rho = np.zeros((4, 4))
        rho[1, 1] = 1.0  # |01><01|
        PIState.from_dense(rho)
    with pytest.raises(ValueError, match="n <= 12"):
        PIState.from_dicke(np.ones(14)).to_dense()
    with pytest.raises(ValueError, match="zero norm"):
        PIState.from_dicke(np.zeros(4))
    with pytest.raises(ValueError, match="non-finite"):
        PIState.from_dicke(np.array([1.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="Hermitian"):
        PIState.from_dicke(np.array([[0.5, 1.0], [0.0, 0.5]]))
