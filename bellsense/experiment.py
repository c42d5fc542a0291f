"""The runner: spec -> circuits + exact values -> submitted jobs -> record -> analysis -> plots.

A run has two phases, kept apart so that the command's exit codes mean something:

* :func:`prepare` (can fail with :class:`SetupError`, exit code 2): resolve the backend,
  create the output folder, plan every point (working point, readout) and build every circuit.
  Nothing is written if it fails.
* :func:`execute` (can fail with :class:`RunFailure`, exit code 1): exact reference values,
  submission (the record is written with the job submissions *before* waiting), collection,
  analysis (:func:`bellsense.report.analyse`, a pure function of the record) and plots.

For every ``(state, n, t)`` point the circuits are ``prep + window + [encoding] + setting``:

* ``fisher``: encoding ``exp(-i theta J_axis)`` at ``theta0 + k delta`` with ``k = -1, 0, 1``
  (``-2..2`` for the Hellinger fit), one PUB with the parameter ``theta`` swept, and a
  collective readout;
* ``bell``: the ``n + 1`` Bell settings ``phi_j = pi j / (n + 1)`` (one PUB, ``bell_phi`` swept);
* ``pi_bell``: the three settings of the two-body PI Bell inequality (seed 004);
* ``squeezing``: collective readouts along the three axes of the encoding frame.

The encoding follows the noisy window, so the exact QFI is ``qfi(rho_w, J_axis)`` with
``rho_w`` the state after the window (for ``axis = z`` encoding and window commute with the
noise, PHYSICS.md, and then ``F_Q = G(t) = Q(t)/t^2`` of seed 003).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import record as rec
from .axes import frame
from .errors import RunFailure, SetupError
from .spec import ExperimentSpec, NoiseSettings, SpecError

STATISTICS = ("parity", "mean", "second_moment")
#: Grid points of the working-point search per period of the readout signal.
_THETA_GRID = 24
#: Largest circuit for the exact device-noise comparison (a 4^n density matrix per binding).
DEVICE_EXACT_MAX_QUBITS = 10


# ---------------------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class PointPlan:
    """One ``(state, n, t)`` point: its working point and readout.

    ``readout_axis`` is the single-qubit measurement axis of the Fisher readout, ``statistic``
    the function of the Hamming weight w it uses (``parity``: ``(-1)^w``; ``mean``:
    ``J = n/2 - w``; ``second_moment``: ``J^2``), ``delta`` the finite-difference step in theta.
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

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["readout_axis"] = list(self.readout_axis)
        out["sizes"] = None if self.sizes is None else list(self.sizes)
        return out


