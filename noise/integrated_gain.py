"""The metrological gain ``G(t)`` of a noisy sensing window and its time integral, on the PI engine.

Takahashi, Ho and Matsueda, "Trade-off relation between integrated metrological gain and local
dissipation in magnetic-field sensing by quantum spin ensemble", arXiv:2512.21661 (2025): a probe
accumulates the phase ``phi t`` through ``exp(-i phi t J_axis)`` while local noise acts for a time t. The QFI
about phi is ``Q(t) = t^2 F_Q(rho(t), J_axis)``; the paper's gain is ``G(t) = Q(t)/t^2 = F_Q(rho(t), J_axis)``
(the QFI about the accumulated phase ``phi t``) and its integrated metrological gain is
``IMG = int_0^inf G(t) dt`` (units: time). For noise that commutes with the encoding (dephasing, emission,
pumping about z with ``axis = "z"``) encoding before, during or after the noise gives the same ``rho(t)``;
for another axis ``G`` is the QFI of the noisy state about ``J_axis``, as written.

``rho(t)`` comes from ``noise.evolve`` (exact permutation-invariant Lindblad evolution), ``F_Q`` from
``estimators.qfi`` on the ``PIState``. The integral uses Gauss-Legendre rules on dyadic intervals
``[0, a], [a, 2a], [2a, 4a], ...`` in the decay time scale (``a = 1/(16 N Gamma)``, ``Gamma`` the sum
of the rates), each accepted when the rule on the interval and on its two halves agree to
``0.02 rtol`` of the running total, otherwise split (all nodes of a round in one ``evolve`` call). The
intervals stop once ``G`` has decayed by 1e-14 relative to its maximum; a ``G`` that does not decay (a
steady state with QFI about ``J_axis``) makes the integral diverge and raises ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bellsense.axes import AxisLike
from bellsense.pistate import PIState

from .pi_evolve import evolve

#: Gauss-Legendre order per interval (exact for polynomials of degree 19; G is smooth on each dyadic interval,
#: where it changes by at most a few e-folds where it matters).
GL_ORDER = 10
#: G is taken as decayed once below this fraction of its largest value (the tail is then < 1e-14 of the IMG).
DECAY_TOL = 1e-14
#: Dyadic doublings allowed past the decay scale before the integral is declared divergent.
MAX_DOUBLINGS = 60
_MAX_ROUNDS = 30


def _as_pistate(state: Any) -> PIState:
    if isinstance(state, PIState):
        return state
    arr = np.asarray(state)
    if arr.ndim in (1, 2) and arr.shape[0] >= 3:
        return PIState.from_dicke(arr)
    raise TypeError(f"state must be a PIState or a Dicke-basis vector/matrix (n >= 2), got {type(state).__name__}")


def metrological_gain(state: Any, times: np.ndarray | list[float], axis: AxisLike = "z", *, dephasing: float = 0.0,
                      emission: float = 0.0, pumping: float = 0.0) -> np.ndarray:
    """``G(t) = F_Q(rho(t), J_axis)`` at each time (rates per qubit, as in ``noise.evolve``).

    Parameters
    ----------
    state : PIState, or a Dicke-basis vector / density matrix (``|D_k>`` has k qubits in ``|1>``)
    times : finite times >= 0
    axis : ``"x"``, ``"y"``, ``"z"`` or a 3-vector (the generator ``J_axis``)
    dephasing, emission, pumping : rates of ``noise.evolve`` (``D[sigma_z]``, ``D[|0><1|]``, ``D[|1><0|]``)
    """
    from bellsense.estimators import qfi  # the estimators layer sits above noise: imported on use

    st = _as_pistate(state)
    t = np.asarray(times, dtype=float).reshape(-1)
    out = evolve(st, t, dephasing=dephasing, emission=emission, pumping=pumping)
    return np.array([qfi(s, axis) for s in out])


def _rule(lo: np.ndarray, hi: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gauss-Legendre nodes for each interval, shape (intervals, order)."""
    return 0.5 * (hi - lo)[:, None] * x[None, :] + 0.5 * (hi + lo)[:, None]


