"""Benchmark of the exact QFI (issue 2 targets). A plain script: prints a table, asserts nothing.

    python benchmarks/bench_exact_qfi.py [--max-n 12] [--repeat 3]

Compares ``bellsense.estimators.qfi`` with a plain dense reference (complex ``eigh`` of the full
matrix, dense ``U^dagger h U``, then the double sum of seed 001 eq. 8 with full arrays) on
dephased GHZ and dephased |+>^n states (gamma t = 0.1, closed-form channels of PHYSICS.md), and
times the symmetric (Dicke, N = 1000) path on a pure and a full-rank mixed state. Also prints
the relative error against the closed form at deep dephasing (GHZ coherence ~1e-15), where
the textbook eigenvalue-difference form loses ~1e-16/c.
Targets: n = 10 at least 3x faster than the reference and under 1 s; Dicke pure < 50 ms,
Dicke full-rank mixed < 3 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from bellsense import models, spin, states
from bellsense.estimators import bell_qfi_bound, qfi

GT = 0.1


def dephased_ghz(n: int, gt: float = GT) -> np.ndarray:
    g = states.ghz(n)
    rho = np.outer(g, g.conj())
    c = np.exp(-2 * n * gt)  # each qubit's coherence decays by e^{-2 gamma t}
    rho[0, -1] *= c
    rho[-1, 0] *= c
    return rho


def dephased_product(n: int) -> np.ndarray:
    c = np.exp(-2 * GT)
    one = np.array([[0.5, 0.5 * c], [0.5 * c, 0.5]], dtype=complex)
    rho = np.ones((1, 1), dtype=complex)
    for _ in range(n):
        rho = np.kron(one, rho)
    return rho


def plain_qfi(rho: np.ndarray, h: np.ndarray) -> float:
    p, u = np.linalg.eigh(rho)
    hh = u.conj().T @ h @ u
    num = (p[:, None] - p[None, :]) ** 2
    den = p[:, None] + p[None, :]
    w = np.where(den > 1e-13, 2 * num / np.where(den > 1e-13, den, 1), 0.0)
    return float(np.sum(w * np.abs(hh) ** 2))


def best_time(fn, repeat: int) -> tuple[float, float]:
    best, value = np.inf, np.nan
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{'state':<18}{'n':>4}{'qfi [s]':>12}{'plain [s]':>12}{'ratio':>9}{'F':>16}{'closed form':>16}")
    for n in (8, 10, 12):
        if n > args.max_n:
            continue
        rep = args.repeat if n <= 10 else 1
        jz = spin.jz(n)
        jz_dense = jz.toarray()
        for name, rho, exact in (
            ("dephased GHZ", dephased_ghz(n), n**2 * np.exp(-4 * n * GT)),
            ("dephased |+>^n", dephased_product(n), n * np.exp(-4 * GT)),
        ):
            t_fast, f_fast = best_time(lambda rho=rho, jz=jz: qfi(rho, jz), rep)
            t_plain, f_plain = best_time(lambda rho=rho, jz_dense=jz_dense: plain_qfi(rho, jz_dense), rep)
            assert abs(f_fast - f_plain) < 1e-8 * max(1, exact)
            print(f"{name:<18}{n:>4}{t_fast:>12.4f}{t_plain:>12.4f}{t_plain / t_fast:>9.1f}"
                  f"{f_fast:>16.10g}{exact:>16.10g}")
    # accuracy, not speed: deep dephasing (coherence e^{-2 N gamma t}/2 down to ~1e-15)
    for n in (8, 10):
        if n > args.max_n:
            continue
        jz = spin.jz(n)
        for gt in (1.0, 1.5):
            rho, exact = dephased_ghz(n, gt), n**2 * np.exp(-4 * n * gt)
            err, err_plain = abs(qfi(rho, jz) / exact - 1), abs(plain_qfi(rho, jz.toarray()) / exact - 1)
            print(f"dephased GHZ n={n} gamma t={gt}: F = {exact:.3g}, "
                  f"relative error qfi {err:.1e}, plain {err_plain:.1e}")
    n = 1000
    jz = spin.dicke_collective(n, "z")
    pure = models.two_mode_ground_state(n, -4.0)
    t_pure, f_pure = best_time(lambda: qfi(pure, jz), max(args.repeat, 5))
    print(f"{'Dicke pure':<18}{n:>4}{t_pure:>12.4f}{'':>12}{'':>9}{f_pure:>16.10g}  QFI/N = {f_pure / n:.2f}")
    # full-rank mixed symmetric state: Gibbs state of the two-mode model at T = 100 (every p >= 1e-12)
    ham = models.two_mode_hamiltonian(n, -4.0).toarray()
    e, v = np.linalg.eigh(ham)
    p = np.exp(-(e - e[0]) / 100.0)
    p = np.maximum(p, 1e-12)
    p /= p.sum()
    gibbs = (v * p) @ v.T
    t_mixed, f_mixed = best_time(lambda: qfi(gibbs, jz), args.repeat)
    print(f"{'Dicke full-rank':<18}{n:>4}{t_mixed:>12.4f}{'':>12}{'':>9}{f_mixed:>16.10g}  (Gibbs, T=100)")
    # not an issue target: the eq. 24 bound on the symmetric path (O(N^3/6)), for the record
    t_bound, b_pure = best_time(lambda: bell_qfi_bound(pure, basis="dicke"), 1)
    print(f"{'Dicke eq.24 bound':<18}{n:>4}{t_bound:>12.4f}{'':>12}{'':>9}{b_pure:>16.10g}  bound/N = {b_pure / n:.2f}")


if __name__ == "__main__":
    main()
