"""Shared pytest configuration.

- A non-interactive matplotlib backend.
- One OpenMP/BLAS thread per test process: the suite runs with ``-n 2`` on 2 cores, and Aer's
  default of all cores per process oversubscribes them (measured ~5x slower density-matrix runs).
  Set before qiskit_aer or numpy's BLAS start their thread pools.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
