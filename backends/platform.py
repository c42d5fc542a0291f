"""Where PUBs run: one :class:`Platform` subclass per kind of target.

* :class:`AerPlatform` -- the Aer simulator (optional method); takes the window noise model.
* :class:`FakeDevicePlatform` -- a ``qiskit_ibm_runtime.fake_provider`` device in local mode.
* :class:`IBMPlatform` -- a real IBM Quantum device through ``qiskit_ibm_runtime`` (one ``Batch``).
* :class:`SamplerPlatform` -- any user-supplied ``qiskit.primitives.BaseSamplerV2``.

What differs per kind (preparing circuits, building samplers, starting jobs, recovering the jobs
of an earlier process) is a method here; the job record itself lives in ``submission.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from qiskit import QuantumCircuit

if TYPE_CHECKING:
    from .prepare import CircuitLayouts
    from .submission import Submission

__all__ = ["Platform", "AerPlatform", "FakeDevicePlatform", "IBMPlatform", "SamplerPlatform", "JobOutcome"]

#: (status, PrimitiveResult or None, error line or None) of one job.
JobOutcome = tuple[str, Any, "str | None"]

OK = "DONE"


@dataclass(frozen=True)
class Platform:
    """A resolved target (base class).

    Attributes
    ----------
    name : str
        As recorded: ``"aer"``, ``"aer:density_matrix"``, ``"fake_torino"``, ``"ibm_torino"``, ``"sampler:..."``.
    options : Mapping
        JSON-safe options (defaults filled in).
    kind : str (class attribute)
        Record data only (``"aer"``, ``"fake"``, ``"ibm"``, ``"sampler"``); code dispatches on the class.
    is_device : bool (class attribute)
        A real or fake device with a coupling map: circuits are transpiled with a layout, readout is
        calibrated, and a spec's window noise does not act (the device brings its own).
    accepts_noise_model : bool (class attribute)
        The runner attaches the window noise model (Aer only).
    """

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    cache: dict = field(default_factory=dict, compare=False, repr=False)
    """Per-platform memo of expensive derived objects (device noise model, simulators); not serialised."""

    kind: ClassVar[str] = ""
    is_device: ClassVar[bool] = False
    accepts_noise_model: ClassVar[bool] = False
    #: Jobs run in this process and are re-executed from the stored circuits on ``fetch``.
    reruns_locally: ClassVar[bool] = False

    @property
    def device(self) -> Any:
        """The ``BackendV2`` of a device platform, else ``None``."""
        return None

    @property
    def num_qubits(self) -> int | None:
        """Number of device qubits (``None`` without a device)."""
        return None if self.device is None else int(self.device.num_qubits)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description for the record: name, kind, device name, options (no credentials)."""
        device = self.device
        return {"name": self.name, "kind": self.kind, "device": None if device is None else str(device.name),
                "options": dict(self.options)}

    def prepare(self, circuits: list[QuantumCircuit]) -> tuple[list[QuantumCircuit], CircuitLayouts]:
        """Circuits as this platform runs them (unchanged by default) and where they sit."""
        from .prepare import CircuitLayouts

        info = tuple({"physical_qubits": None, "method": "aer", "tree_depth": None, "cnot_depth": None}
                     for _ in circuits)
        return circuits, CircuitLayouts(device=None, circuits=info)

    def sampler(self, *, seed: int | None = None, noise_model: Any = None, options: Mapping[str, Any] | None = None,
                active_qubits: Sequence[int] | None = None, width: int | None = None) -> Any:
        """The ``BaseSamplerV2`` that runs PUBs here (see :func:`~bellsense.backends.make_sampler`)."""
        raise NotImplementedError

    def choice(self, circuits: Sequence[QuantumCircuit], noise_model: Any = None) -> Any:
        """The simulation method of a job of ``circuits`` (a ``SimulationChoice``), ``None`` if not simulated here."""
        return None

    def noise_model(self, qubits: Sequence[int] | None = None, readout_as_channel: bool = False) -> Any:
        """The device's own Aer noise model (devices only)."""
        raise ValueError(f"platform {self.name!r} has no device noise model; use a fake_* or ibm_* backend")

    def start_jobs(self, groups: list[list[Any]], *, seed: int | None, noise_model: Any,
                   options: Mapping[str, Any]) -> list[Any]:
        """Start one job per group of coerced ``SamplerPub`` (job k seeded by ``job_seed(seed, k)``); return them."""
        from .submission import job_seed

        every = [p.circuit for g in groups for p in g]
        return [self.job_sampler(every, [p.circuit for p in g], seed=job_seed(seed, k), noise_model=noise_model,
                                 options=options).run(g) for k, g in enumerate(groups)]

    def job_sampler(self, every: Sequence[QuantumCircuit], mine: Sequence[QuantumCircuit], *, seed: int | None,
                    noise_model: Any, options: Mapping[str, Any] | None) -> Any:
        """The sampler of one job (circuits ``mine``) of a submission (circuits ``every``)."""
        from .submission import footprint

        active, _ = footprint(every)
        _, width = footprint(mine)
        return self.sampler(seed=seed, noise_model=noise_model, options=options, active_qubits=active, width=width)

    def recover(self, submission: Submission, k: int, noise_model: Any) -> JobOutcome:
        """Result of job k of a submission made by an earlier process."""
        from .submission import decode_job, job_seed

        if submission.payload is None:
            return "LOST", None, "local job without stored circuits; cannot re-execute"
        pubs = decode_job(submission.payload[k])
        every = [p[0] for q in submission.payload for p in decode_job(q)]
        sampler = self.job_sampler(every, [p[0] for p in pubs], seed=job_seed(submission.seed, k),
                                   noise_model=noise_model, options=submission.options)
        try:
            return OK, sampler.run(pubs).result(), None
        except Exception as exc:
            from .redact import describe_error

            return "ERROR", None, describe_error(exc)

    def recovered_status(self, submission: Submission, k: int) -> str:
        """State of job k of a submission made by an earlier process."""
        return "RERUN_ON_FETCH" if submission.payload is not None else "LOST"


