"""Job submission and records that never lose shots: :func:`submit`, :func:`collect`, :func:`job_statuses`.

A :class:`Submission` is written to the run record *before* anything waits. It holds
the job ids, which PUB went to which job, the shots and the seed. Local jobs (Aer and
fake devices in local mode) die with the process, so for them it also holds the
circuits (QPY, base64) and parameter values: :func:`collect` on a resumed record
re-executes them with the same seed and gets the same counts. IBM jobs are retrieved
by id. Readout-calibration PUBs (all-0 and all-1 on the used physical qubits) go
in the same batch on devices.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from qiskit import QuantumCircuit, qpy
from qiskit.primitives import BitArray
from qiskit.primitives.containers.sampler_pub import SamplerPub

from .calibration import ReadoutCalibration, calibration_circuits, measured_qubit_groups
from .resolve import Target, resolve_backend
from .sampling import make_sampler

__all__ = ["Submission", "PubOutcome", "Outcomes", "submit", "collect", "job_statuses"]

_OK = "DONE"


@dataclass(frozen=True)
class Submission:
    """What a run record needs to finish a submitted run later (JSON-safe via :meth:`to_dict`).

    Attributes
    ----------
    backend : dict
        ``Target.to_dict()`` of the target the jobs went to.
    job_ids : tuple of str
        One id per job.
    job_pubs : tuple of tuple of int
        For job k, the indices of the user PUBs it carries (calibration PUBs are not user PUBs).
    shots : tuple of int
        Shots of each user PUB.
    seed : int or None
        Simulator seed (local jobs).
    calibration : dict or None
        ``{"job": k, "groups": [[...], ...], "physical_qubits": [...]}``: job k holds an all-0 and
        an all-1 PUB per group of measured qubits (PUBs 2g and 2g + 1).
    payload : tuple of dict or None
        Local jobs only, one per job: ``{"qpy": base64, "values": [...] | None per PUB, "shots": [...]}``.
    noise_model_sha256 : str or None
        Fingerprint of the Aer noise model (local Aer jobs), checked when re-executing.
    options : dict
        Sampler options used (dynamical decoupling, twirling).
    submitted_at : str
        UTC time, ISO 8601.
    """

    backend: dict
    job_ids: tuple[str, ...]
    job_pubs: tuple[tuple[int, ...], ...]
    shots: tuple[int, ...]
    seed: int | None = None
    calibration: dict | None = None
    payload: tuple[dict, ...] | None = None
    noise_model_sha256: str | None = None
    options: dict = field(default_factory=dict)
    submitted_at: str = ""
    jobs: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    """Live job objects of this process (not serialised); empty on a resumed record."""

    @property
    def num_pubs(self) -> int:
        return len(self.shots)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (no credentials, no live objects)."""
        return {
            "backend": dict(self.backend),
            "job_ids": list(self.job_ids),
            "job_pubs": [list(p) for p in self.job_pubs],
            "shots": list(self.shots),
            "seed": self.seed,
            "calibration": None if self.calibration is None else dict(self.calibration),
            "payload": None if self.payload is None else [dict(p) for p in self.payload],
            "noise_model_sha256": self.noise_model_sha256,
            "options": dict(self.options),
            "submitted_at": self.submitted_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Submission:
        """Inverse of :meth:`to_dict` (raises ``ValueError`` naming a missing key)."""
        if not isinstance(data, dict):
            raise TypeError(f"Submission.from_dict needs a dict, got {type(data).__name__}")
        missing = [k for k in ("backend", "job_ids", "job_pubs", "shots") if k not in data]
        if missing:
            raise ValueError(f"submission record lacks key(s) {missing}; needs backend, job_ids, job_pubs, shots")
        payload = data.get("payload")
        return cls(
            backend=dict(data["backend"]),
            job_ids=tuple(data["job_ids"]),
            job_pubs=tuple(tuple(int(i) for i in p) for p in data["job_pubs"]),
            shots=tuple(int(s) for s in data["shots"]),
            seed=data.get("seed"),
            calibration=data.get("calibration"),
            payload=None if payload is None else tuple(payload),
            noise_model_sha256=data.get("noise_model_sha256"),
            options=dict(data.get("options") or {}),
            submitted_at=data.get("submitted_at", ""),
        )


@dataclass(frozen=True)
class PubOutcome:
    """Result of one user PUB: the ``meas`` bits, or why there are none.

    Attributes
    ----------
    index : int
        Position of the PUB in the submitted list.
    job_id : str
    status : str
        ``"DONE"``, or the job's failure state (``"ERROR"``, ``"CANCELLED"``, ...).
    bits : BitArray or None
        The measured register (shape = the PUB's parameter sweep shape).
    error : str or None
        One-line reason when ``status != "DONE"``.
    """

    index: int
    job_id: str
    status: str
    bits: BitArray | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == _OK and self.bits is not None

    def counts(self) -> list[dict[str, int]]:
        """Counts per parameter binding (C order of the sweep); little-endian keys, qubit 0 rightmost."""
        if not self.ok:
            raise ValueError(f"PUB {self.index} has no counts: job {self.job_id} is {self.status} ({self.error})")
        bits = self.bits
        if bits.ndim == 0:
            return [bits.get_counts()]
        return [bits.get_counts(loc) for loc in np.ndindex(bits.shape)]


@dataclass(frozen=True)
class Outcomes(Sequence):
    """Per-PUB outcomes (indexable like a tuple) plus the readout calibration, if any."""

    pubs: tuple[PubOutcome, ...]
    calibration: ReadoutCalibration | None = None
    calibration_error: str | None = None

    def __getitem__(self, i):  # type: ignore[override]
        return self.pubs[i]

    def __len__(self) -> int:
        return len(self.pubs)

    def __iter__(self) -> Iterator[PubOutcome]:
        return iter(self.pubs)

    @property
    def missing(self) -> list[int]:
        """Indices of PUBs without data."""
        return [p.index for p in self.pubs if not p.ok]


def _coerce(pubs: Sequence[Any], shots: int | None) -> list[SamplerPub]:
    if isinstance(pubs, (QuantumCircuit, SamplerPub)) or not isinstance(pubs, Sequence):
        raise TypeError("pubs must be a list of SamplerPub-like items (circuit, (circuit, values), ...)")
    if len(pubs) == 0:
        raise ValueError("pubs is empty; submit needs at least one PUB")
    out = [SamplerPub.coerce(p, shots) for p in pubs]
    for i, p in enumerate(out):
        if p.shots is None:
            raise ValueError(f"PUB {i} has no shots: pass shots= to submit or give the PUB its own")
    return out


def _noise_fingerprint(noise_model: Any) -> str | None:
    """sha256 of the noise model's content (random per-error ``id`` uuids removed)."""
    if noise_model is None:
        return None
    text = json.dumps(_without_ids(noise_model.to_dict(serializable=True)), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _without_ids(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_ids(v) for k, v in obj.items() if k != "id"}
    if isinstance(obj, list):
        return [_without_ids(v) for v in obj]
    return obj


def _encode_job(pubs: Sequence[SamplerPub]) -> dict[str, Any]:
    buf = io.BytesIO()
    qpy.dump([p.circuit for p in pubs], buf)
    values = [
        p.parameter_values.as_array(p.circuit.parameters).tolist() if p.circuit.num_parameters else None
        for p in pubs
    ]
    return {
        "qpy": base64.b64encode(buf.getvalue()).decode("ascii"),
        "values": values,
        "shots": [int(p.shots) for p in pubs],
    }


def _decode_job(payload: dict[str, Any]) -> list[tuple]:
    circuits = qpy.load(io.BytesIO(base64.b64decode(payload["qpy"])))
    pubs = []
    for circ, vals, sh in zip(circuits, payload["values"], payload["shots"]):
        pubs.append((circ, None if vals is None else np.asarray(vals, dtype=float), int(sh)))
    return pubs


def _chunks(n: int, size: int | None) -> list[tuple[int, ...]]:
    size = n if size is None else size
    return [tuple(range(i, min(i + size, n))) for i in range(0, n, size)]


def submit(
    target: Target,
    pubs: Sequence[Any],
    *,
    shots: int | None = None,
    seed: int | None = None,
    noise_model: Any = None,
    options: dict | None = None,
    calibrate: bool | None = None,
) -> Submission:
    """Submit PUBs without waiting; return the record of what was submitted.

    Parameters
    ----------
    target : Target
        From :func:`resolve_backend`.
    pubs : sequence of SamplerPub-like
        ``circuit`` or ``(circuit, parameter_values[, shots])``; device PUBs must hold ISA circuits
        from :func:`prepare_circuits`. One PUB per setting carries its whole parameter sweep.
    shots : int, optional
        Shots of PUBs that do not set their own.
    seed : int, optional
        Simulator seed (Aer and fake devices): identical seeds give identical counts.
    noise_model : NoiseModel, optional
        Aer targets only.
    options : dict, optional
        Device overrides: ``dynamical_decoupling``, ``twirling``, ``pubs_per_job``.
    calibrate : bool, optional
        Add the readout-calibration job (default: on devices, not on Aer).

    Returns
    -------
    Submission
        Write ``submission.to_dict()`` to the record before calling :func:`collect`.
    """
    if not isinstance(target, Target):
        raise TypeError(f"target must be a Target from resolve_backend, got {type(target).__name__}")
    if shots is not None and (not isinstance(shots, (int, np.integer)) or isinstance(shots, bool) or shots < 1):
        raise ValueError(f"shots must be a positive int, got {shots!r}")
    if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    allowed_opts = {"dynamical_decoupling", "twirling", "pubs_per_job"}
    if options and set(options) - allowed_opts:
        raise ValueError(f"unknown submit option(s) {sorted(set(options) - allowed_opts)}; allowed: {sorted(allowed_opts)}")
    options = dict(options or {})
    coerced = _coerce(pubs, shots)
    if target.kind != "aer":
        _check_isa(target, coerced)
    if calibrate is None:
        calibrate = target.kind != "aer"
    job_pubs = _chunks(len(coerced), options.get("pubs_per_job", target.options.get("pubs_per_job")))
    groups: list[list[SamplerPub]] = [[coerced[i] for i in idx] for idx in job_pubs]
    cal_info = None
    if calibrate:
        if target.kind == "aer":
            raise ValueError("readout calibration needs a device target (fake_* or ibm_*), not Aer")
        qubit_groups = measured_qubit_groups([p.circuit for p in coerced])
        cal_shots = max(int(p.shots) for p in coerced)
        groups.append(
            [SamplerPub.coerce(c, cal_shots) for g in qubit_groups for c in calibration_circuits(target.backend, g)]
        )
        cal_info = {
            "job": len(groups) - 1,
            "groups": [list(g) for g in qubit_groups],
            "physical_qubits": sorted({q for g in qubit_groups for q in g}),
        }
    jobs: list[Any] = []
    if target.kind == "ibm":
        from qiskit_ibm_runtime import Batch

        batch = Batch(backend=target.backend)
        sampler = make_sampler(target, seed=None, options=options, mode=batch)
        jobs = [sampler.run(g) for g in groups]
        batch.close()  # no more jobs in this batch; the submitted ones run to completion
    else:
        every = [p.circuit for g in groups for p in g]
        for g in groups:
            sampler = _local_sampler(target, every, [p.circuit for p in g], seed, noise_model, options)
            jobs.append(sampler.run(g))
    payload = None if target.kind == "ibm" else tuple(_encode_job(g) for g in groups)
    return Submission(
        backend=target.to_dict(),
        job_ids=tuple(str(j.job_id()) for j in jobs),
        job_pubs=tuple(tuple(p) for p in job_pubs) + (((),) if calibrate else ()),
        shots=tuple(int(p.shots) for p in coerced),
        seed=None if seed is None else int(seed),
        calibration=cal_info,
        payload=payload,
        noise_model_sha256=_noise_fingerprint(noise_model) if target.kind == "aer" else None,
        options=options,
        submitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        jobs=tuple(jobs),
    )


def _check_isa(target: Target, pubs: Sequence[SamplerPub]) -> None:
    """Devices run ISA circuits only: the device's width and instruction set."""
    num = target.backend.num_qubits
    allowed = set(target.backend.target.operation_names) | {"barrier", "measure", "delay"}
    for i, pub in enumerate(pubs):
        circ = pub.circuit
        bad = sorted(set(circ.count_ops()) - allowed)
        if circ.num_qubits != num or bad:
            what = f"gates {bad} are not in its instruction set" if bad else f"it has {circ.num_qubits} qubits, not {num}"
            raise ValueError(
                f"PUB {i} is not an ISA circuit for {target.device} ({what}); pass the circuits through "
                "prepare_circuits(target, circuits) first"
            )


def _check_target(target: Target, submission: Submission) -> None:
    if not isinstance(submission, Submission):
        raise TypeError(f"submission must be a Submission, got {type(submission).__name__}")
    rec = submission.backend
    if target.name != rec.get("name"):
        raise ValueError(f"submission was made on {rec.get('name')!r}, not on target {target.name!r}")


def target_for(submission: Submission) -> Target:
    """Re-resolve the target a submission was made on (for ``fetch``/``status`` from a record)."""
    rec = submission.backend
    opts = dict(rec.get("options") or {})
    if rec.get("kind") == "aer":
        opts.pop("method", None)
    return resolve_backend(rec["name"], **opts)


def _status_name(status: Any) -> str:
    name = getattr(status, "name", None) or str(status)
    return {"QUEUED": "QUEUED", "INITIALIZING": "QUEUED"}.get(name.upper(), name.upper())


def _job_results(target: Target, submission: Submission, k: int, noise_model: Any) -> tuple[str, Any, str | None]:
    """(status, PrimitiveResult or None, error) of job k, re-executing local jobs if needed."""
    if k < len(submission.jobs):
        job = submission.jobs[k]
        try:
            return _OK, job.result(), None
        except Exception as exc:  # a failed job is reported, never raised
            return _status_name(_safe_status(job)) or "ERROR", None, f"{type(exc).__name__}: {exc}"
    if target.kind == "ibm":
        try:
            job = target.service.job(submission.job_ids[k])
            status = _status_name(job.status())
            if status in ("ERROR", "CANCELLED"):
                return status, None, str(getattr(job, "error_message", lambda: "")() or status)
            return _OK, job.result(), None
        except Exception as exc:
            return "ERROR", None, f"{type(exc).__name__}: {exc}"
    # Local job from an earlier process: re-execute the stored PUBs with the stored seed.
    if submission.payload is None:
        return "LOST", None, "local job without stored circuits; cannot re-execute"
    if target.kind == "aer" and submission.noise_model_sha256 != _noise_fingerprint(noise_model):
        raise ValueError(
            "this Aer submission used a noise model; pass the same noise_model= to collect to re-execute it"
            if submission.noise_model_sha256
            else "this Aer submission used no noise model; call collect without noise_model="
        )
    pubs = _decode_job(submission.payload[k])
    every = [p[0] for q in submission.payload for p in _decode_job(q)] if target.kind == "fake" else []
    sampler = _local_sampler(target, every, [p[0] for p in pubs], submission.seed, noise_model, submission.options)
    try:
        return _OK, sampler.run(pubs).result(), None
    except Exception as exc:
        return "ERROR", None, f"{type(exc).__name__}: {exc}"


def _local_sampler(
    target: Target,
    every: Sequence[QuantumCircuit],
    mine: Sequence[QuantumCircuit],
    seed: int | None,
    noise_model: Any,
    options: dict,
) -> Any:
    """Sampler of one local job; a deterministic function of the stored circuits, so a re-run matches."""
    if target.kind != "fake":
        return make_sampler(target, seed=seed, noise_model=noise_model, options=options)
    active, _ = _footprint(every)  # the device noise is restricted to the submission's qubits
    _, width = _footprint(mine)  # the method suits this job's circuits
    return make_sampler(target, seed=seed, options=options, active_qubits=active, width=width)


def _footprint(circuits: Sequence[QuantumCircuit]) -> tuple[tuple[int, ...], int]:
    """Union of the qubits the circuits touch, and the most any one circuit touches."""
    used: set[int] = set()
    width = 0
    for circ in circuits:
        mine: set[int] = set()
        for inst in circ.data:
            if inst.operation.name != "barrier":
                mine.update(circ.find_bit(q).index for q in inst.qubits)
        used |= mine
        width = max(width, len(mine))
    return tuple(sorted(used)), width


def _safe_status(job: Any) -> Any:
    try:
        return job.status()
    except Exception:
        return "ERROR"


def _meas(data: Any) -> BitArray:
    fields = dict(data.items()) if hasattr(data, "items") else {}
    if "meas" in fields:
        return fields["meas"]
    bit_arrays = [v for v in fields.values() if isinstance(v, BitArray)]
    if len(bit_arrays) != 1:
        raise ValueError(f"expected one classical register named 'meas', got {sorted(fields)}")
    return bit_arrays[0]


def collect(target: Target, submission: Submission, *, noise_model: Any = None) -> Outcomes:
    """Wait for (or re-execute) every job and return per-PUB outcomes and the readout calibration.

    Failed or cancelled jobs do not raise: their PUBs get that status and an error line,
    so the analysis can use what completed and say what is missing.

    Parameters
    ----------
    target : Target
        The target of the submission (``target_for(submission)`` on a resumed record).
    submission : Submission
    noise_model : NoiseModel, optional
        Only to re-execute a resumed *Aer* submission that used one (checked by fingerprint).
    """
    _check_target(target, submission)
    pubs: list[PubOutcome | None] = [None] * submission.num_pubs
    calibration = None
    cal_error = None
    for k, indices in enumerate(submission.job_pubs):
        status, result, error = _job_results(target, submission, k, noise_model)
        job_id = submission.job_ids[k]
        if submission.calibration is not None and k == submission.calibration["job"]:
            if status == _OK:
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
            if status == _OK:
                pubs[i] = PubOutcome(i, job_id, _OK, bits=_meas(result[pos].data))
            else:
                pubs[i] = PubOutcome(i, job_id, status, error=error)
    return Outcomes(pubs=tuple(pubs), calibration=calibration, calibration_error=cal_error)  # type: ignore[arg-type]


def job_statuses(target: Target, submission: Submission) -> list[dict[str, Any]]:
    """State of every job: ``[{"job_id", "status", "pubs", "calibration"}]``.

    Local jobs of an earlier process show ``"RERUN_ON_FETCH"``: ``fetch`` re-executes them.
    """
    _check_target(target, submission)
    out = []
    for k, job_id in enumerate(submission.job_ids):
        if k < len(submission.jobs):
            status = _status_name(_safe_status(submission.jobs[k]))
        elif target.kind == "ibm":
            try:
                status = _status_name(target.service.job(job_id).status())
            except Exception as exc:
                status = f"UNKNOWN ({type(exc).__name__})"
        else:
            status = "RERUN_ON_FETCH" if submission.payload is not None else "LOST"
        is_cal = submission.calibration is not None and k == submission.calibration["job"]
        out.append({"job_id": job_id, "status": status, "pubs": list(submission.job_pubs[k]), "calibration": is_cal})
    return out
