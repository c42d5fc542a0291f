"""Shared pytest configuration.

- A non-interactive matplotlib backend.
- One OpenMP/BLAS thread per test process: the suite runs with ``-n 2`` on 2 cores, and Aer's
  default of all cores per process oversubscribes them (measured ~5x slower density-matrix runs).
  Set before qiskit_aer or numpy's BLAS start their thread pools.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


import dataclasses  # noqa: E402
import math  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402


def _plain(x: Any) -> Any:
    if hasattr(x, "model_dump"):
        return _plain(x.model_dump())
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return _plain(dataclasses.asdict(x))
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _diff(a: Any, b: Any, rel: float, path: str = "") -> str | None:
    """Where ``a`` and ``b`` differ beyond ``rel`` in a float, or in anything else (None if nowhere)."""
    if isinstance(a, float) and isinstance(b, float):
        if a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rel, abs_tol=0.0):
            return None
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        return next((d for k in a if (d := _diff(a[k], b[k], rel, f"{path}.{k}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: lengths {len(a)} != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := _diff(x, y, rel, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


@pytest.fixture
def assert_same():
    """Records, points and exact entries equal in every field, floats to ``rel`` (default 1e-12).

    Re-analysis in another process (a Dask worker, ``fetch``) sums the same counts in the same order, but
    NumPy's SIMD reductions may round the last bit differently with the arrays' alignment: exact to 1e-12,
    not bit for bit. Counts and strings are compared exactly.
    """

    def check(a: Any, b: Any, rel: float = 1e-12) -> None:
        where = _diff(_plain(a), _plain(b), rel)
        assert where is None, where

    return check
