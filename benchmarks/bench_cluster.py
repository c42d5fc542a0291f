"""Benchmark: a 20-point Aer sweep in-process against 2 local Dask workers, the scheduling overhead
per task, and the wall-time model of a larger grid on 2, 8 and 64 workers.

Sweep: GHZ and |+>^n, n = 6 ... 10, window t = 0.25 and 1 under local dephasing (gamma = 0.1).
One task per point, as the runner will do: the exact noisy density matrix of prep + window
(``backends.density_matrix``) and 4000 shots of the x-parity readout (``backends.sample_counts``),
seeded by ``bellsense.cluster.task_seed``. The in-process and the 2-worker results are compared
(they must be identical). Workers are warmed up (qiskit imported) before the timed sweep; the
cluster start-up is timed separately.

Overhead: ``--trivial`` tasks that return at once; overhead per task = wall time / number of tasks
(the scheduler handles tasks one after the other, so this is the throughput limit of the run).

Model (docs/ARCHITECTURE.md, "Sweeps on a cluster"): M tasks of mean duration t on W workers,

    T(M, W) = start + max(ceil(M / W) * t, t_max) + M * o

with ``start`` the cluster start-up, ``t_max`` the longest task and ``o`` the overhead per task. ``--grid-tasks M`` and
``--task-seconds t`` give the grid to estimate (default: 400 tasks of the sweep's mean task time).

In-process, Aer uses OpenMP threads on all cores for the larger density matrices; run with
``OMP_NUM_THREADS=1`` to compare against a strictly serial process.

``bellsense run`` itself (issue 15, second part): the same 20 points as a spec (Fisher information by
moments and the Bell correlator, 4000 shots) through ``bellsense.run_experiment`` in-process and with
``cluster=`` a warmed 2-worker session, side by side; the records must be identical.

niezgoda2021 Fig. 2 (two-mode model, N = 50, 100, 250, 500, 750, 1000, 201 values of U): every cell is
timed in-process (``reproduce.grid.map_cells``), and the model gives the wall time of that grid on 2, 8 and
64 workers with one task per cell and with one task per N curve.

Run:  .venv/bin/python benchmarks/bench_cluster.py [--workers 2] [--trivial 400] [--grid-tasks 400] [--skip-run]
"""

from __future__ import annotations

import argparse
import math
import os
import time
from typing import Any

import numpy as np

from bellsense import backends, circuits, noise
from bellsense import cluster as bc

GAMMA = 0.1
SHOTS = 4000
RUN_SEED = 2026


def sweep_point(payload: dict[str, Any], seed: int) -> dict[str, Any]:
    """One point: exact rho of prep + dephasing window, and seeded x-parity counts."""
    n, t = int(payload["n"]), float(payload["t"])
    prep = circuits.ghz(n) if payload["state"] == "ghz" else circuits.product(n)
    body = circuits.assemble(prep, circuits.sensing_window(n, t, 0.0))
    model = noise.window_noise_model(noise.NoiseSpec(dephasing=GAMMA), n, t)
    rho = backends.density_matrix(body, model)
    counts = backends.sample_counts(circuits.assemble(body, circuits.pauli_setting(["X"] * n)), SHOTS, model,
                                    seed=seed)
    return {"purity": float(np.real(rho.purity())), "counts": dict(sorted(counts.items()))}  # type: ignore[union-attr]


def run_sweep_spec() -> Any:
    """The 20-point sweep as a ``bellsense run`` spec (GHZ and product, n = 6..10, t = 0.25 and 1, dephasing)."""
    from bellsense.spec import ExperimentSpec

    return ExperimentSpec.from_dict({
        "name": "bench-cluster-sweep",
        "probe": {"states": ["ghz", "product"], "n": [6, 7, 8, 9, 10]},
        "sensing": {"axis": "z", "theta": "optimal", "t": [0.25, 1.0]},
        "noise": {"dephasing": GAMMA},
        "measure": {"quantities": ["fisher", "bell"], "fisher_method": "moments"},
        "run": {"shots": SHOTS, "seed": RUN_SEED, "backend": "aer"},
    })


def niezgoda_cell(cell: dict[str, Any], seed: int) -> float:
    """One cell of niezgoda2021 Fig. 2: the two-mode ground state at (N, U); returns QFI/N."""
    from bellsense.reproduce.niezgoda2021 import ground_point

    return float(ground_point("two_mode", int(cell["n"]), float(cell["u"])).qfi_per_n)


