"""Property tests on seeded random states, n = 1..6 (issue 2 acceptance).

0 <= hs_bound <= qfi <= 4 Var; QFIM symmetric PSD with diagonal = qfi; convexity of the QFI under
mixing; invariance of qfi, qfim, hs_bound, bell_qfi_bound and exact_cfi (computational readout)
under relabelling the qubits, for collective generators. Tolerances: 1e-10 relative (exact maths);
the inequalities allow 1e-10 relative slack for rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from bellsense import spin
from bellsense.estimators import bell_qfi_bound, exact_cfi, hs_bound, qfi, qfim

SLACK = 1e-10
AXES = ["x", "y", "z", [0.48, 0.6, 0.64]]


def random_rho(dim, rank, rng):
    a = rng.normal(size=(dim, rank)) + 1j * rng.normal(size=(dim, rank))
    rho = a @ a.conj().T
    return rho / np.trace(rho).real


def permute_qubits(rho: np.ndarray, n: int, perm: np.ndarray) -> np.ndarray:
    """Relabel qubit q -> perm[q] (tensor axes n-1-q in C order)."""
    axes_in = [n - 1 - int(np.argwhere(perm == n - 1 - a)[0][0]) for a in range(n)]
    t = rho.reshape((2,) * (2 * n)).transpose(axes_in + [n + a for a in axes_in])
    return t.reshape(rho.shape)


def cases():
    for n in range(1, 7):
        for rank in (1, 2, 2**n):
            yield n, rank


@pytest.mark.parametrize("n, rank", list(cases()))
def test_bounds_chain_and_qfim(n, rank):
    rng = np.random.default_rng(1000 * n + rank)
    rho = random_rho(2**n, rank, rng)
    gens = [spin.collective(n, a) for a in AXES]
    mat = qfim(rho, gens)
    assert np.allclose(mat, mat.T, atol=1e-12)
    assert np.min(np.linalg.eigvalsh(mat)) >= -SLACK * max(1.0, np.max(np.abs(mat)))
    for a, h in enumerate(gens):
        f = qfi(rho, h)
        hd = h.toarray()
        var = np.trace(rho @ hd @ hd).real - np.trace(rho @ hd).real ** 2
        hs = hs_bound(rho, h)
        assert -SLACK <= hs <= f * (1 + SLACK) + SLACK
        assert f <= 4 * var * (1 + SLACK) + SLACK
        assert abs(mat[a, a] - f) <= SLACK * max(1.0, f)
        if rank == 1:
            assert abs(f - 4 * var) <= SLACK * max(1.0, f)  # pure: F = 4 Var = HS
            assert abs(hs - f) <= SLACK * max(1.0, f)


@pytest.mark.parametrize("n", range(1, 7))
def test_convexity(n):
    rng = np.random.default_rng(77 + n)
    for axis in AXES:
        h = spin.collective(n, axis)
        r1, r2 = random_rho(2**n, 1, rng), random_rho(2**n, 2, rng)
        f1, f2 = qfi(r1, h), qfi(r2, h)
        for lam in (0.1, 0.5, 0.9):
            assert qfi(lam * r1 + (1 - lam) * r2, h) <= (lam * f1 + (1 - lam) * f2) * (1 + SLACK) + SLACK


@pytest.mark.parametrize("n", range(2, 7))
def test_relabelling_invariance(n):
    rng = np.random.default_rng(500 + n)
    rho = random_rho(2**n, 3, rng)
    perm = rng.permutation(n)
    while n > 1 and np.all(perm == np.arange(n)):
        perm = rng.permutation(n)
    moved = permute_qubits(rho, n, perm)
    assert np.max(np.abs(moved - rho)) > 1e-3  # the relabelling really changes the matrix
    assert abs(np.trace(moved) - 1) < 1e-12
    gens = [spin.collective(n, a) for a in AXES]
    assert np.allclose(qfim(moved, gens), qfim(rho, gens), rtol=SLACK, atol=SLACK)
    for axis, h in zip(AXES, gens):
        assert abs(hs_bound(moved, h) - hs_bound(rho, h)) < SLACK * max(1, hs_bound(rho, h))
        assert abs(bell_qfi_bound(moved, axis) - bell_qfi_bound(rho, axis)) < SLACK * max(1, qfi(rho, h))
        # computational readout of a collective encoding: outcome relabelling permutes p, CFI unchanged
        assert abs(exact_cfi(moved, h, None, theta=0.3) - exact_cfi(rho, h, None, theta=0.3)) < 1e-9