@dataclass(frozen=True)
class AerPlatform(Platform):
    """The Aer simulator; ``options["method"]`` forces a simulation method."""

    kind: ClassVar[str] = "aer"
    accepts_noise_model: ClassVar[bool] = True
    reruns_locally: ClassVar[bool] = True

    def sampler(self, *, seed: int | None = None, noise_model: Any = None, options: Mapping[str, Any] | None = None,
                active_qubits: Sequence[int] | None = None, width: int | None = None) -> Any:
        from .aer import aer_sampler

        return aer_sampler(noise_model=noise_model, method=self.options.get("method"), seed=seed, num_qubits=width)

    def choice(self, circuits: Sequence[QuantumCircuit], noise_model: Any = None) -> Any:
        """The :class:`~bellsense.backends.methods.SimulationChoice` of a job of ``circuits`` (for the record)."""
        from .methods import circuits_choice

        return circuits_choice(circuits, noise_model, method=self.options.get("method"))

    def job_sampler(self, every: Sequence[QuantumCircuit], mine: Sequence[QuantumCircuit], *, seed: int | None,
                    noise_model: Any, options: Mapping[str, Any] | None) -> Any:
        from .aer import aer_sampler

        return aer_sampler(noise_model=noise_model, seed=seed, choice=self.choice(mine, noise_model))

    def recover(self, submission: Submission, k: int, noise_model: Any) -> JobOutcome:
        from .submission import noise_fingerprint

        if submission.noise_model_sha256 != noise_fingerprint(noise_model):
            raise ValueError(
                "this Aer submission used a noise model; pass the same noise_model= to collect to re-execute it"
                if submission.noise_model_sha256
                else "this Aer submission used no noise model; call collect without noise_model="
            )
        return super().recover(submission, k, noise_model)


