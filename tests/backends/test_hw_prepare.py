"""prepare_circuits on devices: window -> delay + rz, device layout, one ISA transpilation, same physics."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import RZGate
from qiskit.converters import circuit_to_dag, dag_to_circuit
from qiskit.quantum_info import Statevector

from bellsense import backends, circuits


@pytest.fixture(scope="module")
def torino():
    return backends.resolve_backend("fake_torino")


def _logical_probs(circ: QuantumCircuit, values: dict) -> np.ndarray:
    bare = circ.remove_final_measurements(inplace=False)
    bare = bare.assign_parameters({p: values[p.name] for p in bare.parameters})
    return Statevector(bare).probabilities()


def _physical_probs(isa: QuantumCircuit, physical: list[int], values: dict) -> np.ndarray:
    """Exact distribution of the logical qubits read on ``physical`` in the ISA circuit (delays are identities)."""
    bound = isa.assign_parameters({p: values[p.name] for p in isa.parameters})
    dag = circuit_to_dag(bound)
    for node in list(dag.op_nodes()):
        if node.op.name in ("measure", "delay", "barrier"):
            dag.remove_op_node(node)
    idle = [w for w in dag.idle_wires() if w in dag.qubits]
    active = [q for q in dag.qubits if q not in idle]
    index = {bound.find_bit(q).index: k for k, q in enumerate(active)}
    dag.remove_qubits(*idle)
    dag.remove_clbits(*dag.clbits)
    sv = Statevector(dag_to_circuit(dag))
    return sv.probabilities([index[p] for p in physical])


def _experiments(n):
    ghz = circuits.assemble(
        circuits.ghz(n),
        circuits.phase_encoding(n, circuits.THETA),
        circuits.sensing_window(n, 0.5, 0.7),
        circuits.bell_setting(n, signs=[1] * (n - 1) + [-1]),
    )
    dicke = circuits.assemble(circuits.dicke(n, 1), circuits.sensing_window(n, 0.25, 1.1),
                              circuits.collective_readout(n, "x"))
    product = circuits.assemble(circuits.product(n), circuits.phase_encoding(n, circuits.THETA),
                                circuits.collective_readout(n, "y"))
    return [ghz, dicke, product]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_isa_circuits_have_the_logical_distribution(torino, n):
    """Exact check (1e-10): layout, GHZ rebuild and window replacement change nothing but where qubits sit."""
    logical = _experiments(n)
    isa, lay = backends.prepare_circuits(torino, logical)
    values = {"theta": 0.37, "bell_phi": 0.9}
    for circ, dev, info in zip(logical, isa, lay.circuits):
        assert dev.metadata == circ.metadata
        assert {p.name for p in dev.parameters} == {p.name for p in circ.parameters}  # still unbound
        ops = set(dev.count_ops())
        assert ops <= set(torino.backend.target.operation_names) | {"barrier", "measure", "delay"}
        np.testing.assert_allclose(_physical_probs(dev, info["physical_qubits"], values), _logical_probs(circ, values),
                                   atol=1e-10)
    assert [c["method"] for c in lay.circuits] == ["ghz_tree", "chain", "chain"]
    assert lay.to_dict()["device"] == "fake_torino"


def test_window_becomes_delay_of_t_time_unit(torino):
    n, t = 3, 0.5
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, t, 0.7), circuits.computational_readout(n))
    isa, _ = backends.prepare_circuits(torino, [circ])
    delays = [inst for inst in isa[0].data if inst.operation.name == "delay"]
    dt = torino.backend.target.dt
    assert len(delays) == n
    for inst in delays:
        assert inst.operation.unit == "dt"
        # t = 0.5 in units of time_unit = 1 us -> 500 ns, rounded to whole dt
        assert abs(inst.operation.duration * dt - t * 1e-6) <= dt
    assert not any(getattr(i.operation, "label", None) == "sensing_window" for i in isa[0].data)


def test_time_unit_option_scales_the_delay():
    target = backends.resolve_backend("fake_torino", time_unit=2e-6)
    circ = circuits.assemble(circuits.product(2), circuits.sensing_window(2, 1.0, 0.1),
                             circuits.computational_readout(2))
    isa, _ = backends.prepare_circuits(target, [circ])
    durations = [i.operation.duration for i in isa[0].data if i.operation.name == "delay"]
    assert durations and all(abs(d * target.backend.target.dt - 2e-6) <= target.backend.target.dt for d in durations)


def test_aer_circuits_unchanged():
    target = backends.resolve_backend("aer")
    logical = _experiments(3)
    isa, lay = backends.prepare_circuits(target, logical)
    assert isa == logical and all(c["physical_qubits"] is None for c in lay.circuits)


def test_ghz_prefix_detection():
    assert backends.ghz_prefix_length(circuits.ghz(5)) == 5
    assert backends.ghz_prefix_length(circuits.ghz(5, method="log")) == 5
    assert backends.ghz_prefix_length(circuits.dicke(4, 2)) == 0
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 0)  # target already entangled: not a GHZ tree
    assert backends.ghz_prefix_length(qc) == 0


def test_prepare_input_errors(torino):
    with pytest.raises(TypeError, match="list of QuantumCircuit"):
        backends.prepare_circuits(torino, circuits.ghz(2))
    bad = circuits.ghz(2)
    bad.append(RZGate(0.1, label="sensing_window"), [0])
    with pytest.raises(ValueError, match="metadata"):
        backends.prepare_circuits(torino, [bad])
