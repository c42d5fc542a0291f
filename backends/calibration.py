"""Readout calibration on a device: the all-0 and all-1 circuits on the used physical qubits.

The two basis-state circuits give, per physical qubit p, the assignment errors
``p10 = P(read 1 | prepared 0)`` and ``p01 = P(read 0 | prepared 1)`` (tensored readout model) in
:class:`bellsense.estimators.ReadoutCalibration`, which the counts estimators use to mitigate each
circuit through its layout (logical qubit q sits on physical ``layout[q]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qiskit import ClassicalRegister, QuantumCircuit

__all__ = ["calibration_circuits", "measured_physical_qubits", "measured_qubit_groups"]


def measured_physical_qubits(circuits: Sequence[QuantumCircuit]) -> tuple[int, ...]:
    """Sorted union of the qubit indices measured in ``circuits`` (physical indices for ISA circuits)."""
    used: set[int] = set()
    for circ in circuits:
        for inst in circ.data:
            if inst.operation.name == "measure":
                used.add(circ.find_bit(inst.qubits[0]).index)
    return tuple(sorted(used))


def measured_qubit_groups(circuits: Sequence[QuantumCircuit]) -> list[tuple[int, ...]]:
    """Distinct sets of measured (physical) qubits, in order of first appearance.

    Each group gets its own all-0 / all-1 pair: as narrow as the experiment's circuits,
    so simulating the calibration costs no more than the experiment.
    """
    seen: dict[tuple[int, ...], None] = {}
    for circ in circuits:
        seen.setdefault(measured_physical_qubits([circ]), None)
    return [g for g in seen if g]


def calibration_circuits(backend: Any, physical_qubits: Sequence[int]) -> list[QuantumCircuit]:
    """ISA circuits preparing all-0 and all-1 on ``physical_qubits`` and measuring them.

    Bit j of the ``meas`` register reads ``physical_qubits[j]``. Metadata:
    ``{"calibration": {"prepared": 0 | 1, "physical_qubits": [...]}}``.
    """
    physical = [int(p) for p in physical_qubits]
    num = int(backend.num_qubits)
    if not physical or min(physical) < 0 or max(physical) >= num or len(set(physical)) != len(physical):
        raise ValueError(f"physical_qubits must be distinct indices in 0..{num - 1}, got {physical}")
    out = []
    for prepared in (0, 1):
        circ = QuantumCircuit(num)
        creg = ClassicalRegister(len(physical), "meas")
        circ.add_register(creg)
        if prepared:
            for p in physical:
                circ.x(p)
        circ.barrier(physical)
        for j, p in enumerate(physical):
            circ.measure(p, creg[j])
        circ.metadata = {"calibration": {"prepared": prepared, "physical_qubits": physical}}
        out.append(circ)
    return out