def bench_run(workers: int, session: bc.ClusterSession) -> None:
    import tempfile

    from bellsense import run_experiment

    spec = run_sweep_spec()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        serial = run_experiment(spec, f"{tmp}/in-process", plots=False).record
        t_serial = time.perf_counter() - start
        start = time.perf_counter()
        parallel = run_experiment(spec, f"{tmp}/workers", plots=False, cluster=session).record
        t_parallel = time.perf_counter() - start
    same = serial.circuits == parallel.circuits and serial.points == parallel.points and serial.exact == parallel.exact
    assert serial.execution is not None and parallel.execution is not None
    busy = {w: sum(t.duration for t in parallel.execution.tasks if t.worker == w)
            for w in {t.worker for t in parallel.execution.tasks}}
    print(f"\nbellsense run, the same 20 points as a spec (Fisher by moments + Bell correlator, {SHOTS} shots; "
          f"{len(serial.execution.tasks)} tasks: exact + Aer per point)")
    print(f"  in-process          {t_serial:8.2f} s   (sum of task times "
          f"{sum(t.duration for t in serial.execution.tasks):.2f} s)")
    print(f"  {workers} local workers     {t_parallel:8.2f} s   speed-up {t_serial / t_parallel:.2f}x "
          f"(target >= 1.7x); task seconds per worker {', '.join(f'{v:.2f}' for v in busy.values())}")
    print(f"  identical records (counts, exact values, points): {same}")
    serial_time = {t.key: t.duration for t in serial.execution.tasks}
    total = sum(serial_time.values())
    busiest = max(sum(serial_time[t.key] for t in parallel.execution.tasks if t.worker == w) for w in busy)
    print(f"  load balance: busiest worker holds {busiest:.2f} s of the {total:.2f} s of serial task time "
          f"-> speed-up bound {total / busiest:.2f}x without contention or overhead")


def bench_niezgoda(overhead: float, start_s: float) -> None:
    from bellsense.reproduce.grid import map_cells

    ns, us = (50, 100, 250, 500, 750, 1000), np.linspace(-10.0, 0.0, 201)
    cells = [{"n": n, "u": float(u)} for n in ns for u in us]
    niezgoda_cell(cells[0], 0)  # imports off the clock
    tasks = [bc.Task(f"niezgoda2021/fig2/{i}", c) for i, c in enumerate(cells)]
    start = time.perf_counter()
    results = bc.run_tasks(tasks, niezgoda_cell, run_seed=0, progress=False)
    wall = time.perf_counter() - start
    assert [r.value for r in results[:3]] == map_cells("niezgoda2021/fig2", cells[:3], niezgoda_cell)
    times = np.array([r.duration for r in results])
    curves = times.reshape(len(ns), len(us)).sum(axis=1)
    print(f"\nniezgoda2021 Fig. 2 (full grid, two-mode N = {', '.join(map(str, ns))}; {len(us)} values of U): "
          f"{len(cells)} cells in {wall:.2f} s in-process; per cell mean {1e3 * times.mean():.2f} ms, "
          f"max {1e3 * times.max():.2f} ms; per N curve {', '.join(f'{c:.2f}' for c in curves)} s")
    print(f"  model (start = {start_s:.1f} s, o = {1e3 * overhead:.2f} ms):"
          "     W = 1      W = 2      W = 8     W = 64")
    for label, m, t, longest in (("one task per cell ", len(cells), float(times.mean()), float(times.max())),
                                 ("one task per curve", len(ns), float(curves.mean()), float(curves.max()))):
        est = [model_time(m, w, t, overhead if w > 1 else 0.0, start_s if w > 1 else 0.0, longest)
               for w in (1, 2, 8, 64)]  # W = 1: in-process, no cluster
        print(f"    {label} (M = {m:4d}) " + "".join(f"{e:9.2f} s" for e in est))


def trivial(payload: dict[str, Any], seed: int) -> int:
    return seed % 7


def sweep_tasks() -> list[bc.Task]:
    # Largest first: Dask starts tasks in submission order, so the long n = 10 points do not end the run alone.
    return [bc.Task(f"point/{state}/n={n}/t={t}", {"state": state, "n": n, "t": t})
            for n in range(10, 5, -1) for state in ("ghz", "product") for t in (0.25, 1.0)]


def model_time(tasks: int, workers: int, task_seconds: float, overhead: float, start: float,
               longest: float = 0.0) -> float:
    """``start + max(ceil(M / W) t, t_max) + M o`` (seconds)."""
    return start + max(math.ceil(tasks / workers) * task_seconds, longest) + tasks * overhead


