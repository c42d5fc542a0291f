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
from .spec import (  # noqa: E402
    ExperimentSpec,
    MeasureSpec,
    NoiseSettings,
    ProbeSpec,
    RunSpec,
    SensingSpec,
    SpecError,
    load_spec,
)


def __getattr__(name: str):
    # The runner, records and reports import qiskit and the layers: load them on first use so that
    # ``import bellsense`` and ``bellsense --help`` stay fast.
    lazy = {
        "run_experiment": ("experiment", "run_experiment"),
        "fetch_run": ("experiment", "fetch"),
        "demo_spec": ("experiment", "demo_spec"),
        "RunResult": ("experiment", "RunResult"),
        "analyse_record": ("report", "analyse"),
        "format_table": ("report", "format_table"),
        "read_record": ("record", "read"),
        "validate_record": ("record", "validate"),
        "plot_all": ("plots", "plot_all"),
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
    "NoiseSettings",
    "MeasureSpec",
    "RunSpec",
    "SpecError",
    "load_spec",
    "run_experiment",
    "fetch_run",
    "demo_spec",
    "RunResult",
    "analyse_record",
    "format_table",
    "read_record",
    "validate_record",
    "plot_all",
]
