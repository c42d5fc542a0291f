"""Readout mitigation at width (issue 14): tensored per-qubit inversion against mthree (M3), side by side.

One GHZ Bell-correlator run on a fake device in local mode (default ``fake_kingston``, n = 50, N+1 settings,
readout calibration in the same batch); the record's counts are then analysed three ways, timed:
raw, tensored inversion (bellsense's default), and M3 (``mitigation = "m3"``, optional ``bellsense[m3]``).
Printed: E_{N,0} +- stderr of each, the analysis time, the noiseless value 1/4 and the device-noise exact
value when available. Never asserted.

Usage::

    python benchmarks/bench_mitigation_width.py [--n 50] [--shots 1000] [--device fake_kingston]
    python benchmarks/bench_mitigation_width.py --record RUN/record.json   # analyse an earlier device run
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--device", default="fake_kingston")
    parser.add_argument("--record", type=Path, default=None, help="analyse this device run's record instead")
    args = parser.parse_args()

    from bellsense import record as rec_io
    from bellsense import report
    from bellsense.run import run_experiment
    from bellsense.spec import ExperimentSpec

    print(f"load: {os.getloadavg()}, cores: {os.cpu_count()}")
    if args.record is not None:
        record = rec_io.read(args.record)
        spec = ExperimentSpec.from_dict(record.spec)
        print(f"record {args.record} ({record.backend['name']}, {spec.run.shots} shots)")
    else:
        spec = ExperimentSpec.from_dict({
            "name": f"mitigation-width-{args.n}", "probe": {"states": ["ghz"], "n": [args.n]},
            "sensing": {"t": [0.0]}, "measure": {"quantities": ["bell"], "exact": "off"},
            "run": {"backend": args.device, "shots": args.shots, "seed": 3}})
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            record = run_experiment(spec, Path(tmp) / "run", plots=False).record
            run_time = time.perf_counter() - t0
        print(f"{args.device}, GHZ n = {args.n}, {args.n + 1} settings x {args.shots} shots: run {run_time:.1f} s")
    sim = record.jobs[0].simulation
    print(f"  simulation {sim.method if sim else '?'}; noiseless E_{{N,0}} = 0.25 for every n")
    rows: dict[int, list[str]] = {}
    for mitigation in ("tensored", "m3"):
        typed = dataclasses.replace(spec, measure=dataclasses.replace(spec.measure, mitigation=mitigation))
        rec = record.model_copy(update={"spec": typed.to_dict()})
        t0 = time.perf_counter()
        points = report.analyse(rec)
        seconds = time.perf_counter() - t0
        for k, point in enumerate(points):
            raw = point.bell_correlator
            mit = point.mitigated.bell_correlator if point.mitigated else None
            lay = record.layout["circuits"][k] if k < len(record.layout["circuits"]) else {}
            line = rows.setdefault(point.n, [f"  n = {point.n:3d} (CNOT depth {lay.get('cnot_depth')}): "
                                             f"raw E = {raw.value:.4g} +- {raw.stderr:.2g}"])
            line.append(f"{mitigation} E = {mit.value:.4g} +- {mit.stderr:.2g}" if mit else f"{mitigation} -")
        print(f"  analysis with {mitigation} (all points, raw included): {seconds:.2f} s")
    for line in rows.values():
        print(" | ".join(line))


if __name__ == "__main__":
    main()
