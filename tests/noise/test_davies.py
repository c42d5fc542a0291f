"""``noise.davies``: the Davies thermal master equation and the energy-basis ladders, on the PI engine.

Independent values: ``models.lmg_gibbs_state`` (dense ``eigh`` of the Dicke-basis LMG matrix) for the
steady state (1e-8: the steady-state LU solve of a <= 81-dimensional generator is exact to ~1e-14), the
detailed-balance ratio ``e^{-beta omega}`` and ``n(omega) = 1/(e^{beta omega} - 1)`` written out here (1e-12),
and the LMG ground state for the ``zeta = 0`` jump (whose steady state is the ground state).
"""

from __future__ import annotations

import numpy as np
import pytest

from bellsense import models, noise
from bellsense.noise.davies import bohr_frequencies, davies_jumps, ohmic_rate, zeta_jump


def _lmg(coupling, field, n):
    return lambda jx, jy, jz: (coupling / n) * (jz @ jz) - field * jx


def _sy(jx, jy, jz):
    return jy


def _dicke_block(state):
    blk = state.blocks[0]
    return blk.toarray() if hasattr(blk, "toarray") else np.asarray(blk)


@pytest.mark.parametrize(("n", "coupling", "field", "beta"), [(3, 1.0, 0.4, 0.7), (4, 1.0, 0.3, 2.0),
                                                              (6, -1.0, 0.5, 1.0), (8, 1.0, 0.3, 4.0)])
def test_steady_state_is_the_gibbs_state(n, coupling, field, beta):
    ham = _lmg(coupling, field, n)
    energies = np.linalg.eigvalsh(models.lmg_hamiltonian(n, coupling, field).toarray())
    assert np.min(np.diff(energies)) > 1e-6  # a non-degenerate spectrum
    jumps = davies_jumps(n, ham, _sy, beta, alpha=0.3, cutoff=5.0)
    steady = noise.steady_state(n, hamiltonian=ham, collective_jumps=jumps)
    np.testing.assert_allclose(_dicke_block(steady), models.lmg_gibbs_state(n, coupling, field, beta), atol=1e-8)
    assert len(jumps) > n  # one jump per Bohr frequency


def test_detailed_balance_and_ohmic_rates():
    beta, alpha, cutoff = 1.7, 0.2, 4.0
    w = np.array([0.05, 0.4, 1.3, 6.0])
    up, down = ohmic_rate(w, beta, alpha, cutoff), ohmic_rate(-w, beta, alpha, cutoff)
    np.testing.assert_allclose(down / up, np.exp(-beta * w), rtol=1e-12)
    n_occ = 1 / (np.exp(beta * w) - 1)
    np.testing.assert_allclose(up, 2 * np.pi * alpha * w * np.exp(-w / cutoff) * (n_occ + 1), rtol=1e-12)
    assert float(ohmic_rate(0.0, beta, alpha, cutoff)) == pytest.approx(2 * np.pi * alpha / beta)
    assert float(ohmic_rate(-0.5, np.inf, alpha, cutoff)) == 0.0  # zero temperature: no absorption
    with pytest.raises(ValueError, match="beta must be > 0"):
        ohmic_rate(1.0, 0.0)


def test_bohr_frequencies_are_the_energy_differences():
    n, ham = 5, _lmg(1.0, 0.3, 5)
    energies = np.linalg.eigvalsh(models.lmg_hamiltonian(n, 1.0, 0.3).toarray())
    diffs = np.unique(np.round((energies[None, :] - energies[:, None]).ravel(), 9))
    np.testing.assert_allclose(bohr_frequencies(ham, n / 2), diffs, atol=1e-8)


def test_zeta_zero_cools_to_the_ground_state_and_other_zeta_does_not():
    n, coupling, field = 8, 1.0, 0.05
    ham = _lmg(coupling, field, n)
    ground = models.lmg_ground_state(n, coupling, field)
    cold = _dicke_block(noise.steady_state(n, hamiltonian=ham, collective_jumps=[(1.0, zeta_jump(ham, 0.0))]))
    assert np.real(ground.conj() @ cold @ ground) == pytest.approx(1.0, abs=1e-10)
    warm = _dicke_block(noise.steady_state(n, hamiltonian=ham, collective_jumps=[(1.0, zeta_jump(ham, 0.35))]))
    assert np.trace(warm).real == pytest.approx(1.0, abs=1e-12)
    assert np.real(ground.conj() @ warm @ ground) < 0.99
    gibbs = models.lmg_gibbs_state(n, coupling, field, 1.0)
    assert np.max(np.abs(warm - gibbs)) > 1e-3  # a non-thermal steady state
