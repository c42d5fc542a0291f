"""bellsense: quantum-sensing experiments on qubits, from circuits to Fisher information.

Public facade. The four layers are subpackages::

    from bellsense import circuits, noise, backends, estimators

The main job (spec -> run -> record -> report) is available at the top level::

    spec = bellsense.load_spec("examples/ghz_vs_product_dephasing.toml")
    result = bellsense.run_experiment(spec.with_overrides(n=[2, 3, 4]), "runs/first")
    print(bellsense.format_table(result.record))
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import axes, spin, states  # noqa: E402  (core first: the layers import it)
from .errors import BellsenseError, RunFailure, SetupError, SpecError  # noqa: E402


def __getattr__(name: str):
    # The spec (its [noise] is bellsense.noise.NoiseSpec), runner, records and reports import qiskit and
    # the layers: load them on first use so that ``import bellsense`` and ``bellsense --help`` stay fast.
    lazy = {
        "ExperimentSpec": ("spec", "ExperimentSpec"),
        "ProbeSpec": ("spec", "ProbeSpec"),
        "SensingSpec": ("spec", "SensingSpec"),
        "MeasureSpec": ("spec", "MeasureSpec"),
        "RunSpec": ("spec", "RunSpec"),
        "load_spec": ("spec", "load_spec"),
        "NoiseSpec": ("noise", "NoiseSpec"),
        "run_experiment": ("run", "run_experiment"),
        "fetch_run": ("run", "fetch"),
        "demo_spec": ("run", "demo_spec"),
        "RunResult": ("run", "RunResult"),
        "RunRecord": ("records", "RunRecord"),
        "analyse_record": ("report", "analyse"),
        "format_table": ("report", "format_table"),
        "read_record": ("record", "read"),
        "write_record": ("record", "write"),
        "validate_record": ("record", "validate"),
        "plot_all": ("plots", "save_all"),
    }
    if name in lazy:
        import importlib

        module, attr = lazy[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'bellsense' has no attribute {name!r}")


__all__ = [
    "__version__",
    "axes",
    "spin",
    "states",
    "ExperimentSpec",
    "ProbeSpec",
    "SensingSpec",
    "NoiseSpec",
    "MeasureSpec",
    "RunSpec",
    "SpecError",
    "BellsenseError",
    "SetupError",
    "RunFailure",
    "load_spec",
    "run_experiment",
    "fetch_run",
    "demo_spec",
    "RunResult",
    "RunRecord",
    "analyse_record",
    "format_table",
    "read_record",
    "write_record",
    "validate_record",
    "plot_all",
]
