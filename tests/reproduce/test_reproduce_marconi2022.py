"""``bellsense reproduce marconi2022 --quick``: its JSON against independent values.

Independent values, written out here from the paper's formulas:

* the Gibbs state ``e^{-beta H}/Z`` by ``scipy.linalg.expm`` of the LMG matrix built from the ladder formula
  (the Davies steady states must equal it);
* ``rho_2`` from the paper's eq. 2 and ``<B>`` from its eq. 3 as a 4x4 operator, minimised over (phi, theta)
  on a 181 x 181 grid then polished (``min <B>`` to 1e-6: the polish converges to ~1e-10, states exact to 1e-12);
* Fig. 3 without dissipation in closed form: ``(|D_N/2> + e^{-i omega t ((N/2-1)^2 - ... )}|D_N/2+1>)/sqrt2``;
* the counts check: the measured ``<B>`` within 4 standard errors of the exact value (fixed seed).
"""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest
from scipy import linalg, optimize

from bellsense.reproduce import reproduce

ATOL_B = 1e-6
_Z, _X = np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]])


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return reproduce("marconi2022", tmp_path_factory.mktemp("marconi"), quick=True, progress=False)


def _load(result, stem):
    return json.loads((result.out_dir / f"{stem}.json").read_text())


def _lmg_matrix(n, coupling, field):
    m = n / 2 - np.arange(n + 1)  # S_z of |D_k> (k qubits in |1>)
    off = 0.5 * np.sqrt((n / 2) * (n / 2 + 1) - m[1:] * (m[1:] + 1))  # <D_k|S_x|D_k+1>
    return np.diag(coupling / n * m**2) - field * (np.diag(off, 1) + np.diag(off, -1))


def _gibbs(n, coupling, field, beta):
    ham = _lmg_matrix(n, coupling, field)
    rho = linalg.expm(-beta * (ham - np.linalg.eigvalsh(ham)[0] * np.eye(n + 1)))
    return rho / np.trace(rho)


def _rho2(rho, n):
    """The paper's eq. 2."""
    out = np.zeros((4, 4), dtype=complex)
    ones = [bin(i).count("1") for i in range(4)]
    for i in range(4):
        for j in range(4):
            out[i, j] = sum(comb(n - 2, k) * rho[k + ones[i], k + ones[j]]
                            / np.sqrt(comb(n, k + ones[i]) * comb(n, k + ones[j])) for k in range(n - 1))
    return out


def _bell_min(rho, n):
    """min over (phi, theta) of Tr[B_2 rho_2], the paper's eq. 3."""
    r2 = _rho2(rho, n)
    eye = np.eye(2)

    def ex(op):
        return float(np.real(np.trace(op @ r2)))

    z1, x1 = ex(np.kron(_Z, eye)), ex(np.kron(_X, eye))
    zz, xx, zx = ex(np.kron(_Z, _Z)), ex(np.kron(_X, _X)), ex(np.kron(_Z, _X))
    pair = n * (n - 1) / 2

    def value(phi, theta):
        cp, sp, ct, st = np.cos(phi), np.sin(phi), np.cos(theta), np.sin(theta)

        def corr(ca, sa, cb, sb):
            return ca * cb * zz + sa * sb * xx + (ca * sb + sa * cb) * zx

        m0 = cp * z1 + sp * x1
        return (2 * n - 2 * n * m0 + pair * (corr(cp, sp, cp, sp) + corr(ct, st, ct, st)
                                             - 2 * corr(cp, sp, ct, st)))

    grid = np.linspace(0, 2 * np.pi, 181)
    vals = value(grid[:, None], grid[None, :])
    i, j = np.unravel_index(np.argmin(vals), vals.shape)
    res = optimize.minimize(lambda x: value(x[0], x[1]), [grid[i], grid[j]], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
    return float(res.fun)


def test_summary(result):
    assert result.ok, [r.claim for r in result.rows if not r.agreement]
    assert {p.name for p in result.figures} == {"fig1_steady_states.png", "fig2_dynamics.png",
                                               "fig3_sz2_oscillations.png", "fig4_repeated_measurement.png"}


def test_fig1_thermal_steady_states_against_gibbs(result):
    d = _load(result, "fig1_steady_states")
    n = d["n"]
    assert d["max_dev_from_gibbs"] < 1e-8
    for bi, hi in ((3, 1), (4, 0), (0, 2)):  # (beta, h) grid points, J = 1
        rho = _gibbs(n, 1.0, d["h"][hi], d["beta"][bi])
        assert d["bell_min_h_beta"][bi][hi] == pytest.approx(_bell_min(rho, n), abs=ATOL_B)
    ji = d["J"].index(2.0)
    rho = _gibbs(n, 2.0, d["h"][0], d["beta_ref"])
    assert d["bell_min_h_J"][ji][0] == pytest.approx(_bell_min(rho, n), abs=ATOL_B)
    # zeta = 0: the ground state (independent eigh), whose <B> is also the first point of the zeta curve
    ground = np.linalg.eigh(_lmg_matrix(n, 1.0, 0.05))[1][:, 0]
    assert d["bell_min_zeta"][0][0] == pytest.approx(_bell_min(np.outer(ground, ground), n), abs=ATOL_B)
    assert d["zeta0_ground_fidelity"] == pytest.approx(1.0, abs=1e-10)


def test_fig2_converges_to_the_steady_state(result):
    d = _load(result, "fig2_dynamics")
    n = d["n"]
    gibbs_b = _bell_min(_gibbs(n, d["J"], d["h"], d["beta"]), n)
    assert d["thermal"]["steady"]["bell_min"] == pytest.approx(gibbs_b, abs=ATOL_B)
    for name in ("thermal", "non-thermal"):
        assert d[name]["bell_min"][-1] == pytest.approx(d[name]["steady"]["bell_min"], abs=1e-6)
        assert d[name]["bell_min"][0] == pytest.approx(0.0, abs=1e-6)  # |1...1> sits on the local bound
        assert 0 < d[name]["onset_nl"] < d["t"][-1]


def test_fig3_free_oscillation_closed_form(result):
    d = _load(result, "fig3_sz2_oscillations")
    n, omega = d["n"], d["omega"]
    m = n / 2 - np.arange(n + 1)
    free = d["no dissipation"]
    for i in (0, 3, 7, 12):
        t = d["t"][i]
        psi = np.zeros(n + 1, dtype=complex)
        psi[[n // 2, n // 2 + 1]] = np.exp(1j * omega * t * m[[n // 2, n // 2 + 1]] ** 2) / np.sqrt(2)
        assert free["bell_min"][i] == pytest.approx(_bell_min(np.outer(psi, psi.conj()), n), abs=ATOL_B)
    assert min(d["S_y/sqrt(N), gamma = 0.001"]["bell_min"]) < 0


def test_fig4_slopes_and_counts(result):
    d = _load(result, "fig4_repeated_measurement")
    for name in ("thermal", "non-thermal"):
        e = d[name]
        np.testing.assert_allclose(e["slopes"], e["slope_eq15"], rtol=1e-2)
        for k in d["kappa"]:
            assert e[f"kappa_{k:g}"][0] == pytest.approx(e["bell_min_0"], abs=1e-9)
    counts = _load(result, "counts")
    for n in (6, 8):
        c = counts[str(n)]
        ground = np.linalg.eigh(_lmg_matrix(n, 1.0, 0.05))[1][:, 0]
        assert c["exact"] == pytest.approx(_bell_min(np.outer(ground, ground), n), abs=ATOL_B)
        assert abs(c["measured"] - c["exact"]) < 4 * c["stderr"]
        assert c["exact"] < 0
