"""The probes that the spec's ``[probe]`` builds from a model or a recipe: model ground states, the
separable network probe, and the optimal angles of the PI Bell settings.

* ``lmg`` (``H = (J/N) S_z^2 - h S_x``, Marconi, Riera-Campeny, Sanpera & Aloy, arXiv:2202.12079 (2022),
  eq. 4) and ``two_mode`` (``H = -J_x + (U/N) J_z^2``, Niezgoda & Chwedeńczuk, PRL 126, 210506 (2021),
  arXiv:2006.15078, eq. 30): symmetric ground states (``bellsense.models``), prepared from their Dicke
  amplitudes by ``circuits.symmetric_state`` and evolved exactly by the permutation-invariant engine;
* ``ising`` (open chain ``H = U sum_j Z_j Z_{j+1} - h sum_j X_j``, same paper): not permutation-symmetric,
  prepared by a generic ``StatePreparation`` (n <= 8) and evaluated on the dense path;
* ``network = "separable"``: a GHZ state in each sensor with ``circuits.separable_sizes`` (Proctor, Knott &
  Dunningham, PRL 120, 080501 (2018), arXiv:1702.04271), the best sensor-separable probe of ``theta = v . phi``;
* ``pi_bell_angles = "optimal"``: ``estimators.pi_bell_minimum`` (grid then local polish) of the exact window state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SpecError
from ..pistate import PIState
from ..spec import ExperimentSpec

__all__ = ["MODEL_STATES", "SYMMETRIC_MODELS", "model_amplitudes", "ising_vector", "model_prep", "model_pi_state",
           "is_separable_network", "separable_network_sizes", "separable_network_prep", "optimal_pi_bell",
           "pi_bell_angles"]

#: Model ground states of ``[probe]`` (``spec_models.MODEL_KEYS``); the symmetric ones go through the PI engine.
MODEL_STATES = ("lmg", "two_mode", "ising")
SYMMETRIC_MODELS = ("lmg", "two_mode")
#: Gates of the decomposed ``StatePreparation`` (those the noise model's gate errors act on).
_BASIS = ["u", "cx"]


def _params(spec: ExperimentSpec, state: str) -> tuple[float, float]:
    coupling, field = spec.probe.coupling, spec.probe.field
    if coupling is None or (state != "two_mode" and field is None):
        raise SpecError(f"probe.coupling: state {state!r} needs its parameters; allowed: coupling (and field)")
    return float(coupling), float(field or 0.0)


def model_amplitudes(spec: ExperimentSpec, state: str, n: int) -> np.ndarray:
    """Dicke amplitudes ``a_0..a_n`` of the ``lmg`` or ``two_mode`` ground state for the spec's parameters."""
    from .. import models

    coupling, field = _params(spec, state)
    if state == "lmg":
        return models.lmg_ground_state(n, coupling, field)
    if state == "two_mode":
        return models.two_mode_ground_state(n, coupling)
    raise ValueError(f"state {state!r} is not a symmetric model; allowed: {', '.join(SYMMETRIC_MODELS)}")


def ising_vector(spec: ExperimentSpec, n: int) -> np.ndarray:
    """The open Ising chain's ground state (2^n, Qiskit order) for the spec's coupling and field."""
    from .. import models

    coupling, field = _params(spec, "ising")
    return models.ising_ground_state(n, coupling, field)


def model_prep(spec: ExperimentSpec, state: str, n: int) -> Any:
    """The preparation circuit of a model ground state (metadata ``prep``: state, n, parameters)."""
    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit.library import StatePreparation

    from .. import circuits

    coupling, field = _params(spec, state)
    if state in SYMMETRIC_MODELS:
        qc = circuits.symmetric_state(list(model_amplitudes(spec, state, n)))
    elif state == "ising":
        body = QuantumCircuit(n)
        body.append(StatePreparation(ising_vector(spec, n)), range(n))
        # decomposed here: the noise model's gate errors and every backend see ordinary gates
        qc = transpile(body, basis_gates=_BASIS, optimization_level=1)
    else:
        raise ValueError(f"state {state!r} is not a model ground state; allowed: {', '.join(MODEL_STATES)}")
    qc.name = f"{state}_{n}"
    qc.metadata = {"prep": {"state": state, "n": int(n), "coupling": coupling,
                            **({} if state == "two_mode" else {"field": field})}}
    return qc


def model_pi_state(spec: ExperimentSpec, state: str, n: int) -> PIState:
    """The ``lmg`` or ``two_mode`` ground state as a ``PIState`` (for ``noise.evolve``)."""
    return PIState.from_dicke(model_amplitudes(spec, state, n))


def is_separable_network(spec: ExperimentSpec, state: str) -> bool:
    """Whether ``state`` is the separable network probe (``[probe] network = "separable"``)."""
    return state == "network" and spec.probe.network == "separable"


def separable_network_sizes(spec: ExperimentSpec, n: int) -> tuple[int, ...]:
    """Qubits per sensor of the separable probe: ``w_k ∝ |v_k|^{2/3}`` rounded (``circuits.separable_sizes``)."""
    from ..circuits import separable_sizes

    return tuple(separable_sizes(list(spec.probe.weights or ()), n))


def separable_network_prep(spec: ExperimentSpec, n: int) -> Any:
    """A GHZ state in each sensor (``circuits.sensor_network``); sensors with ``v_k = 0`` hold no qubit."""
    from .. import circuits

    sizes = separable_network_sizes(spec, n)
    qc = circuits.sensor_network([s for s in sizes if s > 0], n)
    qc.metadata["prep"]["sizes"] = list(sizes)
    return qc


def optimal_pi_bell(state: Any) -> tuple[float, float, float]:
    """``(value, phi, theta)`` of the global minimum of the PI Bell value of an exact state.

    ``state``: a ``PIState``, or a qubit-basis vector / density matrix (``estimators.pi_bell_minimum``).
    """
    from .. import estimators

    exact = state if isinstance(state, PIState) else np.asarray(getattr(state, "data", state))
    best = estimators.pi_bell_minimum(exact)
    return float(best.value), float(best.phi), float(best.theta)


def pi_bell_angles(spec: ExperimentSpec, plan: Any) -> tuple[float, float] | None:
    """The PI Bell angles of a point: the spec's pair, the plan's optimal pair, or None (not known yet)."""
    angles = spec.measure.pi_bell_angles
    if angles == "optimal":
        return getattr(plan, "pi_bell_angles", None)
    if angles is None or isinstance(angles, str):
        return None
    return float(angles[0]), float(angles[1])
