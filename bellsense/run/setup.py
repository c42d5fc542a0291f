"""Run setup: everything that can be checked before running, with nothing written on failure.

:func:`prepare` resolves the platform (a backend name, or a user's sampler), checks the output
folder, plans every point and builds every circuit (once: :func:`execute` reuses them). It fails
with :class:`~bellsense.errors.SetupError` (CLI exit code 2).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import RunFailure, SetupError
from ..record import RECORD_NAME
from ..records import Point, RunRecord
from ..spec import ExperimentSpec
from .build import CircuitJob, point_circuits
from .feasible import simulation_plan
from .plan import PointPlan, plan_points

__all__ = ["Prepared", "RunResult", "FolderClaim", "failure", "prepare", "remove_created"]


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
    #: Folders this run created (the output folder and any missing parents): removed on failure if empty.
    created_dirs: tuple[Path, ...] = ()
    #: The exclusive claim on the output folder (released when the last Prepared holding it is gone).
    claim: Any = field(default=None, compare=False, repr=False)


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


class FolderClaim:
    """An exclusive claim on an output folder: ``flock`` on the folder itself, so that it leaves no file.

    A second run into the same folder (another process, or this one) is refused while the claim is
    held; the operating system drops it when the process ends, so a killed run leaves no stale lock.
    """

    def __init__(self, path: Path) -> None:
        self.fd: int | None = None
        try:
            import fcntl
        except ImportError:  # not POSIX: no claim (the record.json check still applies)
            return
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SetupError(f"--out {path}: another bellsense run is writing to this folder; "
                             "allowed: a new or empty folder") from None
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None

    def __del__(self) -> None:
        self.release()


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and its parents that do not exist yet, deepest first."""
    out = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        out.append(folder)
    return out


def _remove_empty(folders: Sequence[Path]) -> None:
    for folder in folders:  # deepest first
        try:
            folder.rmdir()  # only if still empty
        except OSError:
            return


def _check_out_dir(out_dir: str | Path | None) -> tuple[Path, tuple[Path, ...], FolderClaim]:
    """Create (or accept) the output folder, claim it and check that it is writable, without leaving files.

    The folder must be new or empty: a run never mixes its record and plots with other files (a
    user's ``fisher_vs_n.png``, or another run's record).
    """
    if out_dir is not None and not str(out_dir).strip():
        raise SetupError("--out: is empty; allowed: a folder path")
    path = Path(out_dir) if out_dir is not None else _timestamped(Path.cwd() / "bellsense-runs")
    if path.exists() and not path.is_dir():
        raise SetupError(f"--out {path}: exists and is not a folder; allowed: a new or empty folder")
    held = SetupError(f"--out {path}: already holds a {RECORD_NAME}; allowed: a new or empty folder")
    if (path / RECORD_NAME).exists():
        raise held
    created = _missing_folders(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(created)
        raise SetupError(f"--out {path}: not writable (cannot create the folder: {exc.strerror or exc})") from None
    claim = None
    try:
        claim = FolderClaim(path)
        if (path / RECORD_NAME).exists():  # again: a run may have finished between the first check and the claim
            raise held
        entries = sorted(p.name for p in path.iterdir())
        if entries:
            raise SetupError(f"--out {path}: holds {entries[0]!r}, which this run could overwrite; "
                             "allowed: a new or empty folder")
        probe = path / ".bellsense-write-test"
        probe.write_text("")
        probe.unlink()
    except (OSError, SetupError) as exc:
        if claim is not None:
            claim.release()
        _remove_empty(created)
        if isinstance(exc, SetupError):
            raise
        raise SetupError(f"--out {path}: not writable ({exc.strerror or exc})") from None
    return path, tuple(created), claim


def failure(exc: BaseException, out_dir: Path) -> RunFailure:
    """The one-line :class:`RunFailure` of an unexpected error after setup.

    When a record is on disk (written before the failure: the job submissions, or a task run's
    start), the message says that ``bellsense fetch`` can finish the run, e.g. after a full disk
    made the final write fail (the atomic write keeps the previous record intact).
    """
    text = f"{type(exc).__name__}: {exc}"
    if (out_dir / RECORD_NAME).exists():
        fix = "free space or fix the folder, then " if isinstance(exc, OSError) else ""
        text += (f"; the record of the submitted run is kept in {out_dir}: {fix}run 'bellsense fetch {out_dir}' "
                 "to finish it")
    return RunFailure(text)


def remove_created(prepared: Prepared) -> None:
    """Release the claim on the output folder; remove the folders this run created that are still empty."""
    if isinstance(prepared.claim, FolderClaim):
        prepared.claim.release()
    _remove_empty(prepared.created_dirs or ((prepared.out_dir,) if prepared.created_dir else ()))


def _platform_from_name(spec: ExperimentSpec) -> tuple[ExperimentSpec, Any]:
    from .. import backends

    if spec.device is not None:  # a device noise setting is a spec's only one (spec_noise.check_noises)
        # A device's noise model acts on the device's own gates and qubits: the circuits must be
        # transpiled to it, which is exactly the fake-device backend (Aer with the device noise).
        if spec.run.backend not in ("aer", spec.device):
            raise SetupError(f"noise.device = {spec.device!r} but run.backend = {spec.run.backend!r}; "
                             f"allowed: the same device, or backend 'aer' (then the device's noise model is used)")
        spec = spec.with_overrides(backend=spec.device)
    options: dict[str, Any] = {}
    if spec.run.backend.startswith(("fake_", "ibm")):
        options = {"dynamical_decoupling": spec.run.dynamical_decoupling, "twirling": spec.run.twirling}
        if spec.run.time_unit is not None:
            options["time_unit"] = spec.run.time_unit
        if spec.run.drop_fraction is not None:
            options["drop_fraction"] = spec.run.drop_fraction
    try:
        return spec, backends.resolve_backend(spec.run.backend, **options)
    except backends.CredentialsError as exc:
        raise SetupError(str(exc)) from None
    except (ValueError, TypeError) as exc:
        key = "noise.device" if spec.device is not None else "run.backend"
        raise SetupError(f"{key}: {exc}") from None


def _check_widths(spec: ExperimentSpec, platform: Any) -> None:
    """A user sampler's device with fewer qubits than the largest n fails now (exit 2), not after the exact phase.

    Named devices are checked by ``run.feasible.device_width_check`` (qubit count and coupling map).
    """
    from .. import backends

    if isinstance(platform, backends.Platform):
        try:
            backends.check_width(platform, max(spec.probe.n))
        except ValueError as exc:
            key = "noise.device" if spec.device is not None else "run.backend"
            raise SetupError(f"probe.n: {exc} ({key} = {platform.name!r})") from None


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
    if not all(nz.is_ideal for nz in spec.noises):
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
        spec, platform = _platform_from_name(spec)  # a device's width: simulation_plan -> device_width_check
    else:
        platform = _platform_from_sampler(spec, sampler)
        _check_widths(spec, platform)
    try:
        plans = plan_points(spec)
        if sampler is None:
            # a size no Aer method can simulate, or the device cannot hold: SetupError naming the stage (issue 14)
            simulation_plan(spec, plans, platform=platform)
        # Built once here: any bad combination surfaces now, not mid-run; execute() reuses them.
        jobs = tuple(job for plan in plans for job in point_circuits(spec, plan))
    except (ValueError, TypeError) as exc:
        raise SetupError(str(exc)) from None
    path, created, claim = _check_out_dir(out_dir)
    return Prepared(spec, platform, path, tuple(plans), jobs, None if source is None else str(source),
                    bool(created), created, claim)
