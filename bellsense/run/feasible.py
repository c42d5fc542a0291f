"""Can this run be done? The simulation stage's decision per point, made before anything is built.

``bellsense check`` and :func:`~bellsense.run.setup.prepare` ask :func:`simulation_plan` for the
Aer method of every point (``backends.simulation_choice``: size, noise, GHZ-like circuits). A size
that no method can simulate is refused up front with a :class:`~bellsense.errors.SetupError`
(CLI exit code 2) that names the stage and what would work. The exact-reference stage decides
for itself (``run.exact.exact_method``: the table says "n/a" with the reason when no exact
method applies); :func:`describe` puts both decisions in one line per point.

On a device (``fake_*`` backends, offline, and any device platform given by the runner),
:func:`device_width_check` refuses a width the device cannot hold up front, in the same form:
more qubits than the device has, or a GHZ tree (any other circuit: a chain) larger than the
largest connected set of good qubits of its coupling map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SetupError
from ..spec import ExperimentSpec
from .plan import PointPlan, plan_points

__all__ = ["PointFeasibility", "simulation_plan", "device_width_check", "describe"]


@dataclass(frozen=True)
class PointFeasibility:
    """The simulation stage's decision for one point (``choice`` is ``None`` off Aer: devices, user samplers)."""

    plan: PointPlan
    choice: Any


def _aer_method(spec: ExperimentSpec) -> str | None:
    backend = spec.run.backend
    return backend.split(":", 1)[1] if backend.startswith("aer:") else None


def simulation_plan(spec: ExperimentSpec, plans: list[PointPlan] | None = None, *,
                    max_memory: int | None = None, platform: Any = None,
                    source: str | None = None) -> list[PointFeasibility]:
    """The Aer method of every point of an Aer run, or a :class:`SetupError` naming the stage and the fix.

    A point is noisy when the spec's ``[noise]`` is not ideal; its circuits are GHZ-like when its
    state is in ``backends.methods.GHZ_LIKE_STATES``. Device and user-sampler runs are not simulated
    by bellsense's choice here (``choice`` is ``None``); a device's width is checked by
    :func:`device_width_check` (on ``platform`` if given, else on a ``fake_*`` device resolved here).
    ``source`` (the spec file) starts the error message.
    """
    from ..backends.frames import frames_apply
    from ..backends.methods import GHZ_LIKE_STATES, simulation_choice

    plans = plan_points(spec) if plans is None else plans
    where = f"{source}: " if source else ""
    if not spec.run.backend.startswith("aer") or spec.device is not None:
        device_width_check(spec, plans, platform=platform, source=source)
        return [PointFeasibility(p, None) for p in plans]
    method = _aer_method(spec)
    out = []
    for plan in plans:
        noisy = not spec.noises[plan.noise_index].is_ideal  # the point's noise setting
        try:
            choice = simulation_choice(plan.n, noisy, ghz_like=plan.state in GHZ_LIKE_STATES, method=method,
                                       max_memory=max_memory,  # GHZ under dephasing alone: two frames (issue 14)
                                       frames=frames_apply(plan.state, spec.noises[plan.noise_index]))
        except ValueError as exc:
            raise SetupError(f"{where}simulation stage cannot handle {plan.state} at n = {plan.n} "
                             f"(run.backend = {spec.run.backend!r}): {exc}") from None
        out.append(PointFeasibility(plan, choice))
    return out


def device_width_check(spec: ExperimentSpec, plans: list[PointPlan], *, platform: Any = None,
                       source: str | None = None) -> None:
    """Refuse a point whose circuit the device cannot hold, with a :class:`SetupError` (CLI exit 2).

    The device is ``platform`` when given (the runner's, with its ``drop_fraction``), else the
    ``fake_*`` device of ``run.backend`` or ``noise.device`` (resolved offline; an ``ibm_*`` backend
    is checked by the runner once connected). A GHZ point is placed on a breadth-first tree of good
    qubits (``backends.layout.ghz_tree_layout``), which exists exactly when n is at most the size of
    the largest connected set of good qubits; any other point needs a chain, for which that size is
    an upper bound.
    """
    from .. import backends
    from ..backends.layout import largest_good_component

    key = "noise.device" if spec.device is not None else "run.backend"
    name = spec.device or spec.run.backend
    where = f"{source}: " if source else ""
    if platform is None:
        if not name.startswith("fake_"):
            return
        try:
            layout = {} if spec.run.drop_fraction is None else {"drop_fraction": spec.run.drop_fraction}
            platform = backends.resolve_backend(name, **layout)
        except (ValueError, TypeError) as exc:
            raise SetupError(f"{where}{key}: {exc}") from None
    device = getattr(platform, "device", None)
    if device is None:
        return
    drop = float(platform.options.get("drop_fraction", 0.1))
    size = len(largest_good_component(device, drop))
    for plan in plans:
        stage = f"{where}device stage cannot place {plan.state} at n = {plan.n} (probe.n; {key} = {name!r})"
        if plan.n > device.num_qubits:
            raise SetupError(f"{stage}: {platform.name} has {device.num_qubits} qubits; allowed: n <= "
                             f"{min(size, device.num_qubits)} on it, or a larger device")
        if plan.n > size:
            shape = "GHZ tree" if plan.state == "ghz" else "chain"
            raise SetupError(f"{stage}: no {shape} of {plan.n} qubits fits its coupling map (the largest connected "
                             f"set of good qubits has {size}, after dropping the worst {drop:.0%} of qubits and "
                             f"couplers); allowed: n <= {size} on {platform.name}, a lower run.drop_fraction, "
                             "or a larger device")


def describe(spec: ExperimentSpec, feasible: list[PointFeasibility]) -> list[str]:
    """One line per point: the simulation method (and why) and the exact stage's method (and why)."""
    from ..backends.sampling import DENSITY_MATRIX_MAX, SHOT_BRANCHING_MAX
    from .exact import exact_method

    lines = []
    for item in feasible:
        plan = item.plan
        if item.choice is not None:
            sim = f"simulation {item.choice.method} ({item.choice.reason})"
        elif spec.run.backend.startswith("fake_") or spec.device is not None:
            sim = (f"simulation with the device's noise on its active qubits (density matrix up to "
                   f"{DENSITY_MATRIX_MAX}, statevector up to {SHOT_BRANCHING_MAX}, else matrix_product_state)")
        else:
            sim = "run by the device or sampler"
        method, reason = exact_method(spec, plan)
        exact = f"exact {method} ({reason})" if method is not None else f"exact n/a ({reason})"
        noise = "" if plan.noise_label is None else f", noise {plan.noise_label!r}"
        lines.append(f"  {plan.state} n = {plan.n}, t = {plan.t:g}{noise}: {sim}; {exact}")
    return lines
