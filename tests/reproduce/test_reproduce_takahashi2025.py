"""``bellsense reproduce takahashi2025 --quick``: its JSON numbers against independent values.

Independent values: the G(t) and IMG closed forms of seed 003 written out here, ``ln N/(4(N-1))``
for the crossover, ``(1-delta^2) e^{-4 gamma t}``, ``sum_a e^{-4 gamma_a t}``, and 221.807 for the GHZ
emission IMG at N = 16, gamma = 0.1 (computed independently in issue 13). Exact maths: 1e-8 relative
(Aer density matrices are exact to ~1e-12; the quadratures run at epsrel 1e-10).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bellsense.reproduce import reproduce
from bellsense.reproduce.takahashi2025 import dense_gain, ghz_emission_block_gain

RTOL = 1e-8


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return reproduce("takahashi2025", tmp_path_factory.mktemp("takahashi"), quick=True, progress=False)


def _g(probe, kind, n, gt):
    gt = np.asarray(gt, dtype=float)
    if kind == "dephasing":
        return n**2 * np.exp(-4 * n * gt) if probe == "ghz" else n * np.exp(-4 * gt)
    if probe == "ghz":
        x = np.exp(-gt)
        return 2 * n**2 * x**n / (1 + (1 - x) ** n + x**n)
    return n * np.exp(-gt)


def test_files_and_flagged_row(result):
    assert result.ok
    assert {p.name for p in result.figures} == {"gain_dephasing.png", "gain_emission.png", "img.png"}
    rows = json.loads(result.summary_json.read_text())["rows"]
    flagged = [r for r in rows if r["flagged"]]
    assert len(flagged) == 1 and not flagged[0]["agreement"] and "eq. 54" in flagged[0]["claim"]
    assert "2 ln 2" in flagged[0]["note"]
    assert all(r["agreement"] for r in rows if not r["flagged"])


@pytest.mark.parametrize("kind", ["dephasing", "emission"])
def test_gain_points(result, kind):
    data = json.loads((result.out_dir / f"gain_{kind}.json").read_text())
    gts = np.asarray(data["gamma_t"])
    assert data["aer_n"][0] == 2 and data["aer_n"][-1] >= 5
    for probe in ("ghz", "product"):
        for i, n in enumerate(data["aer_n"]):
            np.testing.assert_allclose(data["aer"][probe][i], _g(probe, kind, n, gts), rtol=RTOL)
    big = data["large_n"]
    np.testing.assert_allclose(big["product_1000"], _g("product", kind, 1000, big["gamma_t"]), rtol=RTOL)


def test_img_crossover_single_qubit(result):
    data = json.loads((result.out_dir / "img.json").read_text())
    gamma = data["gamma"]
    table = data["table"]
    for key, form in (("ghz_dephasing", lambda n: n / (4 * gamma)), ("product_dephasing", lambda n: n / (4 * gamma)),
                      ("product_emission", lambda n: n / gamma)):
        np.testing.assert_allclose(table[key]["ours"], [form(n) for n in table[key]["n"]], rtol=RTOL)
    ghz_e = table["ghz_emission"]
    for n, val in zip(ghz_e["n"], ghz_e["ours"]):
        assert n / gamma < val < 2 * n * np.log(2) / gamma  # beats the product, below eq. 52's bound
    n16 = data["ghz_emission_n16"]
    assert gamma == 0.1
    assert n16["img"] == pytest.approx(221.807, abs=5e-4)
    assert n16["eq54"] == pytest.approx(160.0)
    cross = data["crossover"]
    ref = [np.log(n) / (4 * (n - 1) * gamma) for n in cross["n"]]
    np.testing.assert_allclose(cross["dephasing"], ref, rtol=RTOL)
    single = data["single_qubit_and_rates"]
    gts = np.asarray(single["gamma_t"])
    ref_d = [(1 - d**2) * np.exp(-4 * gts) for d in single["deltas"]]
    np.testing.assert_allclose(single["g_delta"], ref_d, rtol=RTOL, atol=1e-300)
    rates, times = np.asarray(single["rates"]), np.asarray(single["t"])
    np.testing.assert_allclose(single["g_rates"], [np.sum(np.exp(-4 * rates * t)) for t in times], rtol=RTOL)


@pytest.mark.parametrize("n", [2, 3, 5, 6])
def test_two_level_block_matches_the_full_state(n):
    for gt in (0.01, 0.3, 1.5):
        assert ghz_emission_block_gain(n, gt) == pytest.approx(dense_gain("ghz", "emission", n, gt), rel=1e-10)
