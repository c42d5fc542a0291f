"""Sweeps on a Dask cluster: where the tasks of a run execute, and the loop that executes them.

A run is a list of independent :class:`Task` objects (a stable key and a JSON payload) and one
pure, module-level task function ``fn(payload, seed) -> value``. :func:`run_tasks` executes them

* in-process, one after the other, when the :class:`ClusterSpec` names no cluster (Dask is then
  not even imported);
* on a ``distributed.LocalCluster`` of ``workers`` processes (one thread each) started for the run;
* on a running Dask cluster at ``scheduler`` (a SLURM/PBS allocation through dask-jobqueue, a
  Kubernetes deployment, or ``dask scheduler`` / ``dask worker`` started by hand).

Each task's seed is :func:`task_seed` of the run seed and the task's key, so all three give
identical results. Results are reported as they complete (``distributed.as_completed``), with the
worker address and the time spent; ``on_result`` can append them to a :class:`ResultsLog`, from
which :func:`pending_tasks` gives what is left after a kill. Tasks are submitted with Dask's
``retries``, and a task whose worker dies is rescheduled by Dask, so a lost worker costs time only.

Security: Dask's TCP comms are unauthenticated and unencrypted; anyone who can reach the
scheduler can run code on the workers. There is no default remote address. For a cluster beyond
this machine use ``tls://`` addresses with Dask's TLS configuration (``distributed.comm.tls.ca-file``,
``distributed.comm.tls.client.cert``, ``distributed.comm.tls.client.key``), and keep credentials
out of the payloads (:func:`check_payload` refuses them).
"""

from __future__ import annotations

import contextlib
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cluster_spec import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    IBM_BATCH_REASON,
    IN_PROCESS,
    SCHEDULER_ENV,
    ClusterSpec,
    add_cluster_options,
    cluster_from_args,
    describe_ignored,
    insecure_notice,
)
from .cluster_tasks import (
    CREDENTIAL_KEYS,
    ResultsLog,
    Task,
    TaskResult,
    UnsafePayload,
    check_payload,
    check_unique_keys,
    pending_tasks,
    task_seed,
)
from .errors import RunFailure, SetupError

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "CREDENTIAL_KEYS",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "IBM_BATCH_REASON",
    "IN_PROCESS",
    "SCHEDULER_ENV",
    "ClusterSession",
    "ClusterSpec",
    "ResultsLog",
    "SchedulerUnreachable",
    "Task",
    "TaskFailed",
    "TaskResult",
    "TLS_CONFIG_KEYS",
    "UnsafePayload",
    "add_cluster_options",
    "check_payload",
    "cluster_from_args",
    "describe_ignored",
    "insecure_notice",
    "open_cluster",
    "pending_tasks",
    "run_tasks",
    "task_seed",
    "use_cluster",
]

#: Dask configuration a client needs for a tls:// scheduler (also settable as DASK_DISTRIBUTED__COMM__TLS__...).
TLS_CONFIG_KEYS = (
    "distributed.comm.tls.ca-file",
    "distributed.comm.tls.client.cert",
    "distributed.comm.tls.client.key",
)


class SchedulerUnreachable(SetupError):
    """The Dask scheduler could not be reached within the timeout (names the address and the reason)."""


class TaskFailed(RunFailure):
    """Tasks raised on every attempt; the results of the others were delivered (and logged) first."""

    def __init__(self, message: str, failures: Mapping[str, BaseException]) -> None:
        super().__init__(message)
        self.failures = dict(failures)


def _tls_missing() -> list[str]:
    import dask

    return [key for key in TLS_CONFIG_KEYS if not dask.config.get(key, None)]


