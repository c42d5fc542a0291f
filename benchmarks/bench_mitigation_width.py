"""Readout mitigation at width (issue 14): tensored per-qubit inversion against mthree (M3), side by side.

One GHZ Bell-correlator run on a fake device in local mode (default ``fake_kingston``, n = 50, N+1 settings,
readout calibration in the same batch); the record's counts are then analysed three ways, timed:
raw, tensored inversion (bellsense's default), and M3 (``mitigation = "m3"``, optional ``bellsense[m3]``).
Printed: E_{N,0} +- stderr of each, the analysis time, the noiseless value 1/4 and the device-noise exact
value when available. Never asserted.

Usage::

    python benchmarks/bench_mitigation_width.py [--n 50] [--shots 1000] [--device fake_kingston]
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
    args = parser.parse_args()

    from bellsense import report
    from bellsense.run import run_experiment
    from bellsense.spec import ExperimentSpec

    print(f"load: {os.getloadavg()}, cores: {os.cpu_count()}")
    spec = ExperimentSpec.from_dict({
        "name": f"mitigation-width-{args.n}", "probe": {"states": ["ghz"], "n": [args.n]}, "sensing": {"t": [0.0]},
        "measure": {"quantities": ["bell"], "exact": "off"},
        "run": {"backend": args.device, "shots": args.shots, "seed": 3}})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        record = run_experiment(spec, Path(tmp) / "run", plots=False).record
        run_time = time.perf_counter() - t0
    lay = record.layout["circuits"][0]
    sim = record.jobs[0].simulation
    print(f"{args.device}, GHZ n = {args.n}, {args.n + 1} settings x {args.shots} shots: run {run_time:.1f} s, "
          f"CNOT depth {lay['cnot_depth']}, simulation {sim.method if sim else '?'}")
    print("  noiseless E_{N,0} = 0.25")
    for mitigation in ("tensored", "m3"):
        typed = dataclasses.replace(spec, measure=dataclasses.replace(spec.measure, mitigation=mitigation))
        rec = record.model_copy(update={"spec": typed.to_dict()})
        t0 = time.perf_counter()
        point = report.analyse(rec)[0]
        seconds = time.perf_counter() - t0
        raw, mit = point.bell_correlator, point.mitigated.bell_correlator if point.mitigated else None
        if mitigation == "tensored":
            print(f"  raw:       E = {raw.value:.4g} +- {raw.stderr:.2g}")
        print(f"  {mitigation:9s}: E = {mit.value:.4g} +- {mit.stderr:.2g}   (analysis incl. raw: {seconds:.2f} s)")


if __name__ == "__main__":
    main()
