"""Planning a run: the points of a spec, their readouts and generators, and the noise setting of each point.

A :class:`PointPlan` fixes, for one ``(state, n, t)`` point of one noise setting, the Fisher readout (single-qubit
axis and statistic of the Hamming weight) and the finite-difference step; the working point
theta0 is filled in by :func:`bellsense.run.exact.exact_point` when the spec asks for
``theta = "optimal"``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..axes import frame
from ..errors import SpecError
from ..noise import NoiseSpec
from ..spec import ExperimentSpec

__all__ = ["PointPlan", "plan_points", "point_noise", "demo_spec", "generator", "network_sizes", "readout_choice"]


@dataclass(frozen=True)
class PointPlan:
    """One ``(state, n, t)`` point: its working point and readout.

    ``readout_axis`` is the single-qubit measurement axis of the Fisher readout, ``statistic``
    the function of the Hamming weight w it uses (``parity``: ``(-1)^w``; ``mean``:
    ``J = n/2 - w``; ``second_moment``: ``J^2``), ``delta`` the finite-difference step in theta,
    ``sizes`` the sensor sizes of a network state. ``noise_index``: the point's noise setting
    (``spec.noises[noise_index]``, :func:`point_noise`); ``noise_label`` its label when the spec has
    several settings (``None`` with one: records and task keys of such specs keep their shape).
    """

    index: int
    state: str
    n: int
    t: float
    theta: float
    delta: float
    readout_axis: tuple[float, float, float]
    statistic: str
    sizes: tuple[int, ...] | None = None
    #: ``[measure] pi_bell_angles = "optimal"``: ``(phi, theta)`` found by the exact stage (``run.probes``)
    pi_bell_angles: tuple[float, float] | None = None
    noise_index: int = 0
    noise_label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["readout_axis"] = list(self.readout_axis)
        out["sizes"] = None if self.sizes is None else list(self.sizes)
        if self.noise_label is None:  # one noise setting: the point's dict keeps its shape
            del out["noise_index"], out["noise_label"]
        if self.pi_bell_angles is None:
            del out["pi_bell_angles"]  # records of specs with fixed angles keep their shape
        else:
            out["pi_bell_angles"] = list(self.pi_bell_angles)
        return out


def demo_spec() -> ExperimentSpec:
    """The built-in demo: GHZ against product, n = 2..6, local dephasing, two sensing times.

    ``gamma = 0.1`` and ``t = 0.25, 1``: at t = 0.25 GHZ beats the product state for every n;
    at t = 1 the advantage has gone for n >= 4 (entanglement helps only while
    ``t < log N / (4 (N - 1) gamma)``, Takahashi, Ho & Matsueda 2025). Fisher information by the
    method of moments (parity for GHZ, ``J_y`` for the product state, both at their optimal
    working points, where they saturate the QFI under dephasing) and the N-body Bell correlator.
    """
    return ExperimentSpec.from_dict({
        "name": "demo-ghz-vs-product-dephasing",
        "description": "GHZ against |+>^n under local dephasing (seed 003); Fisher information and E_{N,0}.",
        "probe": {"states": ["ghz", "product"], "n": [2, 3, 4, 5, 6]},
        "sensing": {"axis": "z", "theta": "optimal", "t": [0.25, 1.0], "phi": 0.0},
        "noise": {"dephasing": 0.1},
        "measure": {"quantities": ["fisher", "bell"], "fisher_method": "moments"},
        "run": {"shots": 4000, "seed": 2026, "backend": "aer"},
    }, source="<demo>")


def readout_choice(spec: ExperimentSpec, state: str) -> tuple[np.ndarray, str]:
    """(readout axis, statistic) of the Fisher readout of ``state``.

    With ``(e1, e2, xi) = frame(axis)``: the parity of every qubit along e1 for GHZ-like states
    (``<prod sigma_e1>`` oscillates at N theta); the collective spin along e2 for the product
    and symmetric states (spins polarised along e1 turn towards e2); ``J_z^2`` for Dicke states
    (``<J_z> = 0`` for every theta: the information is in the width).
    """
    e1, e2, _ = frame(spec.sensing.axis)
    choice = spec.measure.readout
    if choice == "auto":
        if state in ("ghz", "network"):
            choice = "parity"
        elif state == "dicke":
            return np.array([0.0, 0.0, 1.0]), "second_moment"
        else:
            choice = "collective"
    return (e1, "parity") if choice == "parity" else (e2, "mean")


def network_weights(spec: ExperimentSpec, sizes: Sequence[int]) -> np.ndarray:
    """Per-qubit encoding weights of a network state: ``v / ||v||_2`` repeated over each sensor's qubits."""
    v = np.asarray(spec.probe.weights, dtype=float)
    return np.repeat(v / np.linalg.norm(v), sizes)


def generator(spec: ExperimentSpec, state: str, n: int, sizes: Sequence[int] | None) -> Any:
    """The encoding generator: ``J_axis``, or ``1/2 sum_q w_q sigma_axis^(q)`` for a network (sparse)."""
    import scipy.sparse as sp

    from .. import spin

    if state != "network" or sizes is None:
        return spin.collective(n, spec.sensing.axis)
    single = (2 * spin.collective(1, spec.sensing.axis)).toarray()  # sigma_axis
    total = sp.csr_matrix((1 << n, 1 << n), dtype=complex)
    for q, w in enumerate(network_weights(spec, sizes)):
        if w != 0.0:
            op = sp.kron(sp.identity(1 << (n - q - 1)), sp.kron(single, sp.identity(1 << q)))
            total = total + 0.5 * w * op
    return total.tocsr()


def network_sizes(spec: ExperimentSpec, n: int) -> tuple[int, ...]:
    """Qubits per sensor of a network state on n qubits (linear-function or separable probe)."""
    from ..circuits import linear_function_sizes

    if spec.probe.network == "separable":
        from .probes import separable_network_sizes

        return separable_network_sizes(spec, n)
    return tuple(linear_function_sizes(list(spec.probe.weights or ()), n))


def point_noise(spec: ExperimentSpec, plan: PointPlan) -> NoiseSpec:
    """The noise setting of a point: ``spec.noises[plan.noise_index]``."""
    if not 0 <= plan.noise_index < len(spec.noises):
        raise ValueError(f"point {plan.index} has noise setting {plan.noise_index}, but the spec has "
                         f"{len(spec.noises)}; allowed: 0 <= noise_index < {len(spec.noises)}")
    return spec.noises[plan.noise_index]


def plan_points(spec: ExperimentSpec) -> list[PointPlan]:
    """Plan every point of the spec, in run order (theta0 = 0 or the spec's value until the exact search).

    The points of :meth:`ExperimentSpec.points`: the ``(state, n, t)`` sweep once per noise setting.
    """
    plans = []
    several = len(spec.noises) > 1
    for index, ((state, n, t), k) in enumerate(zip(spec.points(), spec.point_noises())):
        sizes = network_sizes(spec, n) if state == "network" else None
        axis, statistic = readout_choice(spec, state)
        if state == "dicke" and spec.probe.dicke_k(n) > n:
            raise SpecError(f"probe.k: k = {spec.probe.dicke_k(n)} exceeds n = {n}; allowed: 0 <= k <= n")
        scale = n if statistic == "parity" else 1.0
        theta = 0.0 if spec.sensing.theta == "optimal" else float(spec.sensing.theta)
        plans.append(PointPlan(index, state, n, float(t), theta, spec.measure.delta / scale,
                               (float(axis[0]), float(axis[1]), float(axis[2])), statistic, sizes,
                               noise_index=k, noise_label=spec.noise_label(k) if several else None))
    return plans
