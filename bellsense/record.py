"""Run records: one JSON file per run, written atomically, validated against a JSON schema.

A record holds everything the analysis needs (:func:`bellsense.report.analyse`
reads nothing else): the versions, the spec as given, the backend, the job
submissions (written *before* waiting for results), every circuit's metadata
and counts, the exact reference values of every point, and the analysed
``points``. The schema is ``bellsense/schemas/record.schema.json``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from importlib import metadata as importlib_metadata
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "bellsense-record"
FORMAT_VERSION = 1
#: Record statuses: jobs submitted but not collected; everything collected and analysed;
#: analysed with some jobs failed or missing.
STATUSES = ("submitted", "complete", "incomplete")
RECORD_NAME = "record.json"


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
    """Recursively convert numpy scalars/arrays and tuples to JSON types; NaN/inf become None."""
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
    if isinstance(value, complex):
        return {"re": value.real, "im": value.imag}
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "to_dict"):
        return to_json_safe(value.to_dict())
    raise TypeError(f"cannot store a {type(value).__name__} in a run record")


def write(path: str | Path, record: Mapping[str, Any]) -> Path:
    """Write ``record`` as JSON to ``path`` atomically (temporary file in the same folder, then rename).

    A reader never sees a half-written record, and a crash leaves either the
    previous version or nothing. Returns the path.
    """
    path = Path(path)
    text = json.dumps(to_json_safe(record), indent=1, allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=".record-", suffix=".tmp", dir=path.parent)
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


def read(path: str | Path) -> dict[str, Any]:
    """Read a record (a ``record.json`` file, or a run folder holding one).

    Raises
    ------
    ValueError
        If the file is missing, not JSON, or not a bellsense record.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the record ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a JSON record ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a bellsense record (no \"format\": \"{FORMAT}\")")
    return data


def schema() -> dict[str, Any]:
    """The record's JSON schema (draft 2020-12), shipped as package data."""
    text = resources.files("bellsense").joinpath("schemas/record.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate(record: Mapping[str, Any]) -> None:
    """Validate a record against :func:`schema`.

    Raises
    ------
    ValueError
        Naming the first failing path and the reason.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "<record>"
        raise ValueError(f"record does not match the schema at {where}: {err.message}")
