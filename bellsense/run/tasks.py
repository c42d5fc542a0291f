"""The tasks of a run: one per point's exact reference, one per point's circuits with their Aer simulation.

Each task is a :class:`bellsense.cluster.Task` whose payload is JSON only: the spec in its dict form
(:meth:`ExperimentSpec.to_dict`, which round-trips through :meth:`ExperimentSpec.from_dict`) and the
point's plan. The worker rebuilds the circuits from them (:func:`~bellsense.run.build.point_circuits`)
and the Aer platform from the backend name: no live backend, sampler or credential travels. The task
functions are module-level (the workers import them by name) and return JSON-native values, so a
result read back from the results log equals a fresh one.

* ``exact/<index>/<state>/n=<n>/t=<t>`` -> :func:`exact_task`: the point's
  :class:`~bellsense.records.ExactEntry` (with the working point when ``theta = "optimal"``);
* ``sample/<index>/<state>/n=<n>/t=<t>`` -> :func:`sample_task`: the point's PUBs with the window noise,
  submitted and collected on Aer with the task's seed (``cluster.task_seed(run seed, key)``):
  ``{"submission": Submission.to_dict(), "circuits": [CircuitEntry with counts]}``.

The sample tasks need the working point, so a run executes the exact tasks first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ..cluster_tasks import Task, TaskResult
from ..noise import NoiseSpec
from ..record import to_json_safe
from ..records import CircuitEntry, ExactEntry, Execution, JobEntry, RunRecord, TaskEntry
from ..spec import ExperimentSpec
from .build import WindowNoise, point_circuits
from .collect import collect_entry
from .ensemble import merge_entries
from .exact import exact_point
from .plan import PointPlan, point_noise
from .submit import _circuit_entry

__all__ = ["RESULTS_NAME", "EXACT", "SAMPLE", "task_key", "plan_from_exact", "exact_task", "sample_task",
           "exact_tasks", "sample_tasks", "submit_point", "point_simulation", "assemble", "execution"]

#: The append-only results file of a run, next to ``record.json``.
RESULTS_NAME = "results.jsonl"
EXACT, SAMPLE = "exact", "sample"


def task_key(kind: str, plan: PointPlan) -> str:
    """The identity of a point's task (fixes its seed and its line in the results file).

    ``.../noise=<k>`` (the setting's index) is appended when the spec has several noise settings.
    """
    key = f"{kind}/{plan.index}/{plan.state}/n={plan.n}/t={plan.t!r}"
    return key if plan.noise_label is None else f"{key}/noise={plan.noise_index}"


def plan_from_exact(entry: ExactEntry) -> PointPlan:
    """The plan of a point as its exact task returned it (working point included)."""
    return PointPlan(entry.index, entry.state, entry.n, entry.t, entry.theta, entry.delta,
                     (float(entry.readout_axis[0]), float(entry.readout_axis[1]), float(entry.readout_axis[2])),
                     entry.statistic, None if entry.sizes is None else tuple(entry.sizes),
                     None if entry.pi_bell_angles is None else (entry.pi_bell_angles[0], entry.pi_bell_angles[1]),
                     entry.noise_index, entry.noise_label)


def _plan(data: Mapping[str, Any]) -> PointPlan:
    return PointPlan(int(data["index"]), str(data["state"]), int(data["n"]), float(data["t"]), float(data["theta"]),
                     float(data["delta"]), (float(data["readout_axis"][0]), float(data["readout_axis"][1]),
                                            float(data["readout_axis"][2])),
                     str(data["statistic"]), None if data.get("sizes") is None else tuple(data["sizes"]),
                     None if data.get("pi_bell_angles") is None else (float(data["pi_bell_angles"][0]),
                                                                     float(data["pi_bell_angles"][1])),
                     int(data.get("noise_index", 0)), data.get("noise_label"))


def exact_task(payload: dict[str, Any], seed: int) -> dict[str, Any]:
    """A point's exact reference values (``payload``: ``spec``, ``plan``, ``noiseless``); ``seed`` unused.

    ``noiseless`` (device runs): the spec's ``[noise]`` does not act on a device, so the reference is noiseless.
    """
    spec = ExperimentSpec.from_dict(payload["spec"], source="<task>")
    if payload.get("noiseless"):
        spec = dataclasses.replace(spec, noises=tuple(NoiseSpec() for _ in spec.noises))
    _, entry = exact_point(spec, _plan(payload["plan"]))
    return entry.model_dump(mode="json", exclude_unset=True)


def submit_point(spec: ExperimentSpec, plan: PointPlan, seed: int) -> tuple[Any, list[CircuitEntry], WindowNoise]:
    """Submit a point's PUBs (window noise attached) to Aer with ``seed``, without waiting.

    Returns the :class:`~bellsense.backends.Submission`, the point's circuit entries (job 0, no
    counts yet) and its :class:`~bellsense.run.build.WindowNoise`.
    """
    from .. import backends

    jobs = point_circuits(spec, plan)
    noise = WindowNoise.build(point_noise(spec, plan), plan.n, plan.t)
    circs = [noise.apply(job.circuit) for job in jobs]
    pubs = [job.pub(c) for c, job in zip(circs, jobs)]  # ensemble members carry their own shots
    platform = backends.resolve_backend(spec.run.backend)
    submission = backends.submit(platform, pubs, shots=spec.run.shots, seed=seed, noise_model=noise.model)
    return submission, merge_entries([_circuit_entry(0, pos, job) for pos, job in enumerate(jobs)]), noise


def sample_task(payload: dict[str, Any], seed: int) -> dict[str, Any]:
    """A point's PUBs run on Aer with the task's seed (``payload``: ``spec``, ``plan`` with its working point).

    Returns ``{"submission": Submission.to_dict(), "circuits": [CircuitEntry dicts with counts]}``.
    """
    from .. import backends

    spec = ExperimentSpec.from_dict(payload["spec"], source="<task>")
    plan = _plan(payload["plan"])
    submission, entries, noise = submit_point(spec, plan, seed)
    platform = backends.resolve_backend(spec.run.backend)
    outcomes = backends.collect(platform, submission, noise_model=noise.model)
    done = [collect_entry(entry, outcomes) for entry in entries]
    return {"submission": to_json_safe(submission.to_dict()),
            "circuits": [entry.model_dump(mode="json", exclude_unset=True) for entry in done],  # no "ensemble": null
            "simulation": point_simulation(spec, plan, noise)}


def point_simulation(spec: ExperimentSpec, plan: PointPlan, noise: WindowNoise) -> dict[str, Any] | None:
    """The Aer method of a point's job and why (issue 14): from the circuits' size, metadata and noise model."""
    from .. import backends

    platform = backends.resolve_backend(spec.run.backend)
    choice = platform.choice([noise.apply(job.circuit) for job in point_circuits(spec, plan)], noise.model)
    return None if choice is None else choice.to_dict()


def _largest_first(plans: Sequence[PointPlan]) -> list[PointPlan]:
    # Dask starts tasks in submission order: the long (large-n) points first, so that none ends the run alone.
    return sorted(plans, key=lambda p: (-p.n, p.index))


def exact_tasks(spec: ExperimentSpec, plans: Sequence[PointPlan], noiseless: bool) -> list[Task]:
    """One exact task per point, largest n first."""
    data = spec.to_dict()
    return [Task(task_key(EXACT, p), {"spec": data, "plan": p.to_dict(), "noiseless": noiseless})
            for p in _largest_first(plans)]


def sample_tasks(spec: ExperimentSpec, plans: Sequence[PointPlan]) -> list[Task]:
    """One sample task per point (plans with their working points), largest n first."""
    data = spec.to_dict()
    return [Task(task_key(SAMPLE, p), {"spec": data, "plan": p.to_dict()}) for p in _largest_first(plans)]


def execution(where: str, run_seed: int, results_file: str | None,
              results: Sequence[TaskResult]) -> Execution:
    """The record's :class:`~bellsense.records.Execution` (tasks in the order given)."""
    return Execution(where=where, run_seed=run_seed, results_file=results_file,
                     tasks=[TaskEntry(key=r.key, seed=r.seed, worker=r.worker, duration=r.duration) for r in results])


def assemble(record: RunRecord, plans: Sequence[PointPlan], results: Mapping[str, TaskResult]) -> RunRecord:
    """The record with every point's exact values, job and counts from the task results (points in plan order).

    Job ``g`` is the submission of the g-th point; each circuit entry points to it.
    """
    exact = [ExactEntry.model_validate(results[task_key(EXACT, p)].value) for p in plans]
    jobs: list[JobEntry] = []
    circuits: list[CircuitEntry] = []
    for g, plan in enumerate(plans):
        value = results[task_key(SAMPLE, plan)].value
        jobs.append(JobEntry.model_validate({
            "n": plan.n, "t": plan.t, "submission": value["submission"],
            **({"simulation": value["simulation"]} if value.get("simulation") else {}),
            **({} if plan.noise_label is None else {"noise_index": plan.noise_index})}))
        circuits += [CircuitEntry.model_validate({**entry, "job": g}) for entry in value["circuits"]]
    return record.model_copy(update={"exact": exact, "jobs": jobs, "circuits": circuits})
