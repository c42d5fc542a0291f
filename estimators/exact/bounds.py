"""Ultimate bounds on the QFI under local noise: the channel-extension (CE) bounds.

Setting (PHYSICS.md): n qubits, the encoding ``exp(-i theta J_z)`` (``exp(-i theta sigma_z/2)``
per qubit) followed, on every qubit, by the local channel of a window t: dephasing
``L = sigma_z`` at rate ``gamma_d`` (coherence factor ``eta = e^{-2 gamma_d t}``) and/or emission
at rate ``gamma_e`` relaxing ``|1> -> |0>`` with ``p = 1 - e^{-gamma_e t}``. The bounds hold for any
n-qubit probe, entangled with any ancilla, and are on the QFI about theta (seed 003's ``G(t)``).

Method (Fujiwara & Imai, J. Phys. A 41, 255304 (2008); Escher, de Matos Filho & Davidovich,
Nat. Phys. 7, 406 (2011); Demkowicz-Dobrzanski, Kolodynski & Guta, Nat. Commun. 3, 1063 (2012),
arXiv:1201.3940): for Kraus operators ``K_i`` of one use, ``K~'_i = K'_i - i sum_j h_ij K_j``,
``alpha = sum K~'^dag K~'``, ``beta = i sum K~'^dag K``,
``F <= 4 min_h [n ||alpha|| + n(n-1) ||beta||^2]``. The objective is convex in h.

Reduction to a closed form (why no SDP is needed). Both channels are phase covariant, and so is their
composition, whose minimal Kraus operators are ``A = diag(1, c)``, ``B = diag(0, d)``,
``E = sqrt(p)|0><1|`` with ``c = eta sqrt(1-p)`` the total coherence factor and
``d = sqrt((1-p)(1-eta^2))``; ``s = sqrt(1-c^2)``. The objective is invariant under the rotations about
z, which act on h by conjugation with a diagonal phase; averaging over them (convexity, Jensen) leaves an
optimal h that is block diagonal (``{A, B}`` and ``{E}``), and makes alpha and beta diagonal; the
imaginary part of ``h_AB`` only adds to alpha. Eliminating the gauge components that enter beta in one
combination leaves three real variables ``(v, x, l)``: ``alpha = diag(v^2 + x^2, m^2 + l^2)``,
``beta = diag(-v, w)``, ``m = c(1-v) - d x``, ``w = c m - s l``, and then
``alpha_11 = w^2 + (c(1-v-w) - d x)^2/s^2``. For n >= 2 the optimum has ``w = v = V`` (the KKT
multiplier that splits ``||beta||^2`` between the two entries is ``1/2 - (2 mu - 1)/(2(n-1))``, inside
[0, 1] for every alpha-multiplier mu when n >= 2), ``x = c(1-2V)/(s+d)`` (where the two alpha entries
cross) and ``V = 2c^2/(n(s+d)^2 + 4c^2)``, which gives

    F <= 4 n^2 c^2 / (n (s+d)^2 + 4 c^2) = n^2 K/(n + K),   K = 4c^2/(s+d)^2   (n >= 2),

and for n = 1 (beta does not count) ``F <= 4c^2/(1 + sqrt(c^2+d^2))^2``. For dephasing this is the
known ``n^2 eta^2/(n(1-eta^2) + eta^2)``. ``parallel_bound_certificate`` returns the gauge, so the value
can be checked by recomputing the functional (the tests also check that no perturbation of the full
complex gauge lowers it: a local minimum of a convex function is global).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import minimize_scalar

__all__ = [
    "parallel_bound",
    "parallel_bound_asymptotic",
    "adaptive_bound",
    "parallel_bound_certificate",
    "CECertificate",
    "closed_form_qfi",
    "bounds_figure_data",
    "BoundsFigureData",
]

Probe = Literal["ghz", "product"]


@dataclass(frozen=True)
class _Channel:
    """Coherence factor c, dephasing part d, ``s = sqrt(1-c^2)`` and emission probability p."""

    c: float
    d: float
    s: float
    p: float


@dataclass(frozen=True)
class CECertificate:
    """A Kraus representation and Hermitian gauge h at which the CE functional equals the bound.

    Anyone can recompute ``4 [n ||alpha(h)|| + n(n-1) ||beta(h)||^2]`` from ``kraus`` (shape
    ``(r, 2, 2)``, at theta = 0; the derivative is ``-i K J_z``) and ``h`` (``r x r`` Hermitian).
    """

    n: int
    kraus: np.ndarray
    h: np.ndarray
    value: float


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer, float, np.floating)):
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if not float(n).is_integer() or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return int(n)


def _check_real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number >= 0, got {value!r}")
    out = float(value)
    if not math.isfinite(out) or out < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return out


def _channel(t: object, dephasing: object, emission: object) -> _Channel:
    """The local channel's parameters, computed with expm1 so that small gamma t keeps its digits."""
    t = _check_real(t, "t (window duration)")
    gd = _check_real(dephasing, "dephasing rate")
    ge = _check_real(emission, "emission rate")
    c2 = math.exp(-(4.0 * gd + ge) * t)
    return _Channel(
        c=math.sqrt(c2),
        d=math.sqrt(math.exp(-ge * t) * -math.expm1(-4.0 * gd * t)),
        s=math.sqrt(-math.expm1(-(4.0 * gd + ge) * t)),
        p=-math.expm1(-ge * t),
    )


