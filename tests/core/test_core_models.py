"""Model ground states (bellsense.models): flip-even sector, energies, and the seed 001 check value.

Energies are compared with a dense eigensolver of the full Hamiltonian (1e-9 absolute: the
solvers are accurate to ~1e-13 on matrices of norm ~ n). The acceptance value QFI/N ~ 937 at
N = 1000, U = -4 is from PHYSICS.md (quoted to 3 digits, so compared to +-0.5). The Gibbs state is
checked against ``scipy.linalg.expm`` (1e-12: both exact to a few ulp of norm-1 matrices) and
against the ground-state projector at large beta.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from bellsense import models, spin
from bellsense.estimators import bell_correlator, qfi


def test_two_mode_acceptance_value():
    n = 1000
    psi = models.two_mode_ground_state(n, -4.0)
    assert abs(qfi(psi, spin.dicke_collective(n, "z")) / n - 937) < 0.5
    # the numerical trap: the unrestricted lowest pair is degenerate to machine precision
    ev = np.linalg.eigvalsh(models.two_mode_hamiltonian(n, -4.0).toarray())
    assert ev[1] - ev[0] < 1e-9 * abs(ev[0])
    assert abs(np.vdot(psi, models.two_mode_hamiltonian(n, -4.0) @ psi).real - ev[0]) < 1e-8 * abs(ev[0])


@pytest.mark.parametrize("n", [6, 9, 40])
@pytest.mark.parametrize("coupling", [-0.5, -4.0, 2.0])
def test_two_mode_is_flip_even_ground_state(n, coupling):
    psi = models.two_mode_ground_state(n, coupling)
    ham = models.two_mode_hamiltonian(n, coupling)
    assert np.allclose(psi[::-1], psi, atol=1e-12)  # X^N: |D_k> -> |D_{N-k}>
    assert abs(np.vdot(psi, ham @ psi).real - np.linalg.eigvalsh(ham.toarray())[0]) < 1e-9
    # the same model in the qubit basis: -J_x + (U/N) J_z^2 restricted to the symmetric subspace
    if n <= 9:
        jx, jz = spin.collective(n, "x"), spin.collective(n, "z")
        full = -jx + coupling / n * (jz @ jz)
        big = spin.from_symmetric(psi)
        assert abs(np.vdot(big, full @ big).real - np.linalg.eigvalsh(full.toarray())[0]) < 1e-9


def test_two_mode_qfi_rises_through_transition():
    n = 200
    per_n = [qfi(models.two_mode_ground_state(n, u), spin.dicke_collective(n, "z")) / n for u in (0.0, -1.0, -3.0)]
    assert per_n[0] == pytest.approx(1.0, abs=1e-9)  # U = 0: |+>^N, shot noise
    assert per_n[0] < per_n[1] < per_n[2] and per_n[2] > 0.5 * n


@pytest.mark.parametrize("n", [2, 5, 8])
@pytest.mark.parametrize("coupling, field", [(-1.5, 1.0), (-0.3, 1.0), (-2.0, -0.7)])
def test_ising_ground_state(n, coupling, field):
    psi = models.ising_ground_state(n, coupling, field)
    ham = models.ising_hamiltonian(n, coupling, field).toarray()
    ev = np.linalg.eigvalsh(ham)
    assert abs(np.vdot(psi, ham @ psi).real - ev[0]) < 1e-9
    assert abs(np.linalg.norm(psi) - 1) < 1e-12
    flipped = psi[np.arange(2**n) ^ (2**n - 1)]
    sign = 1 if field > 0 else (-1) ** n  # Z^N maps the flip-even state to flip parity (-1)^N
    assert np.allclose(flipped, sign * psi, atol=1e-10)


def test_ising_hamiltonian_terms():
    n = 3
    ham = models.ising_hamiltonian(n, -1.0, 0.5).toarray()
    # |000>: two ZZ bonds +1 each -> U * 2
    assert ham[0, 0] == pytest.approx(-2.0)
    # |010> (qubit 1 flipped): both bonds -1 -> +2
    assert ham[2, 2] == pytest.approx(2.0)
    assert ham[0, 1] == pytest.approx(-0.5) and ham[0, 3] == 0


def test_ising_ordered_phase_qfi_large():
    n = 12
    psi = models.ising_ground_state(n, -3.0)
    assert qfi(psi, spin.jz(n)) / n > 0.8 * n  # cat-like: near Heisenberg


@pytest.mark.parametrize("coupling, field", [(1.0, 0.02), (-1.0, 0.5), (1.0, -0.3)])
def test_lmg_ground_state(coupling, field):
    n = 20
    psi = models.lmg_ground_state(n, coupling, field)
    ham = models.lmg_hamiltonian(n, coupling, field).toarray()
    assert abs(np.vdot(psi, ham @ psi).real - np.linalg.eigvalsh(ham)[0]) < 1e-9


def test_bad_inputs():
    with pytest.raises(ValueError, match="dicke"):
        models.ising_ground_state(models.MAX_ISING_QUBITS + 1, -1.0)
    with pytest.raises(ValueError, match="finite"):
        models.two_mode_ground_state(10, float("inf"))
    with pytest.raises(TypeError, match="real number"):
        models.lmg_ground_state(10, "strong", 0.1)
    with pytest.raises(ValueError, match="n must be >= 1"):
        models.two_mode_ground_state(0, -1.0)


@pytest.mark.parametrize("n", [1, 2, 7, 30, 301])
@pytest.mark.parametrize("coupling, field", [(-3.0, 1.0), (1.0, 0.5), (-1.0, -0.7), (2.0, 0.0), (-2.0, 0.0)])
def test_log_amplitudes_match_dense_solution(n, coupling, field):
    """LogAmplitudes.vector() is the ground state: dense eigh energy (1e-9), unit norm, real, and the
    same vector as lmg_ground_state; in the float range the log-space E equals bell_correlator's."""
    amps = models.lmg_ground_log_amplitudes(n, coupling, field)
    vec = amps.vector()
    ham = models.lmg_hamiltonian(n, coupling, field).toarray()
    assert abs(np.linalg.norm(vec) - 1) < 1e-13
    assert abs(vec @ ham @ vec - np.linalg.eigvalsh(ham)[0]).real < 1e-9 * max(1.0, n)
    assert np.allclose(vec, models.lmg_ground_state(n, coupling, field), atol=1e-14)
    if n >= 3 and field != 0:
        e = bell_correlator(vec, n, 0, basis="dicke")
        assert abs(2 * (amps.log10_abs[0] + amps.log10_abs[-1]) - np.log10(e)) < 1e-10


