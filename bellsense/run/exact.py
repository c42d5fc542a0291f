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
from ..records import DeviceExact, ExactEntry, finite_or_none
from ..spec import ExperimentSpec
from .build import CircuitJob, encoding_circuit, prep_circuit, window_circuit
from .plan import PointPlan, generator

__all__ = ["exact_point", "window_state", "window_vector", "is_pure", "basis_change", "readout",
           "point_family", "squeezing_exact", "device_exact", "DEVICE_EXACT_MAX_QUBITS"]

#: Largest circuit for the exact device-noise comparison (a 4^n density matrix per binding).
DEVICE_EXACT_MAX_QUBITS = 10


def window_state(spec: ExperimentSpec, state: str, n: int, t: float) -> Any:
    """Exact density matrix after preparation and the noisy window (Aer, density-matrix method)."""
    from .. import circuits, noise
    from ..backends import density_matrix

    body = circuits.assemble(prep_circuit(spec, state, n), window_circuit(spec, n, t))
    body, model = noise.noisy_window(body, dataclasses.replace(spec.noise, device=None), t)
    return density_matrix(body, model)


def is_pure(spec: ExperimentSpec, t: float) -> bool:
    """Whether the state after the window is pure (readout error acts only at measurement)."""
    nz = spec.noise
    return not nz.acts_in_window(t) and nz.gate_error_1q == 0 and nz.gate_error_2q == 0


def window_vector(spec: ExperimentSpec, state: str, n: int, t: float) -> np.ndarray:
    """Exact state vector after preparation and a noiseless window (no 4^n objects)."""
    from qiskit.quantum_info import Statevector

    from .. import circuits

    return Statevector(circuits.assemble(prep_circuit(spec, state, n), window_circuit(spec, n, t))).data


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
    if is_pure(spec, plan.t):
        psi = window_vector(spec, plan.state, plan.n, plan.t)
        family: Any = estimators.PureFamily(
            psi, gen, lambda th: encoding_circuit(spec, plan.state, plan.n, th, plan.sizes),
            basis_change(plan.n, plan.readout_axis), estimators.hamming_weights(plan.n))
        return psi, gen, family
    rho = window_state(spec, plan.state, plan.n, plan.t)
    return rho, gen, estimators.DensityFamily.build(rho, gen, readout(plan.n, plan.readout_axis))


def exact_point(spec: ExperimentSpec, plan: PointPlan) -> tuple[PointPlan, ExactEntry]:
    """Exact reference values of a point (and its working point if ``theta = "optimal"``).

    Returns the (possibly updated) plan and its :class:`~bellsense.records.ExactEntry`
    (``bell_correlator_exact``, ``pi_bell_exact``, ``squeezing_exact`` only where measured).
    """
    rho, gen, family = point_family(spec, plan)
    values = estimators.statistic_values(plan.statistic, plan.n)
    method = spec.measure.fisher_method
    if spec.sensing.theta == "optimal":
        # The Fisher information of a readout is periodic in theta: period pi/n for a parity (signal
        # ~ cos(n theta); network states oscillate more slowly) and pi for collective moments. The
        # search covers 2 pi/n (parity) or pi (otherwise): at least one period.
        period = 2 * np.pi / plan.n if plan.statistic == "parity" else np.pi
        plan = dataclasses.replace(plan, theta=estimators.best_working_point(method, family, values, period,
                                                                             plan.delta))
    probs = [family.distribution(plan.theta + k * plan.delta)[0] for k in estimators.fisher_offsets(method)]
    out: dict[str, Any] = {
        **plan.to_dict(),
        "qfi_exact": finite_or_none(estimators.qfi(rho, gen)),
        "cfi_exact": finite_or_none(estimators.cfi_limit(family, plan.theta)),
        "fisher_exact_method": finite_or_none(estimators.method_limit(method, probs, values, plan.delta)),
    }
    quantities = spec.measure.quantities
    if "bell" in quantities:
        out["bell_correlator_exact"] = finite_or_none(
            estimators.bell_correlator(rho, list(range(plan.n)), [], axis=spec.sensing.axis))
    if "pi_bell" in quantities and spec.measure.pi_bell_angles is not None:
        phi, theta = spec.measure.pi_bell_angles
        out["pi_bell_exact"] = finite_or_none(estimators.pi_bell_value(rho, phi, theta))
    if "squeezing" in quantities:
        out["squeezing_exact"] = finite_or_none(squeezing_exact(rho, plan.n, spec.sensing.axis))
    return plan, ExactEntry(**out)


def squeezing_exact(rho: Any, n: int, axis: str) -> float:
    """Wineland ``xi^2 = N Var(J_xi) / (<J_e1>^2 + <J_e2>^2)`` in the encoding frame (Wineland et al.,
    Phys. Rev. A 50, 67 (1994)).

    For ``axis = z`` this is ``estimators.squeezing_parameter``; other axes use the frame of
    ``axes.frame`` (the directions the squeezing readouts measure). ``inf`` without a mean spin.
    """
    from .. import spin

    if axis == "z":
        return float(estimators.squeezing_parameter(rho))
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
