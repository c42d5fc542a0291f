"""Compose preparation, encoding, window and setting circuits into one experiment circuit."""

from __future__ import annotations

import json

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

#: Metadata keys a part may carry (design.md, "Metadata").
METADATA_KEYS = ("prep", "encoding", "window", "setting")


def assemble(*parts: QuantumCircuit, name: str | None = None) -> QuantumCircuit:
    """Compose ``parts`` in order on the same n qubits and merge their metadata.

    Each part's ``metadata`` may hold any of ``prep``, ``encoding``, ``window``,
    ``setting``; each key may come from one part only. Only the last part may
    measure (a setting circuit with its register ``meas``); classical registers
    are carried over by name. Parameters stay unbound.

    Raises
    ------
    ValueError
        No parts, parts of different widths, a key given twice, an unknown
        metadata key, metadata that is not JSON-serialisable, or a measuring
        part that is not last.
    TypeError
        A part that is not a ``QuantumCircuit``.
    """
    if not parts:
        raise ValueError("assemble needs at least one circuit")
    for i, part in enumerate(parts):
        if not isinstance(part, QuantumCircuit):
            raise TypeError(f"part {i} is a {type(part).__name__}, not a QuantumCircuit")
    n = parts[0].num_qubits
    if any(p.num_qubits != n for p in parts):
        raise ValueError(f"all parts must act on the same qubits; widths are {[p.num_qubits for p in parts]}")
    metadata: dict = {}
    for i, part in enumerate(parts):
        for key, value in (part.metadata or {}).items():
            if key not in METADATA_KEYS:
                raise ValueError(f"part {i} has metadata key {key!r}; allowed keys are {METADATA_KEYS}")
            if key in metadata:
                raise ValueError(f"metadata key {key!r} appears in more than one part (again in part {i})")
            metadata[key] = value
        if part.num_clbits and i != len(parts) - 1:
            raise ValueError(f"part {i} measures but is not the last part; put the measurement setting last")
    try:
        json.dumps(metadata)
    except TypeError as exc:
        raise ValueError(f"merged metadata is not JSON-serialisable: {exc}") from exc
    out = QuantumCircuit(QuantumRegister(n, "q"), name=name or "_".join(p.name for p in parts))
    for part in parts:
        if part.num_clbits:
            out.compose(part, qubits=range(n), clbits=_carry_clbits(out, part), inplace=True)
        else:
            out.compose(part, qubits=range(n), inplace=True)
    out.metadata = metadata
    return out


def _carry_clbits(out: QuantumCircuit, part: QuantumCircuit) -> list:
    """Add ``part``'s classical registers to ``out``; return ``out``'s bits in ``part.clbits`` order."""
    for creg in part.cregs:
        out.add_register(ClassicalRegister(creg.size, creg.name))
    regs = {creg.name: creg for creg in out.cregs}
    bits = []
    for clbit in part.clbits:
        located = part.find_bit(clbit).registers
        if not located:
            raise ValueError("the measuring part has classical bits outside any register; use measure_all()")
        reg, idx = located[0]
        bits.append(regs[reg.name][idx])
    return bits
