"""Device-aware layouts: good qubits, a GHZ broadcast tree, a chain for Dicke/symmetric states.

Qubit quality is the device's *reported* error: readout error plus the mean error of
the qubit's two-qubit couplers (``backend.target``). The worst ``drop_fraction`` of
qubits and of couplers (and every coupler reported broken, error >= 1) are never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bellsense.circuits.device_ghz import tree_depth, tree_schedule

__all__ = ["DeviceErrors", "device_errors", "good_graph", "largest_good_component", "TreeLayout", "ghz_tree_layout",
           "chain_layout"]

_TWO_QUBIT_GATES = ("cz", "ecr", "cx")


@dataclass(frozen=True)
class DeviceErrors:
    """Reported errors of a device.

    Attributes
    ----------
    readout : ndarray, shape (N,)
        Measurement error per qubit (NaN if not reported).
    couplers : dict[(int, int), float]
        Two-qubit gate error per undirected coupler (min over directions and gate names).
    qubit_score : ndarray, shape (N,)
        ``readout + mean coupler error`` (a qubit without working couplers scores +inf).
    """

    readout: np.ndarray
    couplers: dict
    qubit_score: np.ndarray


def device_errors(backend: Any) -> DeviceErrors:
    """Read readout and two-qubit errors from ``backend.target``."""
    target = backend.target
    num = int(backend.num_qubits)
    readout = np.full(num, np.nan)
    if "measure" in target:
        for qargs, props in target["measure"].items():
            if qargs is not None and props is not None and props.error is not None:
                readout[qargs[0]] = props.error
    couplers: dict[tuple[int, int], float] = {}
    for gate in _TWO_QUBIT_GATES:
        if gate not in target:
            continue
        for qargs, props in target[gate].items():
            if qargs is None or len(qargs) != 2:
                continue
            err = 1.0 if props is None or props.error is None else float(props.error)
            key = (min(qargs), max(qargs))
            couplers[key] = min(err, couplers.get(key, np.inf))
    sums = np.zeros(num)
    counts = np.zeros(num)
    for (a, b), err in couplers.items():
        if err < 1.0:
            for q in (a, b):
                sums[q] += err
                counts[q] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean2q = np.where(counts > 0, sums / np.maximum(counts, 1), np.inf)
    ro = np.where(np.isnan(readout), np.nanmax(readout) if np.any(~np.isnan(readout)) else 0.0, readout)
    return DeviceErrors(readout=readout, couplers=couplers, qubit_score=ro + mean2q)


def good_graph(backend: Any, drop_fraction: float = 0.1) -> tuple[dict[int, dict[int, float]], DeviceErrors]:
    """Adjacency ``{q: {neighbour: coupler error}}`` of the qubits and couplers kept.

    Drops the ``ceil(drop_fraction * N)`` qubits with the highest ``qubit_score`` and the
    ``ceil(drop_fraction * M)`` couplers with the highest error, and broken couplers.
    """
    if not 0 <= drop_fraction < 1:
        raise ValueError(f"drop_fraction must be in [0, 1), got {drop_fraction!r}")
    errs = device_errors(backend)
    num = errs.qubit_score.size
    n_drop = int(np.ceil(drop_fraction * num))
    order = np.argsort(errs.qubit_score, kind="stable")
    bad_q = set(order[num - n_drop :].tolist()) if n_drop else set()
    bad_q |= set(np.flatnonzero(~np.isfinite(errs.qubit_score)).tolist())
    edges = sorted(errs.couplers.items(), key=lambda kv: kv[1])
    m_drop = int(np.ceil(drop_fraction * len(edges)))
    kept = edges[: len(edges) - m_drop] if m_drop else edges
    adj: dict[int, dict[int, float]] = {q: {} for q in range(num) if q not in bad_q}
    for (a, b), err in kept:
        if err < 1.0 and a in adj and b in adj:
            adj[a][b] = err
            adj[b][a] = err
    return adj, errs


def largest_good_component(backend: Any, drop_fraction: float = 0.1) -> tuple[int, ...]:
    """Sorted qubits of the largest connected set of good qubits (:func:`good_graph`).

    A GHZ broadcast tree of n qubits exists exactly when n is at most its size (a breadth-first
    search from any of its qubits reaches all of them); a chain of n needs at least that many.
    """
    adj, _ = good_graph(backend, drop_fraction)
    best: list[int] = []
    seen: set[int] = set()
    for start in adj:
        if start in seen:
            continue
        component, stack = [start], [start]
        seen.add(start)
        while stack:
            for w in adj[stack.pop()]:
                if w not in seen:
                    seen.add(w)
                    component.append(w)
                    stack.append(w)
        if len(component) > len(best):
            best = component
    return tuple(sorted(best))


@dataclass(frozen=True)
class TreeLayout:
    """A GHZ broadcast tree on physical qubits.

    Attributes
    ----------
    physical : tuple of int
        ``physical[i]`` hosts logical qubit i (breadth-first order; logical 0 is the root).
    parents : tuple of int
        Logical parent of each logical qubit (``-1`` for the root), for ``circuits.ghz_tree``.
    tree_depth : int
        Edges from the root to the farthest qubit.
    cnot_depth : int
        Steps of the scheduled CNOT broadcast (``max(tree_schedule(parents))``).
    """

    physical: tuple[int, ...]
    parents: tuple[int, ...]
    tree_depth: int
    cnot_depth: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "physical_qubits": list(self.physical),
            "parents": list(self.parents),
            "tree_depth": self.tree_depth,
            "cnot_depth": self.cnot_depth,
        }


def _bfs_tree(adj: dict[int, dict[int, float]], root: int, n: int, score: np.ndarray) -> list[tuple[int, int]] | None:
    """Breadth-first tree of n nodes from ``root``: list of (node, parent) in BFS order."""
    order = [(root, -1)]
    seen = {root}
    layer = [root]
    children_count: dict[int, int] = {root: 0}
    while len(order) < n and layer:
        candidates: dict[int, int] = {}
        for v in layer:
            for w in adj[v]:
                if w in seen:
                    continue
                # parent with fewest children so far, then the better coupler
                best = candidates.get(w)
                if best is None or (children_count[v], adj[v][w]) < (children_count[best], adj[best][w]):
                    candidates[w] = v
        if not candidates:
            break
        nodes = sorted(candidates, key=lambda w: score[w])[: n - len(order)]
        for w in nodes:
            parent = candidates[w]
            children_count[parent] += 1
            children_count[w] = 0
            seen.add(w)
            order.append((w, parent))
        layer = nodes
    return order if len(order) == n else None


def ghz_tree_layout(backend: Any, n: int, drop_fraction: float = 0.1) -> TreeLayout:
    """Best breadth-first GHZ tree of n good qubits.

    Every good qubit is tried as the centre; the tree with the smallest scheduled CNOT
    depth wins, then the smallest tree depth, then the lowest summed qubit score.

    Raises
    ------
    ValueError
        n < 1, or no connected set of n good qubits exists.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    adj, errs = good_graph(backend, drop_fraction)
    score = errs.qubit_score
    best: tuple | None = None
    for root in sorted(adj, key=lambda q: score[q]):
        order = _bfs_tree(adj, root, int(n), score)
        if order is None:
            continue
        index = {q: i for i, (q, _) in enumerate(order)}
        parents = [-1 if p == -1 else index[p] for _, p in order]
        times = tree_schedule(parents)
        key = (int(times.max()), tree_depth(parents), float(sum(score[q] for q, _ in order)))
        if best is None or key < best[0]:
            best = (key, tuple(q for q, _ in order), tuple(parents))
    if best is None:
        raise ValueError(
            f"no connected set of {n} good qubits on {backend.name} (after dropping the worst "
            f"{drop_fraction:.0%}); allowed n <= the largest good connected component"
        )
    (cnot_depth, depth, _), physical, parents = best
    return TreeLayout(physical=physical, parents=parents, tree_depth=depth, cnot_depth=cnot_depth)


