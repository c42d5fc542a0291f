"""Issue 13 spec additions: model ground states (lmg, two_mode, ising), the separable network probe and
optimal PI-Bell angles, through the spec, ``run_experiment`` and ``bellsense check``.

Independent references: the QFI of a pure state about J_z is ``4 Var(J_z)``, computed here with numpy from
``bellsense.models`` (Dicke amplitudes: ``m = n/2 - k``; 2^n vectors: ``J_z = sum_q (1 - 2 b_q)/2``); the
separable network's QFI is ``sum_k (u_k w_k)^2`` (a GHZ state of w_k qubits in each sensor, encoding weights
``u = v / ||v||_2``; Proctor, Knott & Dunningham, PRL 120, 080501 (2018)). Exact maths is checked to 1e-9
(relative): the values come from eigensolvers and Aer state vectors, both accurate to ~1e-12. Shot-based values
are checked within 4 standard errors at fixed seeds.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from bellsense import estimators, models
from bellsense.circuits import separable_sizes
from bellsense.cli import main
from bellsense.errors import SpecError
from bellsense.run import exact_point, plan_points, run_experiment
from bellsense.run.build import prep_circuit
from bellsense.spec import ExperimentSpec, load_spec


def _var_jz_dicke(amps: np.ndarray) -> float:
    n = amps.size - 1
    p = np.abs(amps) ** 2 / np.sum(np.abs(amps) ** 2)
    m = n / 2 - np.arange(n + 1)
    return float(p @ m**2 - (p @ m) ** 2)


def _var_jz_qubits(psi: np.ndarray, n: int) -> float:
    idx = np.arange(1 << n)
    m = sum(0.5 - ((idx >> q) & 1) for q in range(n))
    p = np.abs(psi) ** 2
    return float(p @ m**2 - (p @ m) ** 2)


def _spec(probe: dict, **sections) -> ExperimentSpec:
    data = {"probe": probe, "sensing": {"t": [0.0]}, "measure": {"quantities": ["fisher"]},
            "run": {"shots": 2000, "seed": 11}}
    data.update(sections)
    return ExperimentSpec.from_dict(data)


@pytest.mark.parametrize("probe, key, words", [
    ({"states": ["lmg"], "n": 4, "coupling": 1.0}, "probe.field", "is missing for state 'lmg'"),
    ({"states": ["two_mode"], "n": 4, "coupling": 1.0, "field": 0.5}, "probe.field", "does not apply"),
    ({"states": ["ghz"], "n": 4, "coupling": 1.0}, "probe.coupling", "does not apply"),
    ({"states": ["ising"], "n": 9, "coupling": 1.0, "field": 1.0}, "probe.n", "n <= 8 for 'ising'"),
    ({"states": ["lmg"], "n": 13, "coupling": 1.0, "field": 1.0}, "probe.n", "n <= 12 for 'lmg'"),
    ({"states": ["lmg"], "n": 4, "coupling": "strong", "field": 1.0}, "probe.coupling", "a real number"),
    ({"states": ["ghz"], "n": 4, "network": "separable"}, "probe.network", "does not apply"),
    ({"states": ["network"], "n": 4, "weights": [1, 1], "network": "best"}, "probe.network", "'separable'"),
    ({"states": ["lmg"], "n": 4, "coupling": 1.0, "field": 1.0, "beta": 2.0}, "probe.beta", "does not apply"),
])
def test_bad_probe_keys_name_the_key_the_file_and_what_is_allowed(tmp_path, probe, key, words):
    def toml(value: object) -> str:
        return f'"{value}"' if isinstance(value, str) else str(value).replace("'", '"')

    path = tmp_path / "bad.toml"
    path.write_text("[probe]\n" + "".join(f"{k} = {toml(v)}\n" for k, v in probe.items()))
    with pytest.raises(SpecError) as err:
        load_spec(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {key}:") and words in message and "allowed:" in message
    assert "\n" not in message


@pytest.mark.parametrize("measure, words", [
    ({"quantities": ["pi_bell"], "pi_bell_angles": "best"}, "'best' is not understood"),
    ({"quantities": ["pi_bell"], "pi_bell_angles": "optimal", "exact": "off"}, "needs exact = 'auto'"),
])
def test_bad_pi_bell_angles(measure, words):
    with pytest.raises(SpecError, match="measure.pi_bell_angles") as err:
        ExperimentSpec.from_dict({"measure": measure})
    assert words in str(err.value)


@pytest.mark.parametrize("state, n", [("lmg", 3), ("lmg", 6), ("two_mode", 5), ("ising", 3), ("ising", 5)])
def test_model_circuits_prepare_the_model_ground_states(state, n):
    probe = {"states": [state], "n": n, "coupling": 1.5, **({} if state == "two_mode" else {"field": 0.7})}
    spec = _spec(probe)
    psi = Statevector(prep_circuit(spec, state, n)).data
    if state == "ising":
        ref = models.ising_ground_state(n, 1.5, 0.7)
    else:
        amps = models.lmg_ground_state(n, 1.5, 0.7) if state == "lmg" else models.two_mode_ground_state(n, 1.5)
        # |D_k> on qubits: amplitude a_k / sqrt(C(n, k)) on every bit string of Hamming weight k
        weight = np.array([bin(i).count("1") for i in range(1 << n)])
        counts = np.bincount(weight, minlength=n + 1)
        ref = amps[weight] / np.sqrt(counts[weight])
    assert abs(np.vdot(ref, psi)) ** 2 == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("state, n", [("lmg", 4), ("two_mode", 6), ("ising", 4), ("ising", 6)])
def test_exact_qfi_of_model_ground_states_is_four_var_jz(state, n):
    probe = {"states": [state], "n": n, "coupling": -1.2, **({} if state == "two_mode" else {"field": 1.0})}
    spec = _spec(probe)
    _, entry = exact_point(spec, plan_points(spec)[0])
    if state == "ising":
        ref = 4 * _var_jz_qubits(models.ising_ground_state(n, -1.2, 1.0), n)
        assert entry.exact_method == "dense"
    else:
        amps = models.lmg_ground_state(n, -1.2, 1.0) if state == "lmg" else models.two_mode_ground_state(n, -1.2)
        ref = 4 * _var_jz_dicke(amps)
        assert entry.exact_method == "pi"
    assert entry.qfi_exact == pytest.approx(ref, rel=1e-9)


def test_lmg_engine_and_dense_path_agree_under_dephasing():
    spec = _spec({"states": ["lmg"], "n": 4, "coupling": 1.0, "field": 0.3},
                 sensing={"t": [0.7]}, noise={"dephasing": 0.1},
                 measure={"quantities": ["fisher", "pi_bell"], "pi_bell_angles": "optimal"})
    plan = plan_points(spec)[0]
    _, pi = exact_point(spec, plan)
    _, dense = exact_point(spec, plan, method="dense")
    assert (pi.exact_method, dense.exact_method) == ("pi", "dense")
    for key in ("qfi_exact", "cfi_exact", "pi_bell_exact"):
        assert getattr(pi, key) == pytest.approx(getattr(dense, key), rel=1e-8, abs=1e-10), key


def test_optimal_pi_bell_angles_are_recorded_and_measured(tmp_path):
    # LMG ground state with J/h = 20 at n = 6: <B>_min = -0.215 (Marconi et al. 2022, a Bell violation).
    spec = _spec({"states": ["lmg"], "n": 6, "coupling": 1.0, "field": 0.05},
                 measure={"quantities": ["pi_bell"], "pi_bell_angles": "optimal"}, run={"shots": 4000, "seed": 5})
    rec = run_experiment(spec, tmp_path / "run", plots=False).record
    (entry,), (point,) = rec.exact, rec.points
    amps = models.lmg_ground_state(6, 1.0, 0.05)
    best = estimators.pi_bell_minimum(amps, basis="dicke")
    # <B> has symmetric copies of its minimum: check the recorded angles by the value they give
    assert entry.pi_bell_angles is not None
    assert estimators.pi_bell_value(amps, *entry.pi_bell_angles, basis="dicke") == pytest.approx(best.value, abs=1e-9)
    assert entry.pi_bell_exact == pytest.approx(best.value, abs=1e-9) and best.value < -0.2
    settings = [c for c in rec.circuits if c.role == "pi_bell"]
    assert len(settings) == 3  # the three PI-Bell settings, built at the recorded angles
    assert point.pi_bell is not None
    assert abs(point.pi_bell.value - best.value) < 4 * point.pi_bell.stderr


def test_separable_network_probe_sizes_qfi_and_measured_fisher(tmp_path):
    v = [1.0, 2.0]
    spec = _spec({"states": ["network"], "n": 6, "weights": v, "network": "separable"}, run={"shots": 4000, "seed": 2})
    rec = run_experiment(spec, tmp_path / "run", plots=False).record
    (entry,), (point,) = rec.exact, rec.points
    sizes = separable_sizes(v, 6)
    assert entry.sizes == sizes == [2, 4]  # 6 |v_k|^(2/3) / sum = 2.32, 3.68
    u = np.asarray(v) / np.linalg.norm(v)
    assert entry.qfi_exact == pytest.approx(float(np.sum((u * sizes) ** 2)), rel=1e-9)
    assert point.fisher_measured is not None
    assert abs(point.fisher_measured.value - entry.fisher_exact_method) < 4 * point.fisher_measured.stderr
    # the entangled linear-function probe (sizes 2, 4 as well): QFI (sum_k u_k w_k)^2 = 20 > 13.6
    ent = dataclasses.replace(spec, probe=dataclasses.replace(spec.probe, network=None))
    _, ent_entry = exact_point(ent, plan_points(ent)[0])
    assert ent_entry.qfi_exact == pytest.approx(float(np.sum(u * sizes) ** 2), rel=1e-9)
    assert ent_entry.qfi_exact > entry.qfi_exact


def test_check_command_accepts_the_example_spec(capsys):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "lmg_pi_bell.toml"
    assert main(["check", str(example)]) == 0
    assert "valid spec" in capsys.readouterr().out


def test_optimal_pi_bell_without_an_exact_state_says_why(tmp_path):
    # per-qubit rates that differ and n = 17 > 12: neither the engine nor the dense path; nothing silent
    spec = _spec({"states": ["ghz"], "n": 17}, sensing={"t": [0.5]}, noise={"dephasing": [0.1] + [0.2] * 16},
                 measure={"quantities": ["pi_bell"], "pi_bell_angles": "optimal"})
    _, entry = exact_point(spec, plan_points(spec)[0])
    assert entry.exact_method is None and entry.pi_bell_angles is None
    assert entry.unavailable is not None and "pi_bell is not measured" in entry.unavailable
