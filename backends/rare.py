"""Device noise with Kraus errors, sampled as Kraus-free trajectories plus rare replayed branches (issue 14).

Why. Aer switches a whole noise model to its Kraus sampling path as soon as one error holds a ``kraus``
instruction (``circuit_executor.hpp``: ``noise.opset().contains(kraus)``); every gate error is then applied
as one Kraus channel, and on ``matrix_product_state`` each application re-canonicalises the chain.
Thermal relaxation with ``T1 < T2 <= 2 T1`` is not a mixture of unitaries and resets (its coherence
``e^{-t/T2}`` exceeds its population survival ``e^{-t/T1}``), so ``NoiseModel.from_backend`` writes it as a
Kraus map: 5 of the 50 qubits of a ``fake_kingston`` GHZ tree are such qubits, and a 50-qubit trajectory
costs 52 ms instead of 8.8 ms without them (``benchmarks/bench_device_noise_cost.py``).

The exact split. A Kraus channel ``K`` with Choi matrix ``C`` (column-stacked, ``phi = vec(I)``) is

    K = s Id + (1 - s) R,        s = 1 / (phi^dag C^+ phi),        R = (K - s Id) / (1 - s),

``s`` the largest weight of the identity with ``C - s phi phi^dag >= 0`` (:func:`identity_weight`), so
``R`` is completely positive and, like ``K`` and ``Id``, trace preserving. In a device error the Kraus
instruction is the last one on its qubit in every term, so ``E = (prod_k K_k) o E_0`` with ``E_0`` the
error without its Kraus instructions (checked on the superoperators, not assumed). Hence, independently at
every instance of such a gate and every Kraus qubit ``k`` of it, branch ``R_k`` "fires" with probability
``1 - s_k`` (1e-4 to 8e-4 per gate on ``fake_kingston``), and otherwise nothing happens after ``E_0``.

Sampling (:class:`RareBranchSampler`). Every shot runs on the Kraus-free model (Aer's fast circuit-noise
path); the firing pattern of each shot is drawn beforehand, independently of its outcome, and every shot
where some branch fires is re-run alone, with the ``R_k`` inserted after those gate instances, its row
replacing the Kraus-free row. Shots are independent, so the rows are exactly distributed as under the
original model (chi-square test in ``tests/backends/test_rare_branches.py``). A branch that fires often
(``fire > DENSE_FIRE``; ``T2 = 2 T1``, pure amplitude damping, has no identity part and fires always) is
not replayed: its whole channel ``K`` goes into every shot's circuit as an explicit Kraus instruction after
its gate, which Aer applies inside the trajectory while the model stays Kraus-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import CircuitInstruction, Instruction
from qiskit.primitives import BaseSamplerV2, BitArray, DataBin, PrimitiveResult, SamplerPubResult
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.quantum_info import Kraus, SuperOp
from qiskit_aer.noise import NoiseModel, QuantumError

from .pubsampler import PubSampler

__all__ = ["RARE_REASON", "DENSE_FIRE", "KrausBranch", "identity_weight", "split_error", "split_noise_model",
           "branch_sites", "dense_circuit", "RareBranchSampler"]

#: Appended to the method's reason when a device run is sampled this way.
RARE_REASON = "Kraus-free noise sampling, T2 > T1 relaxation as exact rare branches replayed per shot"

#: A branch firing more often than this is applied as its whole channel ``K`` in every shot (an explicit Kraus
#: instruction after its gate: Aer applies it in the trajectory without switching the model to its Kraus path),
#: not replayed. T2 = 2 T1 (pure amplitude damping: Qiskit clips T2 there) has no identity part at all (fire 1).
DENSE_FIRE = 0.01

#: Superoperator agreement required of a split error (exact maths: a few hundred ulps of 1).
_SPLIT_TOL = 1e-12


@dataclass(frozen=True)
class KrausBranch:
    """The rare branch of one Kraus instruction of a gate error.

    Attributes
    ----------
    qubit : int
        Position of the instruction's qubit in the gate's qubits.
    fire : float
        ``1 - s``: probability that the remainder ``R`` acts instead of nothing.
    remainder : tuple of ndarray
        Kraus operators of ``R``.
    kraus : tuple of ndarray
        Kraus operators of the whole channel ``K = s Id + (1 - s) R``.
    """

    qubit: int
    fire: float
    remainder: tuple[np.ndarray, ...]
    kraus: tuple[np.ndarray, ...]

    @property
    def dense(self) -> bool:
        """Fires so often (> :data:`DENSE_FIRE`) that applying ``K`` in every shot beats replaying shots."""
        return self.fire > DENSE_FIRE

    def instruction(self, whole: bool = False) -> Instruction:
        """``R`` (the rare branch), or with ``whole`` the channel ``K`` itself, as a circuit instruction."""
        return Kraus(list(self.kraus if whole else self.remainder)).to_instruction()


def identity_weight(kraus: Sequence[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    """Split a channel as ``K = s Id + (1 - s) R``; return ``s`` and the Kraus operators of ``R``.

    ``s = 1 / (phi^dag C^+ phi)`` with ``C = sum_i vec(K_i) vec(K_i)^dag`` the Choi matrix and
    ``phi = vec(I)``; ``s = 0`` (and ``R = K``) when ``phi`` is not in the range of ``C``. ``R``'s
    operators come from ``eigh`` of its Choi matrix ``(C - s phi phi^dag) / (1 - s)``.
    """
    ops = [np.asarray(k, dtype=complex) for k in kraus]
    d = ops[0].shape[0]
    vecs = np.stack([k.reshape(-1, order="F") for k in ops], axis=1)
    choi = vecs @ vecs.conj().T
    phi = np.eye(d, dtype=complex).reshape(-1, order="F")
    w, v = np.linalg.eigh(choi)
    keep = w > 1e-13 * w.max()
    x = v[:, keep].conj().T @ phi
    if np.linalg.norm(phi - v[:, keep] @ x) > 1e-9:
        return 0.0, ops
    s = float(1.0 / np.sum(np.abs(x) ** 2 / w[keep]))
    if s >= 1.0 - 1e-15:
        return 1.0, []
    rest = (choi - s * np.outer(phi, phi.conj())) / (1.0 - s)
    w2, v2 = np.linalg.eigh((rest + rest.conj().T) / 2)
    cut = 1e-14 * max(float(w2.max()), 1e-300)
    remainder = [np.sqrt(lam) * v2[:, i].reshape(d, d, order="F") for i, lam in enumerate(w2) if lam > cut]
    return s, remainder


def split_error(error: QuantumError) -> tuple[QuantumError, tuple[KrausBranch, ...]] | None:
    """``error`` as ``(E_0, branches)``: ``error = (prod_k (s_k Id + (1 - s_k) R_k)) o E_0``, or ``None``.

    ``None`` when the error holds no Kraus instruction, or when the factorisation does not hold (a Kraus
    instruction that is not the same last instruction on its qubit in every term): the superoperators are
    compared to :data:`_SPLIT_TOL`.
    """
    kraus_of: dict[int, list[np.ndarray]] = {}
    terms: list[tuple[QuantumCircuit, float]] = []
    for circ, p in zip(error.circuits, error.probabilities):
        out = QuantumCircuit(circ.num_qubits)
        for inst in circ.data:
            qs = [circ.find_bit(q).index for q in inst.qubits]
            if inst.operation.name == "kraus":
                if len(qs) != 1:
                    return None
                kraus_of.setdefault(qs[0], list(inst.operation.params))
                continue
            if inst.operation.name != "id":
                out.append(inst.operation, qs)
        terms.append((out, float(p)))
    if not kraus_of:
        return None
    base = QuantumError(terms)
    branches: list[KrausBranch] = []
    rebuilt = SuperOp(base)
    for qubit, ops in sorted(kraus_of.items()):
        rebuilt = rebuilt.compose(Kraus([np.asarray(k) for k in ops]), qargs=[qubit])
        s, remainder = identity_weight(ops)
        branches.append(KrausBranch(qubit, 1.0 - s, tuple(remainder), tuple(np.asarray(k) for k in ops)))
    if np.max(np.abs(rebuilt.data - SuperOp(error).data)) > _SPLIT_TOL:
        return None
    return base, tuple(branches)


#: ``(gate name, qubits) -> the KrausBranch of each Kraus instruction of that gate's error``.
Branches = dict[tuple[str, tuple[int, ...]], tuple[KrausBranch, ...]]


def split_noise_model(model: NoiseModel) -> tuple[NoiseModel, Branches] | None:
    """A device noise model without Kraus instructions, and the rare branches per ``(gate, qubits)``.

    ``None`` when there is nothing to split (no Kraus instruction) or when the model holds errors this
    split does not cover (all-qubit errors, an error that does not factorise). The model's custom passes
    (relaxation during ``delay``: they write their errors into the circuit, not into the model) are kept.
    Aer keeps local errors and passes in private attributes: they are read, never modified.
    """
    if getattr(model, "_default_quantum_errors", None):
        return None
    local: Mapping[str, Mapping[tuple[int, ...], QuantumError]] = getattr(model, "_local_quantum_errors", {})
    clean = NoiseModel(basis_gates=model.basis_gates)
    branches: Branches = {}
    for gate, by_qubits in local.items():
        for qargs, error in by_qubits.items():
            if not any(i.operation.name == "kraus" for c in error.circuits for i in c.data):
                clean.add_quantum_error(error, gate, qargs)
                continue
            split = split_error(error)
            if split is None:
                return None
            clean.add_quantum_error(split[0], gate, qargs)
            branches[(gate, tuple(int(q) for q in qargs))] = split[1]
    if not branches:
        return None
    for qargs, readout in getattr(model, "_local_readout_errors", {}).items():
        clean.add_readout_error(readout, qargs)
    if getattr(model, "_default_readout_error", None) is not None:
        clean.add_all_qubit_readout_error(model._default_readout_error)
    clean._custom_noise_passes = list(getattr(model, "_custom_noise_passes", []))
    return clean, branches


def branch_sites(circuit: QuantumCircuit, branches: Branches) -> list[tuple[int, int, KrausBranch]]:
    """``(instruction index, circuit qubit, branch)`` for every Kraus branch the circuit's gates carry."""
    out = []
    for idx, inst in enumerate(circuit.data):
        qs = tuple(circuit.find_bit(q).index for q in inst.qubits)
        for br in branches.get((inst.operation.name, qs), ()):
            out.append((idx, qs[br.qubit], br))
    return out


