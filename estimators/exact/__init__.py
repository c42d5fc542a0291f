"""Exact metrology quantities on states (vectors, density matrices, Dicke-basis states).

``qfi``/``qfim``/``hs_bound`` (seed 001 eqs. 8, 12), classical Fisher information of
readouts (``cfi``, ``cfim``, ``exact_cfi``, ``exact_cfim``), many-body Bell correlators and
the eq. 24 QFI bound (``bell_correlator``, ``bell_qfi_bound``, ``nonlocality_depth``), and the
exact counterparts of the measured quantities (``ghz_fidelity``, ``squeezing_parameter``,
``pi_bell_value``).
"""

from bellsense.spin import collective, dicke_collective

from .bell import (
    bell_correlator,
    bell_qfi_bound,
    bell_qfi_bound_nbody,
    dicke_reduced_states,
    ghz_fidelity,
    ladder_operators,
    nonlocality_depth,
    sigma_plus_expectation,
)
from .classical import Readout, cfi, cfim, exact_cfi, exact_cfim, hamming_weights, parity_labels, readout_distribution
from .qfi import hs_bound, qfi, qfim
from .witnesses import pi_bell_value, squeezing_parameter

__all__ = [
    "collective",
    "dicke_collective",
    "qfi",
    "qfim",
    "hs_bound",
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
    "ghz_fidelity",
    "squeezing_parameter",
    "pi_bell_value",
]
