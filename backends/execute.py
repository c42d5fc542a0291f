"""Submission without waiting: :func:`submit` (readout-calibration PUBs join the batch on devices)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from qiskit.primitives.containers.sampler_pub import SamplerPub

from .calibration import calibration_circuits, measured_qubit_groups
from .platform import Platform
from .submission import Submission, by_shots, chunks, coerce_pubs, encode_job, footprint, noise_fingerprint

__all__ = ["submit"]

_SUBMIT_OPTIONS = ("dynamical_decoupling", "twirling", "pubs_per_job")


def submit(
    platform: Platform,
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
    platform : Platform
        From :func:`resolve_backend` or :func:`sampler_platform`.
    pubs : sequence of SamplerPub-like
        ``circuit`` or ``(circuit, parameter_values[, shots])``; device PUBs must hold ISA circuits
        from :func:`prepare_circuits`. One PUB per setting carries its whole parameter sweep.
    shots : int, optional
        Shots of PUBs that do not set their own.
    seed : int, optional
        Simulator seed (Aer and fake devices): identical seeds give identical counts.
    noise_model : NoiseModel, optional
        Platforms with ``accepts_noise_model`` (Aer) only.
    options : dict, optional
        Device overrides: ``dynamical_decoupling``, ``twirling``, ``pubs_per_job``.
    calibrate : bool, optional
        Add the readout-calibration job (default: ``platform.is_device``; devices only).

    Returns
    -------
    Submission
        Write ``submission.to_dict()`` to the record before calling :func:`collect`.
    """
    if not isinstance(platform, Platform):
        raise TypeError(f"platform must be a Platform from resolve_backend, got {type(platform).__name__}")
    if shots is not None and (not isinstance(shots, (int, np.integer)) or isinstance(shots, bool) or shots < 1):
        raise ValueError(f"shots must be a positive int, got {shots!r}")
    if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    if options and set(options) - set(_SUBMIT_OPTIONS):
        raise ValueError(f"unknown submit option(s) {sorted(set(options) - set(_SUBMIT_OPTIONS))}; "
                         f"allowed: {sorted(_SUBMIT_OPTIONS)}")
    if noise_model is not None and not platform.accepts_noise_model:
        raise ValueError(f"noise_model is only for 'aer' platforms; {platform.name!r} brings its own noise")
    options = dict(options or {})
    coerced = coerce_pubs(pubs, shots)
    if platform.is_device:
        _check_isa(platform, coerced)
    if calibrate is None:
        calibrate = platform.is_device
    if calibrate and not platform.is_device:
        raise ValueError(f"readout calibration needs a device platform (fake_* or ibm_*), not {platform.name!r}")
    size = options.get("pubs_per_job", platform.options.get("pubs_per_job"))
    if size is None and platform.is_device and platform.reruns_locally:
        job_pubs = by_footprint([p.circuit for p in coerced])  # local device: noise model of each job's own qubits
    else:
        job_pubs = chunks(len(coerced), size)
    if platform.is_device:  # runtime samplers take one shot count per job (ensemble members have their own)
        job_pubs = by_shots(job_pubs, [int(p.shots) for p in coerced])
    groups: list[list[SamplerPub]] = [[coerced[i] for i in idx] for idx in job_pubs]
    cal_info = None
    if calibrate:
        qubit_groups = measured_qubit_groups([p.circuit for p in coerced])
        cal_shots = max(int(p.shots) for p in coerced)  # coerce_pubs checked the shots
        groups.append(
            [SamplerPub.coerce(c, cal_shots) for g in qubit_groups for c in calibration_circuits(platform.device, g)]
        )
        cal_info = {
            "job": len(groups) - 1,
            "groups": [list(g) for g in qubit_groups],
            "physical_qubits": sorted({q for g in qubit_groups for q in g}),
        }
    jobs = platform.start_jobs(groups, seed=seed, noise_model=noise_model, options=options)
    return Submission(
        backend=platform.to_dict(),
        job_ids=tuple(_job_id(j, k) for k, j in enumerate(jobs)),
        job_pubs=tuple(tuple(p) for p in job_pubs) + (((),) if calibrate else ()),
        shots=tuple(int(p.shots) for p in coerced),
        seed=None if seed is None else int(seed),
        calibration=cal_info,
        payload=tuple(encode_job(g) for g in groups) if platform.reruns_locally else None,
        noise_model_sha256=noise_fingerprint(noise_model) if platform.accepts_noise_model else None,
        options=options,
        submitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        jobs=tuple(jobs),
    )


def by_footprint(circuits: Sequence[Any]) -> list[tuple[int, ...]]:
    """PUB indices grouped by the set of qubits their circuits touch (first-appearance order).

    A fake device simulates each job with its noise model restricted to the job's qubits: a 20-qubit
    circuit then does not carry the noise model of a 50-qubit one submitted with it.
    """
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, circ in enumerate(circuits):
        groups.setdefault(footprint([circ])[0], []).append(i)
    return [tuple(idx) for idx in groups.values()]


def _job_id(job: Any, k: int) -> str:
    """The job's id; a user sampler's job without one gets ``"local-<k>"``."""
    try:
        return str(job.job_id())
    except Exception:  # a BasePrimitiveJob subclass that does not implement job_id
        return f"local-{k}"


def _check_isa(platform: Platform, pubs: Sequence[SamplerPub]) -> None:
    """Devices run ISA circuits only: the device's width and instruction set."""
    device = platform.device
    num = device.num_qubits
    allowed = set(device.target.operation_names) | {"barrier", "measure", "delay"}
    for i, pub in enumerate(pubs):
        circ = pub.circuit
        bad = sorted(set(circ.count_ops()) - allowed)
        if circ.num_qubits != num or bad:
            what = (f"gates {bad} are not in its instruction set" if bad
                    else f"it has {circ.num_qubits} qubits, not {num}")
            raise ValueError(
                f"PUB {i} is not an ISA circuit for {device.name} ({what}); pass the circuits through "
                "prepare_circuits(platform, circuits) first"
            )
