"""Backends by name: ``aer``, ``aer:<method>``, ``fake_<device>``, ``ibm_<device>``, ``ibm:least_busy``;
any ``BaseSamplerV2`` through :func:`sampler_platform`.

Each name resolves to a :class:`~bellsense.backends.platform.Platform` (one subclass per kind of
target). This module holds the one fake-device name resolver (:func:`fake_backend`), the option
tables and the early checks (:func:`check_width`) that make a bad backend fail before anything runs.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bellsense.errors import SetupError

from .aer import METHODS
from .platform import AerPlatform, FakeDevicePlatform, IBMPlatform, Platform, SamplerPlatform

__all__ = [
    "AER_METHODS",
    "PLATFORM_OPTIONS",
    "BackendError",
    "resolve_backend",
    "sampler_platform",
    "fake_backend",
    "fake_device_names",
    "check_width",
    "platform_for",
]

#: Aer methods that sample the bellsense circuits (GHZ preparation, parameterised RZ, measurement,
#: a window noise model): the dense and MPS methods of ``backends.aer``. ``stabilizer`` and
#: ``extended_stabilizer`` cannot take arbitrary RZ angles with noise, ``unitary``/``superop`` do not
#: sample, and ``automatic`` hides which of them runs.
AER_METHODS: tuple[str, ...] = METHODS

#: Options shared by every device platform (fake or IBM): transpilation, layout and sampler options.
_DEVICE_OPTIONS: dict[str, str] = {
    "optimization_level": "preset pass-manager level 0..3 (default 1)",
    "seed_transpiler": "int seed of the transpiler (default 11)",
    "time_unit": "seconds per unit of the sensing time t (default 1e-6)",
    "drop_fraction": "fraction of worst qubits/couplers never used (default 0.1)",
    "dynamical_decoupling": "False, True or a sequence name ('XX', 'XpXm', 'XY4')",
    "twirling": "bool: gate and measurement twirling",
    "pubs_per_job": "PUBs per job (default: all in one job)",
}

#: Options accepted by :func:`resolve_backend`, per kind of name, with what they mean.
PLATFORM_OPTIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
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


class BackendError(SetupError, ValueError):
    """A backend that cannot run the experiment (unknown method, too few qubits); nothing was submitted."""


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
            out[_canonical(attr)] = cls
    return out


def _canonical(name: str) -> str:
    """``"FakeTorino"``, ``"FakeBelemV2"``, ``"fake_torino"``, ``"torino"`` -> ``"fake_torino"``."""
    stem = name.strip()
    stem = stem[len("Fake"):] if stem.startswith("Fake") else stem
    stem = stem[:-2] if stem.endswith("V2") else stem
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower().replace("-", "_").removesuffix("_v2")
    return snake if snake.startswith("fake_") else f"fake_{snake}"


def fake_backend(name: str) -> Any:
    """The ``qiskit_ibm_runtime.fake_provider`` device called ``name`` (a new ``FakeBackendV2``).

    Accepts ``"fake_torino"``, ``"FakeTorino"``, ``"FakeBelemV2"`` or ``"torino"``.

    Raises
    ------
    TypeError
        ``name`` is not a non-empty string.
    ValueError
        No such device; the message lists the known ones.
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"device name must be a non-empty str, got {name!r}")
    classes = _fake_classes()
    key = _canonical(name)
    if key not in classes:
        raise ValueError(f"unknown fake device {name!r}; fake devices: {', '.join(sorted(classes))}")
    with warnings.catch_warnings():  # some snapshots warn on construction ("not typical values")
        warnings.simplefilter("ignore", UserWarning)
        return classes[key]()


_ALLOWED = "allowed: 'aer', 'aer:<method>' (method in {}), 'fake_<device>' (e.g. {}), 'ibm_<device>', 'ibm:least_busy'"


def _allowed_message() -> str:
    return _ALLOWED.format(", ".join(AER_METHODS), ", ".join(fake_device_names()[:6]) + ", ...")


def _check_options(kind: str, options: Mapping[str, Any]) -> dict[str, Any]:
    allowed = PLATFORM_OPTIONS[kind]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown backend option(s) {unknown} for a {kind!r} backend; allowed: {sorted(allowed)}")
    out = dict(options)
    method = out.get("method")
    if method is not None and method not in AER_METHODS:
        raise BackendError(
            f"Aer method {method!r} cannot sample these circuits; allowed: {', '.join(AER_METHODS)}"
        )
    if kind == "aer":
        return out
    for key, value in _DEVICE_DEFAULTS.items():
        out.setdefault(key, value)
    _check_device_options(out)
    return out


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_device_options(out: Mapping[str, Any]) -> None:
    level = out["optimization_level"]
    if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 3:
        raise ValueError(f"optimization_level must be an int in 0..3, got {level!r}")
    if not _is_number(out["time_unit"]) or not out["time_unit"] > 0:
        raise ValueError(f"time_unit must be a positive number of seconds, got {out['time_unit']!r}")
    if not _is_number(out["drop_fraction"]) or not 0 <= out["drop_fraction"] < 1:
        raise ValueError(f"drop_fraction must be a number in [0, 1), got {out['drop_fraction']!r}")
    dd = out["dynamical_decoupling"]
    if not (isinstance(dd, bool) or dd in ("XX", "XpXm", "XY4")):
        raise ValueError(f"dynamical_decoupling must be True, False, 'XX', 'XpXm' or 'XY4', got {dd!r}")
    if not isinstance(out["twirling"], bool):
        raise ValueError(f"twirling must be True or False, got {out['twirling']!r}")
    ppj = out["pubs_per_job"]
    if ppj is not None and (not isinstance(ppj, int) or isinstance(ppj, bool) or ppj < 1):
        raise ValueError(f"pubs_per_job must be a positive int or None, got {ppj!r}")


