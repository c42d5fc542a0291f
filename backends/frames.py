"""Local dephasing of a GHZ state as an exact two-frame mixture (issue 14: fast many-qubit Aer runs).

On the GHZ subspace ``span{|0^n>, |1^n>}`` every ``Z_k`` acts as ``Z_1`` (``Z_k Z_l`` stabilises it).
A phase flip ``rho -> (1 - p_k) rho + p_k Z_k rho Z_k`` on every qubit k (local dephasing, the
window channel of ``noise.dephasing``: ``p = (1 - e^{-2 gamma t})/2``) therefore acts on a state of
that subspace as ONE flip ``Z_1`` with probability

    q = (1 - prod_k (1 - 2 p_k)) / 2          (= (1 - e^{-2 n gamma t})/2 for equal rates),

the probability of an odd number of flips (``E[(-1)^{#flips}] = prod_k (1 - 2 p_k)``): the decay
``e^{-2 n gamma t}`` of the GHZ coherence. Everything after the window is noiseless (readout errors
are classical and act at sampling), so the outcome distribution of the noisy circuit is exactly
``(1 - q) P_0 + q P_1``: frame 0 is the circuit without noise, frame 1 the same circuit with ``Z`` on
one qubit at the window (docs/PHYSICS.md "Dephased GHZ as two frames"). Each frame is a noiseless
evolution, so Aer samples all shots of a binding from one state (0.27 s per 1,000 shots at n = 100 on
``matrix_product_state``) instead of one noisy trajectory per shot (~31 s). The shots of a binding are
drawn as ``k ~ Binomial(shots, q)`` rows of frame 1 and ``shots - k`` rows of frame 0, shuffled.

A circuit qualifies (:func:`frame_weight`) when its ``metadata["prep"]["state"]`` is ``"ghz"``, the
instructions before the window are Clifford and prepare a state stabilised by every ``Z_k Z_{k+1}``
(checked, not assumed), the window is one contiguous block of ``RZ`` gates labelled
``circuits.encoding.WINDOW_LABEL`` (at most one per qubit), the circuit holds no noise instruction,
and the noise model has no error except Pauli ``I``/``Z`` mixtures on the window label and readout
errors. Emission, T1/T2, gate errors and device noise leave the state's subspace: not framed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Gate
from qiskit.circuit.library import ZGate
from qiskit.primitives import BitArray, DataBin, PrimitiveResult, SamplerPubResult
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit_aer.noise import NoiseModel, ReadoutError

from bellsense.circuits import WINDOW_LABEL

from .pubsampler import PubSampler

__all__ = ["FRAMES_REASON", "FrameSampler", "flip_probability", "window_flip_probabilities", "window_block",
           "in_ghz_subspace", "frame_weight", "frames_apply", "frame_circuit", "readout_model", "mix_frames"]

#: The reason recorded for a framed run (``SimulationChoice.reason`` starts with it).
FRAMES_REASON = "GHZ-subspace dephasing as an exact two-frame mixture: 2 noiseless evolutions per binding"

#: Pauli terms of a window error: the identity, or one Z (Aer's ``to_dict`` spells both ways).
_IDENTITY = ({"name": "id"}, {"name": "pauli", "params": ["I"]})
_FLIP = ({"name": "z"}, {"name": "pauli", "params": ["Z"]})


def flip_probability(p: Sequence[float] | np.ndarray) -> float:
    """Probability ``q = (1 - prod_k (1 - 2 p_k)) / 2`` of an odd number of independent flips.

    Parameters
    ----------
    p : array_like
        Flip probability of each qubit, in [0, 1].
    """
    arr = np.asarray(p, dtype=float).reshape(-1)
    if arr.size and (not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"flip probabilities must be in [0, 1], got {arr.tolist()}")
    return float(0.5 * (1.0 - np.prod(1.0 - 2.0 * arr)))


def _term_kind(term: list[dict[str, Any]]) -> str | None:
    """``"id"``, ``"z"`` or ``None`` (anything else) for one term of a 1-qubit error's ``to_dict``."""
    flips = 0
    for op in term:
        plain = {k: v for k, v in op.items() if k in ("name", "params")}
        if plain in _FLIP:
            flips += 1
        elif plain not in _IDENTITY:
            return None
    return {0: "id", 1: "z"}.get(flips)