def _connect(spec: ClusterSpec) -> Client:
    from distributed import Client

    assert spec.scheduler is not None
    if spec.scheduler.startswith(("tls://", "wss://")):
        missing = _tls_missing()
        if missing:
            raise SetupError(
                f"{spec.scheduler} needs Dask's TLS configuration; not set: {', '.join(missing)} "
                "(e.g. DASK_DISTRIBUTED__COMM__TLS__CA_FILE=ca.pem, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT=..., "
                "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY=..., or a ~/.config/dask/*.yaml)"
            )
    try:
        # security=None: Client builds distributed.security.Security() from the distributed.comm.tls.* config.
        return Client(spec.scheduler, timeout=spec.timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SchedulerUnreachable(
            f"cannot reach the Dask scheduler at {spec.scheduler} within {spec.timeout:g} s: {reason}"
        ) from exc


@dataclass(frozen=True)
class ClusterSession:
    """An open place to run tasks (from :func:`open_cluster`); ``client`` is None in-process."""

    spec: ClusterSpec
    client: Client | None

    @property
    def address(self) -> str:
        """The scheduler address, or ``"in-process"``."""
        return IN_PROCESS if self.client is None else str(self.client.scheduler_info()["address"])

    def worker_addresses(self) -> list[str]:
        """Addresses of the workers currently connected (``["in-process"]`` without Dask)."""
        if self.client is None:
            return [IN_PROCESS]
        return sorted(self.client.scheduler_info(n_workers=-1)["workers"])


@contextlib.contextmanager
def open_cluster(spec: ClusterSpec | None = None) -> Iterator[ClusterSession]:
    """Open the place ``spec`` names for the duration of a ``with`` block, and close it after.

    A local cluster is started on 127.0.0.1 (no dashboard) and shut down at the end; a client
    to a running scheduler is closed (the cluster itself keeps running).

    Raises
    ------
    SchedulerUnreachable
        If the scheduler does not answer within ``spec.timeout`` seconds.
    SetupError
        If a ``tls://`` address is given without Dask's TLS configuration.
    """
    spec = ClusterSpec() if spec is None else spec
    if spec.mode == IN_PROCESS:
        yield ClusterSession(spec, None)
        return
    if spec.workers is not None:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=spec.workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None) as cluster, \
                Client(cluster, timeout=spec.timeout, set_as_default=False) as client:
            yield ClusterSession(spec, client)
        return
    client = _connect(spec)
    try:
        yield ClusterSession(spec, client)
    finally:
        client.close()


@contextlib.contextmanager
def use_cluster(cluster: ClusterSpec | ClusterSession | None) -> Iterator[ClusterSession]:
    """An open session for several :func:`run_tasks` calls: an open ``ClusterSession`` is reused (and
    left open), a ``ClusterSpec`` or None is opened with :func:`open_cluster` for the ``with`` block."""
    if isinstance(cluster, ClusterSession):
        yield cluster
        return
    if cluster is not None and not isinstance(cluster, ClusterSpec):
        raise TypeError(f"cluster must be a ClusterSpec, a ClusterSession or None, got {type(cluster).__name__}")
    with open_cluster(cluster) as session:
        yield session


def _call(fn: Callable[[dict[str, Any], int], Any], payload: dict[str, Any], seed: int) -> tuple[Any, str, float]:
    """Run one task where it lands; returns (value, worker address, seconds in ``fn``)."""
    worker = IN_PROCESS
    distributed = sys.modules.get("distributed")  # always loaded on a worker; never imported in-process
    if distributed is not None:
        with contextlib.suppress(ValueError):  # ValueError: not running on a Dask worker
            worker = str(distributed.get_worker().address)
    start = time.perf_counter()
    value = fn(payload, seed)
    return value, worker, time.perf_counter() - start


