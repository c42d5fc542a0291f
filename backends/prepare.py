"""Circuits -> what a platform runs: :func:`prepare_circuits` (``Platform.prepare``).

Aer runs the logical circuits unchanged. On a device every circuit:

1. has its sensing window (``RZGate(phi t, label="sensing_window")`` on each qubit)
   replaced by a real ``delay(t * time_unit)`` followed by the same ``rz``, so the
   device's own T1/T2 act during sensing (seed 003 on real qubits);
2. gets a device-aware layout: a GHZ preparation prefix (``h`` then one ``cx`` per new
   qubit from an already entangled one) is rebuilt as a breadth-first broadcast tree on
   good qubits (:func:`~bellsense.backends.layout.ghz_tree_layout`); any other circuit is
   placed on a chain of good qubits (Dicke and symmetric states are chain circuits);
3. is transpiled ONCE per layout group with ``generate_preset_pass_manager``; the
   Parameters (``theta``, ``bell_phi``) stay unbound so one PUB carries a whole sweep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qiskit import QuantumCircuit
from qiskit.circuit import Delay
from qiskit.circuit.library import RZGate
from qiskit.transpiler import generate_preset_pass_manager

from bellsense.circuits import WINDOW_LABEL
from bellsense.circuits.device_ghz import ghz_tree

from .layout import chain_layout, ghz_tree_layout
from .platform import Platform

__all__ = ["CircuitLayouts", "prepare_circuits", "device_circuits", "window_to_delay", "ghz_prefix_length"]


@dataclass(frozen=True)
class CircuitLayouts:
    """Where each circuit runs.

    Attributes
    ----------
    device : str or None
        Device name (``None`` on Aer).
    circuits : tuple of dict
        Per circuit: ``{"physical_qubits": [...] | None, "method": "ghz_tree" | "chain" | "aer",
        "tree_depth": int | None, "cnot_depth": int | None}``; ``physical_qubits[q]`` hosts
        logical qubit q (bit q of ``meas``). The runner adds ``"simulation"`` (the Aer method of the
        circuit's own job, ``{"method", "reason", "shot_branching"}``) on fake devices.
    """

    device: str | None
    circuits: tuple[dict, ...]

    @property
    def qubits(self) -> list[int]:
        """Sorted union of the physical qubits used."""
        return sorted({q for c in self.circuits for q in (c["physical_qubits"] or [])})

    def physical_qubits(self, i: int) -> list[int] | None:
        return self.circuits[i]["physical_qubits"]

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.device, "qubits": self.qubits, "circuits": [dict(c) for c in self.circuits]}


def ghz_prefix_length(circuit: QuantumCircuit) -> int:
    """Number of leading instructions that prepare GHZ on all qubits (0 if there is no such prefix).

    The prefix is ``h(r)`` then ``n - 1`` ``cx(c, t)`` with c already entangled and t new
    (barriers allowed in between). Any such sequence prepares ``(|0..0> + |1..1>)/sqrt 2``.
    """
    n = circuit.num_qubits
    reached: set[int] = set()
    count = 0
    for pos, inst in enumerate(circuit.data):
        name = inst.operation.name
        qs = [circuit.find_bit(q).index for q in inst.qubits]
        if name == "barrier":
            continue
        if not reached:
            if name != "h" or inst.operation.params:
                return 0
            reached.add(qs[0])
        elif name == "cx" and qs[0] in reached and qs[1] not in reached:
            reached.add(qs[1])
        else:
            return 0
        count = pos + 1
        if len(reached) == n:
            return count
    return 0


def window_to_delay(
    circuit: QuantumCircuit, seconds_per_t: float, dt: float | None, granularity: int = 1
) -> QuantumCircuit:
    """Replace each sensing-window ``rz`` by ``delay(t)`` + the same ``rz`` on that qubit.

    ``t`` comes from ``circuit.metadata["window"]["t"]``; the delay is in units of ``dt``
    (rounded to the device's granularity) when the device has one, else in seconds.
    """
    windows = [i for i, inst in enumerate(circuit.data) if _is_window(inst)]
    if not windows:
        return circuit
    window = (circuit.metadata or {}).get("window")
    if not isinstance(window, dict) or "t" not in window:
        raise ValueError("circuit has a 'sensing_window' rz but no metadata['window']['t']; circuits.assemble adds it")
    seconds = float(window["t"]) * float(seconds_per_t)
    if seconds < 0:
        raise ValueError(f"window time must be >= 0, got t = {window['t']}")
    if dt:
        ticks = int(round(seconds / dt / granularity)) * granularity
        delay = Delay(ticks, unit="dt") if ticks > 0 else None
    else:
        delay = Delay(seconds, unit="s") if seconds > 0 else None
    out = circuit.copy_empty_like()
    for i, inst in enumerate(circuit.data):
        if i in windows:
            if delay is not None:
                out.append(delay, inst.qubits, [])
            out.append(RZGate(inst.operation.params[0]), inst.qubits, [])
        else:
            out.append(inst)
    return out


def _is_window(inst: Any) -> bool:
    return inst.operation.name == "rz" and getattr(inst.operation, "label", None) == WINDOW_LABEL


def _rebuild_ghz(circuit: QuantumCircuit, prefix: int, parents: Sequence[int]) -> QuantumCircuit:
    out = circuit.copy_empty_like()
    out.compose(ghz_tree(parents), inplace=True)
    for inst in circuit.data[prefix:]:
        out.append(inst)
    return out


def prepare_circuits(
    platform: Platform, circuits: Sequence[QuantumCircuit]
) -> tuple[list[QuantumCircuit], CircuitLayouts]:
    """Make ``circuits`` runnable on ``platform``; returns ``(isa_circuits, layouts)`` aligned with the input.

    Aer and user samplers: the circuits unchanged (the sensing-window label carries the noise).
    Devices (:func:`device_circuits`): window -> delay + rz, device-aware layout, one transpilation
    per layout group with the Parameters left unbound; ``circuit.metadata`` is kept.

    Raises
    ------
    TypeError
        ``platform`` is not a Platform, or ``circuits`` is not a sequence of ``QuantumCircuit``.
    ValueError
        A circuit needs more good qubits than the device has.
    """
    if not isinstance(platform, Platform):
        raise TypeError(f"platform must be a Platform from resolve_backend, got {type(platform).__name__}")
    if isinstance(circuits, QuantumCircuit) or not all(isinstance(c, QuantumCircuit) for c in circuits):
        raise TypeError("circuits must be a list of QuantumCircuit")
    return platform.prepare(list(circuits))


def device_circuits(
    backend: Any, opts: Mapping[str, Any], circuits: list[QuantumCircuit]
) -> tuple[list[QuantumCircuit], CircuitLayouts]:
    """The device path of :func:`prepare_circuits` on ``backend`` with the platform options ``opts``."""
    drop = float(opts.get("drop_fraction", 0.1))
    tgt = backend.target
    dt = getattr(tgt, "dt", None)
    gran = int(getattr(tgt, "granularity", 1) or 1)

    groups: dict[tuple, list[int]] = {}
    staged: list[QuantumCircuit] = []
    layouts: dict[tuple, tuple[tuple[int, ...], dict]] = {}
    for i, circ in enumerate(circuits):
        if circ.num_qubits > backend.num_qubits:
            raise ValueError(f"circuit {i} has {circ.num_qubits} qubits; {backend.name} has {backend.num_qubits}")
        prefix = ghz_prefix_length(circ)
        key = ("ghz_tree", circ.num_qubits) if prefix else ("chain", circ.num_qubits)
        if key not in layouts:
            if prefix:
                tree = ghz_tree_layout(backend, circ.num_qubits, drop)
                layouts[key] = (tree.physical, {"method": "ghz_tree", "tree_depth": tree.tree_depth,
                                                "cnot_depth": tree.cnot_depth, "parents": list(tree.parents)})
            else:
                layouts[key] = (chain_layout(backend, circ.num_qubits, drop),
                                {"method": "chain", "tree_depth": None, "cnot_depth": None})
        if prefix:
            circ = _rebuild_ghz(circ, prefix, layouts[key][1]["parents"])
        staged.append(window_to_delay(circ, float(opts.get("time_unit", 1e-6)), dt, gran))
        groups.setdefault(key, []).append(i)

    isa: list[QuantumCircuit | None] = [None] * len(circuits)
    info: list[dict | None] = [None] * len(circuits)
    for key, idx in groups.items():
        physical, extra = layouts[key]
        pm = generate_preset_pass_manager(
            optimization_level=int(opts.get("optimization_level", 1)),
            backend=backend,
            initial_layout=list(physical),
            seed_transpiler=int(opts.get("seed_transpiler", 11)),
        )
        out = pm.run([staged[i] for i in idx])
        for i, c in zip(idx, out):
            c.metadata = dict(circuits[i].metadata or {})
            isa[i] = c
            final = c.layout.final_index_layout() if c.layout is not None else list(physical)
            info[i] = {"physical_qubits": [int(q) for q in final], **{k: v for k, v in extra.items() if k != "parents"},
                       "two_qubit_depth": _two_qubit_depth(c)}
    return isa, CircuitLayouts(device=backend.name, circuits=tuple(info))  # type: ignore[arg-type]


def _two_qubit_depth(circuit: QuantumCircuit) -> int:
    return int(circuit.depth(lambda inst: inst.operation.num_qubits == 2 and inst.operation.name != "barrier"))