def _parts(z: np.ndarray, ch: _Channel) -> tuple[np.ndarray, np.ndarray]:
    """Diagonals of alpha and beta at the reduced gauge ``z = (v, x, l)``."""
    v, x, ell = z[0], z[1], z[2]
    m = ch.c * (1.0 - v) - ch.d * x
    return np.array([v * v + x * x, m * m + ell * ell]), np.array([-v, ch.c * m - ch.s * ell])


def _reduced_optimum(n: int, ch: _Channel) -> np.ndarray:
    """The optimal reduced gauge ``(v, x, l)`` in closed form (module docstring); needs ``s > 0``."""
    if n == 1:  # (v, x) along (c, d) with length c/(1 + rho): both alpha entries equal c^2/(1 + rho)^2
        rho = math.hypot(ch.c, ch.d)
        r = ch.c / (1.0 + rho)
        return np.array([r * ch.c / rho, r * ch.d / rho, 0.0]) if rho > 0 else np.zeros(3)
    v = 2.0 * ch.c**2 / (n * (ch.s + ch.d) ** 2 + 4.0 * ch.c**2)
    x = ch.c * (1.0 - 2.0 * v) / (ch.s + ch.d)
    m = ch.c * (1.0 - v) - ch.d * x
    return np.array([v, x, (ch.c * m - v) / ch.s])


def _parallel_value(n: int, ch: _Channel) -> float:
    """The bound itself; the n >= 2 form is finite and exact also without noise (it gives n^2)."""
    if n == 1:
        return 4.0 * ch.c**2 / (1.0 + math.hypot(ch.c, ch.d)) ** 2
    return 4.0 * n * n * ch.c**2 / (n * (ch.s + ch.d) ** 2 + 4.0 * ch.c**2)


