"""Hardware-facing public names (resolution by name, layouts, job records), re-exported by bellsense.backends.

The runner's contract (docs/design.md)::

    target = resolve_backend(name, **options)
    isa, layouts = prepare_circuits(target, circuits)
    submission = submit(target, pubs, shots=..., seed=..., noise_model=None, options=None)
    outcomes = collect(target, submission)          # Outcomes: per PUB a PubOutcome, plus .calibration
    job_statuses(target, submission)
"""

from .calibration import ReadoutCalibration, calibration_circuits, measured_physical_qubits, measured_qubit_groups
from .credentials import CredentialsError, runtime_service
from .device_exact import device_probabilities
from .jobs import Outcomes, PubOutcome, Submission, collect, job_statuses, submit, target_for
from .layout import DeviceErrors, TreeLayout, chain_layout, device_errors, ghz_tree_layout, good_graph
from .prepare import CircuitLayouts, ghz_prefix_length, prepare_circuits, window_to_delay
from .resolve import AER_METHODS, TARGET_OPTIONS, Target, fake_device_names, resolve_backend
from .sampling import DENSITY_MATRIX_MAX, SHOT_BRANCHING_MAX, device_noise_model, device_simulator, make_sampler

__all__ = [
    "AER_METHODS",
    "TARGET_OPTIONS",
    "Target",
    "resolve_backend",
    "fake_device_names",
    "CredentialsError",
    "runtime_service",
    "CircuitLayouts",
    "prepare_circuits",
    "window_to_delay",
    "ghz_prefix_length",
    "DeviceErrors",
    "device_errors",
    "good_graph",
    "TreeLayout",
    "ghz_tree_layout",
    "chain_layout",
    "make_sampler",
    "DENSITY_MATRIX_MAX",
    "SHOT_BRANCHING_MAX",
    "device_simulator",
    "device_noise_model",
    "device_probabilities",
    "ReadoutCalibration",
    "calibration_circuits",
    "measured_physical_qubits",
    "measured_qubit_groups",
    "Submission",
    "PubOutcome",
    "Outcomes",
    "submit",
    "collect",
    "job_statuses",
    "target_for",
]
