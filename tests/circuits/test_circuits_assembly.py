"""``assemble``: composition order, merged JSON metadata, and its error cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from bellsense import states
from bellsense.circuits import (
    BELL_PHI,
    THETA,
    WINDOW_LABEL,
    assemble,
    bell_setting,
    collective_readout,
    dicke,
    ghz,
    phase_encoding,
    sensing_window,
    symmetric_state,
)


def test_assemble_composes_in_order_and_merges_metadata():
    n = 4
    parts = [ghz(n, "log"), phase_encoding(n, THETA, "z"), sensing_window(n, 0.5, 0.8), bell_setting(n)]
    circuit = assemble(*parts)
    assert circuit.metadata == {key: value for p in parts for key, value in p.metadata.items()}
    assert set(circuit.metadata) == {"prep", "encoding", "window", "setting"}
    json.loads(json.dumps(circuit.metadata))
    assert circuit.parameters == {THETA, BELL_PHI}
    assert [c.name for c in circuit.cregs] == ["meas"] and circuit.count_ops()["measure"] == n
    assert sum(inst.operation.label == WINDOW_LABEL for inst in circuit.data) == n
    # state before the readout: GHZ phase e^{-i n (theta + phi t)} on |1..1> relative to |0..0>
    theta = 0.3
    pre = assemble(ghz(n, "log"), phase_encoding(n, theta), sensing_window(n, 0.5, 0.8))
    vec = Statevector(pre).data
    total = theta + 0.5 * 0.8
    expected = np.zeros(1 << n, dtype=complex)
    expected[0], expected[-1] = np.exp(-1j * n * total / 2), np.exp(1j * n * total / 2)
    assert abs(np.vdot(expected / np.sqrt(2), vec) - 1) < 1e-10


def test_assemble_keeps_global_phase_of_parts():
    amps = np.array([1j, 1, -1]) / np.sqrt(3)
    vec = Statevector(assemble(symmetric_state(amps), phase_encoding(2, 0.0))).data
    assert abs(np.vdot(states.symmetric(amps), vec) - 1) < 1e-10


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: assemble(), "at least one"),
        (lambda: assemble(ghz(3), phase_encoding(4, 0.1)), "same qubits"),
        (lambda: assemble(ghz(3), dicke(3, 1)), "'prep' appears in more than one part"),
        (lambda: assemble(ghz(2), collective_readout(2), phase_encoding(2, 0.1)), "not the last part"),
    ],
)
def test_bad_input_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_unknown_metadata_key_and_type():
    odd = ghz(2)
    odd.metadata = {"colour": "blue"}
    with pytest.raises(ValueError, match="allowed keys"):
        assemble(odd)
    with pytest.raises(TypeError, match="not a QuantumCircuit"):
        assemble(ghz(2), "measure")