def resolve_backend(name: str = "aer", **options: Any) -> Platform:
    """Resolve a backend name to a :class:`~bellsense.backends.platform.Platform`.

    Parameters
    ----------
    name : str
        ``"aer"`` (default), ``"aer:<method>"`` (method in :data:`AER_METHODS`), ``"fake_<device>"``
        (any device class of ``qiskit_ibm_runtime.fake_provider``, e.g. ``fake_torino`` -> ``FakeTorino``),
        ``"ibm_<device>"`` or ``"ibm:least_busy"``.
    **options
        Per kind, the keys of :data:`PLATFORM_OPTIONS`.

    Returns
    -------
    AerPlatform, FakeDevicePlatform or IBMPlatform

    Raises
    ------
    TypeError
        ``name`` is not a string.
    ValueError
        Unknown name or option (a :class:`BackendError` for an Aer method that cannot sample);
        the message lists what is allowed.
    CredentialsError
        ``ibm_*`` without a usable saved account or environment credentials.
    """
    if not isinstance(name, str):
        raise TypeError(f"backend name must be a str, got {type(name).__name__}; {_allowed_message()}")
    key = name.strip()
    if key == "aer" or key.startswith("aer:"):
        opts = dict(options)
        if key.startswith("aer:"):
            if opts.get("method", key[4:]) != key[4:]:
                raise ValueError("give the Aer method either in the name 'aer:<method>' or as method=, not both")
            opts["method"] = key[4:]
        opts = _check_options("aer", opts)
        full = "aer" if opts.get("method") is None else f"aer:{opts['method']}"
        return AerPlatform(name=full, options=MappingProxyType(opts))
    if key.startswith("fake_"):
        if key not in _fake_classes():
            raise ValueError(f"unknown fake device {name!r}; {_allowed_message()}; "
                             f"fake devices: {', '.join(fake_device_names())}")
        opts = _check_options("fake", options)
        return FakeDevicePlatform(name=key, options=MappingProxyType(opts), backend=fake_backend(key))
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
                raise ValueError(
                    f"IBM backend {key!r} is not available to this account ({type(exc).__name__})"
                ) from None
        # ibm:least_busy is recorded as the device it picked, so fetch/status find the same jobs.
        return IBMPlatform(name=backend.name if key == "ibm:least_busy" else key, options=MappingProxyType(opts),
                           backend=backend, service=service)
    raise ValueError(f"unknown backend {name!r}; {_allowed_message()}")


def sampler_platform(sampler: Any, name: str | None = None) -> SamplerPlatform:
    """Wrap any ``qiskit.primitives.BaseSamplerV2`` (an Aer sampler, a runtime sampler in a Batch, your own).

    Parameters
    ----------
    sampler : BaseSamplerV2
        Runs the PUBs as given; if it exposes a backend with a coupling map (``sampler.backend()``
        or ``sampler.backend``, as the IBM runtime samplers do), :func:`~bellsense.backends.submit`
        transpiles the PUB circuits to it once.
    name : str, optional
        Name in the run record (default ``"sampler:<class name>"``).

    Notes
    -----
    The jobs live in this process: an interrupted run on a user-supplied sampler cannot be fetched
    after the process ends (``fetch`` says so); IBM runtime job ids stay in the record for retrieval
    through ``QiskitRuntimeService.job``.
    """
    from qiskit.primitives import BaseSamplerV2

    if not isinstance(sampler, BaseSamplerV2):
        raise TypeError(f"sampler must be a qiskit.primitives.BaseSamplerV2, got {type(sampler).__name__}")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise TypeError(f"name must be a non-empty str or None, got {name!r}")
    return SamplerPlatform(name=name or f"sampler:{type(sampler).__name__}", user_sampler=sampler)


def check_width(platform: Platform, n: int) -> None:
    """Raise :class:`BackendError` when ``platform`` has fewer than ``n`` qubits (devices only)."""
    if not isinstance(platform, Platform):
        raise TypeError(f"platform must be a Platform from resolve_backend, got {type(platform).__name__}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    width = platform.num_qubits
    if width is not None and n > width:
        raise BackendError(f"{platform.name} has {width} qubit(s); n = {n} needs at least {n}: "
                           f"use n <= {width} or a larger device")


def platform_for(submission: Any) -> Platform:
    """Re-resolve the platform a submission was made on (``fetch``/``status`` from a record).

    Raises
    ------
    BackendError
        The submission went to a user-supplied sampler: its jobs died with the process that ran them.
    """
    rec = submission.backend
    if rec.get("kind") == SamplerPlatform.kind:
        raise BackendError(
            f"the jobs of {rec.get('name')!r} ran on a user-supplied sampler and lived in the process that "
            "submitted them; they cannot be fetched from the record (job ids: "
            f"{list(submission.job_ids) or 'none'}; IBM runtime jobs can be retrieved with QiskitRuntimeService.job)"
        )
    return resolve_backend(rec["name"], **dict(rec.get("options") or {}))
