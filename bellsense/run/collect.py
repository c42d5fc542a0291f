"""Collection: counts of every submitted PUB into the record, then analysis and plots.

The window noise model of an Aer group is rebuilt once per group (local jobs of an earlier
process are re-executed with it, checked against its fingerprint by the backends).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..record import RECORD_NAME, to_json_safe, write
from ..records import CircuitEntry, RunRecord
from ..spec import ExperimentSpec
from .ensemble import collect_members
from .setup import RunResult
from .submit import window_noises

__all__ = ["collect_all", "finish", "with_outcome", "collect_entry"]


def with_outcome(entry: CircuitEntry, out: Any) -> CircuitEntry:
    """The circuit entry with the status, error and (if done) counts per binding of its ``PubOutcome``."""
    bindings = entry.bindings
    if out.ok:
        bindings = [b.model_copy(update={"counts": {k: int(v) for k, v in counts.items()}})
                    for b, counts in zip(entry.bindings, out.counts())]
    return entry.model_copy(update={"status": out.status, "error": out.error, "bindings": bindings})


def collect_entry(entry: CircuitEntry, outcomes: Any) -> CircuitEntry:
    """The entry with its outcome from its job's ``JobResults``: its PUB's, or (a mixed probe) each member's,
    merged (``run.ensemble.collect_members``)."""
    if entry.ensemble is not None:
        return collect_members(entry, outcomes)
    return with_outcome(entry, outcomes[entry.pub])


def collect_all(platform: Any, spec: ExperimentSpec, submissions: Sequence[Any], record: RunRecord) -> RunRecord:
    """The record with the counts (or the error) of every PUB, and the readout calibration if any."""
    from .. import backends

    noises = window_noises(spec, record.jobs)
    circuits: list[CircuitEntry] = list(record.circuits)
    calibration = record.calibration
    for g, submission in enumerate(submissions):
        noise = noises[g]
        outcomes = backends.collect(platform, submission, noise_model=None if noise is None else noise.model)
        for i, entry in enumerate(circuits):
            if entry.job == g:
                circuits[i] = collect_entry(entry, outcomes)
        if outcomes.calibration is not None:
            calibration = to_json_safe(outcomes.calibration.to_dict())
        elif outcomes.calibration_error:
            calibration = {"error": outcomes.calibration_error}
    return record.model_copy(update={"circuits": circuits, "calibration": calibration})


def finish(record: RunRecord, out_dir: Path, plots: bool) -> RunResult:
    """Analyse (:func:`bellsense.report.analyse`), write the record, draw the plots."""
    from .. import report
    from ..record import parse

    missing = report.missing(record)
    record = record.model_copy(update={"points": report.analyse(record), "missing": missing,
                                       "status": "complete" if not missing else "incomplete"})
    record = parse(record.to_json())  # the written record is exactly what a reader gets back
    path = write(out_dir / RECORD_NAME, record)
    written: tuple[Path, ...] = ()
    if plots:
        from ..plots import save_all

        written = tuple(save_all(record.points, path.parent))
    return RunResult(path, record, written)