def _warm(session: bc.ClusterSession) -> None:
    assert session.client is not None
    session.client.run(__import__, "bellsense.backends")  # qiskit/Aer imports off the clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--trivial", type=int, default=400, help="number of trivial tasks for the overhead")
    parser.add_argument("--grid-tasks", type=int, default=400, help="M of the larger-machine estimate")
    parser.add_argument("--task-seconds", type=float, default=None,
                        help="mean task time of that grid (default: the sweep's measured mean)")
    parser.add_argument("--skip-run", action="store_true", help="skip the bellsense run comparison")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} (shared machine), "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')} in-process; workers run 1 thread each")

    tasks = sweep_tasks()
    sweep_point({"state": "ghz", "n": 6, "t": 0.5}, 0)  # first Aer call off the clock, as on the warmed workers
    start = time.perf_counter()
    serial = bc.run_tasks(tasks, sweep_point, run_seed=RUN_SEED)
    t_serial = time.perf_counter() - start

    start = time.perf_counter()
    with bc.open_cluster(bc.ClusterSpec(workers=args.workers, timeout=120)) as session:
        _warm(session)
        t_start = time.perf_counter() - start
        start = time.perf_counter()
        parallel = bc.run_tasks(tasks, sweep_point, run_seed=RUN_SEED, cluster=session)
        t_parallel = time.perf_counter() - start
        trivial_tasks = [bc.Task(f"trivial/{i}", {}) for i in range(args.trivial)]
        start = time.perf_counter()
        bc.run_tasks(trivial_tasks, trivial, run_seed=RUN_SEED, cluster=session, progress=False)
        t_trivial = time.perf_counter() - start
        if not args.skip_run:
            bench_run(args.workers, session)

    same = [r.value for r in serial] == [r.value for r in parallel]
    task_times = np.array([r.duration for r in serial])
    print(f"\n20-point Aer sweep (GHZ, product; n = 6..10; t = 0.25, 1; dephasing {GAMMA}; {SHOTS} shots)")
    print(f"  in-process          {t_serial:8.2f} s   (sum of task times {task_times.sum():.2f} s, "
          f"mean {task_times.mean():.3f} s, max {task_times.max():.3f} s)")
    print(f"  {args.workers} local workers     {t_parallel:8.2f} s   speed-up {t_serial / t_parallel:.2f}x "
          f"(target >= 1.7x on 2 cores); cluster start + warm-up {t_start:.2f} s")
    print(f"  identical results: {same}")
    per_worker = {w: sum(r.worker == w for r in parallel) for w in sorted({r.worker for r in parallel})}
    print(f"  tasks per worker: {per_worker}")
    # Contention-free view (the machine is shared): serial task times summed per worker of the 2-worker schedule.
    serial_time = {r.key: r.duration for r in serial}
    busiest = max(sum(serial_time[r.key] for r in parallel if r.worker == w) for w in per_worker)
    print(f"  load balance: busiest worker holds {busiest:.2f} s of the {task_times.sum():.2f} s of serial task time "
          f"-> speed-up bound {task_times.sum() / busiest:.2f}x without contention or overhead")
    overhead = t_trivial / args.trivial
    print(f"\nscheduling overhead: {args.trivial} trivial tasks in {t_trivial:.2f} s -> "
          f"{1e3 * overhead:.2f} ms per task (target < 50 ms)")

    mean = float(task_times.mean()) if args.task_seconds is None else args.task_seconds
    predicted_2 = model_time(len(tasks), args.workers, float(task_times.mean()), overhead, 0.0, float(task_times.max()))
    print(f"\nmodel T(M, W) = start + max(ceil(M/W) t, t_max) + M o, o = {1e3 * overhead:.2f} ms, "
          f"start = {t_start:.1f} s")
    print(f"  check on the sweep (M = {len(tasks)}, W = {args.workers}, t = mean {task_times.mean():.3f} s, "
          f"start excluded): model {predicted_2:.2f} s, measured {t_parallel:.2f} s")
    print(f"  grid of M = {args.grid_tasks} tasks of t = {mean:.3f} s:")
    for workers in (1, 2, 8, 64):
        est = model_time(args.grid_tasks, workers, mean, overhead, t_start)
        print(f"    W = {workers:3d}: {est:9.1f} s")
    bench_niezgoda(overhead, t_start)


if __name__ == "__main__":
    main()
