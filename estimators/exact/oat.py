"""The best one-axis-twisted (OAT) probe for the QFI about J_z after local noise.

The family (Kitagawa & Ueda, Phys. Rev. A 47, 5138 (1993)): start from the coherent state along +x,
``|+x>^n = |+>^{⊗n}`` (Dicke amplitudes ``sqrt(C(n, k)) / 2^{n/2}``), twist it about z with
``H = chi J_z^2`` for a time with ``mu = 2 chi t_twist``, then rotate it about the mean-spin axis x by nu:

    |psi(mu, nu)> = exp(-i nu J_x) exp(-i mu J_z^2 / 2) |+x>^n.

The twist squeezes the spin in the y-z plane (perpendicular to the mean spin) along an axis tilted
from y; the rotation about x turns that ellipse so that its long axis has the best overlap with the
encoding generator J_z after the noise. Small mu gives the squeezed states of Kitagawa-Ueda; larger mu
the over-squeezed (non-Gaussian) states whose QFI about the best axis grows as ~n^2/2 (Pezzè & Smerzi,
Phys. Rev. Lett. 102, 100401 (2009)); at mu = pi (n even) the state is a cat along x, so GHZ along z is not
in the family (``optimal_symmetric_probe`` starts from GHZ separately).

Range. ``(mu, nu)`` and ``(-mu, -nu)`` give complex-conjugate Dicke vectors (``J_x`` and ``J_z^2`` are
real), which have the same QFI after the real channel. ``mu -> mu + 2 pi`` multiplies the twist by
``exp(-i pi J_z)`` (n even) or by a global phase (n odd); ``exp(-i pi J_z)`` commutes with the noise and
with J_z and, moved past the rotation, turns nu into -nu. Together, ``(2 pi - mu, nu)`` is equivalent to
``(mu, nu)`` (n even) or ``(mu, -nu)`` (n odd), so ``mu in [0, pi]`` and ``nu in [0, 2 pi)`` cover the
family. The search: for mu = 0 and 12 values geometric from 1e-3 to pi, the QFI at 6 values of nu and a
degree-2 trigonometric fit in nu (exact without noise: ``4 Var`` of a rotated ``J_z``), whose maximum gives
the starts of L-BFGS-B (mu bounded to [0, pi], exact gradient by the chain rule through ``ProbeObjective``):
that nu, nu + pi (the fit's other lobe) and the best sampled nu, for the 2 most promising mu.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import minimize

from bellsense.spin import dicke_collective
from bellsense.states import product as product_state

from .bounds import _check_n
from .probe_channel import ProbeObjective, probe_objective, symmetric_channel

__all__ = ["OATParams", "oat_state", "best_oat_probe"]

#: The global search: mu = 0 and a geometric grid on [1e-3, pi], 6 nu per mu; the fitted best nu (and nu + pi)
#: of the REFINE most promising mu start L-BFGS-B.
MU_GRID = np.concatenate(([0.0], np.geomspace(1e-3, np.pi, 12)))
NU_SAMPLES = np.linspace(0.0, 2 * np.pi, 6, endpoint=False)
_NU_FINE = np.linspace(0.0, 2 * np.pi, 720, endpoint=False)
REFINE = 2


class OATParams(NamedTuple):
    """Twisting strength ``mu`` (in [0, pi]) and rotation angle ``nu`` about x (in [0, 2 pi))."""

    mu: float
    nu: float


class _Family:
    """``psi(mu, nu)`` and its derivatives, with ``J_x = W diag(lam) W^T`` diagonalised once."""

    def __init__(self, n: int) -> None:
        k = np.arange(n + 1)
        self.m2 = (n / 2.0 - k) ** 2
        self.plus = product_state(n, basis="dicke")  # |+x>^n
        off = np.asarray(dicke_collective(n, "x").diagonal(1)).real
        self.lam, self.w = eigh_tridiagonal(np.zeros(n + 1), off)

    def state(self, mu: float, nu: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(psi, d psi/d mu, d psi/d nu)``."""
        phi = np.exp(-0.5j * mu * self.m2) * self.plus
        rot = np.exp(-1j * nu * self.lam)
        c = self.w.T @ phi
        psi = self.w @ (rot * c)
        d_mu = self.w @ (rot * (self.w.T @ (-0.5j * self.m2 * phi)))
        d_nu = self.w @ (-1j * self.lam * rot * c)
        return psi, d_mu, d_nu


def oat_state(n: int, mu: float, nu: float) -> np.ndarray:
    """Dicke amplitudes of ``exp(-i nu J_x) exp(-i mu J_z^2/2) |+x>^n`` (module docstring), k = number of 1s."""
    return _Family(_check_n(n)).state(float(mu), float(nu))[0]


