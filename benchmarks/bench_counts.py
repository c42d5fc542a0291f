"""Benchmark: 10^6 shots of 50 qubits -> parity, all marginals up to weight 2, Hamming weights.

Compares bellsense's vectorised path (packed BitArray -> Outcomes -> numpy) with a
straightforward Python loop over the counts dict, in the same run. The loop is timed on a
subset of the keys and extrapolated linearly (its cost is proportional to the number of
distinct keys; running it on all 10^6 keys would take minutes).

Also (issue 14, counts at width): the Bell correlator E_{N,0} of a swept PUB (n+1 settings, one BitArray of
shape (n+1,), the shots split between them) through ``analyse_bell`` with the swept metadata, no Python loop
over keys. For the issue's size: ``--qubits 156`` (10^6 shots x 156 qubits).

Run:  python benchmarks/bench_counts.py [--shots 1000000] [--qubits 50] [--loop-keys 10000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from qiskit.primitives import BitArray

from bellsense.estimators.measured import as_outcomes, hamming_counts, parity, z_correlations


def vectorised(bits: BitArray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    out = as_outcomes(bits)
    par = parity(out).value
    first, second = z_correlations(out)
    ham = hamming_counts(out)
    return par, first, second, ham


def python_loop(counts: dict[str, int], n: int) -> tuple[float, list, list, list]:
    total = 0
    par = 0
    first = [0] * n
    second = [[0] * n for _ in range(n)]
    ham = [0] * (n + 1)
    for key, c in counts.items():
        s = [1 - 2 * int(key[n - 1 - q]) for q in range(n)]
        total += c
        p = 1
        for v in s:
            p *= v
        par += c * p
        for i in range(n):
            first[i] += c * s[i]
            for j in range(i + 1, n):
                second[i][j] += c * s[i] * s[j]
        ham[key.count("1")] += c
    return par / total, [f / total for f in first], second, ham


def bell_at_width(n: int, shots: int, rng: np.random.Generator) -> tuple[float, float]:
    """Seconds for analyse_bell on a swept PUB of n+1 settings with ``shots`` shots in all, and E."""
    from bellsense import circuits
    from bellsense.estimators.measured import analyse_bell

    p = n + 1
    per = shots // p
    packed = rng.integers(0, 256, size=(p, per, (n + 7) // 8), dtype=np.uint8)
    spare = 8 * packed.shape[-1] - n
    packed[..., 0] &= np.uint8((1 << (8 - spare)) - 1)
    swept = BitArray(packed, n)  # shape (p,): one entry per bound bell_phi
    meta = circuits.bell_setting(n, circuits.BELL_PHI, num_phases=p).metadata
    t0 = time.perf_counter()
    result = analyse_bell([(meta, swept)])
    return time.perf_counter() - t0, float(result.correlator.value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shots", type=int, default=1_000_000)
    ap.add_argument("--qubits", type=int, default=50)
    ap.add_argument("--loop-keys", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    n, shots = args.qubits, args.shots
    rng = np.random.default_rng(args.seed)
    packed = rng.integers(0, 256, size=(shots, (n + 7) // 8), dtype=np.uint8)
    spare = 8 * packed.shape[1] - n
    packed[:, 0] &= np.uint8((1 << (8 - spare)) - 1)  # keep the bits above qubit n-1 zero
    bits = BitArray(packed, n)

    vectorised(BitArray(packed[:1000], n))  # warm-up (imports, BLAS init)
    t0 = time.perf_counter()
    par, first, second, ham = vectorised(bits)
    t_vec = time.perf_counter() - t0

    counts = bits.get_counts()
    keys = list(counts)[: args.loop_keys]
    sub = {k: counts[k] for k in keys}
    t0 = time.perf_counter()
    lpar, lfirst, _, lham = python_loop(sub, n)
    t_loop = time.perf_counter() - t0
    per_key = t_loop / len(sub)
    # consistency on the subset
    vpar, vfirst, _, vham = vectorised(sub)
    assert abs(vpar - lpar) < 1e-12 and np.allclose(vfirst, lfirst) and list(vham) == lham

    print(f"shots = {shots}, qubits = {n}, distinct outcomes = {len(counts)}")
    print(f"vectorised (BitArray -> parity, {n} + {n * (n - 1) // 2} marginals, Hamming weights): {t_vec:.3f} s")
    print(f"python loop over counts dict: {t_loop:.3f} s for {len(sub)} keys "
          f"-> {per_key * len(counts):.1f} s extrapolated to {len(counts)} keys")
    print(f"speed-up: {per_key * len(counts) / t_vec:.0f}x;  parity = {par:.5f}, "
          f"max |<Z_q>| = {np.abs(first).max():.4f}")
    t_bell, e = bell_at_width(n, shots, rng)
    print(f"Bell correlator from a swept PUB ({n + 1} settings x {shots // (n + 1)} shots, {n} qubits): "
          f"{t_bell:.3f} s (E = {e:.2e}, random bits)")


if __name__ == "__main__":
    main()
