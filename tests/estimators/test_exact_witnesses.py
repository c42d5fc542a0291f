"""Spin squeezing, the two-body PI Bell value and its minimum (seed 004), and the best QFI axis,
against explicit constructions.

The PI Bell value is checked against the sum over ordered pairs i != j of two-qubit operators
built from qiskit Pauli strings (independent of the collective-moment formula used in the code).
Exact maths: 1e-10 relative. The global minimum is checked against a brute-force 720 x 720 grid of
the Pauli-string construction: the true minimum lies below the grid's (by at most ~curvature x
(pi/720)^2 ~ 1e-4 x scale), never above it by more than rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

from bellsense import models, spin, states
from bellsense.estimators import best_axis_qfi, pi_bell_minimum, pi_bell_value, qfi, squeezing_parameter


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


def _pair_sums(rho: np.ndarray, n: int) -> dict[str, float]:
    """<sum_i P_i> and <sum_{i != j} P_i Q_j> for P, Q in {Z, X}, from Pauli strings."""
    single = {p: [local(n, q, 0.0 if p == "Z" else np.pi / 2) for q in range(n)] for p in "ZX"}
    out = {p: sum(np.trace(rho @ m).real for m in single[p]) for p in "ZX"}
    for p in "ZX":
        for q in "ZX":
            out[p + q] = sum(
                np.trace(rho @ single[p][i] @ single[q][j]).real for i in range(n) for j in range(n) if i != j
            )
    return out


def _brute_grid_min(rho: np.ndarray, n: int, points: int = 720) -> float:
    m = _pair_sums(rho, n)
    a = np.linspace(0, 2 * np.pi, points, endpoint=False)
    phi, theta = a[:, None], a[None, :]

    def c1(x):
        return np.cos(x) * m["Z"] + np.sin(x) * m["X"]

    def c2(x, y):
        cx, sx, cy, sy = np.cos(x), np.sin(x), np.cos(y), np.sin(y)
        return cx * cy * m["ZZ"] + cx * sy * m["ZX"] + sx * cy * m["XZ"] + sx * sy * m["XX"]

    b = 2 * n - 2 * c1(phi) + 0.5 * c2(phi, phi) - c2(phi, theta) + 0.5 * c2(theta, theta)
    return float(b.min())


@pytest.mark.parametrize("n", [2, 3, 4])
def test_pi_bell_minimum_against_brute_force(n):
    rng = np.random.default_rng(40 + n)
    cases = [models.lmg_ground_state(n, 1.0, 0.05)]  # Dicke basis; violates for n >= 3
    a = rng.normal(size=(n + 1, 2)) + 1j * rng.normal(size=(n + 1, 2))
    cases.append(a @ a.conj().T / np.trace(a @ a.conj().T).real)
    cases.append(states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1), "dicke"))
    for dicke in cases:
        dense = spin.from_symmetric(dicke)
        rho = np.outer(dense, dense.conj()) if dense.ndim == 1 else dense
        res = pi_bell_minimum(dicke, basis="dicke")
        grid = _brute_grid_min(rho, n)
        assert res.value <= grid + 1e-10
        assert res.value >= grid - 1e-3 * max(1.0, abs(grid))
        # the angles returned give the value returned, through the independent pair sum
        assert close(explicit_bell(rho, n, res.phi, res.theta), res.value)
        assert close(pi_bell_minimum(dense).value, res.value, rel=1e-9)
        assert 0.0 <= res.phi < 2 * np.pi and 0.0 <= res.theta < 2 * np.pi


def test_pi_bell_minimum_lmg_violates_and_is_stationary():
    n = 20
    psi = models.lmg_ground_state(n, 1.0, 0.05)
    res = pi_bell_minimum(psi, basis="dicke")
    assert res.value < -1.0  # LMG ground state at h << J violates (Marconi et al. Fig. 1 regime)
    assert close(pi_bell_value(psi, res.phi, res.theta, basis="dicke"), res.value)
    step = 1e-4
    for dp, dt in ((step, 0), (-step, 0), (0, step), (0, -step)):
        assert pi_bell_value(psi, res.phi + dp, res.theta + dt, basis="dicke") >= res.value - 1e-12
    # product states never violate: the minimum is >= 0 (0 is reached)
    assert pi_bell_minimum(states.product(n, 0.4, 1.1, basis="dicke"), basis="dicke").value >= -1e-9


def _fibonacci_axes(count: int) -> np.ndarray:
    i = np.arange(count) + 0.5
    z = 1 - 2 * i / count
    r = np.sqrt(1 - z**2)
    a = np.pi * (1 + 5**0.5) * i
    return np.stack([r * np.cos(a), r * np.sin(a), z], axis=1)


def test_best_axis_qfi_closed_forms():
    for n in (3, 5, 8):  # (n = 2 is degenerate: the Bell state has F = 4 along x and z)
        value, axis = best_axis_qfi(states.ghz(n, "dicke"), basis="dicke")
        assert close(value, n**2) and np.allclose(np.abs(axis), [0, 0, 1], atol=1e-10)
    # |D_{N/2}^N>: F = N(N+2)/2 for every axis in the xy plane (PHYSICS.md reference values)
    n = 6
    value, axis = best_axis_qfi(states.dicke(n, n // 2, "dicke"), basis="dicke")
    assert close(value, n * (n + 2) / 2) and abs(axis[2]) < 1e-10
    # coherent state: F = N for every axis perpendicular to the mean spin
    value, axis = best_axis_qfi(states.product(4))
    assert close(value, 4.0) and abs(axis[0]) < 1e-10


@pytest.mark.parametrize("n", [3, 5])
def test_best_axis_qfi_against_many_axes(n):
    rng = np.random.default_rng(70 + n)
    a = rng.normal(size=(n + 1, 3)) + 1j * rng.normal(size=(n + 1, 3))
    rho = a @ a.conj().T / np.trace(a @ a.conj().T).real
    value, axis = best_axis_qfi(rho, basis="dicke")
    assert close(qfi(rho, spin.dicke_collective(n, axis)), value)
    brute = max(qfi(rho, spin.dicke_collective(n, ax)) for ax in _fibonacci_axes(400))
    # 400 axes: nearest within ~0.1 rad, so brute >= value (1 - 0.1^2) at worst
    assert brute <= value * (1 + 1e-10)
    assert brute >= value * (1 - 1e-2)
    assert close(best_axis_qfi(spin.from_symmetric(rho))[0], value, rel=1e-9)


def test_pi_state_inputs():
    from functools import reduce

    from bellsense import noise
    from bellsense.pistate import PIState

    n = 4
    psi = models.lmg_ground_state(n, 1.0, 0.05)
    dense = spin.from_symmetric(psi)
    rho = noise.apply_local(dense, [noise.kraus_operators(noise.dephasing(0.05, 1.0))] * n)  # leaves j = n/2
    assert close(pi_bell_minimum(PIState.from_dense(rho)).value, pi_bell_minimum(rho).value, rel=1e-9)
    qubit = np.array([[0.8, 0.3 - 0.1j], [0.3 + 0.1j, 0.2]])
    product = reduce(np.kron, [qubit] * n)  # PI, mixed over every j block
    for pi, ref in ((PIState.from_dicke(psi), dense), (PIState.product(n, qubit), product)):
        assert close(pi_bell_minimum(pi).value, pi_bell_minimum(ref).value, rel=1e-9)
        value, axis = best_axis_qfi(pi)
        ref_value, ref_axis = best_axis_qfi(ref)
        assert close(value, ref_value, rel=1e-9)
        # for the mixed product state the top eigenvalue is doubly degenerate (every axis normal to the Bloch
        # vector (0.6, 0.2, 0.6)), so the axes need not agree; each must reach the maximum on the dense state
        for a in (axis, ref_axis):
            assert close(float(np.linalg.norm(a)), 1.0, rel=1e-12)
            assert close(qfi(ref, spin.collective(n, a)), ref_value, rel=1e-9)
        if ref is dense:  # non-degenerate there: the axes themselves agree
            assert np.allclose(axis, ref_axis, atol=1e-6)
    big = models.lmg_ground_state(40, 1.0, 0.05)
    assert close(pi_bell_minimum(PIState.from_dicke(big)).value, pi_bell_minimum(big, "dicke").value)
