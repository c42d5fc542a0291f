"""Seed 003 (Takahashi, Ho, Matsueda) reproduced end to end: circuits -> noise -> Aer -> exact QFI.

G(t) = Q(t)/t^2, with Q the QFI of rho(t) with respect to phi (generator t J_z), i.e. the QFI
with respect to the accumulated phase theta = phi t (PHYSICS.md, "Metrology under local noise").

Tolerances
----------
* Table: 1e-8 relative at every point, as the issue asks, including GHZ dephasing down to
  G = 64 e^{-64} ~ 1e-26 (coherence c = e^{-2N gamma t}/2 ~ 6e-15 at N = 8, gamma t = 2). The
  exact QFI forms [rho, h] in the computational basis before diagonalising (estimators.exact.qfi),
  so it is accurate to ~1e-15 relative in c, not ~1e-16/c; the Aer matrix itself carries the
  coherence to 1e-12 relative (checked below), which bounds G to ~2e-12 relative.
* IMG: quad with epsrel 1e-8; checked at 1e-4 relative as the issue asks. G(t) at quad's
  nodes comes from the dense closed-form channel path (noise.apply_local on the exact state),
  which test_aer_matches_dense_channel_path checks against Aer at every table point to 1e-12;
  for N = 2 the Aer path itself is integrated too.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from scipy import integrate, optimize

from bellsense import circuits, noise, spin, states
from bellsense.backends import aer
from bellsense.estimators import qfi

GAMMA = 0.5
PHI = 0.7  # field; any value: the channels commute with RZ, so G(t) does not depend on it
GT = (0.01, 0.1, 0.3, 0.6, 1.0, 2.0)  # gamma t values
NS = tuple(range(1, 9))
KINDS = ("dephasing", "emission_down", "emission_up")
STATES = ("ghz", "product")


# ----------------------------------------------------------------------------- circuits


def _prep(state: str, n: int) -> QuantumCircuit:
    return circuits.ghz(n) if state == "ghz" else circuits.product(n)


def _experiment(prep: QuantumCircuit, t: float) -> QuantumCircuit:
    return circuits.assemble(prep, circuits.sensing_window(prep.num_qubits, t, PHI, "z"))


def _spec(kind: str, gamma) -> noise.NoiseSpec:
    if kind == "dephasing":
        return noise.NoiseSpec(dephasing=gamma)
    return noise.NoiseSpec(emission=gamma, emission_direction=kind.split("_")[1])


def _exact_state(state: str, n: int) -> np.ndarray:
    return states.ghz(n) if state == "ghz" else states.product(n)


def _closed_form(state: str, kind: str, n: int, gt: float) -> float:
    """PHYSICS.md seed-003 table."""
    if kind == "dephasing":
        return n**2 * np.exp(-4 * n * gt) if state == "ghz" else n * np.exp(-4 * gt)
    x = np.exp(-gt)
    if state == "ghz":
        return 2 * n**2 * x**n / (1 + (1 - x) ** n + x**n)
    return n * np.exp(-gt)


def _g(rho, n: int, t: float) -> float:
    return qfi(rho, t * spin.jz(n)) / t**2


# ----------------------------------------------------------------------------- table


@pytest.fixture(scope="module")
def table():
    """{(kind, gt): [(state, n, rho)]}: one Aer call per (noise, gamma t) for all states and n."""
    out = {}
    for kind in KINDS:
        for gt in GT:
            t = gt / GAMMA
            model = noise.window_noise_model(_spec(kind, GAMMA), max(NS), t)
            keys = [(s, n) for s in STATES for n in NS]
            rhos = aer.density_matrices([_experiment(_prep(s, n), t) for s, n in keys], model)
            out[(kind, gt)] = [(s, n, r) for (s, n), r in zip(keys, rhos)]
    return out


def test_g_table_matches_seed003(table):
    checked = 0
    for (kind, gt), rows in table.items():
        t = gt / GAMMA
        for state, n, rho in rows:
            g, ref = _g(rho, n, t), _closed_form(state, kind, n, gt)
            assert ref > 0
            assert g == pytest.approx(ref, rel=1e-8, abs=0), (state, kind, n, gt, g, ref)
            checked += 1
    assert checked == len(KINDS) * len(GT) * len(STATES) * len(NS)  # every table point, no fallback


def test_aer_matches_dense_channel_path(table):
    """Aer's rho equals the closed-form channel applied to the exact state (justifies the IMG path)."""
    for (kind, gt), rows in table.items():
        t = gt / GAMMA
        for state, n, rho in rows:
            dense = _dense_rho(state, kind, n, t, phi=PHI)
            np.testing.assert_allclose(rho.data, dense, atol=1e-12, rtol=0)
            if (state, kind) == ("ghz", "dephasing") and n > 1:  # the coherence is exact even when tiny
                assert abs(rho.data[0, -1]) == pytest.approx(0.5 * np.exp(-2 * n * gt), rel=1e-12)


