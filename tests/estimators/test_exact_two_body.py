"""Wootters concurrence and the two-qubit reduced state against closed forms and independent paths.

Exact maths: every comparison is at 1e-10. The 4x4 eigen- and singular-value decompositions are
accurate to ~1e-15; the concurrence is computed from singular values (not square roots of
eigenvalues, which would turn rounding zeros into ~1e-8), so rank-deficient states such as pure
and product states also hold 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

from bellsense import spin, states
from bellsense.estimators import concurrence, two_qubit_state

RNG = np.random.default_rng(20260214)


def _random_pure(dim: int) -> np.ndarray:
    v = RNG.normal(size=dim) + 1j * RNG.normal(size=dim)
    return v / np.linalg.norm(v)


def _random_mixed(dim: int, rank: int) -> np.ndarray:
    a = RNG.normal(size=(dim, rank)) + 1j * RNG.normal(size=(dim, rank))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


def test_bell_and_product_states():
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    assert concurrence(bell) == pytest.approx(1.0, abs=1e-10)
    assert concurrence(singlet) == pytest.approx(1.0, abs=1e-10)
    assert concurrence(np.outer(bell, bell.conj())) == pytest.approx(1.0, abs=1e-10)
    # product states: 0
    assert concurrence(np.kron(_random_pure(2), _random_pure(2))) == pytest.approx(0.0, abs=1e-10)
    assert concurrence(np.eye(4) / 4) == 0.0


@pytest.mark.parametrize("p", [0.0, 0.2, 1 / 3, 0.5, 0.8, 1.0])
def test_werner_states(p):
    bell = np.array([0, 1, -1, 0]) / np.sqrt(2)
    rho = p * np.outer(bell, bell) + (1 - p) * np.eye(4) / 4
    assert concurrence(rho) == pytest.approx(max(0.0, (3 * p - 1) / 2), abs=1e-10)


def test_pure_states_closed_form():
    """Pure two-qubit state a|00> + b|01> + c|10> + d|11>: C = 2|ad - bc| (independent of rho~)."""
    for _ in range(20):
        psi = _random_pure(4)
        a, b, c, d = psi
        assert concurrence(psi) == pytest.approx(2 * abs(a * d - b * c), abs=1e-10)


@pytest.mark.parametrize("n", [3, 4, 6, 9])
def test_dicke_one_excitation(n):
    """|D_1^N> (W state): rho_2 = (N-2)/N |00><00| + 2/N |Psi+><Psi+|, C = 2/N (2/3 at N = 3)."""
    ref = 2.0 / n
    assert concurrence(states.dicke(n, 1, basis="dicke"), basis="dicke") == pytest.approx(ref, abs=1e-10)
    if n <= 6:
        assert concurrence(states.dicke(n, 1)) == pytest.approx(ref, abs=1e-10)


def test_ghz_reduced_state_is_separable():
    """GHZ_N, N >= 3: rho_2 = (|00><00| + |11><11|)/2, C = 0."""
    for n in (3, 5):
        assert concurrence(states.ghz(n, basis="dicke"), basis="dicke") == pytest.approx(0.0, abs=1e-10)
        np.testing.assert_allclose(two_qubit_state(states.ghz(n)), np.diag([0.5, 0, 0, 0.5]), atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_dicke_path_matches_dense_partial_trace(n):
    """Random symmetric pure and mixed states: Dicke-basis reduction == 2^n partial trace."""
    for rank in (None, 1, 3):
        if rank is None:
            dicke = _random_pure(n + 1)
            dense = spin.from_symmetric(dicke)
        else:
            dicke = _random_mixed(n + 1, rank)
            dense = spin.from_symmetric(dicke)
        rho_d = two_qubit_state(dicke, basis="dicke")
        rho_q = two_qubit_state(dense)
        np.testing.assert_allclose(rho_d, rho_q, atol=1e-12)
        assert np.trace(rho_d).real == pytest.approx(1.0, abs=1e-12)
        assert concurrence(dicke, basis="dicke") == pytest.approx(concurrence(dense), abs=1e-10)


def test_bad_inputs():
    with pytest.raises(ValueError, match="n >= 2"):
        concurrence(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="dimension 2\\^n"):
        concurrence(np.ones(3) / np.sqrt(3))
    with pytest.raises(ValueError, match="normalised"):
        concurrence(np.ones(4))


def test_pi_states_match_the_dense_path():
    """PIState inputs (symmetric, and mixed over several j blocks) against the 2^n partial trace."""
    from functools import reduce

    from bellsense import noise
    from bellsense.pistate import PIState

    for n in (2, 3, 5):
        dicke = _random_mixed(n + 1, 2)
        pi = PIState.from_dicke(dicke)
        np.testing.assert_allclose(two_qubit_state(pi), two_qubit_state(spin.from_symmetric(dicke)), atol=1e-12)
        assert concurrence(pi) == pytest.approx(concurrence(dicke, basis="dicke"), abs=1e-10)
    # dephased Dicke W state: weight leaves the symmetric block
    n = 4
    rho = noise.apply_local(states.dicke(n, 1), [noise.kraus_operators(noise.dephasing(0.2, 1.0))] * n)
    assert concurrence(PIState.from_dense(rho)) == pytest.approx(concurrence(rho), abs=1e-10)
    assert 0.0 < concurrence(rho) < 0.5
    qubit = np.array([[0.7, 0.2 - 0.1j], [0.2 + 0.1j, 0.3]])
    dense = reduce(np.kron, [qubit] * 3)
    np.testing.assert_allclose(two_qubit_state(PIState.product(3, qubit)), two_qubit_state(dense), atol=1e-12)
