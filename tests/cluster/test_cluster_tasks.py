"""Cluster layer without a cluster: specs, task seeds, the credential guard and the results log.

None of these tests starts Dask; the in-process path must not even import it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from bellsense import cluster as bc
from bellsense.errors import BellsenseError, RunFailure


def test_task_seed_is_the_documented_hash_of_run_seed_and_key():
    for run_seed, key in [(0, "a"), (7, "point/ghz/n=4/t=0.5"), (2**40, "cell/U=1.5/N=20")]:
        digest = hashlib.blake2b(f"{run_seed}:{key}".encode(), digest_size=8).digest()
        assert bc.task_seed(run_seed, key) == int.from_bytes(digest, "little") % 2**63
    keys = [f"point/ghz/n={n}/t={t}" for n in range(2, 12) for t in range(20)]
    assert len({bc.task_seed(1, k) for k in keys}) == len(keys)  # 200 keys, no collision in 2^63
    assert bc.task_seed(1, "a") != bc.task_seed(2, "a")
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="run_seed"):
            bc.task_seed(bad, "a")  # type: ignore[arg-type]


def test_cluster_spec_modes_and_errors():
    assert bc.ClusterSpec().mode == bc.IN_PROCESS
    assert bc.ClusterSpec(workers=2).mode == "local"
    assert bc.ClusterSpec(scheduler="10.0.0.5:8786").scheduler == "tcp://10.0.0.5:8786"
    with pytest.raises(ValueError, match="not both"):
        bc.ClusterSpec(workers=2, scheduler="tcp://127.0.0.1:8786")
    for kwargs, match in [({"workers": 0}, "workers"), ({"workers": True}, "workers"), ({"timeout": 0}, "timeout"),
                          ({"timeout": float("inf")}, "timeout"), ({"retries": -1}, "retries"),
                          ({"scheduler": "http://h:1"}, "scheme"), ({"scheduler": "tcp://host"}, "port"),
                          ({"scheduler": ""}, "address")]:
        with pytest.raises(ValueError, match=match):
            bc.ClusterSpec(**kwargs)


def test_scheduler_from_environment_only_without_flags():
    env = {bc.SCHEDULER_ENV: "tcp://127.0.0.1:8786"}
    assert bc.ClusterSpec.from_options(environ={}).mode == bc.IN_PROCESS
    assert bc.ClusterSpec.from_options(environ=env).scheduler == "tcp://127.0.0.1:8786"
    assert bc.ClusterSpec.from_options(workers=3, environ=env) == bc.ClusterSpec(workers=3)
    assert bc.ClusterSpec.from_options(scheduler="tls://10.1.1.1:8786", environ=env).scheduler == "tls://10.1.1.1:8786"


def test_notices():
    ibm = "--workers ignored: IBM jobs are distributed by the runtime's Batch"
    assert bc.describe_ignored(bc.ClusterSpec(workers=4)) == ibm
    assert bc.describe_ignored(bc.ClusterSpec(scheduler="tcp://127.0.0.1:1")).startswith("--scheduler ignored")
    assert bc.describe_ignored(bc.ClusterSpec()) is None
    assert "unauthenticated" not in (bc.insecure_notice(bc.ClusterSpec(scheduler="tcp://127.0.0.1:8786")) or "")
    assert bc.insecure_notice(bc.ClusterSpec(scheduler="tls://10.0.0.5:8786")) is None
    warning = bc.insecure_notice(bc.ClusterSpec(scheduler="tcp://10.0.0.5:8786"))
    assert warning is not None and "tls://" in warning and "10.0.0.5" in warning


@pytest.mark.parametrize("payload", [
    {"token": "abc"},
    {"spec": {"backend": "ibm_torino", "IBM_Token": "abc"}},
    {"api-key": "x"},
    {"settings": [{"password": "x"}]},
    {"instance": "my-hub/group/project"},
    {"where": "crn:v1:bluemix:public:quantum-computing:us-east:a/123::"},
    {"headers": ["Bearer eyJhbGciOi"]},
    {"key_material": "-----BEGIN RSA PRIVATE KEY-----\nMII..."},
])
def test_credential_guard_refuses(payload):
    with pytest.raises(bc.UnsafePayload, match="credential"):
        bc.Task("t", payload)
    with pytest.raises(BellsenseError):
        bc.check_payload(payload)


def test_credential_guard_refuses_the_ibm_token_of_the_environment(monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "a-made-up-token-value-0123456789")
    with pytest.raises(bc.UnsafePayload, match="credential"):
        bc.Task("t", {"note": "a-made-up-token-value-0123456789"})


def test_credential_guard_accepts_physics_payloads():
    payload = {"state": "ghz", "n": 4, "t": 0.5, "max_tokens": 3, "noise": {"dephasing": 0.1},
               "backend": "aer", "circuits_qpy": "UUlTS2l0", "tags": ("a", "b")}
    task = bc.Task("point/ghz/n=4/t=0.5", payload)
    assert task.payload["tags"] == ["a", "b"]  # JSON-normalised: the worker sees the same
    with pytest.raises(bc.UnsafePayload, match="JSON"):
        bc.Task("t", {"x": float("nan")})
    with pytest.raises(bc.UnsafePayload, match="JSON"):
        bc.Task("t", {"x": object()})
    with pytest.raises(TypeError, match="mapping"):
        bc.Task("t", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="key"):
        bc.Task(" t", {})


def test_run_tasks_rejects_duplicates_and_closures():
    tasks = [bc.Task("a", {}), bc.Task("a", {})]
    with pytest.raises(ValueError, match="'a'"):
        bc.run_tasks(tasks, bc.task_seed, run_seed=1, progress=False)

    def local(payload, seed):
        return seed

    with pytest.raises(TypeError, match="module-level"):
        bc.run_tasks([bc.Task("a", {})], local, run_seed=1, progress=False)
    with pytest.raises(TypeError, match="module-level"):
        bc.run_tasks([bc.Task("a", {})], lambda p, s: s, run_seed=1, progress=False)


def test_in_process_path_does_not_import_dask():
    script = (
        "import sys\n"
        "from bellsense import cluster as bc\n"
        "def f(payload, seed):\n"
        "    return payload['x'] + seed % 10\n"
        "r = bc.run_tasks([bc.Task('a', {'x': 1})], f, run_seed=1, progress=False)\n"
        "assert r[0].worker == 'in-process'\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _result(key: str, value: object) -> bc.TaskResult:
    return bc.TaskResult(key, value, bc.task_seed(1, key), bc.IN_PROCESS, 0.25)


def test_results_log_round_trip_and_truncated_last_line(tmp_path):
    log = bc.ResultsLog(tmp_path / "results.jsonl")
    assert log.load() == {}
    first = [_result("a", {"00": 3, "11": 5}), _result("b", [0.1, -2.5e-17, 1e300])]
    log.extend(first)
    assert log.load() == {r.key: r for r in first}
    # A kill in the middle of a write: half a line without its newline.
    whole = json.dumps(_result("c", [1, 2, 3]).to_dict())
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write(whole[: len(whole) // 2])
    assert set(bc.ResultsLog(log.path).load()) == {"a", "b"}
    resumed = bc.ResultsLog(log.path)
    resumed.append(_result("c", [1, 2, 3]))  # cuts the partial line first
    assert log.path.read_text(encoding="utf-8").count("\n") == 3
    assert resumed.load()["c"].value == [1, 2, 3]
    # A damaged complete line is not silently dropped.
    log.path.write_text(log.path.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    with pytest.raises(RunFailure, match="line 4"):
        log.load()


def test_pending_tasks_keeps_order():
    tasks = [bc.Task(k, {}) for k in ("a", "b", "c", "d")]
    assert [t.key for t in bc.pending_tasks(tasks, {"b": None, "d": None})] == ["a", "c"]
    assert bc.pending_tasks(tasks, {"a", "b", "c", "d"}) == []
