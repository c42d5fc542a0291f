"""Benchmark of the permutation-invariant engine (issue 12), side by side with QuTiP PIQS.

Run:  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_pi_engine.py [--quick]
(needs the ``bench`` extra: ``pip install -e .[bench]`` for qutip >= 5).

Sections (each in its own subprocess, so every peak memory is that section's own):
1. dense check, n = 6: every process at once against the 4^n Lindblad generator;
2. N = 100, local dephasing + emission + H = Jz^2/N, GHZ and |D_50>, QFI about z and x at 50 times:
   bellsense vs qutip.piqs (Liouvillian + mesolve, then the degeneracy-weighted block QFI);
3. scaling of both with N, fitted as a power law, extrapolated to the largest N done in 5 minutes;
4. N = 1000, GHZ, |+>^N, |D_500> under dephasing + emission, 20 times: wall time and peak memory;
5. N = 200, every process (GHZ probe) and the steady state of collective J_- decay with a drive: peak memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np

from bellsense.estimators import qfi
from bellsense.noise import evolve, steady_state
from bellsense.pistate import j_values, spin_matrices
from bellsense.states import PIState, dicke, ghz

GAMMA_D, GAMMA_E = 0.05, 0.05  # per-qubit rates (dephasing: coherence e^{-2 gamma t}; emission |1> -> |0>)


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # ru_maxrss is in kB on Linux


def _hamiltonian(n: int):
    return lambda jx, jy, jz: jz @ jz / n


def ours_n100(n: int, times: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    start = time.perf_counter()
    out: dict[str, np.ndarray] = {}
    for name, amps in (("ghz", ghz(n, "dicke")), ("dicke", dicke(n, n // 2, "dicke"))):
        states = evolve(PIState.from_dicke(amps), times, dephasing=GAMMA_D, emission=GAMMA_E,
                        hamiltonian=_hamiltonian(n))
        out[name] = np.array([[qfi(s, "z"), qfi(s, "x")] for s in states])
    return time.perf_counter() - start, out


def _block_qfi(block: np.ndarray, gen: np.ndarray) -> float:
    """Textbook eq. 8 on one (weighted) block: 2 sum (p_i - p_j)^2/(p_i + p_j) |<i|h|j>|^2."""
    p, u = np.linalg.eigh(0.5 * (block + block.conj().T))
    h = u.conj().T @ gen @ u
    den = p[:, None] + p[None, :]
    keep = den > 1e-14
    weight = np.where(keep, 2 * (p[:, None] - p[None, :]) ** 2 / np.where(keep, den, 1.0), 0.0)
    return float(np.sum(weight * np.abs(h) ** 2))


def qutip_n100(n: int, times: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    import qutip
    from qutip import piqs

    start = time.perf_counter()
    jx, _, jz = piqs.jspin(n)
    # PIQS local "pumping" raises m (|1> -> |0> in our labels): our emission. Its dephasing is D[sigma_z/2]: 4 gamma.
    system = piqs.Dicke(n, hamiltonian=jz * jz / n, dephasing=4 * GAMMA_D, pumping=GAMMA_E)
    liouv = system.liouvillian()
    gens = [[spin_matrices(float(j))[a].toarray() for j in j_values(n)] for a in (2, 0)]
    out: dict[str, np.ndarray] = {}
    for name, rho0 in (("ghz", piqs.ghz(n)), ("dicke", piqs.dicke(n, n / 2, n / 2 - n // 2))):
        # step the solver (mesolve would hold 50 dense nds x nds states: OOM-killed at 11.7 GB for N = 100)
        solver = qutip.MESolver(liouv, options={"atol": 1e-12, "rtol": 1e-10})
        solver.start(rho0, times[0])
        vals = []
        for k, t in enumerate(times):
            state = rho0 if k == 0 else solver.step(t)
            blocks = piqs.dicke_blocks(state.full())
            vals.append([sum(_block_qfi(b, g) for b, g in zip(blocks, gen)) for gen in gens])
        out[name] = np.array(vals)
    return time.perf_counter() - start, out


def section_dense() -> dict:
    sys.path.insert(0, "tests/pi")
    from _pi_dense import evolve_dense  # the test suite's independent 4^n reference

    from bellsense.spin import collective

    n = 6
    kw = dict(dephasing=0.3, emission=0.2, pumping=0.15, hamiltonian=lambda jx, jy, jz: 0.7 * (jz @ jz) - 0.5 * jx,
              collective_jumps=[(0.25, lambda jx, jy, jz: jx - 1j * jy)], measurement=(0.4, lambda jx, jy, jz: jz))
    a = np.random.default_rng(6).normal(size=n + 1) + 1j * np.random.default_rng(7).normal(size=n + 1)
    s = PIState.from_dicke(a)
    times = [0.3, 1.1]
    ours, ref = evolve(s, times, **kw), evolve_dense(s.to_dense(), times, **kw)
    err = max(float(np.max(np.abs(o.to_dense() - r))) for o, r in zip(ours, ref))
    rel = max(abs(qfi(o, ax) / qfi(r, collective(n, ax)) - 1) for o, r in zip(ours, ref) for ax in "xyz")
    return {"n": n, "max_entry_error": err, "max_qfi_rel_error": rel}


def section_n100(quick: bool) -> dict:
    n = 100
    times = np.linspace(0.0, 2.0, 50)
    t_ours, ours = ours_n100(n, times)
    row = {"n": n, "ours_s": t_ours, "ours_peak_gb": _peak_gb()}
    if not quick:
        t_q, theirs = qutip_n100(n, times)
        # per (state, axis) series: max |difference| / max |F| (F_z of |D_50> is 0 at all times)
        rel = max(float(np.max(np.abs(ours[k][:, c] - theirs[k][:, c])) / max(np.max(np.abs(theirs[k][:, c])), 1e-300))
                  for k in ours for c in range(2))
        row.update(qutip_s=t_q, speedup=t_q / t_ours, max_rel_diff=rel, peak_gb=_peak_gb())
    return row


def section_scaling(which: str, n: int) -> dict:
    times = np.linspace(0.0, 2.0, 50)
    elapsed, _ = (ours_n100 if which == "ours" else qutip_n100)(n, times)
    return {"which": which, "n": n, "s": elapsed, "peak_gb": _peak_gb()}


def section_n1000() -> dict:
    n, gamma = 1000, 1.0
    rows = {}
    start_all = time.perf_counter()
    cases = [
        ("ghz", PIState.from_dicke(ghz(n, "dicke")), 2.0 / (n * gamma), "z"),
        ("plus", PIState.product(n, np.array([1.0, 1.0])), 2.0 / gamma, "z"),
        ("dicke500", PIState.from_dicke(dicke(n, n // 2, "dicke")), 2.0 / (n * gamma), "x"),
    ]
    for name, s, t_max, axis in cases:
        start = time.perf_counter()
        states = evolve(s, np.linspace(0.0, t_max, 20), dephasing=gamma, emission=gamma)
        f = [qfi(st, axis) for st in states]
        rows[name] = {"axis": axis, "t_max": t_max, "s": time.perf_counter() - start, "F_first": f[0], "F_last": f[-1]}
    return {"n": n, "cases": rows, "total_s": time.perf_counter() - start_all, "peak_gb": _peak_gb()}


def section_n200() -> dict:
    n = 200
    start = time.perf_counter()
    states = evolve(PIState.from_dicke(ghz(n, "dicke")), [0.0, 0.01, 0.05], dephasing=0.1, emission=0.1,
                    pumping=0.05, hamiltonian=lambda jx, jy, jz: jz @ jz / n - 0.5 * jx,
                    collective_jumps=[(0.02, lambda jx, jy, jz: jx - 1j * jy)],
                    measurement=(0.1, lambda jx, jy, jz: jz))
    f = qfi(states[-1], "z")
    t_all = time.perf_counter() - start
    start = time.perf_counter()
    ss = steady_state(n, hamiltonian=lambda jx, jy, jz: 0.3 * n * jx,
                      collective_jumps=[(1.0, lambda jx, jy, jz: jx - 1j * jy)])
    return {"n": n, "all_processes_s": t_all, "F_z_last": f, "steady_state_s": time.perf_counter() - start,
            "steady_trace": ss.trace(), "peak_gb": _peak_gb()}


def _run(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--section", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fit_largest_n(points: list[tuple[int, float]], budget: float = 300.0) -> tuple[float, float]:
    ns, ts = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    slope, icept = np.polyfit(ns, ts, 1)
    return float(slope), float(np.exp((np.log(budget) - icept) / slope))


def main() -> None:
    if "--section" in sys.argv:
        args = sys.argv[sys.argv.index("--section") + 1 :]
        result = {"dense": lambda: section_dense(), "n100": lambda: section_n100(args[-1] == "quick"),
                  "n1000": section_n1000, "n200": section_n200,
                  "scaling": lambda: section_scaling(args[1], int(args[2]))}[args[0]]()
        print(json.dumps(result))
        return
    quick = "--quick" in sys.argv
    from tqdm import tqdm

    print("1) dense 4^n check, n = 6, all processes:", _run("dense"))
    r = _run("n100", "quick" if quick else "full")
    print("2) N = 100, GHZ + D_50, dephasing + emission + Jz^2/N, QFI(z, x) at 50 times:")
    print(f"   bellsense {r['ours_s']:8.2f} s   peak {r['ours_peak_gb']:.2f} GB")
    if not quick:
        print(f"   qutip.piqs {r['qutip_s']:8.2f} s   peak {r['peak_gb']:.2f} GB   speed-up {r['speedup']:.1f}x   "
              f"max relative QFI difference {r['max_rel_diff']:.2e}")
    print("3) scaling (same problem), power-law fit t ~ N^a, largest N in 300 s by extrapolation:")
    sizes = {"ours": [20, 40, 100, 200, 400, 800], "qutip": [20, 30, 40, 60] if not quick else []}
    for which, ns in sizes.items():
        pts = []
        for n in tqdm(ns, desc=which, leave=False):
            row = _run("scaling", which, str(n))
            pts.append((n, row["s"]))
            print(f"   {which:6s} N = {n:4d}: {row['s']:8.2f} s  peak {row['peak_gb']:.2f} GB")
        if len(pts) >= 2:
            slope, n_max = _fit_largest_n(pts)
            print(f"   {which:6s} exponent a = {slope:.2f}; N reached in 300 s ~ {n_max:.0f} (extrapolated)")
    r = _run("n1000")
    print(f"4) N = 1000, dephasing = emission = 1, 20 times: total {r['total_s']:.2f} s, peak {r['peak_gb']:.2f} GB")
    for name, c in r["cases"].items():
        print(f"   {name:9s} QFI about {c['axis']}, t in [0, {c['t_max']:.3g}]: {c['s']:6.2f} s, "
              f"F(0) = {c['F_first']:.6g}, F(t_max) = {c['F_last']:.6g}")
    r = _run("n200")
    print(f"5) N = 200, all processes (GHZ, 3 times): {r['all_processes_s']:.2f} s; collective J_- + drive steady "
          f"state: {r['steady_state_s']:.2f} s (trace {r['steady_trace']:.12f}); peak {r['peak_gb']:.2f} GB")


if __name__ == "__main__":
    main()
