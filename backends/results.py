"""Results of a submission: :func:`collect` (per-PUB :class:`PubOutcome` in :class:`JobResults`) and
:func:`job_statuses`. Failed jobs never raise: their PUBs say what happened (redacted, see ``redact.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from qiskit.primitives import BitArray

from bellsense.estimators.measured.mitigation import ReadoutCalibration

from .platform import OK, JobOutcome, Platform, status_name
from .redact import describe_error
from .submission import Submission

__all__ = ["PubOutcome", "JobResults", "collect", "job_statuses"]


@dataclass(frozen=True)
class PubOutcome:
    """Result of one user PUB: the ``meas`` bits, or why there are none.

    Attributes
    ----------
    index : int
        Position of the PUB in the submitted list.
    job_id : str
    status : str
        ``"DONE"``, or the job's failure state (``"ERROR"``, ``"CANCELLED"``, ``"LOST"``, ...).
    bits : BitArray or None
        The measured register (shape = the PUB's parameter sweep shape).
    error : str or None
        One redacted line ``"<ExceptionType>: <message>"`` when ``status != "DONE"``.
    """

    index: int
    job_id: str
    status: str
    bits: BitArray | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK and self.bits is not None

    def counts(self) -> list[dict[str, int]]:
        """Counts per parameter binding (C order of the sweep); little-endian keys, qubit 0 rightmost."""
        bits = self.bits
        if not self.ok or bits is None:
            raise ValueError(f"PUB {self.index} has no counts: job {self.job_id} is {self.status} ({self.error})")
        if bits.ndim == 0:
            return [bits.get_counts()]
        return [bits.get_counts(loc) for loc in np.ndindex(bits.shape)]


@dataclass(frozen=True)
class JobResults(Sequence[PubOutcome]):
    """What :func:`collect` returns: per-PUB outcomes (indexable like a tuple) plus the readout calibration."""

    pubs: tuple[PubOutcome, ...]
    calibration: ReadoutCalibration | None = None
    calibration_error: str | None = None

    @overload
    def __getitem__(self, i: int) -> PubOutcome: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[PubOutcome, ...]: ...
    def __getitem__(self, i: int | slice) -> PubOutcome | tuple[PubOutcome, ...]:
        return self.pubs[i]

    def __len__(self) -> int:
        return len(self.pubs)

    def __iter__(self) -> Iterator[PubOutcome]:
        return iter(self.pubs)

    @property
    def missing(self) -> list[int]:
        """Indices of PUBs without data."""
        return [p.index for p in self.pubs if not p.ok]


def _check_platform(platform: Platform, submission: Submission) -> None:
    if not isinstance(platform, Platform):
        raise TypeError(f"platform must be a Platform, got {type(platform).__name__}")
    if not isinstance(submission, Submission):
        raise TypeError(f"submission must be a Submission, got {type(submission).__name__}")
    rec = submission.backend
    if platform.name != rec.get("name"):
        raise ValueError(f"submission was made on {rec.get('name')!r}, not on platform {platform.name!r}")


def _safe_status(job: Any) -> Any:
    try:
        return job.status()
    except Exception:
        return "ERROR"


def _job_results(platform: Platform, submission: Submission, k: int, noise_model: Any) -> JobOutcome:
    """(status, PrimitiveResult or None, redacted error) of job k; earlier processes' jobs via the platform."""
    if k < len(submission.jobs):
        job = submission.jobs[k]
        try:
            return OK, job.result(), None
        except Exception as exc:  # a failed job is reported, never raised
            return status_name(_safe_status(job)) or "ERROR", None, describe_error(exc)
    return platform.recover(submission, k, noise_model)


def _meas(data: Any) -> BitArray:
    fields = dict(data.items()) if hasattr(data, "items") else {}
    if "meas" in fields:
        return fields["meas"]
    bit_arrays = [v for v in fields.values() if isinstance(v, BitArray)]
    if len(bit_arrays) != 1:
        raise ValueError(f"expected one classical register named 'meas', got {sorted(fields)}")
    return bit_arrays[0]


def collect(platform: Platform, submission: Submission, *, noise_model: Any = None) -> JobResults:
    """Wait for (or re-execute) every job and return per-PUB outcomes and the readout calibration.

    Failed or cancelled jobs do not raise: their PUBs get that status and a redacted error line,
    so the analysis can use what completed and say what is missing.

    Parameters
    ----------
    platform : Platform
        The platform of the submission (``platform_for(submission)`` on a resumed record).
    submission : Submission
    noise_model : NoiseModel, optional
        Only to re-execute a resumed *Aer* submission that used one (checked by fingerprint).
    """
    _check_platform(platform, submission)
    pubs: list[PubOutcome | None] = [None] * submission.num_pubs
    calibration = None
    cal_error = None
    for k, indices in enumerate(submission.job_pubs):
        status, result, error = _job_results(platform, submission, k, noise_model)
        job_id = submission.job_ids[k]
        if submission.calibration is not None and k == submission.calibration["job"]:
            if status == OK:
                calibration = ReadoutCalibration.from_groups(
                    [
                        (g, _meas(result[2 * j].data), _meas(result[2 * j + 1].data))
                        for j, g in enumerate(submission.calibration["groups"])
                    ]
                )
            else:
                cal_error = f"calibration job {job_id} {status}: {error}"
            continue
        for pos, i in enumerate(indices):
            if status == OK:
                pubs[i] = PubOutcome(i, job_id, OK, bits=_meas(result[pos].data))
            else:
                pubs[i] = PubOutcome(i, job_id, status, error=error)
    done = tuple(p for p in pubs if p is not None)  # every PUB index is in exactly one job
    return JobResults(pubs=done, calibration=calibration, calibration_error=cal_error)


def job_statuses(platform: Platform, submission: Submission) -> list[dict[str, Any]]:
    """State of every job: ``[{"job_id", "status", "pubs", "calibration"}]``.

    Local jobs of an earlier process show ``"RERUN_ON_FETCH"``: ``fetch`` re-executes them.
    """
    _check_platform(platform, submission)
    out = []
    for k, job_id in enumerate(submission.job_ids):
        if k < len(submission.jobs):
            status = status_name(_safe_status(submission.jobs[k]))
        else:
            status = platform.recovered_status(submission, k)
        is_cal = submission.calibration is not None and k == submission.calibration["job"]
        out.append({"job_id": job_id, "status": status, "pubs": list(submission.job_pubs[k]), "calibration": is_cal})
    return out
