"""`bellsense run`, `fetch`, `reproduce` and the PI engine on a real Dask ``LocalCluster`` (loopback only).

Identity: the same seed gives identical counts, exact values and points in-process, with
``--workers 2`` and with ``--scheduler ADDRESS`` (exact equality: a task's seed depends on its key
only, and every task is a deterministic function of its payload and seed). Nothing lost: a run
stopped after k task results is completed by ``bellsense fetch`` with only the missing tasks; a
worker killed by PID mid-run is survived. An unreachable scheduler is exit code 2 naming the
address; an ``ibm_*`` backend ignores ``--workers`` with a notice before any credentials check.
One module-scoped cluster of 2 worker processes serves every test; all sizes are small.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time

import numpy as np
import pytest

from bellsense import cluster as bc
from bellsense import noise, record
from bellsense import run as runner
from bellsense.cli import main
from bellsense.spec import load_spec

distributed = pytest.importorskip("distributed")

SPEC = """
name = "cluster-small"
[probe]
states = ["ghz", "product"]
n = [2, 3]
[sensing]
axis = "z"
theta = "optimal"
t = [0.25, 1.0]
[noise]
dephasing = 0.1
[measure]
quantities = ["fisher", "bell"]
fisher_method = "moments"
[run]
shots = 300
seed = 11
"""
FLAGS = ["--no-progress", "--no-plots"]
TASKS = 16  # 8 points x (exact reference + Aer simulation)


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "small.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def reference(spec_path, tmp_path_factory):
    """The in-process run (no Dask): the record every distributed run must reproduce exactly."""
    out = tmp_path_factory.mktemp("ref") / "run"
    assert main(["run", str(spec_path), "--out", str(out), *FLAGS]) == 0
    rec = record.read(out)
    assert rec.execution.where == "in-process" and {t.worker for t in rec.execution.tasks} == {bc.IN_PROCESS}
    return rec


@pytest.fixture(scope="module")
def session():
    with bc.open_cluster(bc.ClusterSpec(workers=2, timeout=60)) as s:
        yield s


def same_results(a: record.RunRecord, b: record.RunRecord, assert_same) -> None:
    assert b.status == a.status == "complete"
    assert b.circuits == a.circuits  # every count of every binding
    assert_same(b.exact, a.exact)  # another process: floats to 1e-12 (conftest.assert_same)
    assert_same(b.points, a.points)
    assert [j.submission["seed"] for j in b.jobs] == [j.submission["seed"] for j in a.jobs]
    assert [(t.key, t.seed) for t in b.execution.tasks] == [(t.key, t.seed) for t in a.execution.tasks]


def test_in_process_run_is_one_task_per_point(reference, spec_path):
    spec = load_spec(spec_path)
    assert len(reference.execution.tasks) == TASKS and reference.execution.run_seed == 11
    assert len(reference.jobs) == len(spec.points())  # one Aer submission per point
    assert all(t.seed == bc.task_seed(11, t.key) for t in reference.execution.tasks)
    assert min(t.duration for t in reference.execution.tasks) > 0.0  # recorded per task, not a timing claim
    # Per-task seeds, and the physics is unchanged: every Fisher estimate within 4 standard errors of its
    # exact limit (fixed seed, 8 points; 4 sigma keeps the chance of a false failure below 1e-3).
    for p in reference.points:
        if p.fisher_measured.stderr is not None:
            assert abs(p.fisher_measured.value - p.fisher_exact_method) < 4 * p.fisher_measured.stderr


def test_workers_and_scheduler_match_in_process(reference, spec_path, session, tmp_path, capsys, assert_same):
    out_w, out_s = tmp_path / "workers", tmp_path / "scheduler"
    assert main(["run", str(spec_path), "--out", str(out_w), "--workers", "2", *FLAGS]) == 0
    assert main(["run", str(spec_path), "--out", str(out_s), "--scheduler", session.address, *FLAGS]) == 0
    capsys.readouterr()
    workers, sched = record.read(out_w), record.read(out_s)
    same_results(reference, workers, assert_same)
    same_results(reference, sched, assert_same)
    assert workers.execution.where == "Dask LocalCluster with 2 worker processes"
    assert sched.execution.where == f"Dask scheduler at {session.address}"
    assert {t.worker for t in sched.execution.tasks} <= set(session.worker_addresses())
    assert all(t.worker.startswith("tcp://127.0.0.1:") for t in workers.execution.tasks)
    lines = (out_s / "results.jsonl").read_text().splitlines()
    assert len(lines) == TASKS and len({json.loads(line)["key"] for line in lines}) == TASKS


def test_unreachable_scheduler_is_exit_2_naming_the_address(spec_path, tmp_path, capsys):
    with socket.socket() as sock:  # a port that was free a moment ago and is now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    out = tmp_path / "never"
    code = main(["run", str(spec_path), "--out", str(out), "--scheduler", address, "--scheduler-timeout", "2",
                 *FLAGS])
    err = capsys.readouterr().err
    assert code == 2 and address in err and "within 2 s" in err
    assert not out.exists()  # nothing written
    assert main(["run", str(spec_path), "--workers", "2", "--scheduler", address]) == 2
    assert "not both" in capsys.readouterr().err


def test_fetch_after_a_kill_recomputes_only_the_missing_tasks(reference, spec_path, session, tmp_path, capsys,
                                                              assert_same):
    out = tmp_path / "killed"
    stopped = runner.execute(runner.prepare(load_spec(spec_path), out), progress=False, plots=False,
                             cluster=session, stop_after=5)
    on_disk = record.read(stopped.record_path)
    assert on_disk.status == "submitted" and on_disk.jobs == [] and on_disk.execution.results_file == "results.jsonl"
    done = bc.ResultsLog(out / "results.jsonl").load()
    assert len(done) == 5
    assert main(["status", str(out)]) == 0
    assert f"5 of {TASKS} tasks finished (results.jsonl)" in capsys.readouterr().out
    assert main(["fetch", str(out), "--scheduler", session.address, *FLAGS]) == 0
    assert "record:" in capsys.readouterr().out
    same_results(reference, record.read(out), assert_same)
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(lines) == TASKS and len({line["key"] for line in lines}) == TASKS  # the 5 were not recomputed
    assert all(lines[i] == done[lines[i]["key"]].to_dict() for i in range(5))
    # Completed in-process instead: the same record again (the log decides what is left, not the place).
    out2 = tmp_path / "killed-in-process"
    runner.execute(runner.prepare(load_spec(spec_path), out2), progress=False, plots=False, cluster=session,
                   stop_after=9)
    same_results(reference, runner.fetch(out2, progress=False, plots=False).record, assert_same)


def test_ibm_backend_ignores_workers_before_credentials(spec_path, tmp_path, monkeypatch, capsys):
    for var in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "IBM_QUANTUM_TOKEN", "IBMQ_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no saved account either
    out = tmp_path / "ibm"
    code = main(["run", str(spec_path), "--backend", "ibm_torino", "--workers", "2", "--out", str(out), *FLAGS])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and not out.exists()
    assert err[0] == f"bellsense: {bc.describe_ignored(bc.ClusterSpec(workers=2))}"
    assert "IBM jobs are distributed by the runtime's Batch" in err[0] and len(err) >= 2  # then the credentials


def test_pi_engine_sweep_on_the_cluster(session):
    # One task per parameter set; closed forms under local dephasing (docs/PHYSICS.md): GHZ F_Q = N^2 e^{-4 N g t},
    # |+>^N F_Q = N e^{-4 g t}; machine precision (expm_multiply and the block QFI: 1e-10 relative is ample).
    times = (0.0, 0.5, 1.0)
    sets = [noise.PIParams(p, n, times, dephasing=0.1) for n in (3, 8, 40) for p in ("ghz", "product")]
    local = noise.evolve_many(sets, quantities=["qfi", "bell_log10"])
    remote = noise.evolve_many(sets, quantities=["qfi", "bell_log10"], cluster=session)
    assert remote == local
    t = np.array(times)
    for params, values in zip(sets, local):
        n = params.n
        closed = n**2 * np.exp(-4 * n * 0.1 * t) if params.probe == "ghz" else n * np.exp(-4 * 0.1 * t)
        np.testing.assert_allclose(values["qfi"], closed, rtol=1e-10)
    with pytest.raises(ValueError, match="share the key"):
        noise.evolve_many([sets[0], sets[0]])


def test_reproduce_grid_cells_on_the_cluster(session):
    from bellsense.reproduce import takahashi2025 as tk

    gts = np.array([0.0, 0.1, 0.4])
    local = tk.aer_gains([2, 3], gts, "dephasing", 0.5)
    remote = tk.aer_gains([2, 3], gts, "dephasing", 0.5, cluster=session)
    for probe in tk.PROBES:
        np.testing.assert_array_equal(remote[probe], local[probe])
        closed = np.array([tk.closed_gain(probe, "dephasing", n, gts) for n in (2, 3)])
        np.testing.assert_allclose(local[probe], closed, rtol=1e-9, atol=1e-12)  # exact density matrices
    from bellsense.reproduce import proctor2018 as pr

    _, here, _ = pr._ratio_vs_d([1, 2, 3], 2, False)
    _, there, _ = pr._ratio_vs_d([1, 2, 3], 2, False, cluster=session)
    np.testing.assert_array_equal(there["ratio"], here["ratio"])
    np.testing.assert_allclose(here["ratio"], 1 / np.array([1.0, 2.0, 3.0]), rtol=1e-9)  # the 1/d law, exact QFIM


def test_reproduce_cluster_flags(capsys):
    assert main(["reproduce", "proctor2018", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["reproduce", "proctor2018", "--workers", "0"]) == 2


# Last in the module: the restarted worker would have to import qiskit again for a later test.
def test_worker_killed_mid_run_is_survived(reference, spec_path, session, tmp_path, assert_same):
    client = session.client
    pids = client.run(os.getpid)  # {worker address: PID}
    out = tmp_path / "kill"
    killed: list[int] = []

    def kill_a_busy_worker_after_the_first_result() -> None:
        log = out / "results.jsonl"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            if log.exists() and log.read_text().count("\n") >= 1:
                busy = [addr for addr, keys in client.processing().items() if keys and addr in pids]
                if busy:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(pids[busy[0]])
            time.sleep(0.002)

    killer = threading.Thread(target=kill_a_busy_worker_after_the_first_result, daemon=True)
    killer.start()
    result = runner.run_experiment(load_spec(spec_path), out, plots=False, cluster=session)
    killer.join(timeout=5)
    assert killed, "no worker was busy after the first result: the run ended before the kill"
    same_results(reference, result.record, assert_same)
    client.wait_for_workers(2, timeout=60)  # the nanny has replaced the killed process
    assert killed[0] not in client.run(os.getpid).values()
