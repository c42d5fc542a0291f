"""Any ``BaseSamplerV2`` runs an experiment and writes the same record shape as ``--backend aer``."""

from __future__ import annotations

import json

import pytest
from qiskit_aer.primitives import SamplerV2 as AerSampler

import bellsense
from bellsense.errors import SetupError
from bellsense.spec import ExperimentSpec

SPEC = {
    "probe": {"states": ["ghz", "product"], "n": [2, 3]},
    "sensing": {"t": [0.0, 0.5]},
    "measure": {"quantities": ["fisher", "bell"]},
    "run": {"shots": 300, "seed": 7},
}


def _shape(value):
    """Keys and JSON types, recursively (list entries merged), without the values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        shapes = [_shape(v) for v in value]
        return [shapes[0]] if shapes and all(s == shapes[0] for s in shapes) else shapes
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__


def test_user_sampler_writes_the_aer_record_shape(tmp_path):
    spec = ExperimentSpec.from_dict(SPEC)
    default = bellsense.run_experiment(spec, tmp_path / "aer", plots=False)
    user = bellsense.run_experiment(spec, tmp_path / "user", plots=False, sampler=AerSampler(seed=7))
    a = json.loads(default.record_path.read_text())
    b = json.loads(user.record_path.read_text())
    assert b["status"] == "complete" and b["backend"]["name"] != a["backend"]["name"]
    # Circuits are grouped per (n, t) on Aer and all in one job on a user sampler: compare them per point.
    for rec in (a, b):
        rec["circuits"].sort(key=lambda e: (e["point"], e["role"], json.dumps(e["metadata"], sort_keys=True)))
        for entry in rec["circuits"]:  # which bit strings occur is chance (the seeds differ): keep the totals
            for bnd in entry["bindings"]:
                bnd["counts"] = None if bnd["counts"] is None else {"shots": sum(bnd["counts"].values())}
    for key in ("points", "exact", "circuits", "missing"):
        assert _shape(b[key]) == _shape(a[key]), key
    # an Aer job records bellsense's method choice (issue 14); a user's sampler chooses its own
    assert set(b) == set(a) and set(b["jobs"][0]) == set(a["jobs"][0]) - {"simulation"}
    # The exact reference is the same, and the user's sampler measured the same physics: every estimate
    # within 4 standard errors of the exact limit (fixed seed; 8 points x 2 quantities tested at once).
    for p, q in zip(user.points, default.points):
        assert p.qfi_exact == q.qfi_exact and p.bell_correlator_exact == q.bell_correlator_exact
        assert abs(p.bell_correlator.value - p.bell_correlator_exact) < 4 * p.bell_correlator.stderr + 1e-12
        if p.fisher_measured.stderr is not None:
            assert abs(p.fisher_measured.value - p.fisher_exact_method) < 4 * p.fisher_measured.stderr
    table = bellsense.format_table(user.record)
    assert len(table.splitlines()) == 3 + len(user.points) and "sampler" in table.splitlines()[0]


def test_noise_with_a_user_sampler_is_refused(tmp_path):
    spec = ExperimentSpec.from_dict({**SPEC, "noise": {"dephasing": 0.1}})
    with pytest.raises(SetupError, match=r"\[noise\].*user sampler"):
        bellsense.run_experiment(spec, tmp_path / "noisy", sampler=AerSampler(seed=7))
    assert not (tmp_path / "noisy").exists()
    with pytest.raises(SetupError, match="BaseSamplerV2"):
        bellsense.run_experiment(ExperimentSpec.from_dict(SPEC), tmp_path / "bad", sampler=object())
