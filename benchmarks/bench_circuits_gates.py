"""Gate counts and build/transpile times of the circuits layer (a plain script; prints a table).

Run: /work/venv/bin/python benchmarks/bench_circuits_gates.py [max_n]

CNOTs are counted after transpile(basis_gates=["cx", "rz", "sx", "x"], optimization_level=1),
and compared with the Baertschi-Eidenbenz count 6nk - 3k^2 - 3k - 4n + 4 (Dicke), 3(n-1)^2
(symmetric states) and ceil(log2 n) / ceil(n/2) CNOT depth (GHZ).
"""

from __future__ import annotations

import sys
import time
from math import ceil, log2

import numpy as np
from qiskit import transpile

from bellsense.circuits import dicke, ghz, symmetric_state

BASIS = ["cx", "rz", "sx", "x"]


def _transpiled(circuit):
    start = time.perf_counter()
    out = transpile(circuit, basis_gates=BASIS, optimization_level=1)
    return out, time.perf_counter() - start


def main(max_n: int = 16) -> None:
    rng = np.random.default_rng(0)
    _transpiled(dicke(4, 2))  # warm-up: the first transpile call pays qiskit's one-off set-up
    print("state        n   k  cx   bound    cx_depth  build_ms  transpile_ms")
    for n in (4, 8, 12, 16, 24, 32):
        if n > max_n:
            break
        k = n // 2
        start = time.perf_counter()
        circuit = dicke(n, k)
        build = time.perf_counter() - start
        t, tt = _transpiled(circuit)
        bound = 6 * n * k - 3 * k * k - 3 * k - 4 * n + 4
        depth = t.depth(lambda i: i.operation.num_qubits == 2)
        cx = t.count_ops().get("cx", 0)
        print(f"dicke     {n:4d} {k:3d} {cx:5d} {bound:6d}  {depth:8d}  {1e3 * build:8.1f}  {1e3 * tt:12.1f}")
        amps = rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1)
        start = time.perf_counter()
        circuit = symmetric_state(amps)
        build = time.perf_counter() - start
        t, tt = _transpiled(circuit)
        depth = t.depth(lambda i: i.operation.num_qubits == 2)
        cx, bound = t.count_ops().get("cx", 0), 3 * (n - 1) ** 2
        print(f"symmetric {n:4d}   - {cx:5d} {bound:6d}  {depth:8d}  {1e3 * build:8.1f}  {1e3 * tt:12.1f}")
        for method, bound in (("linear", ceil(n / 2)), ("log", ceil(log2(n)))):
            t, tt = _transpiled(ghz(n, method))
            depth = t.depth(lambda i: i.operation.num_qubits == 2)
            cx = t.count_ops().get("cx", 0)
            print(f"ghz-{method:6s}{n:4d}   - {cx:5d} {bound:6d}  {depth:8d}  {'':8s}  {1e3 * tt:12.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 32)
