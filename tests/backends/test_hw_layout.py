"""Device-aware layouts on fake devices of >= 100 qubits (issue 6 acceptance: n = 40 GHZ)."""

import numpy as np
import pytest
from qiskit_ibm_runtime.fake_provider import FakeSherbrooke, FakeTorino

from bellsense import backends, circuits


def _reported(backend):
    """Independent read of the target: readout error and mean two-qubit error per qubit, couplers."""
    tgt = backend.target
    num = backend.num_qubits
    readout = np.array([tgt["measure"][(q,)].error for q in range(num)])
    gate = "cz" if "cz" in tgt else "ecr"
    edges = {}
    for (a, b), props in tgt[gate].items():
        edges[frozenset((a, b))] = min(props.error, edges.get(frozenset((a, b)), np.inf))
    mean2q = np.array(
        [np.mean([e for k, e in edges.items() if q in k and e < 1] or [np.inf]) for q in range(num)]
    )
    return readout + mean2q, edges


@pytest.fixture(scope="module", params=[FakeTorino, FakeSherbrooke], ids=["torino133", "sherbrooke127"])
def device(request):
    return request.param()


def test_ghz_layout_n40_depth_and_good_qubits(device):
    """Acceptance: n = 40, CNOT depth <= tree depth + 2 on the transpiled circuit, no worst-10% qubit."""
    assert device.num_qubits >= 100
    target = backends.resolve_backend("fake_" + device.name.removeprefix("fake_"))
    isa, lay = backends.prepare_circuits(target, [circuits.assemble(circuits.ghz(40), circuits.bell_setting(40))])
    info = lay.circuits[0]
    assert info["method"] == "ghz_tree"
    two_q_depth = isa[0].depth(lambda inst: inst.operation.num_qubits == 2)
    assert two_q_depth == info["two_qubit_depth"]
    assert two_q_depth <= info["tree_depth"] + 2
    assert info["tree_depth"] < 12  # radius-like, far below the n - 1 = 39 of a chain
    physical = info["physical_qubits"]
    assert len(set(physical)) == 40
    score, edges = _reported(device)
    worst = set(np.argsort(score)[-int(np.ceil(0.1 * device.num_qubits)) :].tolist())
    assert not worst & set(physical)
    m = int(np.ceil(0.1 * len(edges)))
    worst_edges = set(sorted(edges, key=edges.get)[-m:])
    used_cz = {
        frozenset(isa[0].find_bit(q).index for q in inst.qubits)
        for inst in isa[0].data
        if inst.operation.num_qubits == 2
    }
    assert used_cz <= set(edges) and not used_cz & worst_edges


def test_tree_layout_is_a_tree_on_couplers(device):
    tl = backends.ghz_tree_layout(device, 12)
    couplers = {frozenset(k) for k in device.target["cz" if "cz" in device.target else "ecr"].keys()}
    assert tl.parents[0] == -1
    for i, p in enumerate(tl.parents[1:], start=1):
        assert 0 <= p < i  # breadth-first order: parent listed before child
        assert frozenset((tl.physical[i], tl.physical[p])) in couplers
    assert tl.cnot_depth == circuits.tree_schedule(list(tl.parents)).max()


def test_chain_layout_consecutive_qubits_are_coupled(device):
    chain = backends.chain_layout(device, 9)
    couplers = {frozenset(k) for k in device.target["cz" if "cz" in device.target else "ecr"].keys()}
    assert len(set(chain)) == 9
    assert all(frozenset(pair) in couplers for pair in zip(chain, chain[1:]))


def test_layout_input_errors():
    dev = FakeTorino()
    with pytest.raises(ValueError, match="positive int"):
        backends.ghz_tree_layout(dev, 0)
    with pytest.raises(ValueError, match="no connected set of 200"):
        backends.ghz_tree_layout(dev, 200)
    with pytest.raises(ValueError, match="drop_fraction"):
        backends.good_graph(dev, 1.5)
    with pytest.raises(ValueError, match="no chain of 200"):
        backends.chain_layout(dev, 200, max_steps=2000)
