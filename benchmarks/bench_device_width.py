"""Device models at full width (issue 14): GHZ Bell correlator on fake devices, printed, never asserted.

``widths``: the GHZ Bell experiment (N + 1 settings, one PUB with ``bell_phi`` swept, readout calibration in
the same batch, tensored mitigation) through the runner (``bellsense.run``: layout, transpile, device noise
restricted to the active qubits, Aer method choice, analysis), per device and n. Targets: fake_kingston,
1,000 shots, n = 20 under 5 min and n = 50 under 15 min. Printed per run: wall time, Aer method, physical
qubits, the layout's CNOT depth, raw and mitigated E_{N,0} +- stderr, the noiseless value. ``--shots-at
N:S`` runs n = N with S shots only (labelled; the time for 1,000 shots is extrapolated linearly: noisy
matrix-product-state trajectories cost one circuit evolution per shot). With the default ``drop_fraction``
0.1 the largest GHZ tree on fake_torino / fake_sherbrooke has 86 qubits, so ``--drop N:F`` lowers it for
n = N (the record's backend options say so).

``default``: the runtime's local-mode default against bellsense's choice, side by side in one run, on the
same ISA circuits (bellsense's layout) and seed: ``Sampler(mode=FakeKingston())`` (the full device noise
model, Aer's automatic method) and bellsense's ``submit`` (noise restricted to the active qubits, density
matrix / statevector with shot branching / MPS by width). ``--budget S``: a default run whose N + 1 settings
x shots would take longer is time-boxed: one setting with ``--probe-shots`` shots is timed after a 1-shot run (the fixed
cost) and the full time is extrapolated linearly in shots and settings, labelled "extrapolated".

Usage::

    python benchmarks/bench_device_width.py widths [--devices fake_kingston] [--n 20 50] [--shots 1000]
        [--shots-at 100:100] [--drop 100:0.02]
    python benchmarks/bench_device_width.py default [--n 12 20] [--shots 1000] [--budget 600]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm


def _pairs(items: list[str], cast: type) -> dict[int, float]:
    return {int(k): cast(v) for k, v in (item.split(":") for item in items)}


def run_width(device: str, n: int, shots: int, drop: float | None) -> dict:
    """One GHZ Bell run through the runner; the analysed point and what the record says about it."""
    from bellsense import backends, report
    from bellsense.run import execute, prepare
    from bellsense.spec import ExperimentSpec

    spec = ExperimentSpec.from_dict({
        "name": f"width-{device}-{n}", "probe": {"states": ["ghz"], "n": [n]}, "sensing": {"t": [0.0]},
        "measure": {"quantities": ["bell"], "mitigate": True},
        "run": {"backend": device, "shots": shots, "seed": 1}})
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        if drop is None:
            prepared = prepare(spec, Path(tmp) / "run")
        else:  # the runner's platform with a lower drop_fraction (not a spec key); checked for this width
            from bellsense.run.feasible import device_width_check

            platform = backends.resolve_backend(device, dynamical_decoupling=False, twirling=False,
                                                drop_fraction=drop)
            bigger = spec.with_overrides(backend="fake_kingston")  # prepare's own width check passes there
            prepared = prepare(bigger, Path(tmp) / "run")
            device_width_check(spec, list(prepared.plans), platform=platform)
            prepared = dataclasses.replace(prepared, spec=spec, platform=platform)
        record = execute(prepared, progress=False, plots=False).record
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    point = report.analyse(record)[0]
    lay = record.layout["circuits"][0]
    sim = record.jobs[0].simulation
    return {"seconds": seconds, "cpu": cpu, "method": sim.method if sim else "?", "qubits": len(lay["physical_qubits"]),
            "cnot_depth": lay["cnot_depth"], "raw": point.bell_correlator,
            "mitigated": point.mitigated.bell_correlator if point.mitigated else None,
            "noiseless": record.exact[0].bell_correlator_exact}


def bench_widths(devices: list[str], ns: list[int], shots: int, shots_at: dict[int, float],
                 drops: dict[int, float]) -> None:
    print(f"load: {os.getloadavg()}, cores: {os.cpu_count()}")
    print(f"{'device':16s} {'n':>4s} {'shots':>6s} {'wall s':>8s} {'CPU s':>7s} {'1000-shot s':>12s} {'method':22s} "
          f"{'phys':>5s} {'CNOT d':>6s} {'E raw':>18s} {'E mitigated':>18s} {'noiseless':>9s}")
    for device, n in tqdm([(d, n) for d in devices for n in ns], desc="device runs"):
        s = int(shots_at.get(n, shots))
        try:
            out = run_width(device, n, s, drops.get(n))
        except Exception as exc:  # a width the device cannot hold: print the refusal line, keep going
            tqdm.write(f"{device:16s} {n:4d} refused: {exc}")
            continue
        full = out["seconds"] * 1000 / s
        label = f"{full:10.0f}{'*' if s != 1000 else ' '}"
        raw, mit = out["raw"], out["mitigated"]
        mit_text = "-" if mit is None else f"{mit.value:.4f} +- {mit.stderr:.4f}"
        drop = f"  (drop_fraction {drops[n]})" if n in drops else ""
        tqdm.write(f"{device:16s} {n:4d} {s:6d} {out['seconds']:8.1f} {out['cpu']:7.1f} {label:>12s} "
                   f"{out['method']:22s} {out['qubits']:5d} {out['cnot_depth']:6d} {raw.value:8.4f} +- "
                   f"{raw.stderr:.4f} {mit_text:>18s} {out['noiseless']:9.4f}{drop}")
    print("* extrapolated linearly from fewer shots (one MPS trajectory per shot); load during the run:",
          os.getloadavg())


def bench_default(ns: list[int], shots: int, budget: float, probe_shots: int, device: str = "fake_kingston") -> None:
    from bellsense import backends, circuits
    from bellsense.backends.resolve import fake_backend
    from bellsense.backends.sampling import runtime_sampler_class

    print(f"load: {os.getloadavg()}, cores: {os.cpu_count()}")
    platform = backends.resolve_backend(device)
    for n in ns:
        circ = circuits.assemble(circuits.ghz(n), circuits.bell_setting(n))
        isa, lay = backends.prepare_circuits(platform, [circ])
        phases = np.asarray(circuits.bell_phases(n, n + 1))[:, None]
        settings = len(phases)
        print(f"{device}, GHZ n = {n}: {settings} settings x {shots} shots, same ISA circuit "
              f"(CNOT depth {lay.circuits[0]['cnot_depth']})")

        t0 = time.perf_counter()
        sub = backends.submit(platform, [(isa[0], phases)], shots=shots, seed=1, calibrate=False)
        ours = backends.collect(platform, sub)
        mine = time.perf_counter() - t0
        choice = platform.choice(isa)
        print(f"  bellsense ({choice.method}, noise on the {n} active qubits): {mine:8.1f} s   "
              f"parity(phi_0) = {_parity(ours[0].bits)[0]:+.3f}")

        def default(pub: tuple, count: int) -> tuple[float, np.ndarray]:
            sampler = runtime_sampler_class()(mode=fake_backend(device))
            sampler.options.simulator.seed_simulator = 1
            start = time.perf_counter()
            res = sampler.run([pub], shots=count).result()
            return time.perf_counter() - start, _parity(res[0].data.meas)

        fixed, _ = default((isa[0], phases[:1]), 1)
        probe = max(1, min(shots, probe_shots))
        one, parity = default((isa[0], phases[:1]), probe)
        estimate = fixed + max(one - fixed, 0.0) * settings * shots / probe
        if estimate <= budget:
            full, parity = default((isa[0], phases), shots)
            print(f"  runtime default (full device noise, automatic method): {full:8.1f} s   "
                  f"parity(phi_0) = {parity[0]:+.3f}   speed-up {full / mine:.1f}x")
        else:
            print(f"  runtime default: EXTRAPOLATED {estimate:8.0f} s (= {estimate / 3600:.2f} h) from 1 setting x "
                  f"{probe} shots in {one:.1f} s and a 1-shot run in {fixed:.1f} s (fixed cost); "
                  f"parity(phi_0, {probe} shots) = {parity[0]:+.2f}   speed-up ~{estimate / mine:.0f}x (extrapolated)")
    print(f"load after: {os.getloadavg()}")


def _parity(bits) -> np.ndarray:
    arr = bits.to_bool_array(order="little")
    return np.mean(1 - 2 * (arr.sum(axis=-1) % 2), axis=-1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("which", choices=["widths", "default"])
    ap.add_argument("--devices", nargs="+", default=["fake_kingston"])
    ap.add_argument("--n", type=int, nargs="+", default=None)
    ap.add_argument("--shots", type=int, default=1000)
    ap.add_argument("--shots-at", nargs="*", default=[], help="N:S runs n = N with S shots (extrapolated)")
    ap.add_argument("--drop", nargs="*", default=[], help="N:F uses drop_fraction F at n = N")
    ap.add_argument("--budget", type=float, default=600.0, help="seconds allowed for a full runtime-default run")
    ap.add_argument("--probe-shots", type=int, default=100, help="shots of the one-setting default run that is timed")
    args = ap.parse_args()
    if args.which == "widths":
        bench_widths(args.devices, args.n or [20, 50], args.shots, _pairs(args.shots_at, int),
                     _pairs(args.drop, float))
    else:
        bench_default(args.n or [12, 20], args.shots, args.budget, args.probe_shots)


if __name__ == "__main__":
    main()
