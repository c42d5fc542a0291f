"""The experiment spec: TOML loading, round trips, and clean rejection of bad values."""

from __future__ import annotations

import pathlib

import pytest

from bellsense.noise import NoiseSpec
from bellsense.spec import (
    FISHER_METHODS,
    QUANTITIES,
    STATES,
    ExperimentSpec,
    MeasureSpec,
    ProbeSpec,
    RunSpec,
    SensingSpec,
    SpecError,
    load_spec,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))

GOOD = """
name = "t"
[probe]
states = ["ghz", "product"]
n = [2, 3]
[sensing]
t = [0.0, 0.5]
[noise]
dephasing = 0.1
[measure]
quantities = ["fisher", "bell"]
[run]
shots = 100
seed = 1
"""


def _write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_load_and_points(tmp_path):
    spec = load_spec(_write(tmp_path, GOOD))
    assert spec.probe.states == ("ghz", "product")
    assert spec.points() == [(s, n, t) for s in ("ghz", "product") for n in (2, 3) for t in (0.0, 0.5)]
    assert spec.noises[0].dephasing == 0.1 and spec.run.shots == 100


def test_dict_round_trip_and_single_values(tmp_path):
    spec = load_spec(_write(tmp_path, GOOD.replace('states = ["ghz", "product"]', 'state = "ghz"')
                            .replace("n = [2, 3]", "n = 4")))
    assert spec.probe.states == ("ghz",) and spec.probe.n == (4,)
    assert ExperimentSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_are_valid(path):
    spec = load_spec(path)
    assert spec.points()
    assert ExperimentSpec.from_dict(spec.to_dict()) == spec


def test_overrides_are_validated():
    spec = ExperimentSpec().with_overrides(n=[2, 3], shots=10, seed=4, backend="fake_torino")
    assert spec.probe.n == (2, 3) and spec.run.shots == 10 and spec.run.backend == "fake_torino"
    with pytest.raises(SpecError, match="run.backend"):
        ExperimentSpec().with_overrides(backend="nonsense")


@pytest.mark.parametrize(
    "old, new, key, allowed",
    [
        ("dephasing = 0.1", "dephasng = 0.1", "noise.dephasng", "dephasing"),  # misspelled key
        ("dephasing = 0.1", "dephasing = -0.1", "noise.dephasing", "a rate >= 0"),  # negative rate
        ("dephasing = 0.1", "kappa = -1.0", "noise.kappa", "rate >= 0"),
        ("dephasing = 0.1", "readout_error = 0.1", "noise.readout_error", "readout_p01, readout_p10"),  # 0.1.0 key
        ('states = ["ghz", "product"]', 'state = "dicke"\nk = 5', "probe.k", "0 <= k <= n"),  # k > n
        ('states = ["ghz", "product"]', 'states = ["ghz", "cat"]', "probe.states", "ghz, product, dicke"),
        ("seed = 1", 'seed = 1\nbackend = "quantum_cloud"', "run.backend", "'aer'"),  # unknown backend
        ("[run]", "[rnu]", "rnu", "measure, name, noise, probe, run"),  # misspelled section
        ("shots = 100", "shots = 0", "run.shots", "an integer >= 1"),
        ("shots = 100", "shots = 1.5", "run.shots", "an integer >= 1"),
        ("t = [0.0, 0.5]", "t = [0.0, -1.0]", "sensing.t", "a time >= 0"),
        ("dephasing = 0.1", "readout_p10 = 1.5", "noise.readout_p10", "0 <= p <= 1"),
        ("dephasing = 0.1", "T1 = 10.0", "noise.T2", "both T1 and T2"),
        ("dephasing = 0.1", "T1 = 1.0\nT2 = 3.0", "noise.T2", "T2 <= 2 T1"),
        ('quantities = ["fisher", "bell"]', 'quantities = ["fisher", "entropy"]', "measure.quantities",
         ", ".join(QUANTITIES)),
        ('quantities = ["fisher", "bell"]', 'fisher_method = "mle"', "measure.fisher_method",
         ", ".join(FISHER_METHODS)),
        ('quantities = ["fisher", "bell"]', 'quantities = ["pi_bell"]', "measure.pi_bell_angles", "[phi, theta]"),
        ('t = [0.0, 0.5]', 'axis = "w"', "sensing.axis", "'x', 'y' or 'z'"),
        ('t = [0.0, 0.5]', 'theta = "best"', "sensing.theta", "'optimal' or a number"),
        ('states = ["ghz", "product"]', 'state = "network"', "probe.weights", "one coefficient per sensor"),
        ('states = ["ghz", "product"]', 'state = "symmetric"\namplitudes = [1.0, 0.0]', "probe.n", "n = 1"),
        ("seed = 1", "seed = 1\ntime_unit = -1e-6", "run.time_unit", "seconds per unit of t"),
        ("dephasing = 0.1", 'device = "torino"', "noise.device", "'fake_<device>'"),
    ],
)
def test_bad_values_name_key_file_and_allowed(tmp_path, old, new, key, allowed):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}:"), message
    assert "allowed:" in message and allowed in message, message
    assert "\n" not in message


def test_unreadable_and_invalid_toml(tmp_path):
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(_write(tmp_path, "[probe\nn = 2"))


def test_dataclasses_validate_directly():
    # Python users get the same checks as TOML users (ValueError subclasses, key named).
    with pytest.raises(ValueError, match="noise.emission"):
        NoiseSpec(emission=-1.0)
    with pytest.raises(ValueError, match="probe.k"):
        ProbeSpec(states=("dicke",), n=(2, 4), k=3)
    with pytest.raises(ValueError, match="sensing.t"):
        SensingSpec(t=(float("nan"),))
    with pytest.raises(ValueError, match="measure.delta"):
        MeasureSpec(delta=0.0)
    with pytest.raises(ValueError, match="run.seed"):
        RunSpec(seed=-1)
    with pytest.raises(TypeError, match="probe must be a ProbeSpec"):
        ExperimentSpec(probe={"n": 2})  # type: ignore[arg-type]
    assert set(STATES) >= {"ghz", "product", "dicke", "symmetric", "network"}
