"""Issue 14: local dephasing of a GHZ state as the exact two-frame mixture (``backends.frames``).

Tolerances: the identity is exact maths, so mixed frame statevectors equal Aer's density-matrix
probabilities of the noisy circuit to 1e-10 (both double precision, a few dozen gates); shot-level
comparisons use a two-sample chi-square test at a fixed seed (p > 1e-3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit.quantum_info import Statevector
from qiskit_aer.primitives import SamplerV2
from scipy.stats import chi2_contingency

from bellsense import backends, circuits, noise
from bellsense.backends.frames import (
    FRAMES_REASON,
    FrameSampler,
    flip_probability,
    frame_circuit,
    frame_weight,
    frames_apply,
    readout_model,
    window_flip_probabilities,
)
from bellsense.backends.methods import DM_SAMPLING_MAX_QUBITS, circuits_choice
from bellsense.noise import NoiseSpec

BIG = 1 << 40


def _bell(n: int, phi: float = 0.3):
    return circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 1.0, phi, "z"),
                             circuits.bell_setting(n, circuits.BELL_PHI, num_phases=n + 1))


def _fisher(n: int, axis=(1.0, 0.0, 0.0)):
    return circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 1.0, 0.0, "z"),
                             circuits.phase_encoding(n, circuits.THETA, "z"),
                             circuits.collective_readout(n, list(axis)))


def _mixture(circuit, q: float, values) -> np.ndarray:
    """(1 - q) P_0 + q P_1 from the two noiseless frames' statevectors (qiskit.quantum_info, not Aer)."""
    out = []
    for frame in (circuit, frame_circuit(circuit)):
        bound = frame.assign_parameters(values).remove_final_measurements(inplace=False)
        out.append(Statevector(bound).probabilities())
    return (1 - q) * out[0] + q * out[1]


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_mixture_equals_the_noisy_density_matrix(n: int):
    gamma_t = 0.07
    rates = {"equal": 0.07, "unequal": [0.01 + 0.05 * k for k in range(n)]}
    for name, dephasing in rates.items():
        model = noise.window_noise_model(NoiseSpec(dephasing=dephasing), n, 1.0)
        p = np.array([noise.dephasing_probability(g, 1.0) for g in np.broadcast_to(dephasing, (n,))])
        for circ, values in [(_bell(n), [[0.0], [math.pi / (n + 1)], [1.234]]),
                             (_fisher(n), [[0.0], [0.41 / n]]),
                             (_fisher(n, (0.0, 1.0, 0.0)), [[0.9]])]:
            q = frame_weight(circ, model)
            assert q == pytest.approx(flip_probability(p), abs=1e-15), name
            if name == "equal":  # the GHZ coherence decay e^{-2 n gamma t}
                assert q == pytest.approx((1 - math.exp(-2 * n * gamma_t)) / 2, abs=1e-14)
            frame0_gap = 0.0
            for vals in values:
                exact = backends.probabilities(circ, model, vals, method="density_matrix")
                assert np.max(np.abs(_mixture(circ, q, vals) - exact)) < 1e-10, (name, vals)
                frame0_gap = max(frame0_gap, float(np.max(np.abs(_mixture(circ, 0.0, vals) - exact))))
            assert frame0_gap > 1e-3  # the test can fail: frame 0 alone is far from the noisy distribution


def test_flip_probability_is_the_odd_flip_probability():
    p = np.array([0.1, 0.25, 0.4])
    odd = sum(np.prod([p[k] if b >> k & 1 else 1 - p[k] for k in range(3)])
              for b in range(8) if bin(b).count("1") % 2)
    assert flip_probability(p) == pytest.approx(odd, abs=1e-15)
    assert flip_probability([0.5, 0.0]) == 0.5 and flip_probability([]) == 0.0
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        flip_probability([1.5])


