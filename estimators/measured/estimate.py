"""The one result type of the measured layer: a value with a standard error.

Every counts -> number function in ``bellsense.estimators.measured`` returns an
:class:`Estimate`. ``stderr`` is one standard deviation of the estimator's
sampling distribution (shot noise); ``interval`` is an optional confidence
interval (e.g. a bootstrap percentile interval) for estimators whose error is
not well described by a symmetric Gaussian.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import norm

__all__ = ["Estimate", "z_for_confidence"]


def z_for_confidence(confidence: float) -> float:
    """One-sided Gaussian quantile: ``P(Z < z) = confidence`` (0.999 -> 3.09, 0.9999997 -> 5)."""
    if not isinstance(confidence, (float, int)) or not 0.5 <= float(confidence) < 1.0:
        raise ValueError(f"confidence must be a float in [0.5, 1), got {confidence!r}")
    return float(norm.ppf(float(confidence)))


def _json_number(x: Any) -> Any:
    """float/int for real numbers, ``{"real", "imag"}`` for complex, None for NaN/inf (JSON-safe)."""
    if isinstance(x, (complex, np.complexfloating)):
        c = complex(x)
        return {"real": _json_number(c.real), "imag": _json_number(c.imag)}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return [_json_number(v) for v in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [_json_number(v) for v in x]
    if isinstance(x, Mapping):
        return {str(k): _json_number(v) for k, v in x.items()}
    if x is None or isinstance(x, str):
        return x
    return str(x)


@dataclass(frozen=True)
class Estimate:
    """A measured number with its standard error.

    Attributes
    ----------
    value : float or complex
        The point estimate (complex only for ``<prod sigma_+>``-type quantities).
    stderr : float
        Standard error (one sigma) of ``value``; for a complex value it is
        ``sqrt(Var Re + Var Im)``.
    interval : (float, float) or None
        A confidence interval where the Gaussian error is not reliable (bootstrap), else None.
    method : str
        How the number was obtained, e.g. ``"fourier, bias-corrected"``.
    shots : int or None
        Total number of shots that went into the estimate.
    details : mapping
        Extra, JSON-serialisable information (per-setting values, raw vs mitigated, ...).
    """

    value: float | complex
    stderr: float
    interval: tuple[float, float] | None = None
    method: str = ""
    shots: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if isinstance(self.value, (complex, np.complexfloating)):
            object.__setattr__(self, "value", complex(self.value))
        else:
            object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "stderr", float(self.stderr))
        if self.interval is not None:
            lo, hi = self.interval
            object.__setattr__(self, "interval", (float(lo), float(hi)))

    def significance(self, reference: float = 0.0) -> float:
        """``(value - reference) / stderr`` (inf if stderr == 0 and value differs)."""
        diff = float(np.real(self.value)) - float(reference)
        if self.stderr == 0.0:
            return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
        return diff / self.stderr

    def contains(self, truth: float | complex, k: float = 2.0) -> bool:
        """Whether ``|value - truth| <= k * stderr``."""
        return bool(abs(self.value - truth) <= k * self.stderr)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with ``value``, ``stderr``, ``interval``, ``method``, ``shots``, ``details``.

        A complex value becomes ``{"real": .., "imag": ..}``; NaN/inf become None.
        """
        return {
            "value": _json_number(self.value),
            "stderr": _json_number(self.stderr),
            "interval": None if self.interval is None else [_json_number(v) for v in self.interval],
            "method": self.method,
            "shots": self.shots,
            "details": _json_number(dict(self.details)),
        }

    def __format__(self, spec: str) -> str:
        spec = spec or ".4g"
        return f"{format(self.value, spec)} ± {format(self.stderr, spec)}"
