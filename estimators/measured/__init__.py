"""Counts -> estimates with standard errors (the measured side of ``bellsense.estimators``).

One module per idea: ``estimate`` (the :class:`Estimate` result type), ``shots`` (counts,
BitArrays and packed shot arrays; marginals, Z-products, parity, Hamming weights), ``bell``
(E_{A,B}, Bell violation, depth, QFI bound, GHZ fidelity), ``fisher`` (three Fisher-information
estimators), ``phase`` (maximum likelihood), ``pi_bell`` (seed 004 inequality), ``squeezing``
(xi^2) and ``mitigation`` (tensored readout-error inversion).
"""

from .bell import (
    BellAnalysis,
    BellSetting,
    analyse_bell,
    bootstrap_correlator,
    claimed_depth,
    correlator_from_sigma_plus,
    ghz_fidelity_from_counts,
    parse_bell_setting,
    sigma_plus_from_counts,
    sigma_plus_from_parities,
)
from .bell_settings import bind_sweep
from .estimate import Estimate, z_for_confidence
from .fisher import fisher_finite_difference, fisher_hellinger, fisher_moments, observable_values, outcome_distributions
from .mitigation import (
    ReadoutCalibration,
    calibrate_readout,
    combine_calibrations,
    mitigated_hamming_distribution,
    mitigated_parity,
    mitigated_z_expectation,
)
from .phase import PhaseStudy, class_counts, mle_phase, mle_study, model_fisher
from .pi_bell import PIBellResult, pi_bell_from_counts
from .shots import (
    Outcomes,
    as_outcomes,
    hamming_counts,
    hamming_distribution,
    hamming_moments,
    marginal_counts,
    marginal_probabilities,
    parity,
    z_correlations,
    z_expectation,
)
from .squeezing import squeezing_from_counts

__all__: list[str] = [
    "Estimate",
    "z_for_confidence",
    "Outcomes",
    "as_outcomes",
    "marginal_counts",
    "marginal_probabilities",
    "z_expectation",
    "parity",
    "z_correlations",
    "hamming_counts",
    "hamming_distribution",
    "hamming_moments",
    "BellSetting",
    "BellAnalysis",
    "parse_bell_setting",
    "bind_sweep",
    "sigma_plus_from_parities",
    "sigma_plus_from_counts",
    "correlator_from_sigma_plus",
    "bootstrap_correlator",
    "claimed_depth",
    "ghz_fidelity_from_counts",
    "analyse_bell",
    "observable_values",
    "outcome_distributions",
    "fisher_moments",
    "fisher_hellinger",
    "fisher_finite_difference",
    "class_counts",
    "model_fisher",
    "mle_phase",
    "mle_study",
    "PhaseStudy",
    "PIBellResult",
    "pi_bell_from_counts",
    "squeezing_from_counts",
    "ReadoutCalibration",
    "calibrate_readout",
    "combine_calibrations",
    "mitigated_z_expectation",
    "mitigated_parity",
    "mitigated_hamming_distribution",
]
