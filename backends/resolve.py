"""Backends by name: ``aer``, ``aer:<method>``, ``fake_<device>``, ``ibm_<device>``, ``ibm:least_busy``.

A :class:`Target` is what the runner passes around: its name, kind and JSON-safe
options, plus the live backend object (never serialised).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["Target", "resolve_backend", "fake_device_names", "AER_METHODS", "TARGET_OPTIONS"]

AER_METHODS = (
    "automatic",
    "statevector",
    "density_matrix",
    "stabilizer",
    "matrix_product_state",
    "extended_stabilizer",
    "unitary",
    "superop",
)

#: Options shared by every device target (fake or IBM): transpilation, layout and sampler options.
_DEVICE_OPTIONS: dict[str, str] = {
    "optimization_level": "preset pass-manager level 0..3 (default 1)",
    "seed_transpiler": "int seed of the transpiler (default 11)",
    "time_unit": "seconds per unit of the sensing time t (default 1e-6)",
    "drop_fraction": "fraction of worst qubits/couplers never used (default 0.1)",
    "dynamical_decoupling": "False, True or a sequence name ('XX', 'XpXm', 'XY4')",
    "twirling": "bool: gate and measurement twirling",
    "pubs_per_job": "PUBs per job (default: all in one job)",
}

#: Options accepted by :func:`resolve_backend`, per kind, with what they mean.
TARGET_OPTIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "aer": MappingProxyType({"method": "Aer simulation method, one of AER_METHODS"}),
        "fake": MappingProxyType(
            {
                "method": "Aer method simulating the device (default: density_matrix up to 8 active "
                "qubits, statevector with shot branching up to 12, else matrix_product_state)",
                **_DEVICE_OPTIONS,
            }
        ),
        "ibm": MappingProxyType(
            {
                "channel": "QiskitRuntimeService channel",
                "instance": "QiskitRuntimeService instance (CRN)",
                **_DEVICE_OPTIONS,
            }
        ),
    }
)

_DEVICE_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "optimization_level": 1,
        "seed_transpiler": 11,
        "time_unit": 1e-6,
        "drop_fraction": 0.1,
        "dynamical_decoupling": False,
        "twirling": False,
        "pubs_per_job": None,
    }
)


@dataclass(frozen=True)
class Target:
    """A resolved backend.

    Attributes
    ----------
    name : str
        The name as resolved (``"aer"``, ``"aer:density_matrix"``, ``"fake_torino"``, ``"ibm_torino"``).
    kind : str
        ``"aer"``, ``"fake"`` or ``"ibm"``.
    device : str or None
        The device's own name (``backend.name``); ``None`` for plain Aer.
    options : Mapping
        JSON-safe options (defaults filled in).
    backend : BackendV2 or None
        The live backend object (fake or IBM); not compared, not serialised.
    service : QiskitRuntimeService or None
        The live service (IBM only); never serialised.
    """

    name: str
    kind: str
    device: str | None
    options: Mapping[str, Any] = field(default_factory=dict)
    backend: Any = field(default=None, compare=False, repr=False)
    service: Any = field(default=None, compare=False, repr=False)
    cache: dict = field(default_factory=dict, compare=False, repr=False)
    """Per-target memo of expensive derived objects (the device simulator); not serialised."""

    @property
    def num_qubits(self) -> int | None:
        """Number of device qubits (``None`` for Aer)."""
        return None if self.backend is None else int(self.backend.num_qubits)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description: name, kind, device, options (no credentials)."""
        return {"name": self.name, "kind": self.kind, "device": self.device, "options": dict(self.options)}


def fake_device_names() -> list[str]:
    """Names ``fake_<device>`` of every device class in ``qiskit_ibm_runtime.fake_provider``."""
    return sorted(_fake_classes())


def _fake_classes() -> dict[str, type]:
    import qiskit_ibm_runtime.fake_provider as fp
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    out: dict[str, type] = {}
    for attr in dir(fp):
        cls = getattr(fp, attr)
        if isinstance(cls, type) and issubclass(cls, FakeBackendV2) and attr.startswith("Fake"):
            stem = attr[len("Fake") :]
            if stem.endswith("V2"):
                stem = stem[:-2]
            out["fake_" + _snake(stem)] = cls
    return out


def _snake(camel: str) -> str:
    chars = []
    for i, ch in enumerate(camel):
        if ch.isupper() and i > 0:
            chars.append("_")
        chars.append(ch.lower())
    return "".join(chars)


_ALLOWED = "allowed: 'aer', 'aer:<method>' (method in {}), 'fake_<device>' (e.g. {}), 'ibm_<device>', 'ibm:least_busy'"


