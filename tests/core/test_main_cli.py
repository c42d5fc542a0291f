"""The ``bellsense`` command: exit codes, one-line errors, no partial records, report == run."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from bellsense.cli import main

GOOD = """
name = "cli"
[probe]
states = ["ghz", "product"]
n = [2, 3]
[sensing]
t = [0.5]
[noise]
dephasing = 0.1
[measure]
quantities = ["fisher", "bell"]
[run]
shots = 300
seed = 3
"""


def _spec(tmp_path: pathlib.Path, text: str = GOOD) -> pathlib.Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def _records(root: pathlib.Path) -> list[pathlib.Path]:
    return list(root.rglob("record.json")) + list(root.rglob(".record-*"))


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["report"], ["fetch"], ["status"], ["check"]])
def test_help_everywhere(command, capsys):
    assert main([*command, "--help"]) == 0
    assert "usage: bellsense" in capsys.readouterr().out


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("dephasing = 0.1", "dephasig = 0.1", ["noise.dephasig", "unknown key", "allowed:"]),  # misspelled key
        ("dephasing = 0.1", "dephasing = -0.1", ["noise.dephasing", "got -0.1", "a rate >= 0"]),  # negative rate
        ('states = ["ghz", "product"]', 'state = "dicke"\nk = 4', ["probe.k", "exceeds n", "0 <= k <= n"]),  # k > n
        ('states = ["ghz", "product"]', 'states = ["ghz", "kitten"]', ["probe.states", "'kitten'", "ghz, product"]),
        ("seed = 3", 'seed = 3\nbackend = "quantum_cloud"', ["run.backend", "'quantum_cloud'", "fake_<device>"]),
        ("seed = 3", 'seed = 3\nbackend = "fake_nowhere"', ["run.backend", "fake_nowhere", "fake_torino"]),
    ],
)
def test_bad_specs_exit_2_with_one_line_and_no_record(tmp_path, capsys, old, new, words):
    path = _spec(tmp_path, GOOD.replace(old, new))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-progress"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("bellsense: error: ") and "Traceback" not in captured.err
    for word in words:
        assert word in lines[0], lines[0]
    assert not out.exists() and not _records(tmp_path)


def test_device_noise_and_a_different_backend_conflict(tmp_path, capsys):
    path = _spec(tmp_path, GOOD.replace("dephasing = 0.1", 'device = "fake_torino"')
                 .replace("seed = 3", 'seed = 3\nbackend = "fake_sherbrooke"'))
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "noise.device" in err[0] and "run.backend" in err[0]
    assert not (tmp_path / "o").exists()


def test_unknown_backend_option_and_unwritable_out(tmp_path, capsys):
    path = _spec(tmp_path)
    assert main(["run", str(path), "--backend", "fake_nowhere", "--out", str(tmp_path / "o1")]) == 2
    assert "fake_nowhere" in capsys.readouterr().err
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(["run", str(path), "--out", str(blocker / "sub"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "not writable" in err[0]
    assert not _records(tmp_path)


@pytest.mark.parametrize("argv", [["run", "missing.toml"], ["run"], ["report", "nowhere.json"],
                                  ["run", "x.toml", "--shots", "0"], ["frobnicate"]])
def test_usage_errors_exit_2_one_line(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("bellsense: error: ")


def test_run_then_report_print_the_same_table(tmp_path, capsys):
    path = _spec(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--no-progress"]) == 0
    run_out = capsys.readouterr().out
    assert (out / "record.json").exists() and (out / "fisher_vs_n.png").exists()
    table = [line for line in run_out.splitlines() if not line.startswith(("record:", "plot:"))]
    assert any(line.startswith("ghz ") for line in table) and any(line.startswith("product ") for line in table)
    # Delete everything but the record, then report.
    for png in out.glob("*.png"):
        png.unlink()
    assert main(["report", str(out / "record.json"), "--no-plots"]) == 0
    report_out = capsys.readouterr().out
    assert report_out.splitlines() == table
    assert main(["status", str(out)]) == 0
    assert "RERUN_ON_FETCH" in capsys.readouterr().out
    # A second run into the same folder is refused (the record is never overwritten).
    assert main(["run", str(path), "--out", str(out), "--no-progress"]) == 2
    assert "already holds a record.json" in capsys.readouterr().err


def test_check_and_overrides(tmp_path, capsys):
    path = _spec(tmp_path)
    assert main(["check", str(path)]) == 0
    assert "4 points" in capsys.readouterr().out


def test_ibm_without_account_exits_2_without_leaking(tmp_path):
    # Credentials: HOME points at an empty folder, no QISKIT_IBM_* variables; the secret-looking variable
    # set here must not appear anywhere in the output.
    env = {k: v for k, v in os.environ.items() if not k.startswith("QISKIT_IBM")}
    env.update(HOME=str(tmp_path), BELLSENSE_TEST_SECRET="s3cr3t-value-123")
    path = _spec(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "bellsense.cli", "run", str(path), "--backend", "ibm_nonexistent",
                           "--out", str(tmp_path / "o")], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "account" in lines[0] and "Traceback" not in proc.stderr
    assert "s3cr3t-value-123" not in proc.stdout + proc.stderr
    assert not (tmp_path / "o").exists()


def test_fetch_completes_an_interrupted_run(tmp_path, capsys):
    # A run stopped right after its submissions were recorded (what a killed process leaves), then
    # `bellsense fetch`: the same table as an uninterrupted run with the same seed.
    from bellsense import run as runner
    from bellsense.spec import load_spec

    spec = load_spec(_spec(tmp_path, GOOD.replace("dephasing = 0.1", "readout_p10 = 0.02\nreadout_p01 = 0.02")))
    full = runner.run_experiment(spec, tmp_path / "full", plots=False)
    stopped = runner.execute(runner.prepare(spec, tmp_path / "stopped"), progress=False, plots=False,
                             stop_after_submit=True)
    assert main(["status", str(stopped.record_path)]) == 0
    assert "status submitted" in capsys.readouterr().out
    assert main(["fetch", str(stopped.record_path), "--no-progress", "--no-plots"]) == 0
    fetched = capsys.readouterr().out.splitlines()
    from bellsense import record, report

    assert fetched[:-1] == report.format_table(record.read(full.record_path)).splitlines()
    assert main(["fetch", str(tmp_path / "nowhere")]) == 2
