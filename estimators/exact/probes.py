"""The symmetric probe with the largest QFI after local noise.

For a symmetric input ``|psi> = sum_k a_k |D_k^n>``, local dephasing/emission over a window t
(PHYSICS.md rates) and then the encoding ``exp(-i theta J_axis)``, the QFI is
``F(psi) = max_L Tr[rho (2i[J, L] - L^2)]`` with ``rho = Lambda^{⊗n}(|psi><psi|)``; the maximiser is the
symmetric logarithmic derivative (SLD). For fixed L the objective is linear in ``|psi><psi|``:
``Tr[|psi><psi| Lambda^dag(M)]``, ``M = 2i[J, L] - L^2`` (the see-saw of Macieszczak, arXiv:1312.1356). By
the envelope theorem the same operator gives the exact gradient, ``dF/d psi^* = (Lambda^dag(M) - F) psi``
for a normalised psi, and L-BFGS on it converges in far fewer steps than the see-saw.

Speed. The channel does not depend on the probe: it is precomputed once per call as one real linear map per
coherence order (``probe_channel.symmetric_channel``); an evaluation is then a few small dense products and
one ``eigh`` per spin block (n = 100: 25-35 ms of CPU, against ~1.5 s for two sparse matrix exponentials).

Real amplitudes (axis z). In the Dicke basis the generator of the channel is real and ``J_z`` is real
diagonal, so the conjugate probe ``psi^*`` has the same QFI, and ``exp(-i phi J_z) psi`` too (the channel is
phase covariant). Hence the optimal set is closed under conjugation and z-rotations, real stationary points of
the real problem are stationary points of the complex one (at a real state the SLD is imaginary, M and
``Lambda^dag(M)`` are real, and the gradient has no imaginary part), and the search over real amplitudes
(n + 1 parameters instead of 2n + 2) is exact whenever a real optimum exists. That last step is not a theorem
(the QFI is convex, so symmetrising a complex optimum does not give a real one): it is checked numerically.
The tests run complex searches from random complex starts at n = 2 ... 6 for three channels, and none beats
the real search. At n = 30 under emission, a complex search from the OAT state ends at 173.36796 and the real
search at 173.36798, although that complex optimum is not real up to a rotation: the optimum is degenerate.

Starts (axis z): the best one-axis-twisted (OAT) state (``oat.best_oat``, on the same precomputed channel;
its family contains ``|+>^n``) made real by the rotation and phase that keep most of its norm, and GHZ, plus
optional random ones. The OAT state itself (complex) is a candidate too, so the result is never below it.
Other axes: ``|+>^n``, GHZ and random starts, complex amplitudes. The landscape has long flat valleys
(emission: the optimal value is reached by many different states), so the searches stop at a relative change
of ~1e-9 per step: the returned QFI is within ~1e-5 (relative) of the local maximum at n ~ 50.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from bellsense.axes import AxisLike, unit_axis
from bellsense.states import ghz as ghz_state
from bellsense.states import product as product_state

from .bounds import _check_n, _check_real, parallel_bound
from .oat import OATParams, best_oat
from .probe_channel import ProbeObjective, probe_objective, symmetric_channel

__all__ = ["optimal_symmetric_probe", "probe_search", "ProbeSearch", "StartResult"]

#: L-BFGS memory: the landscape has long flat valleys (emission), where 50 pairs need ~2x fewer steps than 10.
MAXCOR = 50


@dataclass(frozen=True)
class StartResult:
    """One local search: its start, the QFI there and at the end, and the number of QFI evaluations."""

    name: str
    initial_qfi: float
    qfi: float
    evaluations: int
    complex_amplitudes: bool


@dataclass(frozen=True, eq=False)
class ProbeSearch:
    """Everything :func:`probe_search` found: the best probe, the best OAT state (axis z) and each start.

    ``best_start`` names the search that gave ``amplitudes`` (``"oat (as found)"`` if none beat the OAT state).
    """

    n: int
    t: float
    dephasing: float
    emission: float
    axis: tuple[float, float, float]
    amplitudes: np.ndarray
    qfi: float
    starts: tuple[StartResult, ...]
    best_start: str
    oat_amplitudes: np.ndarray | None
    oat_qfi: float | None
    oat_params: OATParams | None

    @property
    def fraction_of_bound(self) -> float | None:
        """``qfi / parallel_bound(n, t, dephasing, emission)`` (the bound is about J_z: None for other axes)."""
        if self.axis != (0.0, 0.0, 1.0):
            return None
        bound = parallel_bound(self.n, self.t, self.dephasing, self.emission)
        return self.qfi / bound if bound > 0 else None


def _realified(psi: np.ndarray) -> np.ndarray:
    """The real part of ``e^{i alpha} exp(-i phi J_z) psi`` with the largest norm (a real start near psi).

    Neither factor changes the QFI about z; ``max_alpha |Re(e^{i alpha} v)|^2 = (1 + |sum_k v_k^2|)/2``, so
    phi maximises ``|sum_k psi_k^2 e^{-2 i phi m_k}|`` (a grid of 512 angles on [0, pi)).
    """
    m = (psi.size - 1) / 2.0 - np.arange(psi.size)
    phis = np.linspace(0.0, np.pi, 512, endpoint=False)
    sums = np.exp(-2j * np.outer(phis, m)) @ (psi * psi)
    best = int(np.argmax(np.abs(sums)))
    vec = (np.exp(-1j * phis[best] * m) * psi * np.exp(-0.5j * np.angle(sums[best]))).real
    return vec / np.linalg.norm(vec)


def _local_search(obj: ProbeObjective, psi0: np.ndarray, complex_amps: bool, tol: float,
                  max_iter: int) -> tuple[float, np.ndarray, int]:
    """L-BFGS from psi0 over real (n+1) or complex (2n+2 real parameters) amplitudes: (F, psi, evaluations)."""
    n = obj.n
    count = [0]

    def unpack(z: np.ndarray) -> np.ndarray:
        return z[: n + 1] + 1j * z[n + 1:] if complex_amps else z

    def neg(z: np.ndarray) -> tuple[float, np.ndarray]:
        count[0] += 1
        f, g = obj.qfi_and_gradient(unpack(z))
        grad = np.concatenate([g.real, g.imag]) if complex_amps else g.real
        return -f, -2.0 * grad

    start = psi0 / np.linalg.norm(psi0)
    z0 = np.concatenate([start.real, start.imag]) if complex_amps else start.real.copy()
    res = minimize(neg, z0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-12, "maxcor": MAXCOR})
    psi = unpack(res.x)
    return -float(res.fun), psi / np.linalg.norm(psi), count[0]


def probe_search(
    n: int,
    t: float,
    axis: AxisLike = "z",
    dephasing: float = 0.0,
    emission: float = 0.0,
    *,
    starts: int = 0,
    seed: int = 0,
    tol: float = 1e-9,
    max_iter: int = 1000,
    real: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> ProbeSearch:
    """The search behind :func:`optimal_symmetric_probe`, with what each start reached (same arguments).

    ``real`` (default: True for axis z, False otherwise) searches real amplitudes; the starts are those of
    the module docstring. ``progress`` is called with the name of each step before it runs.
    """
    n = _check_n(n)
    t = _check_real(t, "t (window duration)")
    gd, ge = _check_real(dephasing, "dephasing rate"), _check_real(emission, "emission rate")
    ax = unit_axis(axis)
    if isinstance(starts, bool) or not isinstance(starts, (int, np.integer)) or starts < 0:
        raise ValueError(f"starts (number of random starts) must be an integer >= 0, got {starts!r}")
    is_z = bool(ax[0] == 0.0 and ax[1] == 0.0)
    use_real = is_z if real is None else bool(real)
    obj = probe_objective(symmetric_channel(n, t, gd, ge), ax)
    plus, ghz = product_state(n, basis="dicke").real, ghz_state(n, basis="dicke").real  # real Dicke amplitudes
    rng = np.random.default_rng(seed)
    inits: list[tuple[str, np.ndarray]] = []
    oat = None
    best_f, best, best_name = -np.inf, plus.astype(complex), ""
    if is_z:
        if progress is not None:
            progress("best OAT state")
        oat = best_oat(obj)
        best_f, best, best_name = oat[1], oat[0], "oat (as found)"  # the result is never below it
        inits.append(("oat (realified)", _realified(oat[0])) if use_real else ("oat", oat[0]))
    else:
        inits.append(("product", plus))
    inits.append(("ghz", ghz))
    for i in range(starts):
        vec = rng.normal(size=n + 1) if use_real else rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
        inits.append((f"random {i}", vec))
    results = []
    cplx = not use_real
    for name, vec in inits:
        if progress is not None:
            progress(name)
        f0 = obj.qfi(vec)
        f, psi, evals = _local_search(obj, vec, cplx, tol, max_iter)
        if f < f0:  # L-BFGS-B only accepts ascent steps; keep the start if rounding says otherwise
            f, psi = f0, vec / np.linalg.norm(vec)
        results.append(StartResult(name, f0, f, evals, cplx))
        if f > best_f:
            best_f, best, best_name = f, np.asarray(psi, dtype=complex), name
    ref = int(np.argmax(np.abs(best)))
    best = best * np.exp(-1j * np.angle(best[ref]))
    return ProbeSearch(n, t, gd, ge, (float(ax[0]), float(ax[1]), float(ax[2])), best / np.linalg.norm(best),
                       float(best_f), tuple(results), best_name, None if oat is None else oat[0],
                       None if oat is None else oat[1], None if oat is None else oat[2])


def optimal_symmetric_probe(
    n: int,
    t: float,
    axis: AxisLike = "z",
    dephasing: float = 0.0,
    emission: float = 0.0,
    *,
    starts: int = 0,
    seed: int = 0,
    tol: float = 1e-9,
    max_iter: int = 1000,
    real: bool | None = None,
) -> tuple[np.ndarray, float]:
    """The symmetric state ``sum_k a_k |D_k^n>`` with the largest QFI about ``J_axis`` after the noise.

    L-BFGS with the exact SLD gradient (module docstring) on the precomputed channel. Starts: for axis z the
    best one-axis-twisted state (made real) and GHZ; otherwise ``|+>^n`` and GHZ; plus ``starts`` random
    states (seeded). ``tol`` is L-BFGS's relative ``ftol``, ``max_iter`` its iteration limit per start. The
    result is never below the QFI of ``|+>^n``, GHZ or (axis z) the best OAT state: they are starts or
    candidates, and a search only keeps ascent steps. A local optimum in principle; at n = 2, 3 it matches a
    dense brute-force search to 1e-7. Cost at n = 100, gamma t = 0.1: ~2.5 s of CPU for the channel, then
    25-35 ms per evaluation (see ``benchmarks/bench_bounds.py`` for the times).

    Parameters
    ----------
    n : int
        Number of qubits, ``>= 1``.
    t : float
        Window duration, ``>= 0``.
    axis : "x", "y", "z" or a unit 3-vector
        Encoding axis (the encoding follows the noisy window, as in the pipeline).
    dephasing, emission : float
        Local rates per unit of t (PHYSICS.md).
    real : bool or None
        Search real amplitudes (None: for axis z only; see the module docstring for why that suffices).

    Returns
    -------
    (amplitudes, qfi) : (ndarray of n+1 complex, float)
        Normalised Dicke amplitudes ``a_k`` (k = number of qubits in ``|1>``; the largest made real
        positive) and their QFI.

    Raises
    ------
    ValueError
        For a bad n, t, rate, axis or number of starts.
    """
    res = probe_search(n, t, axis, dephasing, emission, starts=starts, seed=seed, tol=tol, max_iter=max_iter,
                       real=real)
    return res.amplitudes, res.qfi
