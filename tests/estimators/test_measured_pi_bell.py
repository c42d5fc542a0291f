"""PI Bell inequality (seed 004) and spin squeezing xi^2 from Aer counts vs exact numpy values.

Exact references are built here from full 2^n operators (independent of the estimator's
bisector algebra): ``B = 2N - 2 C_0 + C_00/2 - C_01 + C_11/2`` with ``C_rs = sum_{i != j}``.
Shot-based agreement: 4 standard errors, fixed seeds.
"""

from __future__ import annotations

import math
import os
import sys
from functools import reduce

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import _measured_circuits as H  # noqa: E402

from bellsense import circuits, spin  # noqa: E402
from bellsense.estimators.measured.pi_bell import pi_bell_from_counts  # noqa: E402
from bellsense.estimators.measured.squeezing import squeezing_from_counts  # noqa: E402

P_DEPH = 0.08
ANGLES = [(0.4, -0.9), (2.0, -1.5)]  # bisector and antibisector cases


def _site_ops(n: int, angle: float) -> list[np.ndarray]:
    m = np.cos(angle) * np.diag([1.0, -1.0]) + np.sin(angle) * np.array([[0.0, 1.0], [1.0, 0.0]])
    return [reduce(np.kron, [m if k == n - 1 - i else np.eye(2) for k in range(n)]) for i in range(n)]


def exact_bell(rho: np.ndarray, phi: float, theta: float) -> float:
    n = int(round(math.log2(rho.shape[0])))
    a, b = _site_ops(n, phi), _site_ops(n, theta)
    c0, c1 = sum(a), sum(b)
    eye = np.eye(2**n)
    c00 = c0 @ c0 - n * eye
    c11 = c1 @ c1 - n * eye
    c01 = c0 @ c1 - sum(x @ y for x, y in zip(a, b))
    op = 2 * n * eye - 2 * c0 + 0.5 * c00 - c01 + 0.5 * c11
    return float(np.real(np.trace(rho @ op)))


def _close(est, truth, k=4.0):
    return abs(est.value - truth) <= k * est.stderr + 1e-12


@pytest.mark.parametrize("noisy", [False, True])
@pytest.mark.parametrize("state", ["ghz", "product", "dicke"])
def test_pi_bell_value_matches_exact_n2_to_8(state, noisy):
    noise = H.dephasing_model(P_DEPH) if noisy else None
    circs, meta = [], []
    for n in range(2, 9):
        qc = H.window(H.prep(state, n), 0.2)
        for phi, theta in ANGLES:
            circs += H.pi_bell(qc, phi, theta)
            meta.append((n, qc, phi, theta))
    bits = H.run(circs, 20_000, seed=31, noise=noise)
    rhos = {}
    for i, (n, qc, phi, theta) in enumerate(meta):
        pairs = H.labelled(circs[3 * i:3 * i + 3], bits[3 * i:3 * i + 3])
        res = pi_bell_from_counts(pairs)
        assert res.third == ("bisector" if phi == 0.4 else "antibisector")
        if n not in rhos:
            rhos[n] = H.exact_rho(qc, noise)
        exact = exact_bell(rhos[n], phi, theta)
        assert _close(res.bell, exact), (state, noisy, n, phi, res.bell, exact)
        # the single correlators too (C_0 = <sum_i M_0^(i)>)
        c0 = float(np.real(np.trace(rhos[n] @ sum(_site_ops(n, phi)))))
        assert _close(res.c0, c0)


def _bell_op(n, phi, theta):
    a, b = _site_ops(n, phi), _site_ops(n, theta)
    c0, c1 = sum(a), sum(b)
    eye = np.eye(2**n)
    c01 = c0 @ c1 - sum(x @ y for x, y in zip(a, b))
    return 2 * n * eye - 2 * c0 + 0.5 * (c0 @ c0 - n * eye) - c01 + 0.5 * (c1 @ c1 - n * eye)


def test_violation_detected_for_optimal_symmetric_state():
    """n = 6: the ground state of B at (phi, theta) = (0.678, 2.942) (found by minimising the lowest
    eigenvalue of B over the angles) has <B> ~ -0.258 < 0; 200 000 shots/setting resolve it."""
    n, phi, theta = 6, 0.67803378, 2.94200918
    op = _bell_op(n, phi, theta)
    vals, vecs = np.linalg.eigh(op)
    psi = vecs[:, 0]
    assert vals[0] < -0.25
    assert abs(exact_bell(np.outer(psi, psi.conj()), phi, theta) - vals[0]) < 1e-10
    qc = circuits.symmetric_state(spin.to_symmetric(psi))  # the minimiser is permutation-symmetric
    circs = H.pi_bell(qc, phi, theta)
    res = pi_bell_from_counts(H.labelled(circs, H.run(circs, 200_000, seed=4)))
    assert _close(res.bell, vals[0])
    assert res.significance > 3 and res.violation, res.bell