def chain_layout(backend: Any, n: int, drop_fraction: float = 0.1, max_steps: int = 200_000) -> tuple[int, ...]:
    """A path of n good qubits (consecutive ones coupled), low error first.

    Depth-first search with backtracking from the best qubits; among neighbours it
    prefers the one with fewest free neighbours (Warnsdorff's rule keeps long paths
    possible), then the lower coupler error.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    adj, errs = good_graph(backend, drop_fraction)
    score = errs.qubit_score
    steps = 0
    for start in sorted(adj, key=lambda q: score[q]):
        path = [start]
        on_path = {start}
        stack = [iter(_ranked(adj, start, on_path))]
        while stack and steps < max_steps:
            if len(path) == n:
                return tuple(path)
            steps += 1
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
                continue
            path.append(nxt)
            on_path.add(nxt)
            stack.append(iter(_ranked(adj, nxt, on_path)))
        if len(path) == n:
            return tuple(path)
    raise ValueError(f"no chain of {n} good qubits found on {backend.name}; use a smaller n or drop_fraction")


def _ranked(adj: dict[int, dict[int, float]], v: int, on_path: set[int]) -> list[int]:
    free = [w for w in adj[v] if w not in on_path]
    return sorted(free, key=lambda w: (sum(1 for u in adj[w] if u not in on_path), adj[v][w]))

