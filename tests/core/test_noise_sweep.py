"""Several noise settings in one spec (``[[noise]]``): parsing, one point per setting, exact values per setting,
the table's noise column, the record (round trip, schema, consistency) and ``bellsense fetch`` of interrupted runs."""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib

import pytest

from bellsense import estimators, record, report
from bellsense import run as runner
from bellsense.cli import main
from bellsense.noise import NoiseSpec
from bellsense.spec import ExperimentSpec, SpecError, load_spec

GAMMA, T = 0.2, 0.5
SWEEP = """
name = "noise-sweep"
[probe]
states = ["ghz", "product"]
n = [2, 3]
[sensing]
t = [0.5]
[[noise]]
dephasing = 0.0
[[noise]]
dephasing = 0.2
label = "gamma 0.2"
[measure]
quantities = ["fisher", "bell"]
[run]
shots = 400
seed = 11
"""


def _write(tmp_path: pathlib.Path, text: str, name: str = "spec.toml") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    spec = load_spec(_write(root, SWEEP))
    return spec, runner.run_experiment(spec, root / "full", plots=False)


def _qfi(state: str, n: int, gamma: float) -> float:
    # docs/PHYSICS.md (Takahashi, Ho & Matsueda, arXiv:2512.21661), L = sigma_z at rate gamma:
    # GHZ F_Q = n^2 e^{-4 n gamma t}, |+>^n F_Q = n e^{-4 gamma t}
    return n * n * math.exp(-4 * n * gamma * T) if state == "ghz" else n * math.exp(-4 * gamma * T)


def test_noise_tables_parse_into_settings_with_labels_and_points(tmp_path):
    spec = load_spec(_write(tmp_path, SWEEP))
    assert spec.noises == (NoiseSpec(dephasing=0.0), NoiseSpec(dephasing=0.2))
    # the default label names the key in which the settings differ
    assert [spec.noise_label(k) for k in (0, 1)] == ["dephasing=0", "gamma 0.2"]
    sweep = [(s, n, 0.5) for s in ("ghz", "product") for n in (2, 3)]
    assert spec.points() == sweep + sweep and spec.point_noises() == [0] * 4 + [1] * 4
    plans = runner.plan_points(spec)
    assert [(p.index, p.noise_index, p.noise_label) for p in plans][3:5] == [(3, 0, "dephasing=0"), (4, 1, "gamma 0.2")]
    assert ExperimentSpec.from_dict(spec.to_dict()) == spec
    # one [noise] table: one setting, the spec's dict and the points' dicts keep their shape
    single = ExperimentSpec.from_dict({"noise": {"dephasing": 0.1}})
    assert isinstance(single.to_dict()["noise"], dict) and single.noises == (NoiseSpec(dephasing=0.1),)
    assert "noise_index" not in runner.plan_points(single)[0].to_dict()
    # default labels: "noise i" when a description would not tell the settings apart
    twins = ExperimentSpec.from_dict({"noise": [{"dephasing": 0.1}, {"dephasing": 0.1}]})
    assert [twins.noise_label(k) for k in (0, 1)] == ["noise 1", "noise 2"] and twins.noise_labels is None
    # a copy with other settings gets fresh default labels; given labels must match the settings in number
    wider = dataclasses.replace(single, noises=(NoiseSpec(), NoiseSpec(emission=0.1)))
    assert [wider.noise_label(k) for k in (0, 1)] == ["emission=0", "emission=0.1"]
    with pytest.raises(SpecError, match="2 labels for 1 settings"):
        dataclasses.replace(single, noise_labels=("a", "b"))


@pytest.mark.parametrize("noise, key, words", [
    ("[[noise]]\ndephasing = 0.1\n[[noise]]\ndephasing = -0.2\n", "noise[2].dephasing", "finite number >= 0"),
    ("[[noise]]\ndephasing = 0.1\n[[noise]]\ndephasin = 0.2\n", "noise[2].dephasin", "unknown key"),
    ("[[noise]]\nlabel = 'a'\n[[noise]]\nlabel = 'a'\ndephasing = 0.2\n", "noise[2].label", "also the label"),
    ("[[noise]]\nlabel = ''\n[[noise]]\ndephasing = 0.2\n", "noise[1].label", "not a non-empty string"),
    ("[[noise]]\ndevice = 'fake_belem'\n[[noise]]\ndephasing = 0.2\n", "noise[1].device", "several noise settings"),
    ("[[noise]]\ndephasing = 0.1\n[[noise]]\nT1 = 5.0\n", "noise[2].T2", "both T1 and T2"),
    ("noise = []\n", "noise", "empty list"),
    ("noise = [1, 2]\n", "noise[1]", "not a table"),
    ("[[noise]]\ndephasing = 0.1\n[[noise]]\ndephasing = 0.2\n[run]\nbackend = 'fake_belem'\n", "noise",
     "does not act"),
])
def test_bad_noise_settings_exit_2_naming_the_indexed_key(tmp_path, capsys, noise, key, words):
    path = _write(tmp_path, noise + "[probe]\nn = 2\n", "bad.toml")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{path}: {key}:" in err and words in err and "allowed:" in err
    with pytest.raises(SpecError, match=key.replace("[", r"\[").replace("]", r"\]")):
        load_spec(path)


