"""optimal_symmetric_probe: brute force at n = 2, 3, recomputed QFI, ordering against GHZ, |+>^n and the bound.

Tolerances: the optimiser and the brute force both stop at gradient ~1e-9, so their maxima agree to
~1e-10 relative; the issue asks for 1e-6. Recomputed QFIs (independent forward maps) agree to 1e-9.
"""

from __future__ import annotations

import itertools
from functools import reduce

import numpy as np
import pytest
from qiskit.quantum_info import Kraus
from scipy.optimize import minimize

from bellsense import noise, spin, states
from bellsense.estimators import closed_form_qfi, optimal_symmetric_probe, parallel_bound, pi_qfi, qfi
from bellsense.states import PIState


def brute_force(n: int, t: float, deph: float, emi: float, axis: str, starts: int = 4) -> float:
    """Max over all symmetric states of the dense QFI (2^n, n-fold Kraus tensor, BFGS from random starts)."""
    single = Kraus(noise.local_channel(deph, emi, t)).data
    kraus = [reduce(np.kron, ks) for ks in itertools.product(single, repeat=n)]
    gen = spin.collective(n, axis).toarray()

    def neg_qfi(z: np.ndarray) -> float:
        psi = states.symmetric(z[: n + 1] + 1j * z[n + 1 :])
        rho = sum(k @ np.outer(psi, psi.conj()) @ k.conj().T for k in kraus)
        return -qfi(rho, gen)

    rng = np.random.default_rng(11)
    return max(-minimize(neg_qfi, rng.normal(size=2 * (n + 1)), method="BFGS", options={"gtol": 1e-9}).fun
               for _ in range(starts))


@pytest.mark.parametrize("n,axis", [(2, "z"), (3, "z"), (3, "x")])
def test_matches_brute_force(n: int, axis: str) -> None:
    _, f = optimal_symmetric_probe(n, 0.3, axis, dephasing=0.5, emission=0.7)
    assert f == pytest.approx(brute_force(n, 0.3, 0.5, 0.7, axis), rel=1e-6)


@pytest.mark.parametrize("deph,emi", [(1.0, 0.0), (0.0, 1.0), (0.5, 0.7)])
def test_between_closed_form_probes_and_bound(deph: float, emi: float) -> None:
    n, t = 8, 0.1
    amps, f = optimal_symmetric_probe(n, t, "z", deph, emi, starts=1)
    assert amps.shape == (n + 1,) and np.linalg.norm(amps) == pytest.approx(1.0, rel=1e-12)
    for probe in ("ghz", "product"):
        assert f >= closed_form_qfi(probe, n, t, deph, emi) * (1 - 1e-12)
    assert f <= parallel_bound(n, t, deph, emi)
    # independent forward map: the permutation-invariant engine's evolve and QFI
    out = noise.evolve(PIState.from_dicke(amps), [t], dephasing=deph, emission=emi)[0]
    assert pi_qfi(out, "z") == pytest.approx(f, rel=1e-9)


def test_noiseless_is_heisenberg_limited() -> None:
    """Without noise the best symmetric probe reaches n^2 (GHZ), for any axis."""
    for axis in ("z", "x"):
        _, f = optimal_symmetric_probe(5, 0.0, axis, starts=1)
        assert f == pytest.approx(25.0, rel=1e-9)


@pytest.mark.parametrize("args", [(0, 0.1), (2.5, 0.1), (3, -1.0)])
def test_bad_input(args: tuple) -> None:
    with pytest.raises(ValueError, match="must be"):
        optimal_symmetric_probe(*args)
    with pytest.raises(ValueError):
        optimal_symmetric_probe(3, 0.1, dephasing=-1.0)
