"""The base of bellsense's own samplers (``frames.FrameSampler``, ``rare.RareBranchSampler``).

Both build their results from Aer runs in-process: ``run`` coerces the PUBs (shots from the call, else
``default_shots``) and runs ``_run`` as a ``PrimitiveJob``, as qiskit's reference samplers do.
"""

from __future__ import annotations

from collections.abc import Iterable

from qiskit.primitives import BaseSamplerV2, PrimitiveResult
from qiskit.primitives.containers.sampler_pub import SamplerPub, SamplerPubLike
from qiskit.primitives.primitive_job import PrimitiveJob

__all__ = ["PubSampler"]


class PubSampler(BaseSamplerV2):
    """A ``BaseSamplerV2`` whose subclasses implement ``_run(pubs) -> PrimitiveResult``."""

    default_shots: int = 1024

    def run(self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None) -> PrimitiveJob:
        coerced = [SamplerPub.coerce(pub, self.default_shots if shots is None else shots) for pub in pubs]
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs: list[SamplerPub]) -> PrimitiveResult:
        raise NotImplementedError
