"""Collective dephasing (seed 004 eq. 7) realised as a mixture of collective z rotations, run on Aer.

Reference: (1-p) rho + p sum_k Pi_k rho Pi_k, p = 1 - e^{-kappa t}, applied elementwise to the
noiseless Aer density matrix (element (i, j) kept if popcount(i) == popcount(j), else x (1-p)).
Exact maths through Aer: tolerance 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SuperOp

from bellsense import circuits, noise, states
from bellsense.backends import aer

TOL = 1e-12


def _random_prep(n: int, seed: int) -> QuantumCircuit:
    """A generic entangled state: random single-qubit rotations and a CX ladder, twice."""
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(n)
    for _ in range(2):
        for q in range(n):
            qc.u(*rng.uniform(0, 2 * np.pi, 3), q)
        for q in range(n - 1):
            qc.cx(q, q + 1)
    return qc


def _weights(n: int) -> np.ndarray:
    return np.array([bin(i).count("1") for i in range(1 << n)])


@pytest.mark.parametrize("n,kappa,t", [(2, 0.4, 1.0), (3, 1.3, 0.7), (4, 0.2, 2.5)])
def test_collective_dephasing_on_aer(n, kappa, t):
    base = circuits.assemble(_random_prep(n, seed=n), circuits.sensing_window(n, t, 0.9, "z"))
    rho0 = aer.density_matrix(base).data
    noisy = noise.apply_collective(base, kappa)  # t from the metadata
    assert noisy.metadata == base.metadata and len(noisy.data) == len(base.data) + 1
    rho = aer.density_matrix(noisy).data
    p = 1 - np.exp(-kappa * t)
    w = _weights(n)
    same = w[:, None] == w[None, :]
    assert np.abs(rho0[~same]).max() > 0.05  # the test state has coherences between sectors
    # S_z-basis diagonal (every within-sector block) unchanged ...
    np.testing.assert_allclose(rho[same], rho0[same], atol=TOL)
    # ... and every coherence between sectors m != m' multiplied by (1 - p)
    np.testing.assert_allclose(rho[~same], (1 - p) * rho0[~same], atol=TOL)
    np.testing.assert_allclose(rho, noise.apply_collective_dense(rho0, kappa, t), atol=TOL)


@pytest.mark.parametrize("n,k", [(3, 1), (4, 2)])
def test_dicke_state_is_kept_exactly(n, k):
    t = 1.5
    base = circuits.assemble(circuits.dicke(n, k), circuits.sensing_window(n, t, 0.4, "z"))
    rho = aer.density_matrix(noise.apply_collective(base, kappa=3.0)).data
    d = states.dicke(n, k)  # RZ on a Dicke state is a global phase
    np.testing.assert_allclose(rho, np.outer(d, d.conj()), atol=1e-10)  # circuit prep: ~1e-15 per gate


def test_ghz_coherence_and_limits():
    n, t = 5, 1.0
    base = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, t, 0.0, "z"))
    for kappa in (0.0, 0.7):
        rho = aer.density_matrix(noise.apply_collective(base, kappa)).data
        assert abs(rho[0, -1]) == pytest.approx(0.5 * np.exp(-kappa * t), abs=TOL)
    # the channel itself: weights 1 - p + p/(n+1) on the identity, p/(n+1) on each rotation
    err = noise.collective_dephasing(1.0, 1.0, n=2)
    p = 1 - np.exp(-1.0)
    assert sorted(err.probabilities) == pytest.approx(sorted([1 - p + p / 3, p / 3, p / 3]), abs=TOL)
    # infinite kappa t: the full pinching sum_k Pi_k rho Pi_k (a projector on the superoperator level)
    full = SuperOp(noise.collective_dephasing(50.0, 1.0, n=2).to_quantumchannel())
    np.testing.assert_allclose((full @ full).data, full.data, atol=1e-12)


def test_noisy_window_combines_local_and_collective():
    n, t = 3, 0.6
    spec = noise.NoiseSpec(dephasing=0.2, kappa=0.5)
    base = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, t, 0.0, "z"))
    circ, model = noise.noisy_window(base, spec)
    rho = aer.density_matrix(circ, model).data
    # GHZ coherence: local e^{-2 n gamma t} times collective (1 - p)
    assert abs(rho[0, -1]) == pytest.approx(0.5 * np.exp(-2 * n * 0.2 * t) * np.exp(-0.5 * t), abs=TOL)


def test_bad_input():
    with pytest.raises(ValueError, match="kappa .* >= 0"):
        noise.collective_dephasing(-1.0, 1.0, n=3)
    with pytest.raises(ValueError, match="t .window duration. must be"):
        noise.collective_dephasing(1.0, -0.5, n=3)
    with pytest.raises(ValueError, match="n must be a positive int"):
        noise.collective_dephasing(1.0, 1.0, n=0)
    with pytest.raises(ValueError, match="no gate labelled 'sensing_window'"):
        noise.apply_collective(circuits.ghz(3), 1.0, 1.0)
    tilted = circuits.assemble(circuits.ghz(2), circuits.sensing_window(2, 1.0, 0.3, "x"))
    with pytest.raises(ValueError, match="only for a z field"):
        noise.apply_collective(tilted, 1.0)
    bare = circuits.ghz(2)
    bare.append(__import__("qiskit").circuit.library.RZGate(0.1, label="sensing_window"), [0])
    with pytest.raises(ValueError, match="window duration t not given"):
        noise.apply_collective(bare, 1.0)