def window_flip_probabilities(noise_model: NoiseModel | None, qubits: Sequence[int]) -> np.ndarray | None:
    """Phase-flip probability of every window qubit, or ``None`` if the model does anything else.

    ``None`` when the model holds a quantum error that is not a 1-qubit ``I``/``Z`` mixture on
    :data:`WINDOW_LABEL` (emission, T1/T2, gate or device errors), or an error of another type than
    readout. Qubit-specific errors replace the all-qubit one, as in Aer.
    """
    default = 0.0
    local: dict[int, float] = {}
    for err in ([] if noise_model is None else noise_model.to_dict()["errors"]):
        if err["type"] == "roerror" and list(err["operations"]) == ["measure"]:
            continue
        if err["type"] != "qerror" or list(err["operations"]) != [WINDOW_LABEL]:
            return None
        kinds = [_term_kind(term) for term in err["instructions"]]
        if None in kinds:
            return None
        p = float(sum(prob for kind, prob in zip(kinds, err["probabilities"]) if kind == "z"))
        targets = err.get("gate_qubits")
        if targets is None:
            default = p
        elif all(len(t) == 1 for t in targets):
            local.update({int(t[0]): p for t in targets})
        else:
            return None
    return np.array([local.get(int(q), default) for q in qubits], dtype=float)


def window_block(circuit: QuantumCircuit) -> tuple[int, int] | None:
    """``(start, stop)`` of the window's instructions in ``circuit.data``, if they qualify.

    They must be contiguous ``rz`` gates labelled :data:`WINDOW_LABEL`, at most one per qubit
    (diagonal: they keep the GHZ subspace and commute with the flip); ``None`` otherwise.
    """
    idx = [i for i, inst in enumerate(circuit.data) if getattr(inst.operation, "label", None) == WINDOW_LABEL]
    if not idx or idx[-1] - idx[0] + 1 != len(idx):
        return None
    block = circuit.data[idx[0]: idx[-1] + 1]
    qubits = [circuit.find_bit(inst.qubits[0]).index for inst in block]
    if any(inst.operation.name != "rz" for inst in block) or len(set(qubits)) != len(qubits):
        return None
    return idx[0], idx[-1] + 1


def in_ghz_subspace(circuit: QuantumCircuit, stop: int) -> bool:
    """Whether the first ``stop`` instructions prepare, from ``|0^n>``, a state in ``span{|0^n>, |1^n>}``.

    Checked on the stabiliser tableau (Clifford instructions only; anything else -> ``False``): every
    ``Z_k Z_{k+1}`` has expectation +1.
    """
    from qiskit.quantum_info import Pauli, StabilizerState

    prefix = circuit.copy_empty_like()
    for inst in circuit.data[:stop]:
        prefix.append(inst)
    try:
        state = StabilizerState(prefix)
    except Exception:  # a non-Clifford instruction: the check cannot be made, so do not frame
        return False
    n = circuit.num_qubits
    for k in range(n - 1):
        label = ["I"] * n
        label[n - 1 - k] = label[n - 2 - k] = "Z"
        if state.expectation_value(Pauli("".join(label))) != 1:
            return False
    return True


def frame_weight(circuit: QuantumCircuit, noise_model: NoiseModel | None) -> float | None:
    """The frame-1 weight q of a qualifying circuit (see the module docstring), else ``None``."""
    from .methods import is_noisy

    prep = ((getattr(circuit, "metadata", None) or {}).get("prep") or {}).get("state")
    if prep != "ghz" or is_noisy([circuit]):
        return None
    if not all(isinstance(inst.operation, Gate) or inst.operation.name in ("barrier", "measure")
               for inst in circuit.data):  # resets, channels, ...: the noiseless frames would not be exact
        return None
    block = window_block(circuit)
    if block is None:
        return None
    qubits = [circuit.find_bit(inst.qubits[0]).index for inst in circuit.data[block[0]: block[1]]]
    p = window_flip_probabilities(noise_model, qubits)
    if p is None or not in_ghz_subspace(circuit, block[0]):
        return None
    return flip_probability(p)


def frames_apply(state: str, noise: Any) -> bool:
    """Whether an experiment point (its probe ``state`` and ``bellsense.noise.NoiseSpec``) runs as two frames.

    The spec-level form of :func:`frame_weight` (for ``bellsense check``, before circuits exist): a GHZ probe
    and a noise setting with local dephasing and readout errors only.
    """
    if state != "ghz" or getattr(noise, "device", None) is not None or getattr(noise, "T1", None) is not None:
        return False
    others = ("emission", "kappa", "gate_error_1q", "gate_error_2q")
    return not any(np.any(np.asarray(getattr(noise, name, 0.0))) for name in others)


def frame_circuit(circuit: QuantumCircuit) -> QuantumCircuit:
    """Frame 1: the circuit with a ``Z`` on the first window qubit, right after its window gate."""
    block = window_block(circuit)
    if block is None:
        raise ValueError("the circuit has no qualifying sensing window (contiguous RZ gates labelled "
                         f"{WINDOW_LABEL!r}, one per qubit)")
    out = circuit.copy_empty_like()
    for i, inst in enumerate(circuit.data):
        out.append(inst)
        if i == block[0]:
            out.append(ZGate(), inst.qubits)
    return out


