"""The runner: spec -> circuits + exact values -> submitted jobs -> record -> analysis -> plots.

A run has two phases, kept apart so that the command's exit codes mean something:

* :func:`~bellsense.run.setup.prepare` (:class:`SetupError`, exit code 2): platform, output
  folder, plans, circuits. Nothing is written if it fails.
* :func:`execute` (:class:`RunFailure`, exit code 1): exact reference values, submission (the
  record is written with the job submissions *before* waiting), collection, analysis
  (:func:`bellsense.report.analyse`, a pure function of the record) and plots.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from ..errors import RunFailure, SetupError
from ..record import RECORD_NAME, write
from ..spec import ExperimentSpec
from .build import bind_working_point
from .collect import collect_all, finish
from .distributed import Cluster, cluster_for, exact_entries, run_seed, runs_as_tasks, session_for, task_run
from .setup import Prepared, RunResult, failure, prepare, remove_created
from .submit import record_skeleton, submit_all
from .tasks import execution, plan_from_exact

__all__ = ["execute", "run_experiment", "progress_bar"]


def progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar over the run's steps (disabled: a no-op bar)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc="bellsense", unit="step", leave=False,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}")


def execute(prepared: Prepared, *, progress: bool = True, plots: bool = True,
            stop_after_submit: bool = False, cluster: Cluster = None, stop_after: int | None = None) -> RunResult:
    """Run a prepared experiment: exact values, submission, record, collection, analysis, plots.

    ``cluster``: where the tasks run (:mod:`bellsense.run.distributed`): None in-process, a
    :class:`bellsense.cluster.ClusterSpec` (opened and closed for the run) or an open
    ``ClusterSession``. Aer runs are per-point tasks (exact reference, circuits with their Aer
    simulation) whose results are appended to ``results.jsonl`` as they arrive; on devices and user
    samplers only the exact references are tasks; IBM hardware ignores ``cluster``.

    ``stop_after_submit`` returns right after the record with the submissions is written (what
    an interrupted run leaves behind; :func:`bellsense.run.fetch.fetch` completes it);
    ``stop_after=k`` stops an Aer run after k task results, as a kill would (tests).

    Raises
    ------
    SetupError
        A scheduler that cannot be reached (``SchedulerUnreachable``, nothing written).
    RunFailure
        Any failure after preparation; a record already written stays for ``fetch``.
    """
    spec = prepared.spec
    path = prepared.out_dir / RECORD_NAME
    cluster = cluster_for(prepared.platform, cluster)
    try:
        with session_for(cluster) as session:
            if runs_as_tasks(prepared.platform):
                return task_run(prepared, session, progress=progress, plots=plots,
                                stop_after_submit=stop_after_submit, stop_after=stop_after)
            # On a device the spec's [noise] does not act (the device's own noise does): the exact
            # reference is then noiseless, and the device-noise values come with the submission.
            seed = run_seed(spec)
            exact, results = exact_entries(spec, prepared.plans, session, seed,
                                           noiseless=prepared.platform.is_device, progress=progress)
        plans = [plan_from_exact(e) for e in exact]
        jobs = list(prepared.jobs)
        for plan in plans:
            jobs = bind_working_point(spec, plan, jobs)
        prepared = dataclasses.replace(prepared, plans=tuple(plans), jobs=tuple(jobs))
        with progress_bar(2, progress) as bar:
            bar.set_postfix_str("submitting")
            record = record_skeleton(prepared, exact).model_copy(
                update={"execution": execution(session.spec.describe(), seed, None, results)})
            submissions, record = submit_all(prepared, jobs, record)
            write(path, record)  # the job record first: nothing submitted is ever lost
            bar.update(1)
            if stop_after_submit:
                return RunResult(path, record)
            bar.set_postfix_str("collecting")
            record = collect_all(prepared.platform, spec, submissions, record)
            bar.update(1)
        return finish(record, prepared.out_dir, plots)
    except (SetupError, RunFailure):
        remove_created(prepared)  # only if nothing was written
        raise
    except Exception as exc:  # one line for the user; the record (if written) stays for fetch
        remove_created(prepared)
        if os.environ.get("BELLSENSE_DEBUG"):
            raise
        raise failure(exc, prepared.out_dir) from exc


def run_experiment(spec: ExperimentSpec, out_dir: str | Path | None = None, *, progress: bool = False,
                   plots: bool = True, sampler: Any = None, cluster: Cluster = None) -> RunResult:
    """Python entry point: :func:`prepare` then :func:`execute` (``bellsense run`` without the table).

    ``sampler``: any ``qiskit.primitives.BaseSamplerV2`` (e.g. ``qiskit_aer.primitives.SamplerV2``,
    or a runtime sampler in a ``Batch``) instead of ``spec.run.backend``; the record has the same
    shape. A spec with ``[noise]`` is refused with a user sampler (:class:`SetupError`): put the
    noise in the sampler's own configuration.

    ``cluster``: ``bellsense.cluster.ClusterSpec(workers=N)`` (a local Dask cluster),
    ``ClusterSpec(scheduler="tcp://host:8786")``, an open ``ClusterSession``, or None (in-process);
    the same seed gives the same record everywhere (see :func:`execute`).
    """
    return execute(prepare(spec, out_dir, sampler=sampler), progress=progress, plots=plots, cluster=cluster)
