"""Exact outcome probabilities of ISA circuits under a device's noise model (no shot noise).

The "simulated with device noise" column of a device run: the same ISA circuits, the
device's Aer noise model restricted to the active qubits (gate errors, T1/T2 relaxation
during the sensing ``delay``), evolved as a density matrix; readout errors are then
applied exactly as the tensor product of the per-qubit assignment matrices.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qiskit import QuantumCircuit

from .platform import Platform

__all__ = ["device_probabilities", "MAX_EXACT_QUBITS"]

#: Density matrices of more qubits than this are too large to be worth it here (4^12 entries).
MAX_EXACT_QUBITS = 12


def _measured_map(circuit: QuantumCircuit) -> list[int]:
    """Physical qubit read into each bit of the ``meas`` register, in bit order."""
    reg = next((r for r in circuit.cregs if r.name == "meas"), None)
    if reg is None:
        raise ValueError("circuit has no classical register named 'meas'; settings circuits measure into 'meas'")
    where: dict[int, int] = {}
    for inst in circuit.data:
        if inst.operation.name == "measure":
            clbit = inst.clbits[0]
            loc = circuit.find_bit(clbit)
            for r, j in loc.registers:
                if r == reg:
                    where[j] = circuit.find_bit(inst.qubits[0]).index
    if sorted(where) != list(range(reg.size)):
        raise ValueError(f"every bit of 'meas' must be measured once; measured bits {sorted(where)}")
    return [where[j] for j in range(reg.size)]


def device_probabilities(platform: Platform, circuit: QuantumCircuit, values: Any = None) -> np.ndarray:
    """Exact probabilities of the ``meas`` outcomes of an ISA circuit under the device's noise.

    Parameters
    ----------
    platform : Platform
        A device platform (fake or IBM): its backend's noise model is used.
    circuit : QuantumCircuit
        An ISA circuit from :func:`prepare_circuits` for this platform.
    values : array_like, optional
        Parameter values, shape ``(num_bindings, num_parameters)`` in ``circuit.parameters``
        order (as in the PUB), or ``None`` for a circuit without parameters.

    Returns
    -------
    ndarray, shape (num_bindings, 2**n)
        ``p[b, x]``: probability of outcome x (integer of the little-endian bitstring,
        bit q = logical qubit q) for binding b. ``p[b] = (A_{n-1} (x) ... (x) A_0) p_ideal[b]``
        with ``A_q`` the 2x2 assignment matrix of the qubit's readout error.
    """
    from qiskit_aer import AerSimulator

    physical = _measured_map(circuit)
    n = len(physical)
    if n > MAX_EXACT_QUBITS:
        raise ValueError(f"{n} measured qubits; exact device-noise probabilities allowed up to {MAX_EXACT_QUBITS}")
    bare = circuit.remove_final_measurements(inplace=False)
    bare.save_probabilities(physical, label="p")
    if circuit.num_parameters:
        arr = np.atleast_2d(np.asarray(values, dtype=float))
        if arr.shape[-1] != circuit.num_parameters:
            raise ValueError(f"values must have {circuit.num_parameters} column(s) (circuit.parameters order), "
                             f"got shape {arr.shape}")
        bound = [bare.assign_parameters(row) for row in arr.reshape(-1, circuit.num_parameters)]
    else:
        if values is not None:
            raise ValueError("circuit has no parameters; pass values=None")
        bound = [bare]
    active = sorted({bare.find_bit(q).index for inst in bare.data if inst.operation.name != "barrier"
                     for q in inst.qubits})
    model = platform.noise_model(sorted(set(active) | set(physical)))  # raises unless a device
    sim = AerSimulator(method="density_matrix", noise_model=model)
    result = sim.run(bound, shots=None).result()
    ideal = np.array([np.asarray(result.data(i)["p"], dtype=float) for i in range(len(bound))])
    out = ideal.reshape((len(bound),) + (2,) * n)
    for q, p in enumerate(physical):
        err = model._local_readout_errors.get((p,))
        if err is None:
            continue
        a = np.asarray(err.probabilities, dtype=float).T  # A[read, prepared]
        axis = n - q  # little-endian: qubit q is the last-but-q axis after the binding axis
        out = np.moveaxis(np.tensordot(a, out, axes=([1], [axis])), 0, axis)
    return out.reshape(len(bound), 2**n)
