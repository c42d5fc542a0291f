"""The typed run record: pydantic v2 models, the single source of the record's JSON schema.

A record holds everything the analysis needs: the versions, the spec as given (TOML-shaped), the
platform, the job submissions (written *before* waiting for results), every circuit's metadata and
counts, the exact reference values of every point, and the analysed ``points``.
:mod:`bellsense.record` reads (with migration from 0.1.0), validates and writes it;
``bellsense/schemas/record.schema.json`` is generated from :class:`RunRecord`.

Dicts that other layers own stay dicts here and are checked by their owners: circuit metadata
(``bellsense.circuits``), job submissions, platform and readout-calibration descriptions
(``bellsense.backends``). Models are frozen; a field is written only if it was set (an absent
quantity is absent, not ``null``).
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "SCHEMA_VERSION",
    "FORMAT",
    "Complex",
    "EstimateEntry",
    "Binding",
    "EnsembleMember",
    "CircuitEntry",
    "Simulation",
    "JobEntry",
    "DeviceExact",
    "ExactEntry",
    "ReadoutInfo",
    "Mitigated",
    "Point",
    "MissingCircuit",
    "TaskEntry",
    "Execution",
    "RunRecord",
]

FORMAT = "bellsense-record"
#: Version of the record layout. 1: bellsense 0.1.0 (``format_version``); 2: typed models (``schema_version``).
SCHEMA_VERSION = 2
Status = Literal["submitted", "complete", "incomplete"]
Role = Literal["fisher", "bell", "pi_bell", "squeezing"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="null")


class Complex(_Model):
    """A complex number in a record: ``{"real": .., "imag": ..}`` (the only spelling)."""

    real: float
    imag: float


class EstimateEntry(_Model):
    """A measured value with its standard error (``None``: not estimable) and the method used."""

    value: float | None
    stderr: float | None
    method: str | None = None


class Binding(_Model):
    """One parameter binding of a PUB: its values, its metadata and (once collected) its counts."""

    values: list[float] | None
    metadata: dict[str, Any]
    counts: dict[str, int] | None

    @field_validator("counts")
    @classmethod
    def _bitstrings(cls, counts: dict[str, int] | None) -> dict[str, int] | None:
        if counts is None:
            return None
        widths = {len(k) for k in counts}
        if any(set(k) - {"0", "1"} for k in counts) or len(widths) > 1:
            raise ValueError("counts keys must be bit strings of one width")
        if any(v < 0 for v in counts.values()):
            raise ValueError("counts must be >= 0")
        return counts


class EnsembleMember(_Model):
    """One member of a mixed probe run as a classical ensemble (``run.ensemble``): its weight, shots, own PUB of
    the entry's job, status and (once collected) counts per binding; the entry's counts are their sum."""

    index: int = Field(ge=0)
    weight: float = Field(ge=0, le=1)
    shots: int = Field(ge=1)
    pub: int = Field(ge=0)
    status: str
    error: str | None
    counts: list[dict[str, int]] | None = None

    @model_validator(mode="after")
    def _counts_total_the_shots(self) -> EnsembleMember:
        for b, counts in enumerate(self.counts or []):
            if sum(counts.values()) != self.shots:
                raise ValueError(f"member {self.index}: counts of binding {b} sum to {sum(counts.values())}, "
                                 f"not its {self.shots} shots")
        return self


class CircuitEntry(_Model):
    """One submitted PUB: its job group and position, point and role, metadata, status and bindings.

    A mixed probe (``gibbs``) has one PUB per ensemble member: ``ensemble`` lists them (``pub`` is the first
    member's) and the bindings hold their merged counts.
    """

    job: int = Field(ge=0)
    pub: int = Field(ge=0)
    point: int = Field(ge=0)
    role: Role
    metadata: dict[str, Any]
    parameters: list[str]
    status: str
    error: str | None
    bindings: list[Binding]
    ensemble: list[EnsembleMember] | None = None

    @property
    def complete(self) -> bool:
        """Collected with counts for every binding."""
        return self.status == "DONE" and all(b.counts is not None for b in self.bindings)


class Simulation(_Model):
    """The Aer method a job ran with and why (``backends.SimulationChoice``; Aer and fake-device jobs)."""

    method: str
    reason: str
    shot_branching: bool = False


class JobEntry(_Model):
    """One submission: its (n, t) group on Aer (``None`` on devices) and ``backends.Submission.to_dict()``.

    ``noise_index``: the group's noise setting (``spec.noises[noise_index]``, whose window noise model the
    job ran with; written when the spec has several settings).
    """

    n: int | None
    t: float | None
    submission: dict[str, Any]
    simulation: Simulation | None = None
    noise_index: int = Field(default=0, ge=0)


class DeviceExact(_Model):
    """Exact values under a device's own noise model (device runs), or why they were skipped."""

    fisher_exact_method: float | None = None
    bell_correlator_exact: float | None = None
    skipped: str | None = None


