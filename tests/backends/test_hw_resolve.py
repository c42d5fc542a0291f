"""Backend resolution by name, options, and IBM credentials (no network: no account is ever valid here)."""

import os
import subprocess
import sys

import pytest
from qiskit_ibm_runtime.fake_provider import FakeSherbrooke, FakeTorino

from bellsense import backends


def test_aer_names():
    assert backends.resolve_backend().to_dict() == {"name": "aer", "kind": "aer", "device": None, "options": {}}
    t = backends.resolve_backend("aer:density_matrix")
    assert isinstance(t, backends.AerPlatform) and t.accepts_noise_model and not t.is_device and t.device is None
    assert (t.options["method"], t.name) == ("density_matrix", "aer:density_matrix")
    assert backends.resolve_backend("aer", method="statevector").name == "aer:statevector"


@pytest.mark.parametrize("name, cls", [("fake_torino", FakeTorino), ("fake_sherbrooke", FakeSherbrooke)])
def test_fake_devices_by_name(name, cls):
    t = backends.resolve_backend(name)
    assert isinstance(t, backends.FakeDevicePlatform) and t.is_device and not t.accepts_noise_model
    assert isinstance(t.device, cls) and t.to_dict()["kind"] == "fake" and t.to_dict()["device"] == cls().name
    assert t.options["optimization_level"] == 1 and t.num_qubits == cls().num_qubits
    assert name in backends.fake_device_names()


def test_every_fake_provider_device_resolves_by_name():
    import qiskit_ibm_runtime.fake_provider as fp

    names = backends.fake_device_names()
    classes = [n for n in dir(fp) if n.startswith("Fake") and n not in ("FakeProviderForBackendV2",)]
    assert len(names) == len(classes)
    assert {"fake_torino", "fake_sherbrooke", "fake_athens", "fake_fez"} <= set(names)


@pytest.mark.parametrize("name, kwargs", [("fake_torino", {"optimization_level": 2}), ("aer:statevector", {})])
def test_platform_for_roundtrip(name, kwargs):
    t = backends.resolve_backend(name, **kwargs)
    sub = backends.Submission(backend=t.to_dict(), job_ids=(), job_pubs=(), shots=())
    assert backends.platform_for(sub) == t and type(backends.platform_for(sub)) is type(t)


def test_fake_backend_resolves_every_spelling():
    names = {backends.fake_backend(x).name for x in ("fake_belem", "FakeBelemV2", "FakeBelem", "belem")}
    assert names == {"fake_belem"}
    with pytest.raises(ValueError, match="unknown fake device 'fake_nowhere'; fake devices: .*fake_torino"):
        backends.fake_backend("fake_nowhere")
    with pytest.raises(TypeError, match="non-empty str"):
        backends.fake_backend("")


def test_check_width_fails_early_on_a_small_device():
    armonk = backends.resolve_backend("fake_armonk")
    backends.check_width(armonk, 1)
    backends.check_width(backends.resolve_backend("aer"), 40)  # no device, no width limit
    with pytest.raises(backends.BackendError, match="fake_armonk has 1 qubit.*n = 3"):
        backends.check_width(armonk, 3)
    with pytest.raises(ValueError, match="n must be a positive int"):
        backends.check_width(armonk, 0)


@pytest.mark.parametrize(
    "name, kwargs, err, match",
    [
        ("qasm_simulator", {}, ValueError, "unknown backend 'qasm_simulator'; allowed: 'aer'"),
        ("fake_nowhere", {}, ValueError, "unknown fake device 'fake_nowhere'.*fake_torino"),
        ("aer:fastest", {}, ValueError, "Aer method 'fastest' cannot sample.*allowed: statevector, density_matrix"),
        ("aer:automatic", {}, backends.BackendError, "Aer method 'automatic' cannot sample"),
        ("aer:unitary", {}, backends.BackendError, "Aer method 'unitary' cannot sample"),
        ("aer:stabilizer", {}, backends.BackendError, "Aer method 'stabilizer' cannot sample"),
        ("aer:superop", {}, backends.BackendError, "Aer method 'superop' cannot sample"),
        ("aer:extended_stabilizer", {}, backends.BackendError, "Aer method 'extended_stabilizer' cannot sample"),
        ("fake_torino", {"method": "automatic"}, backends.BackendError, "Aer method 'automatic' cannot sample"),
        ("aer:statevector", {"method": "density_matrix"}, ValueError, "not both"),
        ("aer", {"shots": 5}, ValueError, r"unknown backend option\(s\) \['shots'\].*allowed: \['method'\]"),
        ("fake_torino", {"optimization_level": 7}, ValueError, "optimization_level must be an int in 0..3"),
        ("fake_torino", {"time_unit": -1}, ValueError, "time_unit must be a positive"),
        ("fake_torino", {"drop_fraction": 1.0}, ValueError, "drop_fraction"),
        ("fake_torino", {"dynamical_decoupling": "YY"}, ValueError, "dynamical_decoupling must be"),
        ("fake_torino", {"twirling": "yes"}, ValueError, "twirling must be True or False"),
        ("fake_torino", {"pubs_per_job": 0}, ValueError, "pubs_per_job"),
        (42, {}, TypeError, "backend name must be a str"),
    ],
)
def test_bad_names_and_options(name, kwargs, err, match):
    with pytest.raises(err, match=match):
        backends.resolve_backend(name, **kwargs)


_SCRIPT = """
from bellsense import backends
try:
    backends.resolve_backend("ibm_nonexistent")
except backends.CredentialsError as exc:
    print("CredentialsError:", exc)
"""


@pytest.mark.parametrize("with_token", [False, True])
def test_ibm_without_a_usable_account_raises_credentials_error(tmp_path, with_token):
    """Empty HOME (no saved account); with or without (unusable) QISKIT_IBM_* values, which never show up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QISKIT_IBM")}
    env["HOME"] = str(tmp_path)
    secrets = []
    if with_token:
        secrets = ["tok-SECRET-31415926", "crn:v1:bluemix:public:quantum-computing:us-east:a/SECRETACC:SECRETINST::"]
        env["QISKIT_IBM_TOKEN"], env["QISKIT_IBM_INSTANCE"] = secrets
    proc = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("CredentialsError:")
    # With (fake) credentials and no network, the message says the network failed (issue 11 item 10).
    assert ("network is unreachable" if with_token else "QiskitRuntimeService.save_account(") in lines[0]
    for value in secrets:
        assert value not in out and "SECRET" not in out
