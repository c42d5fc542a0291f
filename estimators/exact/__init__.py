"""Exact metrology quantities on states (vectors, density matrices, Dicke-basis states).

``qfi``/``qfim``/``hs_bound`` (seed 001 eqs. 8, 12), classical Fisher information of
readouts (``cfi``, ``cfim``, ``exact_cfi``, ``exact_cfim``), many-body Bell correlators and
the eq. 24 QFI bound (``bell_correlator``, ``bell_qfi_bound``, ``nonlocality_depth``), and the
exact counterparts of the measured quantities (``ghz_fidelity``, ``squeezing_parameter``,
``pi_bell_value``); seed 004's witnesses ``pi_bell_minimum`` (global minimum over the settings),
``concurrence`` / ``two_qubit_state`` and ``best_axis_qfi`` (also for a ``PIState``).
"""

from bellsense.spin import collective, dicke_collective

from .bell import (
    bell_correlator,
    bell_qfi_bound,
    bell_qfi_bound_nbody,
    dicke_reduced_states,
    ghz_fidelity,
    ladder_operators,
    sigma_plus_expectation,
)
from .bounds import (
    BoundsFigureData,
    CECertificate,
    adaptive_bound,
    bounds_figure_data,
    closed_form_qfi,
    parallel_bound,
    parallel_bound_asymptotic,
    parallel_bound_certificate,
)
from .classical import Readout, cfi, cfim, exact_cfi, exact_cfim, hamming_weights, parity_labels, readout_distribution
from .depth import (
    CORRELATOR_ATOL,
    CorrelatorLog10,
    DepthCertificate,
    bell_correlator_log10,
    depth_certificate,
    nonlocality_depth,
)
from .oat import OATParams, best_oat_probe, oat_state
from .pi import pi_bell_correlator, pi_bell_correlator_log10, pi_moments, pi_qfi, pi_qfim, pi_two_qubit_state
from .pi_readout import (
    PIFamily,
    pi_bell_correlator_axis_log10,
    pi_ghz_fidelity,
    pi_readout_cfi,
    pi_readout_distribution,
)
from .probes import ProbeSearch, optimal_symmetric_probe, probe_search
from .qfi import hs_bound, qfi, qfim
from .two_body import concurrence, two_qubit_state
from .witnesses import PIBellMinimum, best_axis_qfi, pi_bell_minimum, pi_bell_value, squeezing_parameter
from .working_point import (
    STATISTICS,
    DensityFamily,
    PureFamily,
    best_working_point,
    cfi_limit,
    fisher_offsets,
    method_limit,
    statistic_values,
)

__all__ = [
    "collective",
    "dicke_collective",
    "qfi",
    "qfim",
    "hs_bound",
    "pi_qfi",
    "pi_qfim",
    "pi_moments",
    "pi_two_qubit_state",
    "pi_bell_correlator",
    "pi_bell_correlator_log10",
    "PIFamily",
    "pi_readout_distribution",
    "pi_readout_cfi",
    "pi_bell_correlator_axis_log10",
    "pi_ghz_fidelity",
    "cfi",
    "cfim",
    "exact_cfi",
    "exact_cfim",
    "readout_distribution",
    "Readout",
    "hamming_weights",
    "parity_labels",
    "bell_correlator",
    "sigma_plus_expectation",
    "ladder_operators",
    "bell_qfi_bound",
    "bell_qfi_bound_nbody",
    "dicke_reduced_states",
    "nonlocality_depth",
    "depth_certificate",
    "DepthCertificate",
    "bell_correlator_log10",
    "CorrelatorLog10",
    "CORRELATOR_ATOL",
    "ghz_fidelity",
    "squeezing_parameter",
    "pi_bell_value",
    "pi_bell_minimum",
    "PIBellMinimum",
    "best_axis_qfi",
    "concurrence",
    "two_qubit_state",
    "STATISTICS",
    "statistic_values",
    "fisher_offsets",
    "method_limit",
    "PureFamily",
    "DensityFamily",
    "cfi_limit",
    "best_working_point",
    "parallel_bound",
    "parallel_bound_asymptotic",
    "adaptive_bound",
    "parallel_bound_certificate",
    "CECertificate",
    "closed_form_qfi",
    "bounds_figure_data",
    "BoundsFigureData",
    "optimal_symmetric_probe",
    "probe_search",
    "ProbeSearch",
    "best_oat_probe",
    "oat_state",
    "OATParams",
]
