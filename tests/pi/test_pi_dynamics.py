"""noise.evolve / noise.steady_state on PI states: against a dense 4^n Lindblad generator, seed 003 closed forms."""

import os
import sys

import numpy as np
import pytest

from bellsense.estimators import qfi
from bellsense.noise import evolve, steady_state
from bellsense.spin import collective
from bellsense.states import PIState, ghz

sys.path.insert(0, os.path.dirname(__file__))
from _pi_dense import evolve_dense, random_pi_state  # noqa: E402

ALL = dict(
    dephasing=0.3,
    emission=0.2,
    pumping=0.15,
    hamiltonian=lambda jx, jy, jz: 0.7 * (jz @ jz) - 0.5 * jx,
    collective_jumps=[(0.25, lambda jx, jy, jz: jx - 1j * jy)],
    measurement=(0.4, lambda jx, jy, jz: jz),
)
TIMES = [0.3, 1.1, 2.5]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_every_process_at_once_matches_dense(n):
    rng = np.random.default_rng(7 + n)
    a = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
    s = PIState.from_dicke(a)
    out = evolve(s, TIMES, **ALL)
    ref = evolve_dense(s.to_dense(), TIMES, **ALL)
    gens = {ax: collective(n, ax) for ax in "xyz"}
    for state, rho in zip(out, ref):
        # both sides are exact to rounding (~1e-15); 1e-9 is the entrywise tolerance
        np.testing.assert_allclose(state.to_dense(), rho, atol=1e-9)
        for ax, g in gens.items():
            assert qfi(state, ax) == pytest.approx(qfi(rho, g), rel=1e-8, abs=1e-12)


@pytest.mark.parametrize(
    "process",
    [
        dict(dephasing=0.4),
        dict(emission=0.4),
        dict(pumping=0.4),
        dict(hamiltonian=lambda jx, jy, jz: jz @ jz - 0.3 * jx + 0.2 * jy),
        dict(collective_jumps=[(0.3, lambda jx, jy, jz: jx - 1j * jy), (0.2, lambda jx, jy, jz: jz)]),
        dict(measurement=(0.5, lambda jx, jy, jz: jx)),  # a non-diagonal observable: pinching in its eigenbasis
    ],
    ids=["dephasing", "emission", "pumping", "hamiltonian", "jumps", "measurement_x"],
)
def test_each_process_alone_on_a_mixed_state_matches_dense(process):
    # a random full-rank state populates every j block: pins each (j, m, m') coefficient separately
    n = 4
    s = random_pi_state(n, np.random.default_rng(3))
    out = evolve(s, [0.8], **process)[0]
    ref = evolve_dense(s.to_dense(), [0.8], **process)[0]
    np.testing.assert_allclose(out.to_dense(), ref, atol=1e-9)


def test_trace_and_positivity_throughout():
    s = PIState.from_dicke(np.random.default_rng(11).normal(size=7))
    for state in evolve(s, np.linspace(0.0, 3.0, 7), **ALL):
        assert state.trace() == pytest.approx(1.0, abs=1e-12)
        for blk in state.blocks:
            assert np.min(np.linalg.eigvalsh(np.asarray(blk))) > -1e-12


def _g_ghz_emission(n, x):
    return 2 * n**2 * x**n / (1 + (1 - x) ** n + x**n)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_seed003_closed_forms(n):
    # Takahashi, Ho & Matsueda (2025) G(t) table (docs/PHYSICS.md); G is the QFI about J_z at time t.
    gamma = 0.5
    t_ghz = np.array([0.1, 1.0]) / (n * gamma)
    g = PIState.from_dicke(ghz(n, "dicke"))
    for t, st in zip(t_ghz, evolve(g, t_ghz, dephasing=gamma)):
        assert qfi(st, "z") == pytest.approx(n**2 * np.exp(-4 * n * gamma * t), rel=1e-9)
    for t, st in zip(t_ghz, evolve(g, t_ghz, emission=gamma)):
        assert qfi(st, "z") == pytest.approx(_g_ghz_emission(n, np.exp(-gamma * t)), rel=1e-9)
    t_prod = np.array([0.3, 2.0]) / gamma
    delta = 0.3
    qubit = np.array([np.sqrt((1 + delta) / 2), np.sqrt((1 - delta) / 2)])
    for q, form_d, form_e in [
        (np.array([1.0, 1.0]), lambda t: n * np.exp(-4 * gamma * t), lambda t: n * np.exp(-gamma * t)),
        (qubit, lambda t: n * (1 - delta**2) * np.exp(-4 * gamma * t), None),
    ]:
        s = PIState.product(n, q)
        for t, st in zip(t_prod, evolve(s, t_prod, dephasing=gamma)):
            assert qfi(st, "z") == pytest.approx(form_d(t), rel=1e-9)
        if form_e is not None:
            for t, st in zip(t_prod, evolve(s, t_prod, emission=gamma)):
                assert qfi(st, "z") == pytest.approx(form_e(t), rel=1e-9)