@pytest.mark.parametrize("n", [4, 9])
@pytest.mark.parametrize("beta", [0.0, 0.3, 2.0, 7.5])
def test_lmg_gibbs_against_expm(n, beta):
    ham = models.lmg_hamiltonian(n, -1.3, 0.8).toarray()
    ref = sla.expm(-beta * ham)
    ref /= np.trace(ref)
    rho = models.lmg_gibbs_state(n, -1.3, 0.8, beta)
    assert np.max(np.abs(rho - ref)) < 1e-12
    assert abs(np.trace(rho) - 1) < 1e-13 and np.allclose(rho, rho.conj().T, atol=0)
    assert np.min(np.linalg.eigvalsh(rho)) > -1e-14


def test_lmg_gibbs_low_temperature_and_large_n():
    # paramagnetic (non-degenerate ground state): beta * gap ~ 1e3 gives the ground projector
    n = 40
    psi = models.lmg_ground_state(n, 1.0, 1.0)
    rho = models.lmg_gibbs_state(n, 1.0, 1.0, 1e3)
    assert np.max(np.abs(rho - np.outer(psi, psi.conj()))) < 1e-12
    # N = 1000, ordered phase, beta = 1e4: no overflow; the cat pair (split below eps) is mixed equally
    n = 1000
    rho = models.lmg_gibbs_state(n, -3.0, 1.0, 1e4)
    assert np.all(np.isfinite(rho)) and abs(np.trace(rho).real - 1) < 1e-12
    psi = models.lmg_ground_state(n, -3.0, 1.0)
    assert abs(np.vdot(psi, rho @ psi).real - 0.5) < 1e-6
    with pytest.raises(ValueError, match="beta"):
        models.lmg_gibbs_state(4, 1.0, 1.0, -1.0)