def _harmonics(nu: np.ndarray) -> np.ndarray:
    """Design matrix of a degree-2 trigonometric polynomial in nu (exact for a pure state without noise)."""
    return np.stack([np.ones_like(nu), np.cos(nu), np.sin(nu), np.cos(2 * nu), np.sin(2 * nu)], axis=-1)


def best_oat(obj: ProbeObjective) -> tuple[np.ndarray, float, OATParams]:
    """The best OAT state for a prepared objective (axis z): grid in mu, trigonometric fit in nu, L-BFGS-B."""
    fam = _Family(obj.n)
    samples = np.array([[obj.qfi(fam.state(mu, nu)[0]) for nu in NU_SAMPLES] for mu in MU_GRID])
    # F(nu) at fixed mu: 4 Var of a rotated J_z (degree 2 in cos nu, sin nu) without noise; a fit otherwise
    coef = np.linalg.lstsq(_harmonics(NU_SAMPLES), samples.T, rcond=None)[0]
    fitted = _harmonics(_NU_FINE) @ coef  # (fine nu, mu)
    nu_star, f_star = _NU_FINE[np.argmax(fitted, axis=0)], np.max(fitted, axis=0)

    def neg(z: np.ndarray) -> tuple[float, np.ndarray]:
        psi, d_mu, d_nu = fam.state(float(z[0]), float(z[1]))
        f, g = obj.qfi_and_gradient(psi)
        return -f, -2.0 * np.array([np.vdot(g, d_mu).real, np.vdot(g, d_nu).real])

    i, j = np.unravel_index(int(np.argmax(samples)), samples.shape)
    best_f, best_z = float(samples[i, j]), np.array([MU_GRID[i], NU_SAMPLES[j]])  # mu = 0 is |+>^n
    # the fit has two lobes (nu* and ~nu* + pi); noise makes them differ, so both start a refinement
    top = np.argsort(f_star)[::-1][:REFINE]
    starts = [(MU_GRID[k], nu_star[k] + lobe) for k in top for lobe in (0.0, np.pi)]
    starts += [(MU_GRID[k], NU_SAMPLES[int(np.argmax(samples[k]))]) for k in top]  # the best sampled nu too
    for mu0, nu0 in starts:
        res = minimize(neg, np.array([mu0, nu0]), jac=True, method="L-BFGS-B",
                       bounds=[(0.0, np.pi), (None, None)], options={"ftol": 1e-13, "gtol": 1e-10, "maxiter": 200})
        if -float(res.fun) > best_f:
            best_f, best_z = -float(res.fun), res.x
    params = OATParams(float(np.clip(best_z[0], 0.0, np.pi)), float(np.mod(best_z[1], 2 * np.pi)))
    return fam.state(params.mu, params.nu)[0], float(best_f), params


def best_oat_probe(n: int, t: float, dephasing: float = 0.0, emission: float = 0.0) -> tuple[np.ndarray, float,
                                                                                              OATParams]:
    """The one-axis-twisted state with the largest QFI about ``J_z`` after local noise.

    Maximises ``F_Q[Lambda^{⊗n}(|psi(mu, nu)><psi(mu, nu)|), J_z]`` over the family
    ``|psi(mu, nu)> = exp(-i nu J_x) exp(-i mu J_z^2/2) |+x>^n`` (Kitagawa & Ueda, Phys. Rev. A 47, 5138
    (1993); module docstring), with the channel of a window t of local dephasing and emission (rates per
    unit of t, PHYSICS.md) applied exactly through the permutation-invariant engine (precomputed once,
    :func:`~bellsense.estimators.exact.probe_channel.symmetric_channel`). A global grid search over
    ``(mu, nu)`` then L-BFGS-B with the exact gradient (module docstring); never below ``|+>^n`` (mu = 0
    is on the grid).

    Parameters
    ----------
    n : int
        Number of qubits, ``>= 1``.
    t : float
        Window duration, ``>= 0``.
    dephasing, emission : float
        Local rates per unit of t, ``>= 0``.

    Returns
    -------
    (amplitudes, qfi, params) : (ndarray of n+1 complex, float, OATParams)
        Normalised Dicke amplitudes (k = number of qubits in ``|1>``), their QFI after the noise, and
        ``(mu, nu)`` in ``[0, pi] x [0, 2 pi)``.

    Raises
    ------
    ValueError
        For a bad n, t or rate.
    """
    return best_oat(probe_objective(symmetric_channel(n, t, dephasing, emission), "z"))
