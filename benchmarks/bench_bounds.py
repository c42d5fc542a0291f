"""Benchmark: bellsense.estimators.parallel_bound against QMetro++ (qmetro) par_bound_single_n / par_bounds.

Side by side, one run: the channel-extension (parallel) bound on the QFI at N = 5, 10, 20 for local
dephasing and amplitude damping (emission) at gamma t = 0.1 and 1, with the wall time of each tool
(best of --repeat calls); then QMetro++'s par_bounds for n = 1..20 (the issue's 2.1 s figure) against
bellsense over the same range; then amplitude damping at large N (60, 100, 300), where the SDP becomes
unreliable, against bellsense and its closed-form asymptote. Last (also without qmetro, ``--only probes``):
``optimal_symmetric_probe`` and the best one-axis-twisted state at N = 10, 50, 100, gamma t = 0.1 (time,
QFI, fraction of the bound), side by side with the bound, |+>^N and GHZ.

Conventions. bellsense: exp(-i theta J_z), then dephasing at rate gamma (coherence e^{-2 gamma t}) and
emission |1> -> |0> with p = 1 - e^{-gamma t} (docs/PHYSICS.md). QMetro++: par_dephasing(q) has Kraus
operators sqrt(q) I, sqrt(1-q) Z, so q = (1 + e^{-2 gamma t})/2; par_amp_damping(q) has
|0><0| + sqrt(q)|1><1| and sqrt(1-q)|0><1|, so q = e^{-gamma t}; both with the signal exp(-i theta Z/2).
Anchor (issue 16): N = 20, dephasing, gamma t = 0.1: 36.9 against GHZ 0.13 and |+>^N 13.4.

Install the peer:  .venv/bin/pip install -e ".[bounds-bench]"   (qmetro >= 1.1, which pulls cvxpy)
Run:               .venv/bin/python benchmarks/bench_bounds.py [--repeat 3] [--only {all,qmetro,probes}]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from bellsense.estimators import closed_form_qfi, parallel_bound, parallel_bound_asymptotic
from bellsense.estimators.exact.probes import probe_search


def _best_time(fn: Callable[..., Any], *args: Any, repeat: int = 1) -> tuple[Any, float]:
    """``fn(*args)`` and its best wall time over ``repeat`` calls."""
    best, value = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return value, best


def _qmetro_channel(kind: str, gt: float) -> Any:  # qmetro.ParamChannel (qmetro ships no type hints)
    import qmetro

    if kind == "dephasing":
        return qmetro.par_dephasing((1 + math.exp(-2 * gt)) / 2)
    return qmetro.par_amp_damping(math.exp(-gt))


def _functional_at_qmetro_gauge(chan: Any, n: int) -> float:
    """QMetro++'s SDP of par_bound_single_n (same formulation, re-solved here to read its gauge h), and the
    CE functional 4[n ||alpha|| + n(n-1) ||beta||^2] recomputed exactly at that h: the value the SDP's
    gauge really certifies (an SDP solution that violates its constraints can report less)."""
    import cvxpy as cp
    import numpy as np

    krauses, dkrauses = chan.dkrauses()
    kk, dkk, r = np.concatenate(krauses), np.concatenate(dkrauses), len(krauses)
    h, a, b = cp.Variable((r, r), hermitian=True), cp.Variable(), cp.Variable()
    a10 = dkk - 1j * cp.kron(h, np.eye(2)) @ kk
    big_a = cp.bmat([[a * np.eye(2), a10.H], [a10, np.eye(2 * r)]])
    b01 = a10.H @ kk
    big_b = cp.bmat([[b * np.eye(2), b01], [b01.H, np.eye(2)]])
    cp.Problem(cp.Minimize(a + (n - 1) * b), [big_a >> 0, big_b >> 0]).solve()
    hv = np.asarray(h.value)
    kt = [dk - 1j * sum(hv[i, j] * krauses[j] for j in range(r)) for i, dk in enumerate(dkrauses)]
    alpha = sum(k.conj().T @ k for k in kt)
    beta = 1j * sum(x.conj().T @ k for x, k in zip(kt, krauses))
    return float(4 * (n * np.linalg.eigvalsh(alpha).max() + n * (n - 1) * np.abs(np.linalg.eigvalsh(beta)).max() ** 2))


def _ours(n: int, gt: float, kind: str) -> float:
    """bellsense's bound at rate 1, time gamma t, for one channel kind."""
    rates = {"dephasing": 1.0} if kind == "dephasing" else {"emission": 1.0}
    return parallel_bound(n, gt, **rates)