def demo_spec() -> ExperimentSpec:
    """The built-in demo: GHZ against product, n = 2..6, local dephasing, two sensing times.

    ``gamma = 0.1`` and ``t = 0.25, 1``: at t = 0.25 GHZ beats the product state for every n;
    at t = 1 the advantage has gone for n >= 4 (entanglement helps only while
    ``t < log N / (4 (N - 1) gamma)``, seed 003). Fisher information by the method of moments
    (parity for GHZ, ``J_y`` for the product state, both at their optimal working points,
    where they saturate the QFI under dephasing) and the N-body Bell correlator.
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


def noise_spec(settings: NoiseSettings):
    """The layer's ``bellsense.noise.NoiseSpec`` for the spec's ``[noise]`` section."""
    from .noise import NoiseSpec

    return NoiseSpec(
        dephasing=settings.dephasing,
        emission=settings.emission,
        emission_direction=settings.emission_direction,
        T1=settings.t1,
        T2=settings.t2,
        kappa=settings.collective,
        readout_p10=settings.readout_error,
        readout_p01=settings.readout_error,
        gate_error_1q=settings.gate_error_1q,
        gate_error_2q=settings.gate_error_2q,
        device=settings.device,
    )


def _default_readout(spec: ExperimentSpec, state: str) -> tuple[np.ndarray, str]:
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


def _generator(spec: ExperimentSpec, state: str, n: int, sizes: Sequence[int] | None):
    """The encoding generator: ``J_axis``, or ``sum_k v_k J_axis^(k)`` (``||v||_2 = 1``) for a network."""
    from . import spin

    if state != "network":
        return spin.collective(n, spec.sensing.axis)
    v = np.asarray(spec.probe.weights, dtype=float)
    v = v / np.linalg.norm(v)
    weights = np.repeat(v, sizes)
    return _weighted_collective(n, spec.sensing.axis, weights)


def _weighted_collective(n: int, axis: str, weights: np.ndarray):
    """``1/2 sum_q w_q sigma_axis^(q)`` (sparse), the generator of a per-qubit encoding."""
    import scipy.sparse as sp

    from . import spin

    total = sp.csr_matrix((1 << n, 1 << n), dtype=complex)
    # sigma_axis^(q) = 2 (J_axis of qubit q alone) embedded: build from the collective of 1 qubit.
    single = (2 * spin.collective(1, axis)).toarray()
    for q, w in enumerate(weights):
        if w != 0.0:
            op = sp.kron(sp.identity(1 << (n - q - 1)), sp.kron(single, sp.identity(1 << q)))
            total = total + 0.5 * w * op
    return total.tocsr()


def _network_sizes(spec: ExperimentSpec, n: int) -> tuple[int, ...]:
    from .circuits import linear_function_sizes

    return tuple(linear_function_sizes(list(spec.probe.weights), n))


def prep_circuit(spec: ExperimentSpec, state: str, n: int):
    """The preparation circuit of ``state`` on n qubits (metadata ``prep``)."""
    from . import circuits

    if state == "ghz":
        return circuits.ghz(n)
    if state == "product":
        return circuits.product(n)
    if state == "dicke":
        return circuits.dicke(n, spec.probe.dicke_k(n))
    if state == "symmetric":
        return circuits.symmetric_state(list(spec.probe.amplitudes))
    if state == "network":
        return circuits.linear_function_state(list(spec.probe.weights), n)
    raise SpecError(f"probe.states: unknown state {state!r}")  # pragma: no cover - the spec guards this


def _window(spec: ExperimentSpec, n: int, t: float):
    from . import circuits

    return circuits.sensing_window(n, t, spec.sensing.phi, "z")


def _encoding(spec: ExperimentSpec, plan_state: str, n: int, theta, sizes):
    from . import circuits

    if plan_state != "network":
        return circuits.phase_encoding(n, theta, spec.sensing.axis)
    v = np.asarray(spec.probe.weights, dtype=float)
    v = v / np.linalg.norm(v)
    return circuits.phase_encoding(n, [theta * float(w) for w in np.repeat(v, sizes)], spec.sensing.axis)


# ------------------------------------------------------------------------------ exact values
def _window_state(spec: ExperimentSpec, state: str, n: int, t: float):
    """Exact density matrix after preparation and the noisy window (Aer, density-matrix method)."""
    from . import circuits, noise
    from .backends import density_matrix

    body = circuits.assemble(prep_circuit(spec, state, n), _window(spec, n, t))
    nspec = noise_spec(dataclasses.replace(spec.noise, device=None))
    body, model = noise.noisy_window(body, nspec, t)
    return density_matrix(body, model)


def _is_pure(spec: ExperimentSpec, t: float) -> bool:
    """Whether the state after the window is pure (readout error acts only at measurement)."""
    noise = spec.noise
    window = (noise.dephasing > 0 or noise.emission > 0 or noise.collective > 0 or noise.t1 is not None) and t > 0
    return not window and noise.gate_error_1q == 0 and noise.gate_error_2q == 0


def _window_vector(spec: ExperimentSpec, state: str, n: int, t: float) -> np.ndarray:
    """Exact state vector after preparation and a noiseless window (no 4^n objects)."""
    from qiskit.quantum_info import Statevector

    from . import circuits

    return Statevector(circuits.assemble(prep_circuit(spec, state, n), _window(spec, n, t))).data


def _basis_change(n: int, axis: np.ndarray):
    from . import circuits

    return circuits.collective_readout(n, axis).remove_final_measurements(inplace=False)


def _readout(n: int, axis: np.ndarray):
    """The Fisher readout as an exact ``Readout``: the basis change as a matrix, Hamming-weight labels."""
    from qiskit.quantum_info import Operator

    from .estimators import Readout, hamming_weights

    return Readout(unitary=Operator(_basis_change(n, axis)).data, labels=hamming_weights(n))


def statistic_values(statistic: str, n: int) -> np.ndarray:
    """The statistic as a function of the Hamming weight w = 0..n."""
    w = np.arange(n + 1)
    j = n / 2.0 - w
    if statistic == "parity":
        return 1.0 - 2.0 * (w % 2)
    if statistic == "mean":
        return j
    if statistic == "second_moment":
        return j**2
    raise ValueError(f"unknown statistic {statistic!r}; allowed: {', '.join(STATISTICS)}")


def fisher_offsets(method: str) -> tuple[int, ...]:
    """Encoding angles of the Fisher PUB, in units of delta around theta0 (the Hellinger fit needs two |delta|)."""
    return (-2, -1, 0, 1, 2) if method == "hellinger" else (-1, 0, 1)


def method_limit(method: str, probs: Sequence[np.ndarray], values: np.ndarray, delta: float) -> float:
    """The exact infinite-shot value of the measured estimator (finite step delta included).

    ``probs`` are the exact Hamming-weight distributions at ``theta0 + k delta`` for the
    offsets k of :func:`fisher_offsets`. This is what the counts estimators of
    ``bellsense.estimators`` converge to with many shots: the same formula without shot noise
    (moments: central-difference slope squared over the variance at theta0; finite
    differences: ``sum_k (p_+ - p_-)^2 / (4 delta^2 p_0)``; Hellinger: the least-squares fit
    ``d_H^2(k delta) = c_0 + F (k delta)^2 / 8``). It differs from the derivative-based
    Fisher information by ``O(delta^2)`` (about 1% at the default step).
    """
    probs = [np.asarray(p, dtype=float) for p in probs]
    if method == "hellinger":
        offsets = np.array(fisher_offsets(method), dtype=float) * delta
        p0 = probs[len(probs) // 2]
        keep = offsets != 0
        dist = np.array([1.0 - np.sum(np.sqrt(np.clip(p0 * p, 0, None))) for p in probs])[keep]
        design = np.stack([np.ones(keep.sum()), offsets[keep] ** 2 / 8.0], axis=1)
        return float(np.linalg.pinv(design)[1] @ dist)
    pm, p0, pp = probs
    if method == "moments":
        mean0 = float(values @ p0)
        var = float((values - mean0) ** 2 @ p0)
        slope = float(values @ pp - values @ pm) / (2 * delta)
        return slope**2 / var if var > 1e-14 else 0.0
    # Outcomes impossible at theta0 are dropped, as the counts estimator drops unseen ones; "impossible"
    # means below _ZERO_OUTCOME, since float round-off leaves ~1e-33 where 0/0 would follow.
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p0 > _ZERO_OUTCOME, (pp - pm) ** 2 / (4 * delta**2 * p0), 0.0)
    return float(terms.sum())


@dataclass(frozen=True)
class _PureFamily:
    """The encoded family ``psi_theta = exp(-i theta h) psi`` of a pure probe, O(n 2^n) per angle.

    Nothing of size 4^n is formed: the encoding and the readout's basis change are products of
    single-qubit rotations applied to the state vector (``Statevector.evolve``), and the
    derivative is ``d psi_theta = -i h psi_theta`` (sparse ``h``). Probabilities of the
    Hamming weight and their analytic derivatives:
    ``p = |R psi_theta|^2``, ``dp = 2 Re[(R psi_theta)^* (R d psi_theta)]``, binned by weight.
    """

    psi: np.ndarray
    gen: Any
    encoding: Any  # theta -> QuantumCircuit of exp(-i theta h)
    basis_change: Any
    weights: np.ndarray

    def distribution(self, theta: float) -> tuple[np.ndarray, np.ndarray]:
        from qiskit.quantum_info import Statevector

        n = self.basis_change.num_qubits
        psi = self.psi if theta == 0.0 else Statevector(self.psi).evolve(self.encoding(theta)).data
        dpsi = -1j * np.asarray(self.gen @ psi)
        phi = Statevector(psi).evolve(self.basis_change).data
        dphi = Statevector(dpsi).evolve(self.basis_change).data
        p = np.bincount(self.weights, weights=np.abs(phi) ** 2, minlength=n + 1)
        dp = np.bincount(self.weights, weights=2.0 * np.real(phi.conj() * dphi), minlength=n + 1)
        return p, dp[None, :]


@dataclass(frozen=True)
class _Family:
    """The encoded family ``rho_theta = exp(-i theta h) rho exp(i theta h)`` read out by one readout.

    ``h`` is diagonalised once (``eigh``), so each angle costs two matrix products instead of a
    fresh eigendecomposition; ``estimators.readout_distribution`` then gives the exact outcome
    probabilities and their analytic derivatives at that angle.
    """

    rho: np.ndarray
    gen: Any
    readout: Any
    evals: np.ndarray
    evecs: np.ndarray

    @classmethod
    def build(cls, rho, gen, readout) -> _Family:
        import scipy.sparse as sp

        dense = gen.toarray() if sp.issparse(gen) else np.asarray(gen)
        evals, evecs = np.linalg.eigh(dense)
        return cls(np.asarray(getattr(rho, "data", rho)), gen, readout, evals, evecs)

    def distribution(self, theta: float) -> tuple[np.ndarray, np.ndarray]:
        from .estimators import readout_distribution

        if theta == 0.0:
            return readout_distribution(self.rho, [self.gen], self.readout, 0.0)
        u = (self.evecs * np.exp(-1j * theta * self.evals)[None, :]) @ self.evecs.conj().T
        return readout_distribution(u @ self.rho @ u.conj().T, [self.gen], self.readout, 0.0)


def _best_theta(method: str, family: _Family | _PureFamily, values: np.ndarray, period: float, delta: float) -> float:
    """Working point maximising the Fisher information the chosen estimator will see.

    * ``moments``: the derivative-based ``(d<M>)^2 / (Var M + eps)``. For a pure probe this is
      often flat in theta (``F = N^2`` for GHZ parity at every theta) while its statistical cost
      is not: where ``Var M -> 0`` the estimate degenerates. ``eps`` (one per cent of the largest
      variance on the grid) picks the best-conditioned point of a flat region and moves a noisy
      probe's optimum by O(eps) only. A bounded scalar search refines the best grid point.
    * ``hellinger``, ``finite_difference``: the estimator's own exact limit with the finite step
      (:func:`method_limit`)
      on a grid that contains 0: a symmetric probe (Dicke) has amplitudes ``~ theta`` and
      probabilities ``~ theta^2`` near 0, so a stencil straddling 0 off-centre would lose
      information, while one centred on 0 measures it exactly.

    Among equal scores (relative 1e-6) the working point closest to 0 wins.
    """
    from scipy.optimize import minimize_scalar

    dist = family.distribution

    if method != "moments":
        offsets = fisher_offsets(method)
        half = int(np.ceil(period / 2 / delta))
        if 2 * half <= 4 * _THETA_GRID:
            # Grid spacing delta: neighbouring stencils share their distributions (one per angle).
            steps = np.arange(-half - max(offsets), half + max(offsets) + 1)
            cache = {int(j): dist(j * delta)[0] for j in steps}
            grid = np.arange(-half, half) * delta
            vals = np.array([method_limit(method, [cache[j + k] for k in offsets], values, delta)
                             for j in range(-half, half)])
        else:
            grid = np.arange(-(_THETA_GRID // 2), _THETA_GRID // 2) * period / _THETA_GRID
            vals = np.array([method_limit(method, [dist(th + k * delta)[0] for k in offsets], values, delta)
                             for th in grid])
        order = np.argsort(np.abs(grid), kind="stable")
        grid, vals = grid[order], vals[order]
        best = 0
        for i in range(1, len(vals)):
            if vals[i] > vals[best] * (1 + 1e-6) + 1e-12:
                best = i
        return float(np.round(grid[best], 9))

    def parts(theta: float) -> tuple[float, float]:
        p, dp = dist(theta)
        mean = float(values @ p)
        return float(values @ dp[0]), float((values - mean) ** 2 @ p)

    # Half-step offset: a symmetric probe's signal is stationary at theta = 0 (0/0 in the moments formula).
    grid = (np.arange(_THETA_GRID) + 0.5) * period / _THETA_GRID - period / 2
    grid = grid[np.argsort(np.abs(grid), kind="stable")]
    table = np.array([parts(th) for th in grid])
    eps = 0.01 * max(float(table[:, 1].max()), 1e-12)
    vals = table[:, 0] ** 2 / (table[:, 1] + eps)
    best = 0
    for i in range(1, len(vals)):
        if vals[i] > vals[best] * (1 + 1e-6) + 1e-12:
            best = i
    step = period / _THETA_GRID

    def negative_score(theta: float) -> float:
        slope, var = parts(theta)
        return -(slope**2) / (var + eps)

    res = minimize_scalar(negative_score, bounds=(grid[best] - step, grid[best] + step),
                          method="bounded", options={"xatol": 1e-7})
    theta = float(res.x) if -res.fun > vals[best] * (1 + 1e-6) else float(grid[best])
    return float(np.round(theta, 9))


#: Outcomes below this probability at the working point make the CFI a 0/0 limit (see _cfi_limit).
_ZERO_OUTCOME = 1e-10
#: Offset at which that limit is evaluated: p ~ (1e-4)^2 stays far above floating-point noise.
_LIMIT_OFFSET = 1e-4


def _cfi_limit(family: _Family | _PureFamily, theta: float) -> float:
    """Exact CFI of the readout at theta, as the continuous limit where an outcome vanishes.

    At a point where an outcome has ``p = 0`` and ``dp = 0`` (a Dicke probe at theta = 0: the
    outcomes ``k != n/2`` have ``p ~ theta^2``) the terms ``dp^2 / p`` are 0/0; their limit is
    finite (it is what the Hellinger estimator measures). There the CFI is the mean of its
    values at ``theta +- 1e-4``, where every term is well conditioned (O(1e-8) relative error).
    """
    from .estimators import cfi

    p, dp = family.distribution(theta)
    if np.min(p) > _ZERO_OUTCOME:
        return float(cfi(p, dp[0]))
    vals = []
    for s in (-1.0, 1.0):
        p, dp = family.distribution(theta + s * _LIMIT_OFFSET)
        vals.append(float(cfi(p, dp[0])))
    return float(np.mean(vals))


def plan_points(spec: ExperimentSpec) -> list[PointPlan]:
    """Plan every point (working point search needs the exact window state: see :func:`exact_point`)."""
    plans = []
    for index, (state, n, t) in enumerate(spec.points()):
        sizes = _network_sizes(spec, n) if state == "network" else None
        axis, statistic = _default_readout(spec, state)
        if state == "dicke" and spec.probe.dicke_k(n) > n:
            raise SpecError(f"probe.k: k = {spec.probe.dicke_k(n)} exceeds n = {n}; allowed: 0 <= k <= n")
        scale = n if statistic == "parity" else 1.0
        theta = 0.0 if spec.sensing.theta == "optimal" else float(spec.sensing.theta)
        plans.append(PointPlan(index, state, n, float(t), theta, spec.measure.delta / scale,
                               tuple(float(a) for a in axis), statistic, sizes))
    return plans


def exact_point(spec: ExperimentSpec, plan: PointPlan) -> tuple[PointPlan, dict[str, Any]]:
    """Exact reference values of a point (and its working point if ``theta = "optimal"``).

    Returns the (possibly updated) plan and ``{"qfi_exact", "cfi_exact", "fisher_exact_method",
    "bell_correlator_exact", "pi_bell_exact", "squeezing_exact"}`` (entries only where measured).
    """
    from . import estimators

    gen = _generator(spec, plan.state, plan.n, plan.sizes)
    if _is_pure(spec, plan.t):
        rho = _window_vector(spec, plan.state, plan.n, plan.t)
        family: Any = _PureFamily(rho, gen, lambda th: _encoding(spec, plan.state, plan.n, th, plan.sizes),
                                  _basis_change(plan.n, np.asarray(plan.readout_axis)),
                                  estimators.hamming_weights(plan.n))
    else:
        rho = _window_state(spec, plan.state, plan.n, plan.t)
        family = _Family.build(rho, gen, _readout(plan.n, np.asarray(plan.readout_axis)))
    values = statistic_values(plan.statistic, plan.n)
    method = spec.measure.fisher_method
    if spec.sensing.theta == "optimal":
        # The Fisher information of a readout is periodic in theta: with period pi/n for a parity
        # (signal ~ cos(n theta); network states oscillate more slowly) and pi for collective
        # moments. The search covers 2 pi/n (parity) or pi (otherwise): at least one period.
        period = 2 * np.pi / plan.n if plan.statistic == "parity" else np.pi
        plan = dataclasses.replace(plan, theta=_best_theta(method, family, values, period, plan.delta))
    out: dict[str, Any] = {"qfi_exact": float(estimators.qfi(rho, gen))}
    out["cfi_exact"] = _cfi_limit(family, plan.theta)
    probs = [family.distribution(plan.theta + k * plan.delta)[0] for k in fisher_offsets(method)]
    out["fisher_exact_method"] = method_limit(method, probs, values, plan.delta)
    quantities = spec.measure.quantities
    if "bell" in quantities:
        out["bell_correlator_exact"] = float(estimators.bell_correlator(rho, list(range(plan.n)), [],
                                                                         axis=spec.sensing.axis))
    if "pi_bell" in quantities:
        phi, theta = spec.measure.pi_bell_angles
        out["pi_bell_exact"] = float(estimators.pi_bell_value(rho, phi, theta))
    if "squeezing" in quantities:
        out["squeezing_exact"] = _squeezing_exact(rho, plan.n, spec.sensing.axis)
    return plan, out


def _squeezing_exact(rho, n: int, axis: str) -> float:
    """Wineland ``xi^2 = N Var(J_xi) / (<J_e1>^2 + <J_e2>^2)`` in the encoding frame (seed 004 eq. 13).

    For ``axis = z`` this is ``estimators.squeezing_parameter``; other axes use the frame of
    ``axes.frame`` (the directions the squeezing readouts measure). ``inf`` without a mean spin.
    """
    from . import estimators, spin

    if axis == "z":
        return float(estimators.squeezing_parameter(rho))
    mat = np.asarray(getattr(rho, "data", rho))
    e1, e2, xi = frame(axis)

    def expect(op) -> float:
        if mat.ndim == 1:
            return float(np.real(np.vdot(mat, op @ mat)))
        return float(np.real(np.sum(op.multiply(mat.T))))

    jx = spin.collective(n, xi)
    var = expect(jx @ jx) - expect(jx) ** 2
    trans = expect(spin.collective(n, e1)) ** 2 + expect(spin.collective(n, e2)) ** 2
    return float(n * var / trans) if trans > 1e-14 else float("inf")


# ---------------------------------------------------------------------------------- circuits
@dataclass(frozen=True)
class CircuitJob:
    """One PUB: a circuit (parameters unbound), its sweep, and per-binding metadata."""

    point: int
    role: str
    circuit: Any
    values: list[list[float]] | None
    binding_metadata: list[dict[str, Any]]

    @property
    def parameters(self) -> list[str]:
        return [p.name for p in self.circuit.parameters]


def _with(meta: dict[str, Any], section: str, **updates: Any) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in meta.items()}
    out[section] = {**out.get(section, {}), **updates}
    return out


def point_circuits(spec: ExperimentSpec, plan: PointPlan) -> list[CircuitJob]:
    """Every PUB of one point (see the module docstring)."""
    from . import circuits
    from .circuits import BELL_PHI, THETA

    n, t = plan.n, plan.t
    prep = prep_circuit(spec, plan.state, n)
    window = _window(spec, n, t)
    jobs: list[CircuitJob] = []
    quantities = spec.measure.quantities
    if "fisher" in quantities:
        circ = circuits.assemble(prep, window, _encoding(spec, plan.state, n, THETA, plan.sizes),
                                 circuits.collective_readout(n, list(plan.readout_axis)))
        thetas = [plan.theta + k * plan.delta for k in fisher_offsets(spec.measure.fisher_method)]
        metas = [_with(circ.metadata, "encoding", theta=th) for th in thetas]
        jobs.append(CircuitJob(plan.index, "fisher", circ, [[th] for th in thetas], metas))
    if "bell" in quantities:
        num = n + 1
        circ = circuits.assemble(prep, window, circuits.bell_setting(n, BELL_PHI, axis=spec.sensing.axis,
                                                                     num_phases=num))
        phases = circuits.bell_phases(n, num)
        metas = [_with(circ.metadata, "setting", phi=float(ph), index=j, num_phases=num)
                 for j, ph in enumerate(phases)]
        jobs.append(CircuitJob(plan.index, "bell", circ, [[float(ph)] for ph in phases], metas))
    if "pi_bell" in quantities:
        phi, theta = spec.measure.pi_bell_angles
        for setting in circuits.pi_bell_settings(n, phi, theta):
            circ = circuits.assemble(prep, window, setting)
            jobs.append(CircuitJob(plan.index, "pi_bell", circ, None, [circ.metadata]))
    if "squeezing" in quantities:
        for axis in frame(spec.sensing.axis):
            circ = circuits.assemble(prep, window, circuits.collective_readout(n, list(axis)))
            jobs.append(CircuitJob(plan.index, "squeezing", circ, None, [circ.metadata]))
    return jobs


# ------------------------------------------------------------------------------- run phases
@dataclass(frozen=True)
class Prepared:
    """Everything :func:`execute` needs; built by :func:`prepare` without writing anything."""

    spec: ExperimentSpec
    target: Any
    out_dir: Path
    plans: tuple[PointPlan, ...]
    source: str | None = None
    created_dir: bool = False


@dataclass(frozen=True)
class RunResult:
    """A finished (or submitted) run: the record's path and content, and the plots written."""

    record_path: Path
    record: dict[str, Any]
    plots: tuple[Path, ...] = field(default=())

    @property
    def points(self) -> list[dict[str, Any]]:
        return self.record.get("points", [])