def _check_fn(fn: Callable[..., Any]) -> None:
    if not callable(fn):
        raise TypeError(f"fn must be a function fn(payload, seed), got {type(fn).__name__}")
    qualname = getattr(fn, "__qualname__", "")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise TypeError(
            f"fn must be a module-level function that the workers can import, got {qualname!r} "
            "(a lambda or a closure); define it at module level and pass what it needs in the payload"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def run_tasks(
    tasks: Sequence[Task],
    fn: Callable[[dict[str, Any], int], Any],
    *,
    run_seed: int,
    cluster: ClusterSpec | ClusterSession | None = None,
    progress: bool = True,
    on_result: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Execute independent tasks in-process or on a Dask cluster; results in the order of ``tasks``.

    Parameters
    ----------
    tasks : sequence of Task
        Unique keys. Use :func:`pending_tasks` to skip those already in a :class:`ResultsLog`.
    fn : callable
        ``fn(payload, seed) -> value``, a pure module-level function (workers import it by name:
        no lambdas, closures, live backends or samplers). Return JSON-native values (lists, not
        tuples or arrays) so that they come back unchanged from a results log.
    run_seed : int
        Task ``k`` runs with ``task_seed(run_seed, k.key)``, whatever the execution order.
    cluster : ClusterSpec or ClusterSession, optional
        Where to run: None or ``ClusterSpec()`` in-process; a spec is opened (and closed) for this
        call, an open session from :func:`open_cluster` is reused.
    progress : bool
        A tqdm bar that advances as tasks complete.
    on_result : callable, optional
        Called with each :class:`TaskResult` as it arrives, in completion order, in the
        submitting process (e.g. ``ResultsLog(path).append``).

    Raises
    ------
    TaskFailed
        If some tasks raised on every attempt (``1 + retries``). All other tasks still run and
        are passed to ``on_result`` first; ``failures`` maps keys to exceptions.
    SchedulerUnreachable
        If ``cluster`` names a scheduler that does not answer within its timeout.
    """
    tasks = list(tasks)
    check_unique_keys(tasks)
    _check_fn(fn)
    seeds = {task.key: task_seed(run_seed, task.key) for task in tasks}
    if isinstance(cluster, ClusterSession):
        return _execute(tasks, fn, seeds, cluster, progress, on_result)
    if cluster is not None and not isinstance(cluster, ClusterSpec):
        raise TypeError(f"cluster must be a ClusterSpec, a ClusterSession or None, got {type(cluster).__name__}")
    if not tasks:
        return []
    with open_cluster(cluster) as session:
        return _execute(tasks, fn, seeds, session, progress, on_result)


def _execute(
    tasks: list[Task],
    fn: Callable[[dict[str, Any], int], Any],
    seeds: dict[str, int],
    session: ClusterSession,
    progress: bool,
    on_result: Callable[[TaskResult], None] | None,
) -> list[TaskResult]:
    from tqdm.auto import tqdm

    results: dict[str, TaskResult] = {}
    failures: dict[str, BaseException] = {}

    def deliver(key: str, value: Any, worker: str, duration: float) -> None:
        result = TaskResult(key, value, seeds[key], worker, duration)
        results[key] = result
        if on_result is not None:
            on_result(result)

    with tqdm(total=len(tasks), disable=not progress, desc="tasks", unit="task", leave=False) as bar:
        if session.client is None:
            for task in tasks:
                try:
                    outcome = _call(fn, task.payload, seeds[task.key])
                except Exception as exc:  # reported together at the end, as on a cluster
                    failures[task.key] = exc
                else:
                    deliver(task.key, *outcome)  # an on_result error stops the run: not a task failure
                bar.update()
        else:
            from distributed import as_completed

            run_id = uuid.uuid4().hex[:8]
            futures = {
                session.client.submit(_call, fn, task.payload, seeds[task.key], key=f"bellsense-{task.key}-{run_id}",
                                      pure=False, retries=session.spec.retries): task.key
                for task in tasks
            }
            try:
                for future in as_completed(futures, loop=session.client.loop):
                    key = futures[future]
                    try:
                        outcome = future.result()
                    except Exception as exc:
                        failures[key] = exc
                    else:
                        deliver(key, *outcome)
                    future.release()
                    bar.update()
            finally:
                for future in futures:
                    if not future.done():
                        future.cancel()
    if failures:
        first_key, first = next(iter(failures.items()))
        raise TaskFailed(
            f"{len(failures)} of {len(tasks)} tasks failed (first: {first_key!r}, {_first_line(first)}); "
            f"the {len(results)} finished results were delivered",
            failures,
        ) from first
    return [results[task.key] for task in tasks]
