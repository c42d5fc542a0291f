"""Value checks of the experiment spec (:mod:`bellsense.spec`): numbers, integers, limits, coefficients.

Every check raises :class:`~bellsense.errors.SpecError` as ``"<key>: <problem>; allowed: <values>"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .errors import SpecError

__all__ = ["MAX_SEED", "MAX_SHOTS", "fail", "is_number", "number", "integer", "as_tuple", "check_weight_range"]

#: Largest seed: Aer takes a signed 64-bit seed.
MAX_SEED = 2**63 - 1
#: Most shots per circuit: Aer keeps every shot in memory (2^31 shots fail with std::bad_alloc; 10^8 took
#: 143 s for one qubit on the development machine), and IBM devices allow far fewer.
MAX_SHOTS = 10**8


def fail(key: str, problem: str, allowed: str) -> SpecError:
    return SpecError(f"{key}: {problem}; allowed: {allowed}")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(key: str, value: Any, *, minimum: float | None = None, maximum: float | None = None,
           allowed: str = "a finite number") -> float:
    if not is_number(value) or not math.isfinite(value):
        raise fail(key, f"{value!r} is not a finite number", allowed)
    if minimum is not None and value < minimum:
        raise fail(key, f"{value!r} is below {minimum:g}", allowed)
    if maximum is not None and value > maximum:
        raise fail(key, f"{value!r} is above {maximum:g}", allowed)
    return float(value)


def integer(key: str, value: Any, *, minimum: int, allowed: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(key, f"{value!r} is not an integer", allowed)
    if value < minimum:
        raise fail(key, f"{value!r} is below {minimum}", allowed)
    return int(value)


def as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def check_weight_range(key: str, weights: Sequence[float]) -> None:
    """Refuse a nonzero weight whose squared share ``(v_k / max|v|)^2`` is 0 in double precision.

    A sensor network splits its qubits by ``v_k^2 / |v|^2``: such a sensor would get no qubit.
    """
    top = max(abs(v) for v in weights)
    for v in weights:
        if v != 0 and (v / top) ** 2 == 0.0:
            raise fail(key, f"{v!r} underflows next to {top!r} (its squared share is 0)",
                       "nonzero weights within a factor 1e150 of each other, or 0")
