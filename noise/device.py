"""Noise of a device backend (a ``qiskit_ibm_runtime.fake_provider`` snapshot or a real IBM device).

The model is Aer's ``NoiseModel.from_backend``: gate errors and durations, thermal relaxation
during ``delay`` and readout error per physical qubit. Circuits must be transpiled to the device
(physical qubit indices) for it to apply. Device *names* are resolved in ``bellsense.backends``
(``fake_backend("fake_torino")``); this layer takes the backend object.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
from qiskit.transpiler import Target
from qiskit_aer.noise import NoiseModel, QuantumError, ReadoutError, kraus_error

__all__ = ["device_noise_model", "restrict_noise_model"]


def device_noise_model(
    backend: Any, qubits: Sequence[int] | None = None, *, readout_as_channel: bool = False
) -> NoiseModel:
    """Aer noise model of a device backend, restricted to ``qubits`` (all qubits if ``None``).

    Parameters
    ----------
    backend : BackendV2
        A device with a ``target`` (e.g. ``bellsense.backends.fake_backend("fake_torino")``).
    qubits : sequence of int, optional
        Physical qubits the circuits touch; see :func:`restrict_noise_model`.
    readout_as_channel : bool
        See :func:`restrict_noise_model`.

    Raises
    ------
    TypeError
        ``backend`` is a name or has no ``target``.
    """
    if isinstance(backend, str) or getattr(backend, "target", None) is None:
        raise TypeError(
            f"device_noise_model needs a device backend object, got {backend!r}; "
            "resolve a name with bellsense.backends.fake_backend(name)"
        )
    if qubits is None:
        return NoiseModel.from_backend(backend)
    keep = {int(q) for q in qubits}
    bad = sorted(q for q in keep if not 0 <= q < backend.num_qubits)
    if bad:
        raise ValueError(f"qubits {bad} are not on {backend.name} (0..{backend.num_qubits - 1})")
    # Aer derives every gate's error from the target; on the qubits' own sub-target that costs
    # O(active qubits) instead of seconds for a 133-qubit device, with the same errors.
    view = SimpleNamespace(version=2, operation_names=list(backend.operation_names),
                           target=_sub_target(backend.target, keep), dt=backend.dt)
    model = NoiseModel.from_backend(view)
    return restrict_noise_model(model, sorted(keep), readout_as_channel=True) if readout_as_channel else model


def _sub_target(target: Target, keep: set[int]) -> Target:
    """``target`` with only the instruction properties whose qubits are all in ``keep``."""
    out = Target(num_qubits=target.num_qubits, dt=target.dt, granularity=target.granularity,
                 min_length=target.min_length, pulse_alignment=target.pulse_alignment,
                 acquire_alignment=target.acquire_alignment, qubit_properties=target.qubit_properties)
    for name in target.operation_names:
        props = target[name]
        if props is None or None in props:  # global / variadic operations carry no error
            continue
        mine = {qargs: prop for qargs, prop in props.items() if set(qargs) <= keep}
        if mine:
            out.add_instruction(target.operation_from_name(name), mine, name=name)
    return out


def restrict_noise_model(
    full: NoiseModel, qubits: Sequence[int], *, readout_as_channel: bool = False
) -> NoiseModel:
    """The errors of ``full`` that act only on ``qubits``.

    Errors of gates on other qubits cannot act on a circuit that never touches them, so the
    restriction is the same physics; for a 4-qubit circuit on a 133-qubit device it makes Aer ~40x
    faster, because the full model (thousands of relaxation channels) is otherwise sent to the
    simulator with every circuit. T1/T2 relaxation during ``delay`` (the sensing window) is kept: it
    is a noise pass over the circuit, not a per-qubit table entry.

    ``readout_as_channel`` replaces each qubit's readout error (assignment matrix ``P[x, b] = P(read b |
    prepared x)``) by the Kraus channel ``sqrt(P00)|0><0| + sqrt(P11)|1><1|``, ``sqrt(P01)|1><0|``,
    ``sqrt(P10)|0><1|`` before ``measure``: the same outcome distribution for terminal measurements
    (only the post-measurement state differs), needed by Aer's shot branching, which drops ReadoutErrors.
    """
    keep = {int(q) for q in qubits}
    if any(q < 0 for q in keep):
        raise ValueError(f"qubits must be non-negative physical indices, got {sorted(keep)}")
    model = NoiseModel(basis_gates=full.basis_gates)
    # Aer exposes no public iterator over per-qubit errors; these private tables are stable since 0.13.
    for name, by_qubits in full._local_quantum_errors.items():
        for qargs, error in by_qubits.items():
            if set(qargs) <= keep:
                model.add_quantum_error(error, name, qargs)
    for qargs, error in full._local_readout_errors.items():
        if set(qargs) <= keep:
            if readout_as_channel and len(qargs) == 1 and "measure" not in full._local_quantum_errors:
                model.add_quantum_error(_readout_channel(error), "measure", qargs)
            else:
                model.add_readout_error(error, qargs)
    for name, error in full._default_quantum_errors.items():
        model.add_all_qubit_quantum_error(error, name)
    if full._default_readout_error is not None:
        model.add_all_qubit_readout_error(full._default_readout_error)
    model._custom_noise_passes = list(full._custom_noise_passes)
    return model


def _readout_channel(error: ReadoutError) -> QuantumError:
    p = np.asarray(error.probabilities, dtype=float)
    return kraus_error([
        np.diag([np.sqrt(p[0, 0]), np.sqrt(p[1, 1])]),
        np.array([[0.0, 0.0], [np.sqrt(p[0, 1]), 0.0]]),
        np.array([[0.0, np.sqrt(p[1, 0])], [0.0, 0.0]]),
    ])
