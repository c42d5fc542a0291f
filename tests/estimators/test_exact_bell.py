"""Bell correlators, the eq. 24 bound, nonlocality depth and GHZ fidelity.

Independent references: the correlator against the explicit operator built from qiskit Pauli
strings; the Dicke path against the 2^n path; closed forms of PHYSICS.md (GHZ bound N^2, product
bound N, E = 4^-n for |+>^n, E_{N,0} = 1/4 for GHZ). Exact maths: 1e-10 relative.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, Statevector, state_fidelity

from bellsense import axes, spin, states
from bellsense.estimators import (
    bell_correlator,
    bell_qfi_bound,
    bell_qfi_bound_nbody,
    ghz_fidelity,
    nonlocality_depth,
    qfi,
    sigma_plus_expectation,
)

REL = 1e-10
AXES = ["z", "x", "y", [0.48, 0.6, 0.64]]


def close(a, b, rel=REL):
    return abs(a - b) <= rel * max(1.0, abs(b))


def ladder_string(n: int, plus, minus, axis) -> np.ndarray:
    """prod_A sigma_+ prod_B sigma_- with sigma_pm = (sigma_e1 +/- i sigma_e2)/2, from Pauli labels."""
    e1, e2, _ = axes.frame(axis)

    def single(sign):
        return [(p, 0.5 * (e1[i] + sign * 1j * e2[i])) for i, p in enumerate("XYZ")]

    op = SparsePauliOp("I" * n)
    for qubits, sign in ((plus, +1), (minus, -1)):
        for q in qubits:
            terms = []
            for p, c in single(sign):
                label = ["I"] * n
                label[n - 1 - q] = p
                terms.append(("".join(label), c))
            op = op.compose(SparsePauliOp.from_list(terms)).simplify()
    return op.to_matrix()


def random_rho(dim, rank, rng):
    a = rng.normal(size=(dim, rank)) + 1j * rng.normal(size=(dim, rank))
    rho = a @ a.conj().T
    return rho / np.trace(rho).real


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_sigma_plus_expectation_against_pauli_operators(n):
    rng = np.random.default_rng(n)
    rho = random_rho(2**n, 2, rng)
    psi = states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1))
    psi = Statevector(psi).evolve(SparsePauliOp("X" + "I" * (n - 1)).to_operator()).data  # break symmetry
    for axis in AXES:
        for _ in range(4):
            labels = rng.integers(0, 3, size=n)  # 0: neither, 1: A, 2: B
            plus = [q for q in range(n) if labels[q] == 1]
            minus = [q for q in range(n) if labels[q] == 2]
            op = ladder_string(n, plus, minus, axis)
            assert abs(sigma_plus_expectation(rho, plus, minus, axis) - np.trace(rho @ op)) < 1e-12
            assert abs(sigma_plus_expectation(psi, plus, minus, axis) - np.vdot(psi, op @ psi)) < 1e-12
            assert close(bell_correlator(rho, plus, minus, axis), abs(np.trace(rho @ op)) ** 2)


def test_sigma_plus_z_is_ket0_bra1():
    """sigma_+ = |0><1| for axis z: <prod sigma_+> = rho_{1..1, 0..0} (the E_{N,0} shortcut)."""
    n = 3
    rho = random_rho(8, 3, np.random.default_rng(1))
    assert abs(sigma_plus_expectation(rho, range(n)) - rho[-1, 0]) < 1e-14
    assert close(bell_correlator(rho, range(n)), abs(rho[0, -1]) ** 2)


@pytest.mark.parametrize("n", range(1, 11))
def test_closed_forms(n):
    ghz, plus = states.ghz(n), states.product(n)
    assert close(bell_correlator(ghz, range(n)), 0.25)
    assert close(bell_correlator(ghz, [], range(n)), 0.25)
    rng = np.random.default_rng(n)
    labels = rng.integers(0, 3, size=n)
    a = [q for q in range(n) if labels[q] == 1]
    b = [q for q in range(n) if labels[q] == 2]
    assert close(bell_correlator(plus, a, b), 4.0 ** -(len(a) + len(b)))
    assert close(bell_qfi_bound(ghz), n**2)
    assert close(bell_qfi_bound(plus), n)
    assert close(bell_qfi_bound(states.ghz(n, "dicke"), basis="dicke"), n**2)
    assert close(bell_qfi_bound(states.product(n, basis="dicke"), basis="dicke"), n)
    assert close(bell_qfi_bound_nbody(bell_correlator(ghz, range(n)), n), n**2)


def test_closed_forms_large_symmetric():
    for n in (50, 300):
        assert close(bell_qfi_bound(states.ghz(n, "dicke"), basis="dicke"), n**2)
        assert close(bell_qfi_bound(states.product(n, basis="dicke"), basis="dicke"), n)
        assert close(bell_correlator(states.ghz(n, "dicke"), n, 0, basis="dicke"), 0.25)
    # |+>^N along x: an eigenstate of J_x, so every E_{A,B} with n+ != n- vanishes and the bound is 0
    assert abs(bell_qfi_bound(states.product(40, basis="dicke"), "x", basis="dicke")) < 1e-10


@pytest.mark.parametrize("n", range(1, 11))
def test_dicke_path_equals_full_path(n):
    rng = np.random.default_rng(300 + n)
    vecs = [states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1), "dicke") for _ in range(2)]
    small = 0.3 * np.outer(vecs[0], vecs[0].conj()) + 0.7 * np.outer(vecs[1], vecs[1].conj())
    big = spin.from_symmetric(small)
    for axis in AXES:
        assert close(bell_qfi_bound(small, axis, basis="dicke"), bell_qfi_bound(big, axis))
        assert close(
            bell_qfi_bound(vecs[0], axis, basis="dicke"), bell_qfi_bound(spin.from_symmetric(vecs[0]), axis)
        )
        a = n // 2
        b = 1 if n - a >= 1 else 0
        full = sigma_plus_expectation(big, list(range(a)), list(range(n - b, n)), axis)
        assert abs(sigma_plus_expectation(small, a, b, axis, basis="dicke") - full) < 1e-12


@pytest.mark.parametrize("n", range(1, 7))
def test_bound_below_qfi_on_random_states(n):
    rng = np.random.default_rng(400 + n)
    for rank in (1, 3):
        rho = random_rho(2**n, rank, rng)
        for axis in AXES:
            assert bell_qfi_bound(rho, axis) <= qfi(rho, spin.collective(n, axis)) * (1 + 1e-10) + 1e-12


def test_nonlocality_depth_thresholds():
    n = 10
    assert nonlocality_depth(0.25, n) == n
    assert nonlocality_depth(0.2, n) == n
    assert nonlocality_depth(0.125, n) == n - 1  # (1/16, 1/8] -> at least N-1
    assert nonlocality_depth(0.1, n) == n - 1
    assert nonlocality_depth(1 / 16, n) == n - 2
    assert nonlocality_depth(2.0**-n, n) == 0  # E <= 2^-N: no Bell violation
    assert nonlocality_depth(2.0**-n * 1.01, n) == 3  # m = N - 3 at the threshold
    assert nonlocality_depth(0.0, n) == 0
    for m in range(0, n - 2):
        e = 2.0 ** -(m + 3) * 1.0001
        assert nonlocality_depth(e, n) == n - m
    with pytest.raises(ValueError, match="n >= 3"):
        nonlocality_depth(0.2, 0)
    with pytest.raises(ValueError, match="finite"):
        nonlocality_depth(float("nan"), 4)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_ghz_fidelity(n):
    ghz = states.ghz(n)
    assert close(ghz_fidelity(ghz), 1.0)
    phased = ghz.copy()
    phased[-1] *= np.exp(0.7j)
    assert close(ghz_fidelity(phased), 1.0)  # the best relative phase
    if n > 1:
        assert close(ghz_fidelity(states.product(n)), 2.0 / 2**n)
    rho = random_rho(2**n, 2, np.random.default_rng(n))
    phase = np.angle(rho[-1, 0])
    target = ghz.copy()
    target[-1] *= np.exp(1j * phase)
    if n > 1:
        assert close(ghz_fidelity(rho), state_fidelity(DensityMatrix(rho), Statevector(target), validate=False))
    assert close(ghz_fidelity(spin.to_symmetric(np.outer(ghz, ghz.conj())), basis="dicke"), 1.0)


def test_bad_inputs():
    ghz = states.ghz(3)
    with pytest.raises(ValueError, match="overlap"):
        bell_correlator(ghz, [0, 1], [1, 2])
    with pytest.raises(ValueError, match="overlap"):
        bell_correlator(states.ghz(3, "dicke"), [0, 1], [1], basis="dicke")
    with pytest.raises(ValueError, match="integers in \\[0, 3\\)"):
        bell_correlator(ghz, [3])
    with pytest.raises(ValueError, match="repeated"):
        bell_correlator(ghz, [0, 0])
    with pytest.raises(ValueError, match="zero length"):
        bell_correlator(ghz, [0], [], axis=[0, 0, 0])
    with pytest.raises(ValueError, match="zero length"):
        bell_qfi_bound(ghz, axis=[0, 0, 0])
    with pytest.raises(ValueError, match="<= n"):
        bell_correlator(states.ghz(3, "dicke"), 3, 1, basis="dicke")
    with pytest.raises(ValueError, match="2\\^n"):
        bell_qfi_bound(np.ones(3) / np.sqrt(3))
    with pytest.raises(ValueError, match="Dicke basis"):
        bell_qfi_bound(states.ghz(13))
    with pytest.raises(ValueError, match="unknown basis"):
        bell_qfi_bound(ghz, basis="qudits")
    with pytest.raises(ValueError, match="squared norm"):
        ghz_fidelity(2 * ghz)
    with pytest.raises(ValueError, match="not Hermitian"):
        bell_qfi_bound(np.triu(np.ones((4, 4))) / 4)


def test_dicke_reduced_states_match_partial_trace():
    from qiskit.quantum_info import partial_trace

    from bellsense.estimators import dicke_reduced_states

    n = 5
    rng = np.random.default_rng(9)
    small = states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1), "dicke")
    big = Statevector(spin.from_symmetric(small))
    reduced = dicke_reduced_states(np.outer(small, small.conj()))
    assert [r.shape[0] for r in reduced] == list(range(1, n + 2))
    for r in range(1, n):
        ref = partial_trace(big, list(range(r, n))).data  # keep qubits 0..r-1
        assert np.max(np.abs(spin.from_symmetric(reduced[r]) - ref)) < 1e-12


@pytest.mark.parametrize("n", [2, 3, 4])
def test_general_bound_equals_explicit_enumeration(n):
    """Eq. 24 summed pair by pair with the Pauli-operator correlators, for a non-symmetric state."""
    rng = np.random.default_rng(50 + n)
    rho = random_rho(2**n, 2, rng)
    for axis in ("z", [0.48, 0.6, 0.64]):
        total = 0.0
        for labels in itertools.product(range(3), repeat=n):
            plus = [q for q in range(n) if labels[q] == 1]
            minus = [q for q in range(n) if labels[q] == 2]
            e = abs(np.trace(rho @ ladder_string(n, plus, minus, axis))) ** 2
            total += 2 * (len(plus) - len(minus)) ** 2 / 2 ** (n - len(plus) - len(minus)) * e
        assert close(bell_qfi_bound(rho, axis), total)