class ExactEntry(_Model):
    """A point's plan (working point, readout) and its exact reference values, written before submission."""

    index: int = Field(ge=0)
    state: str
    n: int = Field(ge=1)
    t: float
    theta: float
    delta: float
    readout_axis: list[float]
    statistic: Literal["parity", "mean", "second_moment"]
    sizes: list[int] | None = None
    #: ``[measure] pi_bell_angles = "optimal"``: ``[phi, theta]`` of ``estimators.pi_bell_minimum`` of the window state
    pi_bell_angles: list[float] | None = None
    #: the point's noise setting (``spec.noises[noise_index]``) and its label (written with several settings)
    noise_index: int = Field(default=0, ge=0)
    noise_label: str | None = None
    qfi_exact: float | None
    cfi_exact: float | None
    fisher_exact_method: float | None
    bell_correlator_exact: float | None = None
    pi_bell_exact: float | None = None
    squeezing_exact: float | None = None
    device: DeviceExact | None = None
    #: how the exact values were computed (``run.exact.exact_method``): the permutation-invariant engine
    #: ("pi"), the dense 2^n path ("dense"), a closed form, or none (``unavailable`` says why)
    exact_method: Literal["pi", "dense", "closed_form"] | None = None
    exact_reason: str | None = None
    unavailable: str | None = None
    #: ``log10 E_{N,0}`` (where the float underflows), its certified depth, and the GHZ fidelity
    bell_correlator_log10_exact: float | None = None
    nonlocality_depth_exact: int | None = None
    ghz_fidelity_exact: float | None = None


class ReadoutInfo(_Model):
    """The Fisher readout of a point: single-qubit axis and statistic of the Hamming weight."""

    axis: list[float]
    statistic: str


class Mitigated(_Model):
    """Readout-mitigated counterparts of a point's values (device runs with a calibration)."""

    fisher_measured: EstimateEntry | None = None
    bell_correlator: EstimateEntry | None = None
    bell_violation_sigma: float | None = None
    nonlocality_depth: int | None = None
    qfi_bound_from_bell: EstimateEntry | None = None


class Point(_Model):
    """One analysed ``(state, n, t)`` point: exact values, measured estimates, comparisons."""

    state: str
    n: int = Field(ge=1)
    t: float
    theta: float
    delta: float
    readout: ReadoutInfo
    qfi_exact: float | None
    cfi_exact: float | None
    fisher_exact_method: float | None
    fisher_measured: EstimateEntry | None
    sql: int
    hl: int
    missing: list[str]
    sizes: list[int] | None = None
    bell_correlator_exact: float | None = None
    pi_bell_exact: float | None = None
    squeezing_exact: float | None = None
    device_exact: DeviceExact | None = None
    fisher_z: float | None = None
    bell_correlator: EstimateEntry | None = None
    bell_violation_sigma: float | None = None
    bell_violation: bool | None = None
    nonlocality_depth: int | None = None
    qfi_bound_from_bell: EstimateEntry | None = None
    pi_bell: EstimateEntry | None = None
    pi_bell_sigma: float | None = None
    pi_bell_violation: bool | None = None
    squeezing: EstimateEntry | None = None
    mitigated: Mitigated | None = None
    errors: dict[str, str] | None = None
    exact_method: str | None = None
    exact_unavailable: str | None = None
    bell_correlator_log10_exact: float | None = None
    nonlocality_depth_exact: int | None = None
    ghz_fidelity_exact: float | None = None
    #: ``estimators.parallel_bound`` for the point's n, t and local rates (any probe, encoding about z);
    #: ``bound_unavailable`` says why there is none (device noise, other axes, unequal rates)
    bound: float | None = None
    bound_unavailable: str | None = None
    #: the point's noise setting (``spec.noises[noise_index]``) and its label (written with several settings)
    noise_index: int = Field(default=0, ge=0)
    noise_label: str | None = None


class MissingCircuit(_Model):
    """A circuit without counts."""

    point: int
    role: str
    status: str
    error: str | None


class TaskEntry(_Model):
    """Where one task of the run executed (:class:`bellsense.cluster.TaskResult` without its value)."""

    key: str
    seed: int = Field(ge=0)
    worker: str
    duration: float = Field(ge=0)


class Execution(_Model):
    """How a run's tasks executed: where, the run seed of the task seeds, the results file, each task.

    ``where`` is ``ClusterSpec.describe()`` (``"in-process"``, a LocalCluster, a scheduler address);
    ``results_file`` (next to ``record.json``) is set when the run appends its task results as they
    arrive (Aer runs: ``bellsense fetch`` recomputes only the tasks missing from it).
    """

    where: str
    run_seed: int = Field(ge=0)
    results_file: str | None = None
    tasks: list[TaskEntry] = Field(default_factory=list)


class RunRecord(_Model):
    """A whole run record (``record.json``)."""

    format: Literal["bellsense-record"] = "bellsense-record"
    schema_version: Literal[2] = 2
    status: Status
    created: str
    bellsense_version: str | None
    qiskit_version: str | None
    qiskit_aer_version: str | None
    qiskit_ibm_runtime_version: str | None
    spec: dict[str, Any]
    spec_source: str | None
    backend: dict[str, Any]
    exact_noise: str = "spec"
    jobs: list[JobEntry] = Field(default_factory=list)
    layout: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None
    exact: list[ExactEntry] = Field(default_factory=list)
    circuits: list[CircuitEntry] = Field(default_factory=list)
    points: list[Point] = Field(default_factory=list)
    missing: list[MissingCircuit] = Field(default_factory=list)
    execution: Execution | None = None

    @property
    def device_run(self) -> bool:
        """Whether the run was on a device (the spec's noise did not act; exact values are noiseless)."""
        return self.exact_noise != "spec"

    def to_json(self) -> dict[str, Any]:
        """The JSON-shaped dict of the record (fields never set are left out; inf and NaN become null)."""
        data = json.loads(self.model_dump_json(exclude_unset=True))
        full = json.loads(self.model_dump_json(include=set(type(self).model_fields) - set(data)))
        # ``execution`` (added after 0.1.0) is left out when never set, so older records round-trip unchanged.
        return {name: data[name] if name in data else full[name] for name in type(self).model_fields
                if name in data or name != "execution"}


def finite_or_none(value: float | None) -> float | None:
    """``float(value)``, or ``None`` for ``None``, NaN and inf (JSON has no non-finite numbers)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
