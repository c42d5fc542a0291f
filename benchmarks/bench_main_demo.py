"""Wall-clock of the main job: ``bellsense demo`` end to end, and the runner's phases.

Run: /work/venv/bin/python benchmarks/bench_main_demo.py [--backend NAME]

Prints the time of the whole ``bellsense demo`` command in a fresh process (imports included,
as a user sees it; the acceptance target is < 60 s on the 2-core machine for Aer), then the
exact-value phase per point size and the submit/collect/analysis phases of one in-process run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _command_time(backend: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bellsense.cli", "demo", "--out", str(Path(tmp) / "demo"),
                        "--no-progress", "--backend", backend], check=True, capture_output=True)
        return time.perf_counter() - start


def _phases() -> None:
    from bellsense import report
    from bellsense import run as experiment

    spec = experiment.demo_spec()
    with tempfile.TemporaryDirectory() as tmp:
        prepared = experiment.prepare(spec, Path(tmp) / "run")
        by_n: dict[int, float] = {}
        for plan in prepared.plans:
            start = time.perf_counter()
            experiment.exact_point(spec, plan)
            by_n[plan.n] = by_n.get(plan.n, 0.0) + time.perf_counter() - start
        print("exact values (all states and times of one n):")
        for n, sec in sorted(by_n.items()):
            print(f"  n = {n}: {sec:6.2f} s")
        start = time.perf_counter()
        result = experiment.execute(prepared, progress=False, plots=True)
        total = time.perf_counter() - start
        start = time.perf_counter()
        report.analyse(result.record)
        print(f"execute (exact + submit + collect + analysis + plots): {total:6.2f} s")
        print(f"analysis alone (report.analyse of the record):          {time.perf_counter() - start:6.2f} s")


def main() -> None:
    backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "aer"
    print(f"bellsense demo --backend {backend} (fresh process): {_command_time(backend):6.2f} s")
    if backend == "aer":
        _phases()


if __name__ == "__main__":
    main()
