"""Submission: group the PUBs, attach the window noise (Aer) or transpile (devices), submit, and record.

Aer runs submit per point through :mod:`bellsense.run.tasks` (``submit_point``); this module serves
devices and user samplers. PUBs sharing one submission are grouped per (noise setting, n, t) on Aer (the window
noise depends on all three; one
:class:`~bellsense.run.build.WindowNoise` per group) and all together on devices and user
samplers (their noise is their own). The record's ``jobs`` and ``circuits`` entries are written
from the submissions *before* waiting for results, so nothing submitted is ever lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..record import to_json_safe, versions
from ..records import Binding, CircuitEntry, DeviceExact, ExactEntry, JobEntry, RunRecord
from ..spec import ExperimentSpec
from .build import CircuitJob, WindowNoise
from .ensemble import merge_entries
from .exact import device_exact
from .setup import Prepared

__all__ = ["Group", "groups", "window_noises", "record_skeleton", "submit_all"]


@dataclass(frozen=True)
class Group:
    """PUBs that share one submission: their (n, t) on Aer (``None`` otherwise), job indices and noise setting."""

    n: int | None
    t: float | None
    indices: tuple[int, ...]
    noise: int = 0


def groups(platform: Any, plans: Sequence[Any], jobs: Sequence[CircuitJob]) -> list[Group]:
    """Submission groups: per (noise setting, n, t) where the runner attaches window noise, else one group."""
    if not platform.accepts_noise_model:
        return [Group(None, None, tuple(range(len(jobs))))]
    by_index = {p.index: p for p in plans}
    keys: dict[tuple[int, int, float], list[int]] = {}
    for i, job in enumerate(jobs):
        plan = by_index[job.point]
        keys.setdefault((plan.noise_index, plan.n, plan.t), []).append(i)
    return [Group(n, t, tuple(idx), noise) for (noise, n, t), idx in keys.items()]


def window_noises(spec: ExperimentSpec, jobs: Sequence[JobEntry]) -> list[WindowNoise | None]:
    """The window noise of every job group of a record (``None`` for groups without (n, t)).

    A job's setting is ``spec.noises[job.noise_index]`` (0 in records of specs with one setting).
    """
    if any(job.noise_index >= len(spec.noises) for job in jobs):
        raise ValueError(f"a job of the record has a noise setting beyond the spec's {len(spec.noises)}")
    return [None if job.n is None or job.t is None else WindowNoise.build(spec.noises[job.noise_index], job.n, job.t)
            for job in jobs]


def record_skeleton(prepared: Prepared, exact: Sequence[ExactEntry]) -> RunRecord:
    """The record before submission: versions, spec, platform and the exact values."""
    return RunRecord.model_validate(dict(
        format="bellsense-record",
        schema_version=2,
        status="submitted",
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        **versions(),
        spec=prepared.spec.to_dict(),
        spec_source=prepared.source,
        backend=to_json_safe(prepared.platform.to_dict()),
        exact_noise="none (device run)" if prepared.platform.is_device else "spec",
        jobs=[],
        layout=None,
        calibration=None,
        exact=list(exact),
        circuits=[],
        points=[],
        missing=[],
    ))


def _circuit_entry(g: int, pos: int, job: CircuitJob) -> CircuitEntry:
    return CircuitEntry(
        job=g, pub=pos, point=job.point, role=job.role,  # type: ignore[arg-type]  # roles come from build
        metadata=to_json_safe(job.circuit.metadata), parameters=job.parameters, status="SUBMITTED", error=None,
        bindings=[Binding(values=None if job.values is None else job.values[b], metadata=to_json_safe(meta),
                          counts=None) for b, meta in enumerate(job.binding_metadata)])


def submit_all(prepared: Prepared, jobs: Sequence[CircuitJob], record: RunRecord) -> tuple[list[Any], RunRecord]:
    """Submit every group; return the submissions and the record with its jobs, circuits and layout."""
    from .. import backends

    spec, platform = prepared.spec, prepared.platform
    submissions: list[Any] = []
    job_entries: list[JobEntry] = []
    circuits: list[CircuitEntry] = []
    layout = None
    device: dict[int, DeviceExact] = {}
    for g, group in enumerate(groups(platform, prepared.plans, jobs)):
        members = [jobs[i] for i in group.indices]
        circs = [job.circuit for job in members]
        model = None
        if group.n is not None and group.t is not None:
            noise = WindowNoise.build(spec.noises[group.noise], group.n, group.t)  # once per group, not per circuit
            circs, model = [noise.apply(c) for c in circs], noise.model
        elif platform.is_device:
            circs, layout = backends.prepare_circuits(platform, circs)
            for info, circ in zip(layout.circuits, circs):
                # Jobs are split by footprint, so each circuit runs with the method of its own width; the
                # submission's ``simulation`` is that of its widest job.
                own = platform.choice([circ])
                if own is not None:
                    info["simulation"] = own.to_dict()
            device.update(device_exact(platform, spec, members, circs, record.exact))
        pubs = [job.pub(c) for c, job in zip(circs, members)]  # ensemble members carry their own shots
        options = None
        if platform.is_device:
            options = {"dynamical_decoupling": spec.run.dynamical_decoupling, "twirling": spec.run.twirling}
        submission = backends.submit(platform, pubs, shots=spec.run.shots, seed=spec.run.seed,
                                     noise_model=model, options=options)
        submissions.append(submission)
        choice = platform.choice(circs, model) if hasattr(platform, "choice") else None  # the Aer method and why
        job_entries.append(JobEntry.model_validate({
            "n": group.n, "t": group.t, "submission": to_json_safe(submission.to_dict()),
            **({} if choice is None else {"simulation": choice.to_dict()}),
            **({"noise_index": group.noise} if len(spec.noises) > 1 else {})}))
        circuits += merge_entries([_circuit_entry(g, pos, job) for pos, job in enumerate(members)])
    exact = [e.model_copy(update={"device": device[e.index]}) if e.index in device else e for e in record.exact]
    update: dict[str, Any] = {"jobs": job_entries, "circuits": circuits, "exact": exact}
    if layout is not None:
        update["layout"] = to_json_safe(layout)
    return submissions, record.model_copy(update=update)