def test_pi_bell_bad_input():
    qc = H.prep("ghz", 3)
    circs = H.pi_bell(qc, 0.4, -0.9)
    pairs = H.labelled(circs, H.run(circs, 100, seed=1))
    with pytest.raises(ValueError, match="missing PI-Bell setting.*M1"):
        pi_bell_from_counts([pairs[0], pairs[2]])
    with pytest.raises(ValueError, match="duplicate"):
        pi_bell_from_counts(pairs + pairs[:1])
    bad = dict(pairs[2][0], angle=1.0)
    with pytest.raises(ValueError, match="angle"):
        pi_bell_from_counts([pairs[0], pairs[1], (bad, pairs[2][1])])


def _exact_xi2(rho: np.ndarray, var_axis, perp_axes) -> float:
    n = int(round(math.log2(rho.shape[0])))
    jv = spin.collective(n, var_axis).toarray()
    ev = lambda op: float(np.real(np.trace(rho @ op)))  # noqa: E731
    var = ev(jv @ jv) - ev(jv) ** 2
    den = sum(ev(spin.collective(n, a).toarray()) ** 2 for a in perp_axes)
    return n * var / den if den > 1e-12 else math.inf


def _oat_state(n: int, chi: float) -> np.ndarray:
    """One-axis-twisted coherent state exp(-i chi J_z^2)|+x>^n, Dicke amplitudes."""
    from scipy.linalg import expm

    jz = spin.dicke_collective(n, "z").toarray()
    jy = spin.dicke_collective(n, "y").toarray()
    top = np.zeros(n + 1, dtype=complex)
    top[0] = 1.0
    coherent = expm(-1j * math.pi / 2 * jy) @ top  # |+x>^n
    return expm(-1j * chi * jz @ jz) @ coherent


@pytest.mark.parametrize("noisy", [False, True])
def test_squeezing_matches_exact(noisy):
    """Product |+>^n (xi^2 = 1 pure) and twisted, rotated squeezed states; n = 2..8."""
    noise = H.dephasing_model(P_DEPH) if noisy else None
    cases = []
    for n in range(2, 9):
        cases.append(("product", n, H.window(H.prep("product", n), 0.0), [0.0, 0.0, 1.0]))
        amps = _oat_state(n, 0.3 / math.sqrt(n))
        # variance axis: the minimal-variance direction in the y-z plane (exact, from the state)
        rho_d = np.outer(amps, amps.conj())
        jy, jz = (spin.dicke_collective(n, a).toarray() for a in ("y", "z"))
        cov = np.real([[np.trace(rho_d @ (a @ b + b @ a)) / 2 for b in (jy, jz)] for a in (jy, jz)])
        w, v = np.linalg.eigh(cov)
        axis = [0.0, float(v[0, 0]), float(v[1, 0])]
        axis = (np.array(axis) / np.linalg.norm(axis)).tolist()
        qc = circuits.assemble(circuits.symmetric_state(amps), circuits.sensing_window(n, 1.0, 0.0))
        cases.append(("oat", n, qc, axis))
    circs = []
    for _, _n, qc, axis in cases:
        perp = [1.0, 0.0, 0.0]
        third = np.cross(axis, perp).tolist()
        circs += [H.collective(qc, axis), H.collective(qc, perp), H.collective(qc, third)]
    bits = H.run(circs, 20_000, seed=17, noise=noise)
    for i, (name, n, qc, axis) in enumerate(cases):
        pairs = H.labelled(circs[3 * i:3 * i + 3], bits[3 * i:3 * i + 3])
        est = squeezing_from_counts(pairs, axis)
        perp = [[1.0, 0.0, 0.0], np.cross(axis, [1.0, 0.0, 0.0]).tolist()]
        exact = _exact_xi2(H.exact_rho(qc, noise), axis, perp)
        assert _close(est, exact), (name, noisy, n, est, exact)
        if name == "product" and not noisy:
            assert abs(exact - 1) < 1e-10
        if name == "oat" and not noisy and n >= 4:
            assert exact < 1  # squeezed


def test_squeezing_undefined_without_mean_spin_and_bad_input():
    n = 4
    qc = H.prep("ghz", n)
    circs = [H.collective(qc, "z"), H.collective(qc, "x"), H.collective(qc, "y")]
    pairs = H.labelled(circs, H.run(circs, 20_000, seed=2))
    est = squeezing_from_counts(pairs, "z")
    assert math.isinf(est.value) and "not resolved" in est.method  # GHZ: <J_x> = <J_y> = 0
    with pytest.raises(ValueError, match="variance axis"):
        squeezing_from_counts(pairs[1:], "z")
    with pytest.raises(ValueError, match="perpendicular"):
        squeezing_from_counts(pairs[:1], "z")
