"""Hardware-facing public names (platforms, layouts, job records), re-exported by bellsense.backends.

The runner's contract (docs/design.md)::

    platform = resolve_backend(name, **options)     # or sampler_platform(any_sampler_v2)
    check_width(platform, n)
    isa, layouts = prepare_circuits(platform, circuits)
    submission = submit(platform, pubs, shots=..., seed=..., noise_model=None, options=None)
    results = collect(platform, submission)         # JobResults: per PUB a PubOutcome, plus .calibration
    job_statuses(platform, submission)
    platform_for(submission)                        # on a resumed record
"""

from bellsense.estimators.measured.mitigation import ReadoutCalibration

from .calibration import calibration_circuits, measured_physical_qubits, measured_qubit_groups
from .credentials import CredentialsError, runtime_service
from .device_exact import device_probabilities
from .execute import submit
from .layout import DeviceErrors, TreeLayout, chain_layout, device_errors, ghz_tree_layout, good_graph
from .platform import AerPlatform, FakeDevicePlatform, IBMPlatform, Platform, SamplerPlatform
from .prepare import CircuitLayouts, ghz_prefix_length, prepare_circuits, window_to_delay
from .redact import describe_error, redact
from .resolve import (
    AER_METHODS,
    PLATFORM_OPTIONS,
    BackendError,
    check_width,
    fake_backend,
    fake_device_names,
    platform_for,
    resolve_backend,
    sampler_platform,
)
from .results import JobResults, PubOutcome, collect, job_statuses
from .sampling import DENSITY_MATRIX_MAX, SHOT_BRANCHING_MAX, device_simulator, make_sampler
from .submission import Submission

__all__ = [
    "AER_METHODS",
    "PLATFORM_OPTIONS",
    "Platform",
    "AerPlatform",
    "FakeDevicePlatform",
    "IBMPlatform",
    "SamplerPlatform",
    "BackendError",
    "resolve_backend",
    "sampler_platform",
    "check_width",
    "fake_backend",
    "fake_device_names",
    "platform_for",
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
    "device_probabilities",
    "ReadoutCalibration",
    "calibration_circuits",
    "measured_physical_qubits",
    "measured_qubit_groups",
    "Submission",
    "PubOutcome",
    "JobResults",
    "submit",
    "collect",
    "job_statuses",
    "redact",
    "describe_error",
]
