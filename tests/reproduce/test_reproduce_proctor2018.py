"""``bellsense reproduce proctor2018 --quick``: files, and its JSON numbers against seed 002's norms.

Independent values: ``||v||_1^2/N^2`` and ``(sum |v_k|^{2/3})^3/N^2`` computed here from v, the
integer-split cost ``sum v_k^2/w_k^2`` of a GHZ of w_k qubits per sensor, and ``1/d``. Exact maths at
1e-9 relative. The measured gradient ratio is a shot-based estimate with a fixed seed: within 3 of
its standard errors of ``e^{2N gamma t}/2``, and its error bar small enough to exclude 1 (no advantage).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bellsense import spin
from bellsense.reproduce import reproduce
from bellsense.reproduce.proctor2018 import sensor_generators, separable_sizes


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return reproduce("proctor2018", tmp_path_factory.mktemp("proctor"), quick=True, progress=False)


def test_files_and_summary(result):
    assert result.ok
    for path in (*result.figures, *result.data, result.summary_json, result.summary_md):
        assert path.exists() and path.stat().st_size > 0
    assert {p.name for p in result.figures} == {"ratio_vs_d.png", "gradient_mle.png"}
    summary = json.loads(result.summary_json.read_text())
    assert summary["paper"] == "proctor2018" and summary["quick"] is True
    assert len(summary["rows"]) == len(result.rows) and all(r["agreement"] for r in summary["rows"])
    assert "| claim | paper | ours |" in result.summary_md.read_text()


def test_bounds_against_the_norms(result):
    bounds = json.loads((result.out_dir / "bounds.json").read_text())
    assert len(bounds) == 3
    for entry in bounds.values():
        v, n = np.abs(np.asarray(entry["v"])), entry["n"]
        assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-12)
        assert entry["ghz_cost"] == pytest.approx(v.sum() ** 2 / n**2, rel=1e-9)
        sep_bound = (v ** (2 / 3)).sum() ** 3 / n**2
        assert entry["separable_bound"] == pytest.approx(sep_bound, rel=1e-9)
        w = np.asarray(entry["separable_sizes"], dtype=float)
        assert entry["separable_cost"] == pytest.approx(np.sum(v**2 / w**2), rel=1e-9)
        assert entry["separable_cost"] >= sep_bound * (1 - 1e-12)
        np.testing.assert_allclose(np.asarray(entry["separable_qfim"]), np.diag(w**2), atol=1e-9)
        assert entry["ghz_cost"] < entry["separable_cost"]


def test_one_over_d(result):
    data = json.loads((result.out_dir / "ratio_vs_d.json").read_text())
    d = np.asarray(data["d"])
    np.testing.assert_allclose(data["ratio"], 1 / d, rtol=1e-9)
    assert d.max() >= 5


def test_gradient_from_counts(result):
    data = json.loads((result.out_dir / "gradient_mle.json").read_text())
    n, gt = data["n"], data["gamma_t"]
    expected = 0.5 * np.exp(2 * n * gt)
    assert data["predicted_ratio_qfi"] == pytest.approx(expected, rel=1e-9)
    assert abs(data["ratio"] - expected) < 3 * data["ratio_stderr"]
    assert data["ratio"] + 3 * data["ratio_stderr"] < 1.0  # entanglement does help, resolved by the data
    assert len(data["estimates_entangled"]) == data["reps"] == len(data["estimates_separable"])
    assert np.var(data["estimates_entangled"], ddof=1) == pytest.approx(data["var_entangled"], rel=1e-12)


def test_separable_sizes_and_generators():
    assert separable_sizes([1, 1, 1], 12) == [4, 4, 4]
    assert separable_sizes([1, 2, 3], 12) == [3, 4, 5]
    assert separable_sizes([0, 1, 8], 5) == [0, 1, 4]  # 1 : 4 is the 2/3 power of 1 : 8
    assert sum(separable_sizes([0.3, 1.7, 2.2, 0.01], 9)) == 9
    with pytest.raises(ValueError, match="one qubit"):
        separable_sizes([1, 1, 1], 2)
    gens = sensor_generators([2, 3])
    total = (gens[0] + gens[1]).toarray()
    np.testing.assert_allclose(total, spin.jz(5).toarray(), atol=1e-15)


@pytest.mark.parametrize("entangled", [True, False])
def test_parity_model_matches_aer_probabilities(entangled):
    """The MLE's closed-form parity model against exact Aer outcome probabilities (noisy, n = 4)."""
    from bellsense import circuits, noise
    from bellsense.backends import aer
    from bellsense.reproduce.proctor2018 import _gradient_circuits, _parity_model

    n, gt = 4, 0.05
    model_noise = noise.window_noise_model(noise.NoiseSpec(dephasing=gt), n, 1.0)
    for phases in (np.array([0.1, 0.7]), np.array([-0.4, 0.3])):
        circ = circuits.assemble(_gradient_circuits(n, 1.0, phases, np.zeros(2), entangled),
                                 circuits.collective_readout(n, "x"))
        probs = aer.probabilities(circ, model_noise)
        parity = np.array([bin(i).count("1") % 2 for i in range(1 << n)])
        if entangled:
            theta = (phases[1] - phases[0]) / np.sqrt(2)
            expected = _parity_model(np.exp(-2 * n * gt), n / np.sqrt(2))(np.array([theta]))[0]
            assert probs[parity == 0].sum() == pytest.approx(expected[0], abs=1e-12)
        else:
            for k, qubits in enumerate(([0, 1], [2, 3])):
                sub = np.array([bin(i & sum(1 << q for q in qubits)).count("1") % 2 for i in range(1 << n)])
                expected = _parity_model(np.exp(-2 * (n // 2) * gt), n // 2)(np.array([phases[k]]))[0]
                assert probs[sub == 0].sum() == pytest.approx(expected[0], abs=1e-12)