def parallel_bound(n: int, t: float, dephasing: float = 0.0, emission: float = 0.0) -> float:
    """Channel-extension bound on the QFI about theta for n parallel uses of the local channel.

    ``F_Q <= 4 min_h [n ||alpha(h)|| + n(n-1) ||beta(h)||^2]`` (Fujiwara & Imai, J. Phys. A 41,
    255304 (2008); Escher et al., Nat. Phys. 7, 406 (2011); Demkowicz-Dobrzanski, Kolodynski & Guta,
    Nat. Commun. 3, 1063 (2012), arXiv:1201.3940), for the encoding ``exp(-i theta J_z)`` followed by
    local dephasing (rate ``dephasing``, ``L = sigma_z``) and emission (rate ``emission``,
    ``|1> -> |0>``) over a window t. It bounds every probe, with or without ancillas.

    Closed forms it reproduces: no noise, ``n^2``; pure dephasing, ``n^2 eta^2 / (n(1-eta^2) + eta^2)``
    with ``eta = e^{-2 gamma t}`` (-> ``n eta^2/(1-eta^2)``); n = 1, ``4c^2/(1 + sqrt(c^2+d^2))^2``
    (the ancilla-assisted single-qubit QFI; for dephasing ``eta^2``, the QFI of ``|+>``).

    Parameters
    ----------
    n : int
        Number of qubits (channel uses), ``>= 1``.
    t : float
        Window duration, ``>= 0``.
    dephasing, emission : float
        Lindblad rates per unit of t (PHYSICS.md), ``>= 0``.

    Returns
    -------
    float
        The bound (``n^2`` without noise; 0 when the coherence is fully lost).

    Raises
    ------
    ValueError
        If n is not an integer ``>= 1``, or t or a rate is negative or not finite.

    Notes
    -----
    The minimisation over h is done analytically (module docstring): for n >= 2 the bound is
    ``4 n^2 c^2 / (n (s+d)^2 + 4c^2) = n^2 K/(n + K)`` with ``K = 4c^2/(s+d)^2`` the asymptotic
    constant, ``c = eta sqrt(1-p)``, ``d = sqrt((1-p)(1-eta^2))``, ``s = sqrt(1-c^2)``. Exact to
    rounding for every n (10^4 and beyond) and every t.
    """
    n = _check_n(n)
    return _parallel_value(n, _channel(t, dephasing, emission))


def parallel_bound_asymptotic(n: int, t: float, dephasing: float = 0.0, emission: float = 0.0) -> float:
    """Large-n form of the CE bound: ``F_Q <= 4 n min_{h: beta(h)=0} ||alpha(h)||``.

    In closed form ``F_Q <= 4 n c^2 / (sqrt(1-c^2) + d)^2``, with ``c = eta sqrt(1-p)`` and
    ``d = sqrt((1-p)(1-eta^2))``. Special cases (QFI about theta, generator ``J_z``, i.e.
    ``sigma_z/2`` per qubit):

    - dephasing: ``n eta^2/(1-eta^2) = n/(e^{4 gamma t} - 1)`` (Demkowicz-Dobrzanski, Kolodynski &
      Guta, Nat. Commun. 3, 1063 (2012));
    - emission (amplitude damping): ``4 n (1-p)/p = 4n/(e^{gamma t} - 1)`` (same paper; Knysh, Chen &
      Durkin, arXiv:1402.0495).

    It is an upper bound at every n (``parallel_bound(n) <= parallel_bound_asymptotic(n)``) and the
    limit of ``parallel_bound(n)/n``; the relative gap is exactly ``K/(n + K)`` for n >= 2, with
    ``K = 4c^2/(s+d)^2`` the constant above. ``inf`` without noise.
    """
    n = _check_n(n)
    ch = _channel(t, dephasing, emission)
    if ch.s == 0.0:
        return math.inf
    return 4.0 * n * ch.c**2 / (ch.s + ch.d) ** 2


def _alpha_given_beta(bmax: float, ch: _Channel) -> float:
    """``a(b) = min{||alpha|| : ||beta|| <= b}`` in closed form (convex, decreasing; needs ``s > 0``).

    In the reduced variables, ``|v| <= b`` and ``|w| <= b`` (w = beta_11). Three regimes: both bounds
    active (``v = w = b``, alpha entries crossing at ``x = c(1-2b)/(s+d)``) for
    ``b <= c^2/(s(s+d) + 2c^2)``; only ``v = b`` active (``w = c m`` minimises alpha_11 to ``m^2``,
    then ``b^2 + x^2 = (c(1-b) - d x)^2``); and ``b >= v_1``, the unconstrained (n = 1) optimum.
    """
    c, d, s = ch.c, ch.d, ch.s
    rho = math.hypot(c, d)
    if bmax >= c * c / (rho * (1.0 + rho)):
        return c * c / (1.0 + rho) ** 2
    if bmax <= c * c / (s * (s + d) + 2.0 * c * c):
        return bmax * bmax + (c * (1.0 - 2.0 * bmax)) ** 2 / (s + d) ** 2
    r0 = c * (1.0 - bmax)
    if d == 0.0:
        return r0 * r0
    x = (r0 * r0 - bmax * bmax) / (r0 * d + math.sqrt(r0 * r0 * d * d + (1.0 - d * d) * (r0 * r0 - bmax * bmax)))
    return bmax * bmax + x * x


