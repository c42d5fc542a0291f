"""The job record of a run: :class:`Submission`, written to the run record *before* anything waits.

It holds the job ids, which PUB went to which job, the shots and the seed. Local jobs (Aer and
fake devices in local mode) die with the process, so for them it also holds the circuits (QPY,
base64) and parameter values: ``collect`` on a resumed record re-executes them with the same seed
and gets the same counts. IBM jobs are retrieved by id; jobs of a user-supplied sampler cannot be
recovered after the process ends.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit import QuantumCircuit, qpy
from qiskit.primitives.containers.sampler_pub import SamplerPub

__all__ = ["Submission", "coerce_pubs", "noise_fingerprint", "encode_job", "decode_job", "chunks", "footprint",
           "by_shots", "job_seed"]


@dataclass(frozen=True)
class Submission:
    """What a run record needs to finish a submitted run later (JSON-safe via :meth:`to_dict`).

    Attributes
    ----------
    backend : dict
        ``Platform.to_dict()`` of the platform the jobs went to.
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
        Local jobs (Aer, fake devices) only, one per job:
        ``{"qpy": base64, "values": [...] | None per PUB, "shots": [...]}``.
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


def coerce_pubs(pubs: Sequence[Any], shots: int | None) -> list[SamplerPub]:
    if isinstance(pubs, (QuantumCircuit, SamplerPub)) or not isinstance(pubs, Sequence):
        raise TypeError("pubs must be a list of SamplerPub-like items (circuit, (circuit, values), ...)")
    if len(pubs) == 0:
        raise ValueError("pubs is empty; submit needs at least one PUB")
    out = [SamplerPub.coerce(p, shots) for p in pubs]
    for i, p in enumerate(out):
        if p.shots is None:
            raise ValueError(f"PUB {i} has no shots: pass shots= to submit or give the PUB its own")
    return out


def noise_fingerprint(noise_model: Any) -> str | None:
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


def encode_job(pubs: Sequence[SamplerPub]) -> dict[str, Any]:
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


def decode_job(payload: dict[str, Any]) -> list[tuple]:
    circuits = qpy.load(io.BytesIO(base64.b64decode(payload["qpy"])))
    pubs = []
    for circ, vals, sh in zip(circuits, payload["values"], payload["shots"]):
        pubs.append((circ, None if vals is None else np.asarray(vals, dtype=float), int(sh)))
    return pubs


def chunks(n: int, size: int | None) -> list[tuple[int, ...]]:
    size = n if size is None else size
    return [tuple(range(i, min(i + size, n))) for i in range(0, n, size)]


def by_shots(job_pubs: Sequence[tuple[int, ...]], shots: Sequence[int]) -> list[tuple[int, ...]]:
    """Each job's PUB indices split into jobs of one shot count (first-appearance order).

    Runtime samplers (fake and IBM devices) refuse a job whose PUBs have different shots; the members
    of a mixed probe (``bellsense.run.ensemble``) carry their own shots.
    """
    out: list[tuple[int, ...]] = []
    for idx in job_pubs:
        groups: dict[int, list[int]] = {}
        for i in idx:
            groups.setdefault(int(shots[i]), []).append(i)
        out += [tuple(g) for g in groups.values()]
    return out


def job_seed(seed: int | None, k: int) -> int | None:
    """The simulator seed of job k of a submission: the seed itself for k = 0, else one derived from (seed, k).

    A simulator restarts its random stream with every job, so jobs sharing a seed would draw their shots
    in lockstep (correlated samples, e.g. the members of a mixed probe on a device); derived seeds keep
    the jobs independent and reproducible (``collect`` re-executes job k with the same seed).
    """
    if seed is None or k == 0:
        return seed
    digest = hashlib.blake2b(f"{int(seed)}:job{int(k)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % (2**63)


def footprint(circuits: Sequence[QuantumCircuit]) -> tuple[tuple[int, ...], int]:
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
