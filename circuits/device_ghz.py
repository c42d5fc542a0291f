"""GHZ preparation along a spanning tree (a device's coupling map), scheduled for minimum CNOT depth.

``H`` on the root, then one CNOT per tree edge from parent to child. Any spanning tree
gives the same state ``(|0...0> + |1...1>)/sqrt(2)``; what the tree changes is the depth.
A node that already holds the GHZ can entangle one child per step, so with its children
sorted by the time their subtrees need (longest first) the CNOT depth is the optimal
broadcast time of the tree, close to the tree depth (graph radius) instead of n - 1
(the breadth-first layout of IBM's 120-qubit GHZ work, 2025).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit import QuantumCircuit

__all__ = ["ghz_tree", "tree_schedule", "tree_depth", "validate_parents"]


def validate_parents(parents: Sequence[int]) -> np.ndarray:
    """Check that ``parents`` encodes a rooted spanning tree and return it as an int array.

    ``parents[i]`` is the parent of node i and ``-1`` marks the single root.
    """
    par = np.asarray(parents)
    if par.ndim != 1 or par.size == 0 or not np.issubdtype(par.dtype, np.integer):
        raise ValueError(f"parents must be a non-empty 1-D sequence of ints, got {parents!r}")
    n = par.size
    roots = np.flatnonzero(par == -1)
    if roots.size != 1:
        raise ValueError(f"parents must have exactly one root (-1), found {roots.size}")
    bad = [i for i, p in enumerate(par) if p != -1 and not 0 <= p < n]
    if bad or np.any(par == np.arange(n)):
        raise ValueError(f"parents entries must be -1 or another node in 0..{n - 1}; bad nodes {bad}")
    depth = _depths(par)
    if np.any(depth < 0):
        raise ValueError("parents contains a cycle: not every node reaches the root")
    return par.astype(int)


def _depths(par: np.ndarray) -> np.ndarray:
    n = par.size
    depth = np.full(n, -1)
    for start in range(n):
        path: list[int] = []
        v = start
        while v != -1 and depth[v] < 0 and len(path) <= n:
            path.append(v)
            v = par[v]
        if len(path) > n:
            return depth  # cycle
        base = -1 if v == -1 else depth[v]
        if v != -1 and base < 0:
            return depth
        for k, node in enumerate(reversed(path)):
            depth[node] = base + 1 + k
    return depth


def tree_depth(parents: Sequence[int]) -> int:
    """Largest number of edges from the root to a node."""
    return int(_depths(validate_parents(parents)).max())


def tree_schedule(parents: Sequence[int]) -> np.ndarray:
    """Step at which each node receives its CNOT (root: 0), with optimal child order.

    With ``f(v)`` the steps the subtree of v needs after v is entangled and children
    sorted so that ``f(c_1) >= f(c_2) >= ...``, child ``c_i`` (1-based) gets its CNOT at
    ``t(v) + i`` and ``f(v) = max_i (i + f(c_i))`` (classic tree broadcast). The CNOT
    depth of :func:`ghz_tree` is ``max(t)``.
    """
    par = validate_parents(parents)
    n = par.size
    depth = _depths(par)
    children: list[list[int]] = [[] for _ in range(n)]
    for v in np.argsort(depth, kind="stable"):
        if par[v] != -1:
            children[par[v]].append(int(v))
    finish = np.zeros(n, dtype=int)
    for v in np.argsort(-depth, kind="stable"):  # leaves first
        kids = sorted(children[v], key=lambda c: -finish[c])
        children[v] = kids
        finish[v] = max((i + 1 + finish[c] for i, c in enumerate(kids)), default=0)
    times = np.zeros(n, dtype=int)
    for v in np.argsort(depth, kind="stable"):  # root first
        for i, c in enumerate(children[v]):
            times[c] = times[v] + i + 1
    return times


def ghz_tree(parents: Sequence[int]) -> QuantumCircuit:
    """GHZ state on ``len(parents)`` qubits, CNOTs along the tree in scheduled order.

    Parameters
    ----------
    parents : sequence of int
        ``parents[i]`` is the qubit whose CNOT entangles qubit i; ``-1`` for the root.

    Returns
    -------
    QuantumCircuit
        No measurements; metadata ``{"prep": {"state": "ghz", "n": n, "method": "tree",
        "tree_depth": D, "cnot_depth": T}}``.
    """
    par = validate_parents(parents)
    n = par.size
    times = tree_schedule(par.tolist())
    root = int(np.flatnonzero(par == -1)[0])
    circ = QuantumCircuit(n)
    circ.h(root)
    for v in np.argsort(times, kind="stable"):
        if par[v] != -1:
            circ.cx(int(par[v]), int(v))
    circ.metadata = {
        "prep": {
            "state": "ghz",
            "n": n,
            "method": "tree",
            "tree_depth": int(_depths(par).max()),
            "cnot_depth": int(times.max()),
        }
    }
    return circ
