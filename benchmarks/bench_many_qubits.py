"""Many-qubit experiments (issue 14): end-to-end run times, printed side by side, never asserted.

Cases (each a whole ``run_experiment``: exact references, circuits, simulation, analysis; no plots):

* ``aer``: GHZ Bell correlator + Fisher (moments, parity readout) on Aer, local dephasing gamma t = 0.05,
  N+1 settings x 1,000 shots, exact references on (permutation-invariant engine). Targets: n = 50 under
  3 min, n = 100 under 10 min on 2 cores. bellsense's choice (``backend = "aer"``: the exact two-frame
  mixture of ``backends.frames``) side by side with the old path, MPS trajectories (one noisy trajectory
  per shot; ``backend = "aer:matrix_product_state"`` forces it): the whole run at n <= ``--trajectory-max``
  (default 50), above it the trajectory time of ``--trajectory-settings`` settings extrapolated to all
  N+1 + 3 bindings (labelled "extrapolated").
* ``kingston``: GHZ Bell correlator on ``fake_kingston`` (156 qubits; BFS-tree layout, device noise
  restricted to the active qubits), N+1 settings x 1,000 shots, readout calibration included. Targets:
  n = 20 under 5 min, n = 50 under 15 min.
* ``default``: the runtime's local-mode default (``Sampler(mode=FakeKingston())``: full device noise
  model, Aer's automatic method) against bellsense's choice on the same ISA circuits, at n = 12 and 20.

The machine is shared: say so with the numbers (``uptime`` is printed). Usage::

    python benchmarks/bench_many_qubits.py aer --n 50 100 [--shots 1000] [--no-exact] [--trajectory-max 50]
    python benchmarks/bench_many_qubits.py kingston --n 20 50 [--device fake_kingston]
    python benchmarks/bench_many_qubits.py default --n 12 20 [--device fake_kingston]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _spec(backend: str, n: int, shots: int, quantities: list[str], exact: bool, dephasing: float | None):
    from bellsense.spec import ExperimentSpec

    data = {
        "name": f"bench-many-{backend}-{n}",
        "probe": {"states": ["ghz"], "n": [n]},
        "sensing": {"axis": "z", "theta": "optimal", "t": [1.0]},
        "measure": {"quantities": quantities, "fisher_method": "moments", "exact": "auto" if exact else "off"},
        "run": {"shots": shots, "seed": 2026, "backend": backend},
    }
    if dephasing is not None:
        data["noise"] = {"dephasing": dephasing}
    return ExperimentSpec.from_dict(data, source="<bench>")


def _run(spec) -> tuple[float, object]:
    from bellsense.run import run_experiment

    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_experiment(spec, Path(tmp) / "run", plots=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"    (wall {wall:.1f} s, CPU of this process {cpu:.1f} s: the machine is shared)", flush=True)
        return wall, result.record


def _pm(est) -> str:
    if est is None or est.value is None:
        return "n/a"
    return f"{est.value:.4g} +- {'inf' if est.stderr is None else format(est.stderr, '.2g')}"


def _line(label: str, seconds: float, record) -> str:
    p = record.points[0]
    sim = record.jobs[0].simulation if record.jobs else None
    ex = record.exact[0] if record.exact else None
    parts = [f"{label}: {seconds:7.1f} s", f"E = {_pm(p.bell_correlator)}",
             f"exact E = {ex.bell_correlator_exact}" if ex is not None else "exact E n/a",
             f"F = {_pm(p.fisher_measured)} (exact of the method {ex.fisher_exact_method if ex else None}, "
             f"CFI {ex.cfi_exact if ex else None})" if p.fisher_measured is not None else "",
             f"method {sim.method}" if sim else ""]
    return "  " + ", ".join(x for x in parts if x)


def _trajectory_extrapolation(n: int, shots: int, settings: int) -> float:
    """Seconds of MPS trajectories for ``settings`` Bell settings, scaled to the N+1 + 3 bindings of a run."""
    from bellsense import backends, circuits, noise
    from bellsense.noise import NoiseSpec

    model = noise.window_noise_model(NoiseSpec(dephasing=0.05), n, 1.0)
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 1.0, 0.0, "z"),
                             circuits.bell_setting(n, circuits.BELL_PHI, num_phases=n + 1))
    choice = backends.circuits_choice([circ], model, method="matrix_product_state")
    sampler = backends.aer_sampler(model, seed=1, choice=choice)
    phases = np.asarray(circuits.bell_phases(n, n + 1))[:settings, None]
    t0 = time.perf_counter()
    sampler.run([(circ, phases)], shots=shots).result()
    return (time.perf_counter() - t0) * (n + 1 + 3) / settings


def bench_aer(ns: list[int], shots: int, exact: bool, trajectory_max: int, trajectory_settings: int) -> None:
    print(f"aer: GHZ, Bell correlator + Fisher, dephasing gamma t = 0.05, N+1 settings x {shots} shots, "
          f"exact {'on' if exact else 'off'}; bellsense's choice against MPS trajectories (the old path)")
    for n in ns:
        seconds, record = _run(_spec("aer", n, shots, ["fisher", "bell"], exact, 0.05))
        print(_line(f"n = {n:3d} bellsense   ", seconds, record), flush=True)
        if n <= trajectory_max:
            seconds, record = _run(_spec("aer:matrix_product_state", n, shots, ["fisher", "bell"], exact, 0.05))
            print(_line(f"n = {n:3d} trajectories", seconds, record), flush=True)
        else:
            est = _trajectory_extrapolation(n, shots, trajectory_settings)
            print(f"  n = {n:3d} trajectories: {est:7.1f} s extrapolated from {trajectory_settings} settings "
                  f"x {shots} shots (simulation only, no exact stage)", flush=True)


def bench_device(ns: list[int], shots: int, device: str) -> None:
    print(f"{device}: GHZ Bell correlator, N+1 settings x {shots} shots, readout calibration included")
    for n in ns:
        seconds, record = _run(_spec(device, n, shots, ["bell"], True, None))
        p = record.points[0]
        lay = (record.layout or {}).get("circuits", [{}])[0]
        mit = p.mitigated.bell_correlator if p.mitigated is not None else None
        print(_line(f"n = {n:3d}", seconds, record) + f", mitigated E = {_pm(mit)}"
              + f", CNOT depth {lay.get('cnot_depth')}", flush=True)


def bench_default(ns: list[int], shots: int, device: str) -> None:
    from bellsense import backends, circuits
    from bellsense.backends.sampling import runtime_sampler_class

    target = backends.resolve_backend(device)
    print(f"runtime default vs bellsense on {device}: GHZ, N+1 Bell settings (one PUB) x {shots} shots")
    for n in ns:
        circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 0.2, 0.3), circuits.bell_setting(n))
        isa, _ = backends.prepare_circuits(target, [circ])
        pub = (isa[0], np.asarray(circuits.bell_phases(n, n + 1))[:, None])
        t0 = time.perf_counter()
        sampler = runtime_sampler_class()(mode=type(target.device)())
        sampler.options.simulator.seed_simulator = 1
        sampler.run([pub], shots=shots).result()
        default = time.perf_counter() - t0
        fresh = backends.resolve_backend(device)  # no memoised noise model: the build is timed too
        t0 = time.perf_counter()
        sub = backends.submit(fresh, [pub], shots=shots, seed=1, calibrate=False)
        backends.collect(fresh, sub)
        ours = time.perf_counter() - t0
        choice = fresh.choice(isa)
        print(f"  n = {n:3d}: runtime default {default:7.1f} s, bellsense ({choice.method}) {ours:7.1f} s, "
              f"speed-up {default / ours:.1f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=["aer", "kingston", "default"])
    parser.add_argument("--n", type=int, nargs="+", default=None)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--device", default="fake_kingston")
    parser.add_argument("--no-exact", action="store_true")
    parser.add_argument("--trajectory-max", type=int, default=50,
                        help="largest n whose old-path (MPS trajectories) run is timed whole (aer case)")
    parser.add_argument("--trajectory-settings", type=int, default=3,
                        help="settings timed for the extrapolated trajectory figure above --trajectory-max")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()}, cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    if args.case == "aer":
        bench_aer(args.n or [50, 100], args.shots, not args.no_exact, args.trajectory_max, args.trajectory_settings)
    elif args.case == "kingston":
        bench_device(args.n or [20, 50], args.shots, args.device)
    else:
        bench_default(args.n or [12, 20], args.shots, args.device)


if __name__ == "__main__":
    main()