def _allowed_message() -> str:
    return _ALLOWED.format(", ".join(AER_METHODS), ", ".join(fake_device_names()[:6]) + ", ...")


def _check_options(kind: str, options: Mapping[str, Any]) -> dict[str, Any]:
    allowed = TARGET_OPTIONS[kind]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown backend option(s) {unknown} for a {kind!r} backend; allowed: {sorted(allowed)}"
        )
    out = dict(options)
    if kind != "aer":
        for key, value in _DEVICE_DEFAULTS.items():
            out.setdefault(key, value)
        level = out["optimization_level"]
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 3:
            raise ValueError(f"optimization_level must be an int in 0..3, got {level!r}")
        tu = out["time_unit"]
        if not isinstance(tu, (int, float)) or isinstance(tu, bool) or not tu > 0:
            raise ValueError(f"time_unit must be a positive number of seconds, got {tu!r}")
        df = out["drop_fraction"]
        if not isinstance(df, (int, float)) or isinstance(df, bool) or not 0 <= df < 1:
            raise ValueError(f"drop_fraction must be a number in [0, 1), got {df!r}")
        dd = out["dynamical_decoupling"]
        if not (isinstance(dd, bool) or dd in ("XX", "XpXm", "XY4")):
            raise ValueError(
                f"dynamical_decoupling must be True, False, 'XX', 'XpXm' or 'XY4', got {dd!r}"
            )
        if not isinstance(out["twirling"], bool):
            raise ValueError(f"twirling must be True or False, got {out['twirling']!r}")
        ppj = out["pubs_per_job"]
        if ppj is not None and (not isinstance(ppj, int) or isinstance(ppj, bool) or ppj < 1):
            raise ValueError(f"pubs_per_job must be a positive int or None, got {ppj!r}")
    method = out.get("method")
    if method is not None and method not in AER_METHODS:
        raise ValueError(f"unknown Aer method {method!r}; allowed: {', '.join(AER_METHODS)}")
    return out


def resolve_backend(name: str = "aer", **options: Any) -> Target:
    """Resolve a backend name to a :class:`Target`.

    Parameters
    ----------
    name : str
        ``"aer"`` (default), ``"aer:<method>"``, ``"fake_<device>"`` (any device class of
        ``qiskit_ibm_runtime.fake_provider``, e.g. ``fake_torino`` -> ``FakeTorino``),
        ``"ibm_<device>"`` or ``"ibm:least_busy"``.
    **options
        Per kind, the keys of :data:`TARGET_OPTIONS`.

    Raises
    ------
    TypeError
        ``name`` is not a string.
    ValueError
        Unknown name or option; the message lists what is allowed.
    CredentialsError
        ``ibm_*`` without a usable saved account or environment credentials.
    """
    if not isinstance(name, str):
        raise TypeError(f"backend name must be a str, got {type(name).__name__}; {_allowed_message()}")
    key = name.strip()
    if key == "aer" or key.startswith("aer:"):
        opts = dict(options)
        if key.startswith("aer:"):
            if "method" in opts:
                raise ValueError("give the Aer method either in the name 'aer:<method>' or as method=, not both")
            opts["method"] = key[4:]
        opts = _check_options("aer", opts)
        full = "aer" if opts.get("method") is None else f"aer:{opts['method']}"
        return Target(name=full, kind="aer", device=None, options=MappingProxyType(opts))
    if key.startswith("fake_"):
        classes = _fake_classes()
        if key not in classes:
            raise ValueError(f"unknown fake device {name!r}; {_allowed_message()}; fake devices: {', '.join(sorted(classes))}")
        opts = _check_options("fake", options)
        backend = classes[key]()
        return Target(name=key, kind="fake", device=backend.name, options=MappingProxyType(opts), backend=backend)
    if key.startswith("ibm_") or key == "ibm:least_busy":
        from .credentials import runtime_service

        opts = _check_options("ibm", options)
        service = runtime_service(channel=opts.get("channel"), instance=opts.get("instance"))
        if key == "ibm:least_busy":
            backend = service.least_busy(operational=True, simulator=False)
        else:
            try:
                backend = service.backend(key)
            except Exception as exc:  # QiskitBackendNotFoundError and API errors
                raise ValueError(f"IBM backend {key!r} is not available to this account ({type(exc).__name__})") from None
        return Target(
            # ibm:least_busy is recorded as the device it picked, so fetch/status find the same jobs.
            name=key if key != "ibm:least_busy" else backend.name,
            kind="ibm",
            device=backend.name,
            options=MappingProxyType(opts),
            backend=backend,
            service=service,
        )
    raise ValueError(f"unknown backend {name!r}; {_allowed_message()}")