def adaptive_bound(n: int, t: float, dephasing: float = 0.0, emission: float = 0.0) -> float:
    """CE bound for adaptive (sequential, feedback) strategies with n channel uses.

    ``F_Q <= 4 min_h [n ||alpha|| + n(n-1) ||beta|| (||beta|| + 2 sqrt(||alpha||))]``
    (Demkowicz-Dobrzanski & Maccone, PRL 113, 250801 (2014), arXiv:1407.2934), capped at ``n^2``
    (the Heisenberg limit, which holds for adaptive strategies too; the functional alone gives
    ``3n^2 - 2n`` without noise). It is never below :func:`parallel_bound`, equals it at n = 1, and
    equals ``parallel_bound_asymptotic`` once ``n - 1 >~ sqrt(K)``. The objective is not convex in h (the
    product ``||beta|| sqrt(||alpha||)``), so the minimum is taken as a 1-D search over
    ``b = ||beta||`` of ``a(b) = min{||alpha|| : ||beta|| <= b}`` (closed form, see
    ``_alpha_given_beta``): a 401-point scan of ``[0, v_1]`` refined by Brent.
    """
    n = _check_n(n)
    ch = _channel(t, dephasing, emission)
    if ch.s == 0.0:
        return float(n * n)
    if ch.c == 0.0:
        return 0.0
    rho = math.hypot(ch.c, ch.d)
    b_hi = ch.c * ch.c / (rho * (1.0 + rho))  # beyond it a(b) is constant and the objective only grows

    def per_use(b: float) -> float:
        a = _alpha_given_beta(b, ch)
        return a + (n - 1) * b * (b + 2.0 * math.sqrt(a))

    grid = np.linspace(0.0, b_hi, 401)
    vals = np.array([per_use(float(b)) for b in grid])
    k = int(np.argmin(vals))
    best = float(vals[k])
    lo, hi = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, len(grid) - 1)])
    res = minimize_scalar(per_use, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12 * b_hi})
    best = min(best, float(res.fun))
    return min(4.0 * n * best, float(n * n))


def parallel_bound_certificate(n: int, t: float, dephasing: float = 0.0, emission: float = 0.0) -> CECertificate:
    """The minimal Kraus operators ``[A, B, E]`` and the optimal gauge h of :func:`parallel_bound`.

    Maps the reduced optimum ``(v, x, l)`` back to ``h = [[v - 1/2, x, 0], [x, h_BB, 0], [0, 0, h_EE]]``,
    with the minimal-norm split ``L = s l = d a_2 + sqrt(p) a_3``, ``a_2 = d L/s^2``,
    ``a_3 = sqrt(p) L/s^2``, ``h_BB = (a_2 - c x)/d + 1/2`` and ``h_EE = a_3/sqrt(p) + 1/2``. Operators of
    zero norm (no dephasing part, or no emission) are dropped with their rows of h.
    """
    n = _check_n(n)
    ch = _channel(t, dephasing, emission)
    if ch.s == 0.0:
        return CECertificate(n, np.eye(2, dtype=complex)[None], np.zeros((1, 1), dtype=complex), float(n * n))
    v, x, ell = _reduced_optimum(n, ch)
    big_l = ch.s * ell
    a2, a3 = ch.d * big_l / ch.s**2, math.sqrt(ch.p) * big_l / ch.s**2
    h_bb = (a2 - ch.c * x) / ch.d + 0.5 if ch.d > 0 else 0.0
    h_ee = a3 / math.sqrt(ch.p) + 0.5 if ch.p > 0 else 0.0
    kraus = np.array(
        [np.diag([1.0, ch.c]), np.diag([0.0, ch.d]), [[0.0, math.sqrt(ch.p)], [0.0, 0.0]]], dtype=complex
    )
    h = np.array([[v - 0.5, x, 0.0], [x, h_bb, 0.0], [0.0, 0.0, h_ee]], dtype=complex)
    keep = [i for i, k in enumerate(kraus) if np.abs(k).max() > 0]
    return CECertificate(n, kraus[keep], h[np.ix_(keep, keep)], _parallel_value(n, ch))