def _timestamped(base: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = base / stamp
    k = 1
    while path.exists():
        path = base / f"{stamp}-{k}"
        k += 1
    return path


def _check_out_dir(out_dir: Path | None) -> tuple[Path, bool]:
    """Create (or accept) the output folder and check that it is writable, without leaving files."""
    path = Path(out_dir) if out_dir is not None else _timestamped(Path.cwd() / "bellsense-runs")
    if path.exists() and not path.is_dir():
        raise SetupError(f"--out {path}: exists and is not a folder")
    if (path / rec.RECORD_NAME).exists():
        raise SetupError(f"--out {path}: already holds a {rec.RECORD_NAME}; choose a new folder")
    existed = path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".bellsense-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise SetupError(f"--out {path}: not writable ({exc.strerror or exc})") from None
    return path, not existed


def _remove_created(prepared: Prepared) -> None:
    if prepared.created_dir:
        try:
            prepared.out_dir.rmdir()  # only if still empty
        except OSError:
            pass


def prepare(spec: ExperimentSpec, out_dir: str | Path | None = None, *, source: Any = None) -> Prepared:
    """Validate everything that can be checked before running; write nothing on failure.

    Raises
    ------
    SetupError
        For a bad spec value found while planning (e.g. a network size that does not split),
        an unknown backend, missing credentials or an unwritable output folder.
    """
    from . import backends

    if not isinstance(spec, ExperimentSpec):
        raise SetupError(f"spec must be an ExperimentSpec, got {type(spec).__name__}")
    if spec.noise.device is not None:
        # A device's noise model acts on the device's own gates and qubits: the circuits must be
        # transpiled to it, which is exactly the fake-device backend (Aer with the device noise).
        if spec.run.backend not in ("aer", spec.noise.device):
            raise SetupError(f"noise.device = {spec.noise.device!r} but run.backend = {spec.run.backend!r}; "
                             f"allowed: the same device, or backend 'aer' (then the device's noise model is used)")
        spec = spec.with_overrides(backend=spec.noise.device)
    try:
        options = {}
        if spec.run.backend.startswith(("fake_", "ibm")):
            options = {"dynamical_decoupling": spec.run.dynamical_decoupling, "twirling": spec.run.twirling}
            if spec.run.time_unit is not None:
                options["time_unit"] = spec.run.time_unit
        target = backends.resolve_backend(spec.run.backend, **options)
    except backends.CredentialsError as exc:
        raise SetupError(str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise SetupError(f"run.backend: {exc}") from None
    try:
        plans = plan_points(spec)
        for plan in plans:  # build once: any bad combination surfaces now, not mid-run
            point_circuits(spec, plan)
    except (ValueError, TypeError) as exc:
        raise SetupError(str(exc)) from None
    path, created = _check_out_dir(out_dir)
    return Prepared(spec, target, path, tuple(plans), None if source is None else str(source), created)


def _record_skeleton(prepared: Prepared) -> dict[str, Any]:
    return {
        "format": rec.FORMAT,
        "format_version": rec.FORMAT_VERSION,
        "status": "submitted",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **rec.versions(),
        "spec": prepared.spec.to_dict(),
        "spec_source": prepared.source,
        "backend": prepared.target.to_dict(),
        "jobs": [],
        "layout": None,
        "calibration": None,
        "exact": [],
        "circuits": [],
        "points": [],
        "missing": [],
    }


def _groups(prepared: Prepared, jobs: list[CircuitJob]) -> list[tuple[dict[str, Any], list[int]]]:
    """PUB groups sharing one submission: per (n, t) on Aer (the window noise depends on both),
    everything in one submission on devices (their noise is the device's own)."""
    if prepared.target.kind != "aer":
        return [({"n": None, "t": None}, list(range(len(jobs))))]
    plans = {p.index: p for p in prepared.plans}
    keys: dict[tuple[int, float], list[int]] = {}
    for i, job in enumerate(jobs):
        plan = plans[job.point]
        keys.setdefault((plan.n, plan.t), []).append(i)
    return [({"n": n, "t": t}, idx) for (n, t), idx in keys.items()]


def _aer_group_inputs(spec: ExperimentSpec, group: dict[str, Any], circuits: list[Any]) -> tuple[list[Any], Any]:
    from . import noise

    nspec = noise_spec(spec.noise)
    out = []
    model = None
    for circ in circuits:
        circ, model = noise.noisy_window(circ, nspec, group["t"])
        out.append(circ)
    return out, model


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc="bellsense", unit="step", leave=False,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}")


def execute(prepared: Prepared, *, progress: bool = True, plots: bool = True,
            stop_after_submit: bool = False) -> RunResult:
    """Run a prepared experiment: exact values, submission, record, collection, analysis, plots.

    ``stop_after_submit`` returns right after the record with the submissions is written (what
    an interrupted run leaves behind; :func:`fetch` completes it).

    Raises
    ------
    RunFailure
        Any failure after preparation; a record already written stays for ``fetch``.
    """
    spec = prepared.spec
    path = prepared.out_dir / rec.RECORD_NAME
    record = _record_skeleton(prepared)
    written = False
    try:
        with _progress(len(prepared.plans) + 2, progress) as bar:
            plans = []
            # On a device the spec's [noise] does not act (the device's own noise does): the exact
            # reference is then noiseless, and the device-noise values come with the submission.
            exact_spec = spec if prepared.target.kind == "aer" else dataclasses.replace(spec, noise=NoiseSettings())
            record["exact_noise"] = "spec" if prepared.target.kind == "aer" else "none (device run)"
            for plan in prepared.plans:
                bar.set_postfix_str(f"exact {plan.state} n={plan.n} t={plan.t:g}")
                plan, exact = exact_point(exact_spec, plan)
                plans.append(plan)
                record["exact"].append({**plan.to_dict(), **exact})
                bar.update(1)
            prepared = dataclasses.replace(prepared, plans=tuple(plans))
            jobs = [job for plan in plans for job in point_circuits(spec, plan)]
            bar.set_postfix_str("submitting")
            submissions = _submit_all(prepared, jobs, record)
            rec.write(path, record)  # the job record first: nothing submitted is ever lost
            written = True
            bar.update(1)
            if stop_after_submit:
                return RunResult(path, record)
            bar.set_postfix_str("collecting")
            _collect_all(prepared.target, spec, submissions, record)
            bar.update(1)
        return _finish(record, path, plots)
    except (SetupError, RunFailure):
        raise
    except Exception as exc:  # one line for the user; the record (if written) stays for fetch
        if not written:
            _remove_created(prepared)
        if os.environ.get("BELLSENSE_DEBUG"):
            raise
        raise RunFailure(f"{type(exc).__name__}: {exc}") from exc


def _submit_all(prepared: Prepared, jobs: list[CircuitJob], record: dict[str, Any]) -> list[Any]:
    from . import backends

    spec = prepared.spec
    target = prepared.target
    submissions = []
    for g, (group, indices) in enumerate(_groups(prepared, jobs)):
        circs = [jobs[i].circuit for i in indices]
        model = None
        layout = None
        if target.kind == "aer":
            circs, model = _aer_group_inputs(spec, group, circs)
        else:
            circs, layout = backends.prepare_circuits(target, circs)
            _device_exact(target, spec, [jobs[i] for i in indices], circs, record)
        pubs = [(c, jobs[i].values) if jobs[i].values is not None else (c,) for c, i in zip(circs, indices)]
        options = None
        if target.kind != "aer":
            options = {"dynamical_decoupling": spec.run.dynamical_decoupling, "twirling": spec.run.twirling}
        submission = backends.submit(target, pubs, shots=spec.run.shots, seed=spec.run.seed,
                                     noise_model=model, options=options)
        submissions.append(submission)
        record["jobs"].append({**group, "submission": submission.to_dict()})
        if layout is not None:
            record["layout"] = rec.to_json_safe(layout)
        for pos, i in enumerate(indices):
            job = jobs[i]
            record["circuits"].append({
                "job": g,
                "pub": pos,
                "point": job.point,
                "role": job.role,
                "metadata": job.circuit.metadata,
                "parameters": job.parameters,
                "status": "SUBMITTED",
                "error": None,
                "bindings": [{"values": None if job.values is None else job.values[b], "metadata": meta,
                              "counts": None} for b, meta in enumerate(job.binding_metadata)],
            })
    return submissions


def _device_exact(target: Any, spec: ExperimentSpec, jobs: list[CircuitJob], isa: list[Any],
                  record: dict[str, Any]) -> None:
    """Exact values under the device's own noise model (issue 6: measured, noiseless-exact and
    device-noise-exact side by side), from ``backends.device_probabilities`` of the ISA circuits.

    Stored per point as ``record["exact"][i]["device"]``: ``fisher_exact_method`` (the
    estimator's infinite-shot limit on the exact noisy Hamming-weight distributions) and
    ``bell_correlator_exact`` (the Fourier formula on the exact noisy parities). Circuits of more
    than :data:`DEVICE_EXACT_MAX_QUBITS` qubits, or that the exact simulation cannot handle,
    are skipped (the entry says why).
    """
    from . import backends
    from .estimators import hamming_weights

    exact = {e["index"]: e for e in record["exact"]}
    for job, circ in zip(jobs, isa):
        entry = exact[job.point].setdefault("device", {})
        if job.circuit.num_qubits > DEVICE_EXACT_MAX_QUBITS:
            entry["skipped"] = (f"n = {job.circuit.num_qubits} > {DEVICE_EXACT_MAX_QUBITS}: the exact device-noise "
                                "density matrix (4^n per binding) would cost more than the run itself")
            continue
        try:
            probs = np.atleast_2d(backends.device_probabilities(target, circ, job.values))
        except Exception as exc:  # an optional comparison: never fatal (too many qubits, no noise model, ...)
            entry["skipped"] = f"{type(exc).__name__}: {exc}"
            continue
        n = int(job.circuit.num_qubits)
        weights = hamming_weights(n)
        if job.role == "fisher":
            hist = [np.bincount(weights, weights=p, minlength=n + 1) for p in probs]
            plan = exact[job.point]
            entry["fisher_exact_method"] = method_limit(spec.measure.fisher_method, hist,
                                                        statistic_values(plan["statistic"], n), plan["delta"])
        elif job.role == "bell":
            parity = 1.0 - 2.0 * (weights % 2)
            means = probs @ parity
            phases = np.array([m["setting"]["phi"] for m in job.binding_metadata], dtype=float)
            c = np.mean(np.exp(1j * n * phases) * means)
            entry["bell_correlator_exact"] = float(abs(c) ** 2)


def _collect_all(target: Any, spec: ExperimentSpec, submissions: list[Any], record: dict[str, Any]) -> None:
    from . import backends

    for g, submission in enumerate(submissions):
        model = None
        if target.kind == "aer":
            model = _aer_model(spec, record["jobs"][g])
        outcomes = backends.collect(target, submission, noise_model=model)
        for entry in record["circuits"]:
            if entry["job"] != g:
                continue
            out = outcomes[entry["pub"]]
            entry["status"] = out.status
            entry["error"] = out.error
            if out.ok:
                for binding, counts in zip(entry["bindings"], out.counts()):
                    binding["counts"] = {k: int(v) for k, v in counts.items()}
        if outcomes.calibration is not None:
            record["calibration"] = rec.to_json_safe(outcomes.calibration.to_dict())
        elif outcomes.calibration_error:
            record["calibration"] = {"error": outcomes.calibration_error}


def _aer_model(spec: ExperimentSpec, group: dict[str, Any]):
    from . import noise

    return noise.window_noise_model(noise_spec(spec.noise), group["n"], group["t"])


def _finish(record: dict[str, Any], path: Path, plots: bool) -> RunResult:
    from . import report

    record["points"] = report.analyse(record)
    record["missing"] = report.missing(record)
    record["status"] = "complete" if not record["missing"] else "incomplete"
    rec.write(path, record)
    written: tuple[Path, ...] = ()
    if plots:
        from .plots import plot_all

        written = tuple(plot_all(record["points"], path.parent))
    return RunResult(path, record, written)


def run_experiment(spec: ExperimentSpec, out_dir: str | Path | None = None, *, progress: bool = False,
                   plots: bool = True) -> RunResult:
    """Python entry point: :func:`prepare` then :func:`execute` (``bellsense run`` without the table)."""
    return execute(prepare(spec, out_dir), progress=progress, plots=plots)


# ------------------------------------------------------------------------------ fetch/status
def _read(path: str | Path) -> tuple[Path, dict[str, Any]]:
    path = Path(path)
    if path.is_dir():
        path = path / rec.RECORD_NAME
    try:
        return path, rec.read(path)
    except ValueError as exc:
        raise SetupError(str(exc)) from None


def _submissions(record: dict[str, Any]) -> list[Any]:
    from .backends import Submission

    try:
        return [Submission.from_dict(job["submission"]) for job in record["jobs"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise SetupError(f"record has no usable job submissions ({exc})") from None


def fetch(path: str | Path, *, progress: bool = True, plots: bool = True) -> RunResult:
    """Complete a run from its record: collect every stored submission, analyse, write, plot.

    Local-mode jobs (Aer, fake devices) of an earlier process are re-executed with the stored
    circuits and seed, so the counts equal those of an uninterrupted run.
    """
    from .backends.jobs import target_for

    path, record = _read(path)
    spec = ExperimentSpec.from_dict(record["spec"], source=str(path))
    submissions = _submissions(record)
    if not submissions:
        raise SetupError(f"{path}: the record holds no job submissions")
    try:
        target = target_for(submissions[0])
    except Exception as exc:  # credentials or unknown device: a setup problem
        raise SetupError(f"{path}: cannot reach backend {record['backend'].get('name')!r}: {exc}") from None
    try:
        with _progress(1, progress) as bar:
            _collect_all(target, spec, submissions, record)
            bar.update(1)
        return _finish(record, path, plots)
    except Exception as exc:
        if os.environ.get("BELLSENSE_DEBUG"):
            raise
        raise RunFailure(f"{type(exc).__name__}: {exc}") from exc


def status_lines(path: str | Path) -> list[str]:
    """One line per job of a record: group, job id, status, PUBs."""
    from .backends import job_statuses
    from .backends.jobs import target_for

    path, record = _read(path)
    lines = [f"{path}: status {record.get('status')}, backend {record.get('backend', {}).get('name')}"]
    submissions = _submissions(record)
    if not submissions:
        return lines + ["no jobs"]
    try:
        target = target_for(submissions[0])
    except Exception as exc:
        raise SetupError(f"{path}: cannot reach backend {record['backend'].get('name')!r}: {exc}") from None
    for g, submission in enumerate(submissions):
        for row in job_statuses(target, submission):
            kind = "calibration" if row.get("calibration") else f"{len(row['pubs'])} PUBs"
            lines.append(f"group {g}: job {row['job_id']}  {row['status']}  ({kind})")
    return lines

