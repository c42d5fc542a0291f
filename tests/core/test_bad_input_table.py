"""The bad-input table (issue 11): every case runs through the real CLI and docs/bad_input.md is its rendering.

Each case of :data:`CASES` is a bad input, the command it goes to, a fragment of the one line the
command must print on stderr, the exit code, and what is left on disk (always what was there
before: the command creates nothing, and changes nothing it was given). Most cases call
``bellsense.cli.main`` in-process (fast); those marked ``subprocess`` run ``python -m bellsense.cli``.
``docs/bad_input.md`` is generated from the same list (``python tests/core/test_bad_input_table.py``
rewrites it), and a test checks that it is up to date, so the table and the tests cannot drift.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bellsense.cli import main

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "bad_input.md"

GOOD = """name = "tiny"
[probe]
state = "ghz"
n = 2
[sensing]
t = [0.0]
[measure]
quantities = ["fisher"]
[run]
shots = 100
seed = 1
"""
FAKE_TOKEN = "FAKETOKEN-not-a-real-key-0123456789"
GOOD_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/0123abcd:4567efgh::"


def _spec(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


@dataclass(frozen=True)
class Case:
    """One row of the table. ``argv`` may use ``{spec}`` (spec.toml), ``{out}`` (a new folder), ``{run}``
    (a folder with a copy of a real record, tampered by ``setup``) and ``{dir}`` (the case's folder)."""

    key: str
    bad: str
    argv: tuple[str, ...]
    message: str
    left: str = "nothing new; inputs unchanged"
    code: int = 2
    spec: str | bytes | None = None
    setup: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    subprocess: bool = False
    offline: bool = False  # needs an unreachable network


RUN = ("run", "{spec}", "--out", "{out}", "--no-progress", "--no-plots")
CHECK = ("check", "{spec}")
IBM_ENV = (("QISKIT_IBM_TOKEN", FAKE_TOKEN), ("QISKIT_IBM_INSTANCE", GOOD_CRN))

CASES: list[Case] = [
    # ---- the spec file
    Case("binary-spec", "a binary spec file", RUN, "not a text file", spec=b"\x89PNG\r\n\x1a\n\x00\xff\xfe",
         subprocess=True),
    Case("empty-spec", "an empty spec file", RUN, "the spec is empty", spec=""),
    Case("comment-spec", "a spec with only comments", CHECK, "the spec is empty", spec="# nothing here\n"),
    Case("bad-toml", "a spec that is not TOML", CHECK, "not valid TOML", spec="[probe\nn = 2\n"),
    Case("missing-spec", "a spec file that does not exist", CHECK, "cannot read the spec"),
    Case("folder-spec", "a folder given as the spec", ("check", "{dir}"), "cannot read the spec"),
    Case("unknown-section", "an unknown top-level key", CHECK, "frobnicate: unknown key",
         spec=GOOD + "frobnicate = 1\n"),
    Case("misspelled-key", "a misspelled key (`dephasig`)", CHECK, "noise.dephasig: unknown key",
         spec=GOOD + "[noise]\ndephasig = 0.1\n"),
    Case("negative-rate", "a negative dephasing rate", CHECK, "noise.dephasing",
         spec=GOOD + "[noise]\ndephasing = -0.1\n"),
    Case("unknown-state", "an unknown state", CHECK, "unknown state 'kitten'",
         spec=_spec('state = "ghz"', 'state = "kitten"')),
    Case("duplicate-n", "duplicate `n` values", CHECK, "probe.n: [2, 2] repeats a size",
         spec=_spec("n = 2", "n = [2, 2]")),
    Case("duplicate-t", "duplicate `t` values", CHECK, "sensing.t: [0.5, 0.5] repeats a time",
         spec=_spec("t = [0.0]", "t = [0.5, 0.5]")),
    Case("duplicate-state", "a state listed twice", CHECK, "repeats a state",
         spec=_spec('state = "ghz"', 'states = ["ghz", "ghz"]')),
    Case("k-on-ghz", "`k` on a GHZ state", CHECK, "probe.k: does not apply", spec=_spec("n = 2", "n = 2\nk = 1")),
    Case("amplitudes-on-ghz", "`amplitudes` on a GHZ state", CHECK, "probe.amplitudes: does not apply",
         spec=_spec("n = 2", "n = 2\namplitudes = [1.0, 0.0, 1.0]")),
    Case("weights-on-ghz", "`weights` on a GHZ state", CHECK, "probe.weights: does not apply",
         spec=_spec("n = 2", "n = 2\nweights = [1.0, -1.0]")),
    Case("weights-underflow", "network weights that underflow (`[1, 1e-300]`)", CHECK,
         "probe.weights: 1e-300 underflows", spec=_spec('state = "ghz"\nn = 2',
                                                          'state = "network"\nn = 4\nweights = [1, 1e-300]')),
    Case("network-no-weights", "a network state without weights", CHECK, "probe.weights: is missing",
         spec=_spec('state = "ghz"', 'state = "network"')),
    Case("symmetric-no-amplitudes", "a symmetric state without amplitudes", CHECK, "probe.amplitudes: is missing",
         spec=_spec('state = "ghz"', 'state = "symmetric"')),
    Case("k-above-n", "Dicke `k` larger than `n`", CHECK, "probe.k: k = 4 exceeds n = 2",
         spec=_spec('state = "ghz"\nn = 2', 'state = "dicke"\nn = 2\nk = 4')),
    Case("time-unit-on-aer", "`time_unit` on Aer", CHECK, "run.time_unit: does not apply",
         spec=_spec("seed = 1", "seed = 1\ntime_unit = 1e-6")),
    Case("seed-2-64-spec", "`seed = 2**64` in the spec", CHECK, "run.seed: 18446744073709551616 is above 2**63 - 1",
         spec=_spec("seed = 1", "seed = 18446744073709551616")),
    Case("shots-1e12-spec", "`shots = 10**12` in the spec", CHECK, "run.shots: 1000000000000 is above 10**8",
         spec=_spec("shots = 100", "shots = 1000000000000")),
    Case("shots-fraction", "a fractional shot count", CHECK, "run.shots: 1.5 is not an integer",
         spec=_spec("shots = 100", "shots = 1.5")),
    Case("delta-too-big", "a finite-difference step above 1", CHECK, "measure.delta",
         spec=_spec('quantities = ["fisher"]', 'quantities = ["fisher"]\ndelta = 5.0')),
    Case("theta-word", "a working point that is neither a number nor 'optimal'", CHECK, "sensing.theta",
         spec=_spec("t = [0.0]", 't = [0.0]\ntheta = "best"')),
    Case("pi-bell-no-angles", "`pi_bell` without its angles", CHECK, "measure.pi_bell_angles: is missing",
         spec=_spec('quantities = ["fisher"]', 'quantities = ["pi_bell"]')),
    Case("empty-name", "an empty name", CHECK, "name: '' is not a non-empty string", spec='name = ""\n' + GOOD[13:]),
    Case("device-not-a-name", "`noise.device` that is not a device name", CHECK, "noise.device: 'torino'",
         spec=GOOD + '[noise]\ndevice = "torino"\n'),
    # ---- sizes no stage can handle (issue 11 item 13: refused by `check` and `run` up front)
    Case("network-n50", "a network state at n = 50", CHECK, "simulation stage cannot handle network at n = 50",
         spec=_spec('state = "ghz"\nn = 2', 'state = "network"\nn = 50\nweights = [-1, 1]')),
    Case("dicke-n40-noisy", "a noisy Dicke state at n = 40", CHECK, "simulation stage cannot handle dicke at n = 40",
         spec=_spec('state = "ghz"\nn = 2', 'state = "dicke"\nn = 40').replace("t = [0.0]", "t = [1.0]")
         + "[noise]\ndephasing = 0.1\n"),
    # ---- the backend (checked by `run` during setup, before any exact value is computed)
    Case("unknown-backend", "an unknown backend name", RUN, "run.backend: unknown backend 'quantum_cloud'",
         spec=_spec("seed = 1", 'seed = 1\nbackend = "quantum_cloud"')),
    Case("aer-unitary", "an Aer method that cannot sample (`aer:unitary`)", RUN, "run.backend",
         spec=_spec("seed = 1", 'seed = 1\nbackend = "aer:unitary"')),
    Case("bad-noise-device", "an unknown `noise.device`", RUN, "noise.device:",
         spec=GOOD + '[noise]\ndevice = "fake_nowhere"\n'),
    Case("device-too-small", "`fake_armonk` (1 qubit) at n = 3", RUN, "fake_armonk has 1 qubit",
         spec=_spec("seed = 1", 'seed = 1\nbackend = "fake_armonk"').replace("n = 2", "n = 3")),
    Case("ibm-bad-crn", "IBM: a malformed CRN in QISKIT_IBM_INSTANCE", RUN, "not a valid CRN",
         spec=_spec("seed = 1", 'seed = 1\nbackend = "ibm_torino"'),
         env=(("QISKIT_IBM_TOKEN", FAKE_TOKEN), ("QISKIT_IBM_INSTANCE", "crn:bad"))),
    Case("ibm-offline", "IBM: token and instance set, no network", RUN, "network is unreachable",
         spec=_spec("seed = 1", 'seed = 1\nbackend = "ibm_torino"'), env=IBM_ENV, offline=True, subprocess=True),
    Case("ibm-no-account", "IBM: no saved account, no environment credentials", RUN,
         "no usable IBM Quantum account", spec=_spec("seed = 1", 'seed = 1\nbackend = "ibm_torino"')),
    # ---- the command line
    Case("seed-2-64", "`--seed 2**64`", (*RUN, "--seed", str(2**64)), "--seed: '18446744073709551616' is above",
         spec=GOOD, subprocess=True),
    Case("shots-1e12", "`--shots 10**12`", (*RUN, "--shots", str(10**12)), "--shots: '1000000000000' is above",
         spec=GOOD),
    Case("shots-zero", "`--shots 0`", (*RUN, "--shots", "0"), "--shots: '0' must be >= 1", spec=GOOD),
    Case("out-empty", "`--out ''`", ("run", "{spec}", "--out", ""), "argument --out: is empty", spec=GOOD),
    Case("out-file", "`--out` naming a file", ("run", "{spec}", "--out", "{dir}/file.txt", "--no-progress"),
         "exists and is not a folder", spec=GOOD, setup="a_file"),
    Case("out-user-files", "`--out` folder holding a user's `fisher_vs_n.png`", RUN,
         "holds 'fisher_vs_n.png'", spec=GOOD, setup="user_png", left="the user's file, unchanged"),
    Case("out-has-record", "`--out` folder that already holds a record", ("run", "{spec}", "--out", "{run}"),
         "already holds a record.json", spec=GOOD, setup="record", left="the earlier record, unchanged"),
    Case("unknown-command", "an unknown command", ("frobnicate",), "invalid choice"),
    Case("run-no-spec", "`run` without a spec", ("run",), "required: SPEC"),
    # ---- records given to report / fetch / status
    Case("report-missing", "`report` on a missing record", ("report", "{dir}/nowhere.json"),
         "cannot read the record"),
    Case("report-not-json", "`report` on a file that is not JSON", ("report", "{dir}/file.txt"),
         "not a JSON record", setup="a_file"),
    Case("report-deep-json", "`report` on deeply nested JSON", ("report", "{dir}/deep.json"),
         "nested too deeply", setup="deep_json", subprocess=True),
    Case("report-not-record", "`report` on JSON that is not a record", ("report", "{dir}/file.json"),
         "not a bellsense record", setup="json_list"),
    Case("report-counts-x1000", "`report` on a record with every count x1000", ("report", "{run}", "--no-plots"),
         "the counts sum to 100000, but the record ran 100 shots", setup="counts_x1000",
         left="the tampered record, unchanged"),
    Case("report-count-width", "`report` on counts of the wrong width", ("report", "{run}", "--no-plots"),
         "bit strings of width 3, but point 0 has n = 2", setup="counts_width", left="the tampered record, unchanged"),
    Case("report-count-string", "`report` on a count stored as a string", ("report", "{run}", "--no-plots"),
         "does not match the record schema at circuits/0/bindings/0/counts", setup="count_string",
         left="the tampered record, unchanged"),
    Case("report-no-exact", "`report` on a record without its exact values", ("report", "{run}", "--no-plots"),
         "no exact values for point 0", setup="no_exact", left="the tampered record, unchanged"),
    Case("report-null-exact", "`report` on an exact entry emptied without a reason", ("report", "{run}", "--no-plots"),
         "exact values are missing and no reason is recorded", setup="null_exact",
         left="the tampered record, unchanged"),
    Case("report-wrong-point", "`report` on a circuit of a point that does not exist",
         ("report", "{run}", "--no-plots"), "point 7 does not exist", setup="wrong_point",
         left="the tampered record, unchanged"),
    Case("report-complete-missing", "`report` on a \"complete\" record that lists missing circuits",
         ("report", "{run}", "--no-plots"), "\"complete\" but the record lists missing circuits", setup="missing",
         left="the tampered record, unchanged"),
    Case("report-version", "`report` on an unknown schema version", ("report", "{run}", "--no-plots"),
         "unknown record schema_version 9", setup="version_9", left="the tampered record, unchanged"),
    Case("report-out-file", "`report --out FILE` (nothing printed first)",
         ("report", "{run}", "--out", "{dir}/file.txt"),
         "--out {dir}/file.txt: is a file", setup="record_and_file", left="the record and the file, unchanged"),
    Case("report-out-user-folder", "`report --out` a user's non-empty folder",
         ("report", "{run}", "--out", "{dir}/mine"),
         "holds 'fisher_vs_n.png'", setup="record_and_user_png", left="the record and the user's file, unchanged"),
    Case("fetch-tampered", "`fetch` on a tampered record", ("fetch", "{run}", "--no-progress", "--no-plots"),
         "the counts sum to 100000", setup="counts_x1000", left="the tampered record, unchanged"),
    Case("status-tampered", "`status` on a tampered record", ("status", "{run}"), "the counts sum to 100000",
         setup="counts_x1000", left="the tampered record, unchanged"),
]


# ------------------------------------------------------------------ setups
def _tamper(change: Callable[[dict], None]) -> Callable[[pathlib.Path, pathlib.Path], None]:
    def setup(case_dir: pathlib.Path, good_run: pathlib.Path) -> None:
        run = case_dir / "run"
        shutil.copytree(good_run, run)
        data = json.loads((run / "record.json").read_text())
        change(data)
        (run / "record.json").write_text(json.dumps(data))

    return setup


def _counts(data: dict) -> dict:
    return data["circuits"][0]["bindings"][0]["counts"]


def _x1000(data: dict) -> None:
    for c in data["circuits"]:
        for b in c["bindings"]:
            b["counts"] = {k: 1000 * v for k, v in b["counts"].items()}


def _file(case_dir: pathlib.Path, good_run: pathlib.Path) -> None:
    (case_dir / "file.txt").write_text("a user's notes\n")


def _user_png(case_dir: pathlib.Path, good_run: pathlib.Path) -> None:
    (case_dir / "out").mkdir()
    (case_dir / "out" / "fisher_vs_n.png").write_bytes(b"the user's own figure")


SETUPS: dict[str, Callable[[pathlib.Path, pathlib.Path], None]] = {
    "a_file": _file,
    "user_png": _user_png,
    "record": _tamper(lambda d: None),
    "deep_json": lambda case, good: (case / "deep.json").write_text("[" * 200_000 + "]" * 200_000),
    "json_list": lambda case, good: (case / "file.json").write_text("[1, 2, 3]"),
    "counts_x1000": _tamper(_x1000),
    "counts_width": _tamper(lambda d: d["circuits"][0]["bindings"][0].update(
        counts={"0" + k: v for k, v in _counts(d).items()})),
    "count_string": _tamper(lambda d: _counts(d).update({k: str(v) for k, v in _counts(d).items()})),
    "no_exact": _tamper(lambda d: d.update(exact=[])),
    "null_exact": _tamper(lambda d: d["exact"][0].update(qfi_exact=None)),
    "wrong_point": _tamper(lambda d: d["circuits"][0].update(point=7)),
    "missing": _tamper(lambda d: d.update(missing=[{"point": 0, "role": "fisher", "status": "CANCELLED",
                                                    "error": None}])),
    "version_9": _tamper(lambda d: d.update(schema_version=9)),
    "record_and_file": lambda case, good: (SETUPS["record"](case, good), _file(case, good)),
    "record_and_user_png": lambda case, good: (SETUPS["record"](case, good), (case / "mine").mkdir(),
                                               (case / "mine" / "fisher_vs_n.png").write_bytes(b"mine")),
}


# ------------------------------------------------------------------ the table
def render(cases: list[Case]) -> str:
    """docs/bad_input.md: the table of :data:`CASES`."""
    lines = [
        "# Bad input: what bellsense says, and what it leaves on disk",
        "",
        "Generated from `tests/core/test_bad_input_table.py` (`python tests/core/test_bad_input_table.py` "
        "rewrites it); every row is a test that runs the command through the real CLI and checks the exit code, "
        "that stderr is one line (no traceback) holding the message fragment, and that the files on disk are "
        "exactly those before the command. `SPEC` is a small valid spec with the change named in the first "
        "column, `OUT` a new folder, `RUN` a folder holding a real record (tampered as described), `DIR` a folder.",
        "",
        f"{len(cases)} cases. Exit code 2: bad input (usage, spec, setup, credentials or record); nothing is "
        "written. Exit code 1 is kept for runs that fail after submission (then the record stays for "
        "`bellsense fetch`).",
        "",
        "| # | bad input | command | message (fragment) | exit | left on disk |",
        "|---|---|---|---|---|---|",
    ]
    names = {"{spec}": "SPEC", "{out}": "OUT", "{run}": "RUN", "{dir}/": "", "{dir}": "DIR"}
    for k, case in enumerate(cases, 1):
        argv = " ".join(repr(a) if a == "" else a for a in case.argv if a not in ("--no-progress", "--no-plots"))
        message = case.message
        for old, new in names.items():
            argv, message = argv.replace(old, new), message.replace(old, new)
        cell = f"`bellsense {argv}`".replace("|", "\\|")
        lines.append(f"| {k} | {case.bad} | {cell} | `{message}` | {case.code} | {case.left} |")
    return "\n".join(lines) + "\n"


def test_the_table_has_40_cases_and_docs_is_its_rendering():
    assert len(CASES) >= 40 and len({c.key for c in CASES}) == len(CASES)
    assert DOC.read_text(encoding="utf-8") == render(CASES), "regenerate: python tests/core/test_bad_input_table.py"


# ------------------------------------------------------------------ the cases
@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> pathlib.Path:
    """A folder with a real record of the tiny spec (one Aer run, ~2 s), copied and tampered by the cases."""
    root = tmp_path_factory.mktemp("good")
    (root / "spec.toml").write_text(GOOD)
    assert main(["run", str(root / "spec.toml"), "--out", str(root / "run"), "--no-progress", "--no-plots"]) == 0
    return root / "run"


def _snapshot(root: pathlib.Path) -> dict[str, tuple[int, str]]:
    """Every file and folder under ``root`` (but ``home``, the caches of a subprocess) with its mode and hash."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.relative_to(root).parts[0] == "home":
            continue
        data = b"" if path.is_dir() else path.read_bytes()
        out[str(path.relative_to(root))] = (path.stat().st_mode, hashlib.sha256(data).hexdigest())
    return out


def _offline() -> bool:
    try:
        socket.getaddrinfo("iam.cloud.ibm.com", 443)
    except OSError:
        return True
    return False


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_bad_input(case: Case, tmp_path, good_run, capsys, monkeypatch):
    if case.offline and not _offline():
        pytest.skip("needs an unreachable network (iam.cloud.ibm.com resolves here)")
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    if case.spec is not None:
        spec = case_dir / "spec.toml"
        spec.write_bytes(case.spec if isinstance(case.spec, bytes) else case.spec.encode())
    if case.setup:
        SETUPS[case.setup](case_dir, good_run)
    fields = {"spec": str(case_dir / "spec.toml"), "out": str(case_dir / "out"), "run": str(case_dir / "run"),
              "dir": str(case_dir)}
    argv = [a.format(**fields) for a in case.argv]
    before = _snapshot(tmp_path)
    # No saved IBM account and no IBM variables unless the case sets them; the default output folder is inside.
    env = {k: v for k, v in os.environ.items() if not k.startswith("QISKIT_IBM")}
    env.update(dict(case.env), HOME=str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    if case.subprocess:
        done = subprocess.run([sys.executable, "-m", "bellsense.cli", *argv], capture_output=True, text=True,
                              env=env, timeout=120)
        code, out, err = done.returncode, done.stdout, done.stderr
    else:
        for key in [k for k in os.environ if k.startswith("QISKIT_IBM")]:
            monkeypatch.delenv(key)
        for key, value in (*case.env, ("HOME", env["HOME"])):
            monkeypatch.setenv(key, value)
        code = main(argv)
        out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == case.code, err
    assert len(lines) == 1 and lines[0].startswith("bellsense:"), err
    assert case.message.format(**fields) in lines[0], lines[0]
    assert "Traceback" not in err and FAKE_TOKEN not in err + out and GOOD_CRN not in err + out
    assert out == "", "nothing is printed on stdout before the error"
    assert _snapshot(tmp_path) == before, "the command left or changed files"


if __name__ == "__main__":  # regenerate docs/bad_input.md
    DOC.write_text(render(CASES), encoding="utf-8")
    print(f"wrote {DOC} ({len(CASES)} cases)")
