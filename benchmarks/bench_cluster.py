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

Run:  .venv/bin/python benchmarks/bench_cluster.py [--workers 2] [--trivial 400] [--grid-tasks 400]
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


if __name__ == "__main__":
    main()