@pytest.mark.parametrize("n", [1, 10, 30])
def test_product_states_through_the_block_engine(n):
    # the same closed forms without the product fast path (blocks only): |+>^N and the delta state
    gamma, t, delta = 0.5, 0.4, 0.3
    qubit = np.array([np.sqrt((1 + delta) / 2), np.sqrt((1 - delta) / 2)])
    s = PIState(n, PIState.product(n, qubit).blocks)
    (deph,) = evolve(s, [t], dephasing=gamma)
    assert qfi(deph, "z") == pytest.approx(n * (1 - delta**2) * np.exp(-4 * gamma * t), rel=1e-9)
    plus = PIState(n, PIState.product(n, np.array([1.0, 1.0])).blocks)
    (emi,) = evolve(plus, [t], emission=gamma)
    assert qfi(emi, "z") == pytest.approx(n * np.exp(-gamma * t), rel=1e-9)


def test_steady_state_is_the_long_time_limit_and_the_thermal_product():
    n = 4
    kw = dict(dephasing=0.3, emission=0.5, pumping=0.2, hamiltonian=lambda jx, jy, jz: 0.4 * jx + jz @ jz)
    ss = steady_state(n, **kw)
    (late,) = evolve(PIState.from_dicke(np.ones(n + 1)), [80.0], **kw)  # slowest rate >= 0.7: e^-56 ~ 1e-24
    np.testing.assert_allclose(ss.to_dense(), late.to_dense(), atol=1e-10)
    # local emission + pumping alone: the product of single-qubit steady states, p(|0>) = ge / (ge + gp)
    thermal = steady_state(n, dephasing=0.3, emission=0.5, pumping=0.2)
    ref = PIState.product(n, np.diag([0.5 / 0.7, 0.2 / 0.7]))
    np.testing.assert_allclose(thermal.to_dense(), ref.to_dense(), atol=1e-12)


@pytest.mark.parametrize("n", [20, 60])
def test_collective_decay_with_drive_has_a_steady_state(n):
    # superradiant decay J_- with a drive: one sector per j without local noise (qutip#2649 fails here)
    kw = dict(hamiltonian=lambda jx, jy, jz: 0.3 * n * jx, collective_jumps=[(1.0, lambda jx, jy, jz: jx - 1j * jy)])
    ss = steady_state(n, **kw)
    top = np.asarray(ss.blocks[0])
    assert ss.trace() == pytest.approx(1.0, abs=1e-10)
    assert np.min(np.linalg.eigvalsh(top)) > -1e-10
    if n == 20:
        (late,) = evolve(PIState.from_dicke(np.eye(n + 1)[0]), [60.0], **kw)
        np.testing.assert_allclose(top, np.asarray(late.blocks[0]), atol=1e-8)


def test_bad_inputs():
    s = PIState.from_dicke(np.ones(4))
    with pytest.raises(ValueError, match="dephasing must be a finite rate >= 0"):
        evolve(s, [1.0], dephasing=-0.1)
    with pytest.raises(ValueError, match="times must be finite"):
        evolve(s, [0.0, np.inf])
    with pytest.raises(ValueError, match="times must be finite and >= 0"):
        evolve(s, [-1.0])
    with pytest.raises(ValueError, match="hamiltonian must return a Hermitian matrix"):
        evolve(s, [1.0], hamiltonian=lambda jx, jy, jz: jx + 1j * jz)
    with pytest.raises(ValueError, match="hamiltonian returned shape"):
        evolve(s, [1.0], hamiltonian=lambda jx, jy, jz: np.eye(2))
    with pytest.raises(ValueError, match="measurement must return a Hermitian"):
        evolve(s, [1.0], measurement=(1.0, lambda jx, jy, jz: jx + 1j * jx))
    with pytest.raises(ValueError, match="collective_jumps rate"):
        evolve(s, [1.0], collective_jumps=[(-1.0, lambda jx, jy, jz: jz)])
    with pytest.raises(ValueError, match="no unique steady state"):
        steady_state(3, hamiltonian=lambda jx, jy, jz: jx)
