"""Can this run be done? The simulation stage's decision per point, made before anything is built.

``bellsense check`` and :func:`~bellsense.run.setup.prepare` ask :func:`simulation_plan` for the
Aer method of every point (``backends.simulation_choice``: size, noise, GHZ-like circuits). A size
that no method can simulate is refused up front with a :class:`~bellsense.errors.SetupError`
(CLI exit code 2) that names the stage and what would work. The exact-reference stage decides
for itself (``run.exact.exact_method``: the table says "n/a" with the reason when no exact
method applies); :func:`describe` puts both decisions in one line per point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SetupError
from ..spec import ExperimentSpec
from .plan import PointPlan, plan_points

__all__ = ["PointFeasibility", "simulation_plan", "describe"]


@dataclass(frozen=True)
class PointFeasibility:
    """The simulation stage's decision for one point (``choice`` is ``None`` off Aer: devices, user samplers)."""

    plan: PointPlan
    choice: Any


def _aer_method(spec: ExperimentSpec) -> str | None:
    backend = spec.run.backend
    return backend.split(":", 1)[1] if backend.startswith("aer:") else None


def simulation_plan(spec: ExperimentSpec, plans: list[PointPlan] | None = None, *,
                    max_memory: int | None = None) -> list[PointFeasibility]:
    """The Aer method of every point of an Aer run, or a :class:`SetupError` naming the stage and the fix.

    A point is noisy when the spec's ``[noise]`` is not ideal; its circuits are GHZ-like when its
    state is in ``backends.methods.GHZ_LIKE_STATES``. Device and user-sampler runs are not simulated
    by bellsense's choice here (``choice`` is ``None``; a device's width is checked by ``prepare``).
    """
    from ..backends.methods import GHZ_LIKE_STATES, simulation_choice

    plans = plan_points(spec) if plans is None else plans
    if not spec.run.backend.startswith("aer") or spec.noise.device is not None:
        return [PointFeasibility(p, None) for p in plans]
    noisy = not spec.noise.is_ideal
    method = _aer_method(spec)
    out = []
    for plan in plans:
        try:
            choice = simulation_choice(plan.n, noisy, ghz_like=plan.state in GHZ_LIKE_STATES, method=method,
                                       max_memory=max_memory)
        except ValueError as exc:
            raise SetupError(f"simulation stage cannot handle {plan.state} at n = {plan.n} "
                             f"(run.backend = {spec.run.backend!r}): {exc}") from None
        out.append(PointFeasibility(plan, choice))
    return out


def describe(spec: ExperimentSpec, feasible: list[PointFeasibility]) -> list[str]:
    """One line per point: the simulation method (and why) and the exact stage's method (and why)."""
    from ..backends.sampling import DENSITY_MATRIX_MAX, SHOT_BRANCHING_MAX
    from .exact import exact_method

    lines = []
    for item in feasible:
        plan = item.plan
        if item.choice is not None:
            sim = f"simulation {item.choice.method} ({item.choice.reason})"
        elif spec.run.backend.startswith("fake_") or spec.noise.device is not None:
            sim = (f"simulation with the device's noise on its active qubits (density matrix up to "
                   f"{DENSITY_MATRIX_MAX}, statevector up to {SHOT_BRANCHING_MAX}, else matrix_product_state)")
        else:
            sim = "run by the device or sampler"
        method, reason = exact_method(spec, plan)
        exact = f"exact {method} ({reason})" if method is not None else f"exact n/a ({reason})"
        lines.append(f"  {plan.state} n = {plan.n}, t = {plan.t:g}: {sim}; {exact}")
    return lines