@dataclass(frozen=True)
class _DevicePlatform(Platform):
    """A device with a coupling map (fake or IBM): ISA circuits, layouts, readout calibration.

    ``backend`` is the live ``BackendV2`` (also :attr:`device`); never compared, never serialised.
    """

    backend: Any = field(default=None, compare=False, repr=False)
    is_device: ClassVar[bool] = True

    @property
    def device(self) -> Any:
        return self.backend

    def prepare(self, circuits: list[QuantumCircuit]) -> tuple[list[QuantumCircuit], CircuitLayouts]:
        from .prepare import device_circuits

        return device_circuits(self.backend, self.options, circuits)

    def noise_model(self, qubits: Sequence[int] | None = None, readout_as_channel: bool = False) -> Any:
        """The device's Aer noise model on ``qubits`` (``bellsense.noise.device_noise_model``), memoised."""
        from bellsense.noise.device import device_noise_model

        key = ("noise_model", None if qubits is None else tuple(sorted({int(q) for q in qubits})), readout_as_channel)
        if key not in self.cache:
            self.cache[key] = device_noise_model(self.backend, key[1], readout_as_channel=readout_as_channel)
        return self.cache[key]

    def merged_options(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The platform's device options with a submission's overrides on top."""
        opts = dict(self.options)
        opts.update(options or {})
        return opts

    def _configure(self, sampler: Any, seed: int | None, options: Mapping[str, Any] | None) -> Any:
        opts = self.merged_options(options)
        so = sampler.options
        dd = opts.get("dynamical_decoupling", False)
        if dd:
            so.dynamical_decoupling.enable = True
            if isinstance(dd, str):
                so.dynamical_decoupling.sequence_type = dd
        if opts.get("twirling", False):
            so.twirling.enable_gates = True
            so.twirling.enable_measure = True
        if seed is not None and hasattr(so, "simulator"):
            so.simulator.seed_simulator = int(seed)
        return sampler


@dataclass(frozen=True)
class FakeDevicePlatform(_DevicePlatform):
    """A ``qiskit_ibm_runtime.fake_provider`` device run in the runtime's local mode (Aer with its noise)."""

    kind: ClassVar[str] = "fake"
    reruns_locally: ClassVar[bool] = True

    def sampler(self, *, seed: int | None = None, noise_model: Any = None, options: Mapping[str, Any] | None = None,
                active_qubits: Sequence[int] | None = None, width: int | None = None) -> Any:
        from .sampling import device_sampler

        return self._configure(device_sampler(self, active_qubits, width, options), seed, options)

    def job_sampler(self, every: Sequence[QuantumCircuit], mine: Sequence[QuantumCircuit], *, seed: int | None,
                    noise_model: Any, options: Mapping[str, Any] | None) -> Any:
        # the device noise restricted to this job's own qubits (not the union over the submission)
        return super().job_sampler(mine, mine, seed=seed, noise_model=noise_model, options=options)

    def choice(self, circuits: Sequence[QuantumCircuit], noise_model: Any = None) -> Any:
        from .sampling import device_choice
        from .submission import footprint

        active, width = footprint(circuits)
        return device_choice(self, width, True, active)


@dataclass(frozen=True)
class IBMPlatform(_DevicePlatform):
    """A real IBM Quantum device; jobs go into one ``Batch`` and are retrieved by id."""

    service: Any = field(default=None, compare=False, repr=False)
    kind: ClassVar[str] = "ibm"

    def sampler(self, *, seed: int | None = None, noise_model: Any = None, options: Mapping[str, Any] | None = None,
                active_qubits: Sequence[int] | None = None, width: int | None = None, mode: Any = None) -> Any:
        from .sampling import runtime_sampler_class

        return self._configure(runtime_sampler_class()(mode=mode if mode is not None else self.backend), None, options)

    def start_jobs(self, groups: list[list[Any]], *, seed: int | None, noise_model: Any,
                   options: Mapping[str, Any]) -> list[Any]:
        from qiskit_ibm_runtime import Batch

        batch = Batch(backend=self.backend)
        sampler = self.sampler(options=options, mode=batch)
        jobs = [sampler.run(g) for g in groups]
        batch.close()  # no more jobs in this batch; the submitted ones run to completion
        return jobs

    def recover(self, submission: Submission, k: int, noise_model: Any) -> JobOutcome:
        from .redact import describe_error, redact

        try:
            job = self.service.job(submission.job_ids[k])
            status = status_name(job.status())
            if status in ("ERROR", "CANCELLED"):
                return status, None, redact(str(getattr(job, "error_message", lambda: "")() or status))
            return OK, job.result(), None
        except Exception as exc:
            return "ERROR", None, describe_error(exc)

    def recovered_status(self, submission: Submission, k: int) -> str:
        try:
            return status_name(self.service.job(submission.job_ids[k]).status())
        except Exception as exc:
            return f"UNKNOWN ({type(exc).__name__})"


@dataclass(frozen=True)
class SamplerPlatform(Platform):
    """Any user-supplied ``BaseSamplerV2``: the PUBs go to ``sampler.run`` as they are.

    If the sampler exposes a backend with a coupling map (the IBM runtime samplers do), the PUB
    circuits are transpiled to it once at submission. Jobs live in this process only.
    """

    user_sampler: Any = field(default=None, compare=False, repr=False)
    kind: ClassVar[str] = "sampler"

    @property
    def target_backend(self) -> Any:
        """The backend the sampler runs on, if it says so and it has a coupling map (else ``None``)."""
        backend = getattr(self.user_sampler, "backend", None)
        try:
            backend = backend() if callable(backend) else backend
        except Exception:  # a sampler whose backend() needs a live session
            return None
        target = getattr(backend, "target", None)
        return backend if target is not None and getattr(backend, "coupling_map", None) is not None else None

    def sampler(self, *, seed: int | None = None, noise_model: Any = None, options: Mapping[str, Any] | None = None,
                active_qubits: Sequence[int] | None = None, width: int | None = None) -> Any:
        return self.user_sampler

    def start_jobs(self, groups: list[list[Any]], *, seed: int | None, noise_model: Any,
                   options: Mapping[str, Any]) -> list[Any]:
        backend = self.target_backend
        if backend is not None:
            from qiskit.primitives.containers.sampler_pub import SamplerPub
            from qiskit.transpiler import generate_preset_pass_manager

            pm = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=11)
            flat = [p for g in groups for p in g]
            isa = iter(pm.run([p.circuit for p in flat]))  # one transpilation for all PUBs
            groups = [[SamplerPub(next(isa), p.parameter_values, p.shots) for p in g] for g in groups]
        return [self.user_sampler.run(g) for g in groups]

    def recover(self, submission: Submission, k: int, noise_model: Any) -> JobOutcome:
        return "LOST", None, (f"job {submission.job_ids[k]} ran on a user-supplied sampler in a process that has "
                              "ended; it cannot be fetched from the record")

    def recovered_status(self, submission: Submission, k: int) -> str:
        return "LOST"


def status_name(status: Any) -> str:
    """A job status as an upper-case string (``QUEUED`` for runtime ``INITIALIZING``)."""
    name = getattr(status, "name", None) or str(status)
    return {"QUEUED": "QUEUED", "INITIALIZING": "QUEUED"}.get(name.upper(), name.upper())
