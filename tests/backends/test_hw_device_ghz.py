"""GHZ along a spanning tree (circuits.device_ghz): exact state, optimal broadcast schedule, input checks."""

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from bellsense import states
from bellsense.circuits import ghz_tree, tree_depth, tree_schedule


def _random_tree(n: int, rng: np.random.Generator) -> list[int]:
    # node i > 0 hangs under a random earlier node, then labels are shuffled
    parents = [-1] + [int(rng.integers(0, i)) for i in range(1, n)]
    perm = rng.permutation(n)  # old label -> new label
    out = [0] * n
    for old, p in enumerate(parents):
        out[perm[old]] = -1 if p == -1 else int(perm[p])
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_any_tree_prepares_ghz_exactly(n):
    rng = np.random.default_rng(n)
    for _ in range(3):
        parents = _random_tree(n, rng)
        sv = Statevector(ghz_tree(parents))
        # exact maths: fidelity 1 to machine precision
        assert abs(abs(np.vdot(states.ghz(n), sv.data)) ** 2 - 1) < 1e-10


def test_schedule_is_the_circuit_cnot_depth_and_respects_the_tree():
    rng = np.random.default_rng(3)
    for n in (4, 9, 16):
        parents = _random_tree(n, rng)
        times = tree_schedule(parents)
        circ = ghz_tree(parents)
        assert circ.depth(lambda inst: inst.operation.num_qubits == 2) == times.max()
        assert circ.metadata["prep"]["cnot_depth"] == times.max()
        for v, p in enumerate(parents):
            if p != -1:
                assert times[v] > times[p]  # a child is entangled after its parent
        # one CNOT per parent per step
        for p in set(parents) - {-1}:
            kids = [times[v] for v, q in enumerate(parents) if q == p]
            assert len(set(kids)) == len(kids)


def test_known_broadcast_times():
    # path of 4 from an end: depth 3; star of 4 (root with 3 children): 3 steps; binary tree of 7: 4 steps
    assert tree_schedule([-1, 0, 1, 2]).max() == 3 and tree_depth([-1, 0, 1, 2]) == 3
    assert tree_schedule([-1, 0, 0, 0]).max() == 3 and tree_depth([-1, 0, 0, 0]) == 1
    # the deeper subtree goes first: root 0 -> {1 (with child 3), 2}: depth 2, not 3
    assert tree_schedule([-1, 0, 0, 1]).max() == 2
    assert tree_schedule([-1, 0, 0, 1, 1, 2, 2]).max() == 4


@pytest.mark.parametrize(
    "parents, match",
    [
        ([0, 1], "exactly one root"),
        ([-1, -1], "exactly one root"),
        ([-1, 5], "bad nodes"),
        ([-1, 2, 1], "cycle"),
        ([], "non-empty"),
        ([-1.0, 0.0], "ints"),
    ],
)
def test_bad_trees_are_rejected(parents, match):
    with pytest.raises(ValueError, match=match):
        ghz_tree(parents)