def _with_branches(circuit: QuantumCircuit, fired: Sequence[tuple[int, int, KrausBranch]],
                   whole: bool = False) -> QuantumCircuit:
    """``circuit`` with each fired branch's remainder (``whole``: its whole channel) right after its gate."""
    out = circuit.copy()
    for idx, qubit, br in sorted(fired, key=lambda f: -f[0]):
        out.data.insert(idx + 1, CircuitInstruction(br.instruction(whole), (out.qubits[qubit],)))
    return out


def dense_circuit(circuit: QuantumCircuit, branches: Branches) -> QuantumCircuit:
    """``circuit`` with the whole Kraus channel after every gate instance whose branch is dense."""
    dense = [site for site in branch_sites(circuit, branches) if site[2].dense]
    return _with_branches(circuit, dense, whole=True) if dense else circuit


def _row(memory: str, cregs: Sequence[Any]) -> dict[str, np.ndarray]:
    """One shot of Aer memory (registers space-separated, last register first) as packed rows per register."""
    parts = memory.split(" ")[::-1] if len(cregs) > 1 else [memory.replace(" ", "")]
    return {c.name: BitArray.from_samples([bits], c.size).array[0] for c, bits in zip(cregs, parts)}


class RareBranchSampler(PubSampler):
    """A ``BaseSamplerV2`` that samples a Kraus-bearing device model exactly, Kraus-free plus replays.

    Parameters
    ----------
    inner : BaseSamplerV2
        Sampler on the Kraus-free model (the runtime sampler in local mode on that simulator); its
        ``options`` are this sampler's options (``simulator.seed_simulator`` seeds the branch draws too).
    simulator : AerSimulator
        The same Kraus-free simulator: replays go to it directly (shots with the same binding and fired
        sites share a circuit; one call per power-of-two shot count).
    branches : mapping
        ``(gate, qubits) -> KrausBranch``s from :func:`split_noise_model`.
    default_shots : int
    """

    def __init__(self, inner: BaseSamplerV2, simulator: Any, branches: Branches, *,
                 default_shots: int = 4096) -> None:
        self.inner = inner
        self.simulator = simulator
        self.branches = dict(branches)
        self.default_shots = int(default_shots)

    @property
    def options(self) -> Any:
        return self.inner.options

    def _seed(self) -> int | None:
        seed = getattr(getattr(self.options, "simulator", None), "seed_simulator", None)
        return None if seed is None or not isinstance(seed, (int, np.integer)) else int(seed)

    def _run(self, pubs: list[SamplerPub]) -> PrimitiveResult:
        seed = self._seed()
        rng = np.random.default_rng(None if seed is None else [seed, 0x5A4E])
        # dense branches ride in every shot as explicit Kraus instructions; the rare ones are replayed
        pubs = [SamplerPub(dense_circuit(p.circuit, self.branches), p.parameter_values, p.shots) for p in pubs]
        base = self.inner.run(pubs).result()
        # shots with the same binding and the same fired sites share one replay circuit
        groups: dict[tuple[int, tuple[int, ...], tuple[int, ...]], list[int]] = {}
        sites_of = [[s for s in branch_sites(pub.circuit, self.branches) if not s[2].dense] for pub in pubs]
        for i, (pub, sites) in enumerate(zip(pubs, sites_of)):
            if not sites:
                continue
            shape = tuple(pub.parameter_values.shape)
            fire = np.array([br.fire for _, _, br in sites])
            fired = rng.random(shape + (pub.shots, len(sites))) < fire
            for loc in np.argwhere(fired.any(axis=-1)):
                key = (i, tuple(int(x) for x in loc[:-1]), tuple(np.flatnonzero(fired[tuple(loc)]).tolist()))
                groups.setdefault(key, []).append(int(loc[-1]))
        arrays = [{c.name: getattr(r.data, c.name).array.copy() for c in p.circuit.cregs} for p, r in zip(pubs, base)]
        # one Aer call per power-of-two shot bucket (Aer takes one shot count per call): <= 2x the replayed shots
        buckets: dict[int, list[tuple[tuple[int, tuple[int, ...], tuple[int, ...]], list[int]]]] = {}
        for key, rows in groups.items():
            buckets.setdefault(1 << (len(rows) - 1).bit_length(), []).append((key, rows))
        for size, members in sorted(buckets.items()):
            replays = []
            for (i, idx, which), _ in members:
                pub = pubs[i]
                bound = pub.parameter_values.bind(pub.circuit, idx) if pub.circuit.parameters else pub.circuit
                replays.append(_with_branches(bound, [sites_of[i][k] for k in which]))
            result = self.simulator.run(replays, shots=size, memory=True,
                                        seed_simulator=int(rng.integers(0, 2**62))).result()
            for k, ((i, idx, _), rows) in enumerate(members):
                for shot, memory in zip(rows, result.get_memory(k)):
                    for name, row in _row(memory, pubs[i].circuit.cregs).items():
                        arrays[i][name][idx + (shot,)] = row
        replayed = [0] * len(pubs)
        for (i, _, _), rows in groups.items():
            replayed[i] += len(rows)
        out = []
        for i, (pub, res) in enumerate(zip(pubs, base)):
            data = {c.name: BitArray(arrays[i][c.name], c.size) for c in pub.circuit.cregs}
            meta = dict(res.metadata)
            meta["rare_branch_replays"] = replayed[i]
            out.append(SamplerPubResult(DataBin(**data, shape=tuple(pub.parameter_values.shape)), metadata=meta))
        return PrimitiveResult(out, metadata=dict(base.metadata))
