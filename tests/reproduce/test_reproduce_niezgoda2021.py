"""``bellsense reproduce niezgoda2021 --quick`` (through the CLI entry point): its JSON against independent values.

Independent values:

* the crossing table of issue 13 (computed independently): U* to 1e-3, QFI/N at U* to 0.01, the U from
  which all N qubits are Bell-correlated to 1e-2 relative (the precision the values are quoted to);
* ground states built here from scratch (Kronecker-product Ising chain, two-mode matrix from the
  ladder formula), with the odd flip sector pushed up by a penalty instead of a sector projection;
  QFI ``4 Var J_z`` and ``E_{N,0} = |psi_0..0 psi_1..1|^2`` (``|a_0 a_N|^2`` in the Dicke basis) to 1e-9
  relative (dense ``eigh`` on <= 64-dimensional matrices, gaps >= 1e-2: eigenvector errors ~1e-14);
* the depth rule of the paper's appendix A, re-applied to the JSON's certified lower bounds.
"""

from __future__ import annotations

import json
import math
from functools import reduce

import numpy as np
import pytest

from bellsense.reproduce.cli import run_cli

RTOL = 1e-9
TABLE = {("ising", 12): (-0.746, 2.61, -1.906), ("two_mode", 100): (-0.973, 3.76, -8.59),
         ("two_mode", 1000): (-0.950, 4.26, -26.9)}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    path = tmp_path_factory.mktemp("niezgoda")
    assert run_cli(["niezgoda2021", "--quick", "--no-progress", "--out", str(path)]) == 0
    return path


def _ising_ground(n, u):
    x, z, eye = np.array([[0, 1], [1, 0]]), np.diag([1.0, -1.0]), np.eye(2)

    def site(op, k):
        return reduce(np.kron, [op if q == k else eye for q in range(n)])

    ham = sum(u * site(z, k) @ site(z, k + 1) for k in range(n - 1)) - sum(site(x, k) for k in range(n))
    flip = reduce(np.kron, [x] * n)
    _, vecs = np.linalg.eigh(ham + 50.0 * (np.eye(2**n) - flip) / 2)
    psi = vecs[:, 0]
    weights = np.array([bin(i).count("1") for i in range(2**n)])
    jz = n / 2 - weights
    return 4 * (psi**2 @ jz**2 - (psi**2 @ jz) ** 2), (psi[0] * psi[-1]) ** 2


def _two_mode_ground(n, u):
    m = np.arange(n + 1) - n / 2  # J_z eigenvalue of |D_k>, up to the sign convention (QFI and E do not care)
    off = 0.5 * np.sqrt((n / 2) * (n / 2 + 1) - m[:-1] * (m[:-1] + 1))
    ham = np.diag(u / n * m**2) - np.diag(off, 1) - np.diag(off, -1)
    flip = np.fliplr(np.eye(n + 1))
    _, vecs = np.linalg.eigh(ham + 50.0 * (np.eye(n + 1) - flip) / 2)
    a = vecs[:, 0]
    return 4 * (a**2 @ m**2 - (a**2 @ m) ** 2), (a[0] * a[-1]) ** 2


def test_summary_and_files(out):
    summary = json.loads((out / "summary.json").read_text())
    assert summary["quick"] and all(r["agreement"] for r in summary["rows"])
    assert set(summary["figures"]) == {"fig1_ising_qfi.png", "fig2_two_mode_qfi.png", "fig3_crossings.png"}
    assert (out / "summary.md").read_text().count("| yes |") == len(summary["rows"])


def test_crossings_against_the_reference_table(out):
    table = json.loads((out / "fig3_crossings.json").read_text())["table"]
    got = {(e["model"], e["n"]): e for e in table}
    assert set(got) == set(TABLE)
    for key, (u_star, qfi_n, all_n) in TABLE.items():
        assert got[key]["u_star"] == pytest.approx(u_star, abs=1e-3)
        assert got[key]["qfi_per_n_at_u_star"] == pytest.approx(qfi_n, abs=0.01)
        assert got[key]["all_n_from"] == pytest.approx(all_n, rel=1e-2)


@pytest.mark.parametrize(("stem", "model", "n", "ground"), [("fig1_ising_qfi", "ising", 6, _ising_ground),
                                                            ("fig2_two_mode_qfi", "two_mode", 50, _two_mode_ground)])
def test_curves_against_independent_ground_states(out, stem, model, n, ground):
    curve = json.loads((out / f"{stem}.json").read_text())["curves"][str(n)]
    us = np.asarray(curve["U"])
    for i in np.flatnonzero((us > -2.0) & (us < -0.2))[::3]:
        f, e = ground(n, float(us[i]))
        assert curve["qfi_per_n"][i] == pytest.approx(f / n, rel=RTOL)
        assert curve["log10_e"][i] == pytest.approx(math.log10(e), abs=RTOL)


@pytest.mark.parametrize("stem", ["fig1_ising_qfi", "fig2_two_mode_qfi"])
def test_depth_rule_and_eq26(out, stem):
    curves = json.loads((out / f"{stem}.json").read_text())["curves"]
    n_certified = 0
    for key, c in curves.items():
        n = int(key)
        for low, depth, f_n, val in zip(c["log10_lower"], c["depth"], c["qfi_per_n"], c["log10_e"]):
            low = float(low)  # "-inf" is written as a string
            if low <= -n * math.log10(2):
                assert depth == 0
                continue
            m = max(0, math.floor(-low / math.log10(2)) - 2)
            assert depth == n - m and low <= val
            assert f_n * n >= n**2 / 2 ** (m + 1)  # eq. 26
            n_certified += 1
    assert n_certified > 20  # the check is not vacuous
    # the largest two-mode N keeps depth < N yet F_Q/N^2 > 0.9 at the most negative U (Fig. 2's claim)
    if "1000" in curves:
        c = curves["1000"]
        assert c["qfi_per_n"][0] / 1000 > 0.9 and 0 < c["depth"][0] < 1000