def readout_model(noise_model: NoiseModel | None) -> NoiseModel | None:
    """The readout errors of ``noise_model`` alone (``None`` if it has none): Aer applies them at sampling."""
    if noise_model is None:
        return None
    errors = [e for e in noise_model.to_dict()["errors"] if e["type"] == "roerror"]
    if not errors:
        return None
    model = NoiseModel()
    for err in errors:
        readout = ReadoutError(np.asarray(err["probabilities"], dtype=float))
        if err.get("gate_qubits") is None:
            model.add_all_qubit_readout_error(readout)
        else:
            for qubits in err["gate_qubits"]:
                model.add_readout_error(readout, [int(q) for q in qubits])
    return model


def mix_frames(frames: Sequence[BitArray | None], k: np.ndarray, shots: int, rng: np.random.Generator) -> BitArray:
    """One binding-shaped BitArray: per binding ``shots - k`` rows of frame 0, ``k`` of frame 1, shuffled.

    ``frames[f]`` has the bindings' shape and at least as many shots as that frame needs (``None``
    if it needs none); ``k`` has the bindings' shape.
    """
    ref = next(f for f in frames if f is not None)
    shape = tuple(k.shape)
    out = np.empty(shape + (shots, ref.array.shape[-1]), dtype=np.uint8)
    for idx in np.ndindex(*shape):
        need = (shots - int(k[idx]), int(k[idx]))
        rows = [f.array[idx][:m] for f, m in zip(frames, need) if m > 0 and f is not None]
        out[idx] = np.concatenate(rows, axis=0)[rng.permutation(shots)]
    return BitArray(out, ref.num_bits)


class FrameSampler(PubSampler):
    """A ``BaseSamplerV2`` that samples qualifying PUBs as the exact two-frame mixture.

    PUBs that do not qualify (:func:`frame_weight` is ``None``) run on an ordinary noisy Aer sampler
    (the method :func:`~bellsense.backends.methods.circuits_choice` picks without frames).

    Parameters
    ----------
    noise_model : NoiseModel or None
        The window noise model (dephasing on the window label, readout errors).
    method : str
        Aer method of the noiseless frame runs (``statevector`` or ``matrix_product_state``).
    seed : int, optional
        Seeds the binomial draws, the shuffles and the two frames' Aer seeds: equal seeds, equal counts.
    default_shots : int
    """

    def __init__(self, noise_model: NoiseModel | None, method: str, seed: int | None = None, *,
                 default_shots: int = 1024) -> None:
        self.noise_model = noise_model
        self.method = method
        self.seed = seed
        self.default_shots = int(default_shots)

    def _run(self, pubs: list[SamplerPub]) -> PrimitiveResult:
        from .aer import aer_sampler
        from .methods import circuits_choice

        rng = np.random.default_rng(self.seed)
        seeds = [int(s) for s in rng.integers(0, 2**62, size=3)]
        weights = [frame_weight(p.circuit, self.noise_model) for p in pubs]
        framed = {i: q for i, q in enumerate(weights) if q is not None}
        draws = {i: np.asarray(rng.binomial(pubs[i].shots, q, size=pubs[i].parameter_values.shape))
                 for i, q in framed.items()}
        frame_pubs: list[list[tuple[int, SamplerPub]]] = [[], []]
        for i in framed:
            pub, k = pubs[i], draws[i]
            need = (int(np.max(pub.shots - k, initial=0)), int(np.max(k, initial=0)))
            for f, circ in enumerate((pub.circuit, frame_circuit(pub.circuit) if need[1] else None)):
                if need[f] > 0 and circ is not None:
                    frame_pubs[f].append((i, SamplerPub(circ, pub.parameter_values, need[f])))
        ro = readout_model(self.noise_model)
        got: list[dict[int, Any]] = [{}, {}]
        for f in (0, 1):
            if frame_pubs[f]:
                sampler = aer_sampler(ro, self.method, seeds[f])
                res = sampler.run([p for _, p in frame_pubs[f]]).result()
                got[f] = {i: r.data for (i, _), r in zip(frame_pubs[f], res)}
        others = [i for i, q in enumerate(weights) if q is None]
        got_other: dict[int, SamplerPubResult] = {}
        if others:
            circs = [pubs[i].circuit for i in others]
            plain = aer_sampler(self.noise_model, seed=seeds[2], choice=circuits_choice(circs, self.noise_model,
                                                                                         frames=False))
            got_other = dict(zip(others, plain.run([pubs[i] for i in others]).result()))
        results: list[SamplerPubResult] = []
        for i, pub in enumerate(pubs):
            if i not in draws:
                results.append(got_other[i])
                continue
            names = [c.name for c in pub.circuit.cregs]
            data = {name: mix_frames([got[f][i][name] if i in got[f] else None for f in (0, 1)], draws[i],
                                     pub.shots, rng) for name in names}
            shape = pub.parameter_values.shape
            results.append(SamplerPubResult(DataBin(**data, shape=shape), metadata={
                "shots": pub.shots, "circuit_metadata": pub.circuit.metadata,
                "simulator_metadata": {"method": self.method, "frames": True, "frame1_weight": weights[i]}}))
        return PrimitiveResult(results, metadata={"version": 2})
