"""Run records on disk: one reader (with migration from 0.1.0), one atomic writer, validation, schema.

The record's types are the pydantic models of :mod:`bellsense.records`; its JSON schema
(``bellsense/schemas/record.schema.json``) is generated from them by :func:`generated_schema`
(``python -m bellsense.record`` rewrites the file). Validation goes through the models, so it
needs nothing beyond the runtime dependencies (no ``jsonschema``).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
from collections.abc import Mapping
from importlib import metadata as importlib_metadata
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from .errors import SpecError
from .records import FORMAT, SCHEMA_VERSION, RunRecord

__all__ = [
    "FORMAT",
    "SCHEMA_VERSION",
    "STATUSES",
    "RECORD_NAME",
    "versions",
    "to_json_safe",
    "migrate",
    "parse",
    "read",
    "write",
    "validate",
    "schema",
    "generated_schema",
]

#: Record statuses: jobs submitted but not collected; everything collected and analysed;
#: analysed with some jobs failed or missing.
STATUSES = ("submitted", "complete", "incomplete")
RECORD_NAME = "record.json"
SCHEMA_PATH = "schemas/record.schema.json"


def versions() -> dict[str, str | None]:
    """Versions of bellsense and of the Qiskit packages it ran with."""
    from . import __version__

    out: dict[str, str | None] = {"bellsense_version": __version__}
    for key, dist in (("qiskit_version", "qiskit"), ("qiskit_aer_version", "qiskit-aer"),
                      ("qiskit_ibm_runtime_version", "qiskit-ibm-runtime")):
        try:
            out[key] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[key] = None
    return out


def to_json_safe(value: Any) -> Any:
    """Recursively convert numpy scalars/arrays and tuples to JSON types.

    NaN and inf become ``None``; complex numbers ``{"real": .., "imag": ..}``; objects with a
    ``to_dict`` method their dict.
    """
    if isinstance(value, Mapping):
        return {str(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, (complex, np.complexfloating)):
        return {"real": to_json_safe(value.real), "imag": to_json_safe(value.imag)}
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "to_dict"):
        return to_json_safe(value.to_dict())
    raise TypeError(f"cannot store a {type(value).__name__} in a run record")


def _complex_spelling(value: Any) -> Any:
    """``{"re", "im"}`` (0.1.0) -> ``{"real", "imag"}``, recursively."""
    if isinstance(value, dict):
        if set(value) == {"re", "im"}:
            return {"real": value["re"], "imag": value["im"]}
        return {k: _complex_spelling(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_complex_spelling(v) for v in value]
    return value


#: 0.1.0 ``[noise]`` keys -> the fields of ``bellsense.noise.NoiseSpec`` (``readout_error`` was symmetric).
NOISE_KEYS_010 = {"t1": ("T1",), "t2": ("T2",), "collective": ("kappa",),
                  "readout_error": ("readout_p10", "readout_p01")}


def _noise_010(noise: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in noise.items():
        for new in NOISE_KEYS_010.get(key, (key,)):
            out[new] = value
    return out


def migrate(data: Mapping[str, Any]) -> dict[str, Any]:
    """A record dict of any known layout, brought to the current one (:data:`SCHEMA_VERSION`).

    0.1.0 (``"format_version": 1``): the version key becomes ``"schema_version": 2``, complex
    numbers ``{"re", "im"}`` become ``{"real", "imag"}``, and the spec's ``[noise]`` keys become
    those of ``bellsense.noise.NoiseSpec`` (:data:`NOISE_KEYS_010`); everything else is unchanged.

    Raises
    ------
    ValueError
        For a dict that is not a bellsense record or has an unknown version.
    """
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise ValueError(f"not a bellsense record (no \"format\": \"{FORMAT}\")")
    out = dict(data)
    if "schema_version" not in out:
        if out.get("format_version") != 1:
            raise ValueError(f"unknown record version {out.get('format_version')!r}; "
                             f"allowed: format_version 1 (0.1.0) or schema_version {SCHEMA_VERSION}")
        del out["format_version"]
        out = _complex_spelling(out)
        if isinstance(out.get("spec"), dict) and isinstance(out["spec"].get("noise"), dict):
            out["spec"] = {**out["spec"], "noise": _noise_010(out["spec"]["noise"])}
        out["schema_version"] = SCHEMA_VERSION
    elif out["schema_version"] != SCHEMA_VERSION:
        raise ValueError(f"unknown record schema_version {out['schema_version']!r}; "
                         f"this bellsense reads {SCHEMA_VERSION} and 0.1.0 records")
    return out


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = "/".join(str(p) for p in err["loc"]) or "<record>"
    return f"at {where}: {err['msg']}"


def parse(data: Mapping[str, Any] | RunRecord, *, source: str = "record") -> RunRecord:
    """A :class:`RunRecord` from a record dict (migrated first) or a record; the spec is checked too.

    Types are checked strictly (a count of ``5.0``, ``"5"`` or ``true`` is refused), then the record's
    internal consistency (:func:`bellsense.record_checks.check_consistency`: count widths and sums,
    exact values, points against the spec).

    Raises
    ------
    ValueError
        Naming the first failing path (``points/0/fisher_measured``) and the reason.
    """
    if isinstance(data, RunRecord):
        record = data
    else:
        try:
            # strict: a count of 5.0, "5" or true is a tampered record, not a number to coerce
            record = RunRecord.model_validate(migrate(data), strict=True)
        except ValidationError as exc:
            raise ValueError(f"{source}: does not match the record schema {_first_problem(exc)}") from None
        except RecursionError:
            raise ValueError(f"{source}: not a bellsense record (nested too deeply)") from None
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    from .record_checks import check_consistency
    from .spec import ExperimentSpec

    try:
        spec = ExperimentSpec.from_dict(record.spec, source=f"{source} spec")
    except SpecError as exc:
        raise ValueError(str(exc)) from None
    check_consistency(record, spec.points(), spec.run.shots, source=source, noises=spec.point_noises())
    return record


def read(path: str | Path) -> RunRecord:
    """Read a record (a ``record.json`` file, or a run folder holding one), migrating 0.1.0 records.

    Raises
    ------
    ValueError
        If the file is missing, not JSON, not a bellsense record, or does not match the types.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the record ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a JSON record ({exc})") from None
    except RecursionError:  # e.g. [[[[...]]]] 10^5 deep: no record is nested like that
        raise ValueError(f"{path}: not a bellsense record (JSON nested too deeply)") from None
    return parse(data, source=str(path))


