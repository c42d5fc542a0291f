"""Running a run's tasks (:mod:`bellsense.run.tasks`) in-process or on a Dask cluster, with nothing lost.

An Aer run is executed entirely as tasks: the record is written first (status ``"submitted"``, with
its :class:`~bellsense.records.Execution`: where, the run seed, the results file), then every task
result is appended to ``results.jsonl`` next to it as it arrives (:class:`bellsense.cluster.ResultsLog`),
and the record is assembled from the results at the end. :func:`complete` does the same from any
state of the results file, so ``bellsense fetch`` on a killed run recomputes only the missing tasks;
since each task's seed is ``task_seed(run_seed, key)``, the result equals an undisturbed run.

Devices, user samplers and IBM hardware keep their one submission (:mod:`bellsense.run.submit`):
only their exact references are tasks. IBM jobs never go through Dask (the runtime's Batch
distributes them): the cluster options are ignored with :func:`bellsense.cluster.describe_ignored`.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..cluster_spec import ClusterSpec, describe_ignored
from ..cluster_tasks import ResultsLog, TaskResult, pending_tasks, task_seed
from ..errors import RunFailure, SetupError
from ..record import RECORD_NAME, to_json_safe, write
from ..records import ExactEntry, JobEntry, RunRecord
from ..spec import ExperimentSpec
from .collect import finish
from .plan import PointPlan
from .setup import Prepared, RunResult
from .submit import record_skeleton
from .tasks import (
    EXACT,
    RESULTS_NAME,
    SAMPLE,
    assemble,
    exact_task,
    exact_tasks,
    execution,
    plan_from_exact,
    point_simulation,
    sample_task,
    sample_tasks,
    submit_point,
    task_key,
)

__all__ = ["Cluster", "runs_as_tasks", "cluster_for", "session_for", "run_seed", "exact_entries", "task_run",
           "complete"]

#: What ``cluster=`` accepts: None (in-process), a ClusterSpec, or an open ``bellsense.cluster.ClusterSession``.
Cluster = Any


class _Stopped(Exception):
    """Raised by the results callback after ``stop_after`` results (tests: a run killed mid-way)."""


def runs_as_tasks(platform: Any) -> bool:
    """Whether a platform's circuits run as per-point tasks (Aer: the runner attaches the window noise)."""
    return getattr(platform, "kind", "") == "aer"


def cluster_for(platform: Any, cluster: Cluster) -> Cluster:
    """``cluster``, or None for IBM hardware (after printing why the cluster options are ignored)."""
    if getattr(platform, "kind", "") == "ibm" and isinstance(cluster, ClusterSpec):
        notice = describe_ignored(cluster)
        if notice:
            print(f"bellsense: {notice}", file=sys.stderr)
        return None
    if getattr(platform, "kind", "") == "ibm" and cluster is not None and not isinstance(cluster, ClusterSpec):
        print("bellsense: cluster ignored: IBM jobs are distributed by the runtime's Batch", file=sys.stderr)
        return None
    return cluster


@contextlib.contextmanager
def session_for(cluster: Cluster) -> Iterator[Any]:
    """An open ``ClusterSession`` for the run (an open one is reused, not closed); in-process without Dask."""
    from ..cluster import use_cluster

    with use_cluster(cluster) as session:
        yield session


def run_seed(spec: ExperimentSpec) -> int:
    """The run seed of the task seeds: ``run.seed``, or a fresh random one (recorded) when the spec has none."""
    return int(spec.run.seed) if spec.run.seed is not None else secrets.randbelow(2**63)


def exact_entries(spec: ExperimentSpec, plans: Sequence[PointPlan], session: Any, seed: int, *,
                  noiseless: bool, progress: bool) -> tuple[list[ExactEntry], list[TaskResult]]:
    """Exact reference values of every point as tasks (no results file: device and sampler runs)."""
    from ..cluster import run_tasks

    results = {r.key: r for r in run_tasks(exact_tasks(spec, plans, noiseless), exact_task, run_seed=seed,
                                           cluster=session, progress=progress)}
    keys = [task_key(EXACT, p) for p in plans]
    return [ExactEntry.model_validate(results[k].value) for k in keys], [results[k] for k in keys]


