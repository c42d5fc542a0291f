"""Collective readout statistics of PI states (``estimators.PIFamily``): time per distribution at n = 100 and 156,
the exact-reference stage of a run point at large n, and the dense path beside it at small n.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pi_readout.py``. Prints one line per case.
"""

from __future__ import annotations

import time

import numpy as np
from tqdm import tqdm

from bellsense import estimators, noise, states
from bellsense.run import exact_point, plan_points
from bellsense.spec import ExperimentSpec
from bellsense.states import PIState


def _probe(name: str, n: int) -> PIState:
    if name == "product":
        return PIState.product(n, np.array([1.0, 1.0]))
    amps = states.ghz(n, basis="dicke") if name == "ghz" else states.dicke(n, n // 2, basis="dicke")
    return PIState.from_dicke(amps)


def distributions() -> None:
    print("n    probe    readout  encoding  evolve_s  build_s  per_angle_ms  CFI(theta=0.1)")
    for n in (100, 156):
        for name, ra, ea in (("ghz", "x", "z"), ("product", "y", "z"), ("dicke", "z", "y")):
            t0 = time.perf_counter()
            st = noise.evolve(_probe(name, n), [0.5], dephasing=0.1)[0]
            t1 = time.perf_counter()
            fam = estimators.PIFamily.build(st, ea, ra)
            t2 = time.perf_counter()
            reps = 20
            for th in np.linspace(0.0, 1.0, reps):
                fam.distribution(float(th))
            t3 = time.perf_counter()
            p, dp = fam.distribution(0.1)
            print(f"{n:<4} {name:<8} {ra:<8} {ea:<9} {t1 - t0:8.3f} {t2 - t1:8.3f} {1e3 * (t3 - t2) / reps:13.2f}"
                  f"  {estimators.cfi(p, dp[0]):.6g}")


def run_points() -> None:
    print("\nexact stage of one run point (working point search included), local dephasing 0.1, t = 0.5")
    print("n    state    method  seconds  QFI        CFI        E_N,0")
    cases = [(n, s) for n in (6, 8, 50, 100, 156) for s in ("ghz", "product")]
    for n, state in tqdm(cases, desc="points", leave=False):
        spec = ExperimentSpec.from_dict({"probe": {"states": [state], "n": [n]},
                                         "sensing": {"t": [0.5], "theta": "optimal"}, "noise": {"dephasing": 0.1},
                                         "measure": {"quantities": ["fisher", "bell"]}})
        plan = plan_points(spec)[0]
        for method in ([None, "dense"] if n <= 8 else [None]):
            t0 = time.perf_counter()
            _, entry = exact_point(spec, plan, method=method)
            dt = time.perf_counter() - t0
            print(f"{n:<4} {state:<8} {entry.exact_method:<7} {dt:7.3f}  {entry.qfi_exact:<10.6g} "
                  f"{entry.cfi_exact:<10.6g} {entry.bell_correlator_exact:.4g}")


if __name__ == "__main__":
    distributions()
    run_points()