def closed_form_qfi(probe: Probe, n: int, t: float, dephasing: float = 0.0, emission: float = 0.0) -> float:
    """QFI about theta of GHZ or ``|+>^n`` after the local channel (seed 003's ``G(t)``, generalised).

    - ``"product"`` (``|+>^n``): ``n c^2``, i.e. ``n e^{-4 gamma t}`` (dephasing), ``n e^{-gamma t}``
      (emission);
    - ``"ghz"``: ``2 n^2 c^{2n} / (1 + p^n + (1-p)^n)``, i.e. ``n^2 e^{-4 n gamma t}`` (dephasing) and
      ``2 n^2 x^n / (1 + (1-x)^n + x^n)`` with ``x = e^{-gamma t}`` (emission).

    Takahashi, Ho & Matsueda (2025), the table of PHYSICS.md. With both rates the GHZ coherence
    ``c^n/2`` sits in the block ``{|0..0>, |1..1>}`` of weight ``(1 + p^n + (1-p)^n)/2``.
    """
    n = _check_n(n)
    ch = _channel(t, dephasing, emission)
    if probe == "product":
        return n * ch.c**2
    if probe == "ghz":
        return 2.0 * n * n * ch.c ** (2 * n) / (1.0 + ch.p**n + (1.0 - ch.p) ** n)
    raise ValueError(f"probe must be 'ghz' or 'product', got {probe!r}")


@dataclass(frozen=True)
class BoundsFigureData:
    """QFI/N against N for the closed-form probes and the CE bound (the classic figure's curves)."""

    n: np.ndarray
    product: np.ndarray
    ghz: np.ndarray
    bound: np.ndarray
    asymptotic: float
    t: float
    dephasing: float
    emission: float

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n.tolist(),
            "qfi_per_n": {"product": self.product.tolist(), "ghz": self.ghz.tolist(), "bound": self.bound.tolist()},
            "asymptotic_per_n": self.asymptotic,
            "t": self.t,
            "dephasing": self.dephasing,
            "emission": self.emission,
        }


def bounds_figure_data(
    n_values: object = range(2, 101), t: float = 0.1, dephasing: float = 0.0, emission: float = 0.0
) -> BoundsFigureData:
    """QFI/N of ``|+>^N``, GHZ and :func:`parallel_bound` over ``n_values`` (default N = 2 ... 100).

    The large-n constant ``parallel_bound_asymptotic(1, ...)`` is the bound's limit of QFI/N.
    """
    ns = np.array([_check_n(k) for k in np.atleast_1d(np.asarray(n_values))], dtype=int)
    if ns.size == 0:
        raise ValueError("n_values is empty; give at least one n >= 1")
    per_n = {
        key: np.array([fn(int(k)) / k for k in ns])
        for key, fn in (
            ("product", lambda k: closed_form_qfi("product", k, t, dephasing, emission)),
            ("ghz", lambda k: closed_form_qfi("ghz", k, t, dephasing, emission)),
            ("bound", lambda k: parallel_bound(k, t, dephasing, emission)),
        )
    }
    return BoundsFigureData(
        ns,
        per_n["product"],
        per_n["ghz"],
        per_n["bound"],
        parallel_bound_asymptotic(1, t, dephasing, emission),
        float(t),
        float(dephasing),
        float(emission),
    )
