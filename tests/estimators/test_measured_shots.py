"""Counts / BitArray / packed shots -> marginals, Z-products, parity, Hamming weights.

Each vectorised function is checked against a plain Python loop over the counts dict (exact
agreement to 1e-12: both are sums of the same integers) and, for Aer samples, against exact
expectation values within 4 standard errors.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.primitives import BitArray

sys.path.insert(0, os.path.dirname(__file__))
import _measured_circuits as H  # noqa: E402

from bellsense import spin  # noqa: E402
from bellsense.estimators.measured.estimate import Estimate  # noqa: E402
from bellsense.estimators.measured.shots import (  # noqa: E402
    as_outcomes,
    hamming_counts,
    hamming_distribution,
    hamming_moments,
    marginal_counts,
    marginal_probabilities,
    parity,
    z_correlations,
    z_expectation,
)


def _random_counts(rng, n, m):
    keys = {"".join(rng.choice(["0", "1"], n)) for _ in range(m)}
    return {k: int(rng.integers(1, 50)) for k in keys}


def _loop_z(counts, qubits):
    total = sum(counts.values())
    acc = 0
    for key, c in counts.items():
        bits = [int(key[-1 - q]) for q in qubits]
        acc += c * (-1) ** sum(bits)
    return acc / total


counts_strategy = st.integers(1, 9).flatmap(
    lambda n: st.dictionaries(st.text("01", min_size=n, max_size=n), st.integers(1, 1000), min_size=1, max_size=40)
)


@settings(max_examples=60, deadline=None)
@given(counts_strategy)
def test_dict_bitarray_and_packed_agree_with_python_loop(counts):
    n = len(next(iter(counts)))
    bits = BitArray.from_counts(counts, num_bits=n)
    for data in (counts, bits, np.asarray(bits.array)):
        out = as_outcomes(data, n)
        assert out.shots == sum(counts.values())
        assert abs(parity(out).value - _loop_z(counts, range(n))) < 1e-12
        qs = list(range(0, n, 2))
        assert abs(z_expectation(data, qs, n).value - _loop_z(counts, qs)) < 1e-12
        ham = hamming_counts(data, n)
        loop = np.zeros(n + 1, dtype=int)
        for k, c in counts.items():
            loop[k.count("1")] += c
        assert ham.tolist() == loop.tolist()
    # marginal counts: key character k from the right is qubits[k]
    qs = [n - 1, 0] if n > 1 else [0]
    loop_m: dict[str, int] = {}
    for key, c in counts.items():
        sub = "".join(key[-1 - q] for q in reversed(qs))
        loop_m[sub] = loop_m.get(sub, 0) + c
    assert marginal_counts(counts, qs) == loop_m


def test_z_correlations_match_pairwise_products():
    rng = np.random.default_rng(0)
    counts = _random_counts(rng, 7, 300)
    first, second = z_correlations(counts)
    for p in range(7):
        assert abs(first[p] - _loop_z(counts, [p])) < 1e-12
        for q in range(7):
            ref = 1.0 if p == q else _loop_z(counts, [p, q])
            assert abs(second[p, q] - ref) < 1e-12
    probs = marginal_probabilities(counts, [2, 5])
    # P(b2, b5) from the weight-1/2 marginals (documented identity)
    for idx in range(4):
        s2, s5 = 1 - 2 * (idx & 1), 1 - 2 * (idx >> 1)
        assert abs(probs[idx] - (1 + s2 * first[2] + s5 * first[5] + s2 * s5 * second[2, 5]) / 4) < 1e-12


def test_estimates_on_aer_samples_match_exact():
    """|+>^5 rotated by exp(-i 0.4 J_z), read along x: <X_q> = cos 0.4, parity cos^5 0.4; J_x moments."""
    n, theta = 5, 0.4
    qc = H.collective(H.window(H.prep("product", n), theta), "x")
    bits = H.run([qc], 20_000, seed=1)[0]
    for q in range(n):
        e = z_expectation(bits, [q])
        assert abs(e.value - math.cos(theta)) < 4 * e.stderr
        assert e.stderr == pytest.approx(math.sqrt((1 - e.value**2) / 20_000))
    par = parity(bits)
    assert abs(par.value - math.cos(theta) ** n) < 4 * par.stderr
    mean, var = hamming_moments(bits)
    # J_x per qubit: mean cos(theta)/2, variance (1 - cos^2)/4, independent qubits
    assert abs(mean.value - n * math.cos(theta) / 2) < 4 * mean.stderr
    assert abs(var.value - n * math.sin(theta) ** 2 / 4) < 4 * var.stderr
    p, err = hamming_distribution(bits)
    assert p.sum() == pytest.approx(1.0) and np.all(err >= 0)
    # cross-check the collective operator convention: J_x = n/2 - w
    jx = spin.collective(n, "x")
    assert jx.shape == (32, 32)


def test_packed_layout_and_bitarray_shape():
    bits = BitArray.from_counts({"1000000001": 3}, num_bits=10)
    out = as_outcomes(bits)
    assert out.bits[0].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert as_outcomes(np.asarray(bits.array), 10).bits.tolist() == out.bits.tolist()
    stacked = BitArray(np.stack([np.asarray(bits.array)] * 2), 10)  # shape (2,): a 2-point sweep
    with pytest.raises(ValueError, match="several parameter points"):
        as_outcomes(stacked)


@pytest.mark.parametrize(
    "counts, match",
    [
        ({"01": 3, "110": 2}, "length"),
        ({}, "empty"),
        ({"00": 0}, "empty"),
        ({"01": 2.5}, "integer"),
        ({"01": -1}, "non-negative"),
        ({"01": "3"}, "integer"),
        ({"0a": 3}, "binary"),
        ({"0 1": 3}, "binary"),
    ],
)
def test_bad_counts(counts, match):
    with pytest.raises(ValueError, match=match):
        parity(counts)


def test_bad_inputs_other():
    with pytest.raises(ValueError, match="expected 3"):
        parity({"01": 3}, num_qubits=3)
    with pytest.raises(TypeError, match="counts dict"):
        parity([1, 0, 1])
    with pytest.raises(TypeError, match="bit strings"):
        parity({1: 3})
    with pytest.raises(ValueError, match="bytes per shot"):
        parity(np.zeros((4, 2), dtype=np.uint8), num_qubits=3)
    with pytest.raises(ValueError, match="above qubit"):
        parity(np.full((4, 1), 0b1000, dtype=np.uint8), num_qubits=3)
    with pytest.raises(ValueError, match="uint8"):
        parity(np.zeros((4, 1), dtype=np.int64))
    with pytest.raises(ValueError, match="out of range"):
        z_expectation({"01": 3}, [2])
    with pytest.raises(ValueError, match="at least 2 shots"):
        hamming_moments({"01": 1})
    assert parity({"01": 3.0}).value == -1.0  # integral floats are accepted counts


def test_estimate_to_dict_and_helpers():
    import json

    e = Estimate(0.5, 0.1, method="m", details={"a": np.arange(3), "c": 1 + 2j, "x": float("nan")})
    d = json.loads(json.dumps(e.to_dict()))
    assert d["value"] == 0.5 and d["stderr"] == 0.1 and d["details"]["a"] == [0, 1, 2]
    assert d["details"]["c"] == {"real": 1.0, "imag": 2.0} and d["details"]["x"] is None
    assert e.significance(0.2) == pytest.approx(3.0) and e.contains(0.65) and not e.contains(0.75)
    assert f"{e:.2f}" == "0.50 ± 0.10"
