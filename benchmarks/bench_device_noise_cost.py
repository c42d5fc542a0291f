"""Where a noisy MPS trajectory of a device run spends its time (issue 14, the fake_kingston n = 50 target).

Runs the GHZ Bell circuit of ``n`` qubits on ``--device`` (default ``fake_kingston``; BFS-tree layout, one Bell
setting) with Aer's ``matrix_product_state`` method, one thread, under seven noise models of the active qubits
(``--models`` picks some):

* ``forced``: a 1e-9 Pauli error on one gate only, so Aer still runs one trajectory per shot but applies
  (almost) no noise: the cost of the circuit and of measuring every qubit;
* ``1q only`` / ``2q only``: the device's 1- or 2-qubit gate errors only;
* ``full``: the device noise model bellsense uses;
* ``full, no id``: the same channels with the identity instructions removed from the error circuits (an exact
  rewrite);
* ``kraus-free``: the model without its Kraus instructions (``backends.rare.split_noise_model``), what
  bellsense's device sampler runs every shot on; the rare T2 > T1 branches it replays are counted per shot
  (``expected replays``). One Kraus instruction anywhere switches Aer to sampling every error as a Kraus
  channel, which is what ``full`` pays for;
* ``bellsense``: the same model with the dense branches' whole channels as Kraus instructions in the circuit
  (``backends.rare.dense_circuit``; T2 = 2 T1 qubits, e.g. on fake_torino): the cost of each shot bellsense runs.

Prints milliseconds per shot (= per trajectory) and the parity of the first setting, side by side::

    python benchmarks/bench_device_noise_cost.py --n 50 --shots 40 [--device fake_torino] [--models full kraus-free]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from qiskit import QuantumCircuit
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel, QuantumError, pauli_error

from bellsense import backends, circuits
from bellsense.backends.rare import branch_sites, dense_circuit, split_noise_model


def _parity(counts: dict[str, int]) -> float:
    return sum((1 - 2 * (k.count("1") % 2)) * v for k, v in counts.items()) / sum(counts.values())


def _without_id(error: QuantumError) -> QuantumError:
    terms = []
    for circ, p in zip(error.circuits, error.probabilities):
        if p <= 0:
            continue
        out = QuantumCircuit(circ.num_qubits)
        for inst in circ.data:
            if inst.operation.name != "id":
                out.append(inst)
        terms.append((out, p))
    return QuantumError(terms)


def models(full: NoiseModel, first: int) -> dict[str, NoiseModel]:
    """The five noise models (Aer keeps its per-qubit errors in private dicts: read them, do not modify)."""
    local: dict[str, dict[tuple[int, ...], Any]] = full._local_quantum_errors
    out = {name: NoiseModel(basis_gates=full.basis_gates) for name in ("forced", "1q only", "2q only", "full, no id")}
    out["forced"].add_quantum_error(pauli_error([("X", 1e-9), ("I", 1 - 1e-9)]), "sx", [first])
    for gate, by_qubits in local.items():
        for qargs, error in by_qubits.items():
            out["1q only" if len(qargs) == 1 else "2q only"].add_quantum_error(error, gate, qargs)
            out["full, no id"].add_quantum_error(_without_id(error), gate, qargs)
    for qargs, error in full._local_readout_errors.items():
        out["full, no id"].add_readout_error(error, qargs)
    out["full"] = full
    split = split_noise_model(full)
    if split is not None:
        out["kraus-free"] = split[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--shots", type=int, default=40)
    parser.add_argument("--device", default="fake_kingston")
    parser.add_argument("--drop", type=float, default=None, help="the layout's drop_fraction (n = 100 on torino)")
    parser.add_argument("--models", nargs="*", default=None, help="only these models (default: all)")
    args = parser.parse_args()
    extra = {} if args.drop is None else {"drop_fraction": args.drop}
    target = backends.resolve_backend(args.device, **extra)
    circ = circuits.assemble(circuits.ghz(args.n), circuits.bell_setting(args.n))
    isa, layout = backends.prepare_circuits(target, [circ])
    phys = layout.circuits[0]["physical_qubits"]
    bound = isa[0].assign_parameters([0.3])
    print(f"{args.device} GHZ n = {args.n}, one Bell setting, {args.shots} shots, ops {dict(bound.count_ops())}")
    split = split_noise_model(target.noise_model(phys))
    runs = models(target.noise_model(phys), phys[0])
    circuit_of = dict.fromkeys(runs, bound)
    if split is not None:
        sites = branch_sites(bound, split[1])
        rare = [b.fire for _, _, b in sites if not b.dense]
        print(f"  Kraus branch sites: {len(sites)}, of which dense (whole channel in every shot): "
              f"{len(sites) - len(rare)}; rare: expected replays per shot {sum(rare):.4f}")
        runs["bellsense"] = split[0]  # the Kraus-free model, dense channels as instructions: what each shot runs
        circuit_of["bellsense"] = dense_circuit(bound, split[1])
    for label, model in runs.items():
        if args.models and label not in args.models:
            continue
        sim = AerSimulator.from_backend(target.device, method="matrix_product_state", noise_model=model,
                                        seed_simulator=1, max_parallel_threads=1)
        start = time.perf_counter()
        sim.run(circuit_of[label], shots=1).result()  # the fixed cost (noise model to Aer), subtracted below
        fixed = time.perf_counter() - start
        start = time.perf_counter()
        counts = sim.run(circuit_of[label], shots=args.shots).result().get_counts()
        per_shot = 1e3 * (time.perf_counter() - start - fixed) / max(args.shots - 1, 1)
        print(f"  {label:12s} {per_shot:7.1f} ms per trajectory   parity {_parity(counts):+.3f}", flush=True)


if __name__ == "__main__":
    main()