def test_emission_directions_differ_in_state_but_not_in_g(table):
    gt = 1.0
    t, p = gt / GAMMA, 1 - np.exp(-gt)
    for (s, n, down), (_, _, up) in zip(table[("emission_down", gt)], table[("emission_up", gt)]):
        assert _g(down, n, t) == pytest.approx(_g(up, n, t), rel=1e-10)
        if s == "ghz" and n >= 2:
            # "down" feeds |0..0> from |1..1> (all n qubits decay: p^n); "up" the reverse
            assert down.data[0, 0].real == pytest.approx(0.5 + 0.5 * p**n, rel=1e-12)
            assert down.data[-1, -1].real == pytest.approx(0.5 * (1 - p) ** n, rel=1e-12)
            assert up.data[-1, -1].real == pytest.approx(0.5 + 0.5 * p**n, rel=1e-12)
            assert up.data[0, 0].real == pytest.approx(0.5 * (1 - p) ** n, rel=1e-12)


# ----------------------------------------------------------------------------- dense path


def _dense_rho(state: str, kind: str, n: int, t: float, phi: float = 0.0, gamma=GAMMA) -> np.ndarray:
    psi = np.exp(-1j * phi * t * spin.jz(n).diagonal()) * _exact_state(state, n)
    return noise.apply_local(psi, noise.window_channels(_spec(kind, gamma), n, t))


def _g_dense(state: str, kind: str, n: int, t: float) -> float:
    """G(t) = QFI w.r.t. theta = phi t, i.e. generator J_z (no 1/t^2 singularity at t = 0).

    Same channel functions as the window model; the uniform 1-qubit Kraus set is built once
    per t (quad calls this ~100-200 times per integral).
    """
    chan = noise.dephasing(GAMMA, t) if kind == "dephasing" else noise.emission(GAMMA, t, kind.split("_")[1])
    rho = noise.apply_local(_exact_state(state, n), [noise.kraus_operators(chan)] * n)
    return qfi(rho, spin.jz(n))


def _img(g_of_t) -> float:
    # epsrel 1e-8: four orders below the 1e-4 acceptance check
    val, err = integrate.quad(g_of_t, 0, np.inf, epsabs=0, epsrel=1e-8, limit=200)
    return val


def _emission_integral(n: int) -> float:
    """(2 N^2/gamma) int_0^1 x^{N-1}/(1 + (1-x)^N + x^N) dx (PHYSICS.md)."""
    val, _ = integrate.quad(lambda x: x ** (n - 1) / (1 + (1 - x) ** n + x**n), 0, 1, epsrel=1e-12)
    return 2 * n**2 / GAMMA * val


@pytest.mark.parametrize("n", [1, 3, 5])
def test_img_closed_forms(n):
    expected = {
        ("ghz", "dephasing"): n / (4 * GAMMA),
        ("product", "dephasing"): n / (4 * GAMMA),
        ("product", "emission_down"): n / GAMMA,
        ("ghz", "emission_down"): _emission_integral(n),
        ("ghz", "emission_up"): _emission_integral(n),
    }
    imgs = {}
    for (state, kind), ref in expected.items():
        imgs[(state, kind)] = _img(lambda t, state=state, kind=kind: _g_dense(state, kind, n, t))
        assert imgs[(state, kind)] == pytest.approx(ref, rel=1e-4), (state, kind, n)
    for direction in ("down", "up"):  # the bound, on the integrated G(t) itself
        assert imgs[("ghz", f"emission_{direction}")] <= 2 * n * np.log(2) / GAMMA * (1 + 1e-4)


