"""Circuit building: every PUB of every point, built once, and the window noise of each (noise, n, t) group.

For every ``(state, n, t)`` point the circuits are ``prep + window + [encoding] + setting``:

* ``fisher``: encoding ``exp(-i theta J_axis)`` with the parameter ``theta`` swept over
  ``theta0 + k delta`` (``k = -1, 0, 1``; ``-2..2`` for the Hellinger fit), collective readout;
* ``bell``: the ``n + 1`` Bell settings ``phi_j = pi j / (n + 1)`` (one PUB, ``bell_phi`` swept);
* ``pi_bell``: the three settings of the two-body PI Bell inequality;
* ``squeezing``: collective readouts along the three axes of the encoding frame.

The circuits do not depend on the working point (theta is a parameter): :func:`point_circuits`
builds them during setup, and :func:`bind_working_point` sets the Fisher sweep once theta0 is
known. :class:`WindowNoise` builds the Aer noise model of one window once and reuses it for
every circuit of its (noise setting, n, t) group, at submission and at collection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..axes import frame
from ..errors import SpecError
from ..estimators import fisher_offsets
from ..noise import NoiseSpec
from ..spec import ExperimentSpec
from .ensemble import ENSEMBLE_STATES
from .plan import PointPlan, network_weights
from .probes import MODEL_STATES, is_separable_network, model_prep, pi_bell_angles, separable_network_prep

__all__ = ["CircuitJob", "prep_circuit", "window_circuit", "encoding_circuit", "point_circuits",
           "bind_working_point", "WindowNoise"]


@dataclass(frozen=True)
class CircuitJob:
    """One PUB: a circuit (parameters unbound), its sweep values, per-binding metadata and its own shots.

    ``shots`` is ``None`` (the spec's shots) except for the members of a mixed probe (``run.ensemble``).
    """

    point: int
    role: str
    circuit: Any
    values: list[list[float]] | None
    binding_metadata: list[dict[str, Any]]
    shots: int | None = None

    @property
    def parameters(self) -> list[str]:
        return [p.name for p in self.circuit.parameters]

    def pub(self, circuit: Any = None) -> tuple[Any, ...]:
        """The SamplerV2 PUB of ``circuit`` (default: the job's own, e.g. with the noise applied)."""
        circ = self.circuit if circuit is None else circuit
        if self.shots is not None:
            return (circ, self.values, self.shots)
        return (circ, self.values) if self.values is not None else (circ,)


def _with(meta: dict[str, Any], section: str, **updates: Any) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in meta.items()}
    out[section] = {**out.get(section, {}), **updates}
    return out


def prep_circuit(spec: ExperimentSpec, state: str, n: int, t: float | None = None, noise_index: int = 0) -> Any:
    """The preparation circuit of ``state`` on n qubits (metadata ``prep``).

    ``optimal`` (the best symmetric probe for the window, ``run.exact_pi.optimal_amplitudes``) needs t
    (and is chosen for the window of noise setting ``noise_index``).
    """
    from .. import circuits

    if state == "optimal":
        from .exact_pi import optimal_amplitudes

        if t is None:
            raise SpecError("probe.states: 'optimal' depends on the sensing window; prep_circuit needs t")
        return circuits.symmetric_state(list(optimal_amplitudes(spec, n, t, noise_index)))
    if state == "ghz":
        return circuits.ghz(n)
    if state == "product":
        return circuits.product(n)
    if state == "dicke":
        return circuits.dicke(n, spec.probe.dicke_k(n))
    if state == "symmetric":
        return circuits.symmetric_state(list(spec.probe.amplitudes or ()))
    if state in MODEL_STATES:
        return model_prep(spec, state, n)
    if state in ENSEMBLE_STATES:
        raise ValueError(f"state {state!r} is a mixed state: one circuit per ensemble member "
                         "(run.ensemble.ensemble_preps), not one preparation circuit")
    if is_separable_network(spec, state):
        return separable_network_prep(spec, n)
    if state == "network":
        return circuits.linear_function_state(list(spec.probe.weights or ()), n)
    raise SpecError(f"probe.states: unknown state {state!r}")  # pragma: no cover - the spec guards this


def window_circuit(spec: ExperimentSpec, n: int, t: float) -> Any:
    """The sensing window: ``RZ(phi t)`` per qubit, labelled so that the window noise attaches to it."""
    from .. import circuits

    return circuits.sensing_window(n, t, spec.sensing.phi, "z")


def encoding_circuit(spec: ExperimentSpec, state: str, n: int, theta: Any, sizes: Sequence[int] | None) -> Any:
    """``exp(-i theta J_axis)``, or the weighted per-qubit encoding of a network state."""
    from .. import circuits

    if state != "network" or sizes is None:
        return circuits.phase_encoding(n, theta, spec.sensing.axis)
    return circuits.phase_encoding(n, [theta * float(w) for w in network_weights(spec, sizes)], spec.sensing.axis)


def _fisher_sweep(spec: ExperimentSpec, plan: PointPlan, circ: Any) -> tuple[list[list[float]], list[dict[str, Any]]]:
    thetas = [plan.theta + k * plan.delta for k in fisher_offsets(spec.measure.fisher_method)]
    return [[th] for th in thetas], [_with(circ.metadata, "encoding", theta=th) for th in thetas]


def point_circuits(spec: ExperimentSpec, plan: PointPlan) -> list[CircuitJob]:
    """Every PUB of one point (see the module docstring); the Fisher sweep is at ``plan.theta``.

    A mixed probe (``run.ensemble``): every PUB once per ensemble member with the member's shots, the
    members of one PUB next to each other.
    """
    if plan.state in ENSEMBLE_STATES:
        from .ensemble import ensemble_preps

        members = [[replace(job, shots=shots) for job in _point_jobs(spec, plan, prep)]
                   for shots, prep in ensemble_preps(spec, plan.state, plan.n, spec.run.shots)]
        return [job for same_pub in zip(*members) for job in same_pub]
    return _point_jobs(spec, plan, prep_circuit(spec, plan.state, plan.n, plan.t, plan.noise_index))


def _point_jobs(spec: ExperimentSpec, plan: PointPlan, prep: Any) -> list[CircuitJob]:
    from .. import circuits
    from ..circuits import BELL_PHI, THETA

    n, t = plan.n, plan.t
    window = window_circuit(spec, n, t)
    jobs: list[CircuitJob] = []
    quantities = spec.measure.quantities
    if "fisher" in quantities:
        circ = circuits.assemble(prep, window, encoding_circuit(spec, plan.state, n, THETA, plan.sizes),
                                 circuits.collective_readout(n, list(plan.readout_axis)))
        values, metas = _fisher_sweep(spec, plan, circ)
        jobs.append(CircuitJob(plan.index, "fisher", circ, values, metas))
    if "bell" in quantities:
        num = n + 1
        circ = circuits.assemble(prep, window, circuits.bell_setting(n, BELL_PHI, axis=spec.sensing.axis,
                                                                     num_phases=num))
        phases = circuits.bell_phases(n, num)
        metas = [_with(circ.metadata, "setting", phi=float(ph), index=j, num_phases=num)
                 for j, ph in enumerate(phases)]
        jobs.append(CircuitJob(plan.index, "bell", circ, [[float(ph)] for ph in phases], metas))
    angles = pi_bell_angles(spec, plan)  # "optimal": None until the exact stage has found them
    if "pi_bell" in quantities and angles is not None:
        phi, theta = angles
        for setting in circuits.pi_bell_settings(n, phi, theta):
            circ = circuits.assemble(prep, window, setting)
            jobs.append(CircuitJob(plan.index, "pi_bell", circ, None, [circ.metadata]))
    if "squeezing" in quantities:
        for axis in frame(spec.sensing.axis):
            circ = circuits.assemble(prep, window, circuits.collective_readout(n, list(axis)))
            jobs.append(CircuitJob(plan.index, "squeezing", circ, None, [circ.metadata]))
    return jobs


def bind_working_point(spec: ExperimentSpec, plan: PointPlan, jobs: Sequence[CircuitJob]) -> list[CircuitJob]:
    """The point's PUBs with the Fisher sweep moved to the (possibly updated) working point ``plan.theta``."""
    out = []
    for job in jobs:
        if job.role == "fisher" and job.point == plan.index:
            if any(abs(a - b) > 1e-12 for a, b in zip(job.circuit.metadata["setting"]["axis"], plan.readout_axis)):
                # the exact stage chose another readout (state "optimal"): rebuild the point's Fisher PUB
                job = next(j for j in point_circuits(spec, plan) if j.role == "fisher")
            values, metas = _fisher_sweep(spec, plan, job.circuit)
            job = replace(job, values=values, binding_metadata=metas)
        out.append(job)
    if plan.pi_bell_angles is not None and not any(j.role == "pi_bell" and j.point == plan.index for j in out):
        # pi_bell_angles = "optimal": the settings exist only once the exact stage has found the angles
        out += [j for j in point_circuits(spec, plan) if j.role == "pi_bell"]
    return out


@dataclass(frozen=True)
class WindowNoise:
    """The noise of one sensing window (n qubits, duration t) on Aer: one model, reused.

    ``model`` is ``noise.window_noise_model`` (local channels on the window label, gate and
    readout errors); collective dephasing is an n-qubit instruction inserted in each circuit by
    :meth:`apply`.
    """

    n: int
    t: float
    spec: NoiseSpec
    model: Any

    @classmethod
    def build(cls, spec: NoiseSpec, n: int, t: float) -> WindowNoise:
        from .. import noise

        return cls(n, t, spec, noise.window_noise_model(spec, n, t))

    def apply(self, circuit: Any) -> Any:
        """The circuit with collective dephasing inserted (unchanged without it)."""
        from .. import noise

        if self.spec.kappa > 0 and self.t > 0:
            return noise.apply_collective(circuit, self.spec.kappa, self.t)
        return circuit
