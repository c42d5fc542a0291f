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
from .runner import progress_bar
from .setup import RunResult

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


def fetch(path: str | Path, *, progress: bool = True, plots: bool = True) -> RunResult:
    """Complete a run from its record: collect every stored submission, analyse, write, plot.

    Local-mode jobs (Aer, fake devices) of an earlier process are re-executed with the stored
    circuits and seed, so the counts equal those of an uninterrupted run.
    """
    path, record = _read(path)
    spec = ExperimentSpec.from_dict(record.spec, source=str(path))
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
        raise RunFailure(f"{type(exc).__name__}: {exc}") from exc


def status_lines(path: str | Path) -> list[str]:
    """One line per job of a record: group, job id, status, PUBs."""
    from ..backends import job_statuses

    path, record = _read(path)
    lines = [f"{path}: status {record.status}, backend {record.backend.get('name')}"]
    submissions = _submissions(record)
    if not submissions:
        return lines + ["no jobs"]
    platform = _platform(path, record, submissions[0])
    for g, submission in enumerate(submissions):
        for row in job_statuses(platform, submission):
            kind = "calibration" if row.get("calibration") else f"{len(row['pubs'])} PUBs"
            lines.append(f"group {g}: job {row['job_id']}  {row['status']}  ({kind})")
    return lines
