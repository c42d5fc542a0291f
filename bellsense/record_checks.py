"""Internal consistency of a run record: what the schema cannot see.

The typed models (:mod:`bellsense.records`) check each field's type; these checks look across
fields, so that a tampered or truncated record is refused (naming the first problem) instead of
giving a wrong table: e.g. counts multiplied by 1000 would shrink every error bar ~31x, and
pass the schema. :func:`bellsense.record.parse` runs them on every record it reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from .records import RunRecord

__all__ = ["first_inconsistency", "check_consistency"]


def _noise_problem(record: RunRecord, noises: Sequence[int]) -> str | None:
    """Exact entries and points carry the noise setting of their point; jobs name an existing setting."""
    entries = [("exact", k, e.index, e.noise_index) for k, e in enumerate(record.exact)]
    entries += [("points", k, k, p.noise_index) for k, p in enumerate(record.points)]
    for where, k, index, setting in entries:
        if index < len(noises) and setting != noises[index]:
            return (f"at {where}/{k}/noise_index: setting {setting}, but point {index} of the spec "
                    f"has noise setting {noises[index]}")
    settings = max(noises, default=0) + 1
    for g, job in enumerate(record.jobs):
        if job.noise_index >= settings:
            return f"at jobs/{g}/noise_index: setting {job.noise_index} does not exist (the spec has {settings})"
    return None


def _exact_problem(record: RunRecord, points: Sequence[tuple[str, int, float]]) -> str | None:
    seen: set[int] = set()
    for k, entry in enumerate(record.exact):
        where = f"exact/{k}"
        if entry.index >= len(points):
            return f"at {where}/index: point {entry.index} does not exist (the spec has {len(points)} points)"
        if entry.index in seen:
            return f"at {where}/index: point {entry.index} appears twice"
        seen.add(entry.index)
        state, n, t = points[entry.index]
        if (entry.state, entry.n) != (state, n) or abs(entry.t - t) > 1e-12 * max(1.0, abs(t)):
            return (f"at {where}: ({entry.state}, n={entry.n}, t={entry.t:g}) is not point {entry.index} "
                    f"of the spec ({state}, n={n}, t={t:g})")
        values = (entry.qfi_exact, entry.cfi_exact, entry.fisher_exact_method)
        if any(v is None for v in values) and not getattr(entry, "unavailable", None):
            return f"at {where}: exact values are missing and no reason is recorded (\"unavailable\")"
    if record.status != "submitted" and record.points and len(seen) != len(points):
        missing = sorted(set(range(len(points))) - seen)
        return f"at exact: no exact values for point {missing[0]} (every analysed point needs its entry)"
    return None


def _circuit_problem(record: RunRecord, points: Sequence[tuple[str, int, float]], shots: int) -> str | None:
    for c, entry in enumerate(record.circuits):
        where = f"circuits/{c}"
        if entry.point >= len(points):
            return f"at {where}/point: point {entry.point} does not exist (the spec has {len(points)} points)"
        if record.jobs and entry.job >= len(record.jobs):
            return f"at {where}/job: job {entry.job} does not exist (the record has {len(record.jobs)} jobs)"
        n = points[entry.point][1]
        for b, binding in enumerate(entry.bindings):
            if binding.counts is None:
                continue
            width = len(next(iter(binding.counts), ""))
            if width != n:
                return (f"at {where}/bindings/{b}/counts: bit strings of width {width}, "
                        f"but point {entry.point} has n = {n}")
            total = sum(binding.counts.values())
            if total != shots:
                return (f"at {where}/bindings/{b}/counts: the counts sum to {total}, "
                        f"but the record ran {shots} shots per circuit")
    return None


def _point_problem(record: RunRecord, points: Sequence[tuple[str, int, float]]) -> str | None:
    if record.points and len(record.points) != len(points):
        return f"at points: {len(record.points)} analysed points, but the spec has {len(points)}"
    for k, point in enumerate(record.points):
        state, n, t = points[k]
        if (point.state, point.n) != (state, n) or abs(point.t - t) > 1e-12 * max(1.0, abs(t)):
            return f"at points/{k}: ({point.state}, n={point.n}, t={point.t:g}) is not point {k} of the spec"
    if record.status == "complete":
        if record.missing:
            return "at status: \"complete\" but the record lists missing circuits"
        if not record.points:
            return "at status: \"complete\" but the record has no analysed points"
    return None


def first_inconsistency(record: RunRecord, points: Sequence[tuple[str, int, float]], shots: int,
                        noises: Sequence[int] | None = None) -> str | None:
    """The first internal inconsistency of ``record`` (``"at <path>: <problem>"``), or ``None``.

    ``points`` are the spec's ``(state, n, t)`` points in run order and ``shots`` its shots per
    circuit. Checked: exact entries belong to existing points and have their values (or a recorded
    reason, ``unavailable``); circuits belong to existing points and jobs, their counts have the
    width n of their point and sum to the shots; analysed points follow the spec; a "complete"
    record has analysed points and lists nothing missing (a circuit without counts is shown as
    missing by the analysis, so it is not refused here). ``noises``: the noise setting of every point
    (``ExperimentSpec.point_noises``; ``None``: all 0), which exact entries, points and jobs must match.
    """
    noises = [0] * len(points) if noises is None else noises
    return (_exact_problem(record, points) or _circuit_problem(record, points, shots)
            or _point_problem(record, points) or _noise_problem(record, noises))


def check_consistency(record: RunRecord, points: Sequence[tuple[str, int, float]], shots: int,
                      *, source: str = "record", noises: Sequence[int] | None = None) -> None:
    """Raise ``ValueError("<source>: inconsistent record at <path>: ...")`` on the first inconsistency."""
    problem = first_inconsistency(record, points, shots, noises)
    if problem is not None:
        raise ValueError(f"{source}: inconsistent record {problem}")