def _counts_table(a: dict[str, int], b: dict[str, int]) -> np.ndarray:
    keys = sorted(set(a) | set(b))
    return np.array([[a.get(k, 0) for k in keys], [b.get(k, 0) for k in keys]])


def test_frame_sampler_matches_aer_noisy_path_with_readout():
    n, shots = 4, 20000
    spec = NoiseSpec(dephasing=[0.05, 0.2, 0.1, 0.3], readout_p10=0.06, readout_p01=0.1)
    model = noise.window_noise_model(spec, n, 1.0)
    circ = _bell(n)
    values = np.array([[0.0], [math.pi / 5]])
    framed = FrameSampler(model, "statevector", seed=3).run([(circ, values)], shots=shots).result()[0]
    noisy = SamplerV2(seed=4, options={"backend_options": {"noise_model": model, "method": "density_matrix"}})
    ref = noisy.run([(circ, values)], shots=shots).result()[0]
    assert framed.data.meas.shape == (2,) and framed.data.meas.num_shots == shots
    for j in range(2):
        table = _counts_table(framed.data.meas.get_counts(j), ref.data.meas.get_counts(j))
        assert chi2_contingency(table)[1] > 1e-3, table
    # the readout errors act: without them the same frames give a distribution the test tells apart
    clean = FrameSampler(noise.window_noise_model(NoiseSpec(dephasing=spec.dephasing), n, 1.0), "statevector",
                         seed=3).run([(circ, values)], shots=shots).result()[0]
    assert chi2_contingency(_counts_table(clean.data.meas.get_counts(0), ref.data.meas.get_counts(0)))[1] < 1e-6
    # equal seeds, equal counts
    again = FrameSampler(model, "statevector", seed=3).run([(circ, values)], shots=shots).result()[0]
    assert np.array_equal(again.data.meas.array, framed.data.meas.array)


@pytest.mark.parametrize("extra", [{"emission": 0.1}, {"gate_error_1q": 0.01}, {"gate_error_2q": 0.01},
                                   {"T1": 10.0, "T2": 5.0}])
def test_other_noise_is_not_framed(extra: dict):
    n = 12
    model = noise.window_noise_model(NoiseSpec(dephasing=0.05, **extra), n, 1.0)
    circ = _bell(n)
    assert window_flip_probabilities(model, range(n)) is None and frame_weight(circ, model) is None
    choice = circuits_choice([circ], model, max_memory=BIG)
    assert not choice.frames and choice.method == "matrix_product_state" and "trajectories" in choice.reason


def test_what_qualifies():
    n = 12
    model = noise.window_noise_model(NoiseSpec(dephasing=0.05, readout_p10=0.01), n, 1.0)
    circ = _bell(n)
    choice = circuits_choice([circ], model, max_memory=BIG)
    assert choice.frames and choice.method == "statevector" and choice.reason.startswith(FRAMES_REASON)
    assert set(choice.to_dict()) == {"method", "reason", "shot_branching"}  # the record's Simulation fields
    assert isinstance(backends.aer_sampler(model, seed=1, choice=choice), FrameSampler)
    # a forced method keeps its own path; small n keeps the density matrix
    assert not circuits_choice([circ], model, method="matrix_product_state", max_memory=BIG).frames
    small = _bell(DM_SAMPLING_MAX_QUBITS)
    small_model = noise.window_noise_model(NoiseSpec(dephasing=0.05), DM_SAMPLING_MAX_QUBITS, 1.0)
    assert circuits_choice([small], small_model, max_memory=BIG).method == "density_matrix"
    # not a GHZ state: a product probe, a GHZ label on a circuit that does not prepare one, a noise instruction
    prod = circuits.assemble(circuits.product(n), circuits.sensing_window(n, 1.0, 0.0, "z"), circuits.bell_setting(n))
    assert frame_weight(prod, model) is None
    fake = circuits.assemble(circuits.product(n), circuits.sensing_window(n, 1.0, 0.0, "z"), circuits.bell_setting(n))
    fake.metadata = {**fake.metadata, "prep": {"state": "ghz", "n": n}}
    assert frame_weight(fake, model) is None
    collective = noise.apply_collective(circ, 0.1, 1.0)
    assert frame_weight(collective, model) is None
    assert not circuits_choice([circ, prod], model, max_memory=BIG).frames  # every circuit must qualify
    # readout only: frames with weight 0; its readout model keeps only the readout errors
    ro = noise.window_noise_model(NoiseSpec(readout_p01=0.02), n, 1.0)
    assert frame_weight(circ, ro) == 0.0
    assert [e["type"] for e in readout_model(model).to_dict()["errors"]] == ["roerror"] * n
    assert readout_model(noise.window_noise_model(NoiseSpec(dephasing=0.05), n, 1.0)) is None