def test_each_setting_gets_its_points_and_exact_values(sweep_run):
    spec, result = sweep_run
    rec = result.record
    assert rec.status == "complete" and len(rec.points) == 8
    for k, point in enumerate(rec.points):
        gamma = (0.0, GAMMA)[k // 4]
        assert (point.noise_index, point.noise_label) == (k // 4, ("dephasing=0", "gamma 0.2")[k // 4])
        assert rec.exact[k].noise_index == k // 4
        # exact engine against the closed form: machine precision (the PI engine integrates exactly at n <= 3)
        assert point.qfi_exact == pytest.approx(_qfi(point.state, point.n, gamma), rel=1e-9)
        # the parallel bound of the point's own setting (n^2 without noise)
        assert point.bound == pytest.approx(estimators.parallel_bound(point.n, T, dephasing=gamma), rel=1e-9)
        # the counts of each setting ran with its own noise: the measured F agrees with the exact limit of its
        # method to within 4 standard errors (fixed seed; ~1e-4 chance per point for a Gaussian estimate)
        assert point.fisher_z is not None and abs(point.fisher_z) < 4
    # the noise lowers the GHZ correlator: E = 1/4 (gamma = 0) against (e^{-2 n gamma t})^2 / 4 under dephasing
    ghz3 = [p for p in rec.points if p.state == "ghz" and p.n == 3]
    assert ghz3[0].bell_correlator_exact == pytest.approx(0.25, rel=1e-9)
    assert ghz3[1].bell_correlator_exact == pytest.approx(0.25 * math.exp(-4 * 3 * GAMMA * T), rel=1e-9)
    # one Aer job per point, with its setting
    assert [j.noise_index for j in rec.jobs] == [0] * 4 + [1] * 4
    assert all(key.endswith(f"/noise={i // 4}") for i, key in enumerate(t.key for t in rec.execution.tasks[:8]))


def test_the_table_has_a_noise_column_with_both_labels(sweep_run):
    _, result = sweep_run
    lines = report.format_table(result.record).splitlines()
    head = next(line for line in lines if line.startswith("state"))
    assert head.split()[:4] == ["state", "n", "t", "noise"]
    rows = [line for line in lines if line.startswith(("ghz", "product"))]
    assert [row.split()[3] for row in rows] == ["dephasing=0"] * 4 + ["gamma"] * 4  # "gamma 0.2" has a space
    # one setting: no noise column
    single = ExperimentSpec.from_dict({"probe": {"n": 2}, "run": {"shots": 50}})
    assert "noise" not in report.format_table(runner.run_experiment(single, result.record_path.parent.parent / "one",
                                                                   plots=False).record).splitlines()[1]


def test_the_record_round_trips_validates_and_refuses_a_wrong_setting(sweep_run):
    import jsonschema

    _, result = sweep_run
    raw = json.loads(result.record_path.read_text())
    jsonschema.Draft202012Validator(record.schema()).validate(raw)
    assert record.read(result.record_path) == result.record
    assert isinstance(raw["spec"]["noise"], list) and [s["label"] for s in raw["spec"]["noise"]] == [
        "dephasing=0", "gamma 0.2"]
    assert report.analyse(raw) == result.record.points  # re-analysis finds each point's setting
    for where in ("exact", "points"):
        bad = json.loads(result.record_path.read_text())
        bad[where][5]["noise_index"] = 0
        with pytest.raises(ValueError, match=f"{where}/5/noise_index"):
            record.validate(bad)


def test_fetch_finishes_an_interrupted_sweep(sweep_run, tmp_path, assert_same):
    spec, result = sweep_run
    # stopped after the submissions were recorded: each point's job carries its setting, fetch re-runs them
    stopped = runner.execute(runner.prepare(spec, tmp_path / "submitted"), progress=False, plots=False,
                             stop_after_submit=True)
    on_disk = record.read(stopped.record_path)
    assert on_disk.status == "submitted" and [j.noise_index for j in on_disk.jobs] == [0] * 4 + [1] * 4
    fetched = runner.fetch(stopped.record_path, progress=False, plots=False).record
    assert fetched.status == "complete"
    assert_same(fetched.points, result.record.points)
    # killed after three task results: fetch runs only the missing tasks, with the same seeds
    killed = runner.execute(runner.prepare(spec, tmp_path / "killed"), progress=False, plots=False, stop_after=3)
    assert record.read(killed.record_path).jobs == []
    done = runner.fetch(killed.record_path, progress=False, plots=False).record
    assert done.circuits == result.record.circuits
    assert_same(done.points, result.record.points)


def test_a_user_sampler_refuses_noise_settings(tmp_path):
    from qiskit_aer.primitives import SamplerV2

    from bellsense.errors import SetupError

    spec = load_spec(_write(tmp_path, SWEEP))
    with pytest.raises(SetupError, match=r"\[noise\]"):
        runner.prepare(spec, tmp_path / "o", sampler=SamplerV2())
