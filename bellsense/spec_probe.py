"""The ``[probe]`` section of the experiment spec (:mod:`bellsense.spec`): probe states and sizes.

Every check raises :class:`~bellsense.errors.SpecError` as ``"probe.<key>: <problem>; allowed: <values>"``;
:mod:`bellsense.spec` re-exports :class:`ProbeSpec`, :data:`STATES` and :data:`OPTIMAL_MAX_QUBITS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec_models import check_models, check_network
from .spec_values import as_tuple as _as_tuple
from .spec_values import check_weight_range
from .spec_values import fail as _fail
from .spec_values import integer as _integer
from .spec_values import number as _number

__all__ = ["STATES", "OPTIMAL_MAX_QUBITS", "ProbeSpec"]

STATES = ("ghz", "product", "dicke", "symmetric", "network", "optimal", "lmg", "two_mode", "ising", "gibbs")
#: Largest n of the ``optimal`` probe (prepared by ``circuits.symmetric_state``, O(2^n) gates).
OPTIMAL_MAX_QUBITS = 12


@dataclass(frozen=True)
class ProbeSpec:
    """Probe states and sizes. Every (state, n) pair is a point of the sweep.

    ``k`` is the Dicke excitation number (default ``n // 2``), ``amplitudes`` the
    Dicke amplitudes ``a_0..a_n`` of a symmetric state (they fix n), ``optimal`` the symmetric
    probe with the largest QFI after the window's local noise (``estimators.optimal_symmetric_probe``,
    n <= 12), and
    ``weights`` the coefficients v of the linear function ``theta = v . phi``
    estimated by a sensor network (one entry per sensor; Proctor, Knott & Dunningham, PRL 120, 080501 (2018)),
    ``network`` its probe: ``"linear_function"`` (default, GHZ-like) or ``"separable"`` (a GHZ per sensor,
    ``circuits.separable_sizes``). ``coupling``/``field``: the model ground states of ``bellsense.models``,
    ``lmg`` (J, h; n <= 12), ``two_mode`` (U; n <= 12), ``ising`` (J, h; n <= 8) (``spec_models``);
    ``beta``: the LMG Gibbs state ``gibbs`` (J, h, beta >= 0; n <= 12), a mixed state run as a classical
    ensemble of pure symmetric states (``run.ensemble``).
    """

    states: tuple[str, ...] = ("ghz",)
    n: tuple[int, ...] = (4,)
    k: int | None = None
    amplitudes: tuple[float, ...] | None = None
    weights: tuple[float, ...] | None = None
    network: str | None = None
    coupling: float | None = None
    field: float | None = None
    beta: float | None = None

    def _coefficients(self, name: str, allowed: str) -> tuple[float, ...]:
        """Normalise ``self.<name>`` to a tuple of >= 2 real numbers, not all zero."""
        values = _as_tuple(getattr(self, name))
        object.__setattr__(self, name, values)
        for v in values:
            _number(f"probe.{name}", v, allowed=allowed)
        if len(values) < 2 or not any(values):
            raise _fail(f"probe.{name}", f"{list(values)} is not usable", allowed)
        return values

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", _as_tuple(self.states))
        object.__setattr__(self, "n", _as_tuple(self.n))
        if not self.states:
            raise _fail("probe.states", "is empty", ", ".join(STATES))
        for state in self.states:
            if state not in STATES:
                raise _fail("probe.states", f"unknown state {state!r}", ", ".join(STATES))
        if len(set(self.states)) != len(self.states):
            raise _fail("probe.states", f"{list(self.states)} repeats a state", "each state once")
        if not self.n:
            raise _fail("probe.n", "is empty", "an integer >= 1 or a list of them")
        for n in self.n:
            _integer("probe.n", n, minimum=1, allowed="an integer >= 1 or a list of them")
        if len(set(self.n)) != len(self.n):
            raise _fail("probe.n", f"{list(self.n)} repeats a size", "each size once")
        if self.k is not None:
            if "dicke" not in self.states:
                raise _fail("probe.k", f"does not apply to states {list(self.states)}", "k with state 'dicke' only")
            _integer("probe.k", self.k, minimum=0, allowed="an integer 0 <= k <= n")
            for n in self.n:
                if self.k > n:
                    raise _fail("probe.k", f"k = {self.k} exceeds n = {n}", "an integer 0 <= k <= n")
        if self.amplitudes is not None:
            if "symmetric" not in self.states:
                raise _fail("probe.amplitudes", f"does not apply to states {list(self.states)}",
                            "amplitudes with state 'symmetric' only")
            amps = self._coefficients("amplitudes", "a list of n+1 >= 2 real Dicke amplitudes, not all zero")
            if "symmetric" in self.states and any(n != len(amps) - 1 for n in self.n):
                raise _fail("probe.n", f"{list(self.n)} does not match {len(amps)} amplitudes",
                            f"n = {len(amps) - 1} (the number of amplitudes minus one)")
        elif "symmetric" in self.states:
            raise _fail("probe.amplitudes", "is missing for state 'symmetric'", "a list of n+1 Dicke amplitudes")
        if "optimal" in self.states and any(n > OPTIMAL_MAX_QUBITS for n in self.n):
            raise _fail("probe.n", f"{list(self.n)} has n > {OPTIMAL_MAX_QUBITS} for state 'optimal' (prepared by "
                        "circuits.symmetric_state)", f"n <= {OPTIMAL_MAX_QUBITS} for 'optimal'")
        if self.weights is not None:
            if "network" not in self.states:
                raise _fail("probe.weights", f"does not apply to states {list(self.states)}",
                            "weights with state 'network' only")
            w = self._coefficients("weights", "a list of >= 2 real coefficients (one per sensor), not all zero")
            check_weight_range("probe.weights", w)
            for n in self.n:
                if n < len(w):
                    raise _fail("probe.n", f"n = {n} is smaller than the {len(w)} sensors",
                                "at least one qubit per sensor")
        elif "network" in self.states:
            raise _fail("probe.weights", "is missing for state 'network'", "one coefficient per sensor, e.g. [-1, 1]")
        check_network(self.states, self.network)
        for key, value in check_models(self.states, self.n, {"coupling": self.coupling, "field": self.field,
                                                             "beta": self.beta}).items():
            object.__setattr__(self, key, value)

    def dicke_k(self, n: int) -> int:
        """The Dicke excitation number used at size n (``k`` or ``n // 2``)."""
        return self.k if self.k is not None else n // 2
