"""Where the tasks of a run execute: :class:`ClusterSpec` (in-process, a local cluster, or a scheduler).

Validation only: nothing here imports Dask. :mod:`bellsense.cluster` opens the spec and re-exports
every public name of this module.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "IBM_BATCH_REASON",
    "IN_PROCESS",
    "SCHEDULER_ENV",
    "ClusterSpec",
    "add_cluster_options",
    "cluster_from_args",
    "describe_ignored",
    "insecure_notice",
]

#: Environment variable read by :meth:`ClusterSpec.from_options` when no flag names a cluster.
SCHEDULER_ENV = "BELLSENSE_SCHEDULER"
#: Seconds allowed to reach a scheduler.
DEFAULT_TIMEOUT = 30.0
#: Dask ``retries=`` of every task: reruns after an exception raised on a worker.
DEFAULT_RETRIES = 3
#: The worker name of a task run in the submitting process.
IN_PROCESS = "in-process"
#: Why a spec with an IBM backend ignores ``--workers`` / ``--scheduler``.
IBM_BATCH_REASON = "IBM jobs are distributed by the runtime's Batch"

_SCHEMES = ("tcp", "tls", "ws", "wss")


def _check_address(address: str) -> str:
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"scheduler must be a Dask scheduler address such as 'tcp://10.0.0.5:8786', got {address!r}")
    address = address.strip()
    if "://" not in address:
        address = f"tcp://{address}"
    parts = urlsplit(address)
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"scheduler address {address!r} has scheme {parts.scheme!r}; allowed: {', '.join(_SCHEMES)}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"scheduler address {address!r} has a bad port ({exc})") from exc
    if not parts.hostname or port is None:
        raise ValueError(f"scheduler address {address!r} needs a host and a port, e.g. 'tcp://10.0.0.5:8786'")
    return address


@dataclass(frozen=True)
class ClusterSpec:
    """Where the tasks of a run execute.

    Attributes
    ----------
    workers : int, optional
        Start a ``LocalCluster(n_workers=workers, processes=True, threads_per_worker=1)`` on
        127.0.0.1 for the run (``--workers N``).
    scheduler : str, optional
        Address of a running Dask scheduler (``--scheduler``, or ``BELLSENSE_SCHEDULER`` through
        :meth:`from_options`): ``tcp://host:port``, ``tls://host:port`` (with Dask's TLS
        configuration) or ``host:port`` (read as tcp). Never defaulted: a remote machine is only
        ever used when named.
    timeout : float
        Seconds allowed to reach the scheduler (and to start the local cluster).
    retries : int
        Dask ``retries=`` of every task.

    Neither ``workers`` nor ``scheduler``: the tasks run in-process, in order, without Dask.
    Both: ``ValueError``.
    """

    workers: int | None = None
    scheduler: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES

    def __post_init__(self) -> None:
        if self.workers is not None and self.scheduler is not None:
            raise ValueError(
                f"give either workers (start a local cluster, got {self.workers!r}) or scheduler (connect to a "
                f"running one, got {self.scheduler!r}), not both"
            )
        if self.workers is not None:
            if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
                raise ValueError(f"workers must be a positive int (local worker processes), got {self.workers!r}")
        if self.scheduler is not None:
            object.__setattr__(self, "scheduler", _check_address(self.scheduler))
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float) or not (
            math.isfinite(self.timeout) and self.timeout > 0
        ):
            raise ValueError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        object.__setattr__(self, "timeout", float(self.timeout))
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ValueError(f"retries must be a non-negative int, got {self.retries!r}")

    @classmethod
    def from_options(
        cls,
        workers: int | None = None,
        scheduler: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        environ: Mapping[str, str] | None = None,
    ) -> ClusterSpec:
        """The spec of the CLI flags: ``BELLSENSE_SCHEDULER`` applies when neither flag is given.

        An explicit ``--workers`` or ``--scheduler`` overrides the environment variable;
        ``environ`` defaults to ``os.environ``.
        """
        if workers is None and scheduler is None:
            env = (os.environ if environ is None else environ).get(SCHEDULER_ENV, "").strip()
            scheduler = env or None
        return cls(workers=workers, scheduler=scheduler, timeout=timeout, retries=retries)

    @property
    def mode(self) -> str:
        """``"in-process"``, ``"local"`` (a LocalCluster) or ``"scheduler"`` (a running cluster)."""
        if self.workers is not None:
            return "local"
        return "scheduler" if self.scheduler is not None else IN_PROCESS

    def describe(self) -> str:
        """One line for a run's log: where the tasks execute."""
        if self.workers is not None:
            return f"Dask LocalCluster with {self.workers} worker process{'es' if self.workers > 1 else ''}"
        if self.scheduler is not None:
            return f"Dask scheduler at {self.scheduler}"
        return "in-process"


def describe_ignored(spec: ClusterSpec, reason: str = IBM_BATCH_REASON) -> str | None:
    """The notice a runner prints when a run ignores the cluster options, or None if none were given.

    For an ``ibm_*`` backend: ``"--workers ignored: IBM jobs are distributed by the runtime's Batch"``.
    """
    if spec.workers is not None:
        return f"--workers ignored: {reason}"
    if spec.scheduler is not None:
        return f"--scheduler ignored: {reason}"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_notice(spec: ClusterSpec) -> str | None:
    """A warning for a plain-TCP scheduler off this machine (unauthenticated, unencrypted), else None."""
    if spec.scheduler is None:
        return None
    parts = urlsplit(spec.scheduler)
    if parts.scheme in ("tls", "wss") or _is_loopback(parts.hostname or ""):
        return None
    return (
        f"warning: {spec.scheduler} uses {parts.scheme}, which Dask neither authenticates nor encrypts; "
        "use a tls:// address with distributed.comm.tls.* configured, or a private network"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """``--workers N``, ``--scheduler ADDRESS`` and ``--scheduler-timeout S`` (``run``, ``demo``, ``fetch``,
    ``reproduce``); read them back with :func:`cluster_from_args`."""
    parser.add_argument("--workers", metavar="N", type=_positive_int,
                        help="run the tasks on a Dask LocalCluster of N worker processes on this machine")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help=f"run the tasks on the running Dask cluster at ADDRESS (tcp://host:port or tls://...; "
                        f"default ${SCHEDULER_ENV}, else in-process)")
    parser.add_argument("--scheduler-timeout", metavar="S", type=_positive_seconds, default=DEFAULT_TIMEOUT,
                        help=f"seconds allowed to reach the scheduler (default {DEFAULT_TIMEOUT:g})")


def cluster_from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> ClusterSpec:
    """The :class:`ClusterSpec` of parsed :func:`add_cluster_options` flags (and ``BELLSENSE_SCHEDULER``).

    Raises
    ------
    ValueError
        ``--workers`` with ``--scheduler``, or a bad address (the CLI exits with code 2).
    """
    return ClusterSpec.from_options(getattr(args, "workers", None), getattr(args, "scheduler", None),
                                    timeout=getattr(args, "scheduler_timeout", DEFAULT_TIMEOUT), environ=environ)
