"""Test helper for the measured-estimator tests: circuits following docs/design.md, Aer runs.

Circuits come from ``bellsense.circuits`` (preparation, window, settings, ``assemble``); dephasing
is a phase flip attached to the ``"sensing_window"`` label through an Aer NoiseModel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit_aer.noise import NoiseModel, pauli_error
from qiskit_aer.primitives import SamplerV2

from bellsense import circuits
from bellsense.backends.aer import density_matrix


def prep(state: str, n: int, k: int | None = None) -> QuantumCircuit:
    """Preparation circuit (no measurement) from bellsense.circuits (cached; returns a copy)."""
    return _prep(state, n, k).copy()


@lru_cache(maxsize=64)
def _prep(state: str, n: int, k: int | None) -> QuantumCircuit:
    if state == "ghz":
        return circuits.ghz(n)
    if state == "product":
        return circuits.product(n)
    if state == "dicke":
        qc = circuits.dicke(n, n // 2 if k is None else k)
        # Aer's sampler does not transpile: expand any XXPlusYYGate (unknown to Aer) in place
        out = qc.decompose(gates_to_decompose=["xx_plus_yy"])
        out.metadata = qc.metadata
        return out
    raise ValueError(state)


def window(qc: QuantumCircuit, theta: float) -> QuantumCircuit:
    """Append the sensing window exp(-i theta J_z) (RZ labelled "sensing_window"; t = 1, phi = theta)."""
    return circuits.assemble(qc, circuits.sensing_window(qc.num_qubits, 1.0, theta))


def encode(qc: QuantumCircuit, theta: float, axis: str = "z") -> QuantumCircuit:
    """exp(-i theta J_axis) on every qubit (no noise attached)."""
    return circuits.assemble(qc, circuits.phase_encoding(qc.num_qubits, theta, axis))


def dephasing_model(p: float) -> NoiseModel:
    """Phase flip with probability p on each sensing-window gate."""
    model = NoiseModel(basis_gates=["rz", "sx", "x", "cx", "h", "ry", "rx"])
    model.add_all_qubit_quantum_error(pauli_error([("Z", p), ("I", 1 - p)]), "sensing_window")
    return model


def bell_settings(qc: QuantumCircuit, num_phases: int | None = None, signs=None, axis="z"):
    return [circuits.assemble(qc, c) for c in circuits.bell_settings(qc.num_qubits, num_phases, signs, axis)]


def computational(qc: QuantumCircuit) -> QuantumCircuit:
    return circuits.assemble(qc, circuits.computational_readout(qc.num_qubits))


def collective(qc: QuantumCircuit, axis) -> QuantumCircuit:
    return circuits.assemble(qc, circuits.collective_readout(qc.num_qubits, axis))


def pi_bell(qc: QuantumCircuit, phi: float, theta: float) -> list[QuantumCircuit]:
    return [circuits.assemble(qc, c) for c in circuits.pi_bell_settings(qc.num_qubits, phi, theta)]


def run(circuits: Sequence[QuantumCircuit], shots: int, seed: int, noise: NoiseModel | None = None):
    """Sample every circuit in ONE Aer call; returns a list of BitArrays."""
    # one thread: on a shared 2-core machine OpenMP contention makes Aer ~5x slower
    opts: dict[str, Any] = {"method": "density_matrix" if noise is not None else "statevector",
                            "max_parallel_threads": 1}
    if noise is not None:
        opts["noise_model"] = noise
    sampler = SamplerV2(seed=seed, options={"backend_options": opts})
    res = sampler.run([(c,) for c in circuits], shots=shots).result()
    return [r.data.meas for r in res]


def labelled(circuits, bits):
    """(setting metadata, BitArray) pairs, as analyse_* functions take them."""
    return [(c.metadata["setting"], b) for c, b in zip(circuits, bits)]


def exact_rho(qc: QuantumCircuit, noise: NoiseModel | None = None) -> np.ndarray:
    """Exact density matrix of a measurement-free circuit (bellsense.backends.aer)."""
    return np.asarray(density_matrix(qc, noise).data)


SIGMA_PLUS = np.array([[0, 1], [0, 0]], dtype=complex)  # |0><1| (raises down -> up, PHYSICS.md)
SIGMA_MINUS = SIGMA_PLUS.T.copy()


def expect_local(rho: np.ndarray, ops: dict[int, np.ndarray]) -> complex:
    """Tr[rho prod_q ops[q]] with qubit 0 the least significant tensor factor (numpy reference)."""
    n = int(round(math.log2(rho.shape[0])))
    full = np.ones((1, 1), dtype=complex)
    for q in range(n):
        full = np.kron(ops.get(q, np.eye(2)), full)
    return complex(np.trace(rho @ full))


def chunks(bits, num: int):
    """Split one BitArray of num * k shots into num packed arrays of k shots (independent repetitions)."""
    arr = np.asarray(bits.array)
    k = arr.shape[0] // num
    return [arr[i * k:(i + 1) * k] for i in range(num)]