def integrated_gain(state: Any, axis: AxisLike = "z", *, dephasing: float = 0.0, emission: float = 0.0,
                    pumping: float = 0.0, rtol: float = 1e-10) -> float:
    """``IMG = int_0^inf F_Q(rho(t), J_axis) dt`` (Takahashi, Ho and Matsueda, arXiv:2512.21661, ``int G dt``).

    Closed forms (docs/PHYSICS.md): dephasing at rate gamma gives ``N/(4 gamma)`` for GHZ and ``|+>^N``;
    emission gives ``N/gamma`` for ``|+>^N`` and ``(2N^2/gamma) int_0^1 x^{N-1}/(1 + (1-x)^N + x^N) dx``
    for GHZ (22.1807/gamma at N = 16).

    Parameters
    ----------
    state, axis, dephasing, emission, pumping : as in :func:`metrological_gain`
    rtol : float
        Target relative accuracy (the quadrature error estimate; default 1e-10).

    Raises
    ------
    ValueError
        All rates zero, or ``G`` does not decay (the integral diverges).
    """
    st = _as_pistate(state)
    rates = {"dephasing": dephasing, "emission": emission, "pumping": pumping}
    total = float(sum(rates.values()))
    if not np.isfinite(total) or total <= 0:
        raise ValueError(f"integrated_gain needs a positive noise rate (else the integral diverges), got {rates}")
    if not 0 < rtol < 1:
        raise ValueError(f"rtol must lie in (0, 1), got {rtol!r}")
    x, w = np.polynomial.legendre.leggauss(GL_ORDER)
    a = 1.0 / (16 * st.n * total)

    def gains(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(whole-interval rule, two-halves rule) for every interval, from one ``evolve`` call."""
        mid = 0.5 * (lo + hi)
        nodes = np.concatenate([_rule(lo, hi, x), _rule(lo, mid, x), _rule(mid, hi, x)], axis=1)
        flat = nodes.reshape(-1)
        order = np.argsort(flat, kind="stable")
        g = np.empty_like(flat)
        g[order] = metrological_gain(st, flat[order], axis, **rates)
        g = g.reshape(nodes.shape)
        k = GL_ORDER
        whole = 0.5 * (hi - lo) * (g[:, :k] @ w)
        halves = 0.25 * (hi - lo) * (g[:, k:2 * k] @ w + g[:, 2 * k:] @ w)
        return whole, halves

    edges = np.concatenate([[0.0], a * 2.0 ** np.arange(0, int(np.log2(64 * 16 * st.n)) + 1)])
    g_edges = metrological_gain(st, edges, axis, **rates)
    g_max = float(np.max(g_edges))
    if g_max == 0.0:
        return 0.0
    accepted, g_end = 0.0, float(g_edges[-1])
    for _ in range(MAX_DOUBLINGS):  # extend the dyadic edges until G has decayed
        if g_end <= DECAY_TOL * g_max:
            break
        edges = np.append(edges, 2 * edges[-1])
        g_end = float(metrological_gain(st, [edges[-1]], axis, **rates)[0])
    else:
        raise ValueError(f"G(t) does not decay (G = {g_end:.3g} at t = {edges[-1]:.3g}, max {g_max:.3g}): the "
                         "integrated gain diverges (the steady state keeps QFI about this axis)")
    pending = (edges[:-1], edges[1:])
    for _ in range(_MAX_ROUNDS):
        lo, hi = pending
        whole, halves = gains(lo, hi)
        estimate = accepted + float(np.sum(halves))
        ok = np.abs(whole - halves) <= 0.02 * rtol * abs(estimate)
        accepted += float(np.sum(halves[ok]))
        if np.all(ok):
            return accepted
        mid = 0.5 * (lo + hi)
        pending = (np.concatenate([lo[~ok], mid[~ok]]), np.concatenate([mid[~ok], hi[~ok]]))
    raise ValueError(f"integrated_gain did not reach rtol = {rtol:g} in {_MAX_ROUNDS} refinement rounds")


__all__ = ["metrological_gain", "integrated_gain", "GL_ORDER"]
