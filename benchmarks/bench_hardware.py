"""Hardware-path benchmarks (issue 6), printed, never asserted.

1. ``transpile``: prepare_circuits + submit for 2n+2 Bell settings (bound circuits, one PUB each) at
   n = 40 on FakeTorino (133 qubits). Target: < 30 s. The local jobs started by submit are not waited for
   (a 40-qubit noisy simulation is not the point); the process exits with os._exit.
2. ``simulate``: a 12-qubit GHZ, 13 Bell settings (one PUB, bell_phi swept) x 4000 shots on FakeTorino in
   local mode. Baseline: the runtime's default (``Sampler(mode=FakeTorino())``: the full 133-qubit device
   noise model, Aer's automatic method = statevector trajectories). bellsense: the same ISA circuits and the
   same device noise restricted to the active qubits, with bellsense's method choice (density matrix up to
   8 qubits, else statevector trajectories with Aer's shot branching, readout errors as Kraus channels on
   measure because shot branching drops ReadoutErrors). Target: >= 4x faster; measured (one run, 2 cores):
   default 102.4 s, bellsense 15.9 s (6.4x). Both from one run;
   --all-methods also times restricted density matrix and plain restricted statevector.

Usage::

    python benchmarks/bench_hardware.py simulate [--n 12] [--shots 4000] [--skip-baseline] [--all-methods]
    python benchmarks/bench_hardware.py transpile [--n 40]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def bench_transpile(n: int) -> None:
    from bellsense import backends, circuits

    t0 = time.perf_counter()
    target = backends.resolve_backend("fake_torino")
    t1 = time.perf_counter()
    settings = circuits.bell_settings(n, 2 * n + 2)
    logical = [circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 0.1, 0.2), s) for s in settings]
    t2 = time.perf_counter()
    isa, lay = backends.prepare_circuits(target, logical)
    t3 = time.perf_counter()
    sub = backends.submit(target, [(c,) for c in isa], shots=4000, seed=1, calibrate=True)
    t4 = time.perf_counter()
    info = lay.circuits[0]
    print(f"transpile+submit n={n}: {len(isa)} settings on {target.device.name} ({target.num_qubits} qubits)")
    print(f"  resolve {t1 - t0:.2f} s | build circuits {t2 - t1:.2f} s | "
          f"prepare (layout + one transpile) {t3 - t2:.2f} s"
          f" | submit {t4 - t3:.2f} s | prepare+submit {t4 - t2:.2f} s")
    print(f"  tree depth {info['tree_depth']}, scheduled CNOT depth {info['cnot_depth']}, "
          f"transpiled 2q depth {info['two_qubit_depth']}, jobs {len(sub.job_ids)}")
    os._exit(0)  # do not wait for the background local-mode simulation of 40 noisy qubits


def bench_simulate(n: int, shots: int, baseline: bool, all_methods: bool = False) -> None:
    from qiskit_ibm_runtime.executor_sampler import Sampler
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    from bellsense import backends, circuits

    target = backends.resolve_backend("fake_torino")
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 0.2, 0.3), circuits.bell_setting(n))
    isa, lay = backends.prepare_circuits(target, [circ])
    phases = np.asarray(circuits.bell_phases(n, n + 1))[:, None]
    pub = (isa[0], phases)
    print(f"simulate: {n}-qubit GHZ, {len(phases)} Bell settings x {shots} shots on {target.device.name}, "
          f"physical qubits {lay.circuits[0]['physical_qubits']}")
    results = {}
    if baseline:
        t0 = time.perf_counter()
        sampler = Sampler(mode=FakeTorino())
        sampler.options.simulator.seed_simulator = 1
        res = sampler.run([pub], shots=shots).result()
        results["default"] = time.perf_counter() - t0
        print(f"  runtime default (full device noise, automatic method): {results['default']:.1f} s")
        parity_default = _parity(res[0].data.meas)
    for method in (None, "density_matrix", "statevector") if all_methods else (None,):
        t0 = time.perf_counter()
        opts = {} if method is None else {"method": method}
        tgt = backends.resolve_backend("fake_torino", **opts)
        sub = backends.submit(tgt, [pub], shots=shots, seed=1, calibrate=False)
        out = backends.collect(tgt, sub)
        label = f"bellsense {'(auto choice)' if method is None else method} restricted to active qubits"
        results[label] = time.perf_counter() - t0
        print(f"  {label}: {results[label]:.1f} s   (incl. building the device noise model once)")
        parity = _parity(out[0].bits)
        print(f"     parity <M(phi_j)> first 3: {np.round(parity[:3], 3)}")
    if baseline:
        print(f"     default parity first 3:   {np.round(parity_default[:3], 3)}")
        best = min(v for k, v in results.items() if k != "default")
        auto = results[[k for k in results if "auto" in k][0]]
        print(f"  speed-up of the bellsense choice vs default: {results['default'] / auto:.1f}x"
              f" (best {results['default'] / best:.1f}x)")


def _parity(bits) -> np.ndarray:
    arr = bits.to_bool_array(order="little")  # (..., shots, n)
    return np.mean(1 - 2 * (arr.sum(axis=-1) % 2), axis=-1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("which", choices=["simulate", "transpile"])
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--shots", type=int, default=4000)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--all-methods", action="store_true", help="also time restricted density matrix / statevector")
    args = ap.parse_args()
    if args.which == "transpile":
        bench_transpile(args.n or 40)
    else:
        bench_simulate(args.n or 12, args.shots, not args.skip_baseline, args.all_methods)


if __name__ == "__main__":
    main()
