"""Compatibility facade of the runner, which lives in :mod:`bellsense.run` (one module per job).

Kept so that ``from bellsense import experiment`` code of 0.1.0 keeps working; new code imports
from :mod:`bellsense.run`.
"""

from __future__ import annotations

from .run import (
    CircuitJob,
    PointPlan,
    Prepared,
    RunResult,
    demo_spec,
    exact_point,
    execute,
    fetch,
    plan_points,
    point_circuits,
    prepare,
    run_experiment,
    status_lines,
)

__all__ = [
    "CircuitJob",
    "PointPlan",
    "Prepared",
    "RunResult",
    "demo_spec",
    "exact_point",
    "execute",
    "fetch",
    "plan_points",
    "point_circuits",
    "prepare",
    "run_experiment",
    "status_lines",
]