def task_run(prepared: Prepared, session: Any, *, progress: bool, plots: bool, stop_after_submit: bool = False,
             stop_after: int | None = None) -> RunResult:
    """An Aer run as tasks: the record first, then :func:`complete`."""
    if (prepared.out_dir / RESULTS_NAME).exists():  # results of another run would be taken for this one's
        raise SetupError(f"--out {prepared.out_dir}: already holds a {RESULTS_NAME}; choose a new folder")
    seed = run_seed(prepared.spec)
    record = record_skeleton(prepared, []).model_copy(
        update={"execution": execution(session.spec.describe(), seed, RESULTS_NAME, [])})
    write(prepared.out_dir / RECORD_NAME, record)  # before any task: a killed run can be fetched
    return complete(record, prepared.spec, prepared.plans, prepared.out_dir, session, progress=progress, plots=plots,
                    stop_after_submit=stop_after_submit, stop_after=stop_after)


def _check_log(done: dict[str, TaskResult], seed: int, path: Path) -> None:
    for key, result in done.items():
        if result.seed != task_seed(seed, key):
            raise RunFailure(f"{path}: task {key!r} ran with seed {result.seed}, not the seed of this record's run "
                             f"seed {seed}; the results file belongs to another run")


def complete(record: RunRecord, spec: ExperimentSpec, plans: Sequence[PointPlan], out_dir: Path, session: Any, *,
             progress: bool, plots: bool, stop_after_submit: bool = False, stop_after: int | None = None) -> RunResult:
    """Run the tasks missing from the results file, then assemble, analyse and write the record.

    ``stop_after_submit``: after the exact tasks, submit every point to Aer in this process and
    write the record with the submissions (what an interrupted run of the one-submission path
    leaves; ``fetch`` re-executes them). ``stop_after=k`` stops after k new results, leaving the
    record and the results file as a kill would (tests).
    """
    from ..cluster import run_tasks

    assert record.execution is not None
    seed = record.execution.run_seed
    path = out_dir / RECORD_NAME
    log = ResultsLog(out_dir / RESULTS_NAME)
    done = log.load()
    _check_log(done, seed, log.path)
    arrived = 0

    def on_result(result: TaskResult) -> None:
        nonlocal arrived
        log.append(result)  # fsync'd before anything else happens
        done[result.key] = result
        arrived += 1
        if stop_after is not None and arrived >= stop_after:
            raise _Stopped

    try:
        run_tasks(pending_tasks(exact_tasks(spec, plans, False), done), exact_task, run_seed=seed, cluster=session,
                  progress=progress, on_result=on_result)
        plans = [plan_from_exact(ExactEntry.model_validate(done[task_key(EXACT, p)].value)) for p in plans]
        if stop_after_submit:
            return _submitted(record, spec, plans, done, path)
        run_tasks(pending_tasks(sample_tasks(spec, plans), done), sample_task, run_seed=seed, cluster=session,
                  progress=progress, on_result=on_result)
    except _Stopped:
        return RunResult(path, record)
    keys = [task_key(kind, p) for kind in (EXACT, SAMPLE) for p in plans]
    where = execution(session.spec.describe(), seed, RESULTS_NAME, [done[k] for k in keys])
    return finish(assemble(record, plans, done).model_copy(update={"execution": where}), out_dir, plots)


def _submitted(record: RunRecord, spec: ExperimentSpec, plans: Sequence[PointPlan], done: dict[str, TaskResult],
               path: Path) -> RunResult:
    """Every point submitted (not collected) in this process with its task seed; the record written."""
    seed = record.execution.run_seed if record.execution is not None else 0
    jobs, circuits = [], []
    for g, plan in enumerate(plans):
        submission, entries, noise = submit_point(spec, plan, task_seed(seed, task_key(SAMPLE, plan)))
        sim = point_simulation(spec, plan, noise)  # the Aer method and why (issue 14)
        jobs.append(JobEntry.model_validate({"n": plan.n, "t": plan.t, "submission": to_json_safe(submission.to_dict()),
                                             **({"simulation": sim} if sim else {}),
                                             **({} if plan.noise_label is None
                                                else {"noise_index": plan.noise_index})}))
        circuits += [entry.model_copy(update={"job": g}) for entry in entries]
    exact = [ExactEntry.model_validate(done[task_key(EXACT, p)].value) for p in plans]
    record = record.model_copy(update={"exact": exact, "jobs": jobs, "circuits": circuits})
    write(path, record)
    return RunResult(path, record)
