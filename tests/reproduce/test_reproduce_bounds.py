"""``bellsense reproduce bounds --quick`` (through the CLI entry point): its JSON against independent values.

Independent values: the closed forms of ``|+>^N`` (``N e^{-4 gamma t}``, ``N e^{-gamma t}``), GHZ
(``N^2 e^{-4 N gamma t}``; ``2 N^2 x^N/(1 + (1-x)^N + x^N)``, ``x = e^{-gamma t}``) and the CE bound for
dephasing (``N^2 eta^2/(N(1-eta^2) + eta^2)``, Demkowicz-Dobrzanski et al. 2012) and emission
(``4 N^2 (1-p)/(N p + 4(1-p))``, the same formula with ``c^2 = 1-p``, ``d = 0``), written out here; the
QMetro++ anchor; and the optimal probes' amplitudes pushed through a dense 2^N Kraus channel with ``qfi``.
Tolerances: closed forms 1e-12 relative; the dense QFI of stored amplitudes 1e-9 (the JSON keeps 17 digits).
"""

from __future__ import annotations

import itertools
import json
import math
from functools import reduce

import numpy as np
import pytest
from qiskit.quantum_info import Kraus

from bellsense import noise, spin, states
from bellsense.estimators import qfi
from bellsense.reproduce.cli import run_cli

GT = 0.1


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    path = tmp_path_factory.mktemp("bounds")
    assert run_cli(["bounds", "--quick", "--no-progress", "--out", str(path)]) == 0
    return path


def _closed(kind: str, n: np.ndarray) -> dict[str, np.ndarray]:
    if kind == "dephasing":
        eta2 = math.exp(-4 * GT)
        return {"product": n * eta2, "ghz": n**2 * np.exp(-4 * n * GT),
                "bound": n**2 * eta2 / (n * (1 - eta2) + eta2)}
    x = math.exp(-GT)
    return {"product": n * x, "ghz": 2 * n**2 * x**n / (1 + (1 - x) ** n + x**n),
            "bound": 4 * n**2 * x / (n * (1 - x) + 4 * x)}


def test_files_and_rows(out) -> None:
    summary = json.loads((out / "summary.json").read_text())
    assert summary["figures"] == ["bounds.png"] and summary["data"] == ["bounds.json"]
    assert all(r["agreement"] for r in summary["rows"])
    assert (out / "bounds.png").stat().st_size > 10_000


@pytest.mark.parametrize("kind", ["dephasing", "emission"])
def test_curves_against_closed_forms(out, kind: str) -> None:
    panel = json.loads((out / "bounds.json").read_text())["panels"][kind]
    n = np.asarray(panel["n"], dtype=float)
    assert n[0] == 2 and n[-1] == 20
    for key, ref in _closed(kind, n).items():
        np.testing.assert_allclose(panel[key], ref / n, rtol=1e-12)
    limit = 1 / math.expm1(4 * GT) if kind == "dephasing" else 4 / math.expm1(GT)
    assert panel["asymptote"] == pytest.approx(limit, rel=1e-12)


@pytest.mark.parametrize("kind", ["dephasing", "emission"])
def test_probes_ordered_and_recomputed_densely(out, kind: str) -> None:
    panel = json.loads((out / "bounds.json").read_text())["panels"][kind]
    ns = np.asarray(panel["probe_n"], dtype=float)
    ref = _closed(kind, ns)
    opt, oat = np.asarray(panel["optimal"]) * ns, np.asarray(panel["oat"]) * ns
    assert np.all(ref["product"] <= oat * (1 + 1e-9)) and np.all(oat <= opt * (1 + 1e-9))
    assert np.all(ref["ghz"] <= opt * (1 + 1e-9)) and np.all(opt <= ref["bound"])
    assert np.all(opt[ns >= 4] > 1.3 * ref["product"][ns >= 4])  # entanglement pays off at gamma t = 0.1
    n = 4
    amp = panel["optimal_amplitudes"][str(n)]
    vec = states.symmetric(np.asarray(amp["re"]) + 1j * np.asarray(amp["im"]))
    single = Kraus(noise.local_channel(*((1.0, 0.0) if kind == "dephasing" else (0.0, 1.0)), GT)).data
    rho = sum(k @ np.outer(vec, vec.conj()) @ k.conj().T
              for k in (reduce(np.kron, ks) for ks in itertools.product(single, repeat=n)))
    assert qfi(rho, spin.collective(n, "z").toarray()) == pytest.approx(opt[list(ns).index(n)], rel=1e-9)


def test_anchor_row(out) -> None:
    rows = json.loads((out / "summary.json").read_text())["rows"]
    anchor = next(r for r in rows if r["claim"].startswith("N = 20, dephasing"))
    assert anchor["paper"] == "36.9, 0.13, 13.4" and anchor["agreement"]
    bound, ghz, prod = (float(x) for x in anchor["ours"].split(", "))
    assert (round(bound, 1), round(ghz, 2), round(prod, 1)) == (36.9, 0.13, 13.4)
