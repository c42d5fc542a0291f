"""The Dask execution layer on a real ``distributed.LocalCluster`` (loopback only).

Identity: the same run seed gives the same results in-process, on 2 local worker processes, and
through a scheduler address; equality is exact (integer counts, and float draws from the same
seed), because a task's seed depends on its key only. Robustness: a worker killed by PID while
tasks are in flight, an unreachable scheduler, a run stopped after k results and completed from
its results log. Every cluster is closed by its fixture or context manager.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

import pytest

from bellsense import cluster as bc
from bellsense.errors import RunFailure, SetupError

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")  # installed with distributed

sys.path.insert(0, os.path.dirname(__file__))
import _cluster_fns as fns  # noqa: E402

# The tests folder is not installed: ship the task functions to the workers by value.
cloudpickle.register_pickle_by_value(fns)

RUN_SEED = 2026


def aer_tasks() -> list[bc.Task]:
    """GHZ and product states, n = 2, 3, two window times: 8 small seeded Aer runs."""
    return [
        bc.Task(f"point/{state}/n={n}/t={t}", {"state": state, "n": n, "t": t, "gamma": 0.2, "shots": 256})
        for state in ("ghz", "product") for n in (2, 3) for t in (0.25, 1.0)
    ]


def numpy_tasks(count: int = 6, sleep: float = 0.0) -> list[bc.Task]:
    return [bc.Task(f"draws/{i}", {"size": 5, "sleep": sleep}) for i in range(count)]


def values(results: list[bc.TaskResult]) -> dict[str, object]:
    return {r.key: r.value for r in results}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, object]]:
    """In-process results: the truth every distributed run must reproduce exactly."""
    return {
        "aer": values(bc.run_tasks(aer_tasks(), fns.aer_counts, run_seed=RUN_SEED, progress=False)),
        "numpy": values(bc.run_tasks(numpy_tasks(), fns.numpy_draws, run_seed=RUN_SEED, progress=False)),
    }


@pytest.fixture(scope="module")
def local_session():
    """``ClusterSpec(workers=2)``: a LocalCluster of 2 worker processes, open for the whole module.

    The scheduler tests connect a second client to its address, so one cluster start serves both paths.
    """
    with bc.open_cluster(bc.ClusterSpec(workers=2, timeout=60)) as session:
        yield session


def test_in_process_reference_is_seeded_by_key(reference):
    aer = reference["aer"]
    assert len(aer) == 8 and all(sum(c.values()) == 256 for c in aer.values())
    # Seeds differ between tasks and follow the key, not the position: reversing the order changes nothing.
    reversed_run = bc.run_tasks(list(reversed(numpy_tasks())), fns.numpy_draws, run_seed=RUN_SEED, progress=False)
    assert values(reversed_run) == reference["numpy"]
    assert len({tuple(v) for v in reference["numpy"].values()}) == len(reference["numpy"])
    other_seed = bc.run_tasks(numpy_tasks(), fns.numpy_draws, run_seed=RUN_SEED + 1, progress=False)
    assert all(values(other_seed)[k] != v for k, v in reference["numpy"].items())
    assert {r.worker for r in reversed_run} == {bc.IN_PROCESS}


def test_two_local_workers_match_in_process(reference, local_session):
    session = local_session
    assert session.spec.mode == "local" and len(session.worker_addresses()) == 2
    assert session.address.startswith("tcp://127.0.0.1:")  # loopback only, never exposed
    arrived: list[str] = []
    aer = bc.run_tasks(aer_tasks(), fns.aer_counts, run_seed=RUN_SEED, cluster=session, progress=False,
                       on_result=lambda r: arrived.append(r.key))
    draws = bc.run_tasks(numpy_tasks(), fns.numpy_draws, run_seed=RUN_SEED, cluster=session, progress=False)
    assert values(aer) == reference["aer"]
    assert values(draws) == reference["numpy"]
    assert sorted(arrived) == sorted(t.key for t in aer_tasks())
    assert [r.key for r in aer] == [t.key for t in aer_tasks()]  # returned in task order
    assert {r.worker for r in aer + draws} <= set(session.worker_addresses())
    assert all(r.seed == bc.task_seed(RUN_SEED, r.key) for r in aer)
    assert min(r.duration for r in aer) > 0.0  # recorded per task, not a timing claim


def test_scheduler_address_matches_in_process(reference, local_session):
    spec = bc.ClusterSpec.from_options(environ={bc.SCHEDULER_ENV: local_session.address}, timeout=10)
    assert spec.scheduler == local_session.address and spec.mode == "scheduler"
    aer = bc.run_tasks(aer_tasks(), fns.aer_counts, run_seed=RUN_SEED, cluster=spec, progress=False)
    assert values(aer) == reference["aer"]
    assert {r.worker for r in aer} <= set(local_session.worker_addresses())


def test_unreachable_scheduler_raises_setup_error_quickly():
    with socket.socket() as sock:  # a port that was free a moment ago and is now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(bc.SchedulerUnreachable) as info:
        bc.run_tasks(numpy_tasks(1), fns.numpy_draws, run_seed=1, cluster=bc.ClusterSpec(scheduler=address, timeout=2))
    assert isinstance(info.value, SetupError)  # the CLI maps it to exit code 2
    message = str(info.value)
    # The message states the timeout that bounded the attempt (no wall-clock assertion in tests).
    assert address in message and "within 2 s" in message


def test_tls_address_needs_tls_configuration():
    import dask

    with dask.config.set({key: None for key in bc.TLS_CONFIG_KEYS}):
        with pytest.raises(SetupError, match="distributed.comm.tls.ca-file"):
            with bc.open_cluster(bc.ClusterSpec(scheduler="tls://127.0.0.1:8786", timeout=2)):
                pass


def test_tls_scheduler_with_dask_tls_config(tmp_path, reference):
    """A TLS-only LocalCluster (temporary self-signed certificate) reached through distributed.comm.tls.*."""
    pytest.importorskip("cryptography")  # Security.temporary() makes the certificate with it
    security = distributed.security.Security.temporary()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text(security.tls_ca_file)
    key.write_text(security.tls_client_key)
    import dask

    config = dict(zip(bc.TLS_CONFIG_KEYS, (str(cert), str(cert), str(key))))
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1, host="127.0.0.1",
                                  protocol="tls://", security=security, dashboard_address=None) as cluster, \
            dask.config.set(config):
        assert cluster.scheduler_address.startswith("tls://")
        draws = bc.run_tasks(numpy_tasks(), fns.numpy_draws, run_seed=RUN_SEED, progress=False,
                             cluster=bc.ClusterSpec(scheduler=cluster.scheduler_address, timeout=10))
    assert values(draws) == reference["numpy"]
    assert all(r.worker.startswith("tls://") for r in draws)


def test_interrupted_run_is_completed_from_the_results_log(tmp_path, reference, local_session):
    tasks = aer_tasks()
    log = bc.ResultsLog(tmp_path / "results.jsonl")

    class Stop(Exception):
        pass

    def append_then_stop_after_3(result: bc.TaskResult) -> None:
        log.append(result)
        if len(log.load()) == 3:
            raise Stop  # the run dies here, as if killed after 3 results

    spec = bc.ClusterSpec(scheduler=local_session.address, timeout=10)
    with pytest.raises(Stop):
        bc.run_tasks(tasks, fns.aer_counts, run_seed=RUN_SEED, cluster=spec, progress=False,
                     on_result=append_then_stop_after_3)
    done = log.load()
    assert len(done) == 3
    pending = bc.pending_tasks(tasks, done)
    assert [t.key for t in pending] == [t.key for t in tasks if t.key not in done]
    # "fetch": recompute only the missing tasks (here in-process), appending to the same log.
    rest = bc.run_tasks(pending, fns.aer_counts, run_seed=RUN_SEED, progress=False, on_result=log.append)
    assert {r.key for r in rest} == {t.key for t in pending}
    final = {key: r.value for key, r in log.load().items()}
    assert final == reference["aer"]
    assert bc.pending_tasks(tasks, log.load()) == []


def test_failing_task_reports_its_key_after_the_others_are_delivered(local_session):
    tasks = [bc.Task(f"f/{i}", {"fail": i == 2}) for i in range(4)]
    for cluster in (None, bc.ClusterSpec(scheduler=local_session.address, timeout=10, retries=1)):
        delivered: list[str] = []
        with pytest.raises(bc.TaskFailed, match="'f/2'") as info:
            bc.run_tasks(tasks, fns.fails_when_told, run_seed=3, cluster=cluster, progress=False,
                         on_result=lambda r, d=delivered: d.append(r.key))
        assert isinstance(info.value, RunFailure)
        assert sorted(delivered) == ["f/0", "f/1", "f/3"]
        assert set(info.value.failures) == {"f/2"} and isinstance(info.value.failures["f/2"], ArithmeticError)


# Last in the module: the restarted worker would have to import qiskit again for a later test.
def test_worker_killed_mid_run_is_survived(reference, local_session):
    client = local_session.client
    assert client is not None
    pids = client.run(os.getpid)  # {worker address: PID}
    killed: list[int] = []

    def kill_a_busy_worker(result: bc.TaskResult) -> None:
        if not killed:
            busy = [addr for addr, keys in client.processing().items() if keys]
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(pids[busy[0]])

    # 0.5 s tasks on 2 workers: when the first result arrives, both workers hold a task in flight.
    draws = bc.run_tasks(numpy_tasks(sleep=0.5), fns.numpy_draws, run_seed=RUN_SEED, cluster=local_session,
                         progress=False, on_result=kill_a_busy_worker)
    assert values(draws) == reference["numpy"]
    client.wait_for_workers(2, timeout=30)  # the nanny has replaced the killed process
    assert killed and killed[0] not in client.run(os.getpid).values()
