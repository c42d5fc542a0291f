"""Run setup: everything that can be checked before running, with nothing written on failure.

:func:`prepare` resolves the platform (a backend name, or a user's sampler), checks the output
folder, plans every point and builds every circuit (once: :func:`execute` reuses them). It fails
with :class:`~bellsense.errors.SetupError` (CLI exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import SetupError
from ..record import RECORD_NAME
from ..records import Point, RunRecord
from ..spec import ExperimentSpec
from .build import CircuitJob, point_circuits
from .plan import PointPlan, plan_points

__all__ = ["Prepared", "RunResult", "prepare", "is_device", "accepts_noise_model", "remove_created"]


def is_device(platform: Any) -> bool:
    """Whether the platform is a device (transpiled with a layout, calibrated; the spec's noise does not act)."""
    flag = getattr(platform, "is_device", None)
    return bool(flag) if flag is not None else getattr(platform, "kind", "aer") != "aer"


def accepts_noise_model(platform: Any) -> bool:
    """Whether the runner attaches the window noise model to the platform's jobs (Aer)."""
    flag = getattr(platform, "accepts_noise_model", None)
    return bool(flag) if flag is not None else getattr(platform, "kind", "aer") == "aer"


@dataclass(frozen=True)
class Prepared:
    """Everything :func:`execute` needs: the spec, platform, output folder, plans and built circuits."""

    spec: ExperimentSpec
    platform: Any
    out_dir: Path
    plans: tuple[PointPlan, ...]
    jobs: tuple[CircuitJob, ...]
    source: str | None = None
    created_dir: bool = False


@dataclass(frozen=True)
class RunResult:
    """A finished (or submitted) run: the record's path and typed content, and the plots written."""

    record_path: Path
    record: RunRecord
    plots: tuple[Path, ...] = field(default=())

    @property
    def points(self) -> list[Point]:
        return list(self.record.points)


def _timestamped(base: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = base / stamp
    k = 1
    while path.exists():
        path = base / f"{stamp}-{k}"
        k += 1
    return path


def _check_out_dir(out_dir: str | Path | None) -> tuple[Path, bool]:
    """Create (or accept) the output folder and check that it is writable, without leaving files."""
    path = Path(out_dir) if out_dir is not None else _timestamped(Path.cwd() / "bellsense-runs")
    if path.exists() and not path.is_dir():
        raise SetupError(f"--out {path}: exists and is not a folder")
    if (path / RECORD_NAME).exists():
        raise SetupError(f"--out {path}: already holds a {RECORD_NAME}; choose a new folder")
    existed = path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".bellsense-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise SetupError(f"--out {path}: not writable ({exc.strerror or exc})") from None
    return path, not existed


def remove_created(prepared: Prepared) -> None:
    """Remove the output folder if this run created it and it is still empty."""
    if prepared.created_dir:
        try:
            prepared.out_dir.rmdir()  # only if still empty
        except OSError:
            pass


def _platform_from_name(spec: ExperimentSpec) -> tuple[ExperimentSpec, Any]:
    from .. import backends

    if spec.noise.device is not None:
        # A device's noise model acts on the device's own gates and qubits: the circuits must be
        # transpiled to it, which is exactly the fake-device backend (Aer with the device noise).
        if spec.run.backend not in ("aer", spec.noise.device):
            raise SetupError(f"noise.device = {spec.noise.device!r} but run.backend = {spec.run.backend!r}; "
                             f"allowed: the same device, or backend 'aer' (then the device's noise model is used)")
        spec = spec.with_overrides(backend=spec.noise.device)
    options: dict[str, Any] = {}
    if spec.run.backend.startswith(("fake_", "ibm")):
        options = {"dynamical_decoupling": spec.run.dynamical_decoupling, "twirling": spec.run.twirling}
        if spec.run.time_unit is not None:
            options["time_unit"] = spec.run.time_unit
    try:
        return spec, backends.resolve_backend(spec.run.backend, **options)
    except backends.CredentialsError as exc:
        raise SetupError(str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise SetupError(f"run.backend: {exc}") from None


def _platform_from_sampler(spec: ExperimentSpec, sampler: Any) -> Any:
    """A platform around a user's ``BaseSamplerV2``.

    The window noise of the spec is a noise model that bellsense attaches to Aer jobs. A user's
    sampler runs the circuits as it is configured: a spec with ``[noise]`` is refused (configure
    the noise in the sampler instead, e.g. ``qiskit_aer.primitives.SamplerV2(options=
    {"backend_options": {"noise_model": ...}})``), so that the record never claims noise that
    did not act.
    """
    from qiskit.primitives import BaseSamplerV2

    from .. import backends

    if not isinstance(sampler, BaseSamplerV2):
        raise SetupError(f"sampler must be a qiskit.primitives.BaseSamplerV2, got {type(sampler).__name__}")
    if not spec.noise.is_ideal:
        raise SetupError("spec has a [noise] section but a user sampler was given: bellsense cannot attach the "
                         "window noise to a user's sampler; allowed: a spec without [noise] (configure the noise "
                         "in the sampler), or no sampler (run.backend = 'aer')")
    make = getattr(backends, "sampler_platform", None)
    if make is None:
        raise SetupError("this bellsense.backends has no sampler_platform(); allowed: a backend name")
    try:
        return make(sampler)
    except (ValueError, TypeError) as exc:
        raise SetupError(f"sampler: {exc}") from None


def prepare(spec: ExperimentSpec, out_dir: str | Path | None = None, *, source: Any = None,
            sampler: Any = None) -> Prepared:
    """Validate everything that can be checked before running, and build every circuit; write nothing on failure.

    ``sampler``: any ``qiskit.primitives.BaseSamplerV2`` to run the circuits with instead of
    ``spec.run.backend`` (a spec with ``[noise]`` is then refused, see the runner docs).

    Raises
    ------
    SetupError
        For a bad spec value found while planning (e.g. a network size that does not split),
        an unknown backend, missing credentials, a bad sampler or an unwritable output folder.
    """
    if not isinstance(spec, ExperimentSpec):
        raise SetupError(f"spec must be an ExperimentSpec, got {type(spec).__name__}")
    if sampler is None:
        spec, platform = _platform_from_name(spec)
    else:
        platform = _platform_from_sampler(spec, sampler)
    try:
        plans = plan_points(spec)
        # Built once here: any bad combination surfaces now, not mid-run; execute() reuses them.
        jobs = tuple(job for plan in plans for job in point_circuits(spec, plan))
    except (ValueError, TypeError) as exc:
        raise SetupError(str(exc)) from None
    path, created = _check_out_dir(out_dir)
    return Prepared(spec, platform, path, tuple(plans), jobs, None if source is None else str(source), created)