def probes(ns: tuple[int, ...] = (10, 50, 100), gt: float = 0.1) -> None:
    """optimal_symmetric_probe (via probe_search, which also reports the OAT state) against the bound."""
    print(f"optimal symmetric probe and best OAT state, gamma t = {gt} (one call each; times include the channel;"
          " cpu = process time, which a loaded machine inflates less than the wall time):")
    print(f"{'channel':<10} {'N':>4} {'wall':>8} {'cpu':>7} {'optimal':>12} {'opt/bound':>9} {'OAT':>12}"
          f" {'OAT/bound':>9} {'bound':>10} {'|+>^N':>9} {'GHZ':>10} {'evals':>6}  best start")
    for kind in ("dephasing", "emission"):
        rates = {kind: 1.0}
        for n in tqdm(ns, desc=f"probes {kind}", leave=False):
            t0, c0 = time.perf_counter(), time.process_time()
            res = probe_search(n, gt, "z", **rates)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            bound = parallel_bound(n, gt, **rates)
            assert res.oat_qfi is not None
            evals = sum(s.evaluations for s in res.starts)
            tqdm.write(f"{kind:<10} {n:>4} {elapsed:>7.1f}s {cpu:>6.1f}s {res.qfi:>12.6f} {res.qfi / bound:>9.4f}"
                       f" {res.oat_qfi:>12.6f} {res.oat_qfi / bound:>9.4f} {bound:>10.4f}"
                       f" {closed_form_qfi('product', n, gt, **rates):>9.4f}"
                       f" {closed_form_qfi('ghz', n, gt, **rates):>10.4g} {evals:>6}  {res.best_start}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("all", "qmetro", "probes"), default="all")
    args = parser.parse_args()
    if args.only == "probes":
        probes()
        return
    try:
        import qmetro
    except ImportError as err:
        raise SystemExit('qmetro is not installed: .venv/bin/pip install -e ".[bounds-bench]"') from err
    warnings.filterwarnings("ignore", category=UserWarning)

    print("anchor N = 20, dephasing, gamma t = 0.1:",
          f"bound {parallel_bound(20, 0.1, dephasing=1.0):.4f}",
          f"GHZ {closed_form_qfi('ghz', 20, 0.1, dephasing=1.0):.4f}",
          f"|+>^N {closed_form_qfi('product', 20, 0.1, dephasing=1.0):.4f}")
    print()
    header = f"{'channel':<10} {'gamma t':>7} {'N':>4} {'bellsense':>14} {'qmetro':>14} {'rel diff':>9}"
    print(header + f" {'t bellsense':>12} {'t qmetro':>10} {'speed-up':>9}")
    rows = [(kind, gt, n) for kind in ("dephasing", "emission") for gt in (0.1, 1.0) for n in (5, 10, 20)]
    worst = 0.0
    for kind, gt, n in tqdm(rows, desc="single N", leave=False):
        ours, t_ours = _best_time(_ours, n, gt, kind, repeat=args.repeat)
        chan = _qmetro_channel(kind, gt)
        theirs, t_theirs = _best_time(qmetro.par_bound_single_n, chan, n, repeat=args.repeat)
        rel = abs(ours - theirs) / ours
        worst = max(worst, rel)
        tqdm.write(f"{kind:<10} {gt:>7} {n:>4} {ours:>14.8g} {theirs:>14.8g} {rel:>9.1e}"
                   f" {t_ours * 1e6:>10.1f}us {t_theirs * 1e3:>8.1f}ms {t_theirs / t_ours:>8.0f}x")
    print(f"worst relative difference: {worst:.1e} (issue: 1e-4)")
    print()

    print("all n = 1..20 (QMetro++ par_bounds, one SDP per n; bellsense one call per n):")
    for kind in ("dephasing", "emission"):
        chan = _qmetro_channel(kind, 0.1)
        theirs_all, t_theirs = _best_time(qmetro.par_bounds, chan, 20)
        ours_all, t_ours = _best_time(lambda k: [_ours(n, 0.1, k) for n in range(1, 21)], kind)
        rel = max(abs(a - b) / a for a, b in zip(ours_all, theirs_all))
        print(f"  {kind:<10} gamma t = 0.1: bellsense {t_ours * 1e3:.3f} ms, qmetro {t_theirs:.3f} s,"
              f" speed-up {t_theirs / t_ours:.0f}x, worst rel diff {rel:.1e}")
    print()

    print("amplitude damping at large N, gamma t = 0.1 (asymptote 4N(1-p)/p):")
    print("('at its h': the CE functional evaluated exactly at the gauge QMetro++'s SDP returns)")
    print(f"{'N':>6} {'bellsense':>14} {'qmetro':>14} {'rel diff':>9} {'at its h':>14} {'asymptote':>14}"
          f" {'t bellsense':>12} {'t qmetro':>10}")
    for n in tqdm((60, 100, 300, 1000), desc="large N", leave=False):
        ours, t_ours = _best_time(_ours, n, 0.1, "emission")
        chan = _qmetro_channel("emission", 0.1)
        try:
            theirs, t_theirs = _best_time(qmetro.par_bound_single_n, chan, n)
        except Exception as err:  # noqa: BLE001  # a solver failure is a result here
            theirs, t_theirs = math.nan, math.nan
            tqdm.write(f"  qmetro failed at N = {n}: {type(err).__name__}: {err}")
        tqdm.write(f"{n:>6} {ours:>14.8g} {theirs:>14.8g} {abs(ours - theirs) / ours:>9.1e}"
                   f" {_functional_at_qmetro_gauge(chan, n):>14.8g}"
                   f" {parallel_bound_asymptotic(n, 0.1, emission=1.0):>14.8g}"
                   f" {t_ours * 1e6:>10.1f}us {t_theirs * 1e3:>8.1f}ms")
    big = parallel_bound(10_000, 0.1, emission=1.0)
    print(f"bellsense N = 10^4: {big:.8g} (asymptote {parallel_bound_asymptotic(10_000, 0.1, emission=1.0):.8g})")
    if args.only == "all":
        print()
        probes()


if __name__ == "__main__":
    main()
