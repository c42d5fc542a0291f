"""Readout calibration on a device: the all-0 and all-1 circuits on the used physical qubits.

The two basis-state circuits give, per physical qubit p, the assignment errors
``p(1|0)`` and ``p(0|1)`` (tensored readout model), which the counts estimators use to
mitigate each circuit through its layout (logical qubit q sits on physical ``layout[q]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit
from qiskit.primitives import BitArray

__all__ = ["ReadoutCalibration", "calibration_circuits", "measured_physical_qubits", "measured_qubit_groups"]


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


@dataclass(frozen=True)
class ReadoutCalibration:
    """Per-physical-qubit assignment errors from the all-0 / all-1 calibration circuits.

    Attributes
    ----------
    physical_qubits : tuple of int
    p1_given0, p0_given1 : tuple of float
        Read 1 when 0 was prepared, read 0 when 1 was prepared, per physical qubit.
    shots : tuple of int
        Shots per physical qubit of each of its two calibration states (a qubit used by
        several circuit groups pools them); binomial stderr ``sqrt(p(1-p)/shots)``.
    """

    physical_qubits: tuple[int, ...]
    p1_given0: tuple[float, ...]
    p0_given1: tuple[float, ...]
    shots: tuple[int, ...]

    @classmethod
    def from_bits(cls, physical_qubits: Sequence[int], zeros: BitArray, ones: BitArray) -> ReadoutCalibration:
        """From the ``meas`` bits of the all-0 and all-1 circuits (bit j = ``physical_qubits[j]``)."""
        return cls.from_groups([(physical_qubits, zeros, ones)])

    @classmethod
    def from_groups(cls, groups: Sequence[tuple[Sequence[int], BitArray, BitArray]]) -> ReadoutCalibration:
        """Pool the calibration pairs of several qubit groups: per physical qubit, all its shots."""
        ones_if_0: dict[int, int] = {}
        zeros_if_1: dict[int, int] = {}
        shots: dict[int, int] = {}
        for physical, zeros, ones in groups:
            b0 = zeros.to_bool_array(order="little").reshape(-1, zeros.num_bits)
            b1 = ones.to_bool_array(order="little").reshape(-1, ones.num_bits)
            if b0.shape[0] != b1.shape[0] or b0.shape[1] != len(physical):
                raise ValueError("calibration bits must have one column per physical qubit and equal shots")
            for j, p in enumerate(int(q) for q in physical):
                ones_if_0[p] = ones_if_0.get(p, 0) + int(b0[:, j].sum())
                zeros_if_1[p] = zeros_if_1.get(p, 0) + int((~b1[:, j]).sum())
                shots[p] = shots.get(p, 0) + int(b0.shape[0])
        qubits = sorted(shots)
        return cls(
            physical_qubits=tuple(qubits),
            p1_given0=tuple(ones_if_0[p] / shots[p] for p in qubits),
            p0_given1=tuple(zeros_if_1[p] / shots[p] for p in qubits),
            shots=tuple(shots[p] for p in qubits),
        )

    def for_qubits(self, physical: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """``(p1_given0, p0_given1)`` arrays for logical qubits 0..n-1 sitting on ``physical``."""
        index = {p: j for j, p in enumerate(self.physical_qubits)}
        missing = [p for p in physical if p not in index]
        if missing:
            raise ValueError(f"physical qubits {missing} were not calibrated; calibrated: {list(self.physical_qubits)}")
        rows = [index[p] for p in physical]
        return np.asarray(self.p1_given0)[rows], np.asarray(self.p0_given1)[rows]

    def confusion_matrices(self, physical: Sequence[int]) -> np.ndarray:
        """Per logical qubit the 2x2 matrix ``A[read, prepared]``, shape (n, 2, 2); columns sum to 1."""
        e0, e1 = self.for_qubits(physical)
        return np.stack([np.stack([1 - e0, e1], axis=-1), np.stack([e0, 1 - e1], axis=-1)], axis=-2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "physical_qubits": list(self.physical_qubits),
            "p1_given0": list(self.p1_given0),
            "p0_given1": list(self.p0_given1),
            "shots": list(self.shots),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadoutCalibration:
        return cls(
            physical_qubits=tuple(int(p) for p in data["physical_qubits"]),
            p1_given0=tuple(float(x) for x in data["p1_given0"]),
            p0_given1=tuple(float(x) for x in data["p0_given1"]),
            shots=tuple(int(x) for x in data["shots"]),
        )