def test_frame_sampler_runs_pubs_that_do_not_qualify_on_the_noisy_path():
    n, shots = 3, 4000
    model = noise.window_noise_model(NoiseSpec(dephasing=0.2), n, 1.0)
    prod = circuits.assemble(circuits.product(n), circuits.sensing_window(n, 1.0, 0.0, "z"),
                             circuits.collective_readout(n, [1.0, 0.0, 0.0]))
    res = FrameSampler(model, "statevector", seed=2).run([(_bell(n), [[0.0]]), prod], shots=shots).result()
    assert res[0].data.meas.shape == (1,) and res[1].data.meas.num_shots == shots
    # |+>^3 read along x after dephasing: each qubit reads 0 with probability (1 + e^{-2 gamma t})/2
    ones = np.unpackbits(res[1].data.meas.array, axis=-1)[:, -n:].mean()
    expected = (1 - math.exp(-0.4)) / 2
    assert abs(ones - expected) < 3 * math.sqrt(expected * (1 - expected) / (shots * n))


def test_check_names_the_frames_before_the_run(tmp_path, capsys):
    from bellsense.cli import main

    text = ('name = "g"\n[probe]\nstates = ["ghz"]\nn = [100]\n[sensing]\nt = [1.0]\n[noise]\ndephasing = 0.05\n'
            'readout_p10 = 0.01\n[measure]\nquantities = ["bell"]\n[run]\nbackend = "aer"\n')
    spec = tmp_path / "g.toml"
    spec.write_text(text)
    assert main(["check", str(spec)]) == 0
    assert FRAMES_REASON in capsys.readouterr().out
    spec.write_text(text.replace("readout_p10 = 0.01", "emission = 0.01"))
    assert main(["check", str(spec)]) == 0
    out = capsys.readouterr().out
    assert FRAMES_REASON not in out and "trajectories" in out
    assert frames_apply("ghz", NoiseSpec(dephasing=[0.1, 0.2])) and not frames_apply("product", NoiseSpec())
    assert not frames_apply("ghz", NoiseSpec(dephasing=0.1, kappa=0.1))
    assert not frames_apply("ghz", NoiseSpec(dephasing=0.1, T1=10.0, T2=5.0))


def test_a_framed_submission_re_executes_to_the_same_counts():
    """``fetch`` of a local job: the stored circuits (QPY) still qualify, and the same seed gives the same counts."""
    from bellsense.backends.submission import Submission

    n = 12
    model = noise.window_noise_model(NoiseSpec(dephasing=0.05), n, 1.0)
    pub = (_bell(n), np.asarray(circuits.bell_phases(n, n + 1))[:4, None])
    platform = backends.resolve_backend("aer")
    submission = backends.submit(platform, [pub], shots=300, seed=8, noise_model=model)
    assert platform.choice([pub[0]], model).frames
    first = backends.collect(platform, submission, noise_model=model)[0].bits
    resumed = Submission.from_dict(submission.to_dict())  # no live jobs: re-executed from the payload
    again = backends.collect(platform, resumed, noise_model=model)[0].bits
    assert first is not None and again is not None and np.array_equal(first.array, again.array)
