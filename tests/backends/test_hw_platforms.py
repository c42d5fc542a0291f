"""One Platform class per kind of target; any BaseSamplerV2 through sampler_platform; redacted job errors.

Every run is real (Aer, or a fake device in the runtime's local mode). Shot-based checks use a fixed
seed; thresholds are stated where they are used.
"""

import json

import numpy as np
import pytest
from qiskit_aer.primitives import SamplerV2 as AerSamplerV2
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

from bellsense import backends, circuits
from bellsense.backends.redact import REDACTED, describe_error, redact
from bellsense.backends.sampling import runtime_sampler_class


def _bell_pubs(n, platform):
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 0.2, 0.3), circuits.bell_setting(n))
    isa, _ = backends.prepare_circuits(platform, [circ])
    phases = np.asarray(circuits.bell_phases(n, n + 1))[:, None]
    return [(isa[0], phases), (isa[0], phases[:2], 50)]


def _shape(results):
    return [[(len(next(iter(c))), sum(c.values())) for c in o.counts()] for o in results]


def _runtime_sampler(backend):
    # the same runtime sampler class bellsense uses for devices (the executor sampler where present)
    return runtime_sampler_class()(mode=backend)


def test_platform_classes_and_flags():
    aer, fake = backends.resolve_backend("aer"), backends.resolve_backend("fake_manila")
    user = backends.sampler_platform(AerSamplerV2(seed=1))
    assert isinstance(user, backends.SamplerPlatform) and all(
        isinstance(p, backends.Platform) for p in (aer, fake, user)
    )
    assert [(p.is_device, p.accepts_noise_model) for p in (aer, fake, user)] == [
        (False, True), (True, False), (False, False)
    ]
    assert user.to_dict() == {"name": "sampler:SamplerV2", "kind": "sampler", "device": None, "options": {}}
    assert backends.sampler_platform(AerSamplerV2(), name="mine").name == "mine"
    with pytest.raises(TypeError, match="BaseSamplerV2"):
        backends.sampler_platform(object())


def test_aer_sampler_platform_gives_the_counts_of_resolve_aer():
    """Same PUBs, same seed: the user's AerSampler and the 'aer' platform give counts of the same shape
    and keys (here even identical counts: both are Aer's SamplerV2 with seed 3 on the same circuits)."""
    aer = backends.resolve_backend("aer")
    user = backends.sampler_platform(AerSamplerV2(seed=3))
    pubs = _bell_pubs(3, user)
    ref = backends.collect(aer, backends.submit(aer, pubs, shots=300, seed=3))
    sub = backends.submit(user, pubs, shots=300, seed=3)
    got = backends.collect(user, sub)
    assert got.missing == [] and _shape(got) == _shape(ref) == [[(3, 300)] * 4, [(3, 50)] * 2]
    assert [o.counts() for o in got] == [o.counts() for o in ref]
    record = json.loads(json.dumps(sub.to_dict()))
    assert record["backend"]["kind"] == "sampler" and record["payload"] is None and len(record["job_ids"]) == 1
    assert [s["status"] for s in backends.job_statuses(user, sub)] == ["DONE"]
    # after the process: a clear refusal instead of an obscure failure
    resumed = backends.Submission.from_dict(record)
    with pytest.raises(backends.BackendError, match="user-supplied sampler.*cannot be fetched"):
        backends.platform_for(resumed)
    lost = backends.collect(user, resumed)
    assert lost.missing == [0, 1] and lost[0].status == "LOST" and "user-supplied sampler" in lost[0].error
    with pytest.raises(ValueError, match="needs a device platform"):
        backends.submit(user, pubs, shots=10, calibrate=True)
    with pytest.raises(ValueError, match="noise_model is only for 'aer'"):
        backends.submit(user, pubs, shots=10, noise_model=object())


def test_runtime_sampler_on_a_fake_device_is_transpiled_once_and_runs():
    """A qiskit-ibm-runtime sampler in local mode on FakeManilaV2: the logical circuits are transpiled to
    its backend by submit. GHZ(3) Bell parity at phi = 0 is ideally +1 (all shots even); the device noise
    (~1-3 % per gate and readout) leaves the even fraction well above 0.75 (2000 shots: stderr < 0.01)."""
    user = backends.sampler_platform(_runtime_sampler(FakeManilaV2()))
    assert user.target_backend is not None
    pubs = [p[:2] for p in _bell_pubs(3, user)]  # the executor sampler wants one shot count per job
    assert pubs[0][0].num_qubits == 3  # logical circuits go in
    got = backends.collect(user, backends.submit(user, pubs, shots=2000))
    assert got.missing == [] and _shape(got) == [[(3, 2000)] * 4, [(3, 2000)] * 2]
    counts = got[0].counts()[0]
    even = sum(c for k, c in counts.items() if k.count("1") % 2 == 0)
    assert even / 2000 > 0.75, counts


def test_redact_removes_tokens_crns_and_headers():
    text = (
        "401 for job 8f0c6b7e-1c2d-4e5f-9a0b-1c2d3e4f5a6b: Authorization: Bearer abc.DEF-123 rejected; "
        "token=tok-SECRET-31415926 instance crn:v1:bluemix:public:quantum-computing:us-east:a/SECRETACC:SECRETINST:: "
        "key 0123456789abcdef0123456789abcdef0123 apikey: hunter2xyz after 3 tries"
    )
    out = redact(text)
    for secret in ("abc.DEF-123", "tok-SECRET", "crn:v1", "SECRETACC", "0123456789abcdef0123", "hunter2xyz"):
        assert secret not in out, (secret, out)
    assert "8f0c6b7e-1c2d-4e5f-9a0b-1c2d3e4f5a6b" in out and "after 3 tries" in out and REDACTED in out
    assert redact("plain message, 42 qubits") == "plain message, 42 qubits"
    assert describe_error(RuntimeError("bad\n  Bearer tok-XYZ12345678")) == f"RuntimeError: bad Bearer {REDACTED}"
    with pytest.raises(TypeError, match="needs a str"):
        redact(None)
