"""Collective readout statistics of PI states (``estimators.PIFamily``) against the dense 2^n path and closed forms.

Tolerances: 1e-10 absolute against the dense ``readout_distribution`` (both are exact; rounding of
2^n-dimensional products and of the (2j+1)-dimensional ``eigh`` stays below 1e-13 at n <= 8);
1e-9 relative against closed forms at n = 100 (float64 sums of ~100 terms).
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Operator

from bellsense import circuits, estimators, noise, spin, states
from bellsense.states import PIState

READOUT_AXES = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.6, 0.0, 0.8)]


def _probes(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(n)
    return {"ghz": states.ghz(n, basis="dicke"), "product": states.product(n, basis="dicke"),
            "dicke": states.dicke(n, n // 2, basis="dicke"),
            "random": rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)}


def _noisy(amps: np.ndarray) -> PIState:
    return noise.evolve(PIState.from_dicke(amps), [0.3], dephasing=0.2, emission=0.3, pumping=0.1)[0]


def _dense(rho: np.ndarray, n: int, readout_axis, generator_axis, theta: float, parity: bool):
    basis = Operator(circuits.collective_readout(n, list(readout_axis)).remove_final_measurements(inplace=False))
    labels = estimators.parity_labels(n) if parity else estimators.hamming_weights(n)
    ro = estimators.Readout(unitary=basis.data, labels=labels)
    return estimators.readout_distribution(rho, [spin.collective(n, generator_axis)], ro, theta)


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_distribution_and_derivative_match_the_dense_readout(n):
    for name, amps in _probes(n).items():
        st = _noisy(amps)
        assert (st.qubit is not None) == (name == "product")  # the product fast path is exercised too
        rho = st.to_dense()
        axes = READOUT_AXES if n < 8 else READOUT_AXES[::3]  # n = 8: the x and the tilted axis (time)
        for ra in axes:
            for ea in ("z", "x"):
                for theta in (0.0, 0.41) if n < 8 else (0.41,):
                    for parity in (False, True):
                        p, dp = estimators.pi_readout_distribution(st, ra, ea, theta,
                                                                   "parity" if parity else "weight")
                        q, dq = _dense(rho, n, ra, ea, theta, parity)
                        assert dp.shape == dq.shape == (1, p.size)
                        assert np.max(np.abs(p - q)) < 1e-10 and np.max(np.abs(dp - dq)) < 1e-10, (name, ra, ea)


@pytest.mark.parametrize("n", [3, 6])
def test_cfi_matches_exact_cfi_of_the_dense_state(n):
    for amps in _probes(n).values():
        st = _noisy(amps)
        rho = st.to_dense()
        basis = Operator(circuits.collective_readout(n, [1.0, 0.0, 0.0]).remove_final_measurements(inplace=False))
        ro = estimators.Readout(unitary=basis.data, labels=estimators.hamming_weights(n))
        dense = estimators.exact_cfi(rho, spin.collective(n, "y"), ro, 0.3)
        assert abs(estimators.pi_readout_cfi(st, "x", "y", 0.3) - dense) < 1e-9 * max(1.0, dense)
        assert estimators.pi_readout_cfi(st, "x", "y", 0.3) <= estimators.pi_qfi(st, "y") + 1e-9


def test_product_binomial_path_equals_the_block_path_at_n_40():
    """The binomial closed form (``PIState.qubit``) and the block sum give the same distribution."""
    prod = noise.evolve(PIState.product(40, np.array([1.0, 1.0])), [0.5], dephasing=0.1, emission=0.2)[0]
    blocks = PIState(40, prod.blocks)  # the same state, without the product shortcut
    for ra, ea, theta in (((1.0, 0.0, 0.0), "z", 0.2), ((0.0, 1.0, 0.0), "x", 1.1), ((0.6, 0.0, 0.8), "y", 0.0)):
        p, dp = estimators.pi_readout_distribution(prod, ra, ea, theta)
        q, dq = estimators.pi_readout_distribution(blocks, ra, ea, theta)
        assert np.max(np.abs(p - q)) < 1e-12 and np.max(np.abs(dp - dq)) < 1e-11


@pytest.mark.parametrize("n", [100, 156])
def test_ghz_under_dephasing_reads_out_the_closed_form_fringe(n):
    """GHZ, dephasing eta = e^{-2 gamma t}: parity along x after exp(-i theta J_z) is eta^n cos(n theta), and
    F = n^2 c^2 sin^2(n theta) / (1 - c^2 cos^2(n theta)), c = eta^n; the weight readout carries the same."""
    gamma, t, theta = 0.02, 0.1, 0.013
    st = noise.evolve(PIState.from_dicke(states.ghz(n, basis="dicke")), [t], dephasing=gamma)[0]
    c = np.exp(-2 * gamma * t * n)
    p, _ = estimators.pi_readout_distribution(st, "x", "z", theta, "parity")
    assert abs((p[0] - p[1]) - c * np.cos(n * theta)) < 1e-12
    closed = n**2 * c**2 * np.sin(n * theta) ** 2 / (1 - c**2 * np.cos(n * theta) ** 2)
    for outcomes in ("parity", "weight"):
        assert abs(estimators.pi_readout_cfi(st, "x", "z", theta, outcomes) - closed) < 1e-9 * closed
    assert abs(estimators.pi_bell_correlator_axis_log10(st, "z") - np.log10(0.25 * c**2)) < 1e-12


def test_product_state_collective_readout_at_n_1000():
    """|+>^n under dephasing, read along y after exp(-i theta J_z): F = n eta^2 cos^2 / (1 - eta^2 sin^2) of theta."""
    n, eta2, theta = 1000, np.exp(-4 * 0.1 * 0.5), 0.3
    st = noise.evolve(PIState.product(n, np.array([1.0, 1.0])), [0.5], dephasing=0.1)[0]
    closed = n * eta2 * np.cos(theta) ** 2 / (1 - eta2 * np.sin(theta) ** 2)
    assert abs(estimators.pi_readout_cfi(st, "y", "z", theta) - closed) < 1e-9 * closed


@pytest.mark.parametrize("n", [3, 5])
def test_correlator_about_any_axis_and_ghz_fidelity_match_the_dense_state(n):
    for amps in _probes(n).values():
        st = _noisy(amps)
        rho = st.to_dense()
        for axis in ("x", "y", "z", (0.6, 0.0, 0.8)):
            e = estimators.bell_correlator(rho, list(range(n)), [], axis=axis)
            assert abs(10 ** estimators.pi_bell_correlator_axis_log10(st, axis) - e) < 1e-12
        assert abs(estimators.pi_ghz_fidelity(st) - estimators.ghz_fidelity(rho)) < 1e-12


def test_family_plugs_into_the_working_point_search():
    """best_working_point on a PIFamily finds the same theta0 as on the dense DensityFamily."""
    n = 5
    st = _noisy(_probes(n)["random"])
    rho = st.to_dense()
    basis = Operator(circuits.collective_readout(n, [0.0, 1.0, 0.0]).remove_final_measurements(inplace=False))
    dense = estimators.DensityFamily.build(rho, spin.collective(n, "z"),
                                           estimators.Readout(unitary=basis.data, labels=estimators.hamming_weights(n)))
    pi = estimators.PIFamily.build(st, "z", "y")
    values = estimators.statistic_values("mean", n)
    a = estimators.best_working_point("moments", pi, values, np.pi, 0.2)
    b = estimators.best_working_point("moments", dense, values, np.pi, 0.2)
    assert abs(a - b) < 1e-6
    assert abs(estimators.cfi_limit(pi, a) - estimators.cfi_limit(dense, a)) < 1e-9


def test_bad_input():
    st = PIState.product(3, np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="outcomes"):
        estimators.PIFamily.build(st, "z", "x", "counts")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="PIState"):
        estimators.pi_readout_distribution(np.eye(8) / 8, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        estimators.pi_readout_distribution(st, (0.0, 0.0, 0.0))
