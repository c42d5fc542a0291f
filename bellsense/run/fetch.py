"""Completing and inspecting runs from their records: ``bellsense fetch`` and ``bellsense status``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import RunFailure, SetupError
from ..record import RECORD_NAME, read
from ..records import RunRecord
from ..spec import ExperimentSpec
from .collect import collect_all, finish
from .distributed import Cluster, complete, session_for
from .runner import progress_bar
from .setup import RunResult, failure

__all__ = ["fetch", "status_lines"]


def _read(path: str | Path) -> tuple[Path, RunRecord]:
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    try:
        return path, read(path)
    except ValueError as exc:
        raise SetupError(str(exc)) from None


def _submissions(record: RunRecord) -> list[Any]:
    from ..backends import Submission

    try:
        return [Submission.from_dict(job.submission) for job in record.jobs]
    except (KeyError, TypeError, ValueError) as exc:
        raise SetupError(f"record has no usable job submissions ({exc})") from None


def _platform(path: Path, record: RunRecord, submission: Any) -> Any:
    from ..backends import platform_for

    try:
        return platform_for(submission)
    except Exception as exc:  # credentials or unknown device: a setup problem
        raise SetupError(f"{path}: cannot reach backend {record.backend.get('name')!r}: {exc}") from None


def _complete_tasks(path: Path, record: RunRecord, spec: ExperimentSpec, cluster: Cluster, progress: bool,
                    plots: bool) -> RunResult:
    """A task run killed mid-way: recompute only the tasks missing from its results file."""
    from .plan import plan_points

    try:
        with session_for(cluster) as session:
            return complete(record, spec, plan_points(spec), path.parent, session, progress=progress, plots=plots)
    except (SetupError, RunFailure):
        raise
    except Exception as exc:
        if os.environ.get("BELLSENSE_DEBUG"):
            raise
        raise failure(exc, path.parent) from exc


def fetch(path: str | Path, *, progress: bool = True, plots: bool = True, cluster: Cluster = None) -> RunResult:
    """Complete a run from its record: collect every stored submission, analyse, write, plot.

    Local-mode jobs (Aer, fake devices) of an earlier process are re-executed with the stored
    circuits and seed, so the counts equal those of an uninterrupted run. A task run (Aer) killed
    before its record was assembled is completed from its results file: only the missing tasks
    run (in-process, or on ``cluster`` as in :func:`bellsense.run.execute`), with the same seeds.
    """
    path, record = _read(path)
    spec = ExperimentSpec.from_dict(record.spec, source=str(path))
    if record.execution is not None and record.execution.results_file and not record.jobs:
        return _complete_tasks(path, record, spec, cluster, progress, plots)
    submissions = _submissions(record)
    if not submissions:
        raise SetupError(f"{path}: the record holds no job submissions")
    platform = _platform(path, record, submissions[0])
    try:
        with progress_bar(1, progress) as bar:
            record = collect_all(platform, spec, submissions, record)
            bar.update(1)
        return finish(record, path.parent, plots)
    except Exception as exc:
        if os.environ.get("BELLSENSE_DEBUG"):
            raise
        raise failure(exc, path.parent) from exc


def status_lines(path: str | Path) -> list[str]:
    """One line per job of a record: group, job id, status, PUBs."""
    from ..backends import job_statuses

    path, record = _read(path)
    lines = [f"{path}: status {record.status}, backend {record.backend.get('name')}"]
    if record.execution is not None and record.execution.results_file and not record.jobs:
        from ..cluster_tasks import ResultsLog
        from .plan import plan_points

        total = 2 * len(plan_points(ExperimentSpec.from_dict(record.spec, source=str(path))))
        done = len(ResultsLog(path.parent / record.execution.results_file).load())
        return lines + [f"{done} of {total} tasks finished ({record.execution.results_file}); "
                        "'bellsense fetch' runs the others"]
    submissions = _submissions(record)
    if not submissions:
        return lines + ["no jobs"]
    platform = _platform(path, record, submissions[0])
    for g, submission in enumerate(submissions):
        for row in job_statuses(platform, submission):
            kind = "calibration" if row.get("calibration") else f"{len(row['pubs'])} PUBs"
            lines.append(f"group {g}: job {row['job_id']}  {row['status']}  ({kind})")
    return lines
