"""Estimates from parities that come with their own standard errors (readout-mitigated or exact).

The counts estimators (``fisher_moments``, ``analyse_bell``) derive the variance of a parity from
its mean (``Var P = 1 - <P>^2`` per shot). After readout mitigation (``mitigated_parity``) a parity
estimate carries its own standard error instead, and an exact simulation has none. These two
functions take ``(mean, stderr)`` pairs:

* :func:`fisher_from_parities`: method of moments for a +-1 observable,
  ``F = (b^2 - s_b^2) / (1 - m_0^2)`` with the central-difference slope
  ``b = (m_+ - m_-) / (2 delta)`` and ``s_b^2 = (s_+^2 + s_-^2) / (4 delta^2)`` (first-order bias
  correction); error by propagation, ``Var F = (2 b / v)^2 s_b^2 + (2 F m_0 s_0 / v)^2`` with
  ``v = 1 - m_0^2`` (Pezzè et al., Rev. Mod. Phys. 90, 035005 (2018), arXiv:1609.01609).
* :func:`correlator_from_parities`: the many-body Bell correlator
  ``E_{N,0} = |c|^2 - tr Sigma`` with ``c = (1/P) sum_j e^{i n phi_j} <P(phi_j)>`` over P equally
  spaced settings and ``Sigma`` the covariance of ``(Re c, Im c)`` from the parities' standard
  errors (Fourier formula of PHYSICS.md; Tura et al., Science 344, 1256 (2014);
  Baccari et al., PRX Quantum 1, 020325 (2020)).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .bell import correlator_from_sigma_plus
from .estimate import Estimate

__all__ = ["fisher_from_parities", "correlator_from_parities"]


def _arrays(*values: ArrayLike) -> list[np.ndarray]:
    arrays = [np.asarray(v, dtype=float).reshape(-1) for v in values]
    if len({a.size for a in arrays}) != 1 or arrays[0].size == 0:
        raise ValueError(f"angles, means and stderrs must be non-empty and of equal length, got "
                         f"{[a.size for a in arrays]}")
    if not all(np.all(np.isfinite(a)) for a in arrays) or np.any(arrays[2] < 0):
        raise ValueError("angles, means and stderrs must be finite, stderrs >= 0")
    return arrays


def fisher_from_parities(thetas: ArrayLike, means: ArrayLike, stderrs: ArrayLike, theta0: float) -> Estimate:
    """Method-of-moments Fisher information of a +-1 observable from three parity estimates.

    ``thetas`` must be ``theta0 - delta, theta0, theta0 + delta`` (any order). See the module
    docstring for the formula.

    Raises
    ------
    ValueError
        If the angles are not a centred three-point stencil around ``theta0``, or ``<P>(theta0) = +-1``
        (the variance of the observable vanishes: move the working point).
    """
    th, m, s = _arrays(thetas, means, stderrs)
    if th.size != 3:
        raise ValueError(f"need the parities at theta0 - delta, theta0, theta0 + delta; got {th.size} angles")
    order = np.argsort(th)
    (tm, t0, tp), (mm, m0, mp), (em, e0, ep) = th[order], m[order], s[order]
    if not np.isclose(t0, theta0) or not np.isclose(tp - t0, t0 - tm) or tp <= t0:
        raise ValueError(f"angles {th.tolist()} are not a centred stencil theta0 +- delta around {theta0}")
    delta = (tp - tm) / 2
    slope = (mp - mm) / (2 * delta)
    var_slope = (ep**2 + em**2) / (4 * delta**2)
    var0 = 1.0 - m0**2
    if var0 <= 0:
        raise ValueError(f"<P>(theta0) = {m0:g}: the variance 1 - <P>^2 vanishes; move the working point")
    value = (slope**2 - var_slope) / var0
    err = float(np.sqrt((2 * slope / var0) ** 2 * var_slope + (value * 2 * m0 * e0 / var0) ** 2))
    return Estimate(float(value), err, method="moments (parity), from parity estimates",
                    details={"slope": float(slope), "slope_stderr": float(np.sqrt(var_slope)), "delta": float(delta)})


def correlator_from_parities(phases: ArrayLike, means: ArrayLike, stderrs: ArrayLike, order: int) -> Estimate:
    """Bell correlator ``E = |c|^2 - tr Sigma`` from parities with their own standard errors.

    ``phases`` are the Bell settings ``phi_j`` (equally spaced by pi/P), ``order`` the frequency
    ``n = |A| + |B|``; ``stderrs`` of zero give the exact ``|c|^2``. Returns the estimate of E
    (``correlator_from_sigma_plus``: stderr ``sqrt(4 c^T Sigma c + 2 tr Sigma^2)``).
    """
    phi, m, s = _arrays(phases, means, stderrs)
    if phi.size < order + 1:
        raise ValueError(f"{phi.size} phases cannot separate frequency {order}: need at least n + 1 = {order + 1}")
    basis = np.stack([np.cos(order * phi), np.sin(order * phi)])
    c = complex(np.sum((basis[0] + 1j * basis[1]) * m) / phi.size)
    cov = (basis * s**2) @ basis.T / phi.size**2
    sigma_plus = Estimate(c, float(np.sqrt(np.trace(cov))), method="fourier over parity estimates",
                          details={"cov": cov.tolist(), "E_unbiased": abs(c) ** 2 - float(np.trace(cov))})
    return correlator_from_sigma_plus(sigma_plus)