def test_img_through_aer_small_n():
    n = 2
    circ = _experiment(_prep("ghz", n), 1.0)  # RZ angle is irrelevant; the window time is in the model

    def g_aer(t: float) -> float:
        rho = aer.density_matrix(circ, noise.window_noise_model(_spec("emission_down", GAMMA), n, t))
        return qfi(rho, spin.jz(n))

    assert _img(g_aer) == pytest.approx(_emission_integral(n), rel=1e-4)


def test_emission_img_bound():
    # integrand x^{N-1}/(1+(1-x)^N+x^N) <= x^{N-1}/(1+x^N): IMG <= 2 N ln2/gamma, with room for N >= 2
    for n in range(1, 11):
        img = _emission_integral(n)
        assert img <= 2 * n * np.log(2) / GAMMA * (1 + 1e-12)
        if n >= 2:
            assert img < 2 * n * np.log(2) / GAMMA
    # the GHZ emission IMG exceeds the product's N/gamma (seed 003: entanglement helps here)
    assert all(_emission_integral(n) > n / GAMMA for n in range(2, 11))


@pytest.mark.parametrize("n", [2, 4, 6])
def test_dephasing_crossover_time(n):
    """GHZ beats |+>^N under dephasing only while t < ln N/(4 (N-1) gamma)."""
    t_star = np.log(n) / (4 * (n - 1) * GAMMA)
    diff = lambda t: _g_dense("ghz", "dephasing", n, t) - _g_dense("product", "dephasing", n, t)  # noqa: E731
    root = optimize.brentq(diff, 0.2 * t_star, 5 * t_star, xtol=1e-14, rtol=1e-14)
    assert root == pytest.approx(t_star, rel=1e-8)
    # the same ordering through Aer, just before and after
    for factor, ghz_wins in ((0.9, True), (1.1, False)):
        t = factor * t_star
        model = noise.window_noise_model(_spec("dephasing", GAMMA), n, t)
        rho_g, rho_p = aer.density_matrices([_experiment(_prep(s, n), t) for s in STATES], model)
        assert bool(_g(rho_g, n, t) > _g(rho_p, n, t)) is ghz_wins


# ----------------------------------------------------------------------------- other rows


def test_per_qubit_rates():
    gammas = [0.1, 0.3, 0.7, 1.2]
    n = len(gammas)
    spec = noise.NoiseSpec(dephasing=gammas)
    for t in (0.2, 1.0, 2.5):
        model = noise.window_noise_model(spec, n, t)
        rho_p, rho_g = aer.density_matrices([_experiment(_prep(s, n), t) for s in ("product", "ghz")], model)
        q = qfi(rho_p, t * spin.jz(n))
        assert q == pytest.approx(t**2 * np.sum(np.exp(-4 * np.array(gammas) * t)), rel=1e-8)
        # GHZ: the coherence decays with the summed rate, G = N^2 e^{-4 t sum_a gamma_a}
        assert qfi(rho_g, spin.jz(n)) == pytest.approx(n**2 * np.exp(-4 * t * sum(gammas)), rel=1e-8)


@pytest.mark.parametrize("delta", [-0.6, 0.0, 0.3, 0.9])
def test_imbalanced_single_qubit(delta):
    theta = np.arccos(delta)  # cos^2(theta/2) = (1 + delta)/2 = |a|^2
    prep = circuits.product(1, theta=theta)
    experiments, refs = [], []
    for gt in (0.01, 0.1, 0.5, 1.0, 2.0):
        t = gt / GAMMA
        experiments.append(_experiment(prep, t))
        refs.append((1 - delta**2) * np.exp(-4 * gt))
    for gt, circ, ref in zip((0.01, 0.1, 0.5, 1.0, 2.0), experiments, refs):
        t = gt / GAMMA
        rho = aer.density_matrix(circ, noise.window_noise_model(_spec("dephasing", GAMMA), 1, t))
        assert _g(rho, 1, t) == pytest.approx(ref, rel=1e-8, abs=1e-14)
