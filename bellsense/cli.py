"""The ``bellsense`` command (placeholder until the main-job issue lands)."""

from __future__ import annotations

import argparse
import sys

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bellsense", description="Quantum-sensing experiments on qubits.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="exact QFI of GHZ and product states")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from . import spin, states

        print(f"{'n':>3} {'QFI GHZ':>10} {'QFI |+>^n':>10}")
        for n in range(2, 7):
            jz = spin.jz(n)
            row = []
            for psi in (states.ghz(n), states.product(n)):
                mean = np.vdot(psi, jz @ psi).real
                row.append(4 * (np.vdot(psi, jz @ (jz @ psi)).real - mean**2))
            print(f"{n:>3} {row[0]:>10.4f} {row[1]:>10.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
