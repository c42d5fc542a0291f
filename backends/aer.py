"""Aer execution: exact noisy states and probabilities, seeded sampling, method choice.

Everything here runs real ``qiskit_aer`` simulations:

* :func:`density_matrix` / :func:`density_matrices` -- the exact (noisy) state of a circuit
  without measurements, through ``save_density_matrix`` on the ``density_matrix`` method;
* :func:`probabilities` -- exact outcome probabilities (no shot noise) through
  ``save_probabilities``, little-endian index (qubit 0 is the least significant bit);
* :func:`aer_sampler` / :func:`sample_counts` -- a seeded ``qiskit_aer.primitives.SamplerV2``;
  a PUB ``(circuit, parameter_values)`` runs its whole parameter sweep in one Aer call
  (Aer binds the sweep with ``parameter_binds``, no re-transpilation per point);
* :func:`choose_method` -- statevector / density_matrix / matrix_product_state from the size
  and the noise, with a ``ValueError`` stating the memory a forced method needs.

Noise enters either as a ``qiskit_aer.noise.NoiseModel`` (errors attached to instruction labels,
e.g. the ``"sensing_window"`` RZ gates) or as ``QuantumError`` instructions placed in the circuit
(e.g. ``bellsense.noise.apply_collective``). Both are honoured by every function here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel
from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

from .frames import FrameSampler
from .methods import (
    METHODS,
    SimulationChoice,
    _check_method,
    available_memory,
    choose_method,
    circuits_choice,
    is_noisy,
    memory_needed,
    readout_safe,
    simulation_choice,
)

__all__ = [
    "METHODS",
    "memory_needed",
    "available_memory",
    "choose_method",
    "simulation_choice",
    "circuits_choice",
    "SimulationChoice",
    "density_matrix",
    "density_matrices",
    "probabilities",
    "aer_sampler",
    "sample_counts",
]

# The method decision and the memory model live in methods.py (re-exported here).

# ---------------------------------------------------------------------------------------------
# circuits in, exact results out
# ---------------------------------------------------------------------------------------------


def _bind(circuit: QuantumCircuit, parameter_values: Any) -> QuantumCircuit:
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(f"circuit must be a qiskit QuantumCircuit, got {type(circuit).__name__}")
    if parameter_values is None:
        if circuit.num_parameters:
            names = ", ".join(p.name for p in circuit.parameters)
            raise ValueError(f"circuit has unbound parameters ({names}); pass parameter_values")
        return circuit
    if isinstance(parameter_values, Mapping):
        return circuit.assign_parameters(parameter_values)
    vals = np.asarray(parameter_values, dtype=float).reshape(-1)
    if vals.size != circuit.num_parameters:
        raise ValueError(
            f"got {vals.size} parameter values for {circuit.num_parameters} parameters "
            f"({', '.join(p.name for p in circuit.parameters)}); give one value each, in circuit.parameters order, "
            "or a {Parameter: value} mapping"
        )
    return circuit.assign_parameters(vals)


def _check_noise_model(noise_model: NoiseModel | None) -> None:
    if noise_model is not None and not isinstance(noise_model, NoiseModel):
        raise TypeError(f"noise_model must be a qiskit_aer.noise.NoiseModel or None, got {type(noise_model).__name__}")


def _run(circuits: list[QuantumCircuit], noise_model: NoiseModel | None, method: str) -> Any:
    sim = AerSimulator(method=method, noise_model=noise_model)
    result = sim.run(circuits, shots=1).result()
    if not result.success:
        raise RuntimeError(f"Aer simulation failed: {result.status}")
    return result


def density_matrices(
    circuits: Sequence[QuantumCircuit],
    noise_model: NoiseModel | None = None,
    parameter_values: Sequence[Any] | None = None,
    *,
    max_memory: int | None = None,
) -> list[DensityMatrix]:
    """Exact (noisy) density matrices of several measurement-free circuits, in ONE Aer run.

    Parameters
    ----------
    circuits : sequence of QuantumCircuit
        Circuits without measurements (they may hold ``QuantumError`` instructions).
    noise_model : NoiseModel, optional
        Shared by all circuits (e.g. from ``bellsense.noise.window_noise_model``).
    parameter_values : sequence, optional
        One entry per circuit (None, a mapping, or values in ``circuit.parameters`` order).
    max_memory : int, optional
        Memory budget in bytes for the method check.

    Returns
    -------
    list of DensityMatrix
        Qiskit (little-endian) qubit order.
    """
    circuits = list(circuits)
    if not circuits:
        raise ValueError("need at least one circuit")
    _check_noise_model(noise_model)
    if parameter_values is None:
        parameter_values = [None] * len(circuits)
    if len(parameter_values) != len(circuits):
        raise ValueError(f"got {len(parameter_values)} parameter_values entries for {len(circuits)} circuits")
    bound = []
    for circ, vals in zip(circuits, parameter_values):
        circ = _bind(circ, vals)
        if any(inst.operation.name == "measure" for inst in circ.data):
            raise ValueError(
                "density_matrix needs a circuit without measurements; remove them "
                "(circuit.remove_final_measurements(inplace=False)) or use probabilities()"
            )
        choose_method(circ.num_qubits, True, exact=True, method="density_matrix", max_memory=max_memory)
        circ = circ.copy()
        circ.save_density_matrix(label="rho")
        bound.append(circ)
    result = _run(bound, noise_model, "density_matrix")
    return [DensityMatrix(np.asarray(result.data(i)["rho"])) for i in range(len(bound))]


def density_matrix(
    circuit: QuantumCircuit,
    noise_model: NoiseModel | None = None,
    parameter_values: Any = None,
    *,
    max_memory: int | None = None,
) -> DensityMatrix:
    """Exact (noisy) density matrix of a circuit without measurements (``save_density_matrix``).

    Examples
    --------
    The seed-003 sensing experiment under dephasing: prepare, window, then read rho::

        rho = density_matrix(circuit, noise.window_noise_model(NoiseSpec(dephasing=g), n, t))

    Raises
    ------
    ValueError
        If the circuit measures, has unbound parameters, or its 4^n density matrix does not fit
        (the message gives 16 bytes x 4^n).
    """
    return density_matrices([circuit], noise_model, [parameter_values], max_memory=max_memory)[0]


def _measured_qubits(circuit: QuantumCircuit) -> list[int]:
    """Qubit measured into each classical bit, in classical-bit order (all qubits if none measured)."""
    by_clbit: dict[int, int] = {}
    for inst in circuit.data:
        if inst.operation.name == "measure":
            by_clbit[circuit.find_bit(inst.clbits[0]).index] = circuit.find_bit(inst.qubits[0]).index
    if not by_clbit:
        return list(range(circuit.num_qubits))
    return [by_clbit[c] for c in sorted(by_clbit)]


def probabilities(
    circuit: QuantumCircuit,
    noise_model: NoiseModel | None = None,
    parameter_values: Any = None,
    *,
    method: str | None = None,
    max_memory: int | None = None,
) -> np.ndarray:
    """Exact outcome probabilities (no shot noise) via ``save_probabilities``.

    Final measurements are removed and the probabilities of the measured qubits are saved, in
    classical-bit order; index ``i`` is the outcome whose bit c is ``(i >> c) & 1`` (little-endian,
    as in counts keys). A circuit without measurements gives the 2^n computational-basis
    probabilities. Readout error in ``noise_model`` is NOT applied (it acts at ``measure``).

    Returns
    -------
    ndarray, shape (2^m,)
        m = number of measured qubits.
    """
    _check_noise_model(noise_model)
    circ = _bind(circuit, parameter_values)
    qubits = _measured_qubits(circ)
    body = circ.remove_final_measurements(inplace=False)
    if any(inst.operation.name == "measure" for inst in body.data):
        raise ValueError("probabilities needs measurements only at the end of the circuit (mid-circuit measure found)")
    noisy = is_noisy([body], noise_model)
    method = choose_method(body.num_qubits, noisy, exact=True, method=method, max_memory=max_memory)
    body.save_probabilities(qubits, label="probs")
    result = _run([body], noise_model, method)
    probs = np.asarray(result.data(0)["probs"], dtype=float)
    return probs


# ---------------------------------------------------------------------------------------------
# sampling
# ---------------------------------------------------------------------------------------------


def aer_sampler(
    noise_model: NoiseModel | None = None,
    method: str | None = None,
    seed: int | None = None,
    *,
    num_qubits: int | None = None,
    default_shots: int = 1024,
    max_memory: int | None = None,
    choice: SimulationChoice | None = None,
) -> AerSamplerV2 | FrameSampler:
    """A seeded ``qiskit_aer.primitives.SamplerV2`` (a ``BaseSamplerV2``).

    Submit one PUB ``(circuit, parameter_values)`` per setting: Aer runs the whole sweep of that
    PUB in one simulator call (``parameter_binds``). The sampler does not transpile: circuits
    must use gates Aer knows (the bellsense circuits do).

    Parameters
    ----------
    noise_model : NoiseModel, optional
    method : str, optional
        One of :data:`METHODS`; default: chosen by :func:`choose_method` when ``num_qubits`` is
        given, else Aer's ``"automatic"``.
    seed : int, optional
        ``seed_simulator``: equal seeds give equal counts.
    num_qubits : int, optional
        Size of the circuits to be run, for the method choice (:func:`simulation_choice`) and
        memory check. A noisy statevector run then uses Aer's shot branching, unless the noise
        model acts on ``measure`` (shot branching drops readout errors once noise has branched).
    default_shots : int
    choice : SimulationChoice, optional
        A decision already made (:func:`circuits_choice`); overrides ``method`` and ``num_qubits``.
        With ``choice.frames`` the sampler is a :class:`~bellsense.backends.frames.FrameSampler`
        (GHZ under local dephasing as the exact two-frame mixture).
    """
    _check_noise_model(noise_model)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    if isinstance(default_shots, bool) or not isinstance(default_shots, (int, np.integer)) or default_shots < 1:
        raise ValueError(f"default_shots must be a positive int, got {default_shots!r}")
    if choice is None and num_qubits is not None:
        noisy = noise_model is not None and not noise_model.is_ideal()
        choice = readout_safe(simulation_choice(num_qubits, noisy, method=method, max_memory=max_memory), noise_model)
    if choice is not None and choice.frames:
        return FrameSampler(noise_model, choice.method, None if seed is None else int(seed),
                            default_shots=int(default_shots))
    if choice is not None:
        method = choice.method
    elif method is not None:
        _check_method(method)
    backend_options: dict[str, Any] = {"method": method or "automatic"}
    if choice is not None and choice.shot_branching:
        backend_options.update(shot_branching_enable=True, shot_branching_sampling_enable=True)
    if noise_model is not None:
        backend_options["noise_model"] = noise_model
    return AerSamplerV2(
        default_shots=int(default_shots),
        seed=None if seed is None else int(seed),
        options={"backend_options": backend_options},
    )


def sample_counts(
    circuit: QuantumCircuit,
    shots: int,
    noise_model: NoiseModel | None = None,
    parameter_values: Any = None,
    *,
    seed: int | None = None,
    method: str | None = None,
    register: str = "meas",
) -> dict[str, int] | list[dict[str, int]]:
    """Counts of one measuring circuit (or of a whole sweep) in one sampler call.

    ``parameter_values`` is None, one point (shape ``(num_parameters,)``) or a sweep of shape
    ``(k, num_parameters)``; a sweep returns a list of k counts dicts, otherwise one dict.
    Counts keys are little-endian (qubit 0 rightmost), from the classical register ``register``.
    """
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(f"circuit must be a qiskit QuantumCircuit, got {type(circuit).__name__}")
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise ValueError(f"shots must be a positive int, got {shots!r}")
    if register not in [creg.name for creg in circuit.cregs]:
        raise ValueError(
            f"circuit has no classical register {register!r} (registers: {[c.name for c in circuit.cregs]}); "
            "measure with circuit.measure_all() or pass register="
        )
    sweep = False
    if parameter_values is None:
        pub: tuple = (circuit,)
    else:
        vals = np.asarray(parameter_values, dtype=float)
        sweep = vals.ndim == 2
        pub = (circuit, vals)
    sampler = aer_sampler(noise_model, method, seed, num_qubits=circuit.num_qubits)
    data = sampler.run([pub], shots=int(shots)).result()[0].data
    bits = getattr(data, register)
    if sweep:
        return [bits[i].get_counts() for i in range(bits.shape[0])]
    return bits.get_counts()
