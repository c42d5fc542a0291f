"""Exact reference values of a point: QFI, CFI of the readout, the estimator's own limit, Bell, squeezing.

The encoding follows the noisy window, so the exact QFI is ``qfi(rho_w, J_axis)`` with ``rho_w``
the state after the window (for ``axis = z`` encoding and window commute with the noise, and then
``F_Q = G(t) = Q(t)/t^2`` of Takahashi, Ho & Matsueda 2025). The numerics are those of
``bellsense.estimators`` (``qfi``, ``best_working_point``, ``cfi_limit``, ``method_limit``,
``bell_correlator``, ``pi_bell_value``, ``squeezing_parameter``); this module only builds the
states and families they act on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import estimators
from ..axes import frame
from ..pistate import PIState
from ..records import DeviceExact, ExactEntry, finite_or_none
from ..spec import ExperimentSpec
from .build import CircuitJob, encoding_circuit, prep_circuit, window_circuit
from .ensemble import ENSEMBLE_STATES, ensemble_dicke
from .exact_pi import PI_STATES, bell_fields, pi_extras, pi_rates, window_pi_state
from .plan import PointPlan, generator, point_noise
from .probes import optimal_pi_bell

__all__ = ["exact_point", "exact_method", "window_state", "window_vector", "is_pure", "basis_change", "readout",
           "point_family", "squeezing_exact", "device_exact", "DEVICE_EXACT_MAX_QUBITS", "DENSE_EXACT_MAX_QUBITS",
           "PURE_EXACT_MAX_QUBITS"]

#: Largest circuit for the exact device-noise comparison (a 4^n density matrix per binding).
DEVICE_EXACT_MAX_QUBITS = 10
#: Largest n of the dense exact path for a noisy window (a 4^n density matrix from Aer, eigh of 2^n).
DENSE_EXACT_MAX_QUBITS = 12
#: Largest n of the dense exact path for a pure window (2^n state vectors).
PURE_EXACT_MAX_QUBITS = 16


def window_state(spec: ExperimentSpec, state: str, n: int, t: float, noise_index: int = 0) -> Any:
    """Exact density matrix after preparation and the noisy window (Aer, density-matrix method).

    ``noise_index``: the window's noise setting (``spec.noises[noise_index]``; a point's ``plan.noise_index``).
    """
    from .. import circuits

    if state in ENSEMBLE_STATES:  # a mixed probe: the weighted sum of its ensemble members' window states
        from qiskit.quantum_info import DensityMatrix

        members = circuits.symmetric_ensemble(ensemble_dicke(spec, state, n))
        return DensityMatrix(sum(m.weight * _member_window(spec, m.circuit, n, t, noise_index).data
                                 for m in members))
    return _member_window(spec, prep_circuit(spec, state, n, t, noise_index), n, t, noise_index)


def _member_window(spec: ExperimentSpec, prep: Any, n: int, t: float, noise_index: int) -> Any:
    from .. import circuits, noise
    from ..backends import density_matrix

    body = circuits.assemble(prep, window_circuit(spec, n, t))
    body, model = noise.noisy_window(body, dataclasses.replace(spec.noises[noise_index], device=None), t)
    return density_matrix(body, model)


def is_pure(spec: ExperimentSpec, t: float, noise_index: int = 0) -> bool:
    """Whether the window of noise setting ``noise_index`` leaves the state pure (readout error acts at measurement)."""
    nz = spec.noises[noise_index]
    return not nz.acts_in_window(t) and nz.gate_error_1q == 0 and nz.gate_error_2q == 0


def window_vector(spec: ExperimentSpec, state: str, n: int, t: float, noise_index: int = 0) -> np.ndarray:
    """Exact state vector after preparation and a noiseless window (no 4^n objects).

    ``noise_index`` matters for the ``optimal`` probe only (chosen for that setting's window noise).
    """
    from qiskit.quantum_info import Statevector

    from .. import circuits

    prep = prep_circuit(spec, state, n, t, noise_index)
    return Statevector(circuits.assemble(prep, window_circuit(spec, n, t))).data


def basis_change(n: int, axis: Sequence[float]) -> Any:
    """The readout's basis change (every qubit rotated so that ``axis`` is measured), without measurements."""
    from .. import circuits

    return circuits.collective_readout(n, list(axis)).remove_final_measurements(inplace=False)


def readout(n: int, axis: Sequence[float]) -> Any:
    """The Fisher readout as an exact ``estimators.Readout``: the basis change as a matrix, weight labels."""
    from qiskit.quantum_info import Operator

    return estimators.Readout(unitary=Operator(basis_change(n, axis)).data, labels=estimators.hamming_weights(n))


def point_family(spec: ExperimentSpec, plan: PointPlan) -> tuple[Any, Any, Any]:
    """``(state, generator, family)`` of a point: a state vector and ``PureFamily`` for a pure window,
    else the density matrix and ``DensityFamily``."""
    gen = generator(spec, plan.state, plan.n, plan.sizes)
    if is_pure(spec, plan.t, plan.noise_index) and plan.state not in ENSEMBLE_STATES:
        psi = window_vector(spec, plan.state, plan.n, plan.t, plan.noise_index)
        family: Any = estimators.PureFamily(
            psi, gen, lambda th: encoding_circuit(spec, plan.state, plan.n, th, plan.sizes),
            basis_change(plan.n, plan.readout_axis), estimators.hamming_weights(plan.n))
        return psi, gen, family
    rho = window_state(spec, plan.state, plan.n, plan.t, plan.noise_index)
    return rho, gen, estimators.DensityFamily.build(rho, gen, readout(plan.n, plan.readout_axis))


def exact_method(spec: ExperimentSpec, plan: PointPlan) -> tuple[str | None, str]:
    """Which exact method a point gets, decided before computing anything: ``(method, reason)``.

    ``"pi"``: a symmetric probe under noise that is identical on every qubit (the permutation-invariant
    engine, any n); ``"dense"``: otherwise, up to :data:`DENSE_EXACT_MAX_QUBITS` qubits for a noisy window
    (:data:`PURE_EXACT_MAX_QUBITS` for a pure one); ``None``: no exact method (or ``[measure] exact = "off"``),
    the reason says why. Nothing large is built, so an impossible case never hangs or runs out of memory.
    """
    if spec.measure.exact == "off":
        return None, "skipped: [measure] exact = 'off' (or --no-exact)"
    if plan.state in PI_STATES:
        rates, why = pi_rates(point_noise(spec, plan))
        if rates is not None:
            return "pi", f"{why}: permutation-invariant engine"
    else:
        why = f"state {plan.state!r} is not permutation-symmetric"
    pure = is_pure(spec, plan.t, plan.noise_index)
    limit = PURE_EXACT_MAX_QUBITS if pure else DENSE_EXACT_MAX_QUBITS
    kind = "state vector" if pure else "density matrix"
    if plan.n <= limit:
        return "dense", f"{why}: dense 2^n {kind}"
    return None, f"{why}, and n = {plan.n} > {limit} for a dense 2^n {kind}"


def _fallback_theta(spec: ExperimentSpec, plan: PointPlan) -> float:
    """Working point without the exact search: the steepest point of an ideal readout signal.

    Parity of a GHZ-like probe ``cos(n theta)``: ``pi/(2n)``; ``<J^2>`` of a Dicke probe ``~ cos^2 theta``:
    ``pi/4``; ``<J>`` of a polarised probe ``~ sin theta``: 0.
    """
    if spec.sensing.theta != "optimal":
        return plan.theta
    return {"parity": np.pi / (2 * plan.n), "second_moment": np.pi / 4}.get(plan.statistic, 0.0)


def exact_point(spec: ExperimentSpec, plan: PointPlan, *, method: str | None = None) -> tuple[PointPlan, ExactEntry]:
    """Exact reference values of a point (and its working point if ``theta = "optimal"``).

    The method is :func:`exact_method`'s: the permutation-invariant engine (``exact_pi``) or the dense
    path, with the same estimator functions on either (``best_working_point``, ``cfi_limit``,
    ``method_limit``). Without a method the values are ``None`` and ``unavailable`` says why.
    ``method="dense"`` forces the dense path (the independent check of the engine in the tests).
    Returns the (possibly updated) plan and its :class:`~bellsense.records.ExactEntry`
    (``bell_correlator_exact``, ``pi_bell_exact``, ``squeezing_exact`` only where measured).
    """
    if method not in (None, "dense"):
        raise ValueError(f"method must be None (exact_method's choice) or 'dense', got {method!r}")
    chosen, reason = exact_method(spec, plan)
    if method == "dense" and chosen is not None:
        chosen, reason = "dense", "dense 2^n path requested"
    method = chosen
    if method is None:
        plan = dataclasses.replace(plan, theta=float(np.round(_fallback_theta(spec, plan), 9)))
        if "pi_bell" in spec.measure.quantities and spec.measure.pi_bell_angles == "optimal":
            reason += "; pi_bell is not measured (its 'optimal' angles need the exact state)"
        return plan, ExactEntry(**plan.to_dict(), qfi_exact=None, cfi_exact=None, fisher_exact_method=None,
                                exact_method=None, exact_reason=reason, unavailable=reason)
    st: Any = None
    if method == "pi":
        st = window_pi_state(spec, plan.state, plan.n, plan.t, plan.noise_index)
        family: Any = estimators.PIFamily.build(st, spec.sensing.axis, plan.readout_axis)
        qfi = estimators.pi_qfi(st, spec.sensing.axis)
    else:
        rho, gen, family = point_family(spec, plan)
        qfi = estimators.qfi(rho, gen)
    fisher = spec.measure.fisher_method
    if plan.state == "optimal" and spec.measure.readout == "auto":
        plan, family = _best_readout(spec, plan, st if method == "pi" else rho)
    values = estimators.statistic_values(plan.statistic, plan.n)
    if spec.sensing.theta == "optimal":
        # The Fisher information of a readout is periodic in theta: period pi/n for a parity (signal
        # ~ cos(n theta); network states oscillate more slowly) and pi for collective moments. The
        # search covers 2 pi/n (parity) or pi (otherwise): at least one period.
        period = 2 * np.pi / plan.n if plan.statistic == "parity" else np.pi
        plan = dataclasses.replace(plan, theta=estimators.best_working_point(fisher, family, values, period,
                                                                             plan.delta))
    probs = [family.distribution(plan.theta + k * plan.delta)[0] for k in estimators.fisher_offsets(fisher)]
    best_bell = None
    if "pi_bell" in spec.measure.quantities and spec.measure.pi_bell_angles == "optimal":
        best_bell = optimal_pi_bell(st if method == "pi" else rho)  # (value, phi, theta), run.probes
        plan = dataclasses.replace(plan, pi_bell_angles=(best_bell[1], best_bell[2]))
    out: dict[str, Any] = {
        **plan.to_dict(),
        "exact_method": method,
        "exact_reason": reason,
        "qfi_exact": finite_or_none(qfi),
        "cfi_exact": finite_or_none(estimators.cfi_limit(family, plan.theta)),
        "fisher_exact_method": finite_or_none(estimators.method_limit(fisher, probs, values, plan.delta)),
    }
    out.update(pi_extras(spec, st) if method == "pi" else _dense_extras(spec, plan, rho))
    if best_bell is not None:
        out["pi_bell_exact"] = best_bell[0]
    clean: dict[str, Any] = {k: finite_or_none(v) if isinstance(v, float) else v for k, v in out.items()}
    return plan, ExactEntry(**clean)


def _working_point(spec: ExperimentSpec, plan: PointPlan, family: Any) -> tuple[float, float]:
    """``(theta0, the estimator's exact limit there)`` for the plan's readout (theta0 searched if "optimal")."""
    values = estimators.statistic_values(plan.statistic, plan.n)
    fisher = spec.measure.fisher_method
    theta = plan.theta
    if spec.sensing.theta == "optimal":
        period = 2 * np.pi / plan.n if plan.statistic == "parity" else np.pi
        theta = estimators.best_working_point(fisher, family, values, period, plan.delta)
    probs = [family.distribution(theta + k * plan.delta)[0] for k in estimators.fisher_offsets(fisher)]
    return theta, estimators.method_limit(fisher, probs, values, plan.delta)


def _best_readout(spec: ExperimentSpec, plan: PointPlan, state: Any) -> tuple[PointPlan, Any]:
    """The collective readout of the ``optimal`` probe: the best of the frame's three axes and the three statistics.

    "Best" is the largest infinite-shot value of the chosen Fisher estimator at its own working point
    (what the run measures); the table then reports CFI/QFI of that readout (the optimal measurement of
    such a probe is usually not collective). Returns the updated plan and its family.
    """
    best: tuple[float, PointPlan, Any] | None = None
    for axis in frame(spec.sensing.axis):
        if isinstance(state, PIState):
            family: Any = estimators.PIFamily.build(state, spec.sensing.axis, axis)
        else:
            rho = np.asarray(getattr(state, "data", state))
            rho = np.outer(rho, rho.conj()) if rho.ndim == 1 else rho
            family = estimators.DensityFamily.build(rho, generator(spec, plan.state, plan.n, plan.sizes),
                                                    readout(plan.n, [float(a) for a in axis]))
        for statistic in estimators.STATISTICS:
            scale = plan.n if statistic == "parity" else 1.0
            cand = dataclasses.replace(plan, readout_axis=(float(axis[0]), float(axis[1]), float(axis[2])),
                                       statistic=statistic, delta=spec.measure.delta / scale)
            theta, value = _working_point(spec, cand, family)
            if best is None or value > best[0] * (1 + 1e-9) + 1e-12:
                best = (value, dataclasses.replace(cand, theta=float(theta)), family)
    assert best is not None
    return best[1], best[2]


def _dense_extras(spec: ExperimentSpec, plan: PointPlan, rho: Any) -> dict[str, Any]:
    """Bell correlator (log10, depth, GHZ fidelity), PI Bell value and squeezing of a dense state."""
    out: dict[str, Any] = {}
    quantities = spec.measure.quantities
    if "bell" in quantities:
        e = float(estimators.bell_correlator(rho, list(range(plan.n)), [], axis=spec.sensing.axis))
        out.update(bell_fields(np.log10(e) if e > 0 else -np.inf, plan.n))
        out["bell_correlator_exact"] = e
        out["ghz_fidelity_exact"] = float(estimators.ghz_fidelity(rho))
    if "pi_bell" in quantities and isinstance(spec.measure.pi_bell_angles, tuple):  # "optimal": exact_point
        phi, theta = spec.measure.pi_bell_angles
        out["pi_bell_exact"] = estimators.pi_bell_value(rho, phi, theta)
    if "squeezing" in quantities:
        out["squeezing_exact"] = squeezing_exact(rho, plan.n, spec.sensing.axis)
    return out


def squeezing_exact(rho: Any, n: int, axis: str) -> float:
    """Wineland ``xi^2 = N Var(J_xi) / (<J_e1>^2 + <J_e2>^2)`` in the encoding frame (Wineland et al.,
    Phys. Rev. A 50, 67 (1994)).

    For ``axis = z`` this is ``estimators.squeezing_parameter``; every axis uses the frame of
    ``axes.frame`` (the directions the squeezing readouts measure). ``inf`` without a mean spin
    (``<J_e1>^2 + <J_e2>^2 <= 1e-14``: a rounding-level mean spin is none, as in ``exact_pi.pi_squeezing``).
    """
    from .. import spin

    mat = np.asarray(getattr(rho, "data", rho))
    e1, e2, xi = frame(axis)

    def expect(op: Any) -> float:
        if mat.ndim == 1:
            return float(np.real(np.vdot(mat, op @ mat)))
        return float(np.real(np.sum(op.multiply(mat.T))))

    jx = spin.collective(n, xi)
    var = expect(jx @ jx) - expect(jx) ** 2
    trans = expect(spin.collective(n, e1)) ** 2 + expect(spin.collective(n, e2)) ** 2
    return float(n * var / trans) if trans > 1e-14 else float("inf")


def device_exact(platform: Any, spec: ExperimentSpec, jobs: Sequence[CircuitJob], isa: Sequence[Any],
                 exact: Sequence[ExactEntry]) -> dict[int, DeviceExact]:
    """Exact values under the device's own noise model, per point index, from the ISA circuits.

    ``fisher_exact_method`` is the estimator's infinite-shot limit on the exact noisy
    Hamming-weight distributions (``backends.device_probabilities``), ``bell_correlator_exact``
    the Fourier formula ``E = |mean_j exp(i n phi_j) <P(phi_j)>|^2`` on the exact noisy parities
    (``estimators.measured.parities.correlator_from_parities`` with zero errors).
    Circuits of more than :data:`DEVICE_EXACT_MAX_QUBITS` qubits, or that the exact simulation
    cannot handle, are skipped (the entry says why).
    """
    from .. import backends
    from ..estimators.measured.parities import correlator_from_parities

    by_index = {e.index: e for e in exact}
    found: dict[int, dict[str, Any]] = {}
    for job, circ in zip(jobs, isa):
        entry = found.setdefault(job.point, {})
        if job.shots is not None:  # one member of a mixed probe (run.ensemble): not the point's distribution
            entry["skipped"] = "a mixed probe run as an ensemble of circuits: not computed"
            continue
        if job.circuit.num_qubits > DEVICE_EXACT_MAX_QUBITS:
            entry["skipped"] = (f"n = {job.circuit.num_qubits} > {DEVICE_EXACT_MAX_QUBITS}: the exact device-noise "
                                "density matrix (4^n per binding) would cost more than the run itself")
            continue
        try:
            probs = np.atleast_2d(backends.device_probabilities(platform, circ, job.values))
        except Exception as exc:  # an optional comparison: never fatal (too many qubits, no noise model, ...)
            entry["skipped"] = f"{type(exc).__name__}: {exc}"
            continue
        n = int(job.circuit.num_qubits)
        weights = estimators.hamming_weights(n)
        if job.role == "fisher":
            hist = [np.bincount(weights, weights=p, minlength=n + 1) for p in probs]
            plan = by_index[job.point]
            entry["fisher_exact_method"] = estimators.method_limit(
                spec.measure.fisher_method, hist, estimators.statistic_values(plan.statistic, n), plan.delta)
        elif job.role == "bell":
            parity = 1.0 - 2.0 * (weights % 2)
            means = probs @ parity
            phases = [m["setting"]["phi"] for m in job.binding_metadata]
            exact_e = correlator_from_parities(phases, means, np.zeros_like(means), n)  # exact: no errors
            entry["bell_correlator_exact"] = float(np.real(exact_e.value))
    return {k: DeviceExact(**v) for k, v in found.items()}