def _temporary(path: Path) -> tuple[int, str]:
    """A new temporary file next to ``path`` with the mode a plain ``open(path, "w")`` would give.

    ``tempfile.mkstemp`` always makes 0600 files; here the umask applies to a new record (0644
    under the usual 022) and an existing record keeps its mode.
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = str(path.parent / f".record-{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask
        except FileExistsError:
            continue
        if mode is not None:
            os.fchmod(fd, mode)
        return fd, tmp
    raise FileExistsError(f"{path.parent}: cannot create a temporary record file")


def write(path: str | Path, record: RunRecord) -> Path:
    """Write ``record`` as JSON to ``path`` atomically (temporary file in the same folder, then ``os.replace``).

    A reader never sees a half-written record, and a crash leaves either the previous version or
    nothing. Returns the path.
    """
    if not isinstance(record, RunRecord):
        raise TypeError(f"record must be a bellsense.records.RunRecord, got {type(record).__name__}")
    path = Path(path)
    text = json.dumps(record.to_json(), indent=1, allow_nan=False)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def validate(record: Mapping[str, Any] | RunRecord | str | Path) -> RunRecord:
    """Validate a record (a dict, a :class:`RunRecord`, or a path to one) and return it typed.

    Uses the pydantic models only (works on a plain install).

    Raises
    ------
    ValueError
        Naming the first failing path and the reason.
    """
    if isinstance(record, (str, Path)):
        return read(record)
    return parse(record)


def generated_schema() -> dict[str, Any]:
    """The record's JSON schema (draft 2020-12), generated from :class:`bellsense.records.RunRecord`."""
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": "https://bellsense.invalid/record.schema.json"}
    out.update(RunRecord.model_json_schema(mode="validation"))
    return out


def schema() -> dict[str, Any]:
    """The record's JSON schema as shipped (package data; equal to :func:`generated_schema`)."""
    text = resources.files("bellsense").joinpath(SCHEMA_PATH).read_text(encoding="utf-8")
    return json.loads(text)


if __name__ == "__main__":  # regenerate the shipped schema: python -m bellsense.record
    target = Path(__file__).resolve().parent / SCHEMA_PATH
    target.write_text(json.dumps(generated_schema(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
